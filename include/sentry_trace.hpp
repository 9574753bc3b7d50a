// sentry_trace.hpp -- Sentry performance tracing for native programs, in one header
//
// WHAT IT DOES  Transactions and spans recorded in fixed pools, sampling, and real Sentry
//               envelopes handed to a pluggable transport. Include this file (or the generated
//               single_include/sentry_trace.hpp, which is the same code in one file).
//
//                 #include <sentry_trace.hpp>
//                 namespace st = sentry_trace;
//                 st::options o;
//                 o.dsn = "https://public@o1.ingest.sentry.io/42";
//                 o.traces_sample_rate = 1.0;
//                 o.transport = &my_transport;
//                 st::init(o);
//                 st::start_span({"order.process", "task"}, [](st::span& s) { ... });
//                 st::shutdown(2000);
//
// DOES NOT      allocate after init(), lock or format text on the span path, throw, or need
//               anything at run time. Switches: sentry_trace/config.hpp. Options: tracer.hpp.
//               The parts, bottom to top, each including only those above it:
//                 config, hooks, status, attributes, outcome_kinds, sampling_context, platform,
//                 json, ids, outcomes, span, dsn, sampling, propagation, pool, envelope, events,
//                 transport, ratelimit, http_client, transport_http, tracer, distributed, api,
//                 frames, then macros (SENTRY_TRACE_SCOPE, SENTRY_TRACE_FUNCTION).
//               SENTRY_TRACE_ENABLED=0 includes disabled.hpp instead of platform ... frames: every
//               call compiles to nothing and the program still builds. hooks, status, attributes,
//               outcome_kinds and sampling_context hold the value vocabulary of both modes:
//               the enabled parts and disabled.hpp both include them.

#ifndef SENTRY_TRACE_HPP
#define SENTRY_TRACE_HPP

#include "sentry_trace/config.hpp"

#if SENTRY_TRACE_ENABLED
#include "sentry_trace/core/platform.hpp"
#include "sentry_trace/protocol/json.hpp"
#include "sentry_trace/protocol/ids.hpp"
#include "sentry_trace/core/outcomes.hpp"
#include "sentry_trace/face/span.hpp"
#include "sentry_trace/protocol/dsn.hpp"
#include "sentry_trace/protocol/sampling.hpp"
#include "sentry_trace/protocol/propagation.hpp"
#include "sentry_trace/core/pool.hpp"
#include "sentry_trace/protocol/envelope.hpp"
#include "sentry_trace/protocol/events.hpp"
#include "sentry_trace/delivery/transport.hpp"
#include "sentry_trace/protocol/ratelimit.hpp"
#include "sentry_trace/delivery/http_client.hpp"
#include "sentry_trace/delivery/transport_http.hpp"
#include "sentry_trace/face/options.hpp"
#include "sentry_trace/core/state.hpp"
#include "sentry_trace/core/scopes.hpp"
#include "sentry_trace/core/incoming.hpp"
#include "sentry_trace/delivery/dispatch.hpp"
#include "sentry_trace/core/claims.hpp"
#include "sentry_trace/core/streaming.hpp"
#include "sentry_trace/core/recording.hpp"
#include "sentry_trace/runtime/environment.hpp"
#include "sentry_trace/runtime/lifecycle.hpp"
#include "sentry_trace/core/span_members.hpp"
#include "sentry_trace/runtime/distributed.hpp"
#include "sentry_trace/face/api.hpp"
#include "sentry_trace/runtime/frames.hpp"
#else
// SENTRY_TRACE_ENABLED=0: the same public surface as empty inlines, and nothing else.
#include "sentry_trace/face/disabled.hpp"
#endif // SENTRY_TRACE_ENABLED

#include "sentry_trace/face/macros.hpp"

#endif // SENTRY_TRACE_HPP
