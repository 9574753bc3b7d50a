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
//                 st::init(o);
//                 st::start_span({"order.process", "task"}, [](st::span& s) { ... });
//                 st::shutdown(2000);
//
// TWO HALVES    By default this header declares the API and nothing else heavier than
//               <cstdint>, <cstddef>, <cstring> and <string_view>: every TU pays only for that.
//               Exactly one TU of the program compiles the library:
//                 #define SENTRY_TRACE_IMPLEMENTATION
//                 #include <sentry_trace.hpp>
//               The CMake target sentry_trace::sentry_trace and the Meson dependency provide that
//               TU themselves (src/sentry_trace.cpp). A one-file program defines it in its one
//               file. A TU that wants the library's parts without their definitions (the hosted
//               transports file_transport, console_transport, http_transport; the JSON writer;
//               the parsers) defines SENTRY_TRACE_INTERNALS instead, and pays the full compile.
//               Define either before the first include of this header in the TU.
// DOES NOT      allocate after init(), lock or format text on the span path, throw, or need
//               anything at run time. Switches: sentry_trace/config.hpp. Options: face/options.hpp.
//               The parts, bottom to top, each including only those below it:
//                 face/     what every TU compiles: the vocabulary (hooks, status, attributes,
//                           outcome_kinds, sampling_context, ids, sampler), span, transport,
//                           options, api, distributed, active, frames, macros;
//                 core/     the span path's state and recording: platform, outcomes, records,
//                           pool, state, scopes, incoming, claims, streaming, recording,
//                           span_members;
//                 protocol/ text and payloads: text, json, ids, dsn, sampling, propagation,
//                           envelope, events, ratelimit;
//                 profiling/ the sampling profiler and native stack traces: stack_walk,
//                           frames, sampler, profile_store, symbols (with protocol/demangle;
//                           protocol/profile writes the payloads), profiler_state (the stores
//                           and a root's part; runtime/profiler runs the models);
//                 delivery/ transports, http_client, transport_http, dispatch;
//                 runtime/  environment, lifecycle (init/flush/shutdown, fork), distributed, api,
//                           active.
//               SENTRY_TRACE_ENABLED=0 includes face/disabled.hpp instead of the face: every call
//               compiles to nothing, the program still builds, and no implementation TU is needed.

#ifndef SENTRY_TRACE_HPP
#define SENTRY_TRACE_HPP

#include "sentry_trace/config.hpp"

#if SENTRY_TRACE_ENABLED
#include "sentry_trace/face/hooks.hpp"
#include "sentry_trace/face/status.hpp"
#include "sentry_trace/face/event_options.hpp"
#include "sentry_trace/face/attributes.hpp"
#include "sentry_trace/face/outcome_kinds.hpp"
#include "sentry_trace/face/sampling_context.hpp"
#include "sentry_trace/face/ids.hpp"
#include "sentry_trace/face/sampler.hpp"
#include "sentry_trace/face/span.hpp"
#include "sentry_trace/face/transport.hpp"
#include "sentry_trace/face/options.hpp"
#include "sentry_trace/face/api.hpp"
#include "sentry_trace/face/distributed.hpp"
#include "sentry_trace/face/active.hpp"
#include "sentry_trace/face/frames.hpp"
#else
// SENTRY_TRACE_ENABLED=0: the same public surface as empty inlines, and nothing else.
#include "sentry_trace/face/disabled.hpp"
#endif // SENTRY_TRACE_ENABLED

#include "sentry_trace/face/macros.hpp"

#endif // SENTRY_TRACE_HPP

// The library itself: compiled by the TU that defines SENTRY_TRACE_IMPLEMENTATION (its
// definitions), or seen by one that defines SENTRY_TRACE_INTERNALS (its parts, no definitions).
// Outside the include guard above, so a TU that included the face earlier still gets it here.
#if SENTRY_TRACE_ENABLED
#if defined(SENTRY_TRACE_IMPLEMENTATION) || defined(SENTRY_TRACE_INTERNALS)
#include "sentry_trace/core/platform.hpp"
#include "sentry_trace/protocol/text.hpp"
#include "sentry_trace/protocol/json.hpp"
#include "sentry_trace/protocol/host_contexts.hpp"
#include "sentry_trace/protocol/type_name.hpp"
#include "sentry_trace/profiling/stack_walk.hpp"
#include "sentry_trace/profiling/frames.hpp"
#include "sentry_trace/profiling/sampler.hpp"
#include "sentry_trace/profiling/profile_store.hpp"
#include "sentry_trace/protocol/demangle.hpp"
#include "sentry_trace/profiling/symbols.hpp"
#include "sentry_trace/protocol/stacktrace.hpp"
#include "sentry_trace/profiling/event_stack.hpp"
#include "sentry_trace/protocol/ids.hpp"
#include "sentry_trace/core/outcomes.hpp"
#include "sentry_trace/core/records.hpp"
#include "sentry_trace/protocol/dsn.hpp"
#include "sentry_trace/protocol/sampling.hpp"
#include "sentry_trace/protocol/propagation.hpp"
#include "sentry_trace/core/pool.hpp"
#include "sentry_trace/core/clock.hpp"
#include "sentry_trace/protocol/envelope.hpp"
#include "sentry_trace/protocol/profile.hpp"
#include "sentry_trace/protocol/events.hpp"
#include "sentry_trace/delivery/transport.hpp"
#include "sentry_trace/protocol/ratelimit.hpp"
#include "sentry_trace/delivery/http_client.hpp"
#include "sentry_trace/delivery/transport_http.hpp"
#include "sentry_trace/core/state.hpp"
#include "sentry_trace/profiling/profiler_state.hpp"
#include "sentry_trace/core/scopes.hpp"
#include "sentry_trace/core/incoming.hpp"
#include "sentry_trace/delivery/handoff.hpp"
#include "sentry_trace/delivery/dispatch.hpp"
#include "sentry_trace/runtime/profiler.hpp"
#include "sentry_trace/core/claims.hpp"
#include "sentry_trace/core/streaming.hpp"
#include "sentry_trace/core/recording.hpp"
#include "sentry_trace/runtime/environment.hpp"
#include "sentry_trace/runtime/lifecycle.hpp"
#include "sentry_trace/core/span_members.hpp"
#include "sentry_trace/runtime/distributed.hpp"
#include "sentry_trace/runtime/api.hpp"
#include "sentry_trace/runtime/active.hpp"
#endif // SENTRY_TRACE_IMPLEMENTATION || SENTRY_TRACE_INTERNALS
#endif // SENTRY_TRACE_ENABLED
