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
//                 config, platform, json, ids, outcomes, span, dsn, sampling, propagation, pool,
//                 envelope, events, transport, tracer, distributed, api.

#ifndef SENTRY_TRACE_HPP
#define SENTRY_TRACE_HPP

#include "sentry_trace/config.hpp"
#include "sentry_trace/platform.hpp"
#include "sentry_trace/json.hpp"
#include "sentry_trace/ids.hpp"
#include "sentry_trace/outcomes.hpp"
#include "sentry_trace/span.hpp"
#include "sentry_trace/dsn.hpp"
#include "sentry_trace/sampling.hpp"
#include "sentry_trace/propagation.hpp"
#include "sentry_trace/pool.hpp"
#include "sentry_trace/envelope.hpp"
#include "sentry_trace/events.hpp"
#include "sentry_trace/transport.hpp"
#include "sentry_trace/tracer.hpp"
#include "sentry_trace/distributed.hpp"
#include "sentry_trace/api.hpp"

#endif // SENTRY_TRACE_HPP
