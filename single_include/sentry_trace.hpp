// sentry_trace -- Sentry performance tracing for native programs (single header)
//
// GENERATED FILE: never edit it by hand.
// It is produced by tools/amalgamate.py from include/sentry_trace.hpp and the parts in
// include/sentry_trace/**/*.hpp. To change it, edit those parts and rerun
//
//     python3 tools/amalgamate.py
//
// CI runs `python3 tools/amalgamate.py --check` and fails when this file is out of date.
// The documentation of each part is the comment block that opens its section below.

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
//                           frames;
//                 delivery/ transports, http_client, transport_http, dispatch;
//                 runtime/  environment, lifecycle (init/flush/shutdown, fork), distributed, api,
//                           active.
//               SENTRY_TRACE_ENABLED=0 includes face/disabled.hpp instead of the face: every call
//               compiles to nothing, the program still builds, and no implementation TU is needed.

#ifndef SENTRY_TRACE_HPP
#define SENTRY_TRACE_HPP

// =================================================================================================
// part: include/sentry_trace/config.hpp
// =================================================================================================

// sentry_trace/config.hpp -- every compile-time switch, with its default, in one place
//
// WHAT IT DOES  Gives each SENTRY_TRACE_* switch a value (0/1 or a number) when the user has
//               not defined one, checks the values, and names the inline ABI namespace.
//               Switches take values, not presence: -DSENTRY_TRACE_ENABLED means 1, =0 means off.
//
// HALVES        Presence, not value (the stb convention), and defined before the first include:
//   SENTRY_TRACE_IMPLEMENTATION   this TU compiles the library: exactly one TU of the program
//                                 (src/sentry_trace.cpp under CMake and Meson)
//   SENTRY_TRACE_INTERNALS        this TU also sees the library's parts (core/, protocol/,
//                                 delivery/, runtime/) without their definitions
//               Without either, a TU compiles the face only (face/): declarations and the span
//               handle, nothing heavier than <cstdint>, <cstddef>, <cstring>, <string_view>.
//
// SWITCHES      (default)  meaning                                             every TU must agree?
//   SENTRY_TRACE_ENABLED          (1)    0: every call compiles to nothing (disabled.hpp); such
//                                        a TU shares nothing, so it links beside enabled ones,
//                                        and needs no implementation TU                         no
//   SENTRY_TRACE_MAX_SPANS        (1000) child spans per transaction (Sentry's cap); more are
//                                        dropped and counted as buffer_overflow                  yes
//   SENTRY_TRACE_MAX_TRANSACTIONS (8)    transactions recording at once; more are dropped
//                                        and counted as buffer_overflow                          yes
//   SENTRY_TRACE_MAX_ATTRIBUTES   (64)   attributes on one span; more are dropped and counted    yes
//   SENTRY_TRACE_ATTRIBUTE_POOL   (4096) attributes per transaction, all spans together          yes
//   SENTRY_TRACE_STRING_ARENA     (65536) bytes of copied strings per transaction; past it
//                                        strings are truncated (counted), never dangling         yes
//   SENTRY_TRACE_MAX_STRING       (1024) bytes kept of one name, op or string value              yes
//   SENTRY_TRACE_MAX_MEASUREMENTS (32)   measurements per transaction                            yes
//   SENTRY_TRACE_MAX_DEPTH        (64)   active spans nested on one thread                       yes
//   SENTRY_TRACE_MAX_THREADS      (128; 1 when single-threaded) threads that trace at once:
//                                        each holds a scope in static storage (a stack of
//                                        SENTRY_TRACE_MAX_DEPTH entries of 72 bytes on x86_64,
//                                        and its propagation scratch) until it exits and its
//                                        handed-over spans have ended; past it, a thread's spans
//                                        are not made active (counted as depth_overflows)       yes
//   SENTRY_TRACE_ENVELOPE_BYTES   (1 MiB) the envelope buffer; spans that do not fit are dropped
//                                        and counted, the transaction still goes out             yes
//   SENTRY_TRACE_QUEUE_BYTES      (2 MiB) the built-in HTTP transport's queue of envelopes
//                                        (transport_http.hpp); envelopes that do not fit are
//                                        dropped and counted as queue_overflow                   yes
//   SENTRY_TRACE_MAX_BAGGAGE      (8192) bytes of a baggage value; SENTRY_TRACE_MAX_DSC (1024)
//                                        bytes of its Sentry members (propagation.hpp)           yes
//   SENTRY_TRACE_THREADS          (auto: 1 when hosted) 0: single-threaded, no atomics           yes
//   SENTRY_TRACE_EXCEPTIONS       (auto from __cpp_exceptions) 1: exceptions leaving a user
//                                        callback end the span with internal_error               no
//   SENTRY_TRACE_HOSTED           (auto from __STDC_HOSTED__) 0: no libc clock, entropy, env,
//                                        stdio or file transport; hooks are required             yes
//   SENTRY_TRACE_WITH_MBEDTLS     (0)    1: HTTPS through mbedTLS (transport_http.hpp)           yes
//   SENTRY_TRACE_WITH_ZLIB        (0)    1: gzip bodies through zlib, -lz (transport_http.hpp)   yes
//   SENTRY_TRACE_SAMPLING         (SENTRY_TRACE_SAMPLING_RUNTIME) the sampling policy, fixed at
//                                        compile time (sampling.hpp, detail::sampling_policy):    yes
//                                 _RUNTIME (0) traces_sampler, then an incoming parent decision,
//                                        then traces_sample_rate: the official SDKs' rule
//                                 _ALWAYS (1) every new transaction sampled, sample_rate 1
//                                 _NEVER  (2) no tracing compiled in: every span call returns an
//                                        empty handle at once (callbacks still run) and folds
//                                        away (tests/codegen); continue_trace()/get_trace_headers()
//                                        still pass incoming traces on unchanged
//                                 _RATIO  (3) sampled when sample_rand < PERMILLE / 1000
//                                        (SENTRY_TRACE_SAMPLING_RATIO_PERMILLE, 0..1000, required)
//                                 ALWAYS, NEVER and RATIO ignore traces_sampler, traces_sample_rate
//                                 and an incoming parent decision: only RUNTIME inherits it.
//   SENTRY_TRACE_STREAMING        (1)    0: no span streaming code (options.trace_lifecycle = stream
//                                        then logs a warning and sends transactions); saves about
//                                        5 KiB of flash on a Cortex-M4                          yes
//   SENTRY_TRACE_DOUBLES          (1)    how doubles are written (attribute and measurement values,
//                                        sample rates; json.hpp): 1: shortest round-trip text, as
//                                        JavaScript prints it; 0: compact, for small targets: six
//                                        decimals by integer arithmetic, trailing zeros trimmed
//                                        ("21.5", "0.000001"; 1e-7 is "0"; values past 2^64 as
//                                        digits + "e+N", about 16 significant digits), NaN/inf
//                                        "null". Rates are read from text (baggage,
//                                        SENTRY_TRACES_SAMPLE_RATE) to six decimals and decided
//                                        in millionths (sampling.hpp): the same decisions for
//                                        rates of at most six decimals. No floating-point
//                                        arithmetic at all, so a Cortex-M4 links no soft-float
//                                        routine: a precision trade-off for less flash          yes
//   SENTRY_TRACE_LOG_TEXT         (HOSTED) 1: diagnostics reach the log hook as sentences; 0 (the
//                                        default on a freestanding build): as "#N" plus the value
//                                        they name, if any, where N is the line of the log call
//                                        in the library's header that makes it (grep -n there,
//                                        or in single_include/sentry_trace.hpp with the single
//                                        header), and to_string(dsn_error) gives the
//                                        enumerator's name: the sentences stay out of flash
//                                        (1.7 KiB of flash on a Cortex-M4)                      no
//
// AGREE         "yes": TUs of one program that include the enabled library must agree on the
//               value. On ELF targets a program whose TUs disagree fails to link, naming
//               sentry_trace_translation_units_disagree_on_SENTRY_TRACE_switches (see "the
//               layout guard" below); put the switches in one place (the build system, or a
//               header included first).
// RAM           see pool.hpp: storage_bytes() gives the whole figure for the switches in force.

#ifndef SENTRY_TRACE_CONFIG_HPP
#define SENTRY_TRACE_CONFIG_HPP

#ifndef SENTRY_TRACE_ENABLED
#  define SENTRY_TRACE_ENABLED 1
#endif

#ifndef SENTRY_TRACE_MAX_SPANS
#  define SENTRY_TRACE_MAX_SPANS 1000
#endif
#ifndef SENTRY_TRACE_MAX_TRANSACTIONS
#  define SENTRY_TRACE_MAX_TRANSACTIONS 8
#endif
#ifndef SENTRY_TRACE_MAX_ATTRIBUTES
#  define SENTRY_TRACE_MAX_ATTRIBUTES 64
#endif
#ifndef SENTRY_TRACE_ATTRIBUTE_POOL
#  define SENTRY_TRACE_ATTRIBUTE_POOL 4096
#endif
#ifndef SENTRY_TRACE_STRING_ARENA
#  define SENTRY_TRACE_STRING_ARENA 65536
#endif
#ifndef SENTRY_TRACE_MAX_STRING
#  define SENTRY_TRACE_MAX_STRING 1024
#endif
#ifndef SENTRY_TRACE_MAX_MEASUREMENTS
#  define SENTRY_TRACE_MAX_MEASUREMENTS 32
#endif
#ifndef SENTRY_TRACE_MAX_DEPTH
#  define SENTRY_TRACE_MAX_DEPTH 64
#endif
#ifndef SENTRY_TRACE_ENVELOPE_BYTES
#  define SENTRY_TRACE_ENVELOPE_BYTES (1024 * 1024)
#endif

#ifndef SENTRY_TRACE_QUEUE_BYTES
#  define SENTRY_TRACE_QUEUE_BYTES (2 * 1024 * 1024)
#endif
// The two baggage limits are documented with the baggage class (propagation.hpp); a block's
// frozen DSC is a baggage, so they shape the pools too.
#ifndef SENTRY_TRACE_MAX_BAGGAGE
#  define SENTRY_TRACE_MAX_BAGGAGE 8192
#endif
#ifndef SENTRY_TRACE_MAX_DSC
#  define SENTRY_TRACE_MAX_DSC 1024
#endif
#if SENTRY_TRACE_MAX_BAGGAGE < 512 || SENTRY_TRACE_MAX_BAGGAGE > 1048576
#  error "SENTRY_TRACE_MAX_BAGGAGE must be between 512 and 1048576 bytes (W3C asks for at least 8192)"
#endif
#if SENTRY_TRACE_MAX_DSC < 256 || SENTRY_TRACE_MAX_DSC > 65535
#  error "SENTRY_TRACE_MAX_DSC must be between 256 and 65535 bytes"
#endif

#ifndef SENTRY_TRACE_HOSTED
#  if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#    define SENTRY_TRACE_HOSTED 1
#  else
#    define SENTRY_TRACE_HOSTED 0
#  endif
#endif

#ifndef SENTRY_TRACE_THREADS
#  define SENTRY_TRACE_THREADS SENTRY_TRACE_HOSTED
#endif
#ifndef SENTRY_TRACE_MAX_THREADS
#  if SENTRY_TRACE_THREADS
#    define SENTRY_TRACE_MAX_THREADS 128
#  else
#    define SENTRY_TRACE_MAX_THREADS 1
#  endif
#endif

#ifndef SENTRY_TRACE_EXCEPTIONS
#  if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#    define SENTRY_TRACE_EXCEPTIONS 1
#  else
#    define SENTRY_TRACE_EXCEPTIONS 0
#  endif
#endif
#if SENTRY_TRACE_EXCEPTIONS && !(defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND))
#  error "SENTRY_TRACE_EXCEPTIONS=1 but this build has no exceptions"
#endif

#ifndef SENTRY_TRACE_WITH_MBEDTLS
#  define SENTRY_TRACE_WITH_MBEDTLS 0
#endif
#ifndef SENTRY_TRACE_WITH_ZLIB
#  define SENTRY_TRACE_WITH_ZLIB 0
#endif

#ifndef SENTRY_TRACE_STREAMING
#  define SENTRY_TRACE_STREAMING 1
#endif
#if SENTRY_TRACE_STREAMING != 0 && SENTRY_TRACE_STREAMING != 1
#  error "SENTRY_TRACE_STREAMING must be 0 or 1"
#endif

#ifndef SENTRY_TRACE_DOUBLES
#  define SENTRY_TRACE_DOUBLES 1
#endif
#if SENTRY_TRACE_DOUBLES != 0 && SENTRY_TRACE_DOUBLES != 1
#  error "SENTRY_TRACE_DOUBLES must be 0 or 1"
#endif

#ifndef SENTRY_TRACE_LOG_TEXT
#  define SENTRY_TRACE_LOG_TEXT SENTRY_TRACE_HOSTED
#endif
#if SENTRY_TRACE_LOG_TEXT != 0 && SENTRY_TRACE_LOG_TEXT != 1
#  error "SENTRY_TRACE_LOG_TEXT must be 0 or 1"
#endif

// Code kept out of line, so that it is not copied into each of its callers: _OUT_OF_LINE for
// code some callers take often, _COLD for code taken rarely (errors, drops), which GCC and clang
// also move out of the way of hot code. Other compilers decide as they see fit.
#if defined(__GNUC__) || defined(__clang__)
#  define SENTRY_TRACE_DETAIL_OUT_OF_LINE [[gnu::noinline]]
#  define SENTRY_TRACE_DETAIL_COLD [[gnu::cold, gnu::noinline]]
#else
#  define SENTRY_TRACE_DETAIL_OUT_OF_LINE
#  define SENTRY_TRACE_DETAIL_COLD
#endif

#define SENTRY_TRACE_SAMPLING_RUNTIME 0
#define SENTRY_TRACE_SAMPLING_ALWAYS 1
#define SENTRY_TRACE_SAMPLING_NEVER 2
#define SENTRY_TRACE_SAMPLING_RATIO 3
#ifndef SENTRY_TRACE_SAMPLING
#  define SENTRY_TRACE_SAMPLING SENTRY_TRACE_SAMPLING_RUNTIME
#endif

#if SENTRY_TRACE_MAX_SPANS < 1 || SENTRY_TRACE_MAX_SPANS > 65000
#  error "SENTRY_TRACE_MAX_SPANS must be between 1 and 65000"
#endif
#if SENTRY_TRACE_MAX_TRANSACTIONS < 1 || SENTRY_TRACE_MAX_TRANSACTIONS > 4096
#  error "SENTRY_TRACE_MAX_TRANSACTIONS must be between 1 and 4096"
#endif
#if SENTRY_TRACE_MAX_THREADS < 1 || SENTRY_TRACE_MAX_THREADS > 65535 || (!SENTRY_TRACE_THREADS && SENTRY_TRACE_MAX_THREADS != 1)
#  error "SENTRY_TRACE_MAX_THREADS must be between 1 and 65535 (1 when SENTRY_TRACE_THREADS=0)"
#endif
#if SENTRY_TRACE_ATTRIBUTE_POOL < 1 || SENTRY_TRACE_ATTRIBUTE_POOL > 65000
#  error "SENTRY_TRACE_ATTRIBUTE_POOL must be between 1 and 65000"
#endif
#if SENTRY_TRACE_MAX_ATTRIBUTES < 1 || SENTRY_TRACE_MAX_ATTRIBUTES > 255
#  error "SENTRY_TRACE_MAX_ATTRIBUTES must be between 1 and 255"
#endif
#if SENTRY_TRACE_STRING_ARENA < 256
#  error "SENTRY_TRACE_STRING_ARENA must be at least 256 bytes"
#endif
#if SENTRY_TRACE_ENVELOPE_BYTES < 4096
#  error "SENTRY_TRACE_ENVELOPE_BYTES must be at least 4096 bytes"
#endif
#if SENTRY_TRACE_QUEUE_BYTES < 4096
#  error "SENTRY_TRACE_QUEUE_BYTES must be at least 4096 bytes"
#endif
#if SENTRY_TRACE_SAMPLING < 0 || SENTRY_TRACE_SAMPLING > 3
#  error "SENTRY_TRACE_SAMPLING must be SENTRY_TRACE_SAMPLING_RUNTIME, _ALWAYS, _NEVER or _RATIO (0..3)"
#endif
#if SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_RATIO
#  ifndef SENTRY_TRACE_SAMPLING_RATIO_PERMILLE
#    error "SENTRY_TRACE_SAMPLING_RATIO needs SENTRY_TRACE_SAMPLING_RATIO_PERMILLE (0..1000)"
#  elif SENTRY_TRACE_SAMPLING_RATIO_PERMILLE < 0 || SENTRY_TRACE_SAMPLING_RATIO_PERMILLE > 1000
#    error "SENTRY_TRACE_SAMPLING_RATIO_PERMILLE must be between 0 and 1000"
#  endif
#endif

// Settings that change the layout of shared state are folded into the inline namespace, so a
// program whose translation units disagree fails to link instead of breaking the ODR quietly.
// The sampling policy is one of them (it changes what the span path's inline functions do); a
// ratio carries its permille too: abi_..._0 for RUNTIME, abi_..._3r500 for RATIO 500.
#if SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_RATIO
#  define SENTRY_TRACE_DETAIL_RATIO_KEY2(p, r) p##r
#  define SENTRY_TRACE_DETAIL_RATIO_KEY(p, r) SENTRY_TRACE_DETAIL_RATIO_KEY2(p, r)
#  define SENTRY_TRACE_DETAIL_SAMPLING_KEY SENTRY_TRACE_DETAIL_RATIO_KEY(3r, SENTRY_TRACE_SAMPLING_RATIO_PERMILLE)
#else
#  define SENTRY_TRACE_DETAIL_SAMPLING_KEY SENTRY_TRACE_SAMPLING
#endif
// The compact double format (SENTRY_TRACE_DOUBLES=0) changes inline formatting code: a "c"
// after the sampling key (abi_..._0c); the default build's names are unchanged.
#if !SENTRY_TRACE_DOUBLES
#  define SENTRY_TRACE_DETAIL_KEY_C2(k) k##c
#  define SENTRY_TRACE_DETAIL_KEY_C(k) SENTRY_TRACE_DETAIL_KEY_C2(k)
#  define SENTRY_TRACE_DETAIL_FORMAT_KEY SENTRY_TRACE_DETAIL_KEY_C(SENTRY_TRACE_DETAIL_SAMPLING_KEY)
#else
#  define SENTRY_TRACE_DETAIL_FORMAT_KEY SENTRY_TRACE_DETAIL_SAMPLING_KEY
#endif
// Span streaming compiled out (SENTRY_TRACE_STREAMING=0) changes the span path's inline code:
// an "n" after the format key (abi_..._0n, abi_..._0cn).
#if !SENTRY_TRACE_STREAMING
#  define SENTRY_TRACE_DETAIL_KEY_N2(k) k##n
#  define SENTRY_TRACE_DETAIL_KEY_N(k) SENTRY_TRACE_DETAIL_KEY_N2(k)
#  define SENTRY_TRACE_DETAIL_BUILD_KEY SENTRY_TRACE_DETAIL_KEY_N(SENTRY_TRACE_DETAIL_FORMAT_KEY)
#else
#  define SENTRY_TRACE_DETAIL_BUILD_KEY SENTRY_TRACE_DETAIL_FORMAT_KEY
#endif
#define SENTRY_TRACE_DETAIL_CAT2(a, b, c, d, e, f) abi_##a##_##b##_##c##_##d##_##e##_##f
#define SENTRY_TRACE_DETAIL_CAT(a, b, c, d, e, f) SENTRY_TRACE_DETAIL_CAT2(a, b, c, d, e, f)
#define SENTRY_TRACE_DETAIL_ABI                                                                     \
  SENTRY_TRACE_DETAIL_CAT(SENTRY_TRACE_ENABLED, SENTRY_TRACE_MAX_SPANS, SENTRY_TRACE_MAX_TRANSACTIONS, \
                          SENTRY_TRACE_THREADS, SENTRY_TRACE_HOSTED, SENTRY_TRACE_DETAIL_BUILD_KEY)
#define SENTRY_TRACE_DETAIL_BEGIN namespace sentry_trace { inline namespace SENTRY_TRACE_DETAIL_ABI {
#define SENTRY_TRACE_DETAIL_END } }

// ---- the layout guard ---------------------------------------------------------------------------
// The inline namespace above keeps two configurations from sharing one definition, but it also
// lets them link side by side: a TU built with another SENTRY_TRACE_MAX_SPANS gets a tracer of
// its own that nobody initialised, and traces nothing without a word. So on ELF targets (Linux,
// the BSDs, bare-metal arm-none-eabi) every TU that includes the enabled library also emits,
// into a section that is not loaded, the symbol
//     sentry_trace_translation_units_disagree_on_SENTRY_TRACE_switches
// inside a COMDAT group named after the values of every switch marked "yes" above (a TU with
// tracing compiled out emits nothing). The linker keeps one copy of each group: TUs that agree
// share one definition and link; TUs that disagree bring two groups that both define the
// symbol, and the link fails with "multiple definition of
// `sentry_trace_translation_units_disagree_on_SENTRY_TRACE_switches'", naming the object files
// and both groups (with link-time optimization the assembler says "already defined" instead).
// The values are compared, not their spelling (1 << 20 and 1048576 agree). This holds whether
// the library is all inline or compiled once in one TU. Cost: one never-called return
// instruction per TU (gone with --gc-sections) and no loaded byte (the section is not
// allocated). SENTRY_TRACE_NO_LAYOUT_GUARD turns it off (an assembler that rejects it).
// Elsewhere (Mach-O, COFF) only the inline namespace applies: define the switches identically
// for every TU, as the table says. tests/layout/check_layout_guard.sh checks all of this.
#if SENTRY_TRACE_ENABLED && defined(__ELF__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(SENTRY_TRACE_NO_LAYOUT_GUARD)
namespace sentry_trace { inline namespace SENTRY_TRACE_DETAIL_ABI { namespace detail {
#  if SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_RATIO
constexpr long layout_guard_permille = SENTRY_TRACE_SAMPLING_RATIO_PERMILLE;
#  else
constexpr long layout_guard_permille = 0;
#  endif
// A function of internal linkage that is kept (`used`) but never called (`cold`: out of the way of
// hot code, in .text.unlikely, and unpadded): its only content is the
// asm statement, which writes the guard into its own section once per TU (".ifndef": once per
// assembly file, also when link-time optimization merges several TUs of one configuration).
[[gnu::used, gnu::cold]] static void layout_guard() noexcept {
  __asm__(
      ".ifndef sentry_trace_layout_%c0_%c1_%c2_%c3_%c4_%c5_%c6_%c7_%c8_%c9_%c10_%c11_%c12_%c13_%c14_%c15_%c16_%c17_%c18_%c19_%c20\n"
      ".pushsection .sentry_trace_layout,\"G\",%%progbits,"
      "sentry_trace_layout_%c0_%c1_%c2_%c3_%c4_%c5_%c6_%c7_%c8_%c9_%c10_%c11_%c12_%c13_%c14_%c15_%c16_%c17_%c18_%c19_%c20,comdat\n"
      "sentry_trace_layout_%c0_%c1_%c2_%c3_%c4_%c5_%c6_%c7_%c8_%c9_%c10_%c11_%c12_%c13_%c14_%c15_%c16_%c17_%c18_%c19_%c20:\n"
      ".globl sentry_trace_translation_units_disagree_on_SENTRY_TRACE_switches\n"
      "sentry_trace_translation_units_disagree_on_SENTRY_TRACE_switches:\n"
      ".byte 0\n"
      ".popsection\n"
      ".endif\n" ::"i"(static_cast<long>(SENTRY_TRACE_MAX_SPANS)),
      "i"(static_cast<long>(SENTRY_TRACE_MAX_TRANSACTIONS)), "i"(static_cast<long>(SENTRY_TRACE_MAX_ATTRIBUTES)),
      "i"(static_cast<long>(SENTRY_TRACE_ATTRIBUTE_POOL)), "i"(static_cast<long>(SENTRY_TRACE_STRING_ARENA)),
      "i"(static_cast<long>(SENTRY_TRACE_MAX_STRING)), "i"(static_cast<long>(SENTRY_TRACE_MAX_MEASUREMENTS)),
      "i"(static_cast<long>(SENTRY_TRACE_MAX_DEPTH)), "i"(static_cast<long>(SENTRY_TRACE_ENVELOPE_BYTES)),
      "i"(static_cast<long>(SENTRY_TRACE_QUEUE_BYTES)), "i"(static_cast<long>(SENTRY_TRACE_THREADS)),
      "i"(static_cast<long>(SENTRY_TRACE_HOSTED)), "i"(static_cast<long>(SENTRY_TRACE_WITH_ZLIB)),
      "i"(static_cast<long>(SENTRY_TRACE_SAMPLING)), "i"(layout_guard_permille),
      "i"(static_cast<long>(SENTRY_TRACE_STREAMING)), "i"(static_cast<long>(SENTRY_TRACE_DOUBLES)),
      "i"(static_cast<long>(SENTRY_TRACE_WITH_MBEDTLS)), "i"(static_cast<long>(SENTRY_TRACE_MAX_BAGGAGE)),
      "i"(static_cast<long>(SENTRY_TRACE_MAX_DSC)), "i"(static_cast<long>(SENTRY_TRACE_MAX_THREADS)));
}
} } }
#endif

namespace sentry_trace {
/// The library's version, as it appears in the envelope's `sdk.version`.
inline constexpr const char* version_string = "0.1.0";
/// Sentry SDK name: entity `sentry`-less because this is not an official SDK (PROTOCOL.md §3).
inline constexpr const char* sdk_name = "sentry_trace.native";
} // namespace sentry_trace

#endif // SENTRY_TRACE_CONFIG_HPP

// end of part: include/sentry_trace/config.hpp

#if SENTRY_TRACE_ENABLED

// =================================================================================================
// part: include/sentry_trace/face/hooks.hpp
// =================================================================================================

// sentry_trace/hooks.hpp -- the clock, wall clock, entropy, lock and log hooks; log_level
//
// WHAT IT DOES  Declares the hooks through which the library touches the outside world, each a
//               plain function pointer plus a `void* user` (never std::function: it may
//               allocate and throw), and the log_level a log hook receives. Written once,
//               included by platform.hpp (tracing on, which also gives hosted builds working
//               defaults) and by disabled.hpp (SENTRY_TRACE_ENABLED=0, where options still
//               takes them and no hook is ever called).
// DOES NOT      depend on any other part but config.hpp, or call a hook: the callers are the
//               tracer and the transports, and each struct's comment says when.
// HOOKS         see each struct's comment for who calls it, when, and what it may do.

#ifndef SENTRY_TRACE_HOOKS_HPP
#define SENTRY_TRACE_HOOKS_HPP

#include <cstddef>
#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

/// Monotonic clock: nanoseconds from any fixed origin. When set, it times every span: called
/// by any thread that starts or ends one, so it must be thread-safe, non-blocking and never go
/// backwards. Hosted default: spans read the cycle counter on x86-64 with an invariant TSC and
/// on AArch64 (core/clock.hpp), std::chrono::steady_clock elsewhere; steady_clock also times
/// frames and the client-report interval.
struct clock_hook {
  std::uint64_t (*now_ns)(void* user) = nullptr;
  void* user = nullptr;
};

/// Wall clock: microseconds since the Unix epoch (UTC). Read once by init() to anchor the
/// monotonic clock, and when an envelope's `sent_at` is written. Hosted default: system_clock.
/// On a device with no real-time clock, return the best estimate you have (0 is allowed: the
/// timestamps are then relative to 1970, which Sentry accepts but shows as old).
struct wall_clock_hook {
  std::int64_t (*now_epoch_us)(void* user) = nullptr;
  void* user = nullptr;
};

/// Entropy: fill `n` bytes with unpredictable data, return false on failure. Called by init()
/// for the id generator's 256-bit key (32 bytes; not on the span path). Hosted default:
/// /dev/urandom, mixed with the clocks and an address when that is unavailable.
struct entropy_hook {
  bool (*fill)(void* bytes, std::size_t n, void* user) = nullptr;
  void* user = nullptr;
};

/// Lock: guards the envelope buffer and the transport while an envelope is written and sent.
/// Starting a span never takes it, nor does ending a child span; ending a root span does (its
/// transaction is written on the ending thread, dispatch.hpp's finish_transaction), and so does
/// closing the last open span of a streaming segment, and sending a client report once one is
/// due (from poll(), the worker or a send). Set both functions or neither. With neither, a hosted threaded build uses a std::mutex; a
/// single-threaded build uses no lock.
struct lock_hook {
  void (*lock)(void* user) = nullptr;
  void (*unlock)(void* user) = nullptr;
  void* user = nullptr;
};

/// Severity of a diagnostic.
enum class log_level : std::uint8_t { debug, info, warning, error };

/// Diagnostics: `message` is a NUL-terminated line without a newline, valid only during the
/// call. Called from whichever thread found the problem; must be reentrant and must not call
/// back into sentry_trace. Hosted default: stderr. Debug lines reach the hook only when
/// options.debug (or SENTRY_DEBUG) is on; warnings and errors always do.
struct log_hook {
  void (*write)(log_level level, const char* message, void* user) = nullptr;
  void* user = nullptr;
};

/// Short name of a log level ("debug", "info", "warning", "error").
constexpr const char* to_string(log_level level) noexcept {
  return level == log_level::debug     ? "debug"
         : level == log_level::info    ? "info"
         : level == log_level::warning ? "warning"
                                       : "error";
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_HOOKS_HPP

// end of part: include/sentry_trace/face/hooks.hpp

// =================================================================================================
// part: include/sentry_trace/face/status.hpp
// =================================================================================================

// sentry_trace/status.hpp -- span status, transaction source and event level, as Sentry names them
//
// WHAT IT DOES  The small value types a program passes in and reads back whether tracing is
//               compiled in or out: `span_status` (with to_string(), from_http_status() and
//               parse_span_status()), `transaction_source` and the event `level`, each with the
//               string Sentry writes for it. Written once, included by span.hpp and events.hpp
//               (tracing on) and by disabled.hpp (SENTRY_TRACE_ENABLED=0), so the mapping a
//               program computes is the same in both modes.
// DOES NOT      depend on any other part but config.hpp, allocate, or read global state: every
//               function is constexpr.
// SPEC          https://develop.sentry.dev/sdk/foundations/envelopes/event-payloads/span/

#ifndef SENTRY_TRACE_STATUS_HPP
#define SENTRY_TRACE_STATUS_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// Sentry's span statuses (PROTOCOL.md §4). `ok` is also what an unset status is written as.
/// The HTTP ranges are those of from_http_status().
enum class span_status : std::uint8_t {
  ok,                   ///< 100-399
  cancelled,            ///< 499 (JS); the caller gave up
  unknown_error,        ///< 600 and above in Python; written as "unknown_error", "unknown" accepted on input
  invalid_argument,     ///< 400 and any 4xx without its own status
  deadline_exceeded,    ///< 504
  not_found,            ///< 404
  already_exists,       ///< 409
  permission_denied,    ///< 403
  resource_exhausted,   ///< 429
  failed_precondition,  ///< 413
  aborted,
  out_of_range,
  unimplemented,        ///< 501
  internal_error,       ///< any 5xx without its own status; below 100 or 600 and above
  unavailable,          ///< 503
  data_loss,
  unauthenticated,      ///< 401
};

/// The status as Sentry writes it ("ok", "deadline_exceeded", ...).
constexpr const char* to_string(span_status s) noexcept {
  constexpr const char* names[] = {"ok", "cancelled", "unknown_error", "invalid_argument", "deadline_exceeded",
                                   "not_found", "already_exists", "permission_denied", "resource_exhausted",
                                   "failed_precondition", "aborted", "out_of_range", "unimplemented",
                                   "internal_error", "unavailable", "data_loss", "unauthenticated"};
  return static_cast<std::size_t>(s) < sizeof(names) / sizeof(names[0]) ? names[static_cast<std::size_t>(s)]
                                                                         : "unknown_error";
}

/// Maps an HTTP status code as @sentry/core 11 does (PROTOCOL.md §4): 100-399 ok, 401
/// unauthenticated, 403 permission_denied, 404 not_found, 409 already_exists, 413
/// failed_precondition, 429 resource_exhausted, 499 cancelled, other 4xx invalid_argument,
/// 501 unimplemented, 503 unavailable, 504 deadline_exceeded, other 5xx internal_error, and
/// anything below 100 or from 600 on internal_error.
constexpr span_status from_http_status(int code) noexcept {
  if (code >= 100 && code < 400) return span_status::ok;
  if (code >= 400 && code < 500) {
    switch (code) {
      case 401: return span_status::unauthenticated;
      case 403: return span_status::permission_denied;
      case 404: return span_status::not_found;
      case 409: return span_status::already_exists;
      case 413: return span_status::failed_precondition;
      case 429: return span_status::resource_exhausted;
      case 499: return span_status::cancelled;
      default: return span_status::invalid_argument;
    }
  }
  if (code >= 500 && code < 600) {
    switch (code) {
      case 501: return span_status::unimplemented;
      case 503: return span_status::unavailable;
      case 504: return span_status::deadline_exceeded;
      default: return span_status::internal_error;
    }
  }
  return span_status::internal_error;
}

/// Parses a status string. Accepts the 17 names, and what Relay also accepts: "unknown" (as
/// unknown_error), "success" (ok) and "failure" (internal_error). False for anything else.
constexpr bool parse_span_status(std::string_view text, span_status& out) noexcept {
  for (int i = 0; i <= static_cast<int>(span_status::unauthenticated); ++i) {
    if (text == to_string(static_cast<span_status>(i))) {
      out = static_cast<span_status>(i);
      return true;
    }
  }
  if (text == "unknown") { out = span_status::unknown_error; return true; }
  if (text == "success") { out = span_status::ok; return true; }
  if (text == "failure") { out = span_status::internal_error; return true; }
  return false;
}

/// Where a transaction's name came from (`transaction_info.source`). Sentry groups `url`
/// names as high-cardinality and leaves them out of the dynamic sampling context.
enum class transaction_source : std::uint8_t { custom, url, route, view, component, task };

constexpr const char* to_string(transaction_source s) noexcept {
  constexpr const char* names[] = {"custom", "url", "route", "view", "component", "task"};
  return names[static_cast<std::size_t>(s) < 6 ? static_cast<std::size_t>(s) : 0];
}

/// Severity of a message event (Sentry's level strings). Error events default to `error`;
/// `fatal` is for errors that end the program.
enum class level : std::uint8_t { debug, info, warning, error, fatal };

/// The level as Sentry writes it: "debug", "info", "warning", "error" or "fatal". A value
/// outside the enum gives "error", Sentry's default.
constexpr const char* to_string(level l) noexcept {
  constexpr const char* names[] = {"debug", "info", "warning", "error", "fatal"};
  return static_cast<std::size_t>(l) < sizeof(names) / sizeof(names[0]) ? names[static_cast<std::size_t>(l)]
                                                                         : "error";
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_STATUS_HPP

// end of part: include/sentry_trace/face/status.hpp

// =================================================================================================
// part: include/sentry_trace/face/event_options.hpp
// =================================================================================================

// sentry_trace/face/event_options.hpp -- what an error event carries besides its exception, and the send hooks
//
// WHAT IT DOES  Declares `event_options` (tags, contexts and a fingerprint for one
//               capture_exception()/capture_message() call, as @sentry/core's captureContext
//               `{tags, contexts, fingerprint, level}`), `error_event` (what options.before_send
//               sees and may edit), `transaction_event` (what options.before_send_transaction
//               sees and may edit) and the two hook types. Written once, included by
//               distributed.hpp and options.hpp (tracing on) and by disabled.hpp
//               (SENTRY_TRACE_ENABLED=0, where no hook is ever called).
// STEP BY STEP  st::capture_exception(e, st::event_options{}
//                                          .set_tag("db", "orders")
//                                          .set_context("order", "id", "A-1234")
//                                          .add_fingerprint("{{ default }}")
//                                          .add_fingerprint("orders-db"));
// RAM           Fixed capacity, on the caller's stack (no heap): max_tags tags, max_context_values
//               context members (over all named contexts) and max_fingerprint fingerprint parts;
//               sizeof(event_options) is about 700 bytes on a 64-bit target. What does not fit is
//               not kept: set_tag() and friends return the same object, and `dropped` says how
//               many were left out (counted in stats::attributes_dropped when the event is sent).
// DOES NOT      copy strings: every view is read only while the capture call (and its
//               before_send hook) runs, so temporaries in the call expression are fine.
// HOOKS         before_send(error_event&, user) and before_send_transaction(transaction_event&,
//               user) run on the thread that writes the envelope (the capturing thread for an
//               event; for a transaction the thread that ended its root, or the library's
//               writer: see options.hpp), with the envelope lock held, so never concurrently.
//               They return false to drop what they were given (counted as `before_send` in the
//               client report, as @sentry/core records a beforeSend that returns null), true to
//               send it, edited or not. Strings a hook stores into the event must stay valid until
//               the hook returns AND the envelope is written, i.e. point into static storage or
//               into the hook's own user data (the envelope is written right after the hook
//               returns, before the capture call or root end() returns). A hook must not throw
//               or call back into sentry_trace.
// SPEC          https://develop.sentry.dev/sdk/data-model/event-payloads/
//               https://docs.sentry.io/platforms/javascript/configuration/filtering/

#ifndef SENTRY_TRACE_FACE_EVENT_OPTIONS_HPP
#define SENTRY_TRACE_FACE_EVENT_OPTIONS_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// One tag (`tags` in the event: a string for a string).
struct event_tag {
  std::string_view key;
  std::string_view value;
};

/// One member of a named context: `contexts.<context>.<key> = "<value>"`.
struct event_context_value {
  std::string_view context;  ///< the context's name, e.g. "order"; "trace", "os", "runtime" and
                             ///< "device" are the SDK's own and are not accepted (dropped)
  std::string_view key;
  std::string_view value;
};

/// What one capture call adds to its event (@sentry/core's captureContext). Fixed capacity;
/// see the part's comment for what happens beyond it.
struct event_options {
  static constexpr std::size_t max_tags = 8;
  static constexpr std::size_t max_context_values = 8;
  static constexpr std::size_t max_fingerprint = 4;

  event_tag tags[max_tags] = {};
  std::uint8_t tag_count = 0;
  event_context_value contexts[max_context_values] = {};
  std::uint8_t context_count = 0;
  std::string_view fingerprint[max_fingerprint] = {};
  std::uint8_t fingerprint_count = 0;
  std::uint8_t dropped = 0;  ///< tags, context values and fingerprint parts that did not fit

  /// Sets tag `key` (setTag): a second call with the same key replaces the value.
  constexpr event_options& set_tag(std::string_view key, std::string_view value) noexcept {
    for (std::size_t i = 0; i < tag_count; ++i)
      if (tags[i].key == key) {
        tags[i].value = value;
        return *this;
      }
    if (tag_count < max_tags) tags[tag_count++] = event_tag{key, value};
    else if (dropped < 255) ++dropped;
    return *this;
  }
  /// Sets member `key` of the context named `context` (setContext, one member at a time);
  /// the same context and key again replaces the value.
  constexpr event_options& set_context(std::string_view context, std::string_view key, std::string_view value) noexcept {
    for (std::size_t i = 0; i < context_count; ++i)
      if (contexts[i].context == context && contexts[i].key == key) {
        contexts[i].value = value;
        return *this;
      }
    if (context_count < max_context_values) contexts[context_count++] = event_context_value{context, key, value};
    else if (dropped < 255) ++dropped;
    return *this;
  }
  /// Appends one part of the fingerprint (`fingerprint: [...]`; "{{ default }}" keeps
  /// Sentry's own grouping as one part of it).
  constexpr event_options& add_fingerprint(std::string_view part) noexcept {
    if (fingerprint_count < max_fingerprint) fingerprint[fingerprint_count++] = part;
    else if (dropped < 255) ++dropped;
    return *this;
  }
};

/// An error or message event as options.before_send sees it. Every member may be edited
/// (see HOOKS above for how long edited strings must live); what it carries is what is sent.
/// The trace context, the ids, the SDK's own contexts (os, runtime, device) and the release
/// are not editable.
struct error_event {
  std::string_view exception_type;   ///< empty for a message event
  std::string_view exception_value;
  std::string_view message;          ///< empty for an exception event
  level lvl = level::error;
  event_options extra;               ///< tags, contexts and fingerprint
};

/// A finished transaction as options.before_send_transaction sees it: its name may be
/// changed (the source then becomes "custom", as @sentry/core does when beforeSendTransaction
/// renames) and tags added; its spans are read-only.
struct transaction_event {
  static constexpr std::size_t max_tags = event_options::max_tags;

  std::string_view name;             ///< the transaction's name; assign to rename ("" keeps it)
  event_tag tags[max_tags] = {};     ///< `tags` of the transaction payload (none by default)
  std::uint8_t tag_count = 0;
  std::size_t span_count = 0;        ///< child spans that ended (read-only)

  /// Sets tag `key`, replacing an earlier value; beyond max_tags the tag is not kept (false).
  constexpr bool set_tag(std::string_view key, std::string_view value) noexcept {
    for (std::size_t i = 0; i < tag_count; ++i)
      if (tags[i].key == key) {
        tags[i].value = value;
        return true;
      }
    if (tag_count >= max_tags) return false;
    tags[tag_count++] = event_tag{key, value};
    return true;
  }
};

/// options.before_send (beforeSend): return false to drop the event.
struct before_send_hook {
  bool (*fn)(error_event& event, void* user) = nullptr;
  void* user = nullptr;
};

/// options.before_send_transaction (beforeSendTransaction): return false to drop the
/// transaction (it and each of its spans are counted as before_send).
struct before_send_transaction_hook {
  bool (*fn)(transaction_event& transaction, void* user) = nullptr;
  void* user = nullptr;
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_EVENT_OPTIONS_HPP

// end of part: include/sentry_trace/face/event_options.hpp

// =================================================================================================
// part: include/sentry_trace/face/attributes.hpp
// =================================================================================================

// sentry_trace/attributes.hpp -- attribute values and key/value attributes
//
// WHAT IT DOES  `attribute_value` holds one of the four types Sentry's span attributes have (a
//               string, a 64-bit integer, a double or a bool), with implicit conversions so a
//               literal can be written where one is expected; `attribute` pairs it with a key,
//               for span_options::attributes and sampling_context::find(). Written once,
//               included by span.hpp (tracing on) and by disabled.hpp (SENTRY_TRACE_ENABLED=0),
//               where the values keep their meaning because a program may read them.
// DOES NOT      copy strings: a value views the caller's text, which must outlive it (span.hpp
//               copies it into the transaction's arena when a span starts). It depends on no
//               other part but config.hpp.

#ifndef SENTRY_TRACE_ATTRIBUTES_HPP
#define SENTRY_TRACE_ATTRIBUTES_HPP

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
/// Every char value as a one-byte string, so that attribute_value('x') can view its text
/// without pointing into itself (a copy of the value would then dangle).
struct char_strings {
  char text[256];
  constexpr char_strings() noexcept : text() {
    for (int i = 0; i < 256; ++i) text[i] = static_cast<char>(i);
  }
};
inline constexpr char_strings one_char_strings{};

/// Plain char is a character (written as a one-byte string); signed char and unsigned char
/// (std::int8_t, std::uint8_t) are integers.
template <class T>
inline constexpr bool is_attribute_integer_v =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>;

/// A type that is a string without being a char pointer or nullptr (those are `const char*`):
/// std::string and anything else that converts to std::string_view (the face includes no
/// <string>). std::string_view itself has its own overloads.
template <class S>
inline constexpr bool is_attribute_string_v =
    std::is_convertible_v<const S&, std::string_view> && !std::is_pointer_v<std::decay_t<S>> &&
    !std::is_null_pointer_v<std::decay_t<S>> && !std::is_same_v<std::decay_t<S>, std::string_view>;

/// The pointers that are not text: they would otherwise become bools.
template <class T>
inline constexpr bool is_non_text_pointee_v = !std::is_same_v<std::remove_cv_t<T>, char>;
/// True for an unsigned value that int64 cannot hold (attribute_value stores it as a double).
template <class Int> constexpr bool above_int64(Int i) noexcept {
  if constexpr (std::is_unsigned_v<Int> && sizeof(Int) >= sizeof(std::int64_t)) {
    return i > static_cast<Int>(INT64_MAX);
  } else {
    static_cast<void>(i);
    return false;
  }
}
}  // namespace detail

/// An attribute's value: a string, a 64-bit integer, a double or a bool (the four types Sentry's
/// span attributes have). Every C++ arithmetic and string type converts without ambiguity:
///   - a string literal, `const char*` (nullptr: ""), std::string, std::string_view: a string
///     that views the caller's text;
///   - `char`: a one-byte string ('A' is "A"); `signed char` / `unsigned char` (std::int8_t,
///     std::uint8_t) and every other integer type: an integer;
///   - an unsigned value above INT64_MAX (the largest integer Sentry stores): the double nearest
///     to it, the least lossy of the four types (it keeps the magnitude, to about 16 digits, as
///     @sentry/core keeps every number, while clamping would lose it);
///   - `float`, `double`, `long double`: a double;
///   - `bool`: a bool. A pointer to anything but char does not compile (it would be a bool).
class attribute_value {
 public:
  enum class kind : std::uint8_t { string, int64, float64, boolean };
  constexpr attribute_value(std::string_view s) noexcept : kind_(kind::string), text_(s) {}  // NOLINT: implicit by design
  constexpr attribute_value(const char* s) noexcept : kind_(kind::string), text_(s ? std::string_view(s) : std::string_view()) {}  // NOLINT
  template <class S, std::enable_if_t<detail::is_attribute_string_v<S>, int> = 0>
  constexpr attribute_value(const S& s) noexcept : attribute_value(std::string_view(s)) {}  // NOLINT: std::string etc.
  constexpr attribute_value(char c) noexcept  // NOLINT: implicit by design
      : kind_(kind::string), text_(&detail::one_char_strings.text[static_cast<unsigned char>(c)], 1) {}
  constexpr attribute_value(bool b) noexcept : kind_(kind::boolean), bool_(b) {}  // NOLINT
  constexpr attribute_value(double d) noexcept : kind_(kind::float64), double_(d) {}  // NOLINT
  constexpr attribute_value(float f) noexcept : attribute_value(static_cast<double>(f)) {}  // NOLINT
  constexpr attribute_value(long double d) noexcept : attribute_value(static_cast<double>(d)) {}  // NOLINT
  template <class Int, std::enable_if_t<detail::is_attribute_integer_v<Int>, int> = 0>
  constexpr attribute_value(Int i) noexcept  // NOLINT: implicit by design
      : kind_(detail::above_int64(i) ? kind::float64 : kind::int64),
        int_(detail::above_int64(i) ? 0 : static_cast<std::int64_t>(i)),
        double_(detail::above_int64(i) ? static_cast<double>(i) : 0.0) {}
  template <class T, std::enable_if_t<detail::is_non_text_pointee_v<T>, int> = 0>
  attribute_value(T*) = delete;  // a pointer is not a value; pass what it points to
  constexpr kind type() const noexcept { return kind_; }
  constexpr std::string_view as_string() const noexcept { return kind_ == kind::string ? text_ : std::string_view(); }
  constexpr std::int64_t as_int64() const noexcept { return kind_ == kind::int64 ? int_ : 0; }
  constexpr double as_double() const noexcept { return kind_ == kind::float64 ? double_ : 0.0; }
  constexpr bool as_bool() const noexcept { return kind_ == kind::boolean && bool_; }

 private:
  kind kind_;
  std::string_view text_{};
  std::int64_t int_ = 0;
  double double_ = 0.0;
  bool bool_ = false;
};

/// A key and value, for span_options::attributes and span::set_attributes.
struct attribute {
  std::string_view key;
  attribute_value value;
};

/// A view of attributes (JS: SpanAttributes): a braced list `{{"db.system", "sqlite"},
/// {"rows", 3}}`, an array, or a pointer and a count. It copies nothing. A braced list's array
/// lives only until the end of the full-expression that holds it (the C++ rule for
/// std::initializer_list), which is why a view is read during the call it is passed to and
/// never kept: write the list inside the call (`s.set_attributes({...})`,
/// `start_span({"name", "op", {}, {}, transaction_source::custom, false, {{"k", 1}}}, fn)`), not
/// into a span_options variable read later. Assigning a braced list to a view is refused at
/// compile time for that reason (`opts.attributes = {{"k", 1}};` would dangle at the `;`).
class span_attributes {
 public:
  constexpr span_attributes() noexcept = default;
  constexpr span_attributes(std::nullptr_t) noexcept {}  // NOLINT: implicit, as the pointer it replaces
  constexpr span_attributes(std::initializer_list<attribute> list) noexcept : data_(first_of(list)), size_(list.size()) {}
  constexpr span_attributes(const attribute* data, std::size_t count) noexcept : data_(data), size_(data ? count : 0) {}
  template <std::size_t N>
  constexpr span_attributes(const attribute (&array)[N]) noexcept : data_(array), size_(N) {}  // NOLINT
  /// A pointer alone, as span_options::attributes was before this view: its count is
  /// span_options::attribute_count.
  template <class P, std::enable_if_t<std::is_same_v<P, const attribute*> || std::is_same_v<P, attribute*>, int> = 0>
  constexpr span_attributes(P data) noexcept : data_(data) {}  // NOLINT
  span_attributes& operator=(std::initializer_list<attribute>) = delete;  // would dangle: see above

  constexpr const attribute* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr const attribute* begin() const noexcept { return data_; }
  constexpr const attribute* end() const noexcept { return data_ + size_; }
  constexpr const attribute& operator[](std::size_t i) const noexcept { return data_[i]; }

 private:
  /// The list's first element. Read through a function because g++ (-Winit-list-lifetime)
  /// rightly notes that a member set from list.begin() outlives the list's array: a view that
  /// must not be kept past the call is exactly what this type is.
  static constexpr const attribute* first_of(std::initializer_list<attribute> list) noexcept { return list.begin(); }

  const attribute* data_ = nullptr;
  std::size_t size_ = 0;
};

namespace detail {
/// The attribute keys the SDK writes itself, in a transaction's trace context / span `data`
/// and in span v2 `attributes` (envelope.hpp). A user attribute of one of these names would
/// give the object the key twice, and Relay keeps only the last: such an attribute is
/// dropped and counted (stats.attributes_dropped). Set op and origin through span_options.
inline constexpr std::string_view sdk_attribute_keys[] = {
    "sentry.op",           "sentry.origin",      "sentry.segment.name.source", "sentry.sample_rate",
    "sentry.trace_lifecycle", "sentry.segment.name", "sentry.segment.id",       "sentry.sdk.name",
    "sentry.sdk.version",  "sentry.release",     "sentry.environment",         "sentry.status.message"};

/// What every SDK key starts with, and the shortest one's length: a key that is shorter or
/// starts otherwise (nearly every user key) is told apart without walking the list.
inline constexpr std::string_view sdk_attribute_prefix = "sentry.";
inline constexpr std::size_t sdk_attribute_min_bytes = 9;

constexpr bool sdk_attribute_keys_share_prefix() noexcept {
  for (std::string_view k : sdk_attribute_keys)
    if (k.size() < sdk_attribute_min_bytes || k.substr(0, sdk_attribute_prefix.size()) != sdk_attribute_prefix) return false;
  return true;
}
static_assert(sdk_attribute_keys_share_prefix(), "is_sdk_attribute_key's fast rejection assumes every SDK key is sentry.<at least 2 bytes>");

constexpr bool is_sdk_attribute_key(std::string_view key) noexcept {
  if (key.size() < sdk_attribute_min_bytes || key[0] != sdk_attribute_prefix[0]) return false;
  for (std::string_view k : sdk_attribute_keys)
    if (k == key) return true;
  return false;
}
} // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_ATTRIBUTES_HPP

// end of part: include/sentry_trace/face/attributes.hpp

// =================================================================================================
// part: include/sentry_trace/face/outcome_kinds.hpp
// =================================================================================================

// sentry_trace/outcome_kinds.hpp -- discard reasons, data categories and the stats a program reads
//
// WHAT IT DOES  The vocabulary of outcomes: `discard_reason` and `data_category` (with the
//               strings client reports and rate limits use for them) and `stats`, what
//               get_stats() returns. Written once, included by outcomes.hpp (tracing on, which
//               counts them) and by disabled.hpp (SENTRY_TRACE_ENABLED=0, where every counter
//               stays zero).
// DOES NOT      count anything or depend on any other part but config.hpp: the counters are in
//               outcomes.hpp.
// SPEC          https://develop.sentry.dev/sdk/telemetry/client-reports/

#ifndef SENTRY_TRACE_OUTCOME_KINDS_HPP
#define SENTRY_TRACE_OUTCOME_KINDS_HPP

#include <cstddef>
#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

/// Why something was not delivered (the client report `reason` strings).
enum class discard_reason : std::uint8_t {
  sample_rate,        ///< not sampled
  buffer_overflow,    ///< over a pool's capacity (spans, transactions, envelope bytes)
  queue_overflow,     ///< the delivery queue was full
  ratelimit_backoff,  ///< dropped before sending while the server's rate limit lasts
  network_error,      ///< the transport could not reach the server
  send_error,         ///< the server refused it
  invalid,            ///< a span never ended, or ended after its transaction was sent
  no_parent_span,     ///< a child whose explicit parent's transaction was already gone
  internal_sdk_error, ///< anything else inside the library
  before_send,        ///< options.before_send / before_send_transaction returned false
  event_processor,    ///< matched options.ignore_transactions (@sentry/core's eventFilters
                      ///< drops it from an event processor, reported with this reason)
  count_
};

/// What was not delivered (the rate-limit / client-report category strings).
enum class data_category : std::uint8_t { transaction, span, error, internal, count_ };

constexpr const char* to_string(discard_reason r) noexcept {
  constexpr const char* names[] = {"sample_rate",  "buffer_overflow", "queue_overflow",  "ratelimit_backoff",
                                   "network_error", "send_error",     "invalid",         "no_parent_span",
                                   "internal_sdk_error", "before_send", "event_processor"};
  return names[static_cast<std::size_t>(r) < static_cast<std::size_t>(discard_reason::count_)
                   ? static_cast<std::size_t>(r)
                   : static_cast<std::size_t>(discard_reason::internal_sdk_error)];
}
constexpr const char* to_string(data_category c) noexcept {
  constexpr const char* names[] = {"transaction", "span", "error", "internal"};
  return names[static_cast<std::size_t>(c) < static_cast<std::size_t>(data_category::count_) ? static_cast<std::size_t>(c) : 3];
}

/// Things kept but cut, and other diagnostics, readable with sentry_trace::get_stats().
/// With SENTRY_TRACE_ENABLED=0 every counter stays zero: nothing is recorded.
struct stats {
  std::uint64_t strings_truncated = 0;     ///< strings cut at SENTRY_TRACE_MAX_STRING or the arena's end
  std::uint64_t attributes_dropped = 0;    ///< over SENTRY_TRACE_MAX_ATTRIBUTES or the attribute pool, a NaN or
                                           ///< infinite value, one of the SDK's own keys, or a key the arena
                                           ///< could not hold whole
  std::uint64_t measurements_dropped = 0;  ///< over SENTRY_TRACE_MAX_MEASUREMENTS, no transaction, or not finite
  std::uint64_t depth_overflows = 0;       ///< spans not made active because SENTRY_TRACE_MAX_DEPTH was reached
  std::uint64_t timestamps_clamped = 0;    ///< given span times moved: a start after now (to now), an end
                                           ///< before its span's start (to the start); the span is still sent
  std::uint64_t envelopes_sent = 0;        ///< envelopes handed to the transport
  std::uint64_t client_reports_sent = 0;   ///< of which client reports
  std::uint64_t discarded_total = 0;       ///< sum of every outcome counted so far (also the reported ones)
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_OUTCOME_KINDS_HPP

// end of part: include/sentry_trace/face/outcome_kinds.hpp

// =================================================================================================
// part: include/sentry_trace/face/sampling_context.hpp
// =================================================================================================

// sentry_trace/sampling_context.hpp -- what a traces_sampler is told about a new transaction
//
// WHAT IT DOES  `sampling_context` (the transaction's name, op, source, attributes and the
//               incoming parent's decision and rate) and `parent_decision`. Written once,
//               included by sampling.hpp (tracing on, which calls the sampler with it) and by
//               disabled.hpp (SENTRY_TRACE_ENABLED=0, where a sampler is accepted, never called,
//               and code that builds a context to test its sampler still compiles and works).
// DOES NOT      decide anything: the sampler, sample_rand and the policies are in sampling.hpp.
//               It depends only on config.hpp, status.hpp and attributes.hpp.
// SPEC          https://develop.sentry.dev/sdk/telemetry/traces/#sampling

#ifndef SENTRY_TRACE_SAMPLING_CONTEXT_HPP
#define SENTRY_TRACE_SAMPLING_CONTEXT_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// The parent's sampling decision as a new transaction sees it.
enum class parent_decision : std::uint8_t { none, sampled, not_sampled };

/// What a traces_sampler is told about the transaction being started.
struct sampling_context {
  std::string_view name;             ///< the transaction's name
  std::string_view op;
  parent_decision parent_sampled = parent_decision::none;  ///< from an incoming trace, if any
  double parent_sample_rate = -1.0;  ///< the incoming sample_rate; negative when unknown
  transaction_source source = transaction_source::custom;
  const attribute* attributes = nullptr;  ///< span_options::attributes, valid during the call
  std::size_t attribute_count = 0;
  /// The rate to return to follow the incoming trace (JS: samplingContext.inheritOrSampleWith):
  /// the parent's sample_rate when its baggage carried one (also when its sentry-trace left the
  /// decision to us), else 1 or 0 for a parent that decided without a rate (an older SDK), else
  /// `fallback`. Exactly @sentry/core's rule. The rate a parent sent is compared against the
  /// trace's sample_rand, which an incoming trace keeps consistent with the parent's decision,
  /// so returning it inherits that decision:
  ///   o.traces_sampler = [](const st::sampling_context& c) {
  ///     return c.name == "GET /health" ? 0.0 : c.inherit_or_sample_with(0.25);
  ///   };
  constexpr double inherit_or_sample_with(double fallback) const noexcept {
    if (parent_sample_rate >= 0.0) return parent_sample_rate;
    if (parent_sampled != parent_decision::none) return parent_sampled == parent_decision::sampled ? 1.0 : 0.0;
    return fallback;
  }
  /// The value of attribute `key`, or nullptr.
  const attribute_value* find(std::string_view key) const noexcept {
    for (std::size_t i = 0; i < attribute_count; ++i)
      if (attributes[i].key == key) return &attributes[i].value;
    return nullptr;
  }
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_SAMPLING_CONTEXT_HPP

// end of part: include/sentry_trace/face/sampling_context.hpp

// =================================================================================================
// part: include/sentry_trace/face/ids.hpp
// =================================================================================================

// sentry_trace/face/ids.hpp -- trace ids, span ids, event ids: the values users hold
//
// WHAT IT DOES  The id types (PROTOCOL.md §7): a trace id is 16 bytes written as 32 lowercase hex
//               characters, a span id 8 bytes as 16, an event id a uuid4 as 32. Generation and the
//               hex code are in protocol/ids.hpp, compiled by the implementation TU.
// ERRORS        parse functions return false for the wrong length, uppercase or non-hex
//               characters, and all-zero ids, leaving the output untouched.

#ifndef SENTRY_TRACE_FACE_IDS_HPP
#define SENTRY_TRACE_FACE_IDS_HPP

#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// 16-byte trace id shared by every span of one trace.
struct trace_id {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  constexpr bool is_zero() const noexcept { return hi == 0 && lo == 0; }
  /// Writes exactly 32 lowercase hex characters (no NUL).
  void to_hex(char* out32) const noexcept;
  /// Parses exactly 32 lowercase hex characters; false (and `out` untouched) otherwise or when zero.
  static bool parse(std::string_view hex, trace_id& out) noexcept;
  friend constexpr bool operator==(const trace_id& a, const trace_id& b) noexcept { return a.hi == b.hi && a.lo == b.lo; }
  friend constexpr bool operator!=(const trace_id& a, const trace_id& b) noexcept { return !(a == b); }
};

/// 8-byte span id; 0 means "none".
struct span_id {
  std::uint64_t value = 0;
  constexpr bool is_zero() const noexcept { return value == 0; }
  /// Writes exactly 16 lowercase hex characters (no NUL).
  void to_hex(char* out16) const noexcept;
  /// Parses exactly 16 lowercase hex characters; false (and `out` untouched) otherwise or when zero.
  static bool parse(std::string_view hex, span_id& out) noexcept;
  friend constexpr bool operator==(const span_id& a, const span_id& b) noexcept { return a.value == b.value; }
  friend constexpr bool operator!=(const span_id& a, const span_id& b) noexcept { return a.value != b.value; }
};

/// uuid4 used as an event id; written as 32 hex without dashes, as event payloads require.
struct event_id {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  void to_hex(char* out32) const noexcept;
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_IDS_HPP

// end of part: include/sentry_trace/face/ids.hpp

// =================================================================================================
// part: include/sentry_trace/face/sampler.hpp
// =================================================================================================

// sentry_trace/face/sampler.hpp -- the traces_sampler callable and the compile-time policy
//
// WHAT IT DOES  traces_sampler_fn: any trivially copyable callable double(const sampling_context&)
//               of up to 64 bytes, stored inline (no heap, no RTTI, no vtable). The policy
//               constant SENTRY_TRACE_SAMPLING selects (config.hpp), which lets the span path fold
//               away under SENTRY_TRACE_SAMPLING_NEVER. The decision itself is made by
//               protocol/sampling.hpp in the implementation TU.

#ifndef SENTRY_TRACE_FACE_SAMPLER_HPP
#define SENTRY_TRACE_FACE_SAMPLER_HPP

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// A type-erased callable stored inline (no heap): the sampler must be copyable and fit in
/// Capacity bytes and be trivially copyable. Built from a function pointer rather than virtual
/// functions so that it needs neither RTTI nor a vtable in freestanding builds.
template <class Signature, std::size_t Capacity> class inplace_function;

template <class R, class... Args, std::size_t Capacity> class inplace_function<R(Args...), Capacity> {
 public:
  constexpr inplace_function() noexcept = default;
  constexpr inplace_function(std::nullptr_t) noexcept {}
  template <class F, class D = std::decay_t<F>,
            std::enable_if_t<!std::is_same_v<D, inplace_function> && std::is_invocable_r_v<R, D&, Args...>, int> = 0>
  inplace_function(F&& f) noexcept {  // NOLINT: implicit by design
    static_assert(sizeof(D) <= Capacity, "callable too large to store inline: capture less (pointers, not copies)");
    static_assert(alignof(D) <= alignof(std::max_align_t), "callable over-aligned");
    // Trivially copyable callables (function pointers, lambdas capturing plain values or
    // pointers) are copied as bytes and never destroyed, so the tracer that holds one needs no
    // destructor and no exit-time code, which matters on bare-metal targets.
    static_assert(std::is_trivially_copyable_v<D> && std::is_trivially_destructible_v<D>,
                  "the callable must be trivially copyable: capture plain values or pointers, not std::string etc.");
    ::new (static_cast<void*>(buffer_)) D(std::forward<F>(f));
    invoke_ = [](void* self, Args... args) -> R { return (*static_cast<D*>(self))(std::forward<Args>(args)...); };
  }
  void reset() noexcept { invoke_ = nullptr; }
  explicit operator bool() const noexcept { return invoke_ != nullptr; }
  R operator()(Args... args) const { return invoke_(const_cast<unsigned char*>(buffer_), std::forward<Args>(args)...); }

 private:
  alignas(std::max_align_t) unsigned char buffer_[Capacity] = {};
  R (*invoke_)(void*, Args...) = nullptr;
};

} // namespace detail

/// The sampler type: any trivially copyable callable `double(const sampling_context&)` of up to
/// 64 bytes (a function pointer, a lambda capturing values or pointers).
/// Return the probability of keeping the transaction in [0, 1] (1: keep, 0: drop).
using traces_sampler_fn = detail::inplace_function<double(const sampling_context&), 64>;

namespace detail {
/// The compile-time sampling policy (SENTRY_TRACE_SAMPLING, config.hpp).
enum class sampling_policy_kind : std::uint8_t { runtime = 0, always = 1, never = 2, ratio = 3 };
inline constexpr sampling_policy_kind sampling_policy = static_cast<sampling_policy_kind>(SENTRY_TRACE_SAMPLING);
}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_SAMPLER_HPP

// end of part: include/sentry_trace/face/sampler.hpp

// =================================================================================================
// part: include/sentry_trace/face/span.hpp
// =================================================================================================

// sentry_trace/face/span.hpp -- span options, the span record and the span handle
//
// WHAT IT DOES  Declares what a user holds: `span`, a small move-only handle, and `span_ref`, a
//               copyable reference for handing a parent to another thread. The handle's member
//               functions are defined once, in core/span_members.hpp (implementation TU); what
//               the pool stores is core/records.hpp. span_time is a point on the tracer's
//               monotonic clock, for spans timed after the fact. span_status and transaction_source are in
//               status.hpp, attribute_value in attributes.hpp.
// DOES NOT      own memory: a handle is indices plus a generation (sokol ids), so a handle to a
//               span whose transaction has been sent, or that was never recorded, is a valid
//               no-op and is never dereferenced.
// SPEC          https://develop.sentry.dev/sdk/foundations/envelopes/event-payloads/span/

#ifndef SENTRY_TRACE_SPAN_HPP
#define SENTRY_TRACE_SPAN_HPP

// =================================================================================================
// part: include/sentry_trace/face/span_time.hpp
// =================================================================================================

// sentry_trace/face/span_time.hpp -- a point on the tracer's monotonic clock, for spans timed after the fact
//
// WHAT IT DOES  `span_time`, the value span_options::start_time, span::end(at) and now() use.
//               Written once, included by span.hpp (tracing on) and by disabled.hpp
//               (SENTRY_TRACE_ENABLED=0, where now() is 0, "not given"), so that what a program
//               computes with it is the same in both modes.
// DOES NOT      read a clock (now() does, in the implementation TU) or depend on any other part
//               but config.hpp: every member is constexpr.

#ifndef SENTRY_TRACE_SPAN_TIME_HPP
#define SENTRY_TRACE_SPAN_TIME_HPP

#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

/// A point in time on the tracer's monotonic clock, in nanoseconds: the clock of
/// options.clock when it is set, else steady_clock (a clock that never steps, unlike the wall
/// clock). Take one with now(); express a duration measured after the fact with minus_ns()
/// (`now().minus_ns(elapsed_ns)` is when a thing that just finished began). Zero means "not
/// given": a span then starts or ends when the call is made. A value taken from another clock
/// must be moved onto this one by the caller (e.g. GPU timestamps, by pairing one with now()).
/// Spans may mix given times and clock readings freely: both are put on the same time line
/// when their transaction is written (core/clock.hpp).
struct span_time {
  std::uint64_t ns = 0;  ///< monotonic nanoseconds; 0: not given

  /// `d_ns` nanoseconds earlier; saturates at the clock's first nanosecond (never "not given").
  constexpr span_time minus_ns(std::uint64_t d_ns) const noexcept { return span_time{ns > d_ns ? ns - d_ns : 1}; }
  /// `d_ns` nanoseconds later (saturating).
  constexpr span_time plus_ns(std::uint64_t d_ns) const noexcept {
    return span_time{ns + d_ns < ns ? ~std::uint64_t{0} : ns + d_ns};
  }
  constexpr bool is_set() const noexcept { return ns != 0; }
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_SPAN_TIME_HPP

// end of part: include/sentry_trace/face/span_time.hpp

#include <cstdint>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN

class span;
class borrowed_span;

namespace detail {
/// Where a span stands in a thread's stack of active spans (core/scopes.hpp): the scope, the entry's
/// 1-based depth, and the token that entry holds while this span is active there. Tokens are
/// unique per push, so a stale handle never ends another span's entry, even one with the same
/// span id (unrecorded children share their parent's ids).
struct active_mark {
  void* scope = nullptr;
  std::uint64_t token = 0;
  std::uint16_t depth = 0;  ///< 0: not active
};
}  // namespace detail

/// A copyable reference to a span: enough to make it the parent of a span started on another
/// thread, and to read its ids. Holding one keeps nothing alive; if the span's transaction has
/// already been sent, a child started from it becomes... nothing (it is dropped and counted as
/// `no_parent_span`), never a stray write.
struct span_ref {
  trace_id trace{};
  span_id id{};
  std::uint32_t generation = 0;  ///< generation of the transaction block it lives in
  std::uint16_t block = 0;
  std::uint16_t slot = 0;
  std::uint16_t epoch = 0;       ///< init() generation; refs from before a re-init are stale
  std::uint8_t flags = 0;
  /// Internal links (detail::ref_in_block, ref_segment_link, ref_rate_known): whether `block` and
  /// `generation` name this span's transaction although it records nothing itself (a child over
  /// max_spans), whether `segment_block` / `segment_generation` name its streaming segment, and
  /// whether `sample_rate_ppm` holds a rate.
  std::uint8_t links = 0;
  /// Streaming: the segment block of a span recorded in a continuation block, so that its
  /// children still join the segment after that continuation has been sent and freed.
  std::uint16_t segment_block = 0;
  /// A root that records nothing still propagates a DSC: its sample_rand and deciding rate (in
  /// millionths, when links has detail::ref_rate_known) travel with the reference. Every member
  /// defaults to zero, so arrays of references are zero-initialized static storage (.bss).
  std::uint32_t sample_rand_micros = 0;
  std::uint32_t sample_rate_ppm = 0;
  std::uint32_t segment_generation = 0;

  static constexpr std::uint8_t valid = 1;      ///< refers to a span (sampled or not)
  static constexpr std::uint8_t recording = 2;  ///< has a slot in a transaction block
  static constexpr std::uint8_t sampled = 4;    ///< part of a sampled trace
  static constexpr std::uint8_t deferred = 8;   ///< sampling decision left to the next service
  static constexpr std::uint8_t root = 16;      ///< the span is its transaction's root
  static constexpr std::uint8_t overflow = 32;  ///< sampled but not recorded: no block or slot was free

  constexpr span_ref() noexcept = default;
  /// The reference of a live handle (empty for an empty handle). Implicit, so that
  /// `span_options{"name", "op", parent_span}` reads naturally.
  span_ref(const span& s) noexcept;  // NOLINT(google-explicit-constructor)

  constexpr bool is_valid() const noexcept { return (flags & valid) != 0; }
  constexpr bool is_recording() const noexcept { return (flags & recording) != 0; }
  constexpr bool is_sampled() const noexcept { return (flags & sampled) != 0; }
};

/// How to start a span. An aggregate: `{"GET /orders", "http.server"}` or set fields by name.
/// Strings are copied into the transaction's arena when the span starts (truncated at
/// SENTRY_TRACE_MAX_STRING bytes, never dangling), so temporaries are fine.
struct span_options {
  std::string_view name;        ///< span description / transaction name; "<unlabeled transaction>" when empty
  std::string_view op;          ///< Sentry's op, e.g. "http.server", "db.query"; "default" when empty
  span_ref parent{};            ///< explicit parent (e.g. from another thread); default: this thread's active span
  std::string_view origin{};    ///< "manual" when empty; "auto.<category>..." for integrations
  transaction_source source = transaction_source::custom;  ///< used when the span is a transaction
  bool force_transaction = false;  ///< start a new transaction even when a span is active
  /// Attributes set when the span starts, and shown to traces_sampler when it is a transaction
  /// (as @sentry/core's startSpan({attributes})): a braced list, an array, or a pointer and a
  /// count (span_attributes). Read during the start call only, so a braced list written inside
  /// that call is fine; one stored in a span_options variable is gone by the time the variable is
  /// used (span_attributes explains why).
  span_attributes attributes{};
  /// For code written before `attributes` was a view: when nonzero, the number of attributes
  /// `attributes` points at (`o.attributes = array; o.attribute_count = n;`); when zero, the
  /// view's own size counts.
  std::size_t attribute_count = 0;

  /// When the span started, if before now (as @sentry/core's startSpan({startTime})): e.g.
  /// `now().minus_ns(elapsed)`. Not given (0): now. A time after now is clamped to now and
  /// counted (stats.timestamps_clamped). Ignored by spans that record nothing.
  span_time start_time{};
  /// The attributes the start call reads: the view, or attribute_count of them.
  constexpr span_attributes start_attributes() const noexcept {
    return attribute_count != 0 ? span_attributes(attributes.data(), attribute_count) : attributes;
  }
};

/// Handle to a started span. Cheap (a few words) and move-only, so exactly one owner can end
/// it. end() is idempotent. A handle that is destroyed without end() abandons its span: it is
/// not sent, and is counted as dropped (`invalid`), as the SDKs drop unfinished spans.
/// Thread safety: one handle must not be used by two threads at once; different spans of one
/// transaction may be started, changed and ended on different threads.
class span {
  /// With SENTRY_TRACE_SAMPLING_NEVER no span records anything: the compiler may drop every path.
  static constexpr bool never_recording = SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_NEVER;

 public:
  constexpr span() noexcept = default;
  span(span&& other) noexcept : ref_(other.ref_), active_(other.active_) { other.release_(); }
  span& operator=(span&& other) noexcept {
    if (this != &other) {
      abandon_();
      ref_ = other.ref_;
      active_ = other.active_;
      other.release_();
    }
    return *this;
  }
  span(const span&) = delete;
  span& operator=(const span&) = delete;
  ~span() {
    if constexpr (never_recording) return;  // SENTRY_TRACE_SAMPLING_NEVER: nothing to undo, ever
    if ((ref_.flags & (span_ref::recording | span_ref::root)) || active_.depth) abandon_();  // else nothing to undo
  }

  /// Sets or replaces an attribute (JS: span.setAttribute). Keys and string values are copied
  /// into the transaction's arena. A no-op on unsampled, ended or empty handles.
  /// Every setter checks is_recording() here, inline, so on an unsampled, ended or empty
  /// handle it costs a test of one flag and no call.
  void set_attribute(std::string_view key, std::string_view value) noexcept {
    if (is_recording()) set_string_attribute_(key, value);
  }
  void set_attribute(std::string_view key, const char* value) noexcept {
    set_attribute(key, value ? std::string_view(value) : std::string_view());
  }
  /// std::string and anything else that converts to std::string_view.
  template <class S, std::enable_if_t<detail::is_attribute_string_v<S>, int> = 0>
  void set_attribute(std::string_view key, const S& value) noexcept {
    set_attribute(key, std::string_view(value));
  }
  /// A char is a one-byte string ('A' is "A"); signed and unsigned char are integers.
  void set_attribute(std::string_view key, char value) noexcept {
    set_attribute(key, attribute_value(value).as_string());
  }
  void set_attribute(std::string_view key, double value) noexcept {
    if (is_recording()) set_attribute_value_(key, attribute_value(value));
  }
  void set_attribute(std::string_view key, float value) noexcept { set_attribute(key, static_cast<double>(value)); }
  void set_attribute(std::string_view key, long double value) noexcept { set_attribute(key, static_cast<double>(value)); }
  void set_attribute(std::string_view key, bool value) noexcept {
    if (is_recording()) set_attribute_value_(key, attribute_value(value));
  }
  void set_attribute(std::string_view key, std::int64_t value) noexcept {
    if (is_recording()) set_attribute_value_(key, attribute_value(value));
  }
  /// Any other integer type is stored as int64; an unsigned value above INT64_MAX as the double
  /// nearest to it (attribute_value explains the rule).
  template <class Int, std::enable_if_t<detail::is_attribute_integer_v<Int> && !std::is_same_v<Int, std::int64_t>, int> = 0>
  void set_attribute(std::string_view key, Int value) noexcept {
    if (detail::above_int64(value)) {
      set_attribute(key, static_cast<double>(value));
    } else {
      set_attribute(key, static_cast<std::int64_t>(value));
    }
  }
  /// A value already made (e.g. read back from sampling_context::find()).
  void set_attribute(std::string_view key, const attribute_value& value) noexcept {
    if (is_recording()) set_attribute_value_(key, value);
  }
  /// A pointer is not a value: pass what it points to (it would otherwise become a bool).
  template <class T, std::enable_if_t<detail::is_non_text_pointee_v<T>, int> = 0>
  void set_attribute(std::string_view key, T* value) = delete;
  /// Sets several attributes in one call (JS: span.setAttributes), in order, as set_attribute
  /// would one by one: `s.set_attributes({{"db.system", "sqlite"}, {"db.rows", 3}})`. The list
  /// is read during the call only.
  void set_attributes(span_attributes attributes) noexcept {
    if (is_recording() && !attributes.empty()) set_attributes_(attributes);
  }
  /// Sets the status (written as `ok` when never set).
  void set_status(span_status status) noexcept {
    if (is_recording()) set_status_(status);
  }
  /// Sets the status with a message (JS: span.setStatus({code, message})), e.g.
  /// `set_status(span_status::deadline_exceeded, "upstream took 5 s")`. A streamed span has
  /// status "error" and the message in its `sentry.status.message` attribute, in place of the
  /// status name, as @sentry/core writes it (addStatusMessageAttribute). In a transaction the
  /// span keeps the detailed `status` and the message goes into its `data` under the same key:
  /// @sentry/core has no other place for it there (its `status` is the message when that is a
  /// status name, else internal_error), and `data` is where its span attributes go. An `ok`
  /// status has no message (@sentry/core writes none for ok), and set_status(status) clears a
  /// message set before. The message is copied (truncated at SENTRY_TRACE_MAX_STRING bytes) and
  /// takes one of the span's SENTRY_TRACE_MAX_ATTRIBUTES attributes.
  void set_status(span_status status, std::string_view message) noexcept {
    if (is_recording()) set_status_message_(status, message);
  }
  /// Sets the status from an HTTP status code (from_http_status) and the attribute
  /// `http.response.status_code`, as @sentry/core's setHttpStatus does.
  void set_http_status(int code) noexcept {
    if (is_recording()) set_http_status_(code);
  }
  /// Renames the span; on a transaction this is also the transaction's name.
  void set_name(std::string_view name) noexcept {
    if (is_recording()) rename_(name, nullptr);
  }
  /// Renames the span and sets the transaction's name source (route, url, ...).
  void set_name(std::string_view name, transaction_source source) noexcept {
    if (is_recording()) rename_(name, &source);
  }
  void set_op(std::string_view op) noexcept {
    if (is_recording()) set_op_(op);
  }
  void set_origin(std::string_view origin) noexcept {
    if (is_recording()) set_origin_(origin);
  }
  /// Ends the span now. Ending a transaction's root sends the transaction. Idempotent. A span
  /// that records nothing and is active nowhere ends here, inline.
  void end() noexcept {
    if constexpr (never_recording) return;
    if (ends_inline_()) return;
    end_();
  }
  /// Ends the span at `at` instead of now (as @sentry/core's span.end(timestamp)): for timings
  /// known only after the fact (GPU timer queries, a library's duration callback). An end
  /// before the span's start is clamped to the start and counted (stats.timestamps_clamped):
  /// a span never has a negative duration. `at` not given (0): the same as end().
  void end(span_time at) noexcept {
    if constexpr (never_recording) return;
    if (ends_inline_()) return;
    if (at.ns) end_at_(at.ns);
    else end_();
  }

  /// True while the handle refers to a span that has not ended (sampled or not).
  bool is_active() const noexcept { return (ref_.flags & span_ref::valid) != 0; }
  /// True when the span is sampled and has a slot, i.e. will appear in Sentry.
  bool is_recording() const noexcept { return !never_recording && (ref_.flags & span_ref::recording) != 0; }
  bool is_sampled() const noexcept { return (ref_.flags & span_ref::sampled) != 0; }
  trace_id trace() const noexcept { return ref_.trace; }
  span_id id() const noexcept { return ref_.id; }
  span_ref ref() const noexcept { return ref_; }

  /// Internal: built by the tracer.
  constexpr span(const span_ref& r, const detail::active_mark& active) noexcept : ref_(r), active_(active) {}
  /// Internal: a recording span built field by field, so that no half-written copy of a
  /// span_ref is read back whole (a store-forwarding stall on the span path).
  span(const trace_id& trace, span_id id, std::uint32_t generation, std::uint16_t block, std::uint16_t slot,
       std::uint16_t epoch, std::uint8_t flags, std::uint8_t links, std::uint16_t segment_block,
       std::uint32_t segment_generation, const detail::active_mark& active) noexcept
      : active_(active) {
    ref_.trace = trace;
    ref_.id = id;
    ref_.generation = generation;
    ref_.block = block;
    ref_.slot = slot;
    ref_.epoch = epoch;
    ref_.flags = flags;
    ref_.links = links;
    ref_.segment_block = segment_block;
    ref_.segment_generation = segment_generation;
  }
  /// Internal: an unrecorded child of `parent` (same ids, other flags), active nowhere.
  span(const span_ref& parent, std::uint8_t flags) noexcept : ref_(parent) { ref_.flags = flags; }

 private:
  /// borrowed_span (face/active.hpp) runs these setters on a span it does not own, and lets go
  /// of it with release_(), never end_() or abandon_().
  friend class borrowed_span;

  void release_() noexcept {
    ref_ = span_ref{};
    active_ = detail::active_mark{};
  }
  /// end()'s inline case: a span that records nothing and is active nowhere ends here.
  bool ends_inline_() noexcept {
    if ((ref_.flags & (span_ref::recording | span_ref::root)) != 0 || active_.depth != 0) return false;
    ref_.flags = 0;
    return true;
  }
  // Defined once, in core/span_members.hpp.
  void abandon_() noexcept;
  void end_() noexcept;
  void end_at_(std::uint64_t at_ns) noexcept;  ///< end(at) with a time given (span_time::ns)
  void end_recorded_() noexcept;
  /// end_recorded_'s steps, with `set_end(span_record&)` writing the end: a clock reading
  /// (end_recorded_) or a given time (end_at_), so end() pays nothing for end(at).
  template <class SetEnd> void end_recorded_with_(SetEnd&& set_end) noexcept;
  void set_attribute_value_(std::string_view key, const attribute_value& value) noexcept;
  void set_string_attribute_(std::string_view key, std::string_view value) noexcept;  // the common case, without the dispatch on type
  void set_status_(span_status status) noexcept;
  void set_status_message_(span_status status, std::string_view message) noexcept;
  void set_attributes_(span_attributes attributes) noexcept;
  void set_http_status_(int code) noexcept;
  void rename_(std::string_view name, const transaction_source* source) noexcept;
  void set_op_(std::string_view op) noexcept;
  void set_origin_(std::string_view origin) noexcept;

  span_ref ref_{};
  detail::active_mark active_{};  ///< where it is active, if anywhere
};

inline span_ref::span_ref(const span& s) noexcept : span_ref(s.ref()) {}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_SPAN_HPP

// end of part: include/sentry_trace/face/span.hpp

// =================================================================================================
// part: include/sentry_trace/face/transport.hpp
// =================================================================================================

// sentry_trace/face/transport.hpp -- the transport interface, what it receives, two tiny transports
//
// WHAT IT DOES  A transport receives finished envelopes: `envelope_view` (the bytes, and for a
//               transaction a `transaction_view` of its spans). Implement send() (and flush() if
//               the transport buffers). Declared here for every TU:
//                 null_transport      discards everything (tracing on, delivery off);
//                 callback_transport  a plain C function pointer + user data (UART, MQTT, C code).
//               The hosted transports (file_transport, console_transport, http_transport) are in
//               delivery/, seen by the implementation TU and by TUs that define
//               SENTRY_TRACE_INTERNALS (config.hpp).
// HOOKS         transport::send is called with the envelope lock held, so never concurrently and
//               in order, from the thread that ended the transaction or called flush()/shutdown(),
//               or with options.serialize_on_worker from the library's handoff thread (or poll()).
//               The bytes are valid only during the call: copy them to keep them. send must not
//               call back into sentry_trace. A transport that fails to deliver calls
//               report_lost() so the loss is counted and appears in the next client report.
// DOES NOT      own the transport: options.transport points to the user's object, which must
//               outlive shutdown().

#ifndef SENTRY_TRACE_FACE_TRANSPORT_HPP
#define SENTRY_TRACE_FACE_TRANSPORT_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
struct transaction_block;
struct time_anchor;
}  // namespace detail

/// One finished span as a transport sees it (valid only during transport::send).
struct span_view {
  span_id id;
  span_id parent;               ///< zero on a root that starts the trace
  std::string_view op;
  std::string_view name;
  std::int64_t start_epoch_us;  ///< microseconds since the Unix epoch
  std::int64_t end_epoch_us;
  span_status status;
  bool is_root;
};

/// Read access to the transaction an envelope carries, for transports that show rather than
/// ship it (console_transport). Only spans that were written to the envelope are listed.
class transaction_view {
 public:
  std::string_view name() const noexcept;
  trace_id trace() const noexcept;
  /// Spans in the envelope, root first.
  std::size_t span_count() const noexcept { return count_; }
  span_view span_at(std::size_t i) const noexcept;

  // Internal: built by the envelope writer.
  transaction_view(const detail::transaction_block* b, const std::uint16_t* slots, std::size_t count,
                   const detail::time_anchor& anchor) noexcept
      : block_(b), slots_(slots), count_(count), anchor_(&anchor) {}

 private:
  const detail::transaction_block* block_;
  const std::uint16_t* slots_;
  std::size_t count_;
  const detail::time_anchor* anchor_;
};

/// What a transport receives: the whole envelope's bytes (valid only during the call; copy
/// them to keep them) and, for a transaction envelope, a structured view of it.
class envelope_view {
 public:
  constexpr envelope_view() noexcept = default;
  constexpr envelope_view(std::string_view bytes, const transaction_view* txn, bool client_report_only,
                          std::uint32_t span_items = 0) noexcept
      : bytes_(bytes), transaction_(txn), client_report_only_(client_report_only), span_items_(span_items) {}
  /// The envelope, ready to POST or write to a file.
  std::string_view bytes() const noexcept { return bytes_; }
  /// The transaction it carries, or nullptr (client reports, events).
  const transaction_view* transaction() const noexcept { return transaction_; }
  /// True when it holds only a client_report item (sentry-cli rejects those).
  bool is_client_report() const noexcept { return client_report_only_; }
  /// The number of span v2 items in a streamed span envelope (0 for other envelopes).
  std::uint32_t span_items() const noexcept { return span_items_; }

 private:
  std::string_view bytes_{};
  const transaction_view* transaction_ = nullptr;
  bool client_report_only_ = false;
  std::uint32_t span_items_ = 0;
};

/// Where envelopes go. Implement send(); flush() if the transport buffers.
class transport {
 public:
  /// Delivers one envelope (see the HOOKS contract above).
  virtual void send(envelope_view envelope) = 0;
  /// Waits up to `timeout_ms` for everything sent so far to be delivered; true when it was.
  virtual bool flush(std::uint32_t timeout_ms) {
    static_cast<void>(timeout_ms);
    return true;
  }

  /// Counts an envelope this transport could not deliver, by reason, for the client report
  /// (a transaction counts once as `transaction` and once per span as `span`, an error event
  /// once as `error`; lost client reports are not counted, as in every Sentry SDK).
  static void report_lost(const envelope_view& envelope, discard_reason reason) noexcept;

 protected:
  transport() = default;
  transport(const transport&) = default;
  transport& operator=(const transport&) = default;
  // Not virtual on purpose: the library never deletes a transport, and a virtual destructor
  // would pull operator delete into freestanding links.
  ~transport() = default;
};

/// Discards every envelope. Not a loss: the user chose no delivery.
class null_transport final : public transport {
 public:
  void send(envelope_view) override {}
};

/// Hands every envelope to a plain function pointer, for C-style code and byte sinks.
class callback_transport final : public transport {
 public:
  /// Receives the envelope's bytes, valid only during the call.
  using send_fn = void (*)(const char* bytes, std::size_t size, void* user);
  constexpr callback_transport(send_fn fn, void* user) noexcept : fn_(fn), user_(user) {}
  void send(envelope_view e) override {
    if (fn_) fn_(e.bytes().data(), e.bytes().size(), user_);
  }

 private:
  send_fn fn_;
  void* user_;
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_TRANSPORT_HPP

// end of part: include/sentry_trace/face/transport.hpp

// =================================================================================================
// part: include/sentry_trace/face/options.hpp
// =================================================================================================

// sentry_trace/face/options.hpp -- what init() takes, and init/flush/shutdown
//
// WHAT IT DOES  Declares `options` (every member with its default), the delivery and lifecycle
//               enums, and the functions that start and stop tracing. They are defined once, in
//               runtime/lifecycle.hpp (the implementation TU).
// STEP BY STEP  sentry_trace::options o;          // every member holds its documented default
//               o.dsn = "https://key@o1.ingest.sentry.io/42";
//               o.traces_sample_rate = 1.0;
//               o.transport = &my_transport;      // not owned; must outlive shutdown()
//               if (!sentry_trace::init(o)) { /* the log hook said why */ }
//               ... spans (api.hpp) ...
//               sentry_trace::shutdown(2000);
//
// OPTIONS       member               default                     Sentry name / environment variable
//               dsn                  "" (SENTRY_DSN)             dsn; no DSN: envelopes carry no DSC
//               release              "" (SENTRY_RELEASE)         release, at most 200 bytes
//               environment          "production" (SENTRY_ENVIRONMENT)  environment, at most 64 bytes
//               server_name          ""                          server_name
//               org_id               "" (from the DSN host)      org_id
//               traces_sample_rate   options::unset (SENTRY_TRACES_SAMPLE_RATE)  0..1; unset with no
//                                    sampler: tracing off, traces still propagate (deferred)
//               traces_sampler       empty                       traces_sampler; beats the rate
//               max_spans            SENTRY_TRACE_MAX_SPANS      max_spans (child spans per transaction)
//               debug                false (SENTRY_DEBUG)        debug: log hook gets debug lines
//               log                  stderr (hosted); debug      -
//                                    lines only with `debug`
//               transport            nullptr: envelopes dropped  transport (not owned)
//               serialize_on_worker  false                       - (envelopes written and sent on
//                                    a library thread; poll() where there are no threads)
//               storage              nullptr: a static one       - (see pool.hpp)
//               clock, wall_clock,   hosted: steady_clock,       - (platform.hpp); freestanding
//               entropy, lock        system_clock, /dev/urandom,   builds must set clock and entropy
//                                    std::mutex
//               send_client_reports  true                        send_client_reports
//               delivery             delivery_mode::worker       - (built-in HTTP transport:
//                                    a background thread, or poll: sentry_trace::poll() sends)
//               http_proxy, ca_file  ""                          http_proxy, ca_certs
//               spotlight            "" (SENTRY_SPOTLIGHT)       spotlight: "true"/"1"/...: the
//                                    default sidecar URL, "false"/"0"/...: off, else a URL
//               before_send          none                        beforeSend: edit or drop an event
//               before_send_transaction none                     beforeSendTransaction: rename, tag
//                                                                or drop a transaction
//               ignore_transactions  none                        ignoreTransactions (substrings)
// TRANSPORT     With a DSN and no options.transport, hosted POSIX builds send over HTTP
//               (transport_http.hpp) to {scheme}://{host}:{port}{path}/api/{project}/envelope/
//               with X-Sentry-Auth, from a transport held in static storage inside the library;
//               shutdown() flushes and stops it. With Spotlight on, every envelope is also
//               queued for the sidecar by a second one (no auth, one attempt, losses not
//               counted), which never holds up the first. In worker mode a root's end() hands
//               its block to a library thread that writes the envelope (delivery/handoff.hpp);
//               in poll mode poll() writes it. A queued block stays in use until it is written
//               (it counts against SENTRY_TRACE_MAX_TRANSACTIONS): with fewer than two blocks
//               free, end() writes the envelope itself rather than let new roots be dropped.
//               An https DSN in a build without SENTRY_TRACE_WITH_MBEDTLS=1 cannot be sent to:
//               init() logs an error saying how to fix it and still returns true (tracing works
//               and trace headers propagate), every envelope is counted as lost
//               (internal_sdk_error, see get_stats()), and flush()/shutdown() return false.
//               Options set in code win over the environment, as in every Sentry SDK.
// ENVIRONMENT   Each variable's value is trimmed of white space first (a trailing newline from
//               a shell or a .env file is common). A variable init() cannot use (a malformed
//               SENTRY_DSN, an over-long SENTRY_RELEASE or SENTRY_ENVIRONMENT, a
//               SENTRY_TRACES_SAMPLE_RATE that is not a number from 0 to 1, an unknown
//               SENTRY_TRACE_LIFECYCLE) is ignored with a warning that names it and its value,
//               and init() goes on as if it were not set.
// ERRORS        init() returns false and logs the reason for a malformed DSN option, a rate
//               option outside [0, 1], an over-long string option, or a freestanding build
//               without clock or entropy (the environment's values never fail it, see above);
//               tracing then stays off and every call is a valid no-op.

#ifndef SENTRY_TRACE_FACE_OPTIONS_HPP
#define SENTRY_TRACE_FACE_OPTIONS_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// The pools a tracer records into (core/pool.hpp); options.storage may point at one.
struct storage;

/// How the built-in HTTP transport delivers (hosted POSIX builds; ignored elsewhere).
enum class delivery_mode : std::uint8_t {
  worker,  ///< a background thread started by init() sends
  poll     ///< nothing is sent until sentry_trace::poll() (or flush()/shutdown()) runs
};

/// How finished spans are sent (options.trace_lifecycle).
enum class trace_lifecycle : std::uint8_t {
  static_,  ///< "static": one transaction per root, with at most max_spans children (the default)
  stream    ///< span v2 items in batches of up to 1000, as @sentry/core 11 streams them: a root
            ///< with more spans than a block holds is sent whole, in several envelopes
};

/// When continuous profiling (options.profile_session_sample_rate) runs: the names and
/// meanings of the SDKs' profileLifecycle / profile_lifecycle.
enum class profile_lifecycle : std::uint8_t {
  manual,  ///< from start_profiler() to stop_profiler()
  trace    ///< while any sampled root span is running
};

/// Everything init() takes. An aggregate: declare it, then assign fields by name.
struct options {
  /// traces_sample_rate's "not set" value (0.0 is a real rate: sample nothing).
  static constexpr double unset = -1.0;

  std::string_view dsn{};               ///< "": SENTRY_DSN, else none
  std::string_view release{};           ///< "": SENTRY_RELEASE
  std::string_view environment{};       ///< "": SENTRY_ENVIRONMENT, else "production"
  std::string_view server_name{};
  std::string_view org_id{};            ///< "": the digits of a DSN host "o<digits>.…"
  double traces_sample_rate = unset;    ///< unset: SENTRY_TRACES_SAMPLE_RATE
  traces_sampler_fn traces_sampler{};   ///< any callable double(const sampling_context&) up to 64 bytes
  std::uint32_t max_spans = SENTRY_TRACE_MAX_SPANS;  ///< child spans per transaction; 0 or more: capped
  bool debug = false;                   ///< false: SENTRY_DEBUG ("1", "true", "yes", "on")
  log_hook log{};
  ::sentry_trace::transport* transport = nullptr;  ///< not owned
  /// With `transport`: a thread of the library writes each transaction's envelope and calls
  /// transport->send() from there, so a root's end() only queues its block (SENTRY_TRACE_THREADS=0:
  /// poll() writes them). Off by default, because send() then runs on another thread than
  /// the one that ended the root. The built-in transport always works this way in worker mode.
  bool serialize_on_worker = false;
  ::sentry_trace::storage* storage = nullptr;      ///< not owned; nullptr: a static one (hosted)
  clock_hook clock{};
  wall_clock_hook wall_clock{};
  entropy_hook entropy{};
  lock_hook lock{};
  bool send_client_reports = true;
  /// Outgoing URLs that get trace headers from inject(carrier, url): a URL containing one of
  /// these (ASCII case-insensitive) does. nullptr (the default): every URL, as @sentry/node 11.
  /// Copied by init(): at most 16 targets and 1024 bytes in all.
  const std::string_view* trace_propagation_targets = nullptr;
  std::size_t trace_propagation_target_count = 0;
  /// Also send a W3C `traceparent` header (default false, as the SDKs' propagateTraceparent).
  bool propagate_traceparent = false;
  /// Whether integrations (include/sentry_trace/integrations/) may record data that can identify
  /// a person: URL query strings and fragments, request and response headers (their secrets still
  /// `[Filtered]`). Default false, as the SDKs' sendDefaultPii / send_default_pii. User-info in a
  /// URL, bound SQL values and Redis values are never recorded, whatever this says.
  bool send_default_pii = false;
  /// The built-in HTTP transport (a DSN and no `transport`, hosted POSIX builds): worker or poll.
  delivery_mode delivery = delivery_mode::worker;
  std::string_view http_proxy{};        ///< "http://host:port" for the built-in transport; "": none
  std::string_view ca_file{};           ///< a PEM CA bundle for https; "": the system's
  bool http_compression = true;         ///< gzip envelopes over 1 KiB (only with SENTRY_TRACE_WITH_ZLIB=1 and -lz)
  /// static_ (transactions, the default) or stream (span v2 batches); SENTRY_TRACE_LIFECYCLE
  /// ("static" / "stream") when left at the default.
  ::sentry_trace::trace_lifecycle trace_lifecycle = ::sentry_trace::trace_lifecycle::static_;
  /// "": SENTRY_SPOTLIGHT; "true"/"1"/"yes"/"on"...: http://localhost:8969/stream;
  /// "false"/"0"/"no"/"off"...: off; anything else: the sidecar URL (PROTOCOL.md §13).
  std::string_view spotlight{};
  /// Sees every error and message event before it is written; may edit it or drop it (false:
  /// counted as before_send / error). See face/event_options.hpp for what can be edited.
  before_send_hook before_send{};
  /// Sees every transaction before it is written; may rename it, add tags, or drop it (false:
  /// counted as before_send for the transaction and each of its spans). Neither this nor
  /// ignore_transactions applies to streamed spans (trace_lifecycle::stream), as @sentry/core
  /// ignores both there.
  before_send_transaction_hook before_send_transaction{};
  /// Transactions whose name contains one of these (case-sensitive substring, as @sentry/core's
  /// stringMatchesSomePattern with string patterns; there are no regular expressions) are not
  /// sent: counted as event_processor for the transaction and its spans, as @sentry/core's
  /// eventFilters integration drops them. Checked before before_send_transaction, against the
  /// name the root ended with. An empty pattern matches every name. Copied by init(): at most 8
  /// patterns and 256 bytes in all (a microcontroller's RAM; the usual list is a few health
  /// checks).
  const std::string_view* ignore_transactions = nullptr;
  std::size_t ignore_transaction_count = 0;

  // Profiling (Linux on x86-64 and AArch64; elsewhere these do nothing, and debug mode says so).
  // Two models, as Sentry's SDKs have them; when both are set, the first wins and a warning says so.
  /// Transaction profiling: each sampled root is profiled with this probability (0 to 1) and
  /// its envelope carries a `profile` item (sample format v1, at most 30 s). unset: off.
  double profiles_sample_rate = unset;
  /// Transaction profiling: decides per sampled root instead of profiles_sample_rate (as
  /// sentry_sdk's profiles_sampler), with the root's sampling context.
  traces_sampler_fn profiles_sampler{};
  /// Continuous profiling: this process's profiler session runs with this probability (drawn
  /// once, at init()) and sends `profile_chunk` items (format v2, at most 60 s each). unset: off.
  double profile_session_sample_rate = unset;
  ::sentry_trace::profile_lifecycle profile_lifecycle = ::sentry_trace::profile_lifecycle::manual;
  /// Samples per second of each registered thread (the thread that calls init() and those that
  /// call register_profiled_thread()). 101 by default, as the SDKs: off the beat of 100 Hz timers.
  std::uint32_t profiler_frequency_hz = 101;
  /// capture_message() events carry the calling thread's stack trace too (capture_exception()'s
  /// always do, where profiling_supported), as the SDKs' attachStacktrace / attach_stacktrace.
  bool attach_stacktrace = false;
  /// Images whose frames are in_app besides the main executable: a frame's module path that
  /// contains one of these (e.g. "libgame"). Read during init() only.
  const std::string_view* in_app_include = nullptr;
  std::size_t in_app_include_count = 0;
};

/// Starts (or restarts) tracing. Returns false, logs why, and leaves tracing off on bad
/// options. A second call shuts the first down cleanly (flushing with a 0 ms timeout) and
/// starts over; spans of the first remain valid no-op handles.
bool init(const options& opts) noexcept;
/// Sends pending client reports (they also leave every 60 s by themselves: from the worker,
/// from poll(), or after the next envelope) and waits up to `timeout_ms` for the transport; true when
/// everything was delivered (also true when tracing is off: nothing is pending).
bool flush(std::uint32_t timeout_ms) noexcept;
/// Counts in-flight transactions as dropped, flushes, and turns tracing off. Later calls are
/// no-ops until the next init(). Returns what flush() returned.
bool shutdown(std::uint32_t timeout_ms) noexcept;
/// True between a successful init() and shutdown().
bool is_enabled() noexcept;
/// options.send_default_pii of the running init() (as sentry_sdk's should_send_default_pii());
/// false before init() and after shutdown().
bool should_send_default_pii() noexcept;
/// Counters of what was cut or dropped since init().
stats get_stats() noexcept;

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_OPTIONS_HPP

// end of part: include/sentry_trace/face/options.hpp

// =================================================================================================
// part: include/sentry_trace/face/api.hpp
// =================================================================================================

// sentry_trace/face/api.hpp -- the free functions users call to trace
//
// WHAT IT DOES  The four ways to start a span, measurements, and access to the active span:
//                 start_span(opts, fn)       runs fn(span&) with the span active, ends it, returns fn's result
//                 scoped_span s(opts)        RAII: active until the end of the scope
//                 start_span_manual(opts)    active on this thread until end(); may be ended elsewhere
//                 start_inactive_span(opts)  never becomes a parent of later spans; end() it yourself
//               now(), the clock that span_options::start_time and span::end(at) take times
//               of; suppress_tracing(fn), inside which nothing is traced or propagated; and
//               poll(budget_us), which drives the built-in HTTP transport in poll mode.
//               A span started with no active span and no explicit parent is a transaction.
// DOES NOT      allocate, or lock or format text when a span starts or a child span ends. A
//               sampled span costs a clock read at each end, a compare-and-swap claiming its
//               slot in the transaction's block, an atomic add per string copied into the block's
//               arena, and one more when it ends. Ending a root writes and hands over its whole
//               transaction on the ending thread, under the envelope lock (hooks.hpp, lock_hook).
//               An unsampled span takes no slot; its trace's unrecorded spans are counted for
//               client reports. With tracing off at run time a start is one inline test.
// THREADS       Spans nest under this thread's active span. To continue on another thread, pass
//               the parent explicitly: span_options{"work", "task", parent_span}.
// ERRORS        Nothing here fails: over a capacity, spans are dropped and counted, strings
//               truncated and counted (get_stats(), client reports). With exceptions on, an
//               exception leaving start_span's callback sets internal_error, ends the span, and
//               propagates.

#ifndef SENTRY_TRACE_FACE_API_HPP
#define SENTRY_TRACE_FACE_API_HPP

#if SENTRY_TRACE_EXCEPTIONS
#  include <exception>
#endif
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
/// Starts a span under its explicit parent, this thread's active span, or as a transaction;
/// `make_active` pushes it on this thread's stack. Defined in core/recording.hpp.
span start_span_impl(const span_options& o, bool make_active) noexcept;

/// set_measurement's work, defined in runtime/api.hpp.
void record_measurement(std::string_view name, double value, std::string_view unit) noexcept;

/// Whether tracing is on in this run: written by init() and shutdown() (runtime/lifecycle.hpp,
/// through set_live_run), read inline by every start, so a program with tracing off at run time
/// pays one load and one predictable branch per span and makes no call. Zero-initialized static
/// storage; read and written with the compiler's atomic builtins (relaxed: it only picks the
/// path, start_span_impl checks the tracer again), so the face needs no <atomic>.
inline bool g_live_run = false;

#if defined(_MSC_VER) && !defined(__clang__)
// MSVC has no __atomic builtins; a volatile byte access is one plain load or store there, all this
// relaxed word needs.
inline bool live_run() noexcept { return *static_cast<volatile bool*>(&g_live_run); }
inline void set_live_run(bool on) noexcept { *static_cast<volatile bool*>(&g_live_run) = on; }
#else
inline bool live_run() noexcept { return __atomic_load_n(&g_live_run, __ATOMIC_RELAXED); }
inline void set_live_run(bool on) noexcept { __atomic_store_n(&g_live_run, on, __ATOMIC_RELAXED); }
#endif

/// Every start goes through here: under SENTRY_TRACE_SAMPLING_NEVER it is an empty handle,
/// inline, so the span path folds away in the caller; with tracing off at run time it is an
/// empty handle after one test.
inline span start(const span_options& o, bool make_active) noexcept {
  if constexpr (sampling_policy == sampling_policy_kind::never) return span{};
  if (!live_run()) return span{};
  return start_span_impl(o, make_active);
}
}  // namespace detail

/// Starts a span, makes it this thread's active span, runs `fn(span&)` and ends the span.
/// Returns what `fn` returns. Thread-safe.
template <class Fn> decltype(auto) start_span(const span_options& opts, Fn&& fn) {
  span s = detail::start(opts, true);
#if SENTRY_TRACE_EXCEPTIONS
  struct on_unwind {
    span& s;
    int uncaught = std::uncaught_exceptions();
    ~on_unwind() {
      if (std::uncaught_exceptions() > uncaught) s.set_status(span_status::internal_error);
      s.end();
    }
  } guard{s};
  return std::forward<Fn>(fn)(s);
#else
  if constexpr (std::is_void_v<decltype(std::forward<Fn>(fn)(s))>) {
    std::forward<Fn>(fn)(s);
    s.end();
  } else {
    decltype(auto) result = std::forward<Fn>(fn)(s);
    s.end();
    return result;
  }
#endif
}

/// Starts a span and makes it this thread's active span until end() (idempotent). The handle
/// may be moved to another thread and ended there. Thread-safe.
[[nodiscard]] inline span start_span_manual(const span_options& opts) noexcept { return detail::start(opts, true); }

/// Starts a span that never becomes the active span, so later spans do not nest under it
/// (pass it as an explicit parent to nest something). End it yourself. Thread-safe.
[[nodiscard]] inline span start_inactive_span(const span_options& opts) noexcept { return detail::start(opts, false); }

/// A span active for the rest of the scope, ended by the destructor.
class scoped_span {
 public:
  explicit scoped_span(const span_options& opts) noexcept : span_(detail::start(opts, true)) {}
  ~scoped_span() { span_.end(); }
  scoped_span(const scoped_span&) = delete;
  scoped_span& operator=(const scoped_span&) = delete;
  /// The span, to set attributes or status.
  span& get() noexcept { return span_; }
  span* operator->() noexcept { return &span_; }

 private:
  span span_;
};

/// A reference to this thread's active span (empty when there is none).
span_ref active_span() noexcept;

/// Now on the tracer's monotonic clock (span_time: options.clock, else steady_clock), for
/// span_options::start_time and span::end(at). Not given (0) before init() and after
/// shutdown(). Costs one read of that clock; thread-safe.
span_time now() noexcept;

namespace detail {
/// suppress_tracing's scope on this thread (runtime/api.hpp); enter returns false when this
/// thread could get no stack scope (SENTRY_TRACE_MAX_THREADS; logged), and then nothing is
/// suppressed.
bool enter_suppression() noexcept;
void leave_suppression() noexcept;
class suppression_scope {
 public:
  suppression_scope() noexcept : on_(enter_suppression()) {}
  ~suppression_scope() {
    if (on_) leave_suppression();
  }
  suppression_scope(const suppression_scope&) = delete;
  suppression_scope& operator=(const suppression_scope&) = delete;

 private:
  bool on_;
};
}  // namespace detail

/// Runs fn() with tracing suppressed on this thread and returns its result (as @sentry/core's
/// suppressTracing): spans started inside, with or without an explicit parent, record nothing
/// and are counted in no client report (nothing was meant to be sent, as with tracing off);
/// they carry their parent's ids, so errors captured inside still link to the enclosing span.
/// No trace headers go out inside: get_trace_headers() is empty and inject() sets nothing, as
/// @sentry/opentelemetry's propagator injects nothing while tracing is suppressed
/// (get_trace_headers(span_ref) still gives a named span's headers). The active span outside
/// is unchanged. Nested calls stack; the scope is this thread's (another thread's spans are
/// traced as usual). For code whose work must not be traced, e.g. a transport's own requests.
template <class Fn> decltype(auto) suppress_tracing(Fn&& fn) {
  detail::suppression_scope scope;
  return std::forward<Fn>(fn)();
}

/// Sets a measurement on the transaction of this thread's active span, e.g.
/// set_measurement("ttfb", 12.5, "millisecond"). `unit` is one of Relay's units (nanosecond …
/// week, byte … exbibyte, ratio, percent, none) or a custom ASCII unit of at most 15 bytes;
/// anything else is written as "none". Non-finite values, or no active sampled transaction:
/// dropped and counted (stats.measurements_dropped). A later value of the same name wins.
inline void set_measurement(std::string_view name, double value, std::string_view unit = "none") noexcept {
  if constexpr (detail::sampling_policy != detail::sampling_policy_kind::never) detail::record_measurement(name, value, unit);
}

/// Poll mode (options.delivery = delivery_mode::poll): sends what the built-in transports
/// have queued, doing non-blocking work for about `budget_us` microseconds (at least one
/// step), and returns whether their queues are empty. Call it from the program's loop. In
/// every mode it also sends the pending client report when one is due (every 60 s); beyond
/// that it is a no-op returning true in worker mode, with a user transport, or without the
/// HTTP transport.
bool poll(std::uint32_t budget_us) noexcept;

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_API_HPP

// end of part: include/sentry_trace/face/api.hpp

// =================================================================================================
// part: include/sentry_trace/face/distributed.hpp
// =================================================================================================

// sentry_trace/face/distributed.hpp -- continuing traces, handing them on, errors linked to them
//
// WHAT IT DOES  continue_trace() makes the transactions started in its callback continue the
//               caller's trace (trace id, parent span id, sampling decision, sample_rand and the
//               frozen dynamic sampling context); get_trace_headers() gives the `sentry-trace`,
//               `baggage` and `traceparent` values for the active span (get_trace_headers(span_ref)
//               for any span, e.g. a parent handed to a worker thread); inject()/extract() do
//               both through any key-value carrier; capture_exception()/capture_message() send
//               an error event whose `contexts.trace` is the active span's, so Sentry shows the
//               error inside the trace. Parsing and writing are runtime/distributed.hpp's,
//               compiled once by the implementation TU; the templates here only call them.
// STEP BY STEP  st::continue_trace(req.header("sentry-trace"), req.header("baggage"), [&] {
//                 st::start_span({"GET /orders/:id", "http.server"}, [&](st::span&) {
//                   st::trace_headers h = st::get_trace_headers();
//                   out.set("sentry-trace", h.sentry_trace);
//                   out.set("baggage", h.baggage);
//                 });
//               });
// DOES NOT      allocate, or put more than 2 KiB on the stack (tests/stack/stack_use.cpp checks
//               get_trace_headers(), inject() and continue_trace()).

#ifndef SENTRY_TRACE_FACE_DISTRIBUTED_HPP
#define SENTRY_TRACE_FACE_DISTRIBUTED_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#if SENTRY_TRACE_EXCEPTIONS
#  include <exception>
#endif

SENTRY_TRACE_DETAIL_BEGIN

/// The outgoing trace headers for one request, about 130 bytes. `sentry_trace` and
/// `traceparent` point into this object's own buffers: valid while it lives; it can be neither
/// copied nor moved (returned by value through guaranteed copy elision). `baggage` (up to
/// SENTRY_TRACE_MAX_BAGGAGE bytes) points into this thread's propagation buffer: valid until this
/// thread's next get_trace_headers() or inject(); set it on the request (or copy it) before
/// then, and before a fiber yields. An empty view means "send no such header".
class trace_headers {
 public:
  std::string_view sentry_trace;
  std::string_view baggage;
  std::string_view traceparent;  ///< only with options.propagate_traceparent (default false, as the SDKs)

  trace_headers() noexcept = default;
  /// Internal: built in place (the views must point into the final object).
  template <class Fill> explicit trace_headers(Fill&& fill) noexcept {
    fill(*this);
  }
  trace_headers(const trace_headers&) = delete;
  trace_headers& operator=(const trace_headers&) = delete;

  // Internal buffers (the baggage value is the thread's: see get_trace_headers()).
  char sentry_trace_buf[51] = {};
  char traceparent_buf[55] = {};
};

namespace detail {
/// Room on continue_trace's stack for what it received (core/incoming.hpp's incoming_context,
/// checked to fit by a static_assert where it is defined).
struct incoming_space {
  alignas(8) unsigned char bytes[192];
};
/// Opens a continue_trace scope in `at` on this thread; leave_trace closes it.
void enter_trace(incoming_space& at, std::string_view sentry_trace, std::string_view baggage,
                 std::string_view traceparent) noexcept;
void leave_trace(incoming_space& at) noexcept;
/// True when inject() should set headers for `url` (tracing on, and the URL allowed by
/// options.trace_propagation_targets; an empty URL always is).
bool propagates_to(std::string_view url) noexcept;

/// The scope of one continue_trace call: closed however fn leaves.
class trace_scope {
 public:
  trace_scope(std::string_view sentry_trace, std::string_view baggage, std::string_view traceparent) noexcept {
    enter_trace(space_, sentry_trace, baggage, traceparent);
  }
  ~trace_scope() { leave_trace(space_); }
  trace_scope(const trace_scope&) = delete;
  trace_scope& operator=(const trace_scope&) = delete;

 private:
  incoming_space space_;
};
}  // namespace detail

/// Runs fn() with the trace described by `sentry_trace` and `baggage` (header values; empty
/// when absent) as the parent of every transaction started inside it, and returns fn's result.
/// The values must stay valid until fn returns (the baggage is read again inside the scope);
/// values passed directly, temporaries included, always do. Thread-safe; the scope is this
/// thread's. Nested calls stack. Under 2 KiB of stack of its own (tests/stack/stack_use.cpp).
template <class Fn> decltype(auto) continue_trace(std::string_view sentry_trace, std::string_view baggage, Fn&& fn);
/// The same, also reading a W3C `traceparent`, used when `sentry_trace` is absent or invalid.
template <class Fn>
decltype(auto) continue_trace(std::string_view sentry_trace, std::string_view baggage, std::string_view traceparent,
                              Fn&& fn);

/// The headers to send with an outgoing request made inside the active span (or, with none,
/// inside continue_trace's scope, or this thread's own trace). Before init() and after
/// shutdown() every view is empty: nothing is propagated without an enabled SDK, as
/// @sentry/core's getTraceData() returns {} then. No heap, no lock; under 2 KiB of stack
/// (tests/stack/stack_use.cpp); noexcept.
trace_headers get_trace_headers() noexcept;

/// The headers that make a request a child of the span `of`, which may belong to another
/// thread (as @sentry/core's spanToTraceHeader, spanToBaggageHeader and
/// spanToTraceparentHeader): `sentry-trace` and, with options.propagate_traceparent,
/// `traceparent` from its ids and sampling decision; `baggage` from the dynamic sampling
/// context of its trace (frozen here, as the first headers of a trace freeze it). Empty views
/// before init(), after shutdown(), for an empty reference or one from before the last init().
/// Once the span's transaction has been sent its DSC is gone, and a span that records nothing
/// in a trace continued from elsewhere has only the continue_trace() scope's DSC, on that
/// scope's thread: elsewhere baggage is then empty (never a made-up DSC), the other headers
/// are still given. Not changed by suppress_tracing(): the span is named. The baggage
/// view is valid as get_trace_headers()'s is. No heap, no lock; noexcept.
trace_headers get_trace_headers(const span_ref& of) noexcept;

/// Sets the trace headers on any carrier with `set(std::string_view key, std::string_view value)`
/// (HTTP headers, message metadata, RPC metadata); the values are valid only during set(), so
/// the carrier copies them. With `url`, only when options.trace_propagation_targets allow that
/// URL. Returns whether headers were set (false before init() and after shutdown()).
template <class Carrier> bool inject(Carrier& carrier, std::string_view url = {});

/// Continues the trace a carrier brought: reads "sentry-trace", "baggage" and "traceparent" with
/// `get(std::string_view key)` (returning something convertible to std::string_view, empty when
/// absent) and runs fn inside continue_trace.
template <class Carrier, class Fn> decltype(auto) extract(const Carrier& carrier, Fn&& fn);

/// Sends an error event (`exception.values[0]` = {type, value}) linked to the active span,
/// with the tags, contexts and fingerprint of `extra` when given (captureException(e, {tags,
/// contexts, fingerprint})). Every event carries contexts.os, runtime and device and passes
/// options.before_send first. Strings are copied (cut at SENTRY_TRACE_MAX_STRING bytes) and
/// read only during the call. Returns false when it was not sent (tracing off, before_send
/// dropped it, or the envelope did not fit: counted). No heap; thread-safe.
bool capture_exception(std::string_view type, std::string_view value) noexcept;
bool capture_exception(std::string_view type, std::string_view value, const event_options& extra) noexcept;
#if SENTRY_TRACE_EXCEPTIONS
/// capture_exception with e.what() as the value and, as the type, `type` when given, else e's
/// dynamic type name: with RTTI (__cpp_rtti / __GXX_RTTI / _CPPRTTI) demangled without the heap
/// ("std::runtime_error", "app::db_error"; a template or local class keeps its mangled name,
/// see protocol/type_name.hpp), without RTTI "std::exception".
bool capture_exception(const std::exception& e, std::string_view type = {}) noexcept;
bool capture_exception(const std::exception& e, const event_options& extra, std::string_view type = {}) noexcept;
#endif
/// Sends a message event at `lvl`, linked to the active span (captureMessage).
bool capture_message(std::string_view message, level lvl = level::info) noexcept;
bool capture_message(std::string_view message, level lvl, const event_options& extra) noexcept;

template <class Fn>
decltype(auto) continue_trace(std::string_view sentry_trace, std::string_view baggage, std::string_view traceparent,
                              Fn&& fn) {
  detail::trace_scope scope(sentry_trace, baggage, traceparent);
  return std::forward<Fn>(fn)();
}

template <class Fn> decltype(auto) continue_trace(std::string_view sentry_trace, std::string_view baggage, Fn&& fn) {
  return continue_trace(sentry_trace, baggage, std::string_view(), std::forward<Fn>(fn));
}

template <class Carrier> bool inject(Carrier& carrier, std::string_view url) {
  if (!detail::propagates_to(url)) return false;
  trace_headers h = get_trace_headers();
  carrier.set(std::string_view("sentry-trace"), h.sentry_trace);
  if (!h.baggage.empty()) carrier.set(std::string_view("baggage"), h.baggage);
  if (!h.traceparent.empty()) carrier.set(std::string_view("traceparent"), h.traceparent);
  return true;
}

template <class Carrier, class Fn> decltype(auto) extract(const Carrier& carrier, Fn&& fn) {
  return continue_trace(std::string_view(carrier.get(std::string_view("sentry-trace"))),
                        std::string_view(carrier.get(std::string_view("baggage"))),
                        std::string_view(carrier.get(std::string_view("traceparent"))), std::forward<Fn>(fn));
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_DISTRIBUTED_HPP

// end of part: include/sentry_trace/face/distributed.hpp

// =================================================================================================
// part: include/sentry_trace/face/active.hpp
// =================================================================================================

// sentry_trace/face/active.hpp -- the active span, writable; code run under a given span or a new trace
//
// WHAT IT DOES  get_active_span()       (JS getActiveSpan) this thread's active span as a
//                                       borrowed_span: deep code sets attributes, status, name,
//                                       op and origin on it without holding its handle
//               with_active_span(r, fn) (JS withActiveSpan) runs fn() with the span `r` names as
//                                       this thread's active span, the previous one restored
//                                       after; an empty ref (or nullptr) means no active span
//                                       inside, as withActiveSpan(null, fn)
//               start_new_trace(fn)     (JS startNewTrace) runs fn() in a trace of its own: no
//                                       active span, no continue_trace() scope, and one fresh
//                                       trace id and sample_rand for the transactions started
//                                       inside and for headers and events outside any span
//               The out-of-line halves are runtime/active.hpp's (implementation TU).
// STEP BY STEP  st::get_active_span().set_attribute("cache.hit", true);      // deep in a handler
//               pool.run([ref = st::active_span()] {                           // on a worker thread
//                 st::with_active_span(ref, [] { st::scoped_span s({"parse", "task"}); });
//               });
//               st::start_new_trace([] { st::start_span({"nightly job", "task"}, [](st::span&) {}); });
// DOES NOT      allocate, lock, or end, abandon or keep alive a span. A borrowed_span's setter
//               claims the span's transaction block for the write (one compare-and-swap and one
//               atomic subtraction), so a span that has ended, or whose transaction has been
//               sent and its block reused, is never written: the setter is a no-op then, as on
//               an unrecorded span or an empty borrowed_span.
// THREADS       with_active_span changes only the calling thread's stack of active spans, so a
//               worker may run under a span of another thread; spans started inside are that
//               span's children, dropped and counted (no_parent_span) once its transaction has
//               been sent, as with span_options::parent. A span's fields are written by one
//               thread at a time, whichever handle does it: a borrowed_span must not change a
//               span while its owner (or another borrowed_span) changes or ends it on another
//               thread. get_active_span() under start_span/scoped_span on the same thread, its
//               common use, always keeps that rule.
// ERRORS        Nothing here fails. with_active_span and start_new_trace let fn's exception pass,
//               the thread's active span (and trace scope) restored first.

#ifndef SENTRY_TRACE_FACE_ACTIVE_HPP
#define SENTRY_TRACE_FACE_ACTIVE_HPP

#include <cstddef>
#include <type_traits>
#include <utility>

SENTRY_TRACE_DETAIL_BEGIN

/// A span that is not the holder's to end: it changes the span a span_ref names, as its own
/// handle would, and can never end or abandon it. Copyable, a span_ref in size; holding one keeps
/// nothing alive. Each setter takes exactly the arguments span's setter of that name takes, and
/// is a no-op on an empty, unrecorded or ended span, and once the span's transaction was sent.
class borrowed_span {
  static constexpr bool never_recording = SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_NEVER;

 public:
  constexpr borrowed_span() noexcept = default;
  /// The span `ref` names: from span::ref(), active_span(), or another thread.
  constexpr explicit borrowed_span(const span_ref& ref) noexcept : ref_(ref) {}

  /// span::set_attribute: keys and string values are copied into the transaction's arena.
  template <class... Args>
  auto set_attribute(Args&&... args) noexcept -> decltype(std::declval<span&>().set_attribute(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_attribute(std::forward<Args>(args)...); });
  }
  /// span::set_attributes: a braced list, an array, or a pointer and a count, read during the
  /// call. Not a forwarding template: a braced list has no type to deduce.
  void set_attributes(span_attributes attributes) noexcept {
    if (is_recording()) write_([&](span& s) noexcept { s.set_attributes(attributes); });
  }
  /// span::set_status, with or without a message.
  template <class... Args>
  auto set_status(Args&&... args) noexcept -> decltype(std::declval<span&>().set_status(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_status(std::forward<Args>(args)...); });
  }
  /// span::set_http_status: the status from the code, and `http.response.status_code`.
  template <class... Args>
  auto set_http_status(Args&&... args) noexcept
      -> decltype(std::declval<span&>().set_http_status(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_http_status(std::forward<Args>(args)...); });
  }
  /// span::set_name: on a transaction's root also the transaction's name (and its source).
  template <class... Args>
  auto set_name(Args&&... args) noexcept -> decltype(std::declval<span&>().set_name(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_name(std::forward<Args>(args)...); });
  }
  /// span::set_op.
  template <class... Args>
  auto set_op(Args&&... args) noexcept -> decltype(std::declval<span&>().set_op(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_op(std::forward<Args>(args)...); });
  }
  /// span::set_origin.
  template <class... Args>
  auto set_origin(Args&&... args) noexcept -> decltype(std::declval<span&>().set_origin(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_origin(std::forward<Args>(args)...); });
  }

  /// True when it names a span (sampled or not), as span_ref::is_valid: get_active_span() found one.
  bool is_valid() const noexcept { return ref_.is_valid(); }
  /// True when the span had a slot when the reference was taken (it may have ended since: then
  /// the setters are no-ops).
  bool is_recording() const noexcept { return !never_recording && ref_.is_recording(); }
  bool is_sampled() const noexcept { return ref_.is_sampled(); }
  trace_id trace() const noexcept { return ref_.trace; }
  span_id id() const noexcept { return ref_.id; }
  span_ref ref() const noexcept { return ref_; }
  /// Implicit, so that `span_options{"name", "op", st::get_active_span()}` reads naturally.
  operator span_ref() const noexcept { return ref_; }  // NOLINT(google-explicit-constructor)

 private:
  /// Runs write(span&) on a span handle for ref_, with the span's block claimed.
  template <class Write> void write_(Write&& write) const noexcept {
    apply_(&call_<std::remove_reference_t<Write>>, &write);
  }
  template <class Write> static void call_(span& s, void* write) noexcept { (*static_cast<Write*>(write))(s); }
  /// Defined in runtime/active.hpp: claims the block, runs write(handle, context), lets go.
  void apply_(void (*write)(span&, void*), void* context) const noexcept;

  span_ref ref_{};
};

/// This thread's active span, to change from code that does not hold its handle (JS
/// getActiveSpan): empty (every setter a no-op) when none is active, also inside
/// with_active_span(nullptr, ...) and start_new_trace(). Thread-safe; no heap, no lock.
[[nodiscard]] inline borrowed_span get_active_span() noexcept { return borrowed_span(active_span()); }

namespace detail {
/// Puts `ref` on this thread's stack of active spans (an empty ref: no active span); runtime/active.hpp.
active_mark enter_active(const span_ref& ref) noexcept;
/// Takes the entry enter_active() made off this thread's stack.
void leave_active(const active_mark& at) noexcept;
/// Opens a start_new_trace scope in `at` on this thread; leave_trace closes it.
void enter_new_trace(incoming_space& at) noexcept;

/// One with_active_span call's entry, taken off however fn leaves. With tracing off at run time
/// (or SENTRY_TRACE_SAMPLING_NEVER) nothing is pushed: no span starts anyway.
class active_scope {
 public:
  explicit active_scope(const span_ref& ref) noexcept {
    if constexpr (sampling_policy != sampling_policy_kind::never)
      if (live_run()) at_ = enter_active(ref);
  }
  ~active_scope() {
    if (at_.depth) leave_active(at_);
  }
  active_scope(const active_scope&) = delete;
  active_scope& operator=(const active_scope&) = delete;

 private:
  active_mark at_{};
};

/// One start_new_trace call's trace scope, closed however fn leaves.
class new_trace_scope {
 public:
  new_trace_scope() noexcept { enter_new_trace(space_); }
  ~new_trace_scope() { leave_trace(space_); }
  new_trace_scope(const new_trace_scope&) = delete;
  new_trace_scope& operator=(const new_trace_scope&) = delete;

 private:
  incoming_space space_;
};
}  // namespace detail

/// Runs fn() with the span `ref` names as this thread's active span and returns fn's result
/// (JS withActiveSpan): spans started inside without an explicit parent are its children, and
/// get_active_span(), get_trace_headers(), set_measurement() and error events see it. An empty
/// ref means no active span inside (JS withActiveSpan(null, fn)): spans started there are
/// transactions. The span is not ended when fn returns; a span from before the last init()
/// makes the spans started inside dropped and counted (no_parent_span), as such an explicit
/// parent does. Thread-safe; the calling thread's stack only (SENTRY_TRACE_MAX_DEPTH entries:
/// over it, fn runs under the previous active span, counted in stats.depth_overflows).
template <class Fn> decltype(auto) with_active_span(const span_ref& ref, Fn&& fn) {
  detail::active_scope scope(ref);
  return std::forward<Fn>(fn)();
}
/// with_active_span(nullptr, fn): fn runs with no active span (JS withActiveSpan(null, fn)).
template <class Fn> decltype(auto) with_active_span(std::nullptr_t, Fn&& fn) {
  return with_active_span(span_ref{}, std::forward<Fn>(fn));
}

/// Runs fn() in a trace of its own and returns fn's result (JS startNewTrace): no active span and
/// no continue_trace() scope inside; the transactions started there share one new trace id and
/// sample_rand, which also headers and error events outside any span carry. Outside it the
/// thread's trace is as before. Nested calls each start their own. Thread-safe.
template <class Fn> decltype(auto) start_new_trace(Fn&& fn) {
  detail::active_scope no_active_span{span_ref{}};
  detail::new_trace_scope trace;
  return std::forward<Fn>(fn)();
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_ACTIVE_HPP

// end of part: include/sentry_trace/face/active.hpp

// =================================================================================================
// part: include/sentry_trace/face/frames.hpp
// =================================================================================================

// sentry_trace/face/frames.hpp -- slow and frozen frames of a game loop, as Sentry's frame measurements
//
// WHAT IT DOES  A frame_tracker counts the frames of a loop and, on attach(), puts Sentry's frame
//               measurements on the active transaction and, optionally, the same figures as data
//               on a span (PROTOCOL.md §12):
//                 transaction measurement   span data      value
//                 frames_total  (none)      frames.total   every frame
//                 frames_slow   (none)      frames.slow    target_frame_ns < duration <= frozen_frame_ns
//                 frames_frozen (none)      frames.frozen  duration > frozen_frame_ns
//                 frames_delay  (second)    frames.delay   sum of (duration - target_frame_ns) over
//                                                          the slow and frozen frames, in seconds
//               A frozen frame is counted as frozen only, never also as slow, as the mobile SDKs
//               do (sentry-java SentryFrameMetrics.addFrame, sentry-cocoa SentryFramesTracker):
//               frames_slow + frames_frozen is the number of frames that missed their target.
//               Both thresholds are exclusive: a frame of exactly the target time is not slow.
// STEP BY STEP  sentry_trace::frame_tracker frames;              // 60 Hz target, 700 ms frozen
//               sentry_trace::scoped_span level({"level 3", "game.level"});
//               while (playing) {
//                 frames.begin_frame();                          // or record_frame(duration_ns)
//                 update(); render();
//                 frames.end_frame();
//               }
//               frames.attach(&level.get());                     // before the transaction ends
// DOES NOT      allocate, lock or format text. record_frame() is two compares and three adds;
//               begin_frame()/end_frame() add one read of the tracer's clock hook each.
// RAM           sizeof(frame_tracker): six 64-bit words and a flag (56 bytes on LP64), wherever
//               the user puts it. Nothing global.
// THREADS       A frame_tracker is not synchronised: use each one from one thread at a time,
//               normally the thread that runs the loop. attach() must run on the thread where
//               the transaction is active (set_measurement reads this thread's active span).
//               Separate trackers on separate threads are independent.
// ERRORS        Nothing fails. attach() with no active sampled transaction drops the four
//               measurements and counts them (stats.measurements_dropped, one per measurement),
//               as set_measurement() does; the counters are reset either way.
// SPEC          https://develop.sentry.dev/sdk/telemetry/traces/frames-delay/
//               https://develop.sentry.dev/sdk/data-model/event-payloads/transaction/#measurements

#ifndef SENTRY_TRACE_FACE_FRAMES_HPP
#define SENTRY_TRACE_FACE_FRAMES_HPP

#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
/// Reads the tracer's monotonic clock (nanoseconds) into `out`; false while the tracer is off.
/// Defined in runtime/api.hpp.
bool frame_clock_now(std::uint64_t& out) noexcept;
}  // namespace detail

/// Thresholds of a frame_tracker. Zero in either field means its default.
struct frame_tracker_options {
  /// Expected frame time in nanoseconds (1e9 / refresh rate); a longer frame is slow and adds
  /// (duration - target) to the delay. Default 16'666'667 (60 Hz); 33'333'333 for 30 Hz.
  std::uint32_t target_frame_ns = 16'666'667;
  /// A frame longer than this, in nanoseconds, is frozen. Default 700'000'000 (700 ms), the mobile
  /// SDKs' value. Set below target_frame_ns, every late frame is frozen and none is slow.
  std::uint64_t frozen_frame_ns = 700'000'000;
};

/// Counts total, slow and frozen frames and their delay, and attaches them to a transaction.
/// Not synchronised: one thread at a time (see THREADS above). Copyable; a copy counts on its own.
class frame_tracker {
 public:
  explicit frame_tracker(frame_tracker_options opts = {}) noexcept
      : target_ns_(opts.target_frame_ns ? opts.target_frame_ns : frame_tracker_options{}.target_frame_ns),
        frozen_ns_(opts.frozen_frame_ns ? opts.frozen_frame_ns : frame_tracker_options{}.frozen_frame_ns) {}

  /// Counts one frame that took `duration_ns` nanoseconds. Works whether or not the tracer is
  /// initialised. Cost: two compares and up to three adds.
  void record_frame(std::uint64_t duration_ns) noexcept {
    ++total_;
    if (duration_ns <= target_ns_) return;
    if (duration_ns > frozen_ns_) ++frozen_;
    else ++slow_;
    delay_ns_ += duration_ns - target_ns_;
  }

  /// Marks the start of a frame, reading the tracer's monotonic clock (options.clock). A second
  /// begin_frame() without end_frame() restarts the frame. Ignored while the tracer is not
  /// initialised (there is no clock to read then).
  void begin_frame() noexcept {
    in_frame_ = clock_now(start_ns_);
  }
  /// Ends the frame begun by begin_frame() and records its duration (record_frame). Ignored
  /// without a matching begin_frame(), while the tracer is not initialised, or if the clock
  /// went backwards.
  void end_frame() noexcept {
    std::uint64_t now = 0;
    if (!in_frame_ || !clock_now(now)) return;
    in_frame_ = false;
    if (now >= start_ns_) record_frame(now - start_ns_);
  }

  /// Sets frames_total, frames_slow, frames_frozen (unit "none") and frames_delay (seconds, unit
  /// "second") as measurements on the transaction of this thread's active span (set_measurement),
  /// and, when `s` is given, its data attributes frames.total, frames.slow, frames.frozen
  /// (integers) and frames.delay (seconds, double). Then resets the counters (reset()), so the
  /// next level or scene starts from zero; a frame begun and not yet ended still counts there.
  /// Call it before ending the transaction. With no frame recorded it only resets: the mobile
  /// SDKs send no frame measurements then, and a zero frames_total makes Sentry's slow and frozen
  /// rates undefined. `s` is not kept; an empty, ended or unsampled span ignores the attributes.
  void attach(span* s = nullptr) noexcept {
    if (total_ != 0) {
      const double delay = delay_seconds();
      set_measurement("frames_total", static_cast<double>(total_), "none");
      set_measurement("frames_slow", static_cast<double>(slow_), "none");
      set_measurement("frames_frozen", static_cast<double>(frozen_), "none");
      set_measurement("frames_delay", delay, "second");
      if (s) {
        s->set_attribute("frames.total", total_);
        s->set_attribute("frames.slow", slow_);
        s->set_attribute("frames.frozen", frozen_);
        s->set_attribute("frames.delay", delay);
      }
    }
    reset();
  }

  /// Frames recorded since construction or the last reset()/attach().
  std::uint64_t total() const noexcept { return total_; }
  /// Of those, frames over the target time and not frozen.
  std::uint64_t slow() const noexcept { return slow_; }
  /// Of those, frames over the frozen threshold.
  std::uint64_t frozen() const noexcept { return frozen_; }
  /// Sum of (duration - target) over the slow and frozen frames, in seconds.
  double delay_seconds() const noexcept { return static_cast<double>(delay_ns_) / 1e9; }
  /// The same sum in nanoseconds (exact).
  std::uint64_t delay_ns() const noexcept { return delay_ns_; }
  /// The thresholds in effect (zeros replaced by the defaults).
  frame_tracker_options thresholds() const noexcept { return frame_tracker_options{target_ns_, frozen_ns_}; }

  /// Sets the counters and the delay to zero. Keeps the thresholds and a frame in progress.
  void reset() noexcept {
    total_ = 0;
    slow_ = 0;
    frozen_ = 0;
    delay_ns_ = 0;
  }

 private:
  /// Reads the tracer's clock into `out`; false while the tracer is off. The hook is only read
  /// while enabled: after shutdown() it may point at an object that no longer exists.
  static bool clock_now(std::uint64_t& out) noexcept { return detail::frame_clock_now(out); }

  std::uint32_t target_ns_;
  std::uint64_t frozen_ns_;
  std::uint64_t total_ = 0;
  std::uint64_t slow_ = 0;
  std::uint64_t frozen_ = 0;
  std::uint64_t delay_ns_ = 0;
  std::uint64_t start_ns_ = 0;
  bool in_frame_ = false;
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_FRAMES_HPP

// end of part: include/sentry_trace/face/frames.hpp
#else
// SENTRY_TRACE_ENABLED=0: the same public surface as empty inlines, and nothing else.

// =================================================================================================
// part: include/sentry_trace/face/disabled.hpp
// =================================================================================================

// sentry_trace/disabled.hpp -- the whole public surface as empty inlines (SENTRY_TRACE_ENABLED=0)
//
// WHAT IT DOES  With SENTRY_TRACE_ENABLED=0, <sentry_trace.hpp> includes this part instead of
//               every other one (config.hpp, macros.hpp and the shared vocabulary parts below
//               excepted). It declares each name a user
//               can write -- functions, options, span, scoped_span, transports, hooks, views,
//               enums -- with the signatures of the enabled build, as empty `inline noexcept`
//               bodies that return neutral values ("nothing happened"). Code written against
//               the library keeps compiling unchanged, and what is left of it after inlining is
//               exactly the program without tracing: tests/compile_out/ compares the machine
//               code and fails on any difference or on any sentry_trace symbol left behind.
//                 init(opts)                 true: "tracing is compiled out" is not an error,
//                                            and code that asserts on init() keeps working
//                 flush(), shutdown(), poll() true: nothing is pending
//                 is_enabled()               false: nothing is recorded
//                 start_span(opts, fn)       runs fn(span&) with an empty span, returns its result
//                 continue_trace(..., fn), extract(carrier, fn)
//                                            run fn() and return its result; the headers are not
//                                            parsed and carrier.get() is not called
//                 start_span_manual/inactive an empty span; scoped_span and span are empty types
//                 span's setters, end()      do nothing; is_active()/is_recording() false,
//                                            trace()/id() zero
//                 active_span()              an empty span_ref
//                 get_active_span()          an empty borrowed_span: its setters do nothing
//                 with_active_span(r, fn), start_new_trace(fn)
//                                            run fn() and return its result
//                 now()                      span_time{} (0, "not given"); span_time's helpers work
//                 suppress_tracing(fn)       runs fn() and returns its result
//                 get_trace_headers(), get_trace_headers(span_ref)
//                                            every view empty ("send no such header")
//                 every string_view returned ""  empty but never null: printf("%.*s", n, v.data())
//                                            of a null pointer is undefined (g++ -O2 fails it with
//                                            -Werror=format-overflow), and code written against the
//                                            enabled build may print what it gets
//                 inject(carrier, url)       false, carrier.set() not called
//                 capture_exception/message  false: nothing was sent
//                 get_stats()                all zero
//                 storage, storage_bytes()   an empty type, 0 bytes: the pools are gone
//                 frame_tracker              an empty type: counts nothing, every counter 0
//                 transports                 still declared (a user's class deriving from
//                                            transport compiles); send()/flush() never called
//               Pure value helpers keep their meaning, because programs use their results:
//               to_string(...), from_http_status(), parse_span_status(), attribute_value,
//               sampling_context::find(), envelope_view's accessors, and the DSN parser
//               (protocol/dsn.hpp: dsn::parse, dsn_error, to_string(dsn_error)), included as it is
//               because a stub that parsed nothing would change what a program computes. The
//               vocabulary that needs
//               nothing else (hooks.hpp, status.hpp, attributes.hpp, outcome_kinds.hpp,
//               sampling_context.hpp, event_options.hpp) is not repeated: this part includes those parts, which
//               the enabled build includes too, so it is written once and cannot drift.
//               SENTRY_TRACE_SCOPE / SENTRY_TRACE_FUNCTION (macros.hpp) become static_cast<void>(0).
// ARGUMENTS     Unlike the macros, these are functions: what a call site writes as an argument is
//               still evaluated. Side-effect-free arguments vanish with the call, but the compiler
//               may keep a loop (a header search) or a virtual call (e.what()). Prefer the forms
//               that hand over the object: extract(carrier, fn) rather than
//               continue_trace(req.get("sentry-trace"), ...), capture_exception(e) rather than
//               capture_exception(type, e.what()). tests/compile_out/app.cpp is written that way.
// DOES NOT      declare the utility parts that are not the tracing surface: the JSON writer and
//               sinks (json.hpp), the propagation parsers (propagation.hpp: trace_parent, baggage,
//               parse_sentry_trace). They are left out, not stubbed, because a stub that parsed
//               nothing would silently change what a program using them computes.
//               http_transport is a transport like the others: declared, delivering nothing.
// THREADS       nothing to guard: no state.
// CONFIG        reads SENTRY_TRACE_ENABLED (this file is empty unless it is 0), SENTRY_TRACE_HOSTED
//               (file_transport, console_transport) and SENTRY_TRACE_EXCEPTIONS
//               (capture_exception(const std::exception&)). The names live in the inline
//               namespace config.hpp builds, which encodes ENABLED=0, so they never clash with
//               the enabled build's: a TU with tracing compiled out holds no state and emits no
//               layout guard (config.hpp), and links beside enabled TUs, whose calls it leaves alone.
// KEEP IN STEP  Every public declaration added to another part needs its twin here, except in
//               the shared parts (hooks, status, attributes, outcome_kinds, sampling_context,
//               event_options),
//               which both modes include. tests/compile_out/check_twin.py reads the public names
//               of the real face and of the implementation's user-facing types and fails when one
//               is missing here or unused by tests/compile_out/surface.cpp, which builds one
//               API-coverage file in both modes.

#ifndef SENTRY_TRACE_DISABLED_HPP
#define SENTRY_TRACE_DISABLED_HPP

#if !SENTRY_TRACE_ENABLED

// The value vocabulary is not repeated here: these parts are the same in both modes.

// =================================================================================================
// part: include/sentry_trace/face/attributes.hpp
// =================================================================================================

// sentry_trace/attributes.hpp -- attribute values and key/value attributes
//
// WHAT IT DOES  `attribute_value` holds one of the four types Sentry's span attributes have (a
//               string, a 64-bit integer, a double or a bool), with implicit conversions so a
//               literal can be written where one is expected; `attribute` pairs it with a key,
//               for span_options::attributes and sampling_context::find(). Written once,
//               included by span.hpp (tracing on) and by disabled.hpp (SENTRY_TRACE_ENABLED=0),
//               where the values keep their meaning because a program may read them.
// DOES NOT      copy strings: a value views the caller's text, which must outlive it (span.hpp
//               copies it into the transaction's arena when a span starts). It depends on no
//               other part but config.hpp.

#ifndef SENTRY_TRACE_ATTRIBUTES_HPP
#define SENTRY_TRACE_ATTRIBUTES_HPP

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
/// Every char value as a one-byte string, so that attribute_value('x') can view its text
/// without pointing into itself (a copy of the value would then dangle).
struct char_strings {
  char text[256];
  constexpr char_strings() noexcept : text() {
    for (int i = 0; i < 256; ++i) text[i] = static_cast<char>(i);
  }
};
inline constexpr char_strings one_char_strings{};

/// Plain char is a character (written as a one-byte string); signed char and unsigned char
/// (std::int8_t, std::uint8_t) are integers.
template <class T>
inline constexpr bool is_attribute_integer_v =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>;

/// A type that is a string without being a char pointer or nullptr (those are `const char*`):
/// std::string and anything else that converts to std::string_view (the face includes no
/// <string>). std::string_view itself has its own overloads.
template <class S>
inline constexpr bool is_attribute_string_v =
    std::is_convertible_v<const S&, std::string_view> && !std::is_pointer_v<std::decay_t<S>> &&
    !std::is_null_pointer_v<std::decay_t<S>> && !std::is_same_v<std::decay_t<S>, std::string_view>;

/// The pointers that are not text: they would otherwise become bools.
template <class T>
inline constexpr bool is_non_text_pointee_v = !std::is_same_v<std::remove_cv_t<T>, char>;
/// True for an unsigned value that int64 cannot hold (attribute_value stores it as a double).
template <class Int> constexpr bool above_int64(Int i) noexcept {
  if constexpr (std::is_unsigned_v<Int> && sizeof(Int) >= sizeof(std::int64_t)) {
    return i > static_cast<Int>(INT64_MAX);
  } else {
    static_cast<void>(i);
    return false;
  }
}
}  // namespace detail

/// An attribute's value: a string, a 64-bit integer, a double or a bool (the four types Sentry's
/// span attributes have). Every C++ arithmetic and string type converts without ambiguity:
///   - a string literal, `const char*` (nullptr: ""), std::string, std::string_view: a string
///     that views the caller's text;
///   - `char`: a one-byte string ('A' is "A"); `signed char` / `unsigned char` (std::int8_t,
///     std::uint8_t) and every other integer type: an integer;
///   - an unsigned value above INT64_MAX (the largest integer Sentry stores): the double nearest
///     to it, the least lossy of the four types (it keeps the magnitude, to about 16 digits, as
///     @sentry/core keeps every number, while clamping would lose it);
///   - `float`, `double`, `long double`: a double;
///   - `bool`: a bool. A pointer to anything but char does not compile (it would be a bool).
class attribute_value {
 public:
  enum class kind : std::uint8_t { string, int64, float64, boolean };
  constexpr attribute_value(std::string_view s) noexcept : kind_(kind::string), text_(s) {}  // NOLINT: implicit by design
  constexpr attribute_value(const char* s) noexcept : kind_(kind::string), text_(s ? std::string_view(s) : std::string_view()) {}  // NOLINT
  template <class S, std::enable_if_t<detail::is_attribute_string_v<S>, int> = 0>
  constexpr attribute_value(const S& s) noexcept : attribute_value(std::string_view(s)) {}  // NOLINT: std::string etc.
  constexpr attribute_value(char c) noexcept  // NOLINT: implicit by design
      : kind_(kind::string), text_(&detail::one_char_strings.text[static_cast<unsigned char>(c)], 1) {}
  constexpr attribute_value(bool b) noexcept : kind_(kind::boolean), bool_(b) {}  // NOLINT
  constexpr attribute_value(double d) noexcept : kind_(kind::float64), double_(d) {}  // NOLINT
  constexpr attribute_value(float f) noexcept : attribute_value(static_cast<double>(f)) {}  // NOLINT
  constexpr attribute_value(long double d) noexcept : attribute_value(static_cast<double>(d)) {}  // NOLINT
  template <class Int, std::enable_if_t<detail::is_attribute_integer_v<Int>, int> = 0>
  constexpr attribute_value(Int i) noexcept  // NOLINT: implicit by design
      : kind_(detail::above_int64(i) ? kind::float64 : kind::int64),
        int_(detail::above_int64(i) ? 0 : static_cast<std::int64_t>(i)),
        double_(detail::above_int64(i) ? static_cast<double>(i) : 0.0) {}
  template <class T, std::enable_if_t<detail::is_non_text_pointee_v<T>, int> = 0>
  attribute_value(T*) = delete;  // a pointer is not a value; pass what it points to
  constexpr kind type() const noexcept { return kind_; }
  constexpr std::string_view as_string() const noexcept { return kind_ == kind::string ? text_ : std::string_view(); }
  constexpr std::int64_t as_int64() const noexcept { return kind_ == kind::int64 ? int_ : 0; }
  constexpr double as_double() const noexcept { return kind_ == kind::float64 ? double_ : 0.0; }
  constexpr bool as_bool() const noexcept { return kind_ == kind::boolean && bool_; }

 private:
  kind kind_;
  std::string_view text_{};
  std::int64_t int_ = 0;
  double double_ = 0.0;
  bool bool_ = false;
};

/// A key and value, for span_options::attributes and span::set_attributes.
struct attribute {
  std::string_view key;
  attribute_value value;
};

/// A view of attributes (JS: SpanAttributes): a braced list `{{"db.system", "sqlite"},
/// {"rows", 3}}`, an array, or a pointer and a count. It copies nothing. A braced list's array
/// lives only until the end of the full-expression that holds it (the C++ rule for
/// std::initializer_list), which is why a view is read during the call it is passed to and
/// never kept: write the list inside the call (`s.set_attributes({...})`,
/// `start_span({"name", "op", {}, {}, transaction_source::custom, false, {{"k", 1}}}, fn)`), not
/// into a span_options variable read later. Assigning a braced list to a view is refused at
/// compile time for that reason (`opts.attributes = {{"k", 1}};` would dangle at the `;`).
class span_attributes {
 public:
  constexpr span_attributes() noexcept = default;
  constexpr span_attributes(std::nullptr_t) noexcept {}  // NOLINT: implicit, as the pointer it replaces
  constexpr span_attributes(std::initializer_list<attribute> list) noexcept : data_(first_of(list)), size_(list.size()) {}
  constexpr span_attributes(const attribute* data, std::size_t count) noexcept : data_(data), size_(data ? count : 0) {}
  template <std::size_t N>
  constexpr span_attributes(const attribute (&array)[N]) noexcept : data_(array), size_(N) {}  // NOLINT
  /// A pointer alone, as span_options::attributes was before this view: its count is
  /// span_options::attribute_count.
  template <class P, std::enable_if_t<std::is_same_v<P, const attribute*> || std::is_same_v<P, attribute*>, int> = 0>
  constexpr span_attributes(P data) noexcept : data_(data) {}  // NOLINT
  span_attributes& operator=(std::initializer_list<attribute>) = delete;  // would dangle: see above

  constexpr const attribute* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr const attribute* begin() const noexcept { return data_; }
  constexpr const attribute* end() const noexcept { return data_ + size_; }
  constexpr const attribute& operator[](std::size_t i) const noexcept { return data_[i]; }

 private:
  /// The list's first element. Read through a function because g++ (-Winit-list-lifetime)
  /// rightly notes that a member set from list.begin() outlives the list's array: a view that
  /// must not be kept past the call is exactly what this type is.
  static constexpr const attribute* first_of(std::initializer_list<attribute> list) noexcept { return list.begin(); }

  const attribute* data_ = nullptr;
  std::size_t size_ = 0;
};

namespace detail {
/// The attribute keys the SDK writes itself, in a transaction's trace context / span `data`
/// and in span v2 `attributes` (envelope.hpp). A user attribute of one of these names would
/// give the object the key twice, and Relay keeps only the last: such an attribute is
/// dropped and counted (stats.attributes_dropped). Set op and origin through span_options.
inline constexpr std::string_view sdk_attribute_keys[] = {
    "sentry.op",           "sentry.origin",      "sentry.segment.name.source", "sentry.sample_rate",
    "sentry.trace_lifecycle", "sentry.segment.name", "sentry.segment.id",       "sentry.sdk.name",
    "sentry.sdk.version",  "sentry.release",     "sentry.environment",         "sentry.status.message"};

/// What every SDK key starts with, and the shortest one's length: a key that is shorter or
/// starts otherwise (nearly every user key) is told apart without walking the list.
inline constexpr std::string_view sdk_attribute_prefix = "sentry.";
inline constexpr std::size_t sdk_attribute_min_bytes = 9;

constexpr bool sdk_attribute_keys_share_prefix() noexcept {
  for (std::string_view k : sdk_attribute_keys)
    if (k.size() < sdk_attribute_min_bytes || k.substr(0, sdk_attribute_prefix.size()) != sdk_attribute_prefix) return false;
  return true;
}
static_assert(sdk_attribute_keys_share_prefix(), "is_sdk_attribute_key's fast rejection assumes every SDK key is sentry.<at least 2 bytes>");

constexpr bool is_sdk_attribute_key(std::string_view key) noexcept {
  if (key.size() < sdk_attribute_min_bytes || key[0] != sdk_attribute_prefix[0]) return false;
  for (std::string_view k : sdk_attribute_keys)
    if (k == key) return true;
  return false;
}
} // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_ATTRIBUTES_HPP

// end of part: include/sentry_trace/face/attributes.hpp

// =================================================================================================
// part: include/sentry_trace/face/event_options.hpp
// =================================================================================================

// sentry_trace/face/event_options.hpp -- what an error event carries besides its exception, and the send hooks
//
// WHAT IT DOES  Declares `event_options` (tags, contexts and a fingerprint for one
//               capture_exception()/capture_message() call, as @sentry/core's captureContext
//               `{tags, contexts, fingerprint, level}`), `error_event` (what options.before_send
//               sees and may edit), `transaction_event` (what options.before_send_transaction
//               sees and may edit) and the two hook types. Written once, included by
//               distributed.hpp and options.hpp (tracing on) and by disabled.hpp
//               (SENTRY_TRACE_ENABLED=0, where no hook is ever called).
// STEP BY STEP  st::capture_exception(e, st::event_options{}
//                                          .set_tag("db", "orders")
//                                          .set_context("order", "id", "A-1234")
//                                          .add_fingerprint("{{ default }}")
//                                          .add_fingerprint("orders-db"));
// RAM           Fixed capacity, on the caller's stack (no heap): max_tags tags, max_context_values
//               context members (over all named contexts) and max_fingerprint fingerprint parts;
//               sizeof(event_options) is about 700 bytes on a 64-bit target. What does not fit is
//               not kept: set_tag() and friends return the same object, and `dropped` says how
//               many were left out (counted in stats::attributes_dropped when the event is sent).
// DOES NOT      copy strings: every view is read only while the capture call (and its
//               before_send hook) runs, so temporaries in the call expression are fine.
// HOOKS         before_send(error_event&, user) and before_send_transaction(transaction_event&,
//               user) run on the thread that writes the envelope (the capturing thread for an
//               event; for a transaction the thread that ended its root, or the library's
//               writer: see options.hpp), with the envelope lock held, so never concurrently.
//               They return false to drop what they were given (counted as `before_send` in the
//               client report, as @sentry/core records a beforeSend that returns null), true to
//               send it, edited or not. Strings a hook stores into the event must stay valid until
//               the hook returns AND the envelope is written, i.e. point into static storage or
//               into the hook's own user data (the envelope is written right after the hook
//               returns, before the capture call or root end() returns). A hook must not throw
//               or call back into sentry_trace.
// SPEC          https://develop.sentry.dev/sdk/data-model/event-payloads/
//               https://docs.sentry.io/platforms/javascript/configuration/filtering/

#ifndef SENTRY_TRACE_FACE_EVENT_OPTIONS_HPP
#define SENTRY_TRACE_FACE_EVENT_OPTIONS_HPP

// =================================================================================================
// part: include/sentry_trace/face/status.hpp
// =================================================================================================

// sentry_trace/status.hpp -- span status, transaction source and event level, as Sentry names them
//
// WHAT IT DOES  The small value types a program passes in and reads back whether tracing is
//               compiled in or out: `span_status` (with to_string(), from_http_status() and
//               parse_span_status()), `transaction_source` and the event `level`, each with the
//               string Sentry writes for it. Written once, included by span.hpp and events.hpp
//               (tracing on) and by disabled.hpp (SENTRY_TRACE_ENABLED=0), so the mapping a
//               program computes is the same in both modes.
// DOES NOT      depend on any other part but config.hpp, allocate, or read global state: every
//               function is constexpr.
// SPEC          https://develop.sentry.dev/sdk/foundations/envelopes/event-payloads/span/

#ifndef SENTRY_TRACE_STATUS_HPP
#define SENTRY_TRACE_STATUS_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// Sentry's span statuses (PROTOCOL.md §4). `ok` is also what an unset status is written as.
/// The HTTP ranges are those of from_http_status().
enum class span_status : std::uint8_t {
  ok,                   ///< 100-399
  cancelled,            ///< 499 (JS); the caller gave up
  unknown_error,        ///< 600 and above in Python; written as "unknown_error", "unknown" accepted on input
  invalid_argument,     ///< 400 and any 4xx without its own status
  deadline_exceeded,    ///< 504
  not_found,            ///< 404
  already_exists,       ///< 409
  permission_denied,    ///< 403
  resource_exhausted,   ///< 429
  failed_precondition,  ///< 413
  aborted,
  out_of_range,
  unimplemented,        ///< 501
  internal_error,       ///< any 5xx without its own status; below 100 or 600 and above
  unavailable,          ///< 503
  data_loss,
  unauthenticated,      ///< 401
};

/// The status as Sentry writes it ("ok", "deadline_exceeded", ...).
constexpr const char* to_string(span_status s) noexcept {
  constexpr const char* names[] = {"ok", "cancelled", "unknown_error", "invalid_argument", "deadline_exceeded",
                                   "not_found", "already_exists", "permission_denied", "resource_exhausted",
                                   "failed_precondition", "aborted", "out_of_range", "unimplemented",
                                   "internal_error", "unavailable", "data_loss", "unauthenticated"};
  return static_cast<std::size_t>(s) < sizeof(names) / sizeof(names[0]) ? names[static_cast<std::size_t>(s)]
                                                                         : "unknown_error";
}

/// Maps an HTTP status code as @sentry/core 11 does (PROTOCOL.md §4): 100-399 ok, 401
/// unauthenticated, 403 permission_denied, 404 not_found, 409 already_exists, 413
/// failed_precondition, 429 resource_exhausted, 499 cancelled, other 4xx invalid_argument,
/// 501 unimplemented, 503 unavailable, 504 deadline_exceeded, other 5xx internal_error, and
/// anything below 100 or from 600 on internal_error.
constexpr span_status from_http_status(int code) noexcept {
  if (code >= 100 && code < 400) return span_status::ok;
  if (code >= 400 && code < 500) {
    switch (code) {
      case 401: return span_status::unauthenticated;
      case 403: return span_status::permission_denied;
      case 404: return span_status::not_found;
      case 409: return span_status::already_exists;
      case 413: return span_status::failed_precondition;
      case 429: return span_status::resource_exhausted;
      case 499: return span_status::cancelled;
      default: return span_status::invalid_argument;
    }
  }
  if (code >= 500 && code < 600) {
    switch (code) {
      case 501: return span_status::unimplemented;
      case 503: return span_status::unavailable;
      case 504: return span_status::deadline_exceeded;
      default: return span_status::internal_error;
    }
  }
  return span_status::internal_error;
}

/// Parses a status string. Accepts the 17 names, and what Relay also accepts: "unknown" (as
/// unknown_error), "success" (ok) and "failure" (internal_error). False for anything else.
constexpr bool parse_span_status(std::string_view text, span_status& out) noexcept {
  for (int i = 0; i <= static_cast<int>(span_status::unauthenticated); ++i) {
    if (text == to_string(static_cast<span_status>(i))) {
      out = static_cast<span_status>(i);
      return true;
    }
  }
  if (text == "unknown") { out = span_status::unknown_error; return true; }
  if (text == "success") { out = span_status::ok; return true; }
  if (text == "failure") { out = span_status::internal_error; return true; }
  return false;
}

/// Where a transaction's name came from (`transaction_info.source`). Sentry groups `url`
/// names as high-cardinality and leaves them out of the dynamic sampling context.
enum class transaction_source : std::uint8_t { custom, url, route, view, component, task };

constexpr const char* to_string(transaction_source s) noexcept {
  constexpr const char* names[] = {"custom", "url", "route", "view", "component", "task"};
  return names[static_cast<std::size_t>(s) < 6 ? static_cast<std::size_t>(s) : 0];
}

/// Severity of a message event (Sentry's level strings). Error events default to `error`;
/// `fatal` is for errors that end the program.
enum class level : std::uint8_t { debug, info, warning, error, fatal };

/// The level as Sentry writes it: "debug", "info", "warning", "error" or "fatal". A value
/// outside the enum gives "error", Sentry's default.
constexpr const char* to_string(level l) noexcept {
  constexpr const char* names[] = {"debug", "info", "warning", "error", "fatal"};
  return static_cast<std::size_t>(l) < sizeof(names) / sizeof(names[0]) ? names[static_cast<std::size_t>(l)]
                                                                         : "error";
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_STATUS_HPP

// end of part: include/sentry_trace/face/status.hpp

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// One tag (`tags` in the event: a string for a string).
struct event_tag {
  std::string_view key;
  std::string_view value;
};

/// One member of a named context: `contexts.<context>.<key> = "<value>"`.
struct event_context_value {
  std::string_view context;  ///< the context's name, e.g. "order"; "trace", "os", "runtime" and
                             ///< "device" are the SDK's own and are not accepted (dropped)
  std::string_view key;
  std::string_view value;
};

/// What one capture call adds to its event (@sentry/core's captureContext). Fixed capacity;
/// see the part's comment for what happens beyond it.
struct event_options {
  static constexpr std::size_t max_tags = 8;
  static constexpr std::size_t max_context_values = 8;
  static constexpr std::size_t max_fingerprint = 4;

  event_tag tags[max_tags] = {};
  std::uint8_t tag_count = 0;
  event_context_value contexts[max_context_values] = {};
  std::uint8_t context_count = 0;
  std::string_view fingerprint[max_fingerprint] = {};
  std::uint8_t fingerprint_count = 0;
  std::uint8_t dropped = 0;  ///< tags, context values and fingerprint parts that did not fit

  /// Sets tag `key` (setTag): a second call with the same key replaces the value.
  constexpr event_options& set_tag(std::string_view key, std::string_view value) noexcept {
    for (std::size_t i = 0; i < tag_count; ++i)
      if (tags[i].key == key) {
        tags[i].value = value;
        return *this;
      }
    if (tag_count < max_tags) tags[tag_count++] = event_tag{key, value};
    else if (dropped < 255) ++dropped;
    return *this;
  }
  /// Sets member `key` of the context named `context` (setContext, one member at a time);
  /// the same context and key again replaces the value.
  constexpr event_options& set_context(std::string_view context, std::string_view key, std::string_view value) noexcept {
    for (std::size_t i = 0; i < context_count; ++i)
      if (contexts[i].context == context && contexts[i].key == key) {
        contexts[i].value = value;
        return *this;
      }
    if (context_count < max_context_values) contexts[context_count++] = event_context_value{context, key, value};
    else if (dropped < 255) ++dropped;
    return *this;
  }
  /// Appends one part of the fingerprint (`fingerprint: [...]`; "{{ default }}" keeps
  /// Sentry's own grouping as one part of it).
  constexpr event_options& add_fingerprint(std::string_view part) noexcept {
    if (fingerprint_count < max_fingerprint) fingerprint[fingerprint_count++] = part;
    else if (dropped < 255) ++dropped;
    return *this;
  }
};

/// An error or message event as options.before_send sees it. Every member may be edited
/// (see HOOKS above for how long edited strings must live); what it carries is what is sent.
/// The trace context, the ids, the SDK's own contexts (os, runtime, device) and the release
/// are not editable.
struct error_event {
  std::string_view exception_type;   ///< empty for a message event
  std::string_view exception_value;
  std::string_view message;          ///< empty for an exception event
  level lvl = level::error;
  event_options extra;               ///< tags, contexts and fingerprint
};

/// A finished transaction as options.before_send_transaction sees it: its name may be
/// changed (the source then becomes "custom", as @sentry/core does when beforeSendTransaction
/// renames) and tags added; its spans are read-only.
struct transaction_event {
  static constexpr std::size_t max_tags = event_options::max_tags;

  std::string_view name;             ///< the transaction's name; assign to rename ("" keeps it)
  event_tag tags[max_tags] = {};     ///< `tags` of the transaction payload (none by default)
  std::uint8_t tag_count = 0;
  std::size_t span_count = 0;        ///< child spans that ended (read-only)

  /// Sets tag `key`, replacing an earlier value; beyond max_tags the tag is not kept (false).
  constexpr bool set_tag(std::string_view key, std::string_view value) noexcept {
    for (std::size_t i = 0; i < tag_count; ++i)
      if (tags[i].key == key) {
        tags[i].value = value;
        return true;
      }
    if (tag_count >= max_tags) return false;
    tags[tag_count++] = event_tag{key, value};
    return true;
  }
};

/// options.before_send (beforeSend): return false to drop the event.
struct before_send_hook {
  bool (*fn)(error_event& event, void* user) = nullptr;
  void* user = nullptr;
};

/// options.before_send_transaction (beforeSendTransaction): return false to drop the
/// transaction (it and each of its spans are counted as before_send).
struct before_send_transaction_hook {
  bool (*fn)(transaction_event& transaction, void* user) = nullptr;
  void* user = nullptr;
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_EVENT_OPTIONS_HPP

// end of part: include/sentry_trace/face/event_options.hpp

// =================================================================================================
// part: include/sentry_trace/face/hooks.hpp
// =================================================================================================

// sentry_trace/hooks.hpp -- the clock, wall clock, entropy, lock and log hooks; log_level
//
// WHAT IT DOES  Declares the hooks through which the library touches the outside world, each a
//               plain function pointer plus a `void* user` (never std::function: it may
//               allocate and throw), and the log_level a log hook receives. Written once,
//               included by platform.hpp (tracing on, which also gives hosted builds working
//               defaults) and by disabled.hpp (SENTRY_TRACE_ENABLED=0, where options still
//               takes them and no hook is ever called).
// DOES NOT      depend on any other part but config.hpp, or call a hook: the callers are the
//               tracer and the transports, and each struct's comment says when.
// HOOKS         see each struct's comment for who calls it, when, and what it may do.

#ifndef SENTRY_TRACE_HOOKS_HPP
#define SENTRY_TRACE_HOOKS_HPP

#include <cstddef>
#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

/// Monotonic clock: nanoseconds from any fixed origin. When set, it times every span: called
/// by any thread that starts or ends one, so it must be thread-safe, non-blocking and never go
/// backwards. Hosted default: spans read the cycle counter on x86-64 with an invariant TSC and
/// on AArch64 (core/clock.hpp), std::chrono::steady_clock elsewhere; steady_clock also times
/// frames and the client-report interval.
struct clock_hook {
  std::uint64_t (*now_ns)(void* user) = nullptr;
  void* user = nullptr;
};

/// Wall clock: microseconds since the Unix epoch (UTC). Read once by init() to anchor the
/// monotonic clock, and when an envelope's `sent_at` is written. Hosted default: system_clock.
/// On a device with no real-time clock, return the best estimate you have (0 is allowed: the
/// timestamps are then relative to 1970, which Sentry accepts but shows as old).
struct wall_clock_hook {
  std::int64_t (*now_epoch_us)(void* user) = nullptr;
  void* user = nullptr;
};

/// Entropy: fill `n` bytes with unpredictable data, return false on failure. Called by init()
/// for the id generator's 256-bit key (32 bytes; not on the span path). Hosted default:
/// /dev/urandom, mixed with the clocks and an address when that is unavailable.
struct entropy_hook {
  bool (*fill)(void* bytes, std::size_t n, void* user) = nullptr;
  void* user = nullptr;
};

/// Lock: guards the envelope buffer and the transport while an envelope is written and sent.
/// Starting a span never takes it, nor does ending a child span; ending a root span does (its
/// transaction is written on the ending thread, dispatch.hpp's finish_transaction), and so does
/// closing the last open span of a streaming segment, and sending a client report once one is
/// due (from poll(), the worker or a send). Set both functions or neither. With neither, a hosted threaded build uses a std::mutex; a
/// single-threaded build uses no lock.
struct lock_hook {
  void (*lock)(void* user) = nullptr;
  void (*unlock)(void* user) = nullptr;
  void* user = nullptr;
};

/// Severity of a diagnostic.
enum class log_level : std::uint8_t { debug, info, warning, error };

/// Diagnostics: `message` is a NUL-terminated line without a newline, valid only during the
/// call. Called from whichever thread found the problem; must be reentrant and must not call
/// back into sentry_trace. Hosted default: stderr. Debug lines reach the hook only when
/// options.debug (or SENTRY_DEBUG) is on; warnings and errors always do.
struct log_hook {
  void (*write)(log_level level, const char* message, void* user) = nullptr;
  void* user = nullptr;
};

/// Short name of a log level ("debug", "info", "warning", "error").
constexpr const char* to_string(log_level level) noexcept {
  return level == log_level::debug     ? "debug"
         : level == log_level::info    ? "info"
         : level == log_level::warning ? "warning"
                                       : "error";
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_HOOKS_HPP

// end of part: include/sentry_trace/face/hooks.hpp

// =================================================================================================
// part: include/sentry_trace/face/outcome_kinds.hpp
// =================================================================================================

// sentry_trace/outcome_kinds.hpp -- discard reasons, data categories and the stats a program reads
//
// WHAT IT DOES  The vocabulary of outcomes: `discard_reason` and `data_category` (with the
//               strings client reports and rate limits use for them) and `stats`, what
//               get_stats() returns. Written once, included by outcomes.hpp (tracing on, which
//               counts them) and by disabled.hpp (SENTRY_TRACE_ENABLED=0, where every counter
//               stays zero).
// DOES NOT      count anything or depend on any other part but config.hpp: the counters are in
//               outcomes.hpp.
// SPEC          https://develop.sentry.dev/sdk/telemetry/client-reports/

#ifndef SENTRY_TRACE_OUTCOME_KINDS_HPP
#define SENTRY_TRACE_OUTCOME_KINDS_HPP

#include <cstddef>
#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

/// Why something was not delivered (the client report `reason` strings).
enum class discard_reason : std::uint8_t {
  sample_rate,        ///< not sampled
  buffer_overflow,    ///< over a pool's capacity (spans, transactions, envelope bytes)
  queue_overflow,     ///< the delivery queue was full
  ratelimit_backoff,  ///< dropped before sending while the server's rate limit lasts
  network_error,      ///< the transport could not reach the server
  send_error,         ///< the server refused it
  invalid,            ///< a span never ended, or ended after its transaction was sent
  no_parent_span,     ///< a child whose explicit parent's transaction was already gone
  internal_sdk_error, ///< anything else inside the library
  before_send,        ///< options.before_send / before_send_transaction returned false
  event_processor,    ///< matched options.ignore_transactions (@sentry/core's eventFilters
                      ///< drops it from an event processor, reported with this reason)
  count_
};

/// What was not delivered (the rate-limit / client-report category strings).
enum class data_category : std::uint8_t { transaction, span, error, internal, count_ };

constexpr const char* to_string(discard_reason r) noexcept {
  constexpr const char* names[] = {"sample_rate",  "buffer_overflow", "queue_overflow",  "ratelimit_backoff",
                                   "network_error", "send_error",     "invalid",         "no_parent_span",
                                   "internal_sdk_error", "before_send", "event_processor"};
  return names[static_cast<std::size_t>(r) < static_cast<std::size_t>(discard_reason::count_)
                   ? static_cast<std::size_t>(r)
                   : static_cast<std::size_t>(discard_reason::internal_sdk_error)];
}
constexpr const char* to_string(data_category c) noexcept {
  constexpr const char* names[] = {"transaction", "span", "error", "internal"};
  return names[static_cast<std::size_t>(c) < static_cast<std::size_t>(data_category::count_) ? static_cast<std::size_t>(c) : 3];
}

/// Things kept but cut, and other diagnostics, readable with sentry_trace::get_stats().
/// With SENTRY_TRACE_ENABLED=0 every counter stays zero: nothing is recorded.
struct stats {
  std::uint64_t strings_truncated = 0;     ///< strings cut at SENTRY_TRACE_MAX_STRING or the arena's end
  std::uint64_t attributes_dropped = 0;    ///< over SENTRY_TRACE_MAX_ATTRIBUTES or the attribute pool, a NaN or
                                           ///< infinite value, one of the SDK's own keys, or a key the arena
                                           ///< could not hold whole
  std::uint64_t measurements_dropped = 0;  ///< over SENTRY_TRACE_MAX_MEASUREMENTS, no transaction, or not finite
  std::uint64_t depth_overflows = 0;       ///< spans not made active because SENTRY_TRACE_MAX_DEPTH was reached
  std::uint64_t timestamps_clamped = 0;    ///< given span times moved: a start after now (to now), an end
                                           ///< before its span's start (to the start); the span is still sent
  std::uint64_t envelopes_sent = 0;        ///< envelopes handed to the transport
  std::uint64_t client_reports_sent = 0;   ///< of which client reports
  std::uint64_t discarded_total = 0;       ///< sum of every outcome counted so far (also the reported ones)
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_OUTCOME_KINDS_HPP

// end of part: include/sentry_trace/face/outcome_kinds.hpp

// =================================================================================================
// part: include/sentry_trace/face/sampling_context.hpp
// =================================================================================================

// sentry_trace/sampling_context.hpp -- what a traces_sampler is told about a new transaction
//
// WHAT IT DOES  `sampling_context` (the transaction's name, op, source, attributes and the
//               incoming parent's decision and rate) and `parent_decision`. Written once,
//               included by sampling.hpp (tracing on, which calls the sampler with it) and by
//               disabled.hpp (SENTRY_TRACE_ENABLED=0, where a sampler is accepted, never called,
//               and code that builds a context to test its sampler still compiles and works).
// DOES NOT      decide anything: the sampler, sample_rand and the policies are in sampling.hpp.
//               It depends only on config.hpp, status.hpp and attributes.hpp.
// SPEC          https://develop.sentry.dev/sdk/telemetry/traces/#sampling

#ifndef SENTRY_TRACE_SAMPLING_CONTEXT_HPP
#define SENTRY_TRACE_SAMPLING_CONTEXT_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// The parent's sampling decision as a new transaction sees it.
enum class parent_decision : std::uint8_t { none, sampled, not_sampled };

/// What a traces_sampler is told about the transaction being started.
struct sampling_context {
  std::string_view name;             ///< the transaction's name
  std::string_view op;
  parent_decision parent_sampled = parent_decision::none;  ///< from an incoming trace, if any
  double parent_sample_rate = -1.0;  ///< the incoming sample_rate; negative when unknown
  transaction_source source = transaction_source::custom;
  const attribute* attributes = nullptr;  ///< span_options::attributes, valid during the call
  std::size_t attribute_count = 0;
  /// The rate to return to follow the incoming trace (JS: samplingContext.inheritOrSampleWith):
  /// the parent's sample_rate when its baggage carried one (also when its sentry-trace left the
  /// decision to us), else 1 or 0 for a parent that decided without a rate (an older SDK), else
  /// `fallback`. Exactly @sentry/core's rule. The rate a parent sent is compared against the
  /// trace's sample_rand, which an incoming trace keeps consistent with the parent's decision,
  /// so returning it inherits that decision:
  ///   o.traces_sampler = [](const st::sampling_context& c) {
  ///     return c.name == "GET /health" ? 0.0 : c.inherit_or_sample_with(0.25);
  ///   };
  constexpr double inherit_or_sample_with(double fallback) const noexcept {
    if (parent_sample_rate >= 0.0) return parent_sample_rate;
    if (parent_sampled != parent_decision::none) return parent_sampled == parent_decision::sampled ? 1.0 : 0.0;
    return fallback;
  }
  /// The value of attribute `key`, or nullptr.
  const attribute_value* find(std::string_view key) const noexcept {
    for (std::size_t i = 0; i < attribute_count; ++i)
      if (attributes[i].key == key) return &attributes[i].value;
    return nullptr;
  }
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_SAMPLING_CONTEXT_HPP

// end of part: include/sentry_trace/face/sampling_context.hpp

// =================================================================================================
// part: include/sentry_trace/face/span_time.hpp
// =================================================================================================

// sentry_trace/face/span_time.hpp -- a point on the tracer's monotonic clock, for spans timed after the fact
//
// WHAT IT DOES  `span_time`, the value span_options::start_time, span::end(at) and now() use.
//               Written once, included by span.hpp (tracing on) and by disabled.hpp
//               (SENTRY_TRACE_ENABLED=0, where now() is 0, "not given"), so that what a program
//               computes with it is the same in both modes.
// DOES NOT      read a clock (now() does, in the implementation TU) or depend on any other part
//               but config.hpp: every member is constexpr.

#ifndef SENTRY_TRACE_SPAN_TIME_HPP
#define SENTRY_TRACE_SPAN_TIME_HPP

#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

/// A point in time on the tracer's monotonic clock, in nanoseconds: the clock of
/// options.clock when it is set, else steady_clock (a clock that never steps, unlike the wall
/// clock). Take one with now(); express a duration measured after the fact with minus_ns()
/// (`now().minus_ns(elapsed_ns)` is when a thing that just finished began). Zero means "not
/// given": a span then starts or ends when the call is made. A value taken from another clock
/// must be moved onto this one by the caller (e.g. GPU timestamps, by pairing one with now()).
/// Spans may mix given times and clock readings freely: both are put on the same time line
/// when their transaction is written (core/clock.hpp).
struct span_time {
  std::uint64_t ns = 0;  ///< monotonic nanoseconds; 0: not given

  /// `d_ns` nanoseconds earlier; saturates at the clock's first nanosecond (never "not given").
  constexpr span_time minus_ns(std::uint64_t d_ns) const noexcept { return span_time{ns > d_ns ? ns - d_ns : 1}; }
  /// `d_ns` nanoseconds later (saturating).
  constexpr span_time plus_ns(std::uint64_t d_ns) const noexcept {
    return span_time{ns + d_ns < ns ? ~std::uint64_t{0} : ns + d_ns};
  }
  constexpr bool is_set() const noexcept { return ns != 0; }
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_SPAN_TIME_HPP

// end of part: include/sentry_trace/face/span_time.hpp
// The DSN parser is pure: the same code in both modes (see the header comment).

// =================================================================================================
// part: include/sentry_trace/protocol/dsn.hpp
// =================================================================================================

// sentry_trace/dsn.hpp -- parsing a Sentry DSN into its parts
//
// WHAT IT DOES  Splits `{scheme}://{public_key}[:{secret}]@{host}[:{port}][{path}]/{project_id}`
//               (PROTOCOL.md §1) into views of the caller's string, derives the org id from a
//               host of the form `o<digits>.…`, and builds the envelope endpoint.
// DOES NOT      allocate or copy: the parts are views into the string passed to parse(), which
//               must outlive them (core/state.hpp keeps its own copy).
// ERRORS        parse() returns a dsn_error naming the first problem; to_string() describes it.
//               The user info ends at the last '@' before the path, as URL parsers split it; the
//               key and secret may hold only A-Z a-z 0-9 - . _ ~ (they are written into
//               X-Sentry-Auth, where `,` or `=` would add parameters), so a second '@' is refused
//               as a bad key. `?` and `#` have their own error. Slashes before the project id are
//               not kept in the path ("/a//42" has path "/a").
// SPEC          https://develop.sentry.dev/sdk/foundations/transport/authentication/

#ifndef SENTRY_TRACE_DSN_HPP
#define SENTRY_TRACE_DSN_HPP

// =================================================================================================
// part: include/sentry_trace/protocol/text.hpp
// =================================================================================================

// sentry_trace/protocol/text.hpp -- the small ASCII text jobs every parser shares
//
// WHAT IT DOES  One helper per job that the header parsers, the DSN parser, the HTTP client and
//               init() each need: hex digits (value and upper-case encoding), ASCII lower-casing
//               and case-insensitive comparison, trimming a set of white-space bytes from both
//               ends, reading an unsigned decimal integer, and copying a string into a fixed
//               NUL-terminated buffer.
// DOES NOT      look at the locale (<cctype> would: "I" lower-cases differently under tr_TR), nor
//               treat any byte above 0x7f as a letter, digit or space, nor allocate. Decimal
//               fractions are json.hpp's parse_decimal; this part reads whole numbers only.
// WHY ASCII     Every text read here is protocol text (HTTP heads, W3C and Sentry headers, DSNs),
//               whose grammar is ASCII; a locale-aware helper would change what is accepted.

#ifndef SENTRY_TRACE_PROTOCOL_TEXT_HPP
#define SENTRY_TRACE_PROTOCOL_TEXT_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

// ---- digits -------------------------------------------------------------------------------------

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// True for a non-empty run of '0'..'9' and nothing else.
constexpr bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

/// Upper-case hex digits by value, for percent-encoding (RFC 3986 §2.1 prefers upper case).
inline constexpr char hex_upper[] = "0123456789ABCDEF";

/// A hex digit's value (either case), or -1 for any other byte.
constexpr int hex_value(char c) noexcept {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/// A lower-case hex digit: the only form ids take (W3C and the SDKs' sentry-trace regex).
constexpr bool is_lower_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f'); }

/// Reads `s` as an unsigned decimal integer: one or more digits and nothing else (no sign, no
/// spaces), leading zeros allowed, at most `max`. False (and `out` untouched) otherwise,
/// overflow included.
template <class U> constexpr bool parse_unsigned(std::string_view s, U max, U& out) noexcept {
  if (!all_digits(s)) return false;
  U v = 0;
  for (char c : s) {
    const U d = static_cast<U>(c - '0');
    if (v > (max - d) / 10) return false;
    v = static_cast<U>(v * 10 + d);
  }
  out = v;
  return true;
}

// ---- case ---------------------------------------------------------------------------------------

constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// Equal when ASCII letters are folded to lower case (header names, URL schemes, tokens).
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

/// Whether `needle` occurs in `hay` with ASCII letters folded; an empty needle always does.
constexpr bool contains_ignore_case(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

// ---- white space --------------------------------------------------------------------------------
// Three sets, because the grammars differ and what each accepts must not change: OWS of HTTP and
// W3C headers (RFC 9110 §5.6.3), the same plus line ends for header values that may still carry
// them, and every ASCII space for environment variables written by shells and container specs.

/// W3C and HTTP OWS. JS's trim() strips more (tests' header_cases.json has the cases).
constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }
constexpr bool is_header_space(char c) noexcept { return is_ows(c) || c == '\r' || c == '\n'; }
constexpr bool is_ascii_space(char c) noexcept { return is_header_space(c) || c == '\v' || c == '\f'; }

/// `s` without the bytes `drop` accepts at either end.
constexpr std::string_view trim(std::string_view s, bool (*drop)(char) noexcept) noexcept {
  while (!s.empty() && drop(s.front())) s.remove_prefix(1);
  while (!s.empty() && drop(s.back())) s.remove_suffix(1);
  return s;
}

// ---- fixed buffers ------------------------------------------------------------------------------

/// Copies `text` into `dst` (`cap` bytes) with a NUL after it; false (and `dst` untouched) when
/// it does not fit. Out of line: one copy of the code for every buffer size (firmware flash).
SENTRY_TRACE_DETAIL_OUT_OF_LINE inline bool copy_bounded(char* dst, std::size_t cap, std::string_view text) noexcept {
  if (text.size() >= cap) return false;
  if (!text.empty()) std::memcpy(dst, text.data(), text.size());  // an empty view may hold nullptr
  dst[text.size()] = '\0';
  return true;
}

/// The same into a fixed buffer, its size taken from the type.
template <std::size_t N> bool copy_bounded(char (&dst)[N], std::string_view text) noexcept {
  return copy_bounded(dst, N, text);
}

}  // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_PROTOCOL_TEXT_HPP

// end of part: include/sentry_trace/protocol/text.hpp

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// Why a DSN was rejected.
enum class dsn_error : std::uint8_t {
  none,
  empty,
  bad_scheme,          ///< not http:// or https://
  missing_public_key,  ///< no `key@`
  missing_host,
  bad_port,            ///< not 1-65535
  missing_project_id,  ///< no last path segment
  bad_project_id,      ///< last path segment is not all digits
  bad_character,       ///< whitespace or a control character
  query_or_fragment,   ///< a `?` or `#`: not part of a DSN
  bad_public_key,      ///< the key holds a byte other than A-Z a-z 0-9 - . _ ~ (an `@` too)
  bad_secret,          ///< the secret holds a byte other than A-Z a-z 0-9 - . _ ~
  bad_host,            ///< the host holds a byte a host name or IPv6 literal cannot hold
};

/// What is wrong, in a sentence; with SENTRY_TRACE_LOG_TEXT=0 the enumerator's name (less flash).
constexpr const char* to_string(dsn_error e) noexcept {
#if !SENTRY_TRACE_LOG_TEXT
  constexpr const char* names[] = {"ok", "empty", "bad_scheme", "missing_public_key", "missing_host", "bad_port",
                                   "missing_project_id", "bad_project_id", "bad_character", "query_or_fragment",
                                   "bad_public_key", "bad_secret", "bad_host"};
  return static_cast<std::size_t>(e) < sizeof(names) / sizeof(names[0]) ? names[static_cast<std::size_t>(e)] : "invalid";
#endif
  switch (e) {
    case dsn_error::none: return "ok";
    case dsn_error::empty: return "the DSN is empty";
    case dsn_error::bad_scheme: return "the DSN's scheme must be http or https";
    case dsn_error::missing_public_key: return "the DSN has no public key (expected scheme://KEY@host/PROJECT)";
    case dsn_error::missing_host: return "the DSN has no host";
    case dsn_error::bad_port: return "the DSN's port is not a number from 1 to 65535";
    case dsn_error::missing_project_id: return "the DSN has no project id (expected .../PROJECT_ID at the end)";
    case dsn_error::bad_project_id: return "the DSN's project id must be digits only";
    case dsn_error::bad_character: return "the DSN contains whitespace or a control character";
    case dsn_error::query_or_fragment: return "the DSN must not contain a query (?) or a fragment (#)";
    case dsn_error::bad_public_key:
      return "the DSN's public key may hold only letters, digits and - . _ ~ (is there a second @?)";
    case dsn_error::bad_secret: return "the DSN's secret may hold only letters, digits and - . _ ~";
    case dsn_error::bad_host:
      return "the DSN's host may hold only letters, digits and - . _ (or hex digits, : and . inside [ ])";
  }
  return "invalid DSN";
}

/// The parts of a DSN, as views into the parsed string.
struct dsn {
  std::string_view scheme;      ///< "http" or "https"
  std::string_view public_key;
  std::string_view secret;      ///< deprecated; usually empty
  std::string_view host;        ///< without brackets for an IPv6 literal
  std::uint16_t port = 0;       ///< explicit or the scheme's default (80 / 443)
  bool port_explicit = false;
  std::string_view path;        ///< between host and project id, "" or "/a/b" (no trailing slash)
  std::string_view project_id;
  std::string_view org_id;      ///< digits of a host `o<digits>.…`, else empty

  /// Parses `text`; on failure returns the error and leaves `out` unchanged.
  static dsn_error parse(std::string_view text, dsn& out) noexcept;
};

// ------------------------------------------------------------------------------------------------
namespace detail {
/// A host the HTTP client can connect to (http_client.hpp accepts the same): a name of letters,
/// digits, `-`, `.` and `_`, or an IPv6 literal of hex digits, `:` and `.`. Checked here so that a
/// DSN naming anything else is refused with its own error rather than failing every send.
constexpr bool dsn_host_chars(std::string_view host, bool ipv6) noexcept {
  for (char c : host) {
    const bool ok = ipv6 ? hex_value(c) >= 0 || c == ':' || c == '.'
                         : (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                               c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

/// The key and secret go into the X-Sentry-Auth header as `sentry_key=KEY, sentry_secret=...`;
/// a `,`, `=`, `@`, quote or non-ASCII byte there would add or break parameters, so only URL
/// "unreserved" characters are taken (Sentry's keys are 32 hex digits).
constexpr bool dsn_credential_chars(std::string_view s) noexcept {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~';
    if (!ok) return false;
  }
  return true;
}
} // namespace detail

// Positions into `text` rather than std::string_view's find/substr: the same checks in the same
// order, in about half the code (no range checks, no general substring search).
inline dsn_error dsn::parse(std::string_view text, dsn& out) noexcept {
  if (text.empty()) return dsn_error::empty;
  const char* const s = text.data();
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i)
    if (static_cast<unsigned char>(s[i]) <= 0x20 || s[i] == 0x7f) return dsn_error::bad_character;
  auto part = [s](std::size_t from, std::size_t to) { return std::string_view(s + from, to - from); };
  // The first `c` in [from, to), or `to`.
  auto first = [s](char c, std::size_t from, std::size_t to) {
    while (from < to && s[from] != c) ++from;
    return from;
  };
  dsn d;
  std::size_t sep = 0;  // the first "://"
  while (sep + 3 <= n && !(s[sep] == ':' && s[sep + 1] == '/' && s[sep + 2] == '/')) ++sep;
  if (sep + 3 > n) return dsn_error::bad_scheme;
  d.scheme = part(0, sep);
  if (d.scheme != "http" && d.scheme != "https") return dsn_error::bad_scheme;
  const std::size_t rest = sep + 3;
  // Query strings and fragments are not part of a DSN; refuse rather than guess.
  if (first('?', rest, n) != n || first('#', rest, n) != n) return dsn_error::query_or_fragment;
  // The authority ends at the first '/'; within it the user info ends at the LAST '@', as URL
  // parsers split it, so an '@' can never end up in the host. One left in the user info is
  // refused by the key check below.
  std::size_t at = first('/', rest, n);
  while (at > rest && s[at - 1] != '@') --at;
  if (at == rest) return dsn_error::missing_public_key;
  --at;  // on the '@'
  const std::size_t colon = first(':', rest, at);
  d.public_key = part(rest, colon);
  if (colon != at) d.secret = part(colon + 1, at);
  if (d.public_key.empty()) return dsn_error::missing_public_key;
  if (!detail::dsn_credential_chars(d.public_key)) return dsn_error::bad_public_key;
  if (!detail::dsn_credential_chars(d.secret)) return dsn_error::bad_secret;
  const std::size_t host_at = at + 1;
  const std::size_t slash = first('/', host_at, n);  // host[:port] is [host_at, slash)
  std::string_view tail = part(slash, n);
  std::string_view port_text;
  const bool ipv6 = host_at < slash && s[host_at] == '[';
  if (ipv6) {
    const std::size_t close = first(']', host_at, slash);
    if (close == slash) return dsn_error::missing_host;
    d.host = part(host_at + 1, close);
    if (close + 1 < slash) {
      if (s[close + 1] != ':') return dsn_error::bad_port;
      port_text = part(close + 2, slash);
      d.port_explicit = true;
    }
  } else {
    const std::size_t pc = first(':', host_at, slash);
    d.host = part(host_at, pc);
    if (pc != slash) {
      port_text = part(pc + 1, slash);
      d.port_explicit = true;
    }
  }
  if (d.host.empty()) return dsn_error::missing_host;
  if (!detail::dsn_host_chars(d.host, ipv6)) return dsn_error::bad_host;
  if (d.port_explicit) {
    std::uint32_t p = 0;
    if (port_text.size() > 5 || !detail::parse_unsigned<std::uint32_t>(port_text, 65535, p) || p == 0)
      return dsn_error::bad_port;
    d.port = static_cast<std::uint16_t>(p);
  } else {
    d.port = d.scheme.size() == 5 ? 443 : 80;  // "https" : "http"
  }
  // `tail` is empty or starts with '/': the project id is its last segment.
  while (!tail.empty() && tail.back() == '/') tail.remove_suffix(1);
  std::size_t last = tail.size();
  while (last > 0 && tail[last - 1] != '/') --last;
  if (last == 0 || last >= tail.size()) return dsn_error::missing_project_id;
  d.project_id = tail.substr(last);
  if (!detail::all_digits(d.project_id)) return dsn_error::bad_project_id;
  d.path = std::string_view(tail.data(), last - 1);
  // "/a//42": the path is "/a", so the endpoint is /a/api/42/envelope/, not /a//api/...
  while (!d.path.empty() && d.path.back() == '/') d.path.remove_suffix(1);
  if (d.host.size() > 2 && d.host[0] == 'o') {
    const std::size_t dot = d.host.find('.');
    if (dot != std::string_view::npos && detail::all_digits(d.host.substr(1, dot - 1))) d.org_id = d.host.substr(1, dot - 1);
  }
  out = d;
  return dsn_error::none;
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_DSN_HPP

// end of part: include/sentry_trace/protocol/dsn.hpp

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>
#if SENTRY_TRACE_EXCEPTIONS
#  include <exception>
#endif
#if SENTRY_TRACE_HOSTED
#  include <cstdio>
#endif

SENTRY_TRACE_DETAIL_BEGIN

// ---- ids.hpp ---------------------------------------------------------------------------------

/// Trace id; always zero here.
struct trace_id {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  constexpr bool is_zero() const noexcept { return hi == 0 && lo == 0; }
  /// Writes 32 '0' characters (the id is zero), so a caller never prints uninitialized bytes.
  void to_hex(char* out32) const noexcept {
    for (int i = 0; i < 32; ++i) out32[i] = '0';
  }
  /// Parses nothing: false, `out` untouched.
  static bool parse(std::string_view, trace_id&) noexcept { return false; }
  friend constexpr bool operator==(const trace_id& a, const trace_id& b) noexcept { return a.hi == b.hi && a.lo == b.lo; }
  friend constexpr bool operator!=(const trace_id& a, const trace_id& b) noexcept { return !(a == b); }
};
/// Span id; always zero here.
struct span_id {
  std::uint64_t value = 0;
  constexpr bool is_zero() const noexcept { return value == 0; }
  void to_hex(char* out16) const noexcept {
    for (int i = 0; i < 16; ++i) out16[i] = '0';
  }
  static bool parse(std::string_view, span_id&) noexcept { return false; }
  friend constexpr bool operator==(const span_id& a, const span_id& b) noexcept { return a.value == b.value; }
  friend constexpr bool operator!=(const span_id& a, const span_id& b) noexcept { return a.value != b.value; }
};
/// Event id; always zero here.
struct event_id {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  void to_hex(char* out32) const noexcept {
    for (int i = 0; i < 32; ++i) out32[i] = '0';
  }
};

// ---- span.hpp --------------------------------------------------------------------------------

class span;

/// A reference to no span: every flag is clear.
struct span_ref {
  trace_id trace{};
  span_id id{};
  std::uint32_t generation = 0;
  std::uint16_t block = 0;
  std::uint16_t slot = 0;
  std::uint16_t epoch = 0;
  std::uint8_t flags = 0;
  std::uint8_t links = 0;
  std::uint16_t segment_block = 0;
  std::uint32_t sample_rand_micros = 0;
  std::uint32_t sample_rate_ppm = 0;
  std::uint32_t segment_generation = 0;

  static constexpr std::uint8_t valid = 1;
  static constexpr std::uint8_t recording = 2;
  static constexpr std::uint8_t sampled = 4;
  static constexpr std::uint8_t deferred = 8;
  static constexpr std::uint8_t root = 16;
  static constexpr std::uint8_t overflow = 32;

  constexpr span_ref() noexcept = default;
  constexpr span_ref(const span&) noexcept {}  // NOLINT(google-explicit-constructor): as enabled

  constexpr bool is_valid() const noexcept { return false; }
  constexpr bool is_recording() const noexcept { return false; }
  constexpr bool is_sampled() const noexcept { return false; }
};

/// The same aggregate as the enabled build, so `{"name", "op", parent}` still compiles.
struct span_options {
  std::string_view name;
  std::string_view op;
  span_ref parent{};
  std::string_view origin{};
  transaction_source source = transaction_source::custom;
  bool force_transaction = false;
  span_attributes attributes{};
  std::size_t attribute_count = 0;
  span_time start_time{};
  constexpr span_attributes start_attributes() const noexcept {
    return attribute_count != 0 ? span_attributes(attributes.data(), attribute_count) : attributes;
  }
};

/// An empty, move-only handle: every setter does nothing, every query says "no span".
class span {
 public:
  constexpr span() noexcept = default;
  span(span&&) noexcept = default;
  span& operator=(span&&) noexcept = default;
  span(const span&) = delete;
  span& operator=(const span&) = delete;
  // User-provided, as the enabled build's: a type with a non-trivial destructor is a guard to
  // compilers, so `auto s = start_span_manual(a); s = start_span_manual(b);` with nothing else
  // done to `s` raises no -Wunused-but-set-variable, in either mode. It inlines to nothing.
  ~span() {}

  void set_attribute(std::string_view, std::string_view) noexcept {}
  void set_attribute(std::string_view, const char*) noexcept {}
  void set_attribute(std::string_view, double) noexcept {}
  void set_attribute(std::string_view, bool) noexcept {}
  void set_attribute(std::string_view, std::int64_t) noexcept {}
  template <class S, std::enable_if_t<detail::is_attribute_string_v<S>, int> = 0>
  void set_attribute(std::string_view, const S&) noexcept {}
  void set_attribute(std::string_view, char) noexcept {}
  void set_attribute(std::string_view, float) noexcept {}
  void set_attribute(std::string_view, long double) noexcept {}
  template <class Int, std::enable_if_t<detail::is_attribute_integer_v<Int> && !std::is_same_v<Int, std::int64_t>, int> = 0>
  void set_attribute(std::string_view, Int) noexcept {}
  void set_attribute(std::string_view, const attribute_value&) noexcept {}
  template <class T, std::enable_if_t<detail::is_non_text_pointee_v<T>, int> = 0>
  void set_attribute(std::string_view, T*) = delete;
  void set_attributes(span_attributes) noexcept {}
  void set_status(span_status) noexcept {}
  void set_status(span_status, std::string_view) noexcept {}
  void set_http_status(int) noexcept {}
  void set_name(std::string_view) noexcept {}
  void set_name(std::string_view, transaction_source) noexcept {}
  void set_op(std::string_view) noexcept {}
  void set_origin(std::string_view) noexcept {}
  void end() noexcept {}
  void end(span_time) noexcept {}

  bool is_active() const noexcept { return false; }
  bool is_recording() const noexcept { return false; }
  bool is_sampled() const noexcept { return false; }
  trace_id trace() const noexcept { return trace_id{}; }
  span_id id() const noexcept { return span_id{}; }
  span_ref ref() const noexcept { return span_ref{}; }
};

// ---- sampling.hpp ----------------------------------------------------------------------------

/// Accepts any callable `double(const sampling_context&)` and keeps nothing: the sampler is
/// never called, so the lambda's body is never instantiated into the program.
class traces_sampler_fn {
 public:
  constexpr traces_sampler_fn() noexcept = default;
  constexpr traces_sampler_fn(std::nullptr_t) noexcept {}  // NOLINT: implicit as enabled
  template <class F, class D = std::decay_t<F>,
            std::enable_if_t<!std::is_same_v<D, traces_sampler_fn> &&
                                 std::is_invocable_r_v<double, D&, const sampling_context&>,
                             int> = 0>
  constexpr traces_sampler_fn(F&&) noexcept {  // NOLINT: implicit as enabled
    // The enabled build's rules (sampling.hpp), so a sampler it would refuse is refused here too.
    static_assert(sizeof(D) <= 64, "callable too large to store inline: capture less (pointers, not copies)");
    static_assert(std::is_trivially_copyable_v<D> && std::is_trivially_destructible_v<D>,
                  "the callable must be trivially copyable: capture plain values or pointers, not std::string etc.");
  }
  void reset() noexcept {}
  explicit operator bool() const noexcept { return false; }
  double operator()(const sampling_context&) const noexcept { return 0.0; }
};

struct sampling_decision {
  bool sampled = false;
  double sample_rate = 0.0;
  bool sample_rate_known = false;
  bool rate_invalid = false;
  bool sampler_threw = false;
};

// ---- envelope.hpp, transport.hpp, pool.hpp ---------------------------------------------------

struct span_view {
  span_id id;
  span_id parent;
  std::string_view op = "";
  std::string_view name = "";
  std::int64_t start_epoch_us = 0;
  std::int64_t end_epoch_us = 0;
  span_status status = span_status::ok;
  bool is_root = false;
};

/// A transaction with no spans (none is ever built: transports are never called).
class transaction_view {
 public:
  std::string_view name() const noexcept { return ""; }
  trace_id trace() const noexcept { return trace_id{}; }
  std::size_t span_count() const noexcept { return 0; }
  span_view span_at(std::size_t) const noexcept { return span_view{}; }
};

class envelope_view {
 public:
  constexpr envelope_view() noexcept = default;
  constexpr envelope_view(std::string_view bytes, const transaction_view* txn, bool client_report_only,
                          std::uint32_t = 0) noexcept
      : bytes_(bytes), transaction_(txn), client_report_only_(client_report_only) {}
  std::string_view bytes() const noexcept { return bytes_; }
  const transaction_view* transaction() const noexcept { return transaction_; }
  bool is_client_report() const noexcept { return client_report_only_; }
  std::uint32_t span_items() const noexcept { return 0; }

 private:
  std::string_view bytes_ = "";
  const transaction_view* transaction_ = nullptr;
  bool client_report_only_ = false;
};

/// The transport interface, unchanged, so a user's transport still compiles. The library never
/// calls it with tracing compiled out.
class transport {
 public:
  virtual void send(envelope_view envelope) = 0;
  virtual bool flush(std::uint32_t) { return true; }
  static void report_lost(const envelope_view&, discard_reason) noexcept {}

 protected:
  transport() = default;
  transport(const transport&) = default;
  transport& operator=(const transport&) = default;
  ~transport() = default;
};

class null_transport final : public transport {
 public:
  void send(envelope_view) override {}
};

class callback_transport final : public transport {
 public:
  using send_fn = void (*)(const char* bytes, std::size_t size, void* user);
  constexpr callback_transport(send_fn, void*) noexcept {}
  void send(envelope_view) override {}
};

#if SENTRY_TRACE_HOSTED
class file_transport final : public transport {
 public:
  explicit file_transport(std::string_view) noexcept {}
  void send(envelope_view) override {}
  std::uint32_t written() const noexcept { return 0; }
};

class console_transport final : public transport {
 public:
  explicit console_transport(std::FILE* = stdout) noexcept {}
  void send(envelope_view) override {}
  void print(const transaction_view&) {}
};
/// Options of the built-in transport; accepted and ignored.
struct http_transport_options {
  std::string_view url = "";
  std::string_view auth_header = "";
  bool use_worker = true;
  bool gzip = false;
  std::uint32_t max_attempts = 4;
  std::uint32_t retry_base_ms = 1000;
  std::size_t queue_bytes = 0;
  bool count_losses = true;
  void (*on_worker_tick)(void* user) = nullptr;
  void* tick_user = nullptr;
};

/// Delivers nothing; every call reports success ("nothing to do"), as init() does.
class http_transport final : public transport {
 public:
  bool configure(const http_transport_options&) noexcept { return true; }
  bool configure_for_dsn(std::string_view, http_transport_options = {}) noexcept { return true; }
  bool start() noexcept { return true; }
  void send(envelope_view) override {}
  bool poll(std::uint64_t) noexcept { return true; }
  bool flush(std::uint32_t) override { return true; }
  bool stop(std::uint32_t) noexcept { return true; }
  bool forget_after_fork() noexcept { return true; }
  bool idle() const noexcept { return true; }
  std::size_t queued() const noexcept { return 0; }
  const char* last_error() const noexcept { return ""; }
  bool has_worker() const noexcept { return false; }
#  if SENTRY_TRACE_WITH_ZLIB
  bool gzip_active() const noexcept { return false; }
#  endif
};
#endif // SENTRY_TRACE_HOSTED

/// No pools: an empty type, so `options.storage = &my_storage` still compiles.
struct storage {};
/// 0: tracing compiled out uses no RAM.
constexpr std::size_t storage_bytes() noexcept { return 0; }

// ---- options.hpp -----------------------------------------------------------------------------

enum class delivery_mode : std::uint8_t { worker, poll };
enum class profile_lifecycle : std::uint8_t { manual, trace };
enum class trace_lifecycle : std::uint8_t { static_, stream };

/// The same aggregate as the enabled build; init() reads none of it.
struct options {
  static constexpr double unset = -1.0;

  std::string_view dsn = "";
  std::string_view release = "";
  std::string_view environment = "";
  std::string_view server_name = "";
  std::string_view org_id = "";
  double traces_sample_rate = unset;
  traces_sampler_fn traces_sampler{};
  std::uint32_t max_spans = SENTRY_TRACE_MAX_SPANS;
  bool debug = false;
  log_hook log{};
  ::sentry_trace::transport* transport = nullptr;
  bool serialize_on_worker = false;
  ::sentry_trace::storage* storage = nullptr;
  clock_hook clock{};
  wall_clock_hook wall_clock{};
  entropy_hook entropy{};
  lock_hook lock{};
  bool send_client_reports = true;
  ::sentry_trace::trace_lifecycle trace_lifecycle = ::sentry_trace::trace_lifecycle::static_;
  const std::string_view* trace_propagation_targets = nullptr;
  std::size_t trace_propagation_target_count = 0;
  bool propagate_traceparent = false;
  bool send_default_pii = false;
  delivery_mode delivery = delivery_mode::worker;
  std::string_view http_proxy = "";
  std::string_view ca_file = "";
  bool http_compression = true;
  std::string_view spotlight = "";
  before_send_hook before_send{};
  before_send_transaction_hook before_send_transaction{};
  const std::string_view* ignore_transactions = nullptr;
  std::size_t ignore_transaction_count = 0;
  double profiles_sample_rate = unset;
  traces_sampler_fn profiles_sampler{};
  double profile_session_sample_rate = unset;
  ::sentry_trace::profile_lifecycle profile_lifecycle = ::sentry_trace::profile_lifecycle::manual;
  std::uint32_t profiler_frequency_hz = 101;
  bool attach_stacktrace = false;
  const std::string_view* in_app_include = nullptr;
  std::size_t in_app_include_count = 0;
};

/// True: "tracing is compiled out" is not a failure, so `if (!init(o))` error paths stay quiet
/// and `assert(init(o))` holds. is_enabled() tells the truth (false).
inline bool init(const options&) noexcept { return true; }
/// True: nothing is pending.
inline bool flush(std::uint32_t) noexcept { return true; }
/// True: nothing is pending.
inline bool shutdown(std::uint32_t) noexcept { return true; }
/// False: nothing is recorded.
inline bool is_enabled() noexcept { return false; }
/// False: nothing is recorded.
inline bool should_send_default_pii() noexcept { return false; }
/// All zero.
inline stats get_stats() noexcept { return stats{}; }

// ---- api.hpp ---------------------------------------------------------------------------------

/// Runs fn(span&) with an empty span and returns its result (references and void included).
template <class Fn> decltype(auto) start_span(const span_options&, Fn&& fn) {
  span s;
  return std::forward<Fn>(fn)(s);
}
[[nodiscard]] inline span start_span_manual(const span_options&) noexcept { return span{}; }
[[nodiscard]] inline span start_inactive_span(const span_options&) noexcept { return span{}; }

/// An empty type (no storage at all: std::is_empty_v holds); get() and -> give an empty span.
class scoped_span : private span {
 public:
  explicit scoped_span(const span_options&) noexcept {}
  scoped_span(const scoped_span&) = delete;
  scoped_span& operator=(const scoped_span&) = delete;
  span& get() noexcept { return *this; }
  span* operator->() noexcept { return this; }
};

inline span_ref active_span() noexcept { return span_ref{}; }
inline span_time now() noexcept { return span_time{}; }
/// Runs fn() and returns its result.
template <class Fn> decltype(auto) suppress_tracing(Fn&& fn) { return std::forward<Fn>(fn)(); }
inline void set_measurement(std::string_view, double, std::string_view = "none") noexcept {}
inline bool poll(std::uint32_t) noexcept { return true; }

// ---- distributed.hpp -------------------------------------------------------------------------

/// Every view empty (""), never null: send no trace headers. Neither copyable nor movable, as in the enabled
/// build (whose baggage view points at the calling thread's buffer, valid until its next
/// get_trace_headers() or inject()), so code that would break there breaks here too.
class trace_headers {
 public:
  std::string_view sentry_trace = "";
  std::string_view baggage = "";
  std::string_view traceparent = "";

  trace_headers() noexcept = default;
  trace_headers(const trace_headers&) = delete;
  trace_headers& operator=(const trace_headers&) = delete;
  // Where the enabled build writes the two fixed-size headers; empty here.
  char sentry_trace_buf[51] = {};
  char traceparent_buf[55] = {};
};

/// Runs fn() and returns its result; the headers are not read.
template <class Fn> decltype(auto) continue_trace(std::string_view, std::string_view, Fn&& fn) {
  return std::forward<Fn>(fn)();
}
template <class Fn>
decltype(auto) continue_trace(std::string_view, std::string_view, std::string_view, Fn&& fn) {
  return std::forward<Fn>(fn)();
}
inline trace_headers get_trace_headers() noexcept { return trace_headers(); }
inline trace_headers get_trace_headers(const span_ref&) noexcept { return trace_headers(); }
/// False, and carrier.set() is not called.
template <class Carrier> bool inject(Carrier&, std::string_view = {}) noexcept { return false; }
/// Runs fn() and returns its result; carrier.get() is not called.
template <class Carrier, class Fn> decltype(auto) extract(const Carrier&, Fn&& fn) {
  return std::forward<Fn>(fn)();
}
/// False: nothing was sent.
inline bool capture_exception(std::string_view, std::string_view) noexcept { return false; }
inline bool capture_exception(std::string_view, std::string_view, const event_options&) noexcept { return false; }
#if SENTRY_TRACE_EXCEPTIONS
inline bool capture_exception(const std::exception&, std::string_view = {}) noexcept { return false; }
inline bool capture_exception(const std::exception&, const event_options&, std::string_view = {}) noexcept { return false; }
#endif
inline bool capture_message(std::string_view, level = level::info) noexcept { return false; }
inline bool capture_message(std::string_view, level, const event_options&) noexcept { return false; }

// ---- active.hpp ------------------------------------------------------------------------------

/// Names no span; each setter takes exactly what span's setter of that name takes (so code the
/// enabled build rejects is rejected here too) and does nothing.
class borrowed_span {
 public:
  constexpr borrowed_span() noexcept = default;
  constexpr explicit borrowed_span(const span_ref&) noexcept {}

  template <class... Args>
  auto set_attribute(Args&&... args) noexcept -> decltype(std::declval<span&>().set_attribute(std::forward<Args>(args)...)) {}
  void set_attributes(span_attributes) noexcept {}
  template <class... Args>
  auto set_status(Args&&... args) noexcept -> decltype(std::declval<span&>().set_status(std::forward<Args>(args)...)) {}
  template <class... Args>
  auto set_http_status(Args&&... args) noexcept
      -> decltype(std::declval<span&>().set_http_status(std::forward<Args>(args)...)) {}
  template <class... Args>
  auto set_name(Args&&... args) noexcept -> decltype(std::declval<span&>().set_name(std::forward<Args>(args)...)) {}
  template <class... Args>
  auto set_op(Args&&... args) noexcept -> decltype(std::declval<span&>().set_op(std::forward<Args>(args)...)) {}
  template <class... Args>
  auto set_origin(Args&&... args) noexcept -> decltype(std::declval<span&>().set_origin(std::forward<Args>(args)...)) {}

  bool is_valid() const noexcept { return false; }
  bool is_recording() const noexcept { return false; }
  bool is_sampled() const noexcept { return false; }
  trace_id trace() const noexcept { return trace_id{}; }
  span_id id() const noexcept { return span_id{}; }
  span_ref ref() const noexcept { return span_ref{}; }
  operator span_ref() const noexcept { return span_ref{}; }  // NOLINT(google-explicit-constructor): as enabled
};

/// An empty borrowed_span: there is never an active span.
[[nodiscard]] inline borrowed_span get_active_span() noexcept { return borrowed_span{}; }
/// Run fn() and return its result.
template <class Fn> decltype(auto) with_active_span(const span_ref&, Fn&& fn) { return std::forward<Fn>(fn)(); }
template <class Fn> decltype(auto) with_active_span(std::nullptr_t, Fn&& fn) { return std::forward<Fn>(fn)(); }
template <class Fn> decltype(auto) start_new_trace(Fn&& fn) { return std::forward<Fn>(fn)(); }

// ---- frames.hpp ------------------------------------------------------------------------------

struct frame_tracker_options {
  std::uint32_t target_frame_ns = 16'666'667;
  std::uint64_t frozen_frame_ns = 700'000'000;
};

/// An empty type: counts nothing, attaches nothing; every counter reads 0 and thresholds()
/// gives the defaults.
class frame_tracker {
 public:
  explicit frame_tracker(frame_tracker_options = {}) noexcept {}
  void record_frame(std::uint64_t) noexcept {}
  void begin_frame() noexcept {}
  void end_frame() noexcept {}
  void attach(span* = nullptr) noexcept {}
  std::uint64_t total() const noexcept { return 0; }
  std::uint64_t slow() const noexcept { return 0; }
  std::uint64_t frozen() const noexcept { return 0; }
  double delay_seconds() const noexcept { return 0.0; }
  std::uint64_t delay_ns() const noexcept { return 0; }
  frame_tracker_options thresholds() const noexcept { return frame_tracker_options{}; }
  void reset() noexcept {}
};

SENTRY_TRACE_DETAIL_END

#endif // !SENTRY_TRACE_ENABLED
#endif // SENTRY_TRACE_DISABLED_HPP

// end of part: include/sentry_trace/face/disabled.hpp
#endif // SENTRY_TRACE_ENABLED

// =================================================================================================
// part: include/sentry_trace/face/macros.hpp
// =================================================================================================

// sentry_trace/macros.hpp -- SENTRY_TRACE_SCOPE and SENTRY_TRACE_FUNCTION
//
// WHAT IT DOES  Scoped spans that say where they were opened, in one line:
//                 void load_level(int id) {
//                   SENTRY_TRACE_FUNCTION();                   // op "function", named after load_level
//                   { SENTRY_TRACE_SCOPE("file.read", "level.bin"); read(...); }
//                 }
//               Each declares a `sentry_trace::scoped_span` that is active until the end of the
//               enclosing block and carries Sentry's code attributes (as the Python SDK's query
//               source does): code.function (string, the bare function name: __func__),
//               code.filepath (string, __FILE__ as the compiler was given it; -ffile-prefix-map
//               shortens it) and code.lineno (integer).
//                 SENTRY_TRACE_SCOPE(op, name)  op and name: anything convertible to std::string_view
//                 SENTRY_TRACE_FUNCTION()       op "function"; name: the full signature
// WHY THE FULL SIGNATURE  SENTRY_TRACE_FUNCTION names its span with __PRETTY_FUNCTION__
//               (__FUNCSIG__ on MSVC), e.g. "void game::world::update(float)", not __func__
//               ("update"). Sentry groups spans by op and name in its performance views: with
//               bare names `physics::update` and `audio::update` would be one row, as would every
//               lambda ("operator()") and every overload. The signature is also how Sentry shows a
//               native stack frame, so a span reads like the frames of a crash in the same
//               function. The bare name is still there, in code.function. Compilers without
//               either extension get __func__.
// COST          The function, file and line are a `static constexpr` record at the call site;
//               the three attributes are built on the stack from it and copied into the
//               transaction's arena when the span starts (span_options::attributes), like any
//               start-time attribute. An unsampled span costs what scoped_span costs.
// LIMITS        The variable is named after __LINE__: one macro per line (two on one line fail
//               to compile with a redefinition error). Use them at block scope only.
// COMPILED OUT  With SENTRY_TRACE_ENABLED=0 both macros expand to `static_cast<void>(0)`: their
//               arguments are not evaluated (a function call passed as `name` does not run), and
//               the trailing `;` is still legal. A helper used only inside these macros is then
//               unused: mark it [[maybe_unused]] if -Wunused-function would complain.

#ifndef SENTRY_TRACE_MACROS_HPP
#define SENTRY_TRACE_MACROS_HPP

#define SENTRY_TRACE_DETAIL_CONCAT2(a, b) a##b
#define SENTRY_TRACE_DETAIL_CONCAT(a, b) SENTRY_TRACE_DETAIL_CONCAT2(a, b)

#if SENTRY_TRACE_ENABLED

#include <string_view>

#if defined(_MSC_VER) && !defined(__clang__)
#  define SENTRY_TRACE_DETAIL_PRETTY_FUNCTION __FUNCSIG__
#elif defined(__GNUC__) || defined(__clang__)
#  define SENTRY_TRACE_DETAIL_PRETTY_FUNCTION __PRETTY_FUNCTION__
#else
#  define SENTRY_TRACE_DETAIL_PRETTY_FUNCTION __func__
#endif

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// Where a SENTRY_TRACE_SCOPE / SENTRY_TRACE_FUNCTION was written: constant, one per call site.
struct source_location {
  const char* function;  ///< __func__
  const char* file;      ///< __FILE__
  int line;              ///< __LINE__
};

/// Starts the scoped span of a macro call site with its three code attributes. Returned by
/// value into the caller's variable (guaranteed copy elision: scoped_span cannot move).
inline scoped_span start_scope(const source_location& loc, std::string_view op, std::string_view name) noexcept {
  const attribute attrs[3] = {
      {"code.function", loc.function},
      {"code.filepath", loc.file},
      {"code.lineno", loc.line},
  };
  span_options o;
  o.name = name;
  o.op = op;
  o.attributes = attrs;
  o.attribute_count = 3;
  return scoped_span(o);
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#define SENTRY_TRACE_DETAIL_SCOPE(var, op, name)                                                        \
  static constexpr ::sentry_trace::detail::source_location SENTRY_TRACE_DETAIL_CONCAT(var, _where){      \
      __func__, __FILE__, __LINE__};                                                                    \
  ::sentry_trace::scoped_span var = ::sentry_trace::detail::start_scope(SENTRY_TRACE_DETAIL_CONCAT(var, _where), (op), (name))

/// A span active until the end of the enclosing block, with code.function, code.filepath and
/// code.lineno. `op` and `name` are copied when the span starts.
#define SENTRY_TRACE_SCOPE(op, name) \
  SENTRY_TRACE_DETAIL_SCOPE(SENTRY_TRACE_DETAIL_CONCAT(sentry_trace_scope_, __LINE__), op, name)

/// SENTRY_TRACE_SCOPE("function", <the enclosing function's signature>).
#define SENTRY_TRACE_FUNCTION() \
  SENTRY_TRACE_DETAIL_SCOPE(SENTRY_TRACE_DETAIL_CONCAT(sentry_trace_scope_, __LINE__), "function", SENTRY_TRACE_DETAIL_PRETTY_FUNCTION)

#else // ---- SENTRY_TRACE_ENABLED=0: the twins (disabled.hpp) ------------------------------------

/// Compiled out: nothing, and `op` and `name` are not evaluated.
#define SENTRY_TRACE_SCOPE(op, name) static_cast<void>(0)
/// Compiled out: nothing.
#define SENTRY_TRACE_FUNCTION() static_cast<void>(0)

#endif // SENTRY_TRACE_ENABLED

#endif // SENTRY_TRACE_MACROS_HPP

// end of part: include/sentry_trace/face/macros.hpp

#endif // SENTRY_TRACE_HPP

// The library itself: compiled by the TU that defines SENTRY_TRACE_IMPLEMENTATION (its
// definitions), or seen by one that defines SENTRY_TRACE_INTERNALS (its parts, no definitions).
// Outside the include guard above, so a TU that included the face earlier still gets it here.
#if SENTRY_TRACE_ENABLED
#if defined(SENTRY_TRACE_IMPLEMENTATION) || defined(SENTRY_TRACE_INTERNALS)

// =================================================================================================
// part: include/sentry_trace/core/platform.hpp
// =================================================================================================

// sentry_trace/platform.hpp -- hosted vs freestanding; default clock, entropy, lock and log hooks
//
// WHAT IT DOES  Gives hosted builds working defaults for the hooks through which the library
//               touches the outside world (declared in hooks.hpp, each a plain function
//               pointer plus a `void* user`, never std::function: it may allocate and throw).
//               Also the small portability layer the other parts share: atomics that vanish when
//               SENTRY_TRACE_THREADS=0, thread-local storage, and the id generator (a ChaCha8 keystream per thread).
// DOES NOT      allocate, throw, or fall back silently: on a freestanding build a missing clock
//               or entropy hook makes init() fail with a log line.
// CONFIG        SENTRY_TRACE_HOSTED, SENTRY_TRACE_THREADS.
// HOOKS         see each struct's comment in hooks.hpp for who calls it, when, and what it may do.

#ifndef SENTRY_TRACE_PLATFORM_HPP
#define SENTRY_TRACE_PLATFORM_HPP

// =================================================================================================
// part: include/sentry_trace/config.hpp
// =================================================================================================

// sentry_trace/config.hpp -- every compile-time switch, with its default, in one place
//
// WHAT IT DOES  Gives each SENTRY_TRACE_* switch a value (0/1 or a number) when the user has
//               not defined one, checks the values, and names the inline ABI namespace.
//               Switches take values, not presence: -DSENTRY_TRACE_ENABLED means 1, =0 means off.
//
// HALVES        Presence, not value (the stb convention), and defined before the first include:
//   SENTRY_TRACE_IMPLEMENTATION   this TU compiles the library: exactly one TU of the program
//                                 (src/sentry_trace.cpp under CMake and Meson)
//   SENTRY_TRACE_INTERNALS        this TU also sees the library's parts (core/, protocol/,
//                                 delivery/, runtime/) without their definitions
//               Without either, a TU compiles the face only (face/): declarations and the span
//               handle, nothing heavier than <cstdint>, <cstddef>, <cstring>, <string_view>.
//
// SWITCHES      (default)  meaning                                             every TU must agree?
//   SENTRY_TRACE_ENABLED          (1)    0: every call compiles to nothing (disabled.hpp); such
//                                        a TU shares nothing, so it links beside enabled ones,
//                                        and needs no implementation TU                         no
//   SENTRY_TRACE_MAX_SPANS        (1000) child spans per transaction (Sentry's cap); more are
//                                        dropped and counted as buffer_overflow                  yes
//   SENTRY_TRACE_MAX_TRANSACTIONS (8)    transactions recording at once; more are dropped
//                                        and counted as buffer_overflow                          yes
//   SENTRY_TRACE_MAX_ATTRIBUTES   (64)   attributes on one span; more are dropped and counted    yes
//   SENTRY_TRACE_ATTRIBUTE_POOL   (4096) attributes per transaction, all spans together          yes
//   SENTRY_TRACE_STRING_ARENA     (65536) bytes of copied strings per transaction; past it
//                                        strings are truncated (counted), never dangling         yes
//   SENTRY_TRACE_MAX_STRING       (1024) bytes kept of one name, op or string value              yes
//   SENTRY_TRACE_MAX_MEASUREMENTS (32)   measurements per transaction                            yes
//   SENTRY_TRACE_MAX_DEPTH        (64)   active spans nested on one thread                       yes
//   SENTRY_TRACE_MAX_THREADS      (128; 1 when single-threaded) threads that trace at once:
//                                        each holds a scope in static storage (a stack of
//                                        SENTRY_TRACE_MAX_DEPTH entries of 72 bytes on x86_64,
//                                        and its propagation scratch) until it exits and its
//                                        handed-over spans have ended; past it, a thread's spans
//                                        are not made active (counted as depth_overflows)       yes
//   SENTRY_TRACE_ENVELOPE_BYTES   (1 MiB) the envelope buffer; spans that do not fit are dropped
//                                        and counted, the transaction still goes out             yes
//   SENTRY_TRACE_QUEUE_BYTES      (2 MiB) the built-in HTTP transport's queue of envelopes
//                                        (transport_http.hpp); envelopes that do not fit are
//                                        dropped and counted as queue_overflow                   yes
//   SENTRY_TRACE_MAX_BAGGAGE      (8192) bytes of a baggage value; SENTRY_TRACE_MAX_DSC (1024)
//                                        bytes of its Sentry members (propagation.hpp)           yes
//   SENTRY_TRACE_THREADS          (auto: 1 when hosted) 0: single-threaded, no atomics           yes
//   SENTRY_TRACE_EXCEPTIONS       (auto from __cpp_exceptions) 1: exceptions leaving a user
//                                        callback end the span with internal_error               no
//   SENTRY_TRACE_HOSTED           (auto from __STDC_HOSTED__) 0: no libc clock, entropy, env,
//                                        stdio or file transport; hooks are required             yes
//   SENTRY_TRACE_WITH_MBEDTLS     (0)    1: HTTPS through mbedTLS (transport_http.hpp)           yes
//   SENTRY_TRACE_WITH_ZLIB        (0)    1: gzip bodies through zlib, -lz (transport_http.hpp)   yes
//   SENTRY_TRACE_SAMPLING         (SENTRY_TRACE_SAMPLING_RUNTIME) the sampling policy, fixed at
//                                        compile time (sampling.hpp, detail::sampling_policy):    yes
//                                 _RUNTIME (0) traces_sampler, then an incoming parent decision,
//                                        then traces_sample_rate: the official SDKs' rule
//                                 _ALWAYS (1) every new transaction sampled, sample_rate 1
//                                 _NEVER  (2) no tracing compiled in: every span call returns an
//                                        empty handle at once (callbacks still run) and folds
//                                        away (tests/codegen); continue_trace()/get_trace_headers()
//                                        still pass incoming traces on unchanged
//                                 _RATIO  (3) sampled when sample_rand < PERMILLE / 1000
//                                        (SENTRY_TRACE_SAMPLING_RATIO_PERMILLE, 0..1000, required)
//                                 ALWAYS, NEVER and RATIO ignore traces_sampler, traces_sample_rate
//                                 and an incoming parent decision: only RUNTIME inherits it.
//   SENTRY_TRACE_STREAMING        (1)    0: no span streaming code (options.trace_lifecycle = stream
//                                        then logs a warning and sends transactions); saves about
//                                        5 KiB of flash on a Cortex-M4                          yes
//   SENTRY_TRACE_DOUBLES          (1)    how doubles are written (attribute and measurement values,
//                                        sample rates; json.hpp): 1: shortest round-trip text, as
//                                        JavaScript prints it; 0: compact, for small targets: six
//                                        decimals by integer arithmetic, trailing zeros trimmed
//                                        ("21.5", "0.000001"; 1e-7 is "0"; values past 2^64 as
//                                        digits + "e+N", about 16 significant digits), NaN/inf
//                                        "null". Rates are read from text (baggage,
//                                        SENTRY_TRACES_SAMPLE_RATE) to six decimals and decided
//                                        in millionths (sampling.hpp): the same decisions for
//                                        rates of at most six decimals. No floating-point
//                                        arithmetic at all, so a Cortex-M4 links no soft-float
//                                        routine: a precision trade-off for less flash          yes
//   SENTRY_TRACE_LOG_TEXT         (HOSTED) 1: diagnostics reach the log hook as sentences; 0 (the
//                                        default on a freestanding build): as "#N" plus the value
//                                        they name, if any, where N is the line of the log call
//                                        in the library's header that makes it (grep -n there,
//                                        or in single_include/sentry_trace.hpp with the single
//                                        header), and to_string(dsn_error) gives the
//                                        enumerator's name: the sentences stay out of flash
//                                        (1.7 KiB of flash on a Cortex-M4)                      no
//
// AGREE         "yes": TUs of one program that include the enabled library must agree on the
//               value. On ELF targets a program whose TUs disagree fails to link, naming
//               sentry_trace_translation_units_disagree_on_SENTRY_TRACE_switches (see "the
//               layout guard" below); put the switches in one place (the build system, or a
//               header included first).
// RAM           see pool.hpp: storage_bytes() gives the whole figure for the switches in force.

#ifndef SENTRY_TRACE_CONFIG_HPP
#define SENTRY_TRACE_CONFIG_HPP

#ifndef SENTRY_TRACE_ENABLED
#  define SENTRY_TRACE_ENABLED 1
#endif

#ifndef SENTRY_TRACE_MAX_SPANS
#  define SENTRY_TRACE_MAX_SPANS 1000
#endif
#ifndef SENTRY_TRACE_MAX_TRANSACTIONS
#  define SENTRY_TRACE_MAX_TRANSACTIONS 8
#endif
#ifndef SENTRY_TRACE_MAX_ATTRIBUTES
#  define SENTRY_TRACE_MAX_ATTRIBUTES 64
#endif
#ifndef SENTRY_TRACE_ATTRIBUTE_POOL
#  define SENTRY_TRACE_ATTRIBUTE_POOL 4096
#endif
#ifndef SENTRY_TRACE_STRING_ARENA
#  define SENTRY_TRACE_STRING_ARENA 65536
#endif
#ifndef SENTRY_TRACE_MAX_STRING
#  define SENTRY_TRACE_MAX_STRING 1024
#endif
#ifndef SENTRY_TRACE_MAX_MEASUREMENTS
#  define SENTRY_TRACE_MAX_MEASUREMENTS 32
#endif
#ifndef SENTRY_TRACE_MAX_DEPTH
#  define SENTRY_TRACE_MAX_DEPTH 64
#endif
#ifndef SENTRY_TRACE_ENVELOPE_BYTES
#  define SENTRY_TRACE_ENVELOPE_BYTES (1024 * 1024)
#endif

#ifndef SENTRY_TRACE_QUEUE_BYTES
#  define SENTRY_TRACE_QUEUE_BYTES (2 * 1024 * 1024)
#endif
// The two baggage limits are documented with the baggage class (propagation.hpp); a block's
// frozen DSC is a baggage, so they shape the pools too.
#ifndef SENTRY_TRACE_MAX_BAGGAGE
#  define SENTRY_TRACE_MAX_BAGGAGE 8192
#endif
#ifndef SENTRY_TRACE_MAX_DSC
#  define SENTRY_TRACE_MAX_DSC 1024
#endif
#if SENTRY_TRACE_MAX_BAGGAGE < 512 || SENTRY_TRACE_MAX_BAGGAGE > 1048576
#  error "SENTRY_TRACE_MAX_BAGGAGE must be between 512 and 1048576 bytes (W3C asks for at least 8192)"
#endif
#if SENTRY_TRACE_MAX_DSC < 256 || SENTRY_TRACE_MAX_DSC > 65535
#  error "SENTRY_TRACE_MAX_DSC must be between 256 and 65535 bytes"
#endif

#ifndef SENTRY_TRACE_HOSTED
#  if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#    define SENTRY_TRACE_HOSTED 1
#  else
#    define SENTRY_TRACE_HOSTED 0
#  endif
#endif

#ifndef SENTRY_TRACE_THREADS
#  define SENTRY_TRACE_THREADS SENTRY_TRACE_HOSTED
#endif
#ifndef SENTRY_TRACE_MAX_THREADS
#  if SENTRY_TRACE_THREADS
#    define SENTRY_TRACE_MAX_THREADS 128
#  else
#    define SENTRY_TRACE_MAX_THREADS 1
#  endif
#endif

#ifndef SENTRY_TRACE_EXCEPTIONS
#  if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#    define SENTRY_TRACE_EXCEPTIONS 1
#  else
#    define SENTRY_TRACE_EXCEPTIONS 0
#  endif
#endif
#if SENTRY_TRACE_EXCEPTIONS && !(defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND))
#  error "SENTRY_TRACE_EXCEPTIONS=1 but this build has no exceptions"
#endif

#ifndef SENTRY_TRACE_WITH_MBEDTLS
#  define SENTRY_TRACE_WITH_MBEDTLS 0
#endif
#ifndef SENTRY_TRACE_WITH_ZLIB
#  define SENTRY_TRACE_WITH_ZLIB 0
#endif

#ifndef SENTRY_TRACE_STREAMING
#  define SENTRY_TRACE_STREAMING 1
#endif
#if SENTRY_TRACE_STREAMING != 0 && SENTRY_TRACE_STREAMING != 1
#  error "SENTRY_TRACE_STREAMING must be 0 or 1"
#endif

#ifndef SENTRY_TRACE_DOUBLES
#  define SENTRY_TRACE_DOUBLES 1
#endif
#if SENTRY_TRACE_DOUBLES != 0 && SENTRY_TRACE_DOUBLES != 1
#  error "SENTRY_TRACE_DOUBLES must be 0 or 1"
#endif

#ifndef SENTRY_TRACE_LOG_TEXT
#  define SENTRY_TRACE_LOG_TEXT SENTRY_TRACE_HOSTED
#endif
#if SENTRY_TRACE_LOG_TEXT != 0 && SENTRY_TRACE_LOG_TEXT != 1
#  error "SENTRY_TRACE_LOG_TEXT must be 0 or 1"
#endif

// Code kept out of line, so that it is not copied into each of its callers: _OUT_OF_LINE for
// code some callers take often, _COLD for code taken rarely (errors, drops), which GCC and clang
// also move out of the way of hot code. Other compilers decide as they see fit.
#if defined(__GNUC__) || defined(__clang__)
#  define SENTRY_TRACE_DETAIL_OUT_OF_LINE [[gnu::noinline]]
#  define SENTRY_TRACE_DETAIL_COLD [[gnu::cold, gnu::noinline]]
#else
#  define SENTRY_TRACE_DETAIL_OUT_OF_LINE
#  define SENTRY_TRACE_DETAIL_COLD
#endif

#define SENTRY_TRACE_SAMPLING_RUNTIME 0
#define SENTRY_TRACE_SAMPLING_ALWAYS 1
#define SENTRY_TRACE_SAMPLING_NEVER 2
#define SENTRY_TRACE_SAMPLING_RATIO 3
#ifndef SENTRY_TRACE_SAMPLING
#  define SENTRY_TRACE_SAMPLING SENTRY_TRACE_SAMPLING_RUNTIME
#endif

#if SENTRY_TRACE_MAX_SPANS < 1 || SENTRY_TRACE_MAX_SPANS > 65000
#  error "SENTRY_TRACE_MAX_SPANS must be between 1 and 65000"
#endif
#if SENTRY_TRACE_MAX_TRANSACTIONS < 1 || SENTRY_TRACE_MAX_TRANSACTIONS > 4096
#  error "SENTRY_TRACE_MAX_TRANSACTIONS must be between 1 and 4096"
#endif
#if SENTRY_TRACE_MAX_THREADS < 1 || SENTRY_TRACE_MAX_THREADS > 65535 || (!SENTRY_TRACE_THREADS && SENTRY_TRACE_MAX_THREADS != 1)
#  error "SENTRY_TRACE_MAX_THREADS must be between 1 and 65535 (1 when SENTRY_TRACE_THREADS=0)"
#endif
#if SENTRY_TRACE_ATTRIBUTE_POOL < 1 || SENTRY_TRACE_ATTRIBUTE_POOL > 65000
#  error "SENTRY_TRACE_ATTRIBUTE_POOL must be between 1 and 65000"
#endif
#if SENTRY_TRACE_MAX_ATTRIBUTES < 1 || SENTRY_TRACE_MAX_ATTRIBUTES > 255
#  error "SENTRY_TRACE_MAX_ATTRIBUTES must be between 1 and 255"
#endif
#if SENTRY_TRACE_STRING_ARENA < 256
#  error "SENTRY_TRACE_STRING_ARENA must be at least 256 bytes"
#endif
#if SENTRY_TRACE_ENVELOPE_BYTES < 4096
#  error "SENTRY_TRACE_ENVELOPE_BYTES must be at least 4096 bytes"
#endif
#if SENTRY_TRACE_QUEUE_BYTES < 4096
#  error "SENTRY_TRACE_QUEUE_BYTES must be at least 4096 bytes"
#endif
#if SENTRY_TRACE_SAMPLING < 0 || SENTRY_TRACE_SAMPLING > 3
#  error "SENTRY_TRACE_SAMPLING must be SENTRY_TRACE_SAMPLING_RUNTIME, _ALWAYS, _NEVER or _RATIO (0..3)"
#endif
#if SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_RATIO
#  ifndef SENTRY_TRACE_SAMPLING_RATIO_PERMILLE
#    error "SENTRY_TRACE_SAMPLING_RATIO needs SENTRY_TRACE_SAMPLING_RATIO_PERMILLE (0..1000)"
#  elif SENTRY_TRACE_SAMPLING_RATIO_PERMILLE < 0 || SENTRY_TRACE_SAMPLING_RATIO_PERMILLE > 1000
#    error "SENTRY_TRACE_SAMPLING_RATIO_PERMILLE must be between 0 and 1000"
#  endif
#endif

// Settings that change the layout of shared state are folded into the inline namespace, so a
// program whose translation units disagree fails to link instead of breaking the ODR quietly.
// The sampling policy is one of them (it changes what the span path's inline functions do); a
// ratio carries its permille too: abi_..._0 for RUNTIME, abi_..._3r500 for RATIO 500.
#if SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_RATIO
#  define SENTRY_TRACE_DETAIL_RATIO_KEY2(p, r) p##r
#  define SENTRY_TRACE_DETAIL_RATIO_KEY(p, r) SENTRY_TRACE_DETAIL_RATIO_KEY2(p, r)
#  define SENTRY_TRACE_DETAIL_SAMPLING_KEY SENTRY_TRACE_DETAIL_RATIO_KEY(3r, SENTRY_TRACE_SAMPLING_RATIO_PERMILLE)
#else
#  define SENTRY_TRACE_DETAIL_SAMPLING_KEY SENTRY_TRACE_SAMPLING
#endif
// The compact double format (SENTRY_TRACE_DOUBLES=0) changes inline formatting code: a "c"
// after the sampling key (abi_..._0c); the default build's names are unchanged.
#if !SENTRY_TRACE_DOUBLES
#  define SENTRY_TRACE_DETAIL_KEY_C2(k) k##c
#  define SENTRY_TRACE_DETAIL_KEY_C(k) SENTRY_TRACE_DETAIL_KEY_C2(k)
#  define SENTRY_TRACE_DETAIL_FORMAT_KEY SENTRY_TRACE_DETAIL_KEY_C(SENTRY_TRACE_DETAIL_SAMPLING_KEY)
#else
#  define SENTRY_TRACE_DETAIL_FORMAT_KEY SENTRY_TRACE_DETAIL_SAMPLING_KEY
#endif
// Span streaming compiled out (SENTRY_TRACE_STREAMING=0) changes the span path's inline code:
// an "n" after the format key (abi_..._0n, abi_..._0cn).
#if !SENTRY_TRACE_STREAMING
#  define SENTRY_TRACE_DETAIL_KEY_N2(k) k##n
#  define SENTRY_TRACE_DETAIL_KEY_N(k) SENTRY_TRACE_DETAIL_KEY_N2(k)
#  define SENTRY_TRACE_DETAIL_BUILD_KEY SENTRY_TRACE_DETAIL_KEY_N(SENTRY_TRACE_DETAIL_FORMAT_KEY)
#else
#  define SENTRY_TRACE_DETAIL_BUILD_KEY SENTRY_TRACE_DETAIL_FORMAT_KEY
#endif
#define SENTRY_TRACE_DETAIL_CAT2(a, b, c, d, e, f) abi_##a##_##b##_##c##_##d##_##e##_##f
#define SENTRY_TRACE_DETAIL_CAT(a, b, c, d, e, f) SENTRY_TRACE_DETAIL_CAT2(a, b, c, d, e, f)
#define SENTRY_TRACE_DETAIL_ABI                                                                     \
  SENTRY_TRACE_DETAIL_CAT(SENTRY_TRACE_ENABLED, SENTRY_TRACE_MAX_SPANS, SENTRY_TRACE_MAX_TRANSACTIONS, \
                          SENTRY_TRACE_THREADS, SENTRY_TRACE_HOSTED, SENTRY_TRACE_DETAIL_BUILD_KEY)
#define SENTRY_TRACE_DETAIL_BEGIN namespace sentry_trace { inline namespace SENTRY_TRACE_DETAIL_ABI {
#define SENTRY_TRACE_DETAIL_END } }

// ---- the layout guard ---------------------------------------------------------------------------
// The inline namespace above keeps two configurations from sharing one definition, but it also
// lets them link side by side: a TU built with another SENTRY_TRACE_MAX_SPANS gets a tracer of
// its own that nobody initialised, and traces nothing without a word. So on ELF targets (Linux,
// the BSDs, bare-metal arm-none-eabi) every TU that includes the enabled library also emits,
// into a section that is not loaded, the symbol
//     sentry_trace_translation_units_disagree_on_SENTRY_TRACE_switches
// inside a COMDAT group named after the values of every switch marked "yes" above (a TU with
// tracing compiled out emits nothing). The linker keeps one copy of each group: TUs that agree
// share one definition and link; TUs that disagree bring two groups that both define the
// symbol, and the link fails with "multiple definition of
// `sentry_trace_translation_units_disagree_on_SENTRY_TRACE_switches'", naming the object files
// and both groups (with link-time optimization the assembler says "already defined" instead).
// The values are compared, not their spelling (1 << 20 and 1048576 agree). This holds whether
// the library is all inline or compiled once in one TU. Cost: one never-called return
// instruction per TU (gone with --gc-sections) and no loaded byte (the section is not
// allocated). SENTRY_TRACE_NO_LAYOUT_GUARD turns it off (an assembler that rejects it).
// Elsewhere (Mach-O, COFF) only the inline namespace applies: define the switches identically
// for every TU, as the table says. tests/layout/check_layout_guard.sh checks all of this.
#if SENTRY_TRACE_ENABLED && defined(__ELF__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(SENTRY_TRACE_NO_LAYOUT_GUARD)
namespace sentry_trace { inline namespace SENTRY_TRACE_DETAIL_ABI { namespace detail {
#  if SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_RATIO
constexpr long layout_guard_permille = SENTRY_TRACE_SAMPLING_RATIO_PERMILLE;
#  else
constexpr long layout_guard_permille = 0;
#  endif
// A function of internal linkage that is kept (`used`) but never called (`cold`: out of the way of
// hot code, in .text.unlikely, and unpadded): its only content is the
// asm statement, which writes the guard into its own section once per TU (".ifndef": once per
// assembly file, also when link-time optimization merges several TUs of one configuration).
[[gnu::used, gnu::cold]] static void layout_guard() noexcept {
  __asm__(
      ".ifndef sentry_trace_layout_%c0_%c1_%c2_%c3_%c4_%c5_%c6_%c7_%c8_%c9_%c10_%c11_%c12_%c13_%c14_%c15_%c16_%c17_%c18_%c19_%c20\n"
      ".pushsection .sentry_trace_layout,\"G\",%%progbits,"
      "sentry_trace_layout_%c0_%c1_%c2_%c3_%c4_%c5_%c6_%c7_%c8_%c9_%c10_%c11_%c12_%c13_%c14_%c15_%c16_%c17_%c18_%c19_%c20,comdat\n"
      "sentry_trace_layout_%c0_%c1_%c2_%c3_%c4_%c5_%c6_%c7_%c8_%c9_%c10_%c11_%c12_%c13_%c14_%c15_%c16_%c17_%c18_%c19_%c20:\n"
      ".globl sentry_trace_translation_units_disagree_on_SENTRY_TRACE_switches\n"
      "sentry_trace_translation_units_disagree_on_SENTRY_TRACE_switches:\n"
      ".byte 0\n"
      ".popsection\n"
      ".endif\n" ::"i"(static_cast<long>(SENTRY_TRACE_MAX_SPANS)),
      "i"(static_cast<long>(SENTRY_TRACE_MAX_TRANSACTIONS)), "i"(static_cast<long>(SENTRY_TRACE_MAX_ATTRIBUTES)),
      "i"(static_cast<long>(SENTRY_TRACE_ATTRIBUTE_POOL)), "i"(static_cast<long>(SENTRY_TRACE_STRING_ARENA)),
      "i"(static_cast<long>(SENTRY_TRACE_MAX_STRING)), "i"(static_cast<long>(SENTRY_TRACE_MAX_MEASUREMENTS)),
      "i"(static_cast<long>(SENTRY_TRACE_MAX_DEPTH)), "i"(static_cast<long>(SENTRY_TRACE_ENVELOPE_BYTES)),
      "i"(static_cast<long>(SENTRY_TRACE_QUEUE_BYTES)), "i"(static_cast<long>(SENTRY_TRACE_THREADS)),
      "i"(static_cast<long>(SENTRY_TRACE_HOSTED)), "i"(static_cast<long>(SENTRY_TRACE_WITH_ZLIB)),
      "i"(static_cast<long>(SENTRY_TRACE_SAMPLING)), "i"(layout_guard_permille),
      "i"(static_cast<long>(SENTRY_TRACE_STREAMING)), "i"(static_cast<long>(SENTRY_TRACE_DOUBLES)),
      "i"(static_cast<long>(SENTRY_TRACE_WITH_MBEDTLS)), "i"(static_cast<long>(SENTRY_TRACE_MAX_BAGGAGE)),
      "i"(static_cast<long>(SENTRY_TRACE_MAX_DSC)), "i"(static_cast<long>(SENTRY_TRACE_MAX_THREADS)));
}
} } }
#endif

namespace sentry_trace {
/// The library's version, as it appears in the envelope's `sdk.version`.
inline constexpr const char* version_string = "0.1.0";
/// Sentry SDK name: entity `sentry`-less because this is not an official SDK (PROTOCOL.md §3).
inline constexpr const char* sdk_name = "sentry_trace.native";
} // namespace sentry_trace

#endif // SENTRY_TRACE_CONFIG_HPP

// end of part: include/sentry_trace/config.hpp

// =================================================================================================
// part: include/sentry_trace/face/hooks.hpp
// =================================================================================================

// sentry_trace/hooks.hpp -- the clock, wall clock, entropy, lock and log hooks; log_level
//
// WHAT IT DOES  Declares the hooks through which the library touches the outside world, each a
//               plain function pointer plus a `void* user` (never std::function: it may
//               allocate and throw), and the log_level a log hook receives. Written once,
//               included by platform.hpp (tracing on, which also gives hosted builds working
//               defaults) and by disabled.hpp (SENTRY_TRACE_ENABLED=0, where options still
//               takes them and no hook is ever called).
// DOES NOT      depend on any other part but config.hpp, or call a hook: the callers are the
//               tracer and the transports, and each struct's comment says when.
// HOOKS         see each struct's comment for who calls it, when, and what it may do.

#ifndef SENTRY_TRACE_HOOKS_HPP
#define SENTRY_TRACE_HOOKS_HPP

#include <cstddef>
#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

/// Monotonic clock: nanoseconds from any fixed origin. When set, it times every span: called
/// by any thread that starts or ends one, so it must be thread-safe, non-blocking and never go
/// backwards. Hosted default: spans read the cycle counter on x86-64 with an invariant TSC and
/// on AArch64 (core/clock.hpp), std::chrono::steady_clock elsewhere; steady_clock also times
/// frames and the client-report interval.
struct clock_hook {
  std::uint64_t (*now_ns)(void* user) = nullptr;
  void* user = nullptr;
};

/// Wall clock: microseconds since the Unix epoch (UTC). Read once by init() to anchor the
/// monotonic clock, and when an envelope's `sent_at` is written. Hosted default: system_clock.
/// On a device with no real-time clock, return the best estimate you have (0 is allowed: the
/// timestamps are then relative to 1970, which Sentry accepts but shows as old).
struct wall_clock_hook {
  std::int64_t (*now_epoch_us)(void* user) = nullptr;
  void* user = nullptr;
};

/// Entropy: fill `n` bytes with unpredictable data, return false on failure. Called by init()
/// for the id generator's 256-bit key (32 bytes; not on the span path). Hosted default:
/// /dev/urandom, mixed with the clocks and an address when that is unavailable.
struct entropy_hook {
  bool (*fill)(void* bytes, std::size_t n, void* user) = nullptr;
  void* user = nullptr;
};

/// Lock: guards the envelope buffer and the transport while an envelope is written and sent.
/// Starting a span never takes it, nor does ending a child span; ending a root span does (its
/// transaction is written on the ending thread, dispatch.hpp's finish_transaction), and so does
/// closing the last open span of a streaming segment, and sending a client report once one is
/// due (from poll(), the worker or a send). Set both functions or neither. With neither, a hosted threaded build uses a std::mutex; a
/// single-threaded build uses no lock.
struct lock_hook {
  void (*lock)(void* user) = nullptr;
  void (*unlock)(void* user) = nullptr;
  void* user = nullptr;
};

/// Severity of a diagnostic.
enum class log_level : std::uint8_t { debug, info, warning, error };

/// Diagnostics: `message` is a NUL-terminated line without a newline, valid only during the
/// call. Called from whichever thread found the problem; must be reentrant and must not call
/// back into sentry_trace. Hosted default: stderr. Debug lines reach the hook only when
/// options.debug (or SENTRY_DEBUG) is on; warnings and errors always do.
struct log_hook {
  void (*write)(log_level level, const char* message, void* user) = nullptr;
  void* user = nullptr;
};

/// Short name of a log level ("debug", "info", "warning", "error").
constexpr const char* to_string(log_level level) noexcept {
  return level == log_level::debug     ? "debug"
         : level == log_level::info    ? "info"
         : level == log_level::warning ? "warning"
                                       : "error";
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_HOOKS_HPP

// end of part: include/sentry_trace/face/hooks.hpp

#include <cstddef>
#include <cstdint>
#include <cstring>
#if SENTRY_TRACE_THREADS
#  include <atomic>
#endif
#if SENTRY_TRACE_HOSTED
#  include <chrono>
#  include <cstdio>
#  include <cstdlib>
#  if SENTRY_TRACE_THREADS
#    include <mutex>
#  endif
#  if defined(__unix__) || defined(__APPLE__)
#    include <fcntl.h>
#    include <unistd.h>
// fork() handlers (runtime/lifecycle.hpp) come with threads: a single-threaded build refers to no pthread
// symbol, so its forked children must call init() again to draw ids of their own.
#    if SENTRY_TRACE_THREADS
#      include <pthread.h>
#      define SENTRY_TRACE_DETAIL_FORK_AWARE 1
#    endif
#  endif
#endif
#ifndef SENTRY_TRACE_DETAIL_FORK_AWARE
#  define SENTRY_TRACE_DETAIL_FORK_AWARE 0
#endif

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

#if SENTRY_TRACE_THREADS
template <class T> using atomic = std::atomic<T>;
constexpr auto order_relaxed = std::memory_order_relaxed;
constexpr auto order_acquire = std::memory_order_acquire;
constexpr auto order_release = std::memory_order_release;
constexpr auto order_acq_rel = std::memory_order_acq_rel;
#  define SENTRY_TRACE_DETAIL_THREAD_LOCAL thread_local
#else
// Single-threaded builds keep the std::atomic spelling with plain loads and stores, so the
// rest of the library has one body of code and no atomics reach the binary.
enum memory_order_plain { order_relaxed, order_acquire, order_release, order_acq_rel };
template <class T> struct atomic {
  T v;
  T load(memory_order_plain = order_relaxed) const noexcept { return v; }
  void store(T x, memory_order_plain = order_relaxed) noexcept { v = x; }
  T fetch_add(T x, memory_order_plain = order_relaxed) noexcept { T o = v; v = static_cast<T>(v + x); return o; }
  T fetch_sub(T x, memory_order_plain = order_relaxed) noexcept { T o = v; v = static_cast<T>(v - x); return o; }
  T fetch_or(T x, memory_order_plain = order_relaxed) noexcept { T o = v; v = static_cast<T>(v | x); return o; }
  T exchange(T x, memory_order_plain = order_relaxed) noexcept { T o = v; v = x; return o; }
  bool compare_exchange_weak(T& expected, T desired, memory_order_plain = order_relaxed,
                             memory_order_plain = order_relaxed) noexcept {
    return compare_exchange_strong(expected, desired);
  }
  bool compare_exchange_strong(T& expected, T desired, memory_order_plain = order_relaxed,
                               memory_order_plain = order_relaxed) noexcept {
    if (v == expected) { v = desired; return true; }
    expected = v;
    return false;
  }
};
#  define SENTRY_TRACE_DETAIL_THREAD_LOCAL
#endif

#if SENTRY_TRACE_HOSTED
inline std::uint64_t hosted_now_ns(void*) noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}
inline std::int64_t hosted_epoch_us(void*) noexcept {
  return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
}
inline bool hosted_entropy(void* bytes, std::size_t n, void*) noexcept {
#  if defined(__unix__) || defined(__APPLE__)
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    auto* p = static_cast<unsigned char*>(bytes);
    std::size_t got = 0;
    while (got < n) {
      ssize_t r = ::read(fd, p + got, n - got);
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    ::close(fd);
    if (got == n) return true;
  }
#  endif
  // No OS entropy: still distinct per process and per call, which is all ids need.
  std::uint64_t mix = hosted_now_ns(nullptr) ^ static_cast<std::uint64_t>(hosted_epoch_us(nullptr)) ^
                      static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(bytes));
  auto* p = static_cast<unsigned char*>(bytes);
  for (std::size_t i = 0; i < n; ++i) {
    mix += 0x9e3779b97f4a7c15ull;
    std::uint64_t z = mix;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    p[i] = static_cast<unsigned char>(z ^ (z >> 31));
  }
  return true;
}
inline void hosted_log(log_level level, const char* message, void*) noexcept {
  std::fprintf(stderr, "[sentry_trace] %s: %s\n", to_string(level), message);
}
inline const char* hosted_getenv(const char* name) noexcept { return std::getenv(name); }
#  if SENTRY_TRACE_THREADS
inline std::mutex& hosted_mutex() noexcept {
  static std::mutex m;
  return m;
}
inline void hosted_lock(void*) noexcept { hosted_mutex().lock(); }
inline void hosted_unlock(void*) noexcept { hosted_mutex().unlock(); }
#  endif
#endif

// ---- the id generator ---------------------------------------------------------------------------
// Ids and sample_rand leave the process in headers and envelopes, so an observer must not be able
// to compute the next ones from those it saw (a raw splitmix64 output gives its state away: each
// step of its finalizer can be undone). Each thread reads a ChaCha8 keystream (Bernstein's
// ChaCha with 8 rounds, the strength Go's runtime generator ChaCha8Rand relies on): a block of 64
// bytes is eight 64-bit values, buffered per thread, so the span path pays a load, a compare and
// an increment, and one block every eighth value: about 50 instructions and 7 ns per id in all
// with the 128-bit vector form (SSE2, NEON; 90 word by word), against about 10 and 1.1 ns for a
// splitmix64 step (bench_span, and --loop-only N ids under callgrind; g++ 12, clang 14, -O2). No
// syscall, no lock and no hook on the span path: the 256-bit key comes from the entropy hook at
// init(); a thread draws its stream number (the ChaCha nonce) once per key, so threads never
// share a block; freestanding builds need nothing but integer arithmetic.

constexpr std::uint32_t rotl32(std::uint32_t v, int c) noexcept { return (v << c) | (v >> (32 - c)); }

inline void chacha_quarter_round(std::uint32_t* x, int a, int b, int c, int d) noexcept {
  x[a] += x[b]; x[d] = rotl32(x[d] ^ x[a], 16);
  x[c] += x[d]; x[b] = rotl32(x[b] ^ x[c], 12);
  x[a] += x[b]; x[d] = rotl32(x[d] ^ x[a], 8);
  x[c] += x[d]; x[b] = rotl32(x[b] ^ x[c], 7);
}

/// One ChaCha block with `Rounds` rounds (20 is RFC 8439's cipher; ids use 8), in the original
/// layout: words 12-13 a 64-bit block counter, 14-15 a 64-bit nonce. Word by word: the portable
/// form, and the reference the vector form below is tested against.
template <int Rounds>
inline void chacha_block_scalar(const std::uint32_t (&key)[8], std::uint64_t counter, std::uint64_t nonce,
                                std::uint32_t (&out)[16]) noexcept {
  const std::uint32_t in[16] = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u,  // "expand 32-byte k"
                                key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
                                static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32),
                                static_cast<std::uint32_t>(nonce), static_cast<std::uint32_t>(nonce >> 32)};
  std::uint32_t x[16];
  for (int i = 0; i < 16; ++i) x[i] = in[i];
  for (int r = 0; r < Rounds; r += 2) {
    chacha_quarter_round(x, 0, 4, 8, 12);
    chacha_quarter_round(x, 1, 5, 9, 13);
    chacha_quarter_round(x, 2, 6, 10, 14);
    chacha_quarter_round(x, 3, 7, 11, 15);
    chacha_quarter_round(x, 0, 5, 10, 15);
    chacha_quarter_round(x, 1, 6, 11, 12);
    chacha_quarter_round(x, 2, 7, 8, 13);
    chacha_quarter_round(x, 3, 4, 9, 14);
  }
  for (int i = 0; i < 16; ++i) out[i] = x[i] + in[i];
}

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__SSE2__) || defined(__ARM_NEON)) && \
    ((defined(__GNUC__) && __GNUC__ >= 12) || defined(__clang__))
#  define SENTRY_TRACE_DETAIL_CHACHA_VECTOR 1
/// The same block with each row of the state in one 128-bit vector (SSE2, NEON): a column round
/// is four vector quarter-round steps, a diagonal round the same after rotating three rows' lanes.
/// About a third of the scalar form's instructions.
using chacha_row = std::uint32_t __attribute__((vector_size(16)));
inline chacha_row chacha_rotl(chacha_row v, int c) noexcept { return (v << c) | (v >> (32 - c)); }
inline void chacha_vector_quarter_round(chacha_row& a, chacha_row& b, chacha_row& c, chacha_row& d) noexcept {
  a += b; d = chacha_rotl(d ^ a, 16);
  c += d; b = chacha_rotl(b ^ c, 12);
  a += b; d = chacha_rotl(d ^ a, 8);
  c += d; b = chacha_rotl(b ^ c, 7);
}
template <int Rounds>
inline void chacha_block_vector(const std::uint32_t (&key)[8], std::uint64_t counter, std::uint64_t nonce,
                                std::uint32_t (&out)[16]) noexcept {
  const chacha_row a0 = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u};
  const chacha_row b0 = {key[0], key[1], key[2], key[3]};
  const chacha_row c0 = {key[4], key[5], key[6], key[7]};
  const chacha_row d0 = {static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32),
                         static_cast<std::uint32_t>(nonce), static_cast<std::uint32_t>(nonce >> 32)};
  chacha_row a = a0, b = b0, c = c0, d = d0;
  for (int r = 0; r < Rounds; r += 2) {
    chacha_vector_quarter_round(a, b, c, d);
    b = __builtin_shufflevector(b, b, 1, 2, 3, 0);
    c = __builtin_shufflevector(c, c, 2, 3, 0, 1);
    d = __builtin_shufflevector(d, d, 3, 0, 1, 2);
    chacha_vector_quarter_round(a, b, c, d);
    b = __builtin_shufflevector(b, b, 3, 0, 1, 2);
    c = __builtin_shufflevector(c, c, 2, 3, 0, 1);
    d = __builtin_shufflevector(d, d, 1, 2, 3, 0);
  }
  a += a0;
  b += b0;
  c += c0;
  d += d0;
  std::memcpy(out, &a, 16);
  std::memcpy(out + 4, &b, 16);
  std::memcpy(out + 8, &c, 16);
  std::memcpy(out + 12, &d, 16);
}
#else
#  define SENTRY_TRACE_DETAIL_CHACHA_VECTOR 0
#endif

/// The block function ids use: the vector form where the target has 128-bit vectors.
template <int Rounds>
inline void chacha_block(const std::uint32_t (&key)[8], std::uint64_t counter, std::uint64_t nonce,
                         std::uint32_t (&out)[16]) noexcept {
#if SENTRY_TRACE_DETAIL_CHACHA_VECTOR
  chacha_block_vector<Rounds>(key, counter, nonce, out);
#else
  chacha_block_scalar<Rounds>(key, counter, nonce, out);
#endif
}

/// The process-wide key and its generation. init() sets the key from the entropy hook; the
/// child of a fork() derives a new one (rng_rekey_after_fork). A thread notices a new generation
/// at its next draw and starts a new stream, dropping what it had buffered.
inline std::uint32_t g_rng_key[8] = {};
inline atomic<std::uint64_t> g_rng_generation{0};
inline atomic<std::uint64_t> g_rng_streams{0};

/// One thread's keystream: which key generation and stream it reads, the next block, and the
/// eight values of the current block (`used` of them handed out). Constant-initialized.
struct rng_stream {
  std::uint64_t generation = 0;
  std::uint64_t nonce = 0;    ///< this thread's stream number under `generation`; 0: none yet
  std::uint64_t counter = 0;  ///< the next block
  std::uint32_t used = 8;
  std::uint64_t values[8] = {};
};
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL rng_stream tl_rng;

/// Fills the thread's buffer with the next block (of a new stream when the key has changed).
inline void rng_refill(rng_stream& s, std::uint64_t generation) noexcept {
  if (s.generation != generation || s.nonce == 0) {
    s.generation = generation;
    s.nonce = g_rng_streams.fetch_add(1, order_relaxed) + 1;
    s.counter = 0;
  }
  std::uint32_t block[16];
  chacha_block<8>(g_rng_key, s.counter++, s.nonce, block);
  for (int i = 0; i < 8; ++i)
    s.values[i] = static_cast<std::uint64_t>(block[2 * i]) | (static_cast<std::uint64_t>(block[2 * i + 1]) << 32);
  s.used = 0;
}

/// 64 random bits from this thread's keystream.
inline std::uint64_t random_u64() noexcept {
  rng_stream& s = tl_rng;
  const std::uint64_t generation = g_rng_generation.load(order_acquire);
  if (s.generation != generation || s.used >= 8) rng_refill(s, generation);
  return s.values[s.used++];
}

/// Sets the key (init(); 32 bytes from the entropy hook). Must not run while other threads draw.
inline void rng_set_key(const unsigned char (&bytes)[32]) noexcept {
  for (int i = 0; i < 8; ++i) {
    std::uint32_t w = 0;
    for (int j = 3; j >= 0; --j) w = (w << 8) | bytes[4 * i + j];
    g_rng_key[i] = w;
  }
  g_rng_generation.store(g_rng_generation.load(order_relaxed) + 1, order_release);
}

/// A fork's child: a new key from the old one and the parent's fork count, which differs for
/// every child of one parent. Nonce ~0 is never a thread's stream number, so the new key is no
/// value a thread of the parent ever drew. Runs in the child's only thread.
inline void rng_rekey_after_fork(std::uint64_t fork_count) noexcept {
  std::uint32_t block[16];
  chacha_block<8>(g_rng_key, fork_count, ~std::uint64_t{0}, block);
  for (int i = 0; i < 8; ++i) g_rng_key[i] = block[i];
  g_rng_generation.store(g_rng_generation.load(order_relaxed) + 1, order_release);
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_PLATFORM_HPP

// end of part: include/sentry_trace/core/platform.hpp

// =================================================================================================
// part: include/sentry_trace/protocol/text.hpp
// =================================================================================================

// sentry_trace/protocol/text.hpp -- the small ASCII text jobs every parser shares
//
// WHAT IT DOES  One helper per job that the header parsers, the DSN parser, the HTTP client and
//               init() each need: hex digits (value and upper-case encoding), ASCII lower-casing
//               and case-insensitive comparison, trimming a set of white-space bytes from both
//               ends, reading an unsigned decimal integer, and copying a string into a fixed
//               NUL-terminated buffer.
// DOES NOT      look at the locale (<cctype> would: "I" lower-cases differently under tr_TR), nor
//               treat any byte above 0x7f as a letter, digit or space, nor allocate. Decimal
//               fractions are json.hpp's parse_decimal; this part reads whole numbers only.
// WHY ASCII     Every text read here is protocol text (HTTP heads, W3C and Sentry headers, DSNs),
//               whose grammar is ASCII; a locale-aware helper would change what is accepted.

#ifndef SENTRY_TRACE_PROTOCOL_TEXT_HPP
#define SENTRY_TRACE_PROTOCOL_TEXT_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

// ---- digits -------------------------------------------------------------------------------------

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// True for a non-empty run of '0'..'9' and nothing else.
constexpr bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

/// Upper-case hex digits by value, for percent-encoding (RFC 3986 §2.1 prefers upper case).
inline constexpr char hex_upper[] = "0123456789ABCDEF";

/// A hex digit's value (either case), or -1 for any other byte.
constexpr int hex_value(char c) noexcept {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/// A lower-case hex digit: the only form ids take (W3C and the SDKs' sentry-trace regex).
constexpr bool is_lower_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f'); }

/// Reads `s` as an unsigned decimal integer: one or more digits and nothing else (no sign, no
/// spaces), leading zeros allowed, at most `max`. False (and `out` untouched) otherwise,
/// overflow included.
template <class U> constexpr bool parse_unsigned(std::string_view s, U max, U& out) noexcept {
  if (!all_digits(s)) return false;
  U v = 0;
  for (char c : s) {
    const U d = static_cast<U>(c - '0');
    if (v > (max - d) / 10) return false;
    v = static_cast<U>(v * 10 + d);
  }
  out = v;
  return true;
}

// ---- case ---------------------------------------------------------------------------------------

constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// Equal when ASCII letters are folded to lower case (header names, URL schemes, tokens).
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

/// Whether `needle` occurs in `hay` with ASCII letters folded; an empty needle always does.
constexpr bool contains_ignore_case(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

// ---- white space --------------------------------------------------------------------------------
// Three sets, because the grammars differ and what each accepts must not change: OWS of HTTP and
// W3C headers (RFC 9110 §5.6.3), the same plus line ends for header values that may still carry
// them, and every ASCII space for environment variables written by shells and container specs.

/// W3C and HTTP OWS. JS's trim() strips more (tests' header_cases.json has the cases).
constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }
constexpr bool is_header_space(char c) noexcept { return is_ows(c) || c == '\r' || c == '\n'; }
constexpr bool is_ascii_space(char c) noexcept { return is_header_space(c) || c == '\v' || c == '\f'; }

/// `s` without the bytes `drop` accepts at either end.
constexpr std::string_view trim(std::string_view s, bool (*drop)(char) noexcept) noexcept {
  while (!s.empty() && drop(s.front())) s.remove_prefix(1);
  while (!s.empty() && drop(s.back())) s.remove_suffix(1);
  return s;
}

// ---- fixed buffers ------------------------------------------------------------------------------

/// Copies `text` into `dst` (`cap` bytes) with a NUL after it; false (and `dst` untouched) when
/// it does not fit. Out of line: one copy of the code for every buffer size (firmware flash).
SENTRY_TRACE_DETAIL_OUT_OF_LINE inline bool copy_bounded(char* dst, std::size_t cap, std::string_view text) noexcept {
  if (text.size() >= cap) return false;
  if (!text.empty()) std::memcpy(dst, text.data(), text.size());  // an empty view may hold nullptr
  dst[text.size()] = '\0';
  return true;
}

/// The same into a fixed buffer, its size taken from the type.
template <std::size_t N> bool copy_bounded(char (&dst)[N], std::string_view text) noexcept {
  return copy_bounded(dst, N, text);
}

}  // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_PROTOCOL_TEXT_HPP

// end of part: include/sentry_trace/protocol/text.hpp

// =================================================================================================
// part: include/sentry_trace/protocol/json.hpp
// =================================================================================================

// sentry_trace/json.hpp -- streaming JSON writer into a sink; escaping; locale-free numbers and times
//
// WHAT IT DOES  Writes compact, single-line JSON (RFC 8259) into a `sink`: a caller-owned buffer
//               plus an optional refill hook. Three sinks come ready made: `fixed_sink` (fixed
//               memory, never grows), `callback_sink` (hands each full chunk to a C function
//               pointer) and, on hosted builds only, `string_sink` (grows a std::string).
//               `json_writer` places commas and checks nesting; strings are escaped and any
//               invalid UTF-8 is repaired; integers, doubles and timestamps are formatted by
//               integer arithmetic that never reads the C locale.
//
// STEP BY STEP  char buf[512];
//               sentry_trace::fixed_sink out{buf};
//               sentry_trace::json_writer w{out};
//               w.begin_object().key("op").string("db.query").key("n").number(3).end_object();
//               if (w.ok()) send(out.view());          // else out.total() is the size needed
//
// DOES NOT      allocate (except `string_sink`, a convenience for tools and tests), throw, lock,
//               call printf or strtod, or read the locale. It does not parse JSON, pretty-print,
//               or check what `raw()` is given. The one thing it reads is decimal number text
//               (detail::parse_decimal, exact, see "decimal text in"), the library's only reader
//               of rates, sample_rand and rate-limit seconds.
//
// THREADS       None of these objects is thread-safe; use one writer and one sink per thread.
//               The free functions in `detail` are reentrant.
//
// RAM           sink: 7 pointer-sized words. json_writer: a reference plus 11 bytes (24 bytes on
//               64-bit). No static buffers; tests/test_json.cpp pins both sizes. format_double's
//               portable path (freestanding builds) uses under 1 KiB of stack for its big
//               integers; the hosted path uses std::to_chars.
//
// ERRORS        Keep-the-first-error, as in nanopb and snprintf:
//               - a sink that cannot make room for a write drops that write and every later one,
//                 sets overflowed(), and keeps counting total(), so the caller learns the size it
//                 would have needed. rewind() to a checkpoint clears the error.
//               - a json_writer that nests deeper than 32 levels, closes what it did not open, or
//                 writes a key where a value belongs (or the reverse) stops writing; ok() turns
//                 false. It keeps tracking structure while only the sink overflows, so a
//                 mark()/rewind() pair can drop one element and carry on.
//               - strings: invalid UTF-8 is replaced, never dropped, one U+FFFD per maximal
//                 invalid subpart (Unicode 15 §3.9 "U+FFFD substitution of maximal subparts",
//                 what browsers and Python's errors="replace" do). NaN and infinities are written
//                 as null. Timestamps before 1970 or after 9999 are written as the epoch.
//
// FORMATS       numbers: integers exact; doubles as JavaScript's Number.prototype.toString
//               writes them (shortest digits that round-trip; "3" not "3.0"; "0.1"; "1e+21";
//               "5e-324"; -0 as "0"), so output is identical on hosted and freestanding builds.
//               timestamps: RFC 3339 UTC with microseconds, "2026-11-24T12:30:51.147353Z".
//               strings: `"` `\` and U+0000-U+001F escaped (short forms \b \f \n \r \t, else
//               \u00XX); U+007F, U+2028 and U+2029 escaped too so the payload is also valid
//               JavaScript; everything else copied as UTF-8.
//
// SPEC          https://www.rfc-editor.org/rfc/rfc8259 (JSON), https://www.rfc-editor.org/rfc/rfc3339
//               https://develop.sentry.dev/sdk/foundations/transport/envelopes/ (single-line payloads)
//               https://tc39.es/ecma262/#sec-numeric-types-number-tostring (double format)

#ifndef SENTRY_TRACE_JSON_HPP
#define SENTRY_TRACE_JSON_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string_view>
#include <type_traits>

#if SENTRY_TRACE_HOSTED
#  include <string>
#  if defined(__has_include)
#    if __has_include(<charconv>)
#      include <charconv>
#    endif
#  endif
#endif

// std::to_chars for double is the fast, proven shortest-digits path; libstdc++ 11+ and MSVC have
// it, older libc++ does not, and freestanding builds never do. The portable path gives the
// same text, only slower.
#if !defined(SENTRY_TRACE_DETAIL_HAS_TO_CHARS)
#  if SENTRY_TRACE_HOSTED && defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
#    define SENTRY_TRACE_DETAIL_HAS_TO_CHARS 1
#  else
#    define SENTRY_TRACE_DETAIL_HAS_TO_CHARS 0
#  endif
#endif

SENTRY_TRACE_DETAIL_BEGIN

/// Where bytes go: a caller-owned buffer plus an optional refill hook (function pointer + user
/// pointer). Writing copies into the buffer; when a write does not fit, the sink fills what is
/// left of the buffer, then calls the hook, and repeats until the write is done or the hook fails.
/// Without a hook the whole write that did not fit is dropped (when a hook gives up, what was
/// written before it was called stays); either way overflowed() becomes true and stays true until
/// rewind(), every later write is dropped too, and total() keeps counting, like snprintf's return
/// value. Never allocates, never throws.
/// Not thread-safe. Not copyable: derived sinks point into their own state.
class sink {
 public:
  /// Called when `need` more bytes do not fit in the buffer, which is then full (size() ==
  /// capacity()). The hook may deliver the buffer somewhere and empty it with s.rewind(0) (inside
  /// the hook, rewind does not reset total(): those bytes were delivered, not dropped), or grow it
  /// with s.reset_buffer(new_ptr, new_cap), copying the contents across. It returns false when it
  /// cannot make room: the sink then keeps the error. A hook that returns true without making room
  /// counts as having failed, so a broken hook cannot loop forever. Called on the writing thread.
  using refill_fn = bool (*)(sink& s, std::size_t need, void* user) noexcept;

  /// `buffer` must stay valid for `capacity` bytes while the sink uses it; it may be null when
  /// `capacity` is 0 (measure a size: write, then read total()).
  sink(char* buffer, std::size_t capacity, refill_fn refill = nullptr, void* user = nullptr) noexcept
      : buf_(buffer), cap_(buffer ? capacity : 0), refill_(refill), user_(user) {}
  sink(const sink&) = delete;
  sink& operator=(const sink&) = delete;

  /// Appends `n` bytes (copied). Dropped, but counted in total(), after an error.
  void write(const char* bytes, std::size_t n) noexcept {
    // `n - 1 < room` is `1 <= n <= room` in one compare: the empty write goes to the slow path,
    // so memcpy never sees the null pointer of an empty string_view.
    if (!overflow_ && n - 1 < cap_ - size_) {
      std::memcpy(buf_ + size_, bytes, n);
      size_ += n;
      total_ += n;
      return;
    }
    write_slow(bytes, n);
  }
  /// Appends the bytes of `s` (copied).
  void write(std::string_view s) noexcept { write(s.data(), s.size()); }
  /// Appends one byte.
  void put(char c) noexcept {
    if (!overflow_ && size_ < cap_) {
      buf_[size_++] = c;
      ++total_;
      return;
    }
    write_slow(&c, 1);
  }

  /// The buffer (as given to the constructor or reset_buffer); size() bytes of it are written.
  char* data() noexcept { return buf_; }
  const char* data() const noexcept { return buf_; }
  /// Bytes now in the buffer.
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return cap_; }
  /// Every byte written since construction or the last rewind(), including bytes a refill hook
  /// delivered and bytes dropped after an error: the size a buffer would have needed.
  std::size_t total() const noexcept { return total_; }
  /// True once a write was dropped; stays true until rewind().
  bool overflowed() const noexcept { return overflow_; }
  /// The bytes now in the buffer; valid until the next write, rewind or reset_buffer.
  std::string_view view() const noexcept { return std::string_view(buf_, size_); }

  /// Goes back to an earlier size() (a checkpoint), forgetting the bytes after it; clears the
  /// error and sets total() to `size`. A `size` beyond size() is clamped to size(). Inside a
  /// refill hook it only empties the buffer (see refill_fn).
  void rewind(std::size_t size) noexcept {
    if (size > size_) size = size_;
    size_ = size;
    if (in_refill_) return;
    total_ = size;
    overflow_ = false;
  }
  /// Swaps in another buffer, keeping size() (the caller has copied the first size() bytes
  /// across). For refill hooks that grow. A capacity below size() truncates size().
  void reset_buffer(char* buffer, std::size_t capacity) noexcept {
    buf_ = buffer;
    cap_ = buffer ? capacity : 0;
    if (size_ > cap_) size_ = cap_;
  }

 protected:
  friend class json_writer;
  void write_slow(const char* bytes, std::size_t n) noexcept;
  // Where `n` bytes can be formatted in place, or null: lets the writer skip a copy through a
  // stack buffer, which measured as half the cost of writing a short number.
  char* room_for(std::size_t n) noexcept { return !overflow_ && cap_ - size_ >= n ? buf_ + size_ : nullptr; }
  void commit(std::size_t n) noexcept {
    size_ += n;
    total_ += n;
  }

  char* buf_ = nullptr;
  std::size_t cap_ = 0;
  std::size_t size_ = 0;
  std::size_t total_ = 0;
  refill_fn refill_ = nullptr;
  void* user_ = nullptr;
  bool overflow_ = false;
  bool in_refill_ = false;
};

/// A sink over caller-owned fixed memory; never grows, never allocates. When a write does not fit
/// it is dropped whole (size() stays at the end of the last write that fitted) and the error kept.
class fixed_sink : public sink {
 public:
  fixed_sink(char* buffer, std::size_t capacity) noexcept : sink(buffer, capacity) {}
  template <std::size_t N>
  explicit fixed_sink(char (&buffer)[N]) noexcept : sink(buffer, N) {}
};

#if SENTRY_TRACE_HOSTED
/// Hosted only: a sink that grows a std::string. It allocates (for tools and tests, not the span
/// path). Bytes are appended to `out` (whose earlier contents are kept), which must outlive the
/// sink and must not be touched until finish() or the destructor: until then `out` holds spare
/// capacity past the written bytes. After finish() the sink may be written again. When the string
/// cannot grow (allocation fails) the sink keeps the error like any other sink.
class string_sink : public sink {
 public:
  explicit string_sink(std::string& out) : sink(nullptr, 0, &grow, this), out_(out), base_(out.size()) {}
  ~string_sink() { finish(); }
  /// Trims `out` to exactly what was written. Idempotent.
  void finish();

 private:
  static bool grow(sink& s, std::size_t need, void* user) noexcept;
  std::string& out_;
  std::size_t base_;
};
#endif

/// A sink that hands each full chunk (and what is left on finish() or destruction) to a plain C
/// function pointer: for UARTs, sockets, MQTT publishes. Never allocates; `chunk` is caller-owned
/// and must outlive the sink. `fn` gets bytes valid only during the call (copy them to keep them)
/// and is called on the writing thread; `user` is passed through. Every chunk but the last is
/// exactly `chunk_capacity` bytes. With a zero capacity or a null `fn`, writes overflow.
class callback_sink : public sink {
 public:
  using write_fn = void (*)(const char* bytes, std::size_t n, void* user);
  callback_sink(char* chunk, std::size_t chunk_capacity, write_fn fn, void* user) noexcept
      : sink(chunk, chunk_capacity, fn ? &flush_chunk : nullptr, this), fn_(fn), fn_user_(user) {}
  ~callback_sink() { finish(); }
  /// Hands over the bytes still in the chunk, if any. total() keeps counting across calls.
  void finish() noexcept;

 private:
  static bool flush_chunk(sink& s, std::size_t need, void* user) noexcept;
  write_fn fn_;
  void* fn_user_;
};

/// Streaming JSON writer over a sink: commas, colons and nesting are handled for you. Compact
/// output, no whitespace. Several top-level values are written back to back with nothing between
/// them (an envelope puts its own '\n' between lines). Never allocates or throws; see ERRORS at
/// the top of this file for what ok() reports. Not thread-safe.
class json_writer {
 public:
  /// Objects and arrays open at once, at most. Deeper nesting is an error kept by ok().
  static constexpr int max_depth = 32;

  /// `out` must outlive the writer.
  explicit json_writer(sink& out) noexcept : out_(out) {}

  json_writer& begin_object() noexcept;
  json_writer& end_object() noexcept;
  json_writer& begin_array() noexcept;
  json_writer& end_array() noexcept;
  /// An object member's name, escaped like string(). Must be followed by exactly one value.
  json_writer& key(std::string_view k) noexcept;
  /// The same for a name given as a string literal of plain ASCII (no control bytes, '"', '\\',
  /// DEL or bytes from 0x80 up), copied as it is with one fixed-size copy: the protocol's own
  /// keys are such literals, and checking them again for every span is most of a span's cost.
  template <std::size_t N>
  json_writer& literal_key(const char (&k)[N]) noexcept;
  /// A string value: RFC 8259 escaping, invalid UTF-8 replaced by U+FFFD (see FORMATS). Any length.
  json_writer& string(std::string_view s) noexcept;
  /// A string value the caller knows to be plain ASCII (ids in hex, the protocol's own words),
  /// copied without checking it.
  json_writer& ascii_string(std::string_view s) noexcept;
  json_writer& number(std::int64_t v) noexcept;
  json_writer& number(std::uint64_t v) noexcept;
  /// Shortest text that reads back as the same double, as JavaScript prints it; NaN/inf -> null.
  json_writer& number(double v) noexcept;
  /// Any other integer type (int, long, unsigned char...) goes through the 64-bit overloads.
  template <class Int, typename std::enable_if<std::is_integral<Int>::value && !std::is_same<Int, bool>::value,
                                               int>::type = 0>
  json_writer& number(Int v) noexcept {
    if constexpr (std::is_signed<Int>::value) {
      return number(static_cast<std::int64_t>(v));
    } else {
      return number(static_cast<std::uint64_t>(v));
    }
  }
  json_writer& boolean(bool v) noexcept;
  json_writer& null() noexcept;
  /// One JSON value written verbatim. The caller guarantees it is valid, single-line JSON.
  json_writer& raw(std::string_view json) noexcept;
  /// `n` bytes as a string of 2n lowercase hex digits ("0a1b..."), e.g. ids.
  json_writer& hex(const std::uint8_t* bytes, std::size_t n) noexcept;
  /// Microseconds since the Unix epoch as an RFC 3339 string, "2026-11-24T12:30:51.147353Z".
  /// Outside 1970..9999 the epoch itself is written.
  json_writer& timestamp(std::int64_t epoch_us) noexcept;
  /// The whole seconds of the last timestamp written with it, as text ("2026-11-24T12:30:51"):
  /// the timestamps of one transaction mostly share them, and then only the fraction is
  /// formatted. Kept by the caller, so that the writer stays a reference and a few bytes.
  struct timestamp_cache {
    std::int64_t secs = -1;
    char text[19] = {};
  };
  /// timestamp(epoch_us), reusing `cache` when the whole seconds are those it holds.
  json_writer& timestamp(std::int64_t epoch_us, timestamp_cache& cache) noexcept;
  /// Microseconds since the Unix epoch as a number of seconds with six decimals,
  /// 1795523449.161298, by integer arithmetic (no rounding through double). Same clamping as
  /// timestamp().
  json_writer& seconds(std::int64_t epoch_us) noexcept;

  /// No structural error, and the sink has not overflowed.
  bool ok() const noexcept { return !error_ && !out_.overflowed(); }
  sink& out() noexcept { return out_; }

  /// Everything needed to undo writes: the sink's size and the writer's nesting state. Used to
  /// drop an element that did not fit: take a mark, write the element, rewind on !ok(). (Rewinding
  /// only the sink would leave the writer's comma and nesting state out of step with the bytes.)
  /// Only for sinks that still hold the marked bytes (fixed_sink, string_sink before finish()).
  struct checkpoint {
    std::size_t size;
    std::size_t total;  ///< the sink's total() at the mark
    std::uint32_t is_object;
    std::uint32_t has_member;
    std::uint8_t depth;
    bool after_key;
    bool error;
    bool overflowed;  ///< the sink had already dropped a write at the mark
  };
  checkpoint mark() const noexcept {
    return checkpoint{out_.size(), out_.total(), is_object_, has_member_, depth_, after_key_, error_, out_.overflowed()};
  }
  /// Rewinds the sink to the mark and restores the writer's state, the sink's overflow
  /// included: rewinding to a mark taken after a dropped write must not make ok() true again,
  /// since the bytes dropped before the mark are still missing.
  void rewind(const checkpoint& c) noexcept {
    out_.rewind(c.size);
    if (c.overflowed) {
      out_.overflow_ = true;
      out_.total_ = c.total;
    }
    is_object_ = c.is_object;
    has_member_ = c.has_member;
    depth_ = c.depth;
    after_key_ = c.after_key;
    error_ = c.error;
  }

 private:
  // A value's separator: ',' before a later array element, 0 where none is needed, or -1 when
  // no value may go here (the error is then kept).
  int begin_value() noexcept;
  // A member name's separator (',' or 0), or -1 when no name may go here (the error is kept).
  int begin_key() noexcept;
  // literal_key() for the n bytes at k.
  json_writer& plain_key(const char* k, std::size_t n) noexcept;
  json_writer& open(char c, bool object) noexcept;
  json_writer& close(char c, bool object) noexcept;
  json_writer& scalar(const char* text, std::size_t n) noexcept;
  void quoted(int sep, std::string_view s, bool is_key) noexcept;
  // quoted() for text that is not all plain ASCII: out of line, so that the plain path,
  // which nearly every string takes, stays small.
  void quoted_escaped(int sep, std::string_view s, bool is_key) noexcept;
  template <std::size_t MaxLen, class Format>
  json_writer& formatted(Format format) noexcept;

  sink& out_;
  std::uint32_t is_object_ = 0;   // bit d-1: level d is an object
  std::uint32_t has_member_ = 0;  // bit d-1: level d already holds an element (next one needs ',')
  std::uint8_t depth_ = 0;
  bool after_key_ = false;
  bool error_ = false;
};

namespace detail {
/// Writes `s` escaped as a JSON string body (no quotes): see FORMATS. Copies runs of plain bytes
/// with one memcpy each.
void write_escaped(sink& out, std::string_view s) noexcept;
/// "YYYY-MM-DDTHH:MM:SS.ffffffZ" into out[0..27); returns 27. No terminating NUL.
std::size_t format_rfc3339(char* out, std::int64_t epoch_us) noexcept;
/// Decimal text into `out` (room for 21 / 20 bytes); returns the length. No NUL.
std::size_t format_int(char* out, std::int64_t v) noexcept;
std::size_t format_uint(char* out, std::uint64_t v) noexcept;
/// JSON number text for a finite double (room for 32 bytes), see FORMATS; returns the length.
/// A non-finite value gives "null". Uses std::to_chars where available, else
/// format_double_portable (same output).
std::size_t format_double(char* out, double v) noexcept;
/// format_double without the standard library: exact big-integer arithmetic (no libc, no
/// floating-point operations). About 1 KiB of stack and up to ~100 us for extreme exponents.
std::size_t format_double_portable(char* out, double v) noexcept;
/// The largest n <= max_bytes such that s[0..n) does not end inside a UTF-8 sequence: backs up
/// to the lead byte (at most 3 bytes) only when that lead announces bytes that lie past the cut;
/// a stray continuation byte after a whole character cuts nothing off it (invalid bytes are
/// the escaper's to replace).
std::size_t utf8_truncate(std::string_view s, std::size_t max_bytes) noexcept;
/// 2n lowercase hex digits into out[0..2n).
void hex_lower(char* out, const std::uint8_t* bytes, std::size_t n) noexcept;
}  // namespace detail

// ============================================================================================
// implementation
// ============================================================================================

namespace detail {

// Byte classes for the escaper. Anything but `plain` leaves the fast run-copy loop.
enum : std::uint8_t {
  cls_plain = 0,   // copied as is
  cls_escape = 1,  // control, '"', '\\', DEL
  cls_invalid = 2, // never valid first byte: 80-BF, C0, C1, F5-FF
  cls_lead2 = 3,   // C2-DF
  cls_lead3 = 4,   // E0-EF
  cls_lead4 = 5,   // F0-F4
};

struct byte_table {
  std::uint8_t v[256];
};

constexpr byte_table make_escape_classes() noexcept {
  byte_table t{};
  for (int c = 0; c < 256; ++c) {
    std::uint8_t k = cls_plain;
    if (c < 0x20 || c == '"' || c == '\\' || c == 0x7F) {
      k = cls_escape;
    } else if (c < 0x80) {
      k = cls_plain;
    } else if (c < 0xC2 || c > 0xF4) {
      k = cls_invalid;
    } else if (c < 0xE0) {
      k = cls_lead2;
    } else if (c < 0xF0) {
      k = cls_lead3;
    } else {
      k = cls_lead4;
    }
    t.v[c] = k;
  }
  return t;
}

inline constexpr byte_table escape_classes = make_escape_classes();
inline constexpr char hex_digits[] = "0123456789abcdef";
inline constexpr char replacement_char[] = "\xEF\xBF\xBD";  // U+FFFD

// Length of the UTF-8 sequence starting at p (whose class is lead2..lead4), or of its maximal
// invalid subpart. `valid` tells which. Second-byte ranges per Unicode Table 3-7 exclude
// overlongs (E0, F0), surrogates (ED) and code points past U+10FFFF (F4).
inline std::size_t utf8_sequence(const unsigned char* p, const unsigned char* end, std::uint8_t cls,
                                 bool& valid) noexcept {
  const std::size_t want = static_cast<std::size_t>(cls - cls_lead2) + 2;
  const std::size_t avail = static_cast<std::size_t>(end - p);
  unsigned lo = 0x80, hi = 0xBF;
  switch (p[0]) {
    case 0xE0: lo = 0xA0; break;
    case 0xED: hi = 0x9F; break;
    case 0xF0: lo = 0x90; break;
    case 0xF4: hi = 0x8F; break;
    default: break;
  }
  valid = false;
  if (avail < 2 || p[1] < lo || p[1] > hi) return 1;
  std::size_t i = 2;
  for (; i < want; ++i) {
    if (i >= avail || (p[i] & 0xC0) != 0x80) return i;
  }
  valid = true;
  return want;
}

inline void sink_write_escape(sink& out, unsigned char c) noexcept {
  char e[6] = {'\\', 0, 0, 0, 0, 0};
  switch (c) {
    case '"': e[1] = '"'; break;
    case '\\': e[1] = '\\'; break;
    case '\b': e[1] = 'b'; break;
    case '\f': e[1] = 'f'; break;
    case '\n': e[1] = 'n'; break;
    case '\r': e[1] = 'r'; break;
    case '\t': e[1] = 't'; break;
    default:
      e[1] = 'u';
      e[2] = '0';
      e[3] = '0';
      e[4] = hex_digits[c >> 4];
      e[5] = hex_digits[c & 0xF];
      out.write(e, 6);
      return;
  }
  out.write(e, 2);
}

// Nonzero when one of the 8 bytes in `x` is not plain ASCII (below 0x20, '"', '\\', 0x7F and up).
// Bit-twiddling hacks' haszero/hasless/hasmore with one shared mask: a byte from 0x80 up is
// flagged by its own high bit, so the `& ~x` each test needs only for such bytes can go. Exact
// as a yes/no, and on a little-endian load the lowest flagged byte is the first byte that needs
// attention (borrows start only at a byte below 0x20 or equal to '"' or '\\', carries only at
// 0xFF, and both move upwards).
inline std::uint64_t swar_special(std::uint64_t x) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  return (x                                   // 0x80 and up
          | (x + ones)                        // 0x7F
          | (x - ones * 0x20)                 // below 0x20
          | ((x ^ (ones * '"')) - ones)       // '"'
          | ((x ^ (ones * '\\')) - ones))     // '\\'
         & highs;
}

// Eight bytes per step unless the build optimizes for size (-Os, -Oz: firmware), where the byte
// loop alone is kept: about 500 bytes less code on a Cortex-M4, which has no 64-bit registers.
#if defined(__OPTIMIZE_SIZE__)
#  define SENTRY_TRACE_DETAIL_SWAR 0
#else
#  define SENTRY_TRACE_DETAIL_SWAR 1
#endif
#if SENTRY_TRACE_DETAIL_SWAR && defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#  define SENTRY_TRACE_DETAIL_SWAR_CTZ 1
#else
#  define SENTRY_TRACE_DETAIL_SWAR_CTZ 0
#endif

#if SENTRY_TRACE_DETAIL_SWAR_CTZ
// The 1..7 bytes at p as one little-endian word, padded with spaces (plain, and never flagged:
// swar_special's borrows and carries start only at a special byte). Two overlapping loads, or
// three single bytes, instead of a byte loop: most names and short values end here.
inline std::uint64_t load_padded(const unsigned char* p, std::size_t n) noexcept {
  std::uint64_t w;
  if (n >= 4) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    w = lo | (std::uint64_t{hi} << (8 * (n - 4)));
  } else {
    w = p[0] | (std::uint64_t{p[n / 2]} << (8 * (n / 2))) | (std::uint64_t{p[n - 1]} << (8 * (n - 1)));
  }
  return w | (std::uint64_t{0x2020202020202020u} << (8 * n));
}

// Copies the n bytes at p to dst one word at a time, checking each word as it goes, and says
// whether all of them were plain ASCII (then dst holds them as they are). dst needs room for n
// rounded up to a multiple of 8: the last word is stored whole, its padding is overwritten or
// left past what the caller commits. One pass instead of a scan and then a memcpy call: most
// names, keys and values are short, where the call and the scan's setup cost more than the copy.
inline bool copy_plain_ascii(char* dst, const unsigned char* p, std::size_t n) noexcept {
  std::uint64_t flags = 0;
  std::size_t i = 0;
  for (; n - i >= 8; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, p + i, 8);
    flags |= swar_special(word);
    std::memcpy(dst + i, &word, 8);
  }
  if (i < n) {
    const std::uint64_t word = load_padded(p + i, n - i);
    flags |= swar_special(word);
    std::memcpy(dst + i, &word, 8);
  }
  return flags == 0;
}
#endif

// The first byte at or after p that is not copied as is (end when there is none): plain ASCII
// and valid UTF-8 other than U+2028/U+2029 are copied.
inline const unsigned char* skip_plain(const unsigned char* p, const unsigned char* end) noexcept {
  while (p < end) {
    // Eight plain bytes per step: the byte loop alone runs at about 1 GB/s with g++ -O2.
    while (SENTRY_TRACE_DETAIL_SWAR && end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);
      const std::uint64_t flags = swar_special(word);
      if (flags != 0) {
#if SENTRY_TRACE_DETAIL_SWAR_CTZ
        p += __builtin_ctzll(flags) / 8;
#endif
        break;
      }
      p += 8;
    }
    if (p >= end) break;
#if SENTRY_TRACE_DETAIL_SWAR_CTZ
    if (end - p < 8) {
      const std::uint64_t flags = swar_special(load_padded(p, static_cast<std::size_t>(end - p)));
      if (flags == 0) return end;
      p += __builtin_ctzll(flags) / 8;
    }
#endif
    const std::uint8_t cls = escape_classes.v[*p];
    if (cls == cls_plain) {
      ++p;
      continue;
    }
    if (cls < cls_lead2) return p;
    bool valid = false;
    const std::size_t len = utf8_sequence(p, end, cls, valid);
    // U+2028/U+2029 (E2 80 A8/A9) are valid JSON but end a line in JavaScript source.
    if (!valid || (len == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] & 0xFE) == 0xA8)) return p;
    p += len;
  }
  return end;
}

/// The next piece of `s` from `pos` with every invalid UTF-8 subpart replaced by U+FFFD exactly
/// as write_escaped replaces it (the same maximal subparts): a run of valid bytes of `s`, or the
/// three bytes of U+FFFD. Advances `pos`; call while pos < s.size(). The pieces make the text a
/// JSON reader gets back, and escaping is one-to-one on valid UTF-8, so two strings are written
/// alike exactly when their pieces spell the same bytes. One function, not a template, so that
/// its callers share one copy of the loop.
inline std::string_view utf8_repaired_piece(std::string_view s, std::size_t& pos) noexcept {
  const auto* const begin = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = begin + s.size();
  const unsigned char* p = begin + pos;
  const unsigned char* const run = p;
  while (p < end) {
    const std::uint8_t cls = escape_classes.v[*p];
    if (cls <= cls_escape) {
      ++p;
      continue;
    }
    bool valid = false;
    const std::size_t len = cls >= cls_lead2 ? utf8_sequence(p, end, cls, valid) : 1;
    if (!valid) {
      if (p > run) break;  // the run first; the replacement is the next piece
      pos = static_cast<std::size_t>(p + len - begin);
      return std::string_view(replacement_char, 3);
    }
    p += len;
  }
  pos = static_cast<std::size_t>(p - begin);
  return std::string_view(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
}

// Writes [begin, end) escaped, where [begin, p) is already known to need no escaping.
inline void write_escaped_rest(sink& out, const unsigned char* begin, const unsigned char* p,
                               const unsigned char* end) noexcept {
  const unsigned char* run = begin;
  while (p < end) {
    out.write(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    const std::uint8_t cls = escape_classes.v[*p];
    std::size_t len = 1;
    if (cls == cls_escape) {
      sink_write_escape(out, *p);
    } else if (cls >= cls_lead2) {
      bool valid = false;
      len = utf8_sequence(p, end, cls, valid);
      if (valid) {
        out.write(p[2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
      } else {
        out.write(replacement_char, 3);
      }
    } else {
      out.write(replacement_char, 3);
    }
    p += len;
    run = p;
    p = skip_plain(p, end);
  }
  out.write(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
}

inline void write_escaped(sink& out, std::string_view s) noexcept {
  const unsigned char* const begin = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = begin + s.size();
  write_escaped_rest(out, begin, skip_plain(begin, end), end);
}

/// n / d and n % d for a divisor below 2^24. On 32-bit targets this avoids libgcc's 64-bit
/// division (__aeabi_uldivmod, ~0.8 KiB on a Cortex-M): one 32-bit division for the high word,
/// then four 8-bit long-division steps. Exact, so results match the plain operators.
struct divmod_result {
  std::uint64_t quot;
  std::uint32_t rem;
};
constexpr divmod_result divmod_u64(std::uint64_t n, std::uint32_t d) noexcept {
#if UINTPTR_MAX > 0xFFFFFFFFu
  return {n / d, static_cast<std::uint32_t>(n % d)};
#else
  const auto hi = static_cast<std::uint32_t>(n >> 32);
  const auto lo = static_cast<std::uint32_t>(n);
  std::uint32_t r = hi % d;
  std::uint32_t q = 0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const std::uint32_t cur = (r << 8) | ((lo >> shift) & 0xFFu);  // r < d < 2^24: no overflow
    q = (q << 8) | (cur / d);
    r = cur % d;
  }
  return {(static_cast<std::uint64_t>(hi / d) << 32) | q, r};
#endif
}

inline constexpr char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

inline std::size_t format_uint(char* out, std::uint64_t v) noexcept {
  // Count first, then write backwards in place: going through a temporary and copying costs a
  // store-forwarding stall per number.
  std::size_t n = 1;
  for (std::uint64_t limit = 10; n < 20 && v >= limit; limit *= 10) ++n;
  std::size_t i = n;
  while (v > 0xFFFFFFFFu) {
    const divmod_result qr = divmod_u64(v, 100);
    const std::size_t two = static_cast<std::size_t>(qr.rem) * 2;
    v = qr.quot;
    out[--i] = digit_pairs[two + 1];
    out[--i] = digit_pairs[two];
  }
  auto w = static_cast<std::uint32_t>(v);  // the rest in 32-bit arithmetic
  while (w >= 100) {
    const std::size_t two = static_cast<std::size_t>(w % 100) * 2;
    w /= 100;
    out[--i] = digit_pairs[two + 1];
    out[--i] = digit_pairs[two];
  }
  v = w;
  if (v >= 10) {
    const std::size_t two = static_cast<std::size_t>(v) * 2;
    out[--i] = digit_pairs[two + 1];
    out[--i] = digit_pairs[two];
  } else {
    out[--i] = static_cast<char>('0' + v);
  }
  return n;
}

inline std::size_t format_int(char* out, std::int64_t v) noexcept {
  if (v >= 0) return format_uint(out, static_cast<std::uint64_t>(v));
  *out = '-';
  // Negate in unsigned arithmetic: -INT64_MIN overflows int64.
  return 1 + format_uint(out + 1, 0 - static_cast<std::uint64_t>(v));
}

inline void put2(char* out, unsigned v) noexcept {
  out[0] = digit_pairs[v * 2];
  out[1] = digit_pairs[v * 2 + 1];
}

// 9999-12-31T23:59:59.999999Z: RFC 3339 has four-digit years.
inline constexpr std::int64_t max_epoch_us = 253402300799999999;

inline std::size_t format_rfc3339(char* out, std::int64_t epoch_us) noexcept {
  if (epoch_us < 0 || epoch_us > max_epoch_us) epoch_us = 0;
  const divmod_result s_us = divmod_u64(static_cast<std::uint64_t>(epoch_us), 1000000);
  const std::uint64_t secs = s_us.quot;
  const unsigned frac = s_us.rem;
  // secs < 2^38 and days < 2^22 up to year 9999: 32-bit arithmetic from here on.
  const divmod_result d_s = divmod_u64(secs, 86400);
  const auto days = static_cast<std::uint32_t>(d_s.quot);
  const unsigned sod = d_s.rem;
  // Howard Hinnant's civil_from_days (http://howardhinnant.github.io/date_algorithms.html),
  // for days >= 0 only, so every quantity stays unsigned.
  const std::uint32_t z = days + 719468;
  const std::uint32_t era = z / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const unsigned year = static_cast<unsigned>(era * 400) + yoe + (month <= 2 ? 1u : 0u);

  put2(out, year / 100);
  put2(out + 2, year % 100);
  out[4] = '-';
  put2(out + 5, month);
  out[7] = '-';
  put2(out + 8, day);
  out[10] = 'T';
  put2(out + 11, sod / 3600);
  out[13] = ':';
  put2(out + 14, sod / 60 % 60);
  out[16] = ':';
  put2(out + 17, sod % 60);
  out[19] = '.';
  put2(out + 20, frac / 10000);
  put2(out + 22, frac / 100 % 100);
  put2(out + 24, frac % 100);
  out[26] = 'Z';
  return 27;
}

struct hex_pair_table {
  char v[512];
};

constexpr hex_pair_table make_hex_pairs() noexcept {
  hex_pair_table t{};
  for (int b = 0; b < 256; ++b) {
    t.v[2 * b] = hex_digits[b >> 4];
    t.v[2 * b + 1] = hex_digits[b & 0xF];
  }
  return t;
}

// One two-byte copy per input byte: ids are a third of a span's bytes.
inline constexpr hex_pair_table hex_pairs = make_hex_pairs();

inline void hex_lower(char* out, const std::uint8_t* bytes, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) std::memcpy(out + 2 * i, hex_pairs.v + 2 * bytes[i], 2);
}

inline std::size_t utf8_truncate(std::string_view s, std::size_t max_bytes) noexcept {
  if (s.size() <= max_bytes) return s.size();
  // s[max_bytes] is the first byte cut off. The cut splits a sequence only when a lead byte
  // before it announces more bytes than lie before the cut; a stray continuation byte after a
  // complete character ("é" then 0x80) splits nothing, so the character stays.
  if ((static_cast<unsigned char>(s[max_bytes]) & 0xC0) != 0x80) return max_bytes;
  std::size_t start = max_bytes;
  for (int back = 0; back < 3 && start > 0 && (static_cast<unsigned char>(s[start - 1]) & 0xC0) == 0x80; ++back) --start;
  if (start == 0) return max_bytes;
  const auto lead = static_cast<unsigned char>(s[start - 1]);
  const std::size_t need = lead >= 0xF8 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  const std::size_t have = max_bytes - (start - 1);  // the lead and its continuations kept
  return need > have && need > 1 ? start - 1 : max_bytes;
}

// --- doubles ---------------------------------------------------------------------------------

// Writes digits[0..ndigits) (no leading or trailing zeros) times 10^(point - ndigits) the way
// ECMAScript's Number::toString does: plain notation for 1e-7 < |v| < 1e21, else d.ddde+x.
inline std::size_t format_decimal_js(char* out, bool negative, const char* digits, int ndigits,
                                     int point) noexcept {
  char* o = out;
  if (negative) *o++ = '-';
  const std::size_t nd = static_cast<std::size_t>(ndigits);
  if (ndigits <= point && point <= 21) {
    std::memcpy(o, digits, nd);
    o += nd;
    for (int i = ndigits; i < point; ++i) *o++ = '0';
  } else if (0 < point && point <= 21) {
    const std::size_t np = static_cast<std::size_t>(point);
    std::memcpy(o, digits, np);
    o += np;
    *o++ = '.';
    std::memcpy(o, digits + np, nd - np);
    o += nd - np;
  } else if (-6 < point && point <= 0) {
    *o++ = '0';
    *o++ = '.';
    for (int i = point; i < 0; ++i) *o++ = '0';
    std::memcpy(o, digits, nd);
    o += nd;
  } else {
    *o++ = digits[0];
    if (ndigits > 1) {
      *o++ = '.';
      std::memcpy(o, digits + 1, nd - 1);
      o += nd - 1;
    }
    *o++ = 'e';
    int e = point - 1;
    *o++ = e < 0 ? '-' : '+';
    if (e < 0) e = -e;
    o += format_uint(o, static_cast<std::uint64_t>(e));
  }
  return static_cast<std::size_t>(o - out);
}

// Exact decimal expansion of M * 2^E, kept as its leading digits plus a sticky flag: enough to
// round to 17 digits and to compare against such a number exactly.
struct big_decimal {
  char d[40];     // d[0] != '0'; no trailing zeros
  int len;
  int point;      // value = 0.d[0]d[1]... * 10^point
  bool sticky;    // nonzero digits follow d[len-1] further down
};

struct big_uint {
  // 5^1075 * 2^55 < 2^2552: the largest product format_double_portable forms.
  static constexpr int max_limbs = 81;
  std::uint32_t limb[max_limbs];
  int n;
};

inline void big_mul_small(big_uint& b, std::uint32_t m) noexcept {
  std::uint64_t carry = 0;
  for (int i = 0; i < b.n; ++i) {
    const std::uint64_t t = static_cast<std::uint64_t>(b.limb[i]) * m + carry;
    b.limb[i] = static_cast<std::uint32_t>(t);
    carry = t >> 32;
  }
  if (carry != 0 && b.n < big_uint::max_limbs) b.limb[b.n++] = static_cast<std::uint32_t>(carry);
}

inline std::uint32_t big_divmod_small(big_uint& b, std::uint32_t d) noexcept {
  std::uint64_t r = 0;
  for (int i = b.n - 1; i >= 0; --i) {
    const std::uint64_t cur = (r << 32) | b.limb[i];
    b.limb[i] = static_cast<std::uint32_t>(cur / d);
    r = cur % d;
  }
  while (b.n > 0 && b.limb[b.n - 1] == 0) --b.n;
  return static_cast<std::uint32_t>(r);
}

inline big_decimal expand_binary(std::uint64_t m, int e) noexcept {
  big_uint b;
  b.limb[0] = static_cast<std::uint32_t>(m);
  b.limb[1] = static_cast<std::uint32_t>(m >> 32);
  b.n = b.limb[1] ? 2 : 1;
  int shift10 = 0;
  if (e >= 0) {
    const int words = e / 32, bits = e % 32;
    for (int i = b.n - 1; i >= 0; --i) b.limb[i + words] = b.limb[i];
    for (int i = 0; i < words; ++i) b.limb[i] = 0;
    b.n += words;
    b.limb[b.n] = 0;
    if (bits != 0) {
      for (int i = b.n; i > words; --i)
        b.limb[i] = (b.limb[i] << bits) | (b.limb[i - 1] >> (32 - bits));
      b.limb[words] <<= bits;
    }
    ++b.n;
    while (b.n > 0 && b.limb[b.n - 1] == 0) --b.n;
  } else {
    // m * 2^e == m * 5^-e / 10^-e: the digits of the integer m * 5^-e, point moved left.
    shift10 = -e;
    int k = -e;
    for (; k >= 13; k -= 13) big_mul_small(b, 1220703125u);  // 5^13, the largest power below 2^32
    std::uint32_t p5 = 1;
    for (; k > 0; --k) p5 *= 5;
    big_mul_small(b, p5);
  }

  // Nine digits at a time from the bottom; only the top four chunks are kept.
  std::uint32_t ring[4] = {0, 0, 0, 0};
  int chunks = 0;
  bool sticky = false;
  while (b.n > 0) {
    const std::uint32_t r = big_divmod_small(b, 1000000000u);
    if (chunks >= 4 && ring[chunks % 4] != 0) sticky = true;
    ring[chunks % 4] = r;
    ++chunks;
  }
  big_decimal out{};
  int top_digits = 0;
  for (int c = chunks - 1; c >= 0 && c >= chunks - 4; --c) {
    std::uint32_t v = ring[c % 4];
    char nine[9];
    for (int i = 8; i >= 0; --i) {
      nine[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    int start = 0;
    if (c == chunks - 1) {
      while (start < 8 && nine[start] == '0') ++start;
      top_digits = 9 - start;
    }
    for (int i = start; i < 9; ++i) out.d[out.len++] = nine[i];
  }
  out.point = (chunks - 1) * 9 + top_digits - shift10;
  out.sticky = sticky;
  while (out.len > 0 && out.d[out.len - 1] == '0') --out.len;
  return out;
}

// Compares two positive decimals given by digits (missing digits are zeros) and sticky flags.
inline int compare_decimal(const char* ad, int alen, int apoint, bool asticky, const big_decimal& b) noexcept {
  if (apoint != b.point) return apoint < b.point ? -1 : 1;
  const int n = alen > b.len ? alen : b.len;
  for (int i = 0; i < n; ++i) {
    const char x = i < alen ? ad[i] : '0';
    const char y = i < b.len ? b.d[i] : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  if (asticky != b.sticky) return asticky ? 1 : -1;
  return 0;
}

inline std::size_t format_double_portable(char* out, double v) noexcept {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const bool negative = (bits >> 63) != 0;
  const int biased = static_cast<int>((bits >> 52) & 0x7FF);
  std::uint64_t frac = bits & ((std::uint64_t{1} << 52) - 1);
  if (biased == 0x7FF) {
    std::memcpy(out, "null", 4);
    return 4;
  }
  if (biased == 0 && frac == 0) {
    out[0] = '0';  // -0 too: JavaScript prints it as "0"
    return 1;
  }
  std::uint64_t m = biased == 0 ? frac : frac | (std::uint64_t{1} << 52);
  const int e = biased == 0 ? -1074 : biased - 1075;

  // The shortest digits are the fewest that land strictly inside the interval of reals that
  // round to v (its ends too when m is even: round-half-even then picks v). The interval ends
  // halfway to the neighbours; below a power of two the lower neighbour is half as far away.
  const big_decimal val = expand_binary(m, e);
  const bool tight_below = frac == 0 && biased > 1;
  const big_decimal lower = tight_below ? expand_binary(4 * m - 1, e - 2) : expand_binary(2 * m - 1, e - 1);
  const big_decimal upper = expand_binary(2 * m + 1, e - 1);
  const bool inclusive = (m & 1) == 0;
  auto inside = [&](const char* d, int len, int point) {
    const int lo = compare_decimal(d, len, point, false, lower);
    const int hi = compare_decimal(d, len, point, false, upper);
    return (lo > 0 || (lo == 0 && inclusive)) && (hi < 0 || (hi == 0 && inclusive));
  };

  for (int p = 1; p <= 17; ++p) {
    // down: the first p digits; up: down plus one unit in the last place.
    char down[18], up[18];
    for (int i = 0; i < p; ++i) down[i] = i < val.len ? val.d[i] : '0';
    const bool exact = p >= val.len && !val.sticky;
    int up_point = val.point;
    std::memcpy(up, down, static_cast<std::size_t>(p));
    int i = p - 1;
    while (i >= 0 && up[i] == '9') up[i--] = '0';
    if (i >= 0) {
      ++up[i];
    } else {
      up[0] = '1';  // 99..9 + 1 = 100..0: one more integer digit, p digits still
      for (int j = 1; j < p; ++j) up[j] = '0';
      ++up_point;
    }
    bool round_up = false;
    if (!exact) {
      const char next = p < val.len ? val.d[p] : '0';
      bool rest = val.sticky;
      for (int j = p + 1; j < val.len && !rest; ++j) rest = val.d[j] != '0';
      round_up = next > '5' || (next == '5' && (rest || ((down[p - 1] - '0') & 1) != 0));
    }
    const char* first = round_up ? up : down;
    const int first_point = round_up ? up_point : val.point;
    const char* second = round_up ? down : up;
    const int second_point = round_up ? val.point : up_point;
    const char* pick = nullptr;
    int pick_point = 0;
    if (exact || inside(first, p, first_point)) {
      pick = first;
      pick_point = first_point;
    } else if (inside(second, p, second_point)) {
      pick = second;
      pick_point = second_point;
    }
    if (pick != nullptr) {
      int len = p;
      while (len > 1 && pick[len - 1] == '0') --len;
      return format_decimal_js(out, negative, pick, len, pick_point);
    }
  }
  // Unreachable: 17 significant digits always identify a double.
  return format_decimal_js(out, negative, val.d, val.len < 17 ? val.len : 17, val.point);
}

/// The compact format of SENTRY_TRACE_DOUBLES=0 (config.hpp): |v| rounded to six decimals
/// (half away from zero), trailing zeros trimmed ("21.5", "3", "0.000001"; "0" for anything
/// that rounds to zero, -0 included); |v| >= 2^64 as its leading digits and "e+N" (about 16
/// significant digits). NaN and infinities are written as null. Integer arithmetic on the bits
/// only: no soft-float routine and no 64-bit division is pulled in. At most 28 bytes.
inline std::size_t format_double_compact(char* out, double v) noexcept {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const int biased = static_cast<int>((bits >> 52) & 0x7FF);
  const std::uint64_t frac_bits = bits & ((std::uint64_t{1} << 52) - 1);
  if (biased == 0x7FF) {
    std::memcpy(out, "null", 4);
    return 4;
  }
  std::uint64_t m = biased == 0 ? frac_bits : frac_bits | (std::uint64_t{1} << 52);
  int e = biased == 0 ? -1074 : biased - 1075;  // |v| = m * 2^e
  char* o = out;
  if (bits >> 63) *o++ = '-';
  std::uint64_t whole = 0;
  std::uint32_t micros = 0;
  if (e > 11) {
    // |v| >= 2^64: m * 2^e = m' * 10^d, doubling m while it has room, else trading a factor 2
    // for a factor 10 (m / 5, rounded).
    std::uint32_t d = 0;
    for (; e > 0; --e) {
      if ((m >> 63) == 0) {
        m <<= 1;
      } else {
        const divmod_result qr = divmod_u64(m, 5);
        m = qr.quot + (qr.rem >= 3 ? 1 : 0);
        ++d;
      }
    }
    for (divmod_result qr = divmod_u64(m, 10); qr.rem == 0; qr = divmod_u64(m, 10)) {
      m = qr.quot;
      ++d;
    }
    o += format_uint(o, m);
    *o++ = 'e';
    *o++ = '+';
    o += format_uint(o, d);
    return static_cast<std::size_t>(o - out);
  }
  if (e >= 0) {
    whole = m << e;
  } else if (e > -75) {
    const int s = -e;  // 1..74: whole = m >> s; the fraction, as 64 bits below the point, is fr
    whole = s < 64 ? m >> s : 0;
    const std::uint64_t fr = s < 64 ? m << (64 - s) : m >> (s - 64);  // (the bits past 2^-64 do not matter)
    // micros = round(fr * 10^6 / 2^64), from fr's two halves: exact, as the inner floor drops
    // only bits below the 2^32 that the rounding adds.
    const std::uint64_t mid = (fr >> 32) * 1000000u + (((fr & 0xFFFFFFFFu) * 1000000u) >> 32);
    micros = static_cast<std::uint32_t>((mid + 0x80000000u) >> 32);
    if (micros == 1000000u) {
      micros = 0;
      ++whole;
    }
  }  // else |v| < 2^-22: rounds to 0
  if (whole == 0 && micros == 0) {
    out[0] = '0';  // no sign: -0 and tiny negatives print as "0", as JavaScript prints -0
    return 1;
  }
  o += format_uint(o, whole);
  if (micros != 0) {
    char six[6];
    for (int i = 5; i >= 0; --i) {
      six[i] = static_cast<char>('0' + micros % 10);
      micros /= 10;
    }
    int len = 6;
    while (six[len - 1] == '0') --len;
    *o++ = '.';
    std::memcpy(o, six, static_cast<std::size_t>(len));
    o += len;
  }
  return static_cast<std::size_t>(o - out);
}

inline std::size_t format_double(char* out, double v) noexcept {
#if !SENTRY_TRACE_DOUBLES
  return format_double_compact(out, v);
#elif SENTRY_TRACE_DETAIL_HAS_TO_CHARS
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  if (((bits >> 52) & 0x7FF) == 0x7FF) {
    std::memcpy(out, "null", 4);
    return 4;
  }
  if ((bits << 1) == 0) {
    out[0] = '0';
    return 1;
  }
  const bool negative = (bits >> 63) != 0;
  if (negative) v = -v;
  // Scientific form gives the shortest digits and the exponent apart: "1.2345e-07".
  char sci[32];
  const std::to_chars_result r = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  if (r.ec != std::errc()) return format_double_portable(out, negative ? -v : v);
  char digits[20];
  int nd = 0;
  const char* p = sci;
  for (; p < r.ptr && *p != 'e'; ++p) {
    if (*p != '.' && nd < 20) digits[nd++] = *p;
  }
  int exp10 = 0;
  bool exp_negative = false;
  if (p < r.ptr) ++p;  // 'e'
  if (p < r.ptr && (*p == '-' || *p == '+')) exp_negative = *p++ == '-';
  for (; p < r.ptr; ++p) exp10 = exp10 * 10 + (*p - '0');
  if (exp_negative) exp10 = -exp10;
  while (nd > 1 && digits[nd - 1] == '0') --nd;
  return format_decimal_js(out, negative, digits, nd, exp10 + 1);
#else
  return format_double_portable(out, v);
#endif
}

// --- decimal text in -------------------------------------------------------------------------
// The library's one reader of decimal numbers: traces_sample_rate from the environment,
// sample_rate and sample_rand from baggage, Retry-After and X-Sentry-Rate-Limits seconds. It
// keeps the text and converts it exactly (integer arithmetic), so "0.421337" is 421337
// millionths, never 421336 through a double, and a rate becomes the double nearest to it, the
// one JavaScript's parseFloat and Python's float() give.

/// A validated plain decimal ("1", "0.25", ".5", "5."): views of its digits before and after
/// the point. Signs, exponents, spaces and any other byte are refused by parse_decimal.
struct decimal_text {
  std::string_view whole;     ///< digits before the point, maybe empty
  std::string_view fraction;  ///< digits after the point, maybe empty
  bool point = false;         ///< a '.' was present
};

/// Splits `text` into a decimal_text. False (and `out` unchanged) for empty text, no digit at
/// all, a second point, a sign, an exponent or any other character.
constexpr bool parse_decimal(std::string_view text, decimal_text& out) noexcept {
  decimal_text d;
  std::size_t dot = std::string_view::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && dot == std::string_view::npos) dot = i;
    else if (c < '0' || c > '9') return false;
  }
  d.point = dot != std::string_view::npos;
  d.whole = text.substr(0, d.point ? dot : text.size());
  d.fraction = d.point ? text.substr(dot + 1) : std::string_view();
  if (d.whole.empty() && d.fraction.empty()) return false;
  out = d;
  return true;
}

/// The value times 10^places, rounded down (or up when `round_up`), exactly; saturates at
/// UINT64_MAX.
constexpr std::uint64_t decimal_scaled(const decimal_text& d, std::size_t places, bool round_up = false) noexcept {
  std::uint64_t v = 0;
  bool saturated = false;
  auto push = [&](char c) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10u) saturated = true;
    else v = v * 10u + digit;
  };
  for (char c : d.whole) push(c);
  for (std::size_t i = 0; i < places; ++i) push(i < d.fraction.size() ? d.fraction[i] : '0');
  if (saturated) return UINT64_MAX;
  if (round_up) {
    for (std::size_t i = places; i < d.fraction.size(); ++i)
      if (d.fraction[i] != '0') return v == UINT64_MAX ? v : v + 1;
  }
  return v;
}

#if SENTRY_TRACE_DOUBLES
// (With SENTRY_TRACE_DOUBLES=0, sampling.hpp reads rates to six decimals instead, without
// floating-point arithmetic.)
/// The double nearest to the decimal (ties to even), as a correctly rounding strtod gives it.
/// A first guess from the leading 19 digits is moved one ulp at a time until the value lies
/// between the guess's two rounding midpoints, each compared exactly (expand_binary). Exact for
/// up to 40 significant digits; beyond that only an input within 10^-40 of a midpoint could
/// round the wrong way.
inline double decimal_to_double(const decimal_text& d) noexcept {
  char sig[40];
  int n = 0, point = 0;
  bool sticky = false, seen = false;
  const std::size_t total = d.whole.size() + d.fraction.size();
  for (std::size_t i = 0; i < total; ++i) {
    const char c = i < d.whole.size() ? d.whole[i] : d.fraction[i - d.whole.size()];
    if (!seen) {
      if (c == '0') continue;
      seen = true;
      point = static_cast<int>(d.whole.size()) - static_cast<int>(i);  // value = 0.sig * 10^point
    }
    if (n < 40) sig[n++] = c;
    else if (c != '0') sticky = true;
  }
  while (n > 0 && sig[n - 1] == '0') --n;
  if (n == 0) return 0.0;
  if (point > 310) return std::numeric_limits<double>::infinity();
  if (point < -324) return 0.0;  // below half the smallest subnormal

  // First guess: the leading digits as an integer, scaled by powers of ten (a few ulps off).
  std::uint64_t lead = 0;
  const int k = n < 19 ? n : 19;
  for (int i = 0; i < k; ++i) lead = lead * 10u + static_cast<std::uint64_t>(sig[i] - '0');
  double guess = static_cast<double>(lead);
  constexpr double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                              1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  for (int e = point - k; e != 0;) {
    const int step = e > 22 ? 22 : e < -22 ? -22 : e;
    if (step > 0) guess *= pow10[step];
    else guess /= pow10[-step];
    e -= step;
  }

  constexpr std::uint64_t inf_bits = 0x7FF0000000000000u;
  std::uint64_t bits;
  std::memcpy(&bits, &guess, sizeof bits);
  if (bits >= inf_bits) bits = inf_bits - 1;  // an overflowed guess: start from the largest double
  // value <=> the midpoint between the double `b` and the next one up.
  auto above_mid = [&](std::uint64_t b) {
    const std::uint64_t exp = b >> 52, frac = b & 0xFFFFFFFFFFFFFu;
    const std::uint64_t m = exp == 0 ? frac : frac | (std::uint64_t{1} << 52);
    const int e = exp == 0 ? -1074 : static_cast<int>(exp) - 1075;
    return compare_decimal(sig, n, point, sticky, expand_binary(2 * m + 1, e - 1));
  };
  for (int step = 0; step < 128 && bits < inf_bits; ++step) {
    const int up = above_mid(bits);
    if (up > 0 || (up == 0 && (bits & 1u) != 0)) {
      ++bits;  // the next double up (or infinity past the largest)
      continue;
    }
    if (bits == 0) break;
    const int down = above_mid(bits - 1);
    if (down < 0 || (down == 0 && (bits & 1u) != 0)) {
      --bits;
      continue;
    }
    break;
  }
  double out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

/// parse_decimal and decimal_to_double in one: for rates.
inline bool parse_decimal(std::string_view text, double& out) noexcept {
  decimal_text d;
  if (!parse_decimal(text, d)) return false;
  out = decimal_to_double(d);
  return true;
}
#endif

}  // namespace detail

// --- sinks -----------------------------------------------------------------------------------

inline void sink::write_slow(const char* bytes, std::size_t n) noexcept {
  if (n == 0) return;
  total_ += n;
  if (overflow_) return;
  if (refill_ == nullptr) {
    overflow_ = true;
    return;
  }
  for (;;) {
    const std::size_t room = cap_ - size_;
    if (n <= room) {
      std::memcpy(buf_ + size_, bytes, n);
      size_ += n;
      return;
    }
    // Fill first, so that a flushing hook always hands on full chunks.
    if (room != 0) std::memcpy(buf_ + size_, bytes, room);
    size_ = cap_;
    bytes += room;
    n -= room;
    in_refill_ = true;
    const bool made_room = refill_(*this, n, user_);
    in_refill_ = false;
    if (!made_room || size_ >= cap_) {
      overflow_ = true;
      return;
    }
  }
}

#if SENTRY_TRACE_HOSTED
inline bool string_sink::grow(sink& s, std::size_t need, void* user) noexcept {
  string_sink& self = *static_cast<string_sink*>(user);
  std::size_t want = self.cap_ * 2;
  if (want < self.size_ + need) want = self.size_ + need;
  if (want < 256) want = 256;
#  if SENTRY_TRACE_EXCEPTIONS
  try {
#  endif
    if (want > self.out_.max_size() - self.base_) return false;
    self.out_.resize(self.base_ + want);
#  if SENTRY_TRACE_EXCEPTIONS
  } catch (...) {
    return false;
  }
#  endif
  s.reset_buffer(&self.out_[0] + self.base_, want);
  return true;
}

inline void string_sink::finish() {
  if (buf_ == nullptr) return;
  out_.resize(base_ + size_);  // shrinking: no allocation, no throw
  base_ = out_.size();
  buf_ = nullptr;
  cap_ = 0;
  size_ = 0;
}
#endif

inline bool callback_sink::flush_chunk(sink& s, std::size_t, void* user) noexcept {
  callback_sink& self = *static_cast<callback_sink*>(user);
  if (self.size_ != 0) self.fn_(self.buf_, self.size_, self.fn_user_);
  s.rewind(0);
  return true;
}

inline void callback_sink::finish() noexcept {
  if (size_ == 0 || fn_ == nullptr) return;
  fn_(buf_, size_, fn_user_);
  size_ = 0;  // delivered, not rewound: total() keeps counting
}

// --- json_writer -----------------------------------------------------------------------------

inline int json_writer::begin_value() noexcept {
  if (error_) return -1;
  if (depth_ == 0) return 0;  // top-level values are not separated
  const std::uint32_t bit = std::uint32_t{1} << (depth_ - 1);
  if (is_object_ & bit) {
    if (!after_key_) {
      error_ = true;
      return -1;
    }
    after_key_ = false;
    return 0;
  }
  const int sep = (has_member_ & bit) ? ',' : 0;
  has_member_ |= bit;
  return sep;
}

inline json_writer& json_writer::scalar(const char* text, std::size_t n) noexcept {
  const int sep = begin_value();
  if (sep < 0) return *this;
  if (sep != 0) out_.put(static_cast<char>(sep));
  out_.write(text, n);
  return *this;
}

// Formats a value of at most MaxLen bytes, with its separator, straight into the sink when it
// has room, else through a stack buffer (where the sink may refill or drop it).
template <std::size_t MaxLen, class Format>
inline json_writer& json_writer::formatted(Format format) noexcept {
  const int sep = begin_value();
  if (sep < 0) return *this;
  const std::size_t lead = sep != 0 ? 1 : 0;
  if (char* dst = out_.room_for(MaxLen + 1)) {
    dst[0] = static_cast<char>(sep);
    out_.commit(lead + format(dst + lead));
    return *this;
  }
  char buf[MaxLen + 1];
  buf[0] = static_cast<char>(sep);
  out_.write(buf, lead + format(buf + lead));
  return *this;
}

inline json_writer& json_writer::open(char c, bool object) noexcept {
  const int sep = begin_value();
  if (sep < 0) return *this;
  if (depth_ >= max_depth) {
    error_ = true;
    return *this;
  }
  if (sep != 0) out_.put(static_cast<char>(sep));
  out_.put(c);
  ++depth_;
  const std::uint32_t bit = std::uint32_t{1} << (depth_ - 1);
  has_member_ &= ~bit;
  if (object) {
    is_object_ |= bit;
  } else {
    is_object_ &= ~bit;
  }
  return *this;
}

inline json_writer& json_writer::close(char c, bool object) noexcept {
  if (error_) return *this;
  const std::uint32_t bit = depth_ == 0 ? 0 : std::uint32_t{1} << (depth_ - 1);
  if (depth_ == 0 || ((is_object_ & bit) != 0) != object || after_key_) {
    error_ = true;
    return *this;
  }
  out_.put(c);
  --depth_;
  return *this;
}

inline json_writer& json_writer::begin_object() noexcept { return open('{', true); }
inline json_writer& json_writer::end_object() noexcept { return close('}', true); }
inline json_writer& json_writer::begin_array() noexcept { return open('[', false); }
inline json_writer& json_writer::end_array() noexcept { return close(']', false); }

inline int json_writer::begin_key() noexcept {
  if (error_) return -1;
  const std::uint32_t bit = depth_ == 0 ? 0 : std::uint32_t{1} << (depth_ - 1);
  if ((is_object_ & bit) == 0 || after_key_) {
    error_ = true;
    return -1;
  }
  const int sep = (has_member_ & bit) ? ',' : 0;
  has_member_ |= bit;
  return sep;
}

inline json_writer& json_writer::key(std::string_view k) noexcept {
  const int sep = begin_key();
  if (sep < 0) return *this;
  quoted(sep, k, true);
  after_key_ = true;
  return *this;
}

template <std::size_t N>
inline json_writer& json_writer::literal_key(const char (&k)[N]) noexcept {
  return plain_key(k, N - 1);  // without the literal's NUL
}

// Not a template: where it is inlined (-O2) the length is a constant and the copy a few moves;
// at -Os it stays one function, rather than a copy per key.
inline json_writer& json_writer::plain_key(const char* k, std::size_t n) noexcept {
  const int sep = begin_key();
  if (sep < 0) return *this;
  const std::size_t lead = sep != 0 ? 1 : 0;
  if (char* dst = out_.room_for(n + 4)) {
    dst[0] = ',';  // overwritten by the quote when there is no separator
    dst[lead] = '"';
    std::memcpy(dst + lead + 1, k, n);
    dst[lead + 1 + n] = '"';
    dst[lead + 2 + n] = ':';
    out_.commit(lead + n + 3);
  } else {
    quoted(sep, std::string_view(k, n), true);  // the sink refills or keeps the overflow
  }
  after_key_ = true;
  return *this;
}

// Separator, quotes and escaped text. Plain text that fits is copied straight into the buffer:
// most names and values are short, and three small sink writes cost more than the copy.
inline void json_writer::quoted(int sep, std::string_view s, bool is_key) noexcept {
#if SENTRY_TRACE_DETAIL_SWAR_CTZ
  const unsigned char* const begin = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t lead = sep != 0 ? 1 : 0;
  const std::size_t tail = is_key ? 2 : 1;
  // Plain ASCII is copied as it is checked; anything else (UTF-8 included) takes the path below.
  const std::size_t padded = (s.size() + 7) & ~std::size_t{7};
  if (char* dst = out_.room_for(lead + 1 + (padded > s.size() + tail ? padded : s.size() + tail))) {
    if (detail::copy_plain_ascii(dst + lead + 1, begin, s.size())) {
      dst[0] = static_cast<char>(sep);
      dst[lead] = '"';
      char* after = dst + lead + 1 + s.size();
      after[0] = '"';
      if (is_key) after[1] = ':';
      out_.commit(lead + 1 + s.size() + tail);
      return;
    }
  }
#endif
  quoted_escaped(sep, s, is_key);
}

[[gnu::noinline]] inline void json_writer::quoted_escaped(int sep, std::string_view s, bool is_key) noexcept {
  const unsigned char* const begin = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = begin + s.size();
  const std::size_t lead = sep != 0 ? 1 : 0;
  const std::size_t tail = is_key ? 2 : 1;
  const unsigned char* const special = detail::skip_plain(begin, end);
  if (special == end) {
    if (char* dst = out_.room_for(lead + 1 + s.size() + tail)) {
      dst[0] = static_cast<char>(sep);
      dst[lead] = '"';
      if (!s.empty()) std::memcpy(dst + lead + 1, s.data(), s.size());
      char* after = dst + lead + 1 + s.size();
      after[0] = '"';
      if (is_key) after[1] = ':';
      out_.commit(lead + 1 + s.size() + tail);
      return;
    }
  }
  if (sep != 0) out_.put(static_cast<char>(sep));
  out_.put('"');
  detail::write_escaped_rest(out_, begin, special, end);
  out_.write("\":", tail);
}

inline json_writer& json_writer::string(std::string_view s) noexcept {
  const int sep = begin_value();
  if (sep >= 0) quoted(sep, s, false);
  return *this;
}

inline json_writer& json_writer::ascii_string(std::string_view s) noexcept {
  const int sep = begin_value();
  if (sep < 0) return *this;
  const std::size_t lead = sep != 0 ? 1 : 0;
  if (char* dst = out_.room_for(lead + 2 + s.size())) {
    dst[0] = static_cast<char>(sep);
    dst[lead] = '"';
    if (!s.empty()) std::memcpy(dst + lead + 1, s.data(), s.size());
    dst[lead + 1 + s.size()] = '"';
    out_.commit(lead + 2 + s.size());
    return *this;
  }
  quoted(sep, s, false);
  return *this;
}

inline json_writer& json_writer::number(std::int64_t v) noexcept {
  return formatted<20>([v](char* p) noexcept { return detail::format_int(p, v); });
}

inline json_writer& json_writer::number(std::uint64_t v) noexcept {
  return formatted<20>([v](char* p) noexcept { return detail::format_uint(p, v); });
}

inline json_writer& json_writer::number(double v) noexcept {
  return formatted<32>([v](char* p) noexcept { return detail::format_double(p, v); });
}

inline json_writer& json_writer::boolean(bool v) noexcept {
  return v ? scalar("true", 4) : scalar("false", 5);
}

inline json_writer& json_writer::null() noexcept { return scalar("null", 4); }

inline json_writer& json_writer::raw(std::string_view json) noexcept {
  return scalar(json.data(), json.size());
}

inline json_writer& json_writer::hex(const std::uint8_t* bytes, std::size_t n) noexcept {
  const int sep = begin_value();
  if (sep < 0) return *this;
  const std::size_t lead = sep != 0 ? 1 : 0;
  if (n <= 32) {  // ids: straight into the buffer when it has room
    if (char* dst = out_.room_for(lead + 2 * n + 2)) {
      dst[0] = static_cast<char>(sep);
      dst[lead] = '"';
      detail::hex_lower(dst + lead + 1, bytes, n);
      dst[lead + 1 + 2 * n] = '"';
      out_.commit(lead + 2 * n + 2);
      return *this;
    }
  }
  if (sep != 0) out_.put(static_cast<char>(sep));
  out_.put('"');
  char buf[64];
  while (n > 0) {
    const std::size_t k = n < sizeof buf / 2 ? n : sizeof buf / 2;
    detail::hex_lower(buf, bytes, k);
    out_.write(buf, 2 * k);
    bytes += k;
    n -= k;
  }
  out_.put('"');
  return *this;
}

inline json_writer& json_writer::timestamp(std::int64_t epoch_us) noexcept {
  timestamp_cache fresh;
  return timestamp(epoch_us, fresh);
}

inline json_writer& json_writer::timestamp(std::int64_t epoch_us, timestamp_cache& cache) noexcept {
  if (epoch_us < 0 || epoch_us > detail::max_epoch_us) epoch_us = 0;  // as format_rfc3339 does
  const detail::divmod_result s_us = detail::divmod_u64(static_cast<std::uint64_t>(epoch_us), 1000000);
  if (static_cast<std::int64_t>(s_us.quot) != cache.secs) {
    char text[27];
    detail::format_rfc3339(text, epoch_us);
    std::memcpy(cache.text, text, sizeof cache.text);
    cache.secs = static_cast<std::int64_t>(s_us.quot);
  }
  const unsigned frac = s_us.rem;
  return formatted<29>([&cache, frac](char* p) noexcept {
    p[0] = '"';
    std::memcpy(p + 1, cache.text, sizeof cache.text);
    p[20] = '.';
    detail::put2(p + 21, frac / 10000);
    detail::put2(p + 23, frac / 100 % 100);
    detail::put2(p + 25, frac % 100);
    p[27] = 'Z';
    p[28] = '"';
    return std::size_t{29};
  });
}

inline json_writer& json_writer::seconds(std::int64_t epoch_us) noexcept {
  if (epoch_us < 0 || epoch_us > detail::max_epoch_us) epoch_us = 0;
  return formatted<19>([epoch_us](char* p) noexcept {  // 12 digits until 9999, '.', 6 digits
    const detail::divmod_result qr = detail::divmod_u64(static_cast<std::uint64_t>(epoch_us), 1000000);  // >= 0 here
    std::size_t n = detail::format_uint(p, qr.quot);
    p[n++] = '.';
    const unsigned frac = qr.rem;
    detail::put2(p + n, frac / 10000);
    detail::put2(p + n + 2, frac / 100 % 100);
    detail::put2(p + n + 4, frac % 100);
    return n + 6;
  });
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_JSON_HPP

// end of part: include/sentry_trace/protocol/json.hpp

// =================================================================================================
// part: include/sentry_trace/protocol/host_contexts.hpp
// =================================================================================================

// sentry_trace/protocol/host_contexts.hpp -- contexts.os, contexts.runtime, contexts.device and sdk.packages
//
// WHAT IT DOES  Describes the host once, at init() (fill_host_contexts, into fixed buffers of
//               g_host), and writes it into every event and transaction payload as sentry-native
//               does: contexts.os {name, version, build, kernel_version}, contexts.runtime
//               {name, version, raw_description} and contexts.device {arch}; and the payload's
//               `sdk` with `packages: [{name, version}]`.
// FORMAT        os, where uname() exists (hosted POSIX builds): name = sysname ("Linux"),
//               version = the leading digits-and-dots of release (at most three numbers,
//               "6.1.0"), build = what follows it ("28-amd64"), kernel_version = the whole
//               release, as sentry-native's sentry__get_os_context. Elsewhere no os context,
//               except "Windows" by name on Windows.
//               runtime: the compiler (name "gcc", "clang" or "msvc", its version), and in
//               raw_description the standard library ("libstdc++ 12 (20220819)", "libc++ 15000"),
//               built at compile time from the macros they define; the device's arch from the target macros
//               (x86_64, x86, arm64, arm, riscv64, riscv32, xtensa; none otherwise).
//               sdk.packages names this library "cmake:sentry_trace" (its CMake package, in
//               Relay's "<registry>:<name>" form, as sentry-native writes
//               "github:getsentry/sentry-native").
// DOES NOT      allocate or run anything per event: the values are read once by init() and
//               copied into g_host; an event only writes them. Every value is checked for the
//               schema's type (a string) by the writer; empty values are left out.
// SPEC          https://develop.sentry.dev/sdk/data-model/event-payloads/contexts/
//               https://develop.sentry.dev/sdk/data-model/event-payloads/sdk/

#ifndef SENTRY_TRACE_HOST_CONTEXTS_HPP
#define SENTRY_TRACE_HOST_CONTEXTS_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#if SENTRY_TRACE_HOSTED && (defined(__unix__) || defined(__APPLE__))
#  include <sys/utsname.h>
#  define SENTRY_TRACE_DETAIL_UNAME 1
#else
#  define SENTRY_TRACE_DETAIL_UNAME 0
#endif

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

/// What the payloads say about the host. The views point into the buffers (or at literals);
/// tests may point them elsewhere to pin the output.
struct host_contexts {
  std::string_view os_name, os_version, os_build, kernel_version;
  std::string_view runtime_name, runtime_version, runtime_description;
  std::string_view arch;
  char os_name_buf[32] = {};
  char release_buf[96] = {};
};
inline host_contexts g_host{};

/// The SDK's package in `sdk.packages`.
inline constexpr std::string_view sdk_package_name = "cmake:sentry_trace";

/// Appends `s` to buf[0..cap) at `at`; returns the new length (cut at cap).
inline std::size_t append_text(char* buf, std::size_t cap, std::size_t at, std::string_view s) noexcept {
  const std::size_t n = s.size() < cap - at ? s.size() : cap - at;
  if (n) std::memcpy(buf + at, s.data(), n);
  return at + n;
}

/// The length of release's leading version, "6.1.0" of "6.1.0-28-amd64": digits and at most two dots.
inline std::size_t version_prefix(std::string_view release) noexcept {
  std::size_t i = 0, dots = 0;
  for (; i < release.size(); ++i) {
    const char c = release[i];
    if (c == '.' && dots < 2 && i > 0 && release[i - 1] != '.') ++dots;
    else if (c < '0' || c > '9') break;
  }
  while (i > 0 && release[i - 1] == '.') --i;  // "6." names no third number
  return i;
}

/// The target's architecture as Sentry names it, "" when not one of those known.
constexpr std::string_view target_arch() noexcept {
#if defined(__x86_64__) || defined(_M_X64)
  return "x86_64";
#elif defined(__i386__) || defined(_M_IX86)
  return "x86";
#elif defined(__aarch64__) || defined(_M_ARM64)
  return "arm64";
#elif defined(__arm__) || defined(_M_ARM)
  return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__riscv)
  return "riscv32";
#elif defined(__XTENSA__)
  return "xtensa";
#else
  return "";
#endif
}

/// A short text built at compile time (the compiler's and the standard library's versions, so
/// that init() runs no code for them and they cost a few bytes of constant data).
struct fixed_text {
  char text[64] = {};
  std::size_t len = 0;
  constexpr fixed_text& add(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size() && len < sizeof(text); ++i) text[len++] = s[i];
    return *this;
  }
  constexpr fixed_text& add(unsigned long long v) noexcept {
    char digits[20] = {};
    std::size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0 && n < sizeof(digits));
    while (n > 0 && len < sizeof(text)) text[len++] = digits[--n];
    return *this;
  }
  constexpr std::string_view view() const noexcept { return std::string_view(text, len); }
};

/// The compiler's name ("gcc", "clang", "msvc"; "" for another).
constexpr std::string_view compiler_name() noexcept {
#if defined(__clang__)
  return "clang";
#elif defined(__GNUC__)
  return "gcc";
#elif defined(_MSC_VER)
  return "msvc";
#else
  return "";
#endif
}
constexpr fixed_text compiler_version() noexcept {
  fixed_text t;
#if defined(__clang__)
  t.add(__clang_major__).add(".").add(__clang_minor__).add(".").add(__clang_patchlevel__);
#elif defined(__GNUC__)
  t.add(__GNUC__).add(".").add(__GNUC_MINOR__).add(".").add(__GNUC_PATCHLEVEL__);
#elif defined(_MSC_VER)
  t.add(_MSC_VER);
#endif
  return t;
}
/// The standard library and its version ("libstdc++ 12 (20220819)", "libc++ 15000").
constexpr fixed_text stdlib_description() noexcept {
  fixed_text t;
#if defined(_LIBCPP_VERSION)
  t.add("libc++ ").add(_LIBCPP_VERSION);
#elif defined(__GLIBCXX__) && defined(_GLIBCXX_RELEASE)
  t.add("libstdc++ ").add(_GLIBCXX_RELEASE).add(" (").add(__GLIBCXX__).add(")");
#elif defined(__GLIBCXX__)
  t.add("libstdc++ ").add(__GLIBCXX__);
#elif defined(_MSVC_STL_VERSION)
  t.add("msvc-stl ").add(_MSVC_STL_VERSION);
#endif
  return t;
}
inline constexpr fixed_text k_compiler_version = compiler_version();
inline constexpr fixed_text k_stdlib_description = stdlib_description();

/// Reads the host into `h` (init(); uname() allocates nothing).
inline void fill_host_contexts(host_contexts& h) noexcept {
  h = host_contexts{};
#if SENTRY_TRACE_DETAIL_UNAME
  struct utsname u;
  if (uname(&u) == 0) {
    const std::size_t name_len = append_text(h.os_name_buf, sizeof(h.os_name_buf), 0, u.sysname);
    const std::size_t rel_len = append_text(h.release_buf, sizeof(h.release_buf), 0, u.release);
    h.os_name = std::string_view(h.os_name_buf, name_len);
    h.kernel_version = std::string_view(h.release_buf, rel_len);
    const std::size_t v = version_prefix(h.kernel_version);
    h.os_version = h.kernel_version.substr(0, v);
    std::size_t b = v;
    if (b < rel_len && (h.release_buf[b] == '-' || h.release_buf[b] == '.')) ++b;
    h.os_build = h.kernel_version.substr(b);
  }
#elif defined(_WIN32)
  h.os_name = "Windows";
#endif
  h.runtime_name = compiler_name();
  h.runtime_version = k_compiler_version.view();
  h.runtime_description = k_stdlib_description.view();
  h.arch = target_arch();
}

/// One member of a host context: its key and where host_contexts keeps its value.
struct host_field {
  std::string_view key;
  std::string_view host_contexts::*value;
};
inline constexpr host_field os_fields[] = {{"name", &host_contexts::os_name},
                                           {"version", &host_contexts::os_version},
                                           {"build", &host_contexts::os_build},
                                           {"kernel_version", &host_contexts::kernel_version}};
inline constexpr host_field runtime_fields[] = {{"name", &host_contexts::runtime_name},
                                                {"version", &host_contexts::runtime_version},
                                                {"raw_description", &host_contexts::runtime_description}};
inline constexpr host_field device_fields[] = {{"arch", &host_contexts::arch}};

/// Context `name` with the members of `fields` that have a value; nothing when none has.
/// One loop over a table rather than a call per member: this runs inside every transaction's
/// writer, whose code a microcontroller's flash pays for.
template <std::size_t N>
void write_host_context(json_writer& w, std::string_view name, const host_contexts& h,
                        const host_field (&fields)[N]) noexcept {
  bool open = false;
  for (const host_field& f : fields) {
    const std::string_view v = h.*(f.value);
    if (v.empty()) continue;
    if (!open) w.key(name).begin_object();
    open = true;
    w.key(f.key).string(v);
  }
  if (open) w.end_object();
}

/// The os, runtime and device contexts, into an open `contexts` object; each only when it has
/// a value. Without uname() (or Windows) the os is never known, so its code is left out.
inline void write_host_contexts(json_writer& w, const host_contexts& h) noexcept {
#if SENTRY_TRACE_DETAIL_UNAME || defined(_WIN32)
  write_host_context(w, "os", h, os_fields);
#endif
  write_host_context(w, "runtime", h, runtime_fields);
  write_host_context(w, "device", h, device_fields);
}

/// `[{"name":"cmake:sentry_trace","version":"<version>"}]`, made at compile time.
constexpr fixed_text sdk_packages_json() noexcept {
  fixed_text t;
  t.add("[{\"name\":\"").add(sdk_package_name).add("\",\"version\":\"").add(std::string_view(version_string)).add("\"}]");
  return t;
}
inline constexpr fixed_text k_sdk_packages = sdk_packages_json();
static_assert(k_sdk_packages.len < sizeof(k_sdk_packages.text), "sdk.packages does not fit fixed_text");

/// A payload's `sdk`: name, version and packages (the envelope header's `sdk` has no packages).
inline void write_payload_sdk(json_writer& w) noexcept {
  w.literal_key("sdk").begin_object();
  w.literal_key("name").string(sdk_name);
  w.literal_key("version").string(version_string);
  w.literal_key("packages").raw(k_sdk_packages.view());
  w.end_object();
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_HOST_CONTEXTS_HPP

// end of part: include/sentry_trace/protocol/host_contexts.hpp

// =================================================================================================
// part: include/sentry_trace/protocol/type_name.hpp
// =================================================================================================

// sentry_trace/protocol/type_name.hpp -- an exception's type name as C++ spells it, without the heap
//
// WHAT IT DOES  readable_type_name() turns the name typeid() gives into the one a reader knows:
//               with the Itanium C++ ABI (g++, clang on every platform but MSVC) it demangles the
//               names exception classes have, "St13runtime_error" -> "std::runtime_error",
//               "N3app8db_errorE" -> "app::db_error", "NSt8ios_base7failureB5cxx11E" ->
//               "std::ios_base::failure[abi:cxx11]", "N12_GLOBAL__N_15oopsE" ->
//               "(anonymous namespace)::oops", as abi::__cxa_demangle prints them; MSVC's
//               "class app::db_error" loses its "class " / "struct ".
// DOES NOT      allocate: abi::__cxa_demangle may realloc() the caller's buffer (and needs
//               malloc'd memory), so this part decodes the subset itself into a fixed buffer. A
//               name outside that subset (a template, a local class, a substitution) or longer
//               than the buffer is returned as given, mangled: still unique, and what
//               `c++filt -t` reads.
// SPEC          https://itanium-cxx-abi.github.io/cxx-abi/abi.html#mangling

#ifndef SENTRY_TRACE_TYPE_NAME_HPP
#define SENTRY_TRACE_TYPE_NAME_HPP

#include <cstddef>
#include <cstring>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

/// Writes into out[0..cap) and remembers whether everything fitted.
struct name_out {
  char* buf;
  std::size_t cap;
  std::size_t len = 0;
  bool ok = true;
  void put(std::string_view s) noexcept {
    if (!ok || s.size() > cap - len) {
      ok = false;
      return;
    }
    std::memcpy(buf + len, s.data(), s.size());
    len += s.size();
  }
};

/// Reads a <source-name> (decimal length, then that many characters) at `at`; empty on error.
inline std::string_view read_source_name(std::string_view m, std::size_t& at) noexcept {
  std::size_t n = 0, digits = 0;
  while (at < m.size() && m[at] >= '0' && m[at] <= '9' && digits < 6) {
    n = n * 10 + static_cast<std::size_t>(m[at++] - '0');
    ++digits;
  }
  if (digits == 0 || n == 0 || n > m.size() - at) return {};
  std::string_view id = m.substr(at, n);
  at += n;
  return id;
}

/// Writes one unqualified name and the ABI tags after it ("B5cxx11" -> "[abi:cxx11]").
inline bool put_unqualified(std::string_view m, std::size_t& at, name_out& out) noexcept {
  const std::string_view id = read_source_name(m, at);
  if (id.empty()) return false;
  out.put(id.substr(0, 10) == "_GLOBAL__N" ? std::string_view("(anonymous namespace)") : id);
  while (at < m.size() && m[at] == 'B') {
    ++at;
    const std::string_view tag = read_source_name(m, at);
    if (tag.empty()) return false;
    out.put("[abi:");
    out.put(tag);
    out.put("]");
  }
  return true;
}

/// Demangles an Itanium class name of the subset above into out; false when it is not one.
inline bool demangle_class_name(std::string_view m, name_out& out) noexcept {
  std::size_t at = 0;
  const bool nested = !m.empty() && m[0] == 'N';
  if (nested) ++at;
  std::size_t parts = 0;
  if (m.substr(at, 2) == "St") {  // std::
    out.put("std");
    at += 2;
    ++parts;
  }
  do {
    if (parts++ != 0) out.put("::");
    if (!put_unqualified(m, at, out)) return false;
  } while (nested && at < m.size() && m[at] != 'E');
  if (nested) {  // N ... E names two parts at least
    if (at >= m.size() || m[at] != 'E' || parts < 2) return false;
    ++at;
  }
  return at == m.size() && out.ok;
}

/// The readable name of a type whose typeid().name() is `raw` (see above), written into
/// out[0..cap) when it must be rebuilt; otherwise a view of `raw` itself, which must outlive it.
inline std::string_view readable_type_name(const char* raw, char* out, std::size_t cap) noexcept {
  const std::string_view m = raw != nullptr ? std::string_view(raw) : std::string_view();
  if (m.empty()) return m;
#if defined(_MSC_VER) && !defined(__clang__)
  static_cast<void>(out);
  static_cast<void>(cap);
  if (m.substr(0, 6) == "class ") return m.substr(6);
  if (m.substr(0, 7) == "struct ") return m.substr(7);
  return m;
#else
  name_out o{out, cap};
  if (demangle_class_name(m, o)) return std::string_view(out, o.len);
  return m;
#endif
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_TYPE_NAME_HPP

// end of part: include/sentry_trace/protocol/type_name.hpp

// =================================================================================================
// part: include/sentry_trace/profiling/stack_walk.hpp
// =================================================================================================

// sentry_trace/profiling/stack_walk.hpp -- a thread's call stack from its frame-pointer chain
//
// WHAT IT DOES  The one unwinder of the library, shared by the sampling profiler (inside its
//               signal handler) and by error events (stack traces of the calling thread):
//                 machine_state_from_ucontext()  the interrupted PC, frame pointer, stack pointer
//                                                and link register, from a signal's ucontext;
//                 walk_frame_pointers()          the PC, then each caller's return address, by
//                                                following the chain of {saved fp, return
//                                                address} records that -fno-omit-frame-pointer
//                                                code keeps (x86-64: rbp; AArch64: x29);
//                 current_thread_stack_bounds()  the calling thread's stack, once, at
//                                                registration (it may allocate: never in a handler);
//                 capture_current_stack()        the calling thread's own stack, for error events.
//               From walk_frame_pointers(), out[0] is an exact PC and every later entry a
//               return address, which points after its call: a symbolizer looks up
//               (address - 1) for those (frame_lookup_address). From capture_current_stack(),
//               every entry is a return address (its out[0] is where its caller resumes).
// DOES NOT      read outside the bounds it is given: a record is followed only when it lies
//               wholly inside [max(sp, bounds.low), bounds.high), is aligned, and lies above the
//               one before it (a stack grows down, so callers' frames are at higher addresses),
//               which also ends every cycle. Code built without frame pointers yields its PC
//               (and on AArch64 its link register) and then stops, or yields a shorter chain:
//               never a crash. No allocation, no lock, no libc call in the walk: it is
//               async-signal-safe. Unsupported targets (not Linux on x86-64 or AArch64)
//               compile the same calls to "nothing captured" (profiling_supported is false).
// THREADS       walk_frame_pointers() reads only the stack it is given; call it on the thread
//               that owns that stack (the profiler's handler runs on the sampled thread).

#ifndef SENTRY_TRACE_PROFILING_STACK_WALK_HPP
#define SENTRY_TRACE_PROFILING_STACK_WALK_HPP

#include <cstddef>
#include <cstdint>

#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS && defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#  define SENTRY_TRACE_DETAIL_PROFILING 1
#  include <pthread.h>
#  include <ucontext.h>
#else
#  define SENTRY_TRACE_DETAIL_PROFILING 0
#endif

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// True where the profiler and native stack traces work: hosted Linux on x86-64 or AArch64
/// with threads. Elsewhere every call below captures nothing.
inline constexpr bool profiling_supported = SENTRY_TRACE_DETAIL_PROFILING != 0;

/// The deepest stack captured; deeper stacks keep their innermost max_stack_frames frames.
inline constexpr std::size_t max_stack_frames = 128;

/// A thread's stack: [low, high). high is the end the stack grows down from.
struct stack_bounds {
  std::uintptr_t low = 0;
  std::uintptr_t high = 0;
};

/// The registers the walk starts from.
struct machine_state {
  std::uintptr_t pc = 0;  ///< the interrupted instruction
  std::uintptr_t fp = 0;  ///< frame pointer (rbp / x29)
  std::uintptr_t sp = 0;  ///< stack pointer: nothing below it belongs to a live frame
  std::uintptr_t lr = 0;  ///< AArch64's link register (0 on x86-64)
};

/// The address a symbolizer looks up for entry `index` of a walk: a return address points
/// after its call instruction, possibly at the first byte of the next function, so it is
/// looked up one byte earlier; entry 0 is the exact PC.
constexpr std::uintptr_t frame_lookup_address(std::uintptr_t address, std::size_t index) noexcept {
  return index == 0 || address == 0 ? address : address - 1;
}

/// Reads PC, frame pointer, stack pointer (and AArch64's link register) from the ucontext_t a
/// SA_SIGINFO handler receives. False where profiling is not supported.
inline bool machine_state_from_ucontext(const void* ucontext, machine_state& out) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  if (ucontext == nullptr) return false;
  const mcontext_t& m = static_cast<const ucontext_t*>(ucontext)->uc_mcontext;
#  if defined(__x86_64__)
  out.pc = static_cast<std::uintptr_t>(m.gregs[REG_RIP]);
  out.fp = static_cast<std::uintptr_t>(m.gregs[REG_RBP]);
  out.sp = static_cast<std::uintptr_t>(m.gregs[REG_RSP]);
  out.lr = 0;
#  else
  out.pc = static_cast<std::uintptr_t>(m.pc);
  out.fp = static_cast<std::uintptr_t>(m.regs[29]);
  out.sp = static_cast<std::uintptr_t>(m.sp);
  out.lr = static_cast<std::uintptr_t>(m.regs[30]);
#  endif
  return true;
#else
  (void)ucontext;
  (void)out;
  return false;
#endif
}

/// A frame record: what a frame pointer points at.
struct frame_record {
  std::uintptr_t saved_fp;
  std::uintptr_t return_address;
};

/// True when a whole frame record at `fp` lies in [low, high) and is aligned.
constexpr bool record_readable(std::uintptr_t fp, std::uintptr_t low, std::uintptr_t high) noexcept {
  return fp >= low && fp % alignof(frame_record) == 0 && high >= sizeof(frame_record) &&
         fp <= high - sizeof(frame_record);
}

/// Writes the PC and then the callers' return addresses of the stack described by `s` into
/// `out` (at most `max`), reading only frame records inside [max(s.sp, b.low), b.high);
/// returns how many were written. On AArch64 the link register follows the PC when the frame
/// pointer does not lead into the stack (a leaf that keeps no frame record).
inline std::size_t walk_frame_pointers(const machine_state& s, stack_bounds b, std::uintptr_t* out,
                                       std::size_t max) noexcept {
  if (max == 0 || s.pc == 0) return 0;
  std::size_t n = 0;
  out[n++] = s.pc;
  const std::uintptr_t low = s.sp > b.low ? s.sp : b.low;
  std::uintptr_t fp = s.fp;
  if (!record_readable(fp, low, b.high)) {
    if (s.lr != 0 && n < max) out[n++] = s.lr;
    return n;
  }
  while (n < max && record_readable(fp, low, b.high)) {
    const frame_record* r = reinterpret_cast<const frame_record*>(fp);
    if (r->return_address == 0) break;
    out[n++] = r->return_address;
    // The caller's record lies above this one; anything else is not a chain (or a cycle).
    if (r->saved_fp <= fp) break;
    fp = r->saved_fp;
  }
  return n;
}

/// The calling thread's stack bounds. May allocate (glibc reads /proc/self/maps for the main
/// thread): call it when a thread registers, never in a signal handler.
inline bool current_thread_stack_bounds(stack_bounds& out) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return false;
  void* addr = nullptr;
  std::size_t size = 0;
  const bool ok = pthread_attr_getstack(&attr, &addr, &size) == 0 && addr != nullptr && size != 0;
  pthread_attr_destroy(&attr);
  if (!ok) return false;
  out.low = reinterpret_cast<std::uintptr_t>(addr);
  out.high = out.low + size;
  return true;
#else
  (void)out;
  return false;
#endif
}

/// The calling thread's stack, innermost first, without the `skip` innermost frames of its
/// callers inside the library (0: the caller of capture_current_stack is out[0]). Bounded by
/// the current stack pointer below and the thread's stack end above (`bounds`, from
/// current_thread_stack_bounds(); pass {} to have it looked up, which may allocate).
[[gnu::noinline]] inline std::size_t capture_current_stack(std::uintptr_t* out, std::size_t max, std::size_t skip,
                                                           stack_bounds bounds = {}) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  if (bounds.high == 0 && !current_thread_stack_bounds(bounds)) return 0;
  // This function's own record: its return address is the caller's PC.
  machine_state s;
  s.fp = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  s.sp = s.fp;
  s.pc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  // Walk from the record of the caller's frame: s.pc is already its PC (a return address).
  std::uintptr_t all[max_stack_frames];
  const std::size_t limit = max + skip < max_stack_frames ? max + skip : max_stack_frames;
  machine_state caller = s;
  caller.fp = record_readable(s.fp, s.sp, bounds.high) ? reinterpret_cast<const frame_record*>(s.fp)->saved_fp : 0;
  const std::size_t n = walk_frame_pointers(caller, bounds, all, limit);
  std::size_t written = 0;
  for (std::size_t i = skip; i < n && written < max; ++i) out[written++] = all[i];
  return written;
#else
  (void)out;
  (void)max;
  (void)skip;
  (void)bounds;
  return 0;
#endif
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_PROFILING_STACK_WALK_HPP

// end of part: include/sentry_trace/profiling/stack_walk.hpp

// =================================================================================================
// part: include/sentry_trace/profiling/frames.hpp
// =================================================================================================

// sentry_trace/profiling/frames.hpp -- the records the profiler's parts hand each other
//
// WHAT IT DOES  Names the three shapes that cross from one profiling part to the next:
//                 raw_sample       what the signal handler captured on one thread (sampler.hpp
//                                  fills it, profile_store.hpp keeps it);
//                 profiled_thread  a registered thread's OS id and name (thread_metadata);
//                 resolved_frame   one address as a person reads it: function, module, in_app
//                                  (symbols.hpp fills it at flush time, the payload writers and
//                                  error events print it).
// DOES NOT      hold any state or code: it is the vocabulary, so that the sampler, the symbolizer
//               and the payload writers depend on it and not on one another.

#ifndef SENTRY_TRACE_PROFILING_FRAMES_HPP
#define SENTRY_TRACE_PROFILING_FRAMES_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// Threads the profiler samples at once (the one that calls init() and 30 more); their slots
/// are numbered 1..max_profiled_threads, 0 meaning "not a profiled thread". 31 fits the 5 bits a
/// span record keeps for it.
inline constexpr std::uint32_t max_profiled_threads = 31;

/// One sample of one thread: frames[0] is the interrupted PC, each later entry a return address
/// (frame_lookup_address() gives the address to look up), innermost first.
struct raw_sample {
  std::uint64_t mono_ns;      ///< when it was taken, on the sampler's monotonic clock
  std::uint32_t thread_slot;  ///< 1..max_profiled_threads
  std::uint32_t depth;        ///< entries of frames[] in use, 1..max_stack_frames
  std::uintptr_t frames[max_stack_frames];
};

/// A registered thread as the payloads name it.
struct profiled_thread {
  std::uint64_t tid;  ///< the OS thread id (gettid()), written as a string
  char name[64];      ///< NUL-terminated; cut at 63 bytes
};

/// One code address resolved to names. The strings point into the caller's scratch buffer or
/// into the symbolizer's image table, valid until the next resolve on that buffer.
struct resolved_frame {
  std::string_view function;     ///< demangled; empty when no symbol covers the address
  std::string_view module;       ///< the image's file name without its directory
  std::string_view module_path;  ///< the image's path as the loader has it
  bool in_app = false;           ///< the main executable, or an image options.in_app_include names
  std::uintptr_t symbol_addr = 0;       ///< where the function starts (0: unknown)
  std::uintptr_t instruction_addr = 0;  ///< the address that was resolved
  std::uint32_t image_index = 0;        ///< 1-based index in the symbolizer's image table, 0: none
};

/// Resolves `address` into `out`, using `scratch[0..cap)` for the strings; false when no loaded
/// image contains it (out then holds only instruction_addr).
using frame_resolver = bool (*)(std::uintptr_t address, resolved_frame& out, char* scratch, std::size_t cap) noexcept;

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_PROFILING_FRAMES_HPP

// end of part: include/sentry_trace/profiling/frames.hpp

// =================================================================================================
// part: include/sentry_trace/protocol/ids.hpp
// =================================================================================================

// sentry_trace/protocol/ids.hpp -- trace ids, span ids, event ids: generation, hex form, parsing
//
// WHAT IT DOES  A trace id is 16 random bytes written as 32 lowercase hex characters, a span id
//               8 random bytes as 16, an event id a uuid4 as 32 (PROTOCOL.md §7). Ids are never
//               all zeros (W3C) and always lowercase.
// DOES NOT      allocate, lock or call the entropy hook on the span path: each thread reads its
//               own ChaCha8 keystream under a key drawn once by init() (platform.hpp), so ids
//               seen outside do not tell the next ones.
// ERRORS        parse functions return false for the wrong length, uppercase or non-hex
//               characters, and all-zero ids, leaving the output untouched.

#ifndef SENTRY_TRACE_IDS_HPP
#define SENTRY_TRACE_IDS_HPP

// =================================================================================================
// part: include/sentry_trace/face/ids.hpp
// =================================================================================================

// sentry_trace/face/ids.hpp -- trace ids, span ids, event ids: the values users hold
//
// WHAT IT DOES  The id types (PROTOCOL.md §7): a trace id is 16 bytes written as 32 lowercase hex
//               characters, a span id 8 bytes as 16, an event id a uuid4 as 32. Generation and the
//               hex code are in protocol/ids.hpp, compiled by the implementation TU.
// ERRORS        parse functions return false for the wrong length, uppercase or non-hex
//               characters, and all-zero ids, leaving the output untouched.

#ifndef SENTRY_TRACE_FACE_IDS_HPP
#define SENTRY_TRACE_FACE_IDS_HPP

#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// 16-byte trace id shared by every span of one trace.
struct trace_id {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  constexpr bool is_zero() const noexcept { return hi == 0 && lo == 0; }
  /// Writes exactly 32 lowercase hex characters (no NUL).
  void to_hex(char* out32) const noexcept;
  /// Parses exactly 32 lowercase hex characters; false (and `out` untouched) otherwise or when zero.
  static bool parse(std::string_view hex, trace_id& out) noexcept;
  friend constexpr bool operator==(const trace_id& a, const trace_id& b) noexcept { return a.hi == b.hi && a.lo == b.lo; }
  friend constexpr bool operator!=(const trace_id& a, const trace_id& b) noexcept { return !(a == b); }
};

/// 8-byte span id; 0 means "none".
struct span_id {
  std::uint64_t value = 0;
  constexpr bool is_zero() const noexcept { return value == 0; }
  /// Writes exactly 16 lowercase hex characters (no NUL).
  void to_hex(char* out16) const noexcept;
  /// Parses exactly 16 lowercase hex characters; false (and `out` untouched) otherwise or when zero.
  static bool parse(std::string_view hex, span_id& out) noexcept;
  friend constexpr bool operator==(const span_id& a, const span_id& b) noexcept { return a.value == b.value; }
  friend constexpr bool operator!=(const span_id& a, const span_id& b) noexcept { return a.value != b.value; }
};

/// uuid4 used as an event id; written as 32 hex without dashes, as event payloads require.
struct event_id {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  void to_hex(char* out32) const noexcept;
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_IDS_HPP

// end of part: include/sentry_trace/face/ids.hpp

#include <cstdint>
#include <cstring>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
// The 8 hex digits of `v` as one little-endian word (first digit in the lowest byte): the nibbles
// spread to one per byte, then '0' or 'a' - 10 added to all eight at once (n + 6 carries into
// bit 4 exactly when n >= 10, and no byte carries into the next).
inline std::uint64_t u32_hex_word(std::uint32_t v) noexcept {
  std::uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFull;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFull;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0Full;  // nibble i in byte i
  const std::uint64_t letters = ((x + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
  return __builtin_bswap64(x + 0x3030303030303030ull + letters * ('a' - '0' - 10));
}

inline void u64_to_hex(std::uint64_t v, char* out16) noexcept {
  const std::uint64_t hi = u32_hex_word(static_cast<std::uint32_t>(v >> 32));
  const std::uint64_t lo = u32_hex_word(static_cast<std::uint32_t>(v));
  std::memcpy(out16, &hi, 8);
  std::memcpy(out16 + 8, &lo, 8);
}
#else
inline void u64_to_hex(std::uint64_t v, char* out16) noexcept {
  for (int i = 15; i >= 0; --i) {
    out16[i] = hex_digits[v & 0xf];
    v >>= 4;
  }
}
#endif

/// Parses exactly 16 lowercase hex characters. Uppercase is rejected on purpose: the SDKs'
/// sentry-trace regex and W3C both require lowercase.
inline bool parse_u64_hex(const char* p, std::uint64_t& out) noexcept {
  std::uint64_t v = 0;
  for (int i = 0; i < 16; ++i) {
    char c = p[i];
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else return false;
    v = (v << 4) | d;
  }
  out = v;
  return true;
}

inline trace_id new_trace_id() noexcept {
  trace_id t;
  do {
    t.hi = random_u64();
    t.lo = random_u64();
  } while (t.is_zero());
  return t;
}

inline span_id new_span_id() noexcept {
  span_id s;
  do s.value = random_u64();
  while (s.value == 0);
  return s;
}

inline event_id new_event_id() noexcept {
  event_id e;
  e.hi = (random_u64() & ~0xf000ull) | 0x4000ull;                 // version 4
  e.lo = (random_u64() & ~(3ull << 62)) | (2ull << 62);           // RFC 4122 variant
  return e;
}

} // namespace detail

#ifdef SENTRY_TRACE_IMPLEMENTATION
// The face declares these members (face/ids.hpp); they are defined once, here.
void trace_id::to_hex(char* out32) const noexcept {
  detail::u64_to_hex(hi, out32);
  detail::u64_to_hex(lo, out32 + 16);
}
bool trace_id::parse(std::string_view hex, trace_id& out) noexcept {
  trace_id t;
  if (hex.size() != 32 || !detail::parse_u64_hex(hex.data(), t.hi) || !detail::parse_u64_hex(hex.data() + 16, t.lo) ||
      t.is_zero())
    return false;
  out = t;
  return true;
}
void span_id::to_hex(char* out16) const noexcept { detail::u64_to_hex(value, out16); }
bool span_id::parse(std::string_view hex, span_id& out) noexcept {
  std::uint64_t v = 0;
  if (hex.size() != 16 || !detail::parse_u64_hex(hex.data(), v) || v == 0) return false;
  out.value = v;
  return true;
}
void event_id::to_hex(char* out32) const noexcept {
  detail::u64_to_hex(hi, out32);
  detail::u64_to_hex(lo, out32 + 16);
}
#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_IDS_HPP

// end of part: include/sentry_trace/protocol/ids.hpp

// =================================================================================================
// part: include/sentry_trace/core/outcomes.hpp
// =================================================================================================

// sentry_trace/outcomes.hpp -- what was dropped or cut, counted by reason, for client reports
//
// WHAT IT DOES  Nothing is lost silently: every span, transaction or envelope the library does
//               not deliver is counted here by (reason, category), as Sentry's SDKs count
//               outcomes, and sent as a `client_report` item. Things that are kept but cut
//               (truncated strings, attributes over the cap, ...) are counted in `stats`. The
//               reasons, categories and `stats` themselves are in outcome_kinds.hpp.
// DOES NOT      lock: counters are relaxed atomics (plain integers when SENTRY_TRACE_THREADS=0).
// SPEC          https://develop.sentry.dev/sdk/telemetry/client-reports/

#ifndef SENTRY_TRACE_OUTCOMES_HPP
#define SENTRY_TRACE_OUTCOMES_HPP

// =================================================================================================
// part: include/sentry_trace/face/outcome_kinds.hpp
// =================================================================================================

// sentry_trace/outcome_kinds.hpp -- discard reasons, data categories and the stats a program reads
//
// WHAT IT DOES  The vocabulary of outcomes: `discard_reason` and `data_category` (with the
//               strings client reports and rate limits use for them) and `stats`, what
//               get_stats() returns. Written once, included by outcomes.hpp (tracing on, which
//               counts them) and by disabled.hpp (SENTRY_TRACE_ENABLED=0, where every counter
//               stays zero).
// DOES NOT      count anything or depend on any other part but config.hpp: the counters are in
//               outcomes.hpp.
// SPEC          https://develop.sentry.dev/sdk/telemetry/client-reports/

#ifndef SENTRY_TRACE_OUTCOME_KINDS_HPP
#define SENTRY_TRACE_OUTCOME_KINDS_HPP

#include <cstddef>
#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

/// Why something was not delivered (the client report `reason` strings).
enum class discard_reason : std::uint8_t {
  sample_rate,        ///< not sampled
  buffer_overflow,    ///< over a pool's capacity (spans, transactions, envelope bytes)
  queue_overflow,     ///< the delivery queue was full
  ratelimit_backoff,  ///< dropped before sending while the server's rate limit lasts
  network_error,      ///< the transport could not reach the server
  send_error,         ///< the server refused it
  invalid,            ///< a span never ended, or ended after its transaction was sent
  no_parent_span,     ///< a child whose explicit parent's transaction was already gone
  internal_sdk_error, ///< anything else inside the library
  before_send,        ///< options.before_send / before_send_transaction returned false
  event_processor,    ///< matched options.ignore_transactions (@sentry/core's eventFilters
                      ///< drops it from an event processor, reported with this reason)
  count_
};

/// What was not delivered (the rate-limit / client-report category strings).
enum class data_category : std::uint8_t { transaction, span, error, internal, count_ };

constexpr const char* to_string(discard_reason r) noexcept {
  constexpr const char* names[] = {"sample_rate",  "buffer_overflow", "queue_overflow",  "ratelimit_backoff",
                                   "network_error", "send_error",     "invalid",         "no_parent_span",
                                   "internal_sdk_error", "before_send", "event_processor"};
  return names[static_cast<std::size_t>(r) < static_cast<std::size_t>(discard_reason::count_)
                   ? static_cast<std::size_t>(r)
                   : static_cast<std::size_t>(discard_reason::internal_sdk_error)];
}
constexpr const char* to_string(data_category c) noexcept {
  constexpr const char* names[] = {"transaction", "span", "error", "internal"};
  return names[static_cast<std::size_t>(c) < static_cast<std::size_t>(data_category::count_) ? static_cast<std::size_t>(c) : 3];
}

/// Things kept but cut, and other diagnostics, readable with sentry_trace::get_stats().
/// With SENTRY_TRACE_ENABLED=0 every counter stays zero: nothing is recorded.
struct stats {
  std::uint64_t strings_truncated = 0;     ///< strings cut at SENTRY_TRACE_MAX_STRING or the arena's end
  std::uint64_t attributes_dropped = 0;    ///< over SENTRY_TRACE_MAX_ATTRIBUTES or the attribute pool, a NaN or
                                           ///< infinite value, one of the SDK's own keys, or a key the arena
                                           ///< could not hold whole
  std::uint64_t measurements_dropped = 0;  ///< over SENTRY_TRACE_MAX_MEASUREMENTS, no transaction, or not finite
  std::uint64_t depth_overflows = 0;       ///< spans not made active because SENTRY_TRACE_MAX_DEPTH was reached
  std::uint64_t timestamps_clamped = 0;    ///< given span times moved: a start after now (to now), an end
                                           ///< before its span's start (to the start); the span is still sent
  std::uint64_t envelopes_sent = 0;        ///< envelopes handed to the transport
  std::uint64_t client_reports_sent = 0;   ///< of which client reports
  std::uint64_t discarded_total = 0;       ///< sum of every outcome counted so far (also the reported ones)
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_OUTCOME_KINDS_HPP

// end of part: include/sentry_trace/face/outcome_kinds.hpp

#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

constexpr std::size_t reason_count = static_cast<std::size_t>(discard_reason::count_);
constexpr std::size_t category_count = static_cast<std::size_t>(data_category::count_);

/// Counters of outcomes not yet reported, and the running stats. 64-bit: a server that loses
/// a million spans an hour would wrap 32-bit counters within six months, and a lost count is
/// a silent one.
struct outcome_counters {
  atomic<std::uint64_t> pending[reason_count][category_count];
  atomic<std::uint64_t> strings_truncated;
  atomic<std::uint64_t> attributes_dropped;
  atomic<std::uint64_t> measurements_dropped;
  atomic<std::uint64_t> depth_overflows;
  atomic<std::uint64_t> timestamps_clamped;
  atomic<std::uint64_t> envelopes_sent;
  atomic<std::uint64_t> client_reports_sent;
  atomic<std::uint64_t> discarded_total;

  // Out of line: a dozen callers, none of them on the span path's common case.
  SENTRY_TRACE_DETAIL_OUT_OF_LINE void record(discard_reason r, data_category c, std::uint64_t quantity = 1) noexcept {
    if (quantity == 0) return;
    pending[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)].fetch_add(quantity, order_relaxed);
    discarded_total.fetch_add(quantity, order_relaxed);
  }
  /// A dropped transaction also counts its spans (root included), as the SDKs report it.
  void record_transaction(discard_reason r, std::uint32_t spans_including_root) noexcept {
    record(r, data_category::transaction, 1);
    record(r, data_category::span, spans_including_root);
  }
  bool any_pending() const noexcept {
    for (const auto& row : pending)
      for (const auto& cell : row)
        if (cell.load(order_relaxed) != 0) return true;
    return false;
  }
  void reset() noexcept {
    for (auto& row : pending)
      for (auto& cell : row) cell.store(0, order_relaxed);
    strings_truncated.store(0, order_relaxed);
    attributes_dropped.store(0, order_relaxed);
    measurements_dropped.store(0, order_relaxed);
    depth_overflows.store(0, order_relaxed);
    timestamps_clamped.store(0, order_relaxed);
    envelopes_sent.store(0, order_relaxed);
    client_reports_sent.store(0, order_relaxed);
    discarded_total.store(0, order_relaxed);
  }
  stats snapshot() const noexcept {
    stats s;
    s.strings_truncated = strings_truncated.load(order_relaxed);
    s.attributes_dropped = attributes_dropped.load(order_relaxed);
    s.measurements_dropped = measurements_dropped.load(order_relaxed);
    s.depth_overflows = depth_overflows.load(order_relaxed);
    s.timestamps_clamped = timestamps_clamped.load(order_relaxed);
    s.envelopes_sent = envelopes_sent.load(order_relaxed);
    s.client_reports_sent = client_reports_sent.load(order_relaxed);
    s.discarded_total = discarded_total.load(order_relaxed);
    return s;
  }
};

inline outcome_counters g_outcomes{};

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_OUTCOMES_HPP

// end of part: include/sentry_trace/core/outcomes.hpp

// =================================================================================================
// part: include/sentry_trace/core/records.hpp
// =================================================================================================

// sentry_trace/core/records.hpp -- what a transaction block stores per span, attribute, measurement
//
// WHAT IT DOES  Plain data the pool (pool.hpp) holds: span_record (one span), attribute_record (one
//               attribute, linked into its span's list), measurement_record, and arena_str (a
//               string copied into the block's arena). Slot states are published with release
//               stores, so a serializer on another thread reads a span only once it is complete.

#ifndef SENTRY_TRACE_CORE_RECORDS_HPP
#define SENTRY_TRACE_CORE_RECORDS_HPP

// =================================================================================================
// part: include/sentry_trace/face/status.hpp
// =================================================================================================

// sentry_trace/status.hpp -- span status, transaction source and event level, as Sentry names them
//
// WHAT IT DOES  The small value types a program passes in and reads back whether tracing is
//               compiled in or out: `span_status` (with to_string(), from_http_status() and
//               parse_span_status()), `transaction_source` and the event `level`, each with the
//               string Sentry writes for it. Written once, included by span.hpp and events.hpp
//               (tracing on) and by disabled.hpp (SENTRY_TRACE_ENABLED=0), so the mapping a
//               program computes is the same in both modes.
// DOES NOT      depend on any other part but config.hpp, allocate, or read global state: every
//               function is constexpr.
// SPEC          https://develop.sentry.dev/sdk/foundations/envelopes/event-payloads/span/

#ifndef SENTRY_TRACE_STATUS_HPP
#define SENTRY_TRACE_STATUS_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// Sentry's span statuses (PROTOCOL.md §4). `ok` is also what an unset status is written as.
/// The HTTP ranges are those of from_http_status().
enum class span_status : std::uint8_t {
  ok,                   ///< 100-399
  cancelled,            ///< 499 (JS); the caller gave up
  unknown_error,        ///< 600 and above in Python; written as "unknown_error", "unknown" accepted on input
  invalid_argument,     ///< 400 and any 4xx without its own status
  deadline_exceeded,    ///< 504
  not_found,            ///< 404
  already_exists,       ///< 409
  permission_denied,    ///< 403
  resource_exhausted,   ///< 429
  failed_precondition,  ///< 413
  aborted,
  out_of_range,
  unimplemented,        ///< 501
  internal_error,       ///< any 5xx without its own status; below 100 or 600 and above
  unavailable,          ///< 503
  data_loss,
  unauthenticated,      ///< 401
};

/// The status as Sentry writes it ("ok", "deadline_exceeded", ...).
constexpr const char* to_string(span_status s) noexcept {
  constexpr const char* names[] = {"ok", "cancelled", "unknown_error", "invalid_argument", "deadline_exceeded",
                                   "not_found", "already_exists", "permission_denied", "resource_exhausted",
                                   "failed_precondition", "aborted", "out_of_range", "unimplemented",
                                   "internal_error", "unavailable", "data_loss", "unauthenticated"};
  return static_cast<std::size_t>(s) < sizeof(names) / sizeof(names[0]) ? names[static_cast<std::size_t>(s)]
                                                                         : "unknown_error";
}

/// Maps an HTTP status code as @sentry/core 11 does (PROTOCOL.md §4): 100-399 ok, 401
/// unauthenticated, 403 permission_denied, 404 not_found, 409 already_exists, 413
/// failed_precondition, 429 resource_exhausted, 499 cancelled, other 4xx invalid_argument,
/// 501 unimplemented, 503 unavailable, 504 deadline_exceeded, other 5xx internal_error, and
/// anything below 100 or from 600 on internal_error.
constexpr span_status from_http_status(int code) noexcept {
  if (code >= 100 && code < 400) return span_status::ok;
  if (code >= 400 && code < 500) {
    switch (code) {
      case 401: return span_status::unauthenticated;
      case 403: return span_status::permission_denied;
      case 404: return span_status::not_found;
      case 409: return span_status::already_exists;
      case 413: return span_status::failed_precondition;
      case 429: return span_status::resource_exhausted;
      case 499: return span_status::cancelled;
      default: return span_status::invalid_argument;
    }
  }
  if (code >= 500 && code < 600) {
    switch (code) {
      case 501: return span_status::unimplemented;
      case 503: return span_status::unavailable;
      case 504: return span_status::deadline_exceeded;
      default: return span_status::internal_error;
    }
  }
  return span_status::internal_error;
}

/// Parses a status string. Accepts the 17 names, and what Relay also accepts: "unknown" (as
/// unknown_error), "success" (ok) and "failure" (internal_error). False for anything else.
constexpr bool parse_span_status(std::string_view text, span_status& out) noexcept {
  for (int i = 0; i <= static_cast<int>(span_status::unauthenticated); ++i) {
    if (text == to_string(static_cast<span_status>(i))) {
      out = static_cast<span_status>(i);
      return true;
    }
  }
  if (text == "unknown") { out = span_status::unknown_error; return true; }
  if (text == "success") { out = span_status::ok; return true; }
  if (text == "failure") { out = span_status::internal_error; return true; }
  return false;
}

/// Where a transaction's name came from (`transaction_info.source`). Sentry groups `url`
/// names as high-cardinality and leaves them out of the dynamic sampling context.
enum class transaction_source : std::uint8_t { custom, url, route, view, component, task };

constexpr const char* to_string(transaction_source s) noexcept {
  constexpr const char* names[] = {"custom", "url", "route", "view", "component", "task"};
  return names[static_cast<std::size_t>(s) < 6 ? static_cast<std::size_t>(s) : 0];
}

/// Severity of a message event (Sentry's level strings). Error events default to `error`;
/// `fatal` is for errors that end the program.
enum class level : std::uint8_t { debug, info, warning, error, fatal };

/// The level as Sentry writes it: "debug", "info", "warning", "error" or "fatal". A value
/// outside the enum gives "error", Sentry's default.
constexpr const char* to_string(level l) noexcept {
  constexpr const char* names[] = {"debug", "info", "warning", "error", "fatal"};
  return static_cast<std::size_t>(l) < sizeof(names) / sizeof(names[0]) ? names[static_cast<std::size_t>(l)]
                                                                         : "error";
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_STATUS_HPP

// end of part: include/sentry_trace/face/status.hpp

#include <cstdint>
#include <cstring>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// False for NaN and the infinities (no JSON form), from the bits: no floating-point
/// arithmetic, so small targets link no soft-float routine for it.
inline bool finite_double(double v) noexcept {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return ((bits >> 52) & 0x7FF) != 0x7FF;
}

/// A string copied into a transaction's arena.
struct arena_str {
  std::uint32_t offset;
  std::uint32_t length;
};

enum class attribute_type : std::uint8_t { string, int64, float64, boolean };

/// One attribute, linked into its span's list (indices into the block's attribute pool).
struct attribute_record {
  arena_str key;
  union {
    arena_str text;
    std::int64_t int_value;
    double float_value;
    bool bool_value;
  };
  attribute_type type;
  std::uint16_t next;  ///< index of the next attribute of the same span; no_index ends the list
};

inline constexpr std::uint16_t no_index = 0xffff;

/// Slot states, published with release stores so the serializer, which may run on another
/// thread, reads a span's fields only after they are complete.
enum : std::uint8_t { slot_started = 1, slot_ended = 2 };

/// Bits of span_record::given_times: which of start_ticks and end_ticks hold a time the user
/// gave (span_time: monotonic nanoseconds) rather than a span-clock reading.
enum : std::uint8_t { start_given = 1, end_given = 2 };

/// One span in a transaction block: plain data, written by the thread that owns its handle.
struct span_record {
  std::uint64_t start_ticks;    ///< span clock (core/clock.hpp), or monotonic ns (given_times): converted when serialized
  std::uint64_t end_ticks;
  span_id id;
  span_id parent;               ///< zero on a root that starts the trace
  arena_str name;
  arena_str op;
  arena_str origin;             ///< empty: "manual"
  std::uint16_t attr_head;
  std::uint16_t attr_tail;
  std::uint8_t attr_count;
  span_status status;
  // The two below share one byte, the record's only padding byte, so that it stays 64 bytes.
  std::uint8_t given_times : 2;  ///< start_given | end_given
  /// The span's attribute list holds the message of its current status
  /// (span::set_status(status, message)): a string attribute under the SDK's key
  /// sentry.status.message, which no user attribute may take, taken out of the list again by a
  /// later set_status without one, so the writers need not know about it. Read only while
  /// `status` is not ok, and every setter that makes it not ok writes this flag too, so a new
  /// span's slot need not clear it.
  std::uint8_t has_status_message : 1;
  atomic<std::uint8_t> state;
};

/// A measurement (name, value, unit) on a transaction.
struct measurement_record {
  arena_str name;                  ///< written once, before `ready` is published
  atomic<std::uint64_t> value_bits; ///< the double's bits: a later value of the same name may
  atomic<std::uint64_t> unit;       ///< race the serializer, so both are atomics (unit: offset<<32|length)
  atomic<std::uint8_t> ready;

  void set(double v, arena_str u) noexcept {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    value_bits.store(bits, order_relaxed);
    // Release: the unit's bytes, just copied into the arena, are visible to whoever sees it.
    unit.store(static_cast<std::uint64_t>(u.offset) << 32 | u.length, order_release);
  }
  double value() const noexcept {
    std::uint64_t bits = value_bits.load(order_relaxed);
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  arena_str unit_str() const noexcept {
    std::uint64_t u = unit.load(order_acquire);
    return arena_str{static_cast<std::uint32_t>(u >> 32), static_cast<std::uint32_t>(u & 0xffffffffu)};
  }
};

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_RECORDS_HPP

// end of part: include/sentry_trace/core/records.hpp

// =================================================================================================
// part: include/sentry_trace/protocol/dsn.hpp
// =================================================================================================

// sentry_trace/dsn.hpp -- parsing a Sentry DSN into its parts
//
// WHAT IT DOES  Splits `{scheme}://{public_key}[:{secret}]@{host}[:{port}][{path}]/{project_id}`
//               (PROTOCOL.md §1) into views of the caller's string, derives the org id from a
//               host of the form `o<digits>.…`, and builds the envelope endpoint.
// DOES NOT      allocate or copy: the parts are views into the string passed to parse(), which
//               must outlive them (core/state.hpp keeps its own copy).
// ERRORS        parse() returns a dsn_error naming the first problem; to_string() describes it.
//               The user info ends at the last '@' before the path, as URL parsers split it; the
//               key and secret may hold only A-Z a-z 0-9 - . _ ~ (they are written into
//               X-Sentry-Auth, where `,` or `=` would add parameters), so a second '@' is refused
//               as a bad key. `?` and `#` have their own error. Slashes before the project id are
//               not kept in the path ("/a//42" has path "/a").
// SPEC          https://develop.sentry.dev/sdk/foundations/transport/authentication/

#ifndef SENTRY_TRACE_DSN_HPP
#define SENTRY_TRACE_DSN_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// Why a DSN was rejected.
enum class dsn_error : std::uint8_t {
  none,
  empty,
  bad_scheme,          ///< not http:// or https://
  missing_public_key,  ///< no `key@`
  missing_host,
  bad_port,            ///< not 1-65535
  missing_project_id,  ///< no last path segment
  bad_project_id,      ///< last path segment is not all digits
  bad_character,       ///< whitespace or a control character
  query_or_fragment,   ///< a `?` or `#`: not part of a DSN
  bad_public_key,      ///< the key holds a byte other than A-Z a-z 0-9 - . _ ~ (an `@` too)
  bad_secret,          ///< the secret holds a byte other than A-Z a-z 0-9 - . _ ~
  bad_host,            ///< the host holds a byte a host name or IPv6 literal cannot hold
};

/// What is wrong, in a sentence; with SENTRY_TRACE_LOG_TEXT=0 the enumerator's name (less flash).
constexpr const char* to_string(dsn_error e) noexcept {
#if !SENTRY_TRACE_LOG_TEXT
  constexpr const char* names[] = {"ok", "empty", "bad_scheme", "missing_public_key", "missing_host", "bad_port",
                                   "missing_project_id", "bad_project_id", "bad_character", "query_or_fragment",
                                   "bad_public_key", "bad_secret", "bad_host"};
  return static_cast<std::size_t>(e) < sizeof(names) / sizeof(names[0]) ? names[static_cast<std::size_t>(e)] : "invalid";
#endif
  switch (e) {
    case dsn_error::none: return "ok";
    case dsn_error::empty: return "the DSN is empty";
    case dsn_error::bad_scheme: return "the DSN's scheme must be http or https";
    case dsn_error::missing_public_key: return "the DSN has no public key (expected scheme://KEY@host/PROJECT)";
    case dsn_error::missing_host: return "the DSN has no host";
    case dsn_error::bad_port: return "the DSN's port is not a number from 1 to 65535";
    case dsn_error::missing_project_id: return "the DSN has no project id (expected .../PROJECT_ID at the end)";
    case dsn_error::bad_project_id: return "the DSN's project id must be digits only";
    case dsn_error::bad_character: return "the DSN contains whitespace or a control character";
    case dsn_error::query_or_fragment: return "the DSN must not contain a query (?) or a fragment (#)";
    case dsn_error::bad_public_key:
      return "the DSN's public key may hold only letters, digits and - . _ ~ (is there a second @?)";
    case dsn_error::bad_secret: return "the DSN's secret may hold only letters, digits and - . _ ~";
    case dsn_error::bad_host:
      return "the DSN's host may hold only letters, digits and - . _ (or hex digits, : and . inside [ ])";
  }
  return "invalid DSN";
}

/// The parts of a DSN, as views into the parsed string.
struct dsn {
  std::string_view scheme;      ///< "http" or "https"
  std::string_view public_key;
  std::string_view secret;      ///< deprecated; usually empty
  std::string_view host;        ///< without brackets for an IPv6 literal
  std::uint16_t port = 0;       ///< explicit or the scheme's default (80 / 443)
  bool port_explicit = false;
  std::string_view path;        ///< between host and project id, "" or "/a/b" (no trailing slash)
  std::string_view project_id;
  std::string_view org_id;      ///< digits of a host `o<digits>.…`, else empty

  /// Parses `text`; on failure returns the error and leaves `out` unchanged.
  static dsn_error parse(std::string_view text, dsn& out) noexcept;
};

// ------------------------------------------------------------------------------------------------
namespace detail {
/// A host the HTTP client can connect to (http_client.hpp accepts the same): a name of letters,
/// digits, `-`, `.` and `_`, or an IPv6 literal of hex digits, `:` and `.`. Checked here so that a
/// DSN naming anything else is refused with its own error rather than failing every send.
constexpr bool dsn_host_chars(std::string_view host, bool ipv6) noexcept {
  for (char c : host) {
    const bool ok = ipv6 ? hex_value(c) >= 0 || c == ':' || c == '.'
                         : (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                               c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

/// The key and secret go into the X-Sentry-Auth header as `sentry_key=KEY, sentry_secret=...`;
/// a `,`, `=`, `@`, quote or non-ASCII byte there would add or break parameters, so only URL
/// "unreserved" characters are taken (Sentry's keys are 32 hex digits).
constexpr bool dsn_credential_chars(std::string_view s) noexcept {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~';
    if (!ok) return false;
  }
  return true;
}
} // namespace detail

// Positions into `text` rather than std::string_view's find/substr: the same checks in the same
// order, in about half the code (no range checks, no general substring search).
inline dsn_error dsn::parse(std::string_view text, dsn& out) noexcept {
  if (text.empty()) return dsn_error::empty;
  const char* const s = text.data();
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i)
    if (static_cast<unsigned char>(s[i]) <= 0x20 || s[i] == 0x7f) return dsn_error::bad_character;
  auto part = [s](std::size_t from, std::size_t to) { return std::string_view(s + from, to - from); };
  // The first `c` in [from, to), or `to`.
  auto first = [s](char c, std::size_t from, std::size_t to) {
    while (from < to && s[from] != c) ++from;
    return from;
  };
  dsn d;
  std::size_t sep = 0;  // the first "://"
  while (sep + 3 <= n && !(s[sep] == ':' && s[sep + 1] == '/' && s[sep + 2] == '/')) ++sep;
  if (sep + 3 > n) return dsn_error::bad_scheme;
  d.scheme = part(0, sep);
  if (d.scheme != "http" && d.scheme != "https") return dsn_error::bad_scheme;
  const std::size_t rest = sep + 3;
  // Query strings and fragments are not part of a DSN; refuse rather than guess.
  if (first('?', rest, n) != n || first('#', rest, n) != n) return dsn_error::query_or_fragment;
  // The authority ends at the first '/'; within it the user info ends at the LAST '@', as URL
  // parsers split it, so an '@' can never end up in the host. One left in the user info is
  // refused by the key check below.
  std::size_t at = first('/', rest, n);
  while (at > rest && s[at - 1] != '@') --at;
  if (at == rest) return dsn_error::missing_public_key;
  --at;  // on the '@'
  const std::size_t colon = first(':', rest, at);
  d.public_key = part(rest, colon);
  if (colon != at) d.secret = part(colon + 1, at);
  if (d.public_key.empty()) return dsn_error::missing_public_key;
  if (!detail::dsn_credential_chars(d.public_key)) return dsn_error::bad_public_key;
  if (!detail::dsn_credential_chars(d.secret)) return dsn_error::bad_secret;
  const std::size_t host_at = at + 1;
  const std::size_t slash = first('/', host_at, n);  // host[:port] is [host_at, slash)
  std::string_view tail = part(slash, n);
  std::string_view port_text;
  const bool ipv6 = host_at < slash && s[host_at] == '[';
  if (ipv6) {
    const std::size_t close = first(']', host_at, slash);
    if (close == slash) return dsn_error::missing_host;
    d.host = part(host_at + 1, close);
    if (close + 1 < slash) {
      if (s[close + 1] != ':') return dsn_error::bad_port;
      port_text = part(close + 2, slash);
      d.port_explicit = true;
    }
  } else {
    const std::size_t pc = first(':', host_at, slash);
    d.host = part(host_at, pc);
    if (pc != slash) {
      port_text = part(pc + 1, slash);
      d.port_explicit = true;
    }
  }
  if (d.host.empty()) return dsn_error::missing_host;
  if (!detail::dsn_host_chars(d.host, ipv6)) return dsn_error::bad_host;
  if (d.port_explicit) {
    std::uint32_t p = 0;
    if (port_text.size() > 5 || !detail::parse_unsigned<std::uint32_t>(port_text, 65535, p) || p == 0)
      return dsn_error::bad_port;
    d.port = static_cast<std::uint16_t>(p);
  } else {
    d.port = d.scheme.size() == 5 ? 443 : 80;  // "https" : "http"
  }
  // `tail` is empty or starts with '/': the project id is its last segment.
  while (!tail.empty() && tail.back() == '/') tail.remove_suffix(1);
  std::size_t last = tail.size();
  while (last > 0 && tail[last - 1] != '/') --last;
  if (last == 0 || last >= tail.size()) return dsn_error::missing_project_id;
  d.project_id = tail.substr(last);
  if (!detail::all_digits(d.project_id)) return dsn_error::bad_project_id;
  d.path = std::string_view(tail.data(), last - 1);
  // "/a//42": the path is "/a", so the endpoint is /a/api/42/envelope/, not /a//api/...
  while (!d.path.empty() && d.path.back() == '/') d.path.remove_suffix(1);
  if (d.host.size() > 2 && d.host[0] == 'o') {
    const std::size_t dot = d.host.find('.');
    if (dot != std::string_view::npos && detail::all_digits(d.host.substr(1, dot - 1))) d.org_id = d.host.substr(1, dot - 1);
  }
  out = d;
  return dsn_error::none;
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_DSN_HPP

// end of part: include/sentry_trace/protocol/dsn.hpp

// =================================================================================================
// part: include/sentry_trace/protocol/sampling.hpp
// =================================================================================================

// sentry_trace/protocol/sampling.hpp -- sampling context, the runtime sampler, sample_rand
//
// WHAT IT DOES  Decides whether a new transaction is sampled, as the official SDKs do
//               (PROTOCOL.md §9): a traces_sampler callback first, then the parent's decision,
//               then traces_sample_rate. The decision compares `sample_rand` with the rate, so
//               every service of a trace that shares `sample_rand` decides alike. sample_rand is
//               kept as an integer count of millionths, the exact value that is propagated
//               ("0.421337", read exactly by json.hpp's parse_decimal), and sampled exactly when
//               sample_rand < rate compared as @sentry/core and sentry_sdk compare two doubles,
//               so the decision never differs from what the next service (or Sentry) makes.
// DOES NOT      allocate: the sampler is any callable up to 64 bytes stored inline
//               (a capturing lambda included); a larger one fails to compile.
// ERRORS        A sampler result outside [0, 1] or NaN is not trusted: the transaction is not
//               sampled and a debug line says why (the SDKs treat an invalid rate the same way).
//               With exceptions on, a sampler that throws falls back to the parent's decision,
//               then to traces_sample_rate, as @sentry/core does, and a debug line says so.
// POLICY        SENTRY_TRACE_SAMPLING (config.hpp) fixes the policy at compile time: RUNTIME (the
//               above), ALWAYS (rate 1), NEVER (rate 0; the span path folds away in face/api.hpp),
//               RATIO (PERMILLE / 1000 against sample_rand). Only RUNTIME calls the sampler, reads
//               traces_sample_rate or inherits an incoming parent decision.
// SPEC          https://develop.sentry.dev/sdk/telemetry/traces/#sampling

#ifndef SENTRY_TRACE_SAMPLING_HPP
#define SENTRY_TRACE_SAMPLING_HPP

// =================================================================================================
// part: include/sentry_trace/face/sampling_context.hpp
// =================================================================================================

// sentry_trace/sampling_context.hpp -- what a traces_sampler is told about a new transaction
//
// WHAT IT DOES  `sampling_context` (the transaction's name, op, source, attributes and the
//               incoming parent's decision and rate) and `parent_decision`. Written once,
//               included by sampling.hpp (tracing on, which calls the sampler with it) and by
//               disabled.hpp (SENTRY_TRACE_ENABLED=0, where a sampler is accepted, never called,
//               and code that builds a context to test its sampler still compiles and works).
// DOES NOT      decide anything: the sampler, sample_rand and the policies are in sampling.hpp.
//               It depends only on config.hpp, status.hpp and attributes.hpp.
// SPEC          https://develop.sentry.dev/sdk/telemetry/traces/#sampling

#ifndef SENTRY_TRACE_SAMPLING_CONTEXT_HPP
#define SENTRY_TRACE_SAMPLING_CONTEXT_HPP

// =================================================================================================
// part: include/sentry_trace/face/attributes.hpp
// =================================================================================================

// sentry_trace/attributes.hpp -- attribute values and key/value attributes
//
// WHAT IT DOES  `attribute_value` holds one of the four types Sentry's span attributes have (a
//               string, a 64-bit integer, a double or a bool), with implicit conversions so a
//               literal can be written where one is expected; `attribute` pairs it with a key,
//               for span_options::attributes and sampling_context::find(). Written once,
//               included by span.hpp (tracing on) and by disabled.hpp (SENTRY_TRACE_ENABLED=0),
//               where the values keep their meaning because a program may read them.
// DOES NOT      copy strings: a value views the caller's text, which must outlive it (span.hpp
//               copies it into the transaction's arena when a span starts). It depends on no
//               other part but config.hpp.

#ifndef SENTRY_TRACE_ATTRIBUTES_HPP
#define SENTRY_TRACE_ATTRIBUTES_HPP

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
/// Every char value as a one-byte string, so that attribute_value('x') can view its text
/// without pointing into itself (a copy of the value would then dangle).
struct char_strings {
  char text[256];
  constexpr char_strings() noexcept : text() {
    for (int i = 0; i < 256; ++i) text[i] = static_cast<char>(i);
  }
};
inline constexpr char_strings one_char_strings{};

/// Plain char is a character (written as a one-byte string); signed char and unsigned char
/// (std::int8_t, std::uint8_t) are integers.
template <class T>
inline constexpr bool is_attribute_integer_v =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>;

/// A type that is a string without being a char pointer or nullptr (those are `const char*`):
/// std::string and anything else that converts to std::string_view (the face includes no
/// <string>). std::string_view itself has its own overloads.
template <class S>
inline constexpr bool is_attribute_string_v =
    std::is_convertible_v<const S&, std::string_view> && !std::is_pointer_v<std::decay_t<S>> &&
    !std::is_null_pointer_v<std::decay_t<S>> && !std::is_same_v<std::decay_t<S>, std::string_view>;

/// The pointers that are not text: they would otherwise become bools.
template <class T>
inline constexpr bool is_non_text_pointee_v = !std::is_same_v<std::remove_cv_t<T>, char>;
/// True for an unsigned value that int64 cannot hold (attribute_value stores it as a double).
template <class Int> constexpr bool above_int64(Int i) noexcept {
  if constexpr (std::is_unsigned_v<Int> && sizeof(Int) >= sizeof(std::int64_t)) {
    return i > static_cast<Int>(INT64_MAX);
  } else {
    static_cast<void>(i);
    return false;
  }
}
}  // namespace detail

/// An attribute's value: a string, a 64-bit integer, a double or a bool (the four types Sentry's
/// span attributes have). Every C++ arithmetic and string type converts without ambiguity:
///   - a string literal, `const char*` (nullptr: ""), std::string, std::string_view: a string
///     that views the caller's text;
///   - `char`: a one-byte string ('A' is "A"); `signed char` / `unsigned char` (std::int8_t,
///     std::uint8_t) and every other integer type: an integer;
///   - an unsigned value above INT64_MAX (the largest integer Sentry stores): the double nearest
///     to it, the least lossy of the four types (it keeps the magnitude, to about 16 digits, as
///     @sentry/core keeps every number, while clamping would lose it);
///   - `float`, `double`, `long double`: a double;
///   - `bool`: a bool. A pointer to anything but char does not compile (it would be a bool).
class attribute_value {
 public:
  enum class kind : std::uint8_t { string, int64, float64, boolean };
  constexpr attribute_value(std::string_view s) noexcept : kind_(kind::string), text_(s) {}  // NOLINT: implicit by design
  constexpr attribute_value(const char* s) noexcept : kind_(kind::string), text_(s ? std::string_view(s) : std::string_view()) {}  // NOLINT
  template <class S, std::enable_if_t<detail::is_attribute_string_v<S>, int> = 0>
  constexpr attribute_value(const S& s) noexcept : attribute_value(std::string_view(s)) {}  // NOLINT: std::string etc.
  constexpr attribute_value(char c) noexcept  // NOLINT: implicit by design
      : kind_(kind::string), text_(&detail::one_char_strings.text[static_cast<unsigned char>(c)], 1) {}
  constexpr attribute_value(bool b) noexcept : kind_(kind::boolean), bool_(b) {}  // NOLINT
  constexpr attribute_value(double d) noexcept : kind_(kind::float64), double_(d) {}  // NOLINT
  constexpr attribute_value(float f) noexcept : attribute_value(static_cast<double>(f)) {}  // NOLINT
  constexpr attribute_value(long double d) noexcept : attribute_value(static_cast<double>(d)) {}  // NOLINT
  template <class Int, std::enable_if_t<detail::is_attribute_integer_v<Int>, int> = 0>
  constexpr attribute_value(Int i) noexcept  // NOLINT: implicit by design
      : kind_(detail::above_int64(i) ? kind::float64 : kind::int64),
        int_(detail::above_int64(i) ? 0 : static_cast<std::int64_t>(i)),
        double_(detail::above_int64(i) ? static_cast<double>(i) : 0.0) {}
  template <class T, std::enable_if_t<detail::is_non_text_pointee_v<T>, int> = 0>
  attribute_value(T*) = delete;  // a pointer is not a value; pass what it points to
  constexpr kind type() const noexcept { return kind_; }
  constexpr std::string_view as_string() const noexcept { return kind_ == kind::string ? text_ : std::string_view(); }
  constexpr std::int64_t as_int64() const noexcept { return kind_ == kind::int64 ? int_ : 0; }
  constexpr double as_double() const noexcept { return kind_ == kind::float64 ? double_ : 0.0; }
  constexpr bool as_bool() const noexcept { return kind_ == kind::boolean && bool_; }

 private:
  kind kind_;
  std::string_view text_{};
  std::int64_t int_ = 0;
  double double_ = 0.0;
  bool bool_ = false;
};

/// A key and value, for span_options::attributes and span::set_attributes.
struct attribute {
  std::string_view key;
  attribute_value value;
};

/// A view of attributes (JS: SpanAttributes): a braced list `{{"db.system", "sqlite"},
/// {"rows", 3}}`, an array, or a pointer and a count. It copies nothing. A braced list's array
/// lives only until the end of the full-expression that holds it (the C++ rule for
/// std::initializer_list), which is why a view is read during the call it is passed to and
/// never kept: write the list inside the call (`s.set_attributes({...})`,
/// `start_span({"name", "op", {}, {}, transaction_source::custom, false, {{"k", 1}}}, fn)`), not
/// into a span_options variable read later. Assigning a braced list to a view is refused at
/// compile time for that reason (`opts.attributes = {{"k", 1}};` would dangle at the `;`).
class span_attributes {
 public:
  constexpr span_attributes() noexcept = default;
  constexpr span_attributes(std::nullptr_t) noexcept {}  // NOLINT: implicit, as the pointer it replaces
  constexpr span_attributes(std::initializer_list<attribute> list) noexcept : data_(first_of(list)), size_(list.size()) {}
  constexpr span_attributes(const attribute* data, std::size_t count) noexcept : data_(data), size_(data ? count : 0) {}
  template <std::size_t N>
  constexpr span_attributes(const attribute (&array)[N]) noexcept : data_(array), size_(N) {}  // NOLINT
  /// A pointer alone, as span_options::attributes was before this view: its count is
  /// span_options::attribute_count.
  template <class P, std::enable_if_t<std::is_same_v<P, const attribute*> || std::is_same_v<P, attribute*>, int> = 0>
  constexpr span_attributes(P data) noexcept : data_(data) {}  // NOLINT
  span_attributes& operator=(std::initializer_list<attribute>) = delete;  // would dangle: see above

  constexpr const attribute* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr const attribute* begin() const noexcept { return data_; }
  constexpr const attribute* end() const noexcept { return data_ + size_; }
  constexpr const attribute& operator[](std::size_t i) const noexcept { return data_[i]; }

 private:
  /// The list's first element. Read through a function because g++ (-Winit-list-lifetime)
  /// rightly notes that a member set from list.begin() outlives the list's array: a view that
  /// must not be kept past the call is exactly what this type is.
  static constexpr const attribute* first_of(std::initializer_list<attribute> list) noexcept { return list.begin(); }

  const attribute* data_ = nullptr;
  std::size_t size_ = 0;
};

namespace detail {
/// The attribute keys the SDK writes itself, in a transaction's trace context / span `data`
/// and in span v2 `attributes` (envelope.hpp). A user attribute of one of these names would
/// give the object the key twice, and Relay keeps only the last: such an attribute is
/// dropped and counted (stats.attributes_dropped). Set op and origin through span_options.
inline constexpr std::string_view sdk_attribute_keys[] = {
    "sentry.op",           "sentry.origin",      "sentry.segment.name.source", "sentry.sample_rate",
    "sentry.trace_lifecycle", "sentry.segment.name", "sentry.segment.id",       "sentry.sdk.name",
    "sentry.sdk.version",  "sentry.release",     "sentry.environment",         "sentry.status.message"};

/// What every SDK key starts with, and the shortest one's length: a key that is shorter or
/// starts otherwise (nearly every user key) is told apart without walking the list.
inline constexpr std::string_view sdk_attribute_prefix = "sentry.";
inline constexpr std::size_t sdk_attribute_min_bytes = 9;

constexpr bool sdk_attribute_keys_share_prefix() noexcept {
  for (std::string_view k : sdk_attribute_keys)
    if (k.size() < sdk_attribute_min_bytes || k.substr(0, sdk_attribute_prefix.size()) != sdk_attribute_prefix) return false;
  return true;
}
static_assert(sdk_attribute_keys_share_prefix(), "is_sdk_attribute_key's fast rejection assumes every SDK key is sentry.<at least 2 bytes>");

constexpr bool is_sdk_attribute_key(std::string_view key) noexcept {
  if (key.size() < sdk_attribute_min_bytes || key[0] != sdk_attribute_prefix[0]) return false;
  for (std::string_view k : sdk_attribute_keys)
    if (k == key) return true;
  return false;
}
} // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_ATTRIBUTES_HPP

// end of part: include/sentry_trace/face/attributes.hpp

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// The parent's sampling decision as a new transaction sees it.
enum class parent_decision : std::uint8_t { none, sampled, not_sampled };

/// What a traces_sampler is told about the transaction being started.
struct sampling_context {
  std::string_view name;             ///< the transaction's name
  std::string_view op;
  parent_decision parent_sampled = parent_decision::none;  ///< from an incoming trace, if any
  double parent_sample_rate = -1.0;  ///< the incoming sample_rate; negative when unknown
  transaction_source source = transaction_source::custom;
  const attribute* attributes = nullptr;  ///< span_options::attributes, valid during the call
  std::size_t attribute_count = 0;
  /// The rate to return to follow the incoming trace (JS: samplingContext.inheritOrSampleWith):
  /// the parent's sample_rate when its baggage carried one (also when its sentry-trace left the
  /// decision to us), else 1 or 0 for a parent that decided without a rate (an older SDK), else
  /// `fallback`. Exactly @sentry/core's rule. The rate a parent sent is compared against the
  /// trace's sample_rand, which an incoming trace keeps consistent with the parent's decision,
  /// so returning it inherits that decision:
  ///   o.traces_sampler = [](const st::sampling_context& c) {
  ///     return c.name == "GET /health" ? 0.0 : c.inherit_or_sample_with(0.25);
  ///   };
  constexpr double inherit_or_sample_with(double fallback) const noexcept {
    if (parent_sample_rate >= 0.0) return parent_sample_rate;
    if (parent_sampled != parent_decision::none) return parent_sampled == parent_decision::sampled ? 1.0 : 0.0;
    return fallback;
  }
  /// The value of attribute `key`, or nullptr.
  const attribute_value* find(std::string_view key) const noexcept {
    for (std::size_t i = 0; i < attribute_count; ++i)
      if (attributes[i].key == key) return &attributes[i].value;
    return nullptr;
  }
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_SAMPLING_CONTEXT_HPP

// end of part: include/sentry_trace/face/sampling_context.hpp

// =================================================================================================
// part: include/sentry_trace/face/sampler.hpp
// =================================================================================================

// sentry_trace/face/sampler.hpp -- the traces_sampler callable and the compile-time policy
//
// WHAT IT DOES  traces_sampler_fn: any trivially copyable callable double(const sampling_context&)
//               of up to 64 bytes, stored inline (no heap, no RTTI, no vtable). The policy
//               constant SENTRY_TRACE_SAMPLING selects (config.hpp), which lets the span path fold
//               away under SENTRY_TRACE_SAMPLING_NEVER. The decision itself is made by
//               protocol/sampling.hpp in the implementation TU.

#ifndef SENTRY_TRACE_FACE_SAMPLER_HPP
#define SENTRY_TRACE_FACE_SAMPLER_HPP

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// A type-erased callable stored inline (no heap): the sampler must be copyable and fit in
/// Capacity bytes and be trivially copyable. Built from a function pointer rather than virtual
/// functions so that it needs neither RTTI nor a vtable in freestanding builds.
template <class Signature, std::size_t Capacity> class inplace_function;

template <class R, class... Args, std::size_t Capacity> class inplace_function<R(Args...), Capacity> {
 public:
  constexpr inplace_function() noexcept = default;
  constexpr inplace_function(std::nullptr_t) noexcept {}
  template <class F, class D = std::decay_t<F>,
            std::enable_if_t<!std::is_same_v<D, inplace_function> && std::is_invocable_r_v<R, D&, Args...>, int> = 0>
  inplace_function(F&& f) noexcept {  // NOLINT: implicit by design
    static_assert(sizeof(D) <= Capacity, "callable too large to store inline: capture less (pointers, not copies)");
    static_assert(alignof(D) <= alignof(std::max_align_t), "callable over-aligned");
    // Trivially copyable callables (function pointers, lambdas capturing plain values or
    // pointers) are copied as bytes and never destroyed, so the tracer that holds one needs no
    // destructor and no exit-time code, which matters on bare-metal targets.
    static_assert(std::is_trivially_copyable_v<D> && std::is_trivially_destructible_v<D>,
                  "the callable must be trivially copyable: capture plain values or pointers, not std::string etc.");
    ::new (static_cast<void*>(buffer_)) D(std::forward<F>(f));
    invoke_ = [](void* self, Args... args) -> R { return (*static_cast<D*>(self))(std::forward<Args>(args)...); };
  }
  void reset() noexcept { invoke_ = nullptr; }
  explicit operator bool() const noexcept { return invoke_ != nullptr; }
  R operator()(Args... args) const { return invoke_(const_cast<unsigned char*>(buffer_), std::forward<Args>(args)...); }

 private:
  alignas(std::max_align_t) unsigned char buffer_[Capacity] = {};
  R (*invoke_)(void*, Args...) = nullptr;
};

} // namespace detail

/// The sampler type: any trivially copyable callable `double(const sampling_context&)` of up to
/// 64 bytes (a function pointer, a lambda capturing values or pointers).
/// Return the probability of keeping the transaction in [0, 1] (1: keep, 0: drop).
using traces_sampler_fn = detail::inplace_function<double(const sampling_context&), 64>;

namespace detail {
/// The compile-time sampling policy (SENTRY_TRACE_SAMPLING, config.hpp).
enum class sampling_policy_kind : std::uint8_t { runtime = 0, always = 1, never = 2, ratio = 3 };
inline constexpr sampling_policy_kind sampling_policy = static_cast<sampling_policy_kind>(SENTRY_TRACE_SAMPLING);
}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_SAMPLER_HPP

// end of part: include/sentry_trace/face/sampler.hpp

// =================================================================================================
// part: include/sentry_trace/face/span.hpp
// =================================================================================================

// sentry_trace/face/span.hpp -- span options, the span record and the span handle
//
// WHAT IT DOES  Declares what a user holds: `span`, a small move-only handle, and `span_ref`, a
//               copyable reference for handing a parent to another thread. The handle's member
//               functions are defined once, in core/span_members.hpp (implementation TU); what
//               the pool stores is core/records.hpp. span_time is a point on the tracer's
//               monotonic clock, for spans timed after the fact. span_status and transaction_source are in
//               status.hpp, attribute_value in attributes.hpp.
// DOES NOT      own memory: a handle is indices plus a generation (sokol ids), so a handle to a
//               span whose transaction has been sent, or that was never recorded, is a valid
//               no-op and is never dereferenced.
// SPEC          https://develop.sentry.dev/sdk/foundations/envelopes/event-payloads/span/

#ifndef SENTRY_TRACE_SPAN_HPP
#define SENTRY_TRACE_SPAN_HPP

// =================================================================================================
// part: include/sentry_trace/face/span_time.hpp
// =================================================================================================

// sentry_trace/face/span_time.hpp -- a point on the tracer's monotonic clock, for spans timed after the fact
//
// WHAT IT DOES  `span_time`, the value span_options::start_time, span::end(at) and now() use.
//               Written once, included by span.hpp (tracing on) and by disabled.hpp
//               (SENTRY_TRACE_ENABLED=0, where now() is 0, "not given"), so that what a program
//               computes with it is the same in both modes.
// DOES NOT      read a clock (now() does, in the implementation TU) or depend on any other part
//               but config.hpp: every member is constexpr.

#ifndef SENTRY_TRACE_SPAN_TIME_HPP
#define SENTRY_TRACE_SPAN_TIME_HPP

#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

/// A point in time on the tracer's monotonic clock, in nanoseconds: the clock of
/// options.clock when it is set, else steady_clock (a clock that never steps, unlike the wall
/// clock). Take one with now(); express a duration measured after the fact with minus_ns()
/// (`now().minus_ns(elapsed_ns)` is when a thing that just finished began). Zero means "not
/// given": a span then starts or ends when the call is made. A value taken from another clock
/// must be moved onto this one by the caller (e.g. GPU timestamps, by pairing one with now()).
/// Spans may mix given times and clock readings freely: both are put on the same time line
/// when their transaction is written (core/clock.hpp).
struct span_time {
  std::uint64_t ns = 0;  ///< monotonic nanoseconds; 0: not given

  /// `d_ns` nanoseconds earlier; saturates at the clock's first nanosecond (never "not given").
  constexpr span_time minus_ns(std::uint64_t d_ns) const noexcept { return span_time{ns > d_ns ? ns - d_ns : 1}; }
  /// `d_ns` nanoseconds later (saturating).
  constexpr span_time plus_ns(std::uint64_t d_ns) const noexcept {
    return span_time{ns + d_ns < ns ? ~std::uint64_t{0} : ns + d_ns};
  }
  constexpr bool is_set() const noexcept { return ns != 0; }
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_SPAN_TIME_HPP

// end of part: include/sentry_trace/face/span_time.hpp

#include <cstdint>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN

class span;
class borrowed_span;

namespace detail {
/// Where a span stands in a thread's stack of active spans (core/scopes.hpp): the scope, the entry's
/// 1-based depth, and the token that entry holds while this span is active there. Tokens are
/// unique per push, so a stale handle never ends another span's entry, even one with the same
/// span id (unrecorded children share their parent's ids).
struct active_mark {
  void* scope = nullptr;
  std::uint64_t token = 0;
  std::uint16_t depth = 0;  ///< 0: not active
};
}  // namespace detail

/// A copyable reference to a span: enough to make it the parent of a span started on another
/// thread, and to read its ids. Holding one keeps nothing alive; if the span's transaction has
/// already been sent, a child started from it becomes... nothing (it is dropped and counted as
/// `no_parent_span`), never a stray write.
struct span_ref {
  trace_id trace{};
  span_id id{};
  std::uint32_t generation = 0;  ///< generation of the transaction block it lives in
  std::uint16_t block = 0;
  std::uint16_t slot = 0;
  std::uint16_t epoch = 0;       ///< init() generation; refs from before a re-init are stale
  std::uint8_t flags = 0;
  /// Internal links (detail::ref_in_block, ref_segment_link, ref_rate_known): whether `block` and
  /// `generation` name this span's transaction although it records nothing itself (a child over
  /// max_spans), whether `segment_block` / `segment_generation` name its streaming segment, and
  /// whether `sample_rate_ppm` holds a rate.
  std::uint8_t links = 0;
  /// Streaming: the segment block of a span recorded in a continuation block, so that its
  /// children still join the segment after that continuation has been sent and freed.
  std::uint16_t segment_block = 0;
  /// A root that records nothing still propagates a DSC: its sample_rand and deciding rate (in
  /// millionths, when links has detail::ref_rate_known) travel with the reference. Every member
  /// defaults to zero, so arrays of references are zero-initialized static storage (.bss).
  std::uint32_t sample_rand_micros = 0;
  std::uint32_t sample_rate_ppm = 0;
  std::uint32_t segment_generation = 0;

  static constexpr std::uint8_t valid = 1;      ///< refers to a span (sampled or not)
  static constexpr std::uint8_t recording = 2;  ///< has a slot in a transaction block
  static constexpr std::uint8_t sampled = 4;    ///< part of a sampled trace
  static constexpr std::uint8_t deferred = 8;   ///< sampling decision left to the next service
  static constexpr std::uint8_t root = 16;      ///< the span is its transaction's root
  static constexpr std::uint8_t overflow = 32;  ///< sampled but not recorded: no block or slot was free

  constexpr span_ref() noexcept = default;
  /// The reference of a live handle (empty for an empty handle). Implicit, so that
  /// `span_options{"name", "op", parent_span}` reads naturally.
  span_ref(const span& s) noexcept;  // NOLINT(google-explicit-constructor)

  constexpr bool is_valid() const noexcept { return (flags & valid) != 0; }
  constexpr bool is_recording() const noexcept { return (flags & recording) != 0; }
  constexpr bool is_sampled() const noexcept { return (flags & sampled) != 0; }
};

/// How to start a span. An aggregate: `{"GET /orders", "http.server"}` or set fields by name.
/// Strings are copied into the transaction's arena when the span starts (truncated at
/// SENTRY_TRACE_MAX_STRING bytes, never dangling), so temporaries are fine.
struct span_options {
  std::string_view name;        ///< span description / transaction name; "<unlabeled transaction>" when empty
  std::string_view op;          ///< Sentry's op, e.g. "http.server", "db.query"; "default" when empty
  span_ref parent{};            ///< explicit parent (e.g. from another thread); default: this thread's active span
  std::string_view origin{};    ///< "manual" when empty; "auto.<category>..." for integrations
  transaction_source source = transaction_source::custom;  ///< used when the span is a transaction
  bool force_transaction = false;  ///< start a new transaction even when a span is active
  /// Attributes set when the span starts, and shown to traces_sampler when it is a transaction
  /// (as @sentry/core's startSpan({attributes})): a braced list, an array, or a pointer and a
  /// count (span_attributes). Read during the start call only, so a braced list written inside
  /// that call is fine; one stored in a span_options variable is gone by the time the variable is
  /// used (span_attributes explains why).
  span_attributes attributes{};
  /// For code written before `attributes` was a view: when nonzero, the number of attributes
  /// `attributes` points at (`o.attributes = array; o.attribute_count = n;`); when zero, the
  /// view's own size counts.
  std::size_t attribute_count = 0;

  /// When the span started, if before now (as @sentry/core's startSpan({startTime})): e.g.
  /// `now().minus_ns(elapsed)`. Not given (0): now. A time after now is clamped to now and
  /// counted (stats.timestamps_clamped). Ignored by spans that record nothing.
  span_time start_time{};
  /// The attributes the start call reads: the view, or attribute_count of them.
  constexpr span_attributes start_attributes() const noexcept {
    return attribute_count != 0 ? span_attributes(attributes.data(), attribute_count) : attributes;
  }
};

/// Handle to a started span. Cheap (a few words) and move-only, so exactly one owner can end
/// it. end() is idempotent. A handle that is destroyed without end() abandons its span: it is
/// not sent, and is counted as dropped (`invalid`), as the SDKs drop unfinished spans.
/// Thread safety: one handle must not be used by two threads at once; different spans of one
/// transaction may be started, changed and ended on different threads.
class span {
  /// With SENTRY_TRACE_SAMPLING_NEVER no span records anything: the compiler may drop every path.
  static constexpr bool never_recording = SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_NEVER;

 public:
  constexpr span() noexcept = default;
  span(span&& other) noexcept : ref_(other.ref_), active_(other.active_) { other.release_(); }
  span& operator=(span&& other) noexcept {
    if (this != &other) {
      abandon_();
      ref_ = other.ref_;
      active_ = other.active_;
      other.release_();
    }
    return *this;
  }
  span(const span&) = delete;
  span& operator=(const span&) = delete;
  ~span() {
    if constexpr (never_recording) return;  // SENTRY_TRACE_SAMPLING_NEVER: nothing to undo, ever
    if ((ref_.flags & (span_ref::recording | span_ref::root)) || active_.depth) abandon_();  // else nothing to undo
  }

  /// Sets or replaces an attribute (JS: span.setAttribute). Keys and string values are copied
  /// into the transaction's arena. A no-op on unsampled, ended or empty handles.
  /// Every setter checks is_recording() here, inline, so on an unsampled, ended or empty
  /// handle it costs a test of one flag and no call.
  void set_attribute(std::string_view key, std::string_view value) noexcept {
    if (is_recording()) set_string_attribute_(key, value);
  }
  void set_attribute(std::string_view key, const char* value) noexcept {
    set_attribute(key, value ? std::string_view(value) : std::string_view());
  }
  /// std::string and anything else that converts to std::string_view.
  template <class S, std::enable_if_t<detail::is_attribute_string_v<S>, int> = 0>
  void set_attribute(std::string_view key, const S& value) noexcept {
    set_attribute(key, std::string_view(value));
  }
  /// A char is a one-byte string ('A' is "A"); signed and unsigned char are integers.
  void set_attribute(std::string_view key, char value) noexcept {
    set_attribute(key, attribute_value(value).as_string());
  }
  void set_attribute(std::string_view key, double value) noexcept {
    if (is_recording()) set_attribute_value_(key, attribute_value(value));
  }
  void set_attribute(std::string_view key, float value) noexcept { set_attribute(key, static_cast<double>(value)); }
  void set_attribute(std::string_view key, long double value) noexcept { set_attribute(key, static_cast<double>(value)); }
  void set_attribute(std::string_view key, bool value) noexcept {
    if (is_recording()) set_attribute_value_(key, attribute_value(value));
  }
  void set_attribute(std::string_view key, std::int64_t value) noexcept {
    if (is_recording()) set_attribute_value_(key, attribute_value(value));
  }
  /// Any other integer type is stored as int64; an unsigned value above INT64_MAX as the double
  /// nearest to it (attribute_value explains the rule).
  template <class Int, std::enable_if_t<detail::is_attribute_integer_v<Int> && !std::is_same_v<Int, std::int64_t>, int> = 0>
  void set_attribute(std::string_view key, Int value) noexcept {
    if (detail::above_int64(value)) {
      set_attribute(key, static_cast<double>(value));
    } else {
      set_attribute(key, static_cast<std::int64_t>(value));
    }
  }
  /// A value already made (e.g. read back from sampling_context::find()).
  void set_attribute(std::string_view key, const attribute_value& value) noexcept {
    if (is_recording()) set_attribute_value_(key, value);
  }
  /// A pointer is not a value: pass what it points to (it would otherwise become a bool).
  template <class T, std::enable_if_t<detail::is_non_text_pointee_v<T>, int> = 0>
  void set_attribute(std::string_view key, T* value) = delete;
  /// Sets several attributes in one call (JS: span.setAttributes), in order, as set_attribute
  /// would one by one: `s.set_attributes({{"db.system", "sqlite"}, {"db.rows", 3}})`. The list
  /// is read during the call only.
  void set_attributes(span_attributes attributes) noexcept {
    if (is_recording() && !attributes.empty()) set_attributes_(attributes);
  }
  /// Sets the status (written as `ok` when never set).
  void set_status(span_status status) noexcept {
    if (is_recording()) set_status_(status);
  }
  /// Sets the status with a message (JS: span.setStatus({code, message})), e.g.
  /// `set_status(span_status::deadline_exceeded, "upstream took 5 s")`. A streamed span has
  /// status "error" and the message in its `sentry.status.message` attribute, in place of the
  /// status name, as @sentry/core writes it (addStatusMessageAttribute). In a transaction the
  /// span keeps the detailed `status` and the message goes into its `data` under the same key:
  /// @sentry/core has no other place for it there (its `status` is the message when that is a
  /// status name, else internal_error), and `data` is where its span attributes go. An `ok`
  /// status has no message (@sentry/core writes none for ok), and set_status(status) clears a
  /// message set before. The message is copied (truncated at SENTRY_TRACE_MAX_STRING bytes) and
  /// takes one of the span's SENTRY_TRACE_MAX_ATTRIBUTES attributes.
  void set_status(span_status status, std::string_view message) noexcept {
    if (is_recording()) set_status_message_(status, message);
  }
  /// Sets the status from an HTTP status code (from_http_status) and the attribute
  /// `http.response.status_code`, as @sentry/core's setHttpStatus does.
  void set_http_status(int code) noexcept {
    if (is_recording()) set_http_status_(code);
  }
  /// Renames the span; on a transaction this is also the transaction's name.
  void set_name(std::string_view name) noexcept {
    if (is_recording()) rename_(name, nullptr);
  }
  /// Renames the span and sets the transaction's name source (route, url, ...).
  void set_name(std::string_view name, transaction_source source) noexcept {
    if (is_recording()) rename_(name, &source);
  }
  void set_op(std::string_view op) noexcept {
    if (is_recording()) set_op_(op);
  }
  void set_origin(std::string_view origin) noexcept {
    if (is_recording()) set_origin_(origin);
  }
  /// Ends the span now. Ending a transaction's root sends the transaction. Idempotent. A span
  /// that records nothing and is active nowhere ends here, inline.
  void end() noexcept {
    if constexpr (never_recording) return;
    if (ends_inline_()) return;
    end_();
  }
  /// Ends the span at `at` instead of now (as @sentry/core's span.end(timestamp)): for timings
  /// known only after the fact (GPU timer queries, a library's duration callback). An end
  /// before the span's start is clamped to the start and counted (stats.timestamps_clamped):
  /// a span never has a negative duration. `at` not given (0): the same as end().
  void end(span_time at) noexcept {
    if constexpr (never_recording) return;
    if (ends_inline_()) return;
    if (at.ns) end_at_(at.ns);
    else end_();
  }

  /// True while the handle refers to a span that has not ended (sampled or not).
  bool is_active() const noexcept { return (ref_.flags & span_ref::valid) != 0; }
  /// True when the span is sampled and has a slot, i.e. will appear in Sentry.
  bool is_recording() const noexcept { return !never_recording && (ref_.flags & span_ref::recording) != 0; }
  bool is_sampled() const noexcept { return (ref_.flags & span_ref::sampled) != 0; }
  trace_id trace() const noexcept { return ref_.trace; }
  span_id id() const noexcept { return ref_.id; }
  span_ref ref() const noexcept { return ref_; }

  /// Internal: built by the tracer.
  constexpr span(const span_ref& r, const detail::active_mark& active) noexcept : ref_(r), active_(active) {}
  /// Internal: a recording span built field by field, so that no half-written copy of a
  /// span_ref is read back whole (a store-forwarding stall on the span path).
  span(const trace_id& trace, span_id id, std::uint32_t generation, std::uint16_t block, std::uint16_t slot,
       std::uint16_t epoch, std::uint8_t flags, std::uint8_t links, std::uint16_t segment_block,
       std::uint32_t segment_generation, const detail::active_mark& active) noexcept
      : active_(active) {
    ref_.trace = trace;
    ref_.id = id;
    ref_.generation = generation;
    ref_.block = block;
    ref_.slot = slot;
    ref_.epoch = epoch;
    ref_.flags = flags;
    ref_.links = links;
    ref_.segment_block = segment_block;
    ref_.segment_generation = segment_generation;
  }
  /// Internal: an unrecorded child of `parent` (same ids, other flags), active nowhere.
  span(const span_ref& parent, std::uint8_t flags) noexcept : ref_(parent) { ref_.flags = flags; }

 private:
  /// borrowed_span (face/active.hpp) runs these setters on a span it does not own, and lets go
  /// of it with release_(), never end_() or abandon_().
  friend class borrowed_span;

  void release_() noexcept {
    ref_ = span_ref{};
    active_ = detail::active_mark{};
  }
  /// end()'s inline case: a span that records nothing and is active nowhere ends here.
  bool ends_inline_() noexcept {
    if ((ref_.flags & (span_ref::recording | span_ref::root)) != 0 || active_.depth != 0) return false;
    ref_.flags = 0;
    return true;
  }
  // Defined once, in core/span_members.hpp.
  void abandon_() noexcept;
  void end_() noexcept;
  void end_at_(std::uint64_t at_ns) noexcept;  ///< end(at) with a time given (span_time::ns)
  void end_recorded_() noexcept;
  /// end_recorded_'s steps, with `set_end(span_record&)` writing the end: a clock reading
  /// (end_recorded_) or a given time (end_at_), so end() pays nothing for end(at).
  template <class SetEnd> void end_recorded_with_(SetEnd&& set_end) noexcept;
  void set_attribute_value_(std::string_view key, const attribute_value& value) noexcept;
  void set_string_attribute_(std::string_view key, std::string_view value) noexcept;  // the common case, without the dispatch on type
  void set_status_(span_status status) noexcept;
  void set_status_message_(span_status status, std::string_view message) noexcept;
  void set_attributes_(span_attributes attributes) noexcept;
  void set_http_status_(int code) noexcept;
  void rename_(std::string_view name, const transaction_source* source) noexcept;
  void set_op_(std::string_view op) noexcept;
  void set_origin_(std::string_view origin) noexcept;

  span_ref ref_{};
  detail::active_mark active_{};  ///< where it is active, if anywhere
};

inline span_ref::span_ref(const span& s) noexcept : span_ref(s.ref()) {}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_SPAN_HPP

// end of part: include/sentry_trace/face/span.hpp

#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

SENTRY_TRACE_DETAIL_BEGIN

/// The outcome of a sampling decision.
struct sampling_decision {
  bool sampled = false;
  double sample_rate = 0.0;       ///< the rate that decided
  bool sample_rate_known = false; ///< false when the parent's decision was inherited without a rate
  bool rate_invalid = false;      ///< the sampler or option gave a value outside [0, 1] or NaN
  bool sampler_threw = false;     ///< the sampler threw; the parent's decision or the rate decided
};

// ------------------------------------------------------------------------------------------------
namespace detail {

constexpr std::uint32_t sample_rand_scale = 1000000;

/// The fixed rate of SENTRY_TRACE_SAMPLING_RATIO (unused by the other policies).
#if SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_RATIO
inline constexpr double sampling_policy_rate = (SENTRY_TRACE_SAMPLING_RATIO_PERMILLE) / 1000.0;
#else
inline constexpr double sampling_policy_rate = sampling_policy == sampling_policy_kind::always ? 1.0 : 0.0;
#endif

#if SENTRY_TRACE_DOUBLES
/// True for a usable rate: a number in [0, 1] (NaN fails both comparisons).
constexpr bool valid_rate(double rate) noexcept { return rate >= 0.0 && rate <= 1.0; }

/// rate >= 0.0: a rate is set (options::unset and an absent parent rate are negative).
constexpr bool non_negative(double rate) noexcept { return rate >= 0.0; }

/// A valid rate in millionths, rounded half up (a span's sample_rate_ppm).
constexpr std::uint32_t rate_to_micros(double rate) noexcept {
  return static_cast<std::uint32_t>(rate * 1e6 + 0.5);
}
#else
// SENTRY_TRACE_DOUBLES=0: rates are judged from their bits, so that no soft-float comparison,
// multiplication or conversion routine is linked in (config.hpp). For a non-negative double
// the order of the bit patterns is the order of the values.
constexpr std::uint64_t double_bits(double v) noexcept { return __builtin_bit_cast(std::uint64_t, v); }

/// True for a usable rate: a number in [0, 1] (-0 included, NaN not), as rate >= 0 && rate <= 1.
constexpr bool valid_rate(double rate) noexcept {
  const std::uint64_t b = double_bits(rate);
  return (b << 1) == 0 || b <= 0x3FF0000000000000u;
}

/// rate >= 0.0 (NaN false), from the bits: a rate is set.
constexpr bool non_negative(double rate) noexcept {
  const std::uint64_t b = double_bits(rate);
  return (b << 1) == 0 || b <= 0x7FF0000000000000u;
}

/// A valid rate in millionths, rounded half up: the form decisions use when SENTRY_TRACE_DOUBLES
/// is 0. rate = m * 2^-s with s >= 52 (rate <= 1), and rate * 10^6 is formed from m's two
/// 32-bit halves (what is dropped lies below 2^-20 of a millionth).
constexpr std::uint32_t rate_to_micros(double rate) noexcept {
  const std::uint64_t b = double_bits(rate) & ~(std::uint64_t{1} << 63);
  const int biased = static_cast<int>(b >> 52);
  if (biased == 0) return 0;  // zero, or a subnormal far below a millionth
  const std::uint64_t m = (b & ((std::uint64_t{1} << 52) - 1)) | (std::uint64_t{1} << 52);
  const int shift = 1075 - biased - 32;  // rate * 10^6 = t * 2^-shift, t below
  if (shift >= 63) return 0;
  const std::uint64_t t = (m >> 32) * sample_rand_scale + (((m & 0xFFFFFFFFu) * sample_rand_scale) >> 32);
  return static_cast<std::uint32_t>((t + (std::uint64_t{1} << (shift - 1))) >> shift);
}
#endif

/// k millionths as the double nearest to k / 10^6 (ties to even): the double parseFloat and
/// float() give for the propagated text "0.xxxxxx". Computed with integer long division
/// (divmod_u64, whose divisor may be below 2^24) rather than a floating-point division, which
/// small targets would pull in as a soft-float routine; the scaling by a power of two is exact.
constexpr double micros_to_double(std::uint32_t k) noexcept {
  if (k == 0) return 0.0;
  std::uint64_t r = k;  // k / 10^6 lies in [2^-exponent, 2^(1-exponent)) once r >= 10^6
  int exponent = 0;
  while (r < sample_rand_scale) {
    r *= 2;
    ++exponent;
  }
  r -= sample_rand_scale;  // the leading one bit taken
  // The next 53 bits (52 for the significand, then the rounding bit) in two steps of 27 and
  // 26, each quotient below 2^27 since r < 10^6.
  const divmod_result high = divmod_u64(r << 27, sample_rand_scale);
  const divmod_result low = divmod_u64(static_cast<std::uint64_t>(high.rem) << 26, sample_rand_scale);
  const std::uint64_t bits = high.quot << 26 | low.quot;
  std::uint64_t m = std::uint64_t{1} << 52 | bits >> 1;
  if ((bits & 1) != 0 && (low.rem != 0 || (m & 1) != 0)) ++m;  // 2^53 after a carry is still exact
#if SENTRY_TRACE_DOUBLES
  double scale = 0x1p-52;
  for (int i = 0; i < exponent; ++i) scale *= 0.5;
  return static_cast<double>(m) * scale;
#else
  // The same double made from its fields: m * 2^(-52 - exponent), m in [2^52, 2^53] (a carry
  // to 2^53 moves into the exponent field, which is right).
  const std::uint64_t field = static_cast<std::uint64_t>(1023 - exponent) << 52;
  return __builtin_bit_cast(double, field + (m - (std::uint64_t{1} << 52)));
#endif
}

#if !SENTRY_TRACE_DOUBLES
/// SENTRY_TRACE_DOUBLES=0: a rate's text (baggage sample_rate, SENTRY_TRACES_SAMPLE_RATE) read to
/// six decimals, rounded half up, as the double nearest to that many millionths; anything
/// above 1 reads as a value just above 1 (which valid_rate() refuses).
inline bool parse_decimal(std::string_view text, double& out) noexcept {
  decimal_text d;
  if (!parse_decimal(text, d)) return false;
  const std::uint64_t tenths = decimal_scaled(d, 7);  // of a millionth
  const std::uint64_t micros = tenths > 10 * std::uint64_t{sample_rand_scale} ? sample_rand_scale + 1u
                                                                              : divmod_u64(tenths + 5u, 10).quot;
  out = micros_to_double(static_cast<std::uint32_t>(micros));
  return true;
}
#endif

/// The decision for `rate` and a sample_rand of `rand_micros` millionths, made exactly as
/// @sentry/core (`sampleRand < parsedSampleRate`) and sentry_sdk (`self._sample_rand <
/// self.sample_rate`) make it: both compare two doubles, the propagated "0.421337" read as the
/// double nearest to it, and the rate. So a rate of 0.1 does not sample a sample_rand of 0.1,
/// although the double 0.1 lies a little above one tenth.
/// With SENTRY_TRACE_DOUBLES=0 the rate is taken to six decimals (rate_to_micros) and the two
/// counts of millionths compared: the same decision for any rate of at most six decimals, as
/// the double nearest to k / 10^6 is below the double nearest to r / 10^6 exactly when k < r.
constexpr bool decide(double rate, std::uint32_t rand_micros) noexcept {
#if SENTRY_TRACE_DOUBLES
  return micros_to_double(rand_micros) < rate;
#else
  return rand_micros < rate_to_micros(rate);
#endif
}

/// A sample_rand read from baggage, in millionths: a plain decimal in [0, 1) (json.hpp's
/// parse_decimal), digits past the sixth decimal cut off. False for anything else.
constexpr bool parse_sample_rand(std::string_view text, std::uint32_t& micros) noexcept {
  decimal_text d;
  if (!parse_decimal(text, d)) return false;
  const std::uint64_t v = decimal_scaled(d, 6);
  if (v >= sample_rand_scale) return false;
  micros = static_cast<std::uint32_t>(v);
  return true;
}

/// A uniform sample_rand in [0, 1), in millionths.
inline std::uint32_t new_sample_rand() noexcept {
  return divmod_u64(random_u64() >> 11, sample_rand_scale).rem;
}

/// A sample_rand consistent with a parent's decision and rate, for an incoming trace that
/// carries both but no sample_rand: [0, rate) when sampled, [rate, 1) when not (PROTOCOL.md §9.4).
inline std::uint32_t sample_rand_within(double rate, bool sampled) noexcept {
  // The first count of millionths that decide() calls "not sampled": found by decide() itself
  // around rate * 1e6, so the two can never disagree at the boundary.
#if SENTRY_TRACE_DOUBLES
  const double scaled = rate * sample_rand_scale;
  std::uint32_t limit = !(scaled > 0.0) ? 0 : scaled >= sample_rand_scale ? sample_rand_scale : static_cast<std::uint32_t>(scaled);
  while (limit > 0 && !decide(rate, limit - 1)) --limit;
  while (limit < sample_rand_scale && decide(rate, limit)) ++limit;
#else
  const std::uint32_t limit = valid_rate(rate) ? rate_to_micros(rate) : 0;  // decide(): k < limit
#endif
  std::uint64_t r = random_u64() >> 11;
  if (sampled) return limit == 0 ? 0 : divmod_u64(r, limit).rem;
  std::uint32_t span = sample_rand_scale - limit;
  return span == 0 ? sample_rand_scale - 1 : limit + divmod_u64(r, span).rem;
}

/// The decision for a new transaction. `rate` is traces_sample_rate (negative: unset). Under a
/// compile-time policy other than RUNTIME the sampler, `rate` and the parent are ignored.
inline sampling_decision sample(const traces_sampler_fn& sampler, double rate, const sampling_context& ctx,
                                std::uint32_t rand_micros) {
  sampling_decision d;
  if constexpr (sampling_policy != sampling_policy_kind::runtime) {
    d.sample_rate_known = true;
    d.sample_rate = sampling_policy_rate;
    d.sampled = sampling_policy == sampling_policy_kind::always ||
                (sampling_policy == sampling_policy_kind::ratio && decide(sampling_policy_rate, rand_micros));
    return d;
  }
  bool have_rate = false;
  double chosen = 0.0;
  if (sampler) {
#if SENTRY_TRACE_EXCEPTIONS
    try {
      chosen = sampler(ctx);
      have_rate = true;
    } catch (...) {
      have_rate = false;  // fall through to the parent's decision, then the rate
      d.sampler_threw = true;
    }
#else
    chosen = sampler(ctx);
    have_rate = true;
#endif
    if (have_rate) {
      d.sample_rate_known = true;
      if (!valid_rate(chosen)) {
        d.rate_invalid = true;
        d.sample_rate = 0.0;
        d.sampled = false;
        return d;
      }
      d.sample_rate = chosen;
      d.sampled = decide(chosen, rand_micros);
      return d;
    }
  }
  if (ctx.parent_sampled != parent_decision::none) {
    d.sampled = ctx.parent_sampled == parent_decision::sampled;
    d.sample_rate_known = non_negative(ctx.parent_sample_rate);
    d.sample_rate = d.sample_rate_known ? ctx.parent_sample_rate : 0.0;
    return d;
  }
  if (non_negative(rate)) {
    d.sample_rate_known = true;
    if (!valid_rate(rate)) {
      d.rate_invalid = true;
      return d;
    }
    d.sample_rate = rate;
    d.sampled = decide(rate, rand_micros);
  }
  return d;
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_SAMPLING_HPP

// end of part: include/sentry_trace/protocol/sampling.hpp

// =================================================================================================
// part: include/sentry_trace/protocol/propagation.hpp
// =================================================================================================

// sentry_trace/propagation.hpp -- sentry-trace, traceparent and baggage: parse and format
//
// WHAT IT DOES  Reads the headers that carry a distributed trace into a service, and writes the
//               ones that carry it out (PROTOCOL.md §7, §8):
//               - `sentry-trace`  `<trace_id>-<span_id>[-1|-0]`, matched exactly as @sentry/core
//                                 11's TRACEPARENT_REGEXP matches it (parse_sentry_trace);
//               - `traceparent`   W3C Trace Context, version 00 and later versions
//                                 (parse_traceparent; our extension: @sentry/core ignores it);
//               - `baggage`       W3C baggage, split into the Sentry members (the dynamic sampling
//                                 context, DSC, decoded) and the other vendors' members (kept
//                                 verbatim and passed on), in fixed buffers (class baggage).
//               Members are split and decoded the way @sentry/core's parseBaggageHeader does:
//               split on ',', cut at the first '=', trim, percent-decode; a member without '='
//               is ignored; an empty key or value, or one decodeURIComponent would reject, drops
//               the member; a later duplicate wins. Outgoing values are percent-encoded as
//               sentry-native does (everything but RFC 3986 unreserved bytes).
//
// STEP BY STEP  sentry_trace::trace_parent parent;
//               sentry_trace::baggage bag;                          // ~9.5 KiB: keep it static
//               bool continued = sentry_trace::parse_sentry_trace(hdr_sentry_trace, parent) ||
//                                sentry_trace::parse_traceparent(hdr_traceparent, parent);
//               bag.parse(hdr_baggage);                             // once per baggage header
//               ...
//               char out[SENTRY_TRACE_MAX_BAGGAGE];
//               std::size_t n = bag.write_header(out, sizeof out);  // outgoing `baggage` value
//
// DOES NOT      allocate, throw, lock, read the locale, or keep pointers into the caller's memory:
//               every member is copied into the object's own buffers.
//
// CONFIG        (default)  meaning                                               every TU must agree?
//   SENTRY_TRACE_MAX_BAGGAGE  (8192)  bytes of a baggage value kept (third-party members) and     yes
//                                     written (the whole outgoing value): the W3C minimum
//   SENTRY_TRACE_MAX_DSC      (1024)  bytes of Sentry members kept: the sum of each decoded key    yes
//                                     (without "sentry-") and value
//               Member count: at most 64 (the W3C minimum) Sentry members and 64 third-party
//               members are kept; at most 64 members are written.
//
// RAM           sizeof(baggage) = SENTRY_TRACE_MAX_BAGGAGE + SENTRY_TRACE_MAX_DSC (rounded up to a
//               multiple of 4) + 64 * 8 + 16 bytes: 9744 with the defaults; tests/test_propagation.cpp
//               pins it. Parsing uses a few dozen bytes of stack and no scratch buffer.
//
// THREADS       The free functions are reentrant. A baggage object is not thread-safe; its const
//               members may be called from several threads at once.
//
// ERRORS        Bad input never reaches the output and is never an error to the caller:
//               - a sentry-trace or traceparent value that does not match, or has an all-zero id,
//                 makes the parse function return false with `out` untouched (start a new trace);
//               - a baggage member with a control character (CR, LF, NUL, TAB inside, ...) in its
//                 raw text is dropped, so no header line can be split; so is a Sentry member whose
//                 decoded key or value holds one (%0D%0A) or whose key is empty after "sentry-";
//               - members past the limits are dropped whole and counted in dropped_members().
//
// SPEC          https://develop.sentry.dev/sdk/foundations/trace-propagation/
//               https://develop.sentry.dev/sdk/foundations/trace-propagation/dynamic-sampling-context/
//               https://www.w3.org/TR/trace-context/ (traceparent), https://www.w3.org/TR/baggage/

#ifndef SENTRY_TRACE_PROPAGATION_HPP
#define SENTRY_TRACE_PROPAGATION_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

// SENTRY_TRACE_MAX_BAGGAGE and SENTRY_TRACE_MAX_DSC get their defaults and checks in config.hpp,
// with the other switches that shape a transaction block (the layout guard compares them).

SENTRY_TRACE_DETAIL_BEGIN

/// A parsed sentry-trace or traceparent value.
struct trace_parent {
  trace_id trace;      ///< never zero after a successful parse
  span_id parent;      ///< zero when a sentry-trace value carried only a trace id
  parent_decision sampled = parent_decision::none;  ///< none: deferred (sentry-trace without a flag)
};

/// Parses a `sentry-trace` value. Matches `^[ \t]*([0-9a-f]{32})?-?([0-9a-f]{16})?-?([01])?[ \t]*$`
/// exactly as @sentry/core 11's TRACEPARENT_REGEXP does, backtracking included
/// ("<32 hex>1" is a trace id with the flag 1; "<32 hex>-<16 hex>-" has no flag). A match without
/// a trace id counts as no header (false). A bare trace id is accepted (parent zero). An all-zero
/// trace id or span id is rejected (false), where @sentry/core would continue it. On false, `out`
/// is untouched. Reentrant; no allocation.
bool parse_sentry_trace(std::string_view value, trace_parent& out) noexcept;

/// Parses a W3C `traceparent` value: `<version>-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>`,
/// lowercase, surrounded by optional spaces/tabs. Version 00 must be exactly 55 characters; version
/// ff is invalid; a later version is accepted when its first 55 characters have the version-00
/// shape and it ends there or continues with '-' (W3C "versioning of traceparent"). All-zero ids
/// are invalid. Flag bit 0 gives `sampled` or `not_sampled` (never `none`). On false, `out` is
/// untouched. @sentry/core 11 and sentry-native do not read an incoming traceparent; we do.
bool parse_traceparent(std::string_view value, trace_parent& out) noexcept;

/// The incoming `baggage`, split in two and copied into fixed buffers:
/// - Sentry members (`sentry-<key>=<value>`, key decoded before the prefix is checked): decoded,
///   a later duplicate replaces the value in the first one's position, at most 64 members and
///   SENTRY_TRACE_MAX_DSC bytes (decoded key without "sentry-" plus value, summed).
/// - Third-party members: kept verbatim as `key=value` (key and value trimmed of spaces/tabs,
///   `;properties` kept as part of the value), joined with ",", at most 64 members and
///   SENTRY_TRACE_MAX_BAGGAGE bytes. Duplicates are kept (the receiver takes the last).
/// Member rules, as @sentry/core's parseBaggageHeader: split on ','; cut at the first '='; trim
/// key and value; a member without '=' is ignored; an empty key or value drops it; a key or value
/// that decodeURIComponent would reject (a bad escape such as %zz or a trailing %, or escapes that
/// are not well-formed UTF-8 such as %FF) drops it. Further, where @sentry/core keeps them: a member
/// whose raw text holds a control byte (< 0x20 or 0x7f, tabs inside included) is dropped; a
/// Sentry member whose decoded key or value holds one, or whose key is empty after "sentry-", is
/// dropped. Only members dropped for the limits are counted in dropped_members(); malformed
/// members are not. Several headers may be parsed in turn: they are joined as one.
/// Not thread-safe; copyable (no pointers inside). Never allocates or throws.
class baggage {
 public:
  /// Maximum members kept of each kind, and written in all: the W3C minimum.
  static constexpr std::size_t max_members = 64;

  /// Empty. The buffers are left uninitialised: construction costs a few stores, not 9 KiB.
  baggage() noexcept = default;
  /// Copies only the bytes in use.
  baggage(const baggage& o) noexcept { *this = o; }
  baggage& operator=(const baggage& o) noexcept;
  /// Adds the members of one `baggage` header value. Call once per header: the members join.
  void parse(std::string_view header) noexcept;
  /// Forgets every member and the dropped count.
  void clear() noexcept;
  /// Forgets the Sentry members only, keeping the third-party ones (a trace that starts here
  /// passes the others' members on under its own DSC).
  void clear_sentry_members() noexcept {
    dsc_used_ = 0;
    sentry_count_ = 0;
  }

  /// The decoded value of `sentry-<key>` (`key` given without the prefix), or empty when absent.
  /// Valid until this object is next changed.
  std::string_view sentry(std::string_view key) const noexcept;
  bool has_sentry_members() const noexcept { return sentry_count_ != 0; }
  std::size_t sentry_member_count() const noexcept { return sentry_count_; }
  /// The i-th Sentry member, in order of first appearance: key without "sentry-", and decoded
  /// value. Empty when i >= sentry_member_count(). Valid until this object is next changed.
  std::string_view sentry_key(std::size_t i) const noexcept;
  std::string_view sentry_value(std::size_t i) const noexcept;
  /// Adds `sentry-<key>`, or replaces its value in place (used when this service adds
  /// sample_rand / sample_rate to a frozen DSC). Both are copied. False, and nothing changed, when
  /// there is no room (bytes or members), or when the key or value is empty, holds a control byte
  /// or is not well-formed UTF-8.
  bool set_sentry(std::string_view key, std::string_view decoded_value) noexcept;

  /// The third-party members, "k=v,k2=v2;prop" as received (trimmed), or empty.
  std::string_view third_party() const noexcept { return std::string_view(tp_, tp_len_); }
  /// Members dropped because a limit (bytes or count) was reached, since construction or clear().
  std::uint32_t dropped_members() const noexcept { return dropped_; }

  /// Writes the outgoing `baggage` value into out[0, cap): the Sentry members first, as
  /// `sentry-<key>=<value>` percent-encoded like sentry-native (every byte but A-Za-z0-9-._~),
  /// then the third-party members verbatim, comma-separated. Whole members only: a member that
  /// would take the value past min(cap, SENTRY_TRACE_MAX_BAGGAGE) bytes, or past 64 members, is
  /// skipped and later, smaller ones still go (as @sentry/core's objectToBaggageHeader skips).
  /// Sentry members come first so they survive. No NUL is written. Returns the bytes written
  /// (0 when there is nothing to send: send no header then). `out` may be null when cap is 0.
  std::size_t write_header(char* out, std::size_t cap) const noexcept;
  /// Writes the Sentry members as one JSON object, {"trace_id":"…","public_key":"…",…}, every
  /// value a string, in the order of sentry_key(): the envelope header's `trace`.
  void write_json(json_writer& w) const noexcept;

 private:
  struct entry {
    std::uint16_t key_off, key_len, value_off, value_len;
  };
  template <class Source> bool put_sentry(const Source& key, const Source& value) noexcept;
  void add_member(std::string_view key, std::string_view value) noexcept;

  char dsc_[SENTRY_TRACE_MAX_DSC];          // decoded keys and values, packed
  char tp_[SENTRY_TRACE_MAX_BAGGAGE];       // third-party members, comma-joined
  entry entries_[max_members];              // Sentry members in order of first appearance
  std::uint32_t dsc_used_ = 0;
  std::uint32_t tp_len_ = 0;
  std::uint16_t sentry_count_ = 0;
  std::uint16_t tp_count_ = 0;
  std::uint32_t dropped_ = 0;
};

namespace detail {

/// Percent-decodes `in` into out[0, cap), setting `out_len` to the decoded length. '+' is not a
/// space (decodeURIComponent). False on a bad escape (%zz, a % with fewer than two hex digits
/// after it), on a decoded byte below 0x20 or 0x7f, raw or escaped (control characters never
/// survive into a DSC value), or when the result does not fit in `cap`; `out` then holds a
/// partial result and `out_len` what was written. Does not check UTF-8 (baggage does).
bool percent_decode(std::string_view in, char* out, std::size_t cap, std::size_t& out_len) noexcept;

/// Percent-encodes `in` into `out`: every byte except the RFC 3986 unreserved set A-Za-z0-9-._~
/// becomes %XX with uppercase hex, as sentry-native does (so '/', '@', ' ' and ',' are all
/// escaped). Writes through the sink, so truncation follows the sink's rules: when the sink
/// cannot take the bytes it keeps the error and total() reports the bytes needed;
/// percent_encoded_length() gives the same figure beforehand.
void percent_encode(sink& out, std::string_view in) noexcept;

/// The length percent_encode() writes for `in`.
std::size_t percent_encoded_length(std::string_view in) noexcept;

/// Writes "<32 hex>-<16 hex>-1", "…-0", or, while the decision is deferred (none), no flag,
/// into out[0, 51). Returns the length (51 or 49). No NUL.
std::size_t format_sentry_trace(char* out, const trace_id& t, span_id s, parent_decision sampled) noexcept;

/// Writes "00-<32 hex>-<16 hex>-01" when sampled, else "…-00" (deferred included, as
/// @sentry/core's generateTraceparentHeader), into out[0, 55). Returns 55. No NUL.
std::size_t format_traceparent(char* out, const trace_id& t, span_id s, bool sampled) noexcept;

/// Whether to add trace headers to an outgoing request to `url`, as @sentry/core 11's
/// shouldPropagateTraceForUrl decides for string targets:
/// - targets not set (`targets_set` false, the default of @sentry/node 11, which sets none):
///   every URL gets them;
/// - targets set: only a URL that contains one of targets[0, count) as a substring, compared
///   case-insensitively (core's matchesTracePropagationTargets lowercases both; we fold ASCII
///   only). A set but empty list therefore matches nothing; an empty string target matches
///   every URL. Regular-expression targets are not supported.
bool should_propagate(std::string_view url, const std::string_view* targets, std::size_t count,
                      bool targets_set) noexcept;

} // namespace detail

// ================================================================================================
// implementation
// ================================================================================================

namespace detail {

constexpr bool is_control(unsigned char c) noexcept { return c < 0x20 || c == 0x7f; }

constexpr bool is_unreserved(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

constexpr bool all_lower_hex(std::string_view s, std::size_t pos, std::size_t n) noexcept {
  if (pos > s.size() || s.size() - pos < n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (!is_lower_hex(s[pos + i])) return false;
  return true;
}

/// Where TRACEPARENT_REGEXP's groups matched in a value stripped of its surrounding spaces/tabs
/// (the regex's `[ \t]*` at both ends can take only those, and nothing between them can).
struct sentry_trace_match {
  bool has_trace = false, has_span = false;
  char flag = 0;  // '0', '1' or 0 for none
  std::size_t span_pos = 0;
};

/// `([0-9a-f]{32})?-?([0-9a-f]{16})?-?([01])?` against the whole of `s`, trying the alternatives
/// in the order a backtracking regex engine does (each optional part present first), so the
/// first full match, and thus the captures, are those JavaScript reports.
constexpr bool match_sentry_trace(std::string_view s, sentry_trace_match& m) noexcept {
  const std::size_t n = s.size();
  for (int g1 = 1; g1 >= 0; --g1) {
    std::size_t p1 = 0;
    if (g1 && !all_lower_hex(s, 0, 32)) continue;
    if (g1) p1 = 32;
    for (int d1 = 1; d1 >= 0; --d1) {
      std::size_t p2 = p1;
      if (d1 && !(p2 < n && s[p2] == '-')) continue;
      if (d1) ++p2;
      for (int g2 = 1; g2 >= 0; --g2) {
        std::size_t p3 = p2;
        if (g2 && !all_lower_hex(s, p3, 16)) continue;
        if (g2) p3 += 16;
        for (int d2 = 1; d2 >= 0; --d2) {
          std::size_t p4 = p3;
          if (d2 && !(p4 < n && s[p4] == '-')) continue;
          if (d2) ++p4;
          for (int g3 = 1; g3 >= 0; --g3) {
            std::size_t p5 = p4;
            if (g3 && !(p5 < n && (s[p5] == '0' || s[p5] == '1'))) continue;
            if (g3) ++p5;
            if (p5 != n) continue;
            m.has_trace = g1 != 0;
            m.has_span = g2 != 0;
            m.span_pos = p2;
            m.flag = g3 ? s[p4] : '\0';
            return true;
          }
        }
      }
    }
  }
  return false;
}

/// Reads one unit of percent-encoded text at s[i]: an escape %XX (either case) or a raw byte.
/// False on a bad escape.
constexpr bool read_unit(std::string_view s, std::size_t& i, unsigned char& byte, bool& escaped) noexcept {
  if (s[i] != '%') {
    byte = static_cast<unsigned char>(s[i]);
    escaped = false;
    ++i;
    return true;
  }
  if (s.size() - i < 3) return false;
  const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
  if (hi < 0 || lo < 0) return false;
  byte = static_cast<unsigned char>(hi * 16 + lo);
  escaped = true;
  i += 3;
  return true;
}

/// Well-formed UTF-8 over units read by `read` (raw bytes, or escapes and raw bytes): the
/// Unicode 15 table 3-7 ranges, so no overlongs, surrogates or values past U+10FFFF. A sequence
/// must not mix escaped and raw bytes.
template <class Read> constexpr bool well_formed_utf8(std::string_view s, Read read) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char b = 0;
    bool esc = false;
    if (!read(s, i, b, esc)) return false;
    if (b < 0x80) continue;
    int more = 0;
    unsigned lo = 0x80, hi = 0xBF;  // range of the first continuation byte
    if (b >= 0xC2 && b <= 0xDF) {
      more = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      more = 2;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      more = 3;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    for (int k = 0; k < more; ++k) {
      unsigned char c = 0;
      bool cesc = false;
      if (i >= s.size() || !read(s, i, c, cesc) || cesc != esc || c < lo || c > hi) return false;
      lo = 0x80;
      hi = 0xBF;
    }
  }
  return true;
}

/// True when decodeURIComponent would accept `s` (ECMAScript Decode): every escape is %XX, and an
/// escaped byte of 0x80 or more starts a well-formed UTF-8 sequence whose continuation bytes are
/// escapes too. Raw bytes must be well-formed UTF-8 themselves: they stand for the characters of
/// the JavaScript string.
constexpr bool uri_decodable(std::string_view s) noexcept { return well_formed_utf8(s, read_unit); }

/// Well-formed UTF-8, every byte taken as itself.
constexpr bool valid_utf8(std::string_view s) noexcept {
  return well_formed_utf8(s, [](std::string_view t, std::size_t& i, unsigned char& b, bool& esc) {
    b = static_cast<unsigned char>(t[i++]);
    esc = false;
    return true;
  });
}

inline bool has_control(std::string_view s) noexcept {
  for (char c : s)
    if (is_control(static_cast<unsigned char>(c))) return true;
  return false;
}

/// The bytes of a member key or value, either as received (percent-encoded, validated by
/// uri_decodable) or as given by set_sentry (plain); `skip` leading decoded bytes are left out
/// (the "sentry-" prefix, which may itself be encoded).
struct member_text {
  std::string_view text;
  bool encoded = false;
  std::size_t skip = 0;

  template <class Fn> bool each(Fn&& fn) const noexcept {
    std::size_t i = 0, n = 0;
    while (i < text.size()) {
      unsigned char b = 0;
      bool esc = false;
      if (encoded) {
        if (!read_unit(text, i, b, esc)) return false;
      } else {
        b = static_cast<unsigned char>(text[i++]);
      }
      if (n++ >= skip && !fn(b)) return false;
    }
    return true;
  }
  std::size_t length() const noexcept {
    std::size_t n = 0;
    each([&](unsigned char) { return ++n, true; });
    return n;
  }
  bool has_control() const noexcept {
    return !each([](unsigned char b) { return !is_control(b); });
  }
  bool equals(std::string_view plain) const noexcept {
    std::size_t k = 0;
    bool same = each([&](unsigned char b) { return k < plain.size() && static_cast<unsigned char>(plain[k++]) == b; });
    return same && k == plain.size();
  }
  void copy_to(char* out) const noexcept {
    std::size_t k = 0;
    each([&](unsigned char b) { return out[k++] = static_cast<char>(b), true; });
  }
};

inline bool percent_decode(std::string_view in, char* out, std::size_t cap, std::size_t& out_len) noexcept {
  std::size_t i = 0, n = 0;
  out_len = 0;
  while (i < in.size()) {
    unsigned char b = 0;
    bool esc = false;
    if (!read_unit(in, i, b, esc) || is_control(b) || n >= cap) return false;
    out[n++] = static_cast<char>(b);
    out_len = n;
  }
  return true;
}

inline std::size_t percent_encoded_length(std::string_view in) noexcept {
  std::size_t n = 0;
  for (char c : in) n += is_unreserved(static_cast<unsigned char>(c)) ? 1 : 3;
  return n;
}

inline void percent_encode(sink& out, std::string_view in) noexcept {
  std::size_t run = 0;  // start of the pending run of unreserved bytes
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (is_unreserved(c)) continue;
    if (i > run) out.write(in.data() + run, i - run);
    const char esc[3] = {'%', hex_upper[c >> 4], hex_upper[c & 0xF]};
    out.write(esc, 3);
    run = i + 1;
  }
  if (in.size() > run) out.write(in.data() + run, in.size() - run);
}

inline std::size_t format_sentry_trace(char* out, const trace_id& t, span_id s, parent_decision sampled) noexcept {
  t.to_hex(out);
  out[32] = '-';
  s.to_hex(out + 33);
  if (sampled == parent_decision::none) return 49;
  out[49] = '-';
  out[50] = sampled == parent_decision::sampled ? '1' : '0';
  return 51;
}

inline std::size_t format_traceparent(char* out, const trace_id& t, span_id s, bool sampled) noexcept {
  out[0] = '0';
  out[1] = '0';
  out[2] = '-';
  t.to_hex(out + 3);
  out[35] = '-';
  s.to_hex(out + 36);
  out[52] = '-';
  out[53] = '0';
  out[54] = sampled ? '1' : '0';
  return 55;
}

inline bool should_propagate(std::string_view url, const std::string_view* targets, std::size_t count,
                             bool targets_set) noexcept {
  if (!targets_set) return true;
  for (std::size_t i = 0; i < count; ++i)
    if (contains_ignore_case(url, targets[i])) return true;
  return false;
}

} // namespace detail

inline bool parse_sentry_trace(std::string_view value, trace_parent& out) noexcept {
  const std::string_view s = detail::trim(value, detail::is_ows);
  detail::sentry_trace_match m;
  if (!detail::match_sentry_trace(s, m) || !m.has_trace) return false;
  trace_parent r;
  if (!trace_id::parse(s.substr(0, 32), r.trace)) return false;  // all zeros
  if (m.has_span && !span_id::parse(s.substr(m.span_pos, 16), r.parent)) return false;
  r.sampled = m.flag == '1'   ? parent_decision::sampled
              : m.flag == '0' ? parent_decision::not_sampled
                              : parent_decision::none;
  out = r;
  return true;
}

inline bool parse_traceparent(std::string_view value, trace_parent& out) noexcept {
  const std::string_view s = detail::trim(value, detail::is_ows);
  if (s.size() < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-') return false;
  if (!detail::all_lower_hex(s, 0, 2) || !detail::all_lower_hex(s, 53, 2)) return false;
  if (s[0] == 'f' && s[1] == 'f') return false;                     // version ff is invalid
  const bool v00 = s[0] == '0' && s[1] == '0';
  if (s.size() != 55 && (v00 || s[55] != '-')) return false;        // 00 has nothing after flags
  trace_parent r;
  if (!trace_id::parse(s.substr(3, 32), r.trace) || !span_id::parse(s.substr(36, 16), r.parent)) return false;
  const int flags = detail::hex_value(s[53]) * 16 + detail::hex_value(s[54]);
  r.sampled = (flags & 1) ? parent_decision::sampled : parent_decision::not_sampled;
  out = r;
  return true;
}

inline baggage& baggage::operator=(const baggage& o) noexcept {
  if (this == &o) return *this;
  std::memcpy(dsc_, o.dsc_, o.dsc_used_);
  std::memcpy(tp_, o.tp_, o.tp_len_);
  std::memcpy(entries_, o.entries_, sizeof(entry) * o.sentry_count_);
  dsc_used_ = o.dsc_used_;
  tp_len_ = o.tp_len_;
  sentry_count_ = o.sentry_count_;
  tp_count_ = o.tp_count_;
  dropped_ = o.dropped_;
  return *this;
}

inline void baggage::clear() noexcept {
  dsc_used_ = 0;
  tp_len_ = 0;
  sentry_count_ = 0;
  tp_count_ = 0;
  dropped_ = 0;
}

inline std::string_view baggage::sentry_key(std::size_t i) const noexcept {
  if (i >= sentry_count_) return {};
  return std::string_view(dsc_ + entries_[i].key_off, entries_[i].key_len);
}

inline std::string_view baggage::sentry_value(std::size_t i) const noexcept {
  if (i >= sentry_count_) return {};
  return std::string_view(dsc_ + entries_[i].value_off, entries_[i].value_len);
}

inline std::string_view baggage::sentry(std::string_view key) const noexcept {
  for (std::size_t i = 0; i < sentry_count_; ++i)
    if (sentry_key(i) == key) return sentry_value(i);
  return {};
}

// Adds or replaces one Sentry member. A replacement keeps the first one's slot (so the order is
// that of first appearance, as in a JavaScript object) and moves its bytes to the end.
template <class Source> bool baggage::put_sentry(const Source& key, const Source& value) noexcept {
  const std::size_t klen = key.length(), vlen = value.length();
  std::size_t dup = sentry_count_;
  for (std::size_t i = 0; i < sentry_count_; ++i)
    if (key.equals(sentry_key(i))) {
      dup = i;
      break;
    }
  const std::size_t freed = dup < sentry_count_ ? std::size_t{entries_[dup].key_len} + entries_[dup].value_len : 0;
  if (dup == sentry_count_ && sentry_count_ >= max_members) return false;
  if (dsc_used_ - freed + klen + vlen > SENTRY_TRACE_MAX_DSC) return false;
  if (dup < sentry_count_) {
    // Close the gap the old key and value leave. A member's key and value are adjacent, key first.
    const std::size_t start = entries_[dup].key_off, end = start + freed;
    std::memmove(dsc_ + start, dsc_ + end, dsc_used_ - end);
    for (std::size_t i = 0; i < sentry_count_; ++i)
      if (entries_[i].key_off > start) {
        entries_[i].key_off = static_cast<std::uint16_t>(entries_[i].key_off - freed);
        entries_[i].value_off = static_cast<std::uint16_t>(entries_[i].value_off - freed);
      }
    dsc_used_ = static_cast<std::uint32_t>(dsc_used_ - freed);
  } else {
    ++sentry_count_;
  }
  entry& e = entries_[dup];
  e.key_off = static_cast<std::uint16_t>(dsc_used_);
  e.key_len = static_cast<std::uint16_t>(klen);
  key.copy_to(dsc_ + dsc_used_);
  e.value_off = static_cast<std::uint16_t>(dsc_used_ + klen);
  e.value_len = static_cast<std::uint16_t>(vlen);
  value.copy_to(dsc_ + dsc_used_ + klen);
  dsc_used_ = static_cast<std::uint32_t>(dsc_used_ + klen + vlen);
  return true;
}

inline bool baggage::set_sentry(std::string_view key, std::string_view decoded_value) noexcept {
  if (key.empty() || decoded_value.empty() || detail::has_control(key) || detail::has_control(decoded_value) ||
      !detail::valid_utf8(key) || !detail::valid_utf8(decoded_value))
    return false;
  return put_sentry(detail::member_text{key, false, 0}, detail::member_text{decoded_value, false, 0});
}

inline void baggage::add_member(std::string_view key, std::string_view value) noexcept {
  // A raw control byte could end the header line (CR, LF) or hide in a log: never pass it on.
  if (key.empty() || value.empty() || detail::has_control(key) || detail::has_control(value)) return;
  if (!detail::uri_decodable(key) || !detail::uri_decodable(value)) return;  // JS: URIError, member dropped
  const detail::member_text k{key, true, 0};
  static constexpr std::string_view prefix = "sentry-";
  std::size_t matched = 0;
  k.each([&](unsigned char b) {
    if (matched < prefix.size() && static_cast<unsigned char>(prefix[matched]) == b) {
      ++matched;
      return matched < prefix.size();
    }
    matched = prefix.size() + 1;  // mismatch
    return false;
  });
  if (matched == prefix.size()) {
    const detail::member_text sk{key, true, prefix.size()}, sv{value, true, 0};
    if (sk.length() == 0 || sk.has_control() || sv.has_control()) return;
    if (!put_sentry(sk, sv)) ++dropped_;
    return;
  }
  const std::size_t need = (tp_len_ ? 1 : 0) + key.size() + 1 + value.size();
  if (tp_count_ >= max_members || need > SENTRY_TRACE_MAX_BAGGAGE - tp_len_) {
    ++dropped_;
    return;
  }
  char* p = tp_ + tp_len_;
  if (tp_len_) *p++ = ',';
  std::memcpy(p, key.data(), key.size());
  p += key.size();
  *p++ = '=';
  std::memcpy(p, value.data(), value.size());
  tp_len_ = static_cast<std::uint32_t>(tp_len_ + need);
  ++tp_count_;
}

inline void baggage::parse(std::string_view header) noexcept {
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = header.find(',', pos);
    const std::size_t end = comma == std::string_view::npos ? header.size() : comma;
    const std::string_view member = header.substr(pos, end - pos);
    const std::size_t eq = member.find('=');
    if (eq != std::string_view::npos)
      add_member(detail::trim(member.substr(0, eq), detail::is_ows), detail::trim(member.substr(eq + 1), detail::is_ows));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
}

inline std::size_t baggage::write_header(char* out, std::size_t cap) const noexcept {
  const std::size_t limit = cap < SENTRY_TRACE_MAX_BAGGAGE ? cap : SENTRY_TRACE_MAX_BAGGAGE;
  std::size_t pos = 0, members = 0;
  static constexpr std::string_view prefix = "sentry-";
  for (std::size_t i = 0; i < sentry_count_ && members < max_members; ++i) {
    const std::string_view k = sentry_key(i), v = sentry_value(i);
    const std::size_t need =
        (pos ? 1 : 0) + prefix.size() + detail::percent_encoded_length(k) + 1 + detail::percent_encoded_length(v);
    if (need > limit - pos) continue;
    fixed_sink s(out + pos, need);
    if (pos) s.put(',');
    s.write(prefix);
    detail::percent_encode(s, k);
    s.put('=');
    detail::percent_encode(s, v);
    pos += s.size();
    ++members;
  }
  std::size_t start = 0;
  while (start < tp_len_ && members < max_members) {
    const char* comma = static_cast<const char*>(std::memchr(tp_ + start, ',', tp_len_ - start));
    const std::size_t end = comma ? static_cast<std::size_t>(comma - tp_) : tp_len_;
    const std::size_t len = end - start, need = (pos ? 1 : 0) + len;
    if (need <= limit - pos) {
      if (pos) out[pos++] = ',';
      std::memcpy(out + pos, tp_ + start, len);
      pos += len;
      ++members;
    }
    start = end + 1;
  }
  return pos;
}

inline void baggage::write_json(json_writer& w) const noexcept {
  w.begin_object();
  for (std::size_t i = 0; i < sentry_count_; ++i) w.key(sentry_key(i)).string(sentry_value(i));
  w.end_object();
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_PROPAGATION_HPP

// end of part: include/sentry_trace/protocol/propagation.hpp

// =================================================================================================
// part: include/sentry_trace/core/pool.hpp
// =================================================================================================

// sentry_trace/pool.hpp -- fixed-capacity storage for transactions and their spans
//
// WHAT IT DOES  A transaction owns one block: its span records, attributes, measurements and a
//               string arena. Starting a child span claims the next record of the block; copying
//               a string bumps the arena. When the root ends, the block is serialized in one
//               linear pass and returned once its last open span has ended.
// DOES NOT      allocate after init, lock on the span path, or format text. Over a capacity,
//               spans are dropped and strings truncated, and both are counted (outcomes.hpp).
// RAM           sizeof(storage) = SENTRY_TRACE_MAX_TRANSACTIONS * sizeof(transaction_block)
//                                 + SENTRY_TRACE_ENVELOPE_BYTES + 2 * (SENTRY_TRACE_MAX_SPANS + 1),
//               rounded up to a multiple of 8, where sizeof(transaction_block) is, on x86_64 and
//               rounded up to a multiple of 8,
//                 64 * (SENTRY_TRACE_MAX_SPANS + 1) + 24 * SENTRY_TRACE_ATTRIBUTE_POOL
//                 + 32 * SENTRY_TRACE_MAX_MEASUREMENTS + SENTRY_TRACE_STRING_ARENA
//                 + (SENTRY_TRACE_MAX_DSC + SENTRY_TRACE_MAX_BAGGAGE + 528) + 104
//               (64, 24, 32: sizeof span_record, attribute_record, measurement_record; then the
//               propagated DSC and baggage; 104: the block's header).
//               Defaults: 8 * 238,776 + 1,048,576 + 2,008 = 2,960,792 bytes.
//               storage_bytes() gives the exact figure; tests/test_pool.cpp pins the formula.
// THREADS       Each block has one control word: generation, closing flag, open-span count and
//               next free slot, changed together by compare-and-swap. A child start is one CAS,
//               an end one atomic subtraction; a handle whose generation no longer matches is a
//               no-op, so a block reused for a new transaction is never written by an old handle.
//               Code that checks a reference and then reads or writes the block holds a claim
//               (try_pin, one CAS; core/claims.hpp's block_pin) for the whole of it: a check and a
//               later write are never two steps another thread can come between.

#ifndef SENTRY_TRACE_POOL_HPP
#define SENTRY_TRACE_POOL_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
struct transaction_block;
}

/// All memory the tracer uses after init, in one object. Hand init() your own (static, or on a
/// stack that outlives shutdown()) through options.storage; otherwise hosted builds use a
/// static one. It is large (see storage_bytes()): do not put it on a small thread stack.
struct storage;

/// Bytes of one `storage` for the switches in force.
constexpr std::size_t storage_bytes() noexcept;

// ------------------------------------------------------------------------------------------------
namespace detail {

constexpr std::uint32_t max_child_spans = SENTRY_TRACE_MAX_SPANS;
constexpr std::uint32_t slots_per_block = SENTRY_TRACE_MAX_SPANS + 1;  // slot 0 is the root

/// Control word layout: [63..35] generation, [34] closing, [33..17] open spans, [16..0] next slot.
struct control {
  static constexpr std::uint64_t slot_mask = (1ull << 17) - 1;
  static constexpr unsigned open_shift = 17;
  static constexpr std::uint64_t open_one = 1ull << open_shift;
  static constexpr std::uint64_t open_mask = ((1ull << 17) - 1) << open_shift;
  static constexpr std::uint64_t closing = 1ull << 34;
  static constexpr unsigned gen_shift = 35;

  static constexpr std::uint32_t next_slot(std::uint64_t v) noexcept { return static_cast<std::uint32_t>(v & slot_mask); }
  static constexpr std::uint32_t open(std::uint64_t v) noexcept { return static_cast<std::uint32_t>((v & open_mask) >> open_shift); }
  static constexpr bool is_closing(std::uint64_t v) noexcept { return (v & closing) != 0; }
  static constexpr std::uint32_t generation(std::uint64_t v) noexcept { return static_cast<std::uint32_t>(v >> gen_shift); }
  static constexpr std::uint64_t fresh(std::uint32_t gen) noexcept { return static_cast<std::uint64_t>(gen & 0x1fffffffu) << gen_shift; }
};

/// Copies n bytes. Span names, ops and attribute keys and values are mostly a few bytes long:
/// up to 16 they are copied with two fixed-size copies that may overlap (which compile to plain
/// loads and stores), never reading outside [from, from + n); longer ones go to memcpy.
inline void copy_bytes(char* to, const char* from, std::size_t n) noexcept {
  if (n > 16) {
    std::memcpy(to, from, n);
  } else if (n >= 8) {
    std::memcpy(to, from, 8);
    std::memcpy(to + n - 8, from + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(to, from, 4);
    std::memcpy(to + n - 4, from + n - 4, 4);
  } else if (n > 0) {
    to[0] = from[0];
    if (n > 1) std::memcpy(to + n - 2, from + n - 2, 2);
  }
}

/// dsc_state: the head-of-trace DSC is written from the block until the first outgoing headers
/// freeze it into `dsc` (a DSC must not change once it has left the SDK).
enum : std::uint8_t { dsc_open = 0, dsc_freezing = 1, dsc_frozen = 2 };

/// One type for three kinds of block, told apart by `stream` and `is_continuation`, each slot
/// with one meaning per kind:
///
///   slot               transaction (!stream)   segment (stream, a root)      continuation (is_continuation)
///   spans[0]           the root span           the segment's root span       no span: its holder's (the
///                                                                            segment's) open count until retired
///   spans[1..]         children                children                      children that did not fit before
///   trace .. source    the transaction's       the segment's                 copied from the segment
///   continued, dsc     the trace's DSC (below) the trace's DSC (below)       the segment's, frozen (continued)
///   segment_id         spans[0].id             spans[0].id                   the segment's root span id
///   segment_name       unset                   unset                         the segment's name, copied
///   segment_block/gen  unset                   unset                         the segment block and generation
///   continuation       0                       its current continuation, 0   0
///
/// Splitting it would give the serializer and the claim code two types for one block pool, so
/// the kinds stay one type and the writers read `is_continuation` where the meanings differ
/// (protocol/envelope.hpp skips a continuation's slot 0 and names its segment by segment_name).
struct transaction_block {
  atomic<std::uint64_t> control_word;
  // Set when the block is claimed, before any handle to it exists; read-only afterwards.
  trace_id trace;
  span_id parent_of_root;           ///< the incoming parent span id of a continued trace
  double sample_rate;               ///< the rate that decided, for the DSC and sentry.sample_rate
  std::uint32_t sample_rand_micros; ///< sample_rand * 1e6: decisions use exactly the propagated value
  bool sample_rate_known;
  transaction_source source;
  /// options.max_spans, at most SENTRY_TRACE_MAX_SPANS. Atomic (relaxed) because a thread holding a
  /// reference to the previous transaction may still read it in claim_child() while a new root
  /// sets it: that read is then discarded by the generation check, but must not be a data race.
  atomic<std::uint16_t> max_children;
  bool continued;                   ///< the trace came from another service (continue_trace)
  /// The dynamic sampling context and third-party baggage this transaction propagates. For a
  /// continued trace: the incoming one, frozen (plus sample_rand / sample_rate added here). For a
  /// trace started here: third-party members only, until the first outgoing headers freeze the
  /// Sentry members in (dsc_state).
  baggage dsc;
  atomic<std::uint8_t> dsc_state;   ///< dsc_open, dsc_freezing, dsc_frozen

  // Span streaming (options.trace_lifecycle = stream): the block is sent as span v2 items once
  // its last open span ends. When a segment's block fills up, later children go to a
  // continuation block, which holds slot 0 itself until it is retired (a newer continuation
  // takes over, or the segment's root ends); so a long level is sent whole, in batches, with
  // at most a few blocks in use.
  bool stream;
  bool is_continuation;
  span_id segment_id;               ///< the segment (root) span of this block's spans
  arena_str segment_name;           ///< its name (a copy in this block's arena)
  std::uint16_t segment_block;      ///< a continuation's segment block, and its generation
  std::uint32_t segment_generation;
  atomic<std::uint64_t> continuation;  ///< in a segment block: (generation << 16) | (index + 1), 0: none

  atomic<std::uint32_t> arena_used;
  atomic<std::uint32_t> attributes_used;
  atomic<std::uint32_t> measurements_used;
  measurement_record measurements[SENTRY_TRACE_MAX_MEASUREMENTS];
  attribute_record attributes[SENTRY_TRACE_ATTRIBUTE_POOL];
  span_record spans[slots_per_block];
  char arena[SENTRY_TRACE_STRING_ARENA];

  std::uint32_t generation() const noexcept { return control::generation(control_word.load(order_relaxed)); }

  std::string_view str(arena_str s) const noexcept { return {arena + s.offset, s.length}; }

  /// Reserves up to `want` arena bytes with one atomic addition; `granted` may be less (or 0)
  /// at the arena's end. The counter may run past the end; that only means "full".
  std::uint32_t reserve(std::size_t want, std::size_t& granted) noexcept {
    constexpr std::uint32_t cap = sizeof(arena);
    granted = 0;
    if (want == 0 || arena_used.load(order_relaxed) >= cap) return cap;
    std::uint32_t at = arena_used.fetch_add(static_cast<std::uint32_t>(want), order_relaxed);
    if (at >= cap) return cap;
    granted = want <= cap - at ? want : cap - at;
    return at;
  }

  /// Copies `text` into reserved space at `at` (of which `room` bytes remain), cut at
  /// `max_bytes` and at the room left, never inside a UTF-8 sequence. Cuts are counted.
  arena_str place(std::string_view text, std::size_t max_bytes, std::uint32_t& at, std::size_t& room) noexcept {
    if (text.size() > max_bytes || text.size() > room) return place_cut(text, max_bytes, at, room);
    return place_whole(text, at, room);
  }

  /// place() for a text that fits whole.
  arena_str place_whole(std::string_view text, std::uint32_t& at, std::size_t& room) noexcept {
    const auto n = static_cast<std::uint32_t>(text.size());
    copy_bytes(arena + at, text.data(), n);
    const arena_str s{at, n};
    at += n;
    room -= n;
    return s;
  }

  /// place() for a text that does not fit: cut where a UTF-8 sequence begins, and counted.
  arena_str place_cut(std::string_view text, std::size_t max_bytes, std::uint32_t& at, std::size_t& room) noexcept {
    g_outcomes.strings_truncated.fetch_add(1, order_relaxed);
    return place_whole(text.substr(0, utf8_truncate(text, max_bytes < room ? max_bytes : room)), at, room);
  }

  static constexpr std::size_t capped(std::size_t n, std::size_t max_bytes) noexcept { return n < max_bytes ? n : max_bytes; }

  /// Copies one string into the arena (see place()).
  arena_str copy(std::string_view text, std::size_t max_bytes = SENTRY_TRACE_MAX_STRING) noexcept {
    std::size_t room;
    std::uint32_t at = reserve(capped(text.size(), max_bytes), room);
    return place(text, max_bytes, at, room);
  }

  /// Copies a new span's name, op and origin with one reservation.
  void copy_names(span_record& r, const span_options& o) noexcept {
    std::size_t room;
    std::uint32_t at = reserve(capped(o.name.size(), SENTRY_TRACE_MAX_STRING) + capped(o.op.size(), SENTRY_TRACE_MAX_STRING) +
                                   capped(o.origin.size(), SENTRY_TRACE_MAX_STRING),
                               room);
    // All granted and none capped (the reservation is the capped sizes, so it equals the full
    // sizes only then): nothing to cut, and the three are copied end to end.
    if (room == o.name.size() + o.op.size() + o.origin.size()) {
      const auto name_n = static_cast<std::uint32_t>(o.name.size()), op_n = static_cast<std::uint32_t>(o.op.size());
      copy_bytes(arena + at, o.name.data(), name_n);
      copy_bytes(arena + at + name_n, o.op.data(), op_n);
      copy_bytes(arena + at + name_n + op_n, o.origin.data(), o.origin.size());
      r.name = arena_str{at, name_n};
      r.op = arena_str{at + name_n, op_n};
      r.origin = arena_str{at + name_n + op_n, static_cast<std::uint32_t>(o.origin.size())};
      return;
    }
    r.name = place(o.name, SENTRY_TRACE_MAX_STRING, at, room);
    r.op = place(o.op, SENTRY_TRACE_MAX_STRING, at, room);
    r.origin = place(o.origin, SENTRY_TRACE_MAX_STRING, at, room);
  }

  /// Claims this free block for a new transaction; false when it is in use.
  bool try_claim() noexcept {
    std::uint64_t v = control_word.load(order_relaxed);
    if (control::open(v) != 0 || control::is_closing(v) || control::next_slot(v) != 0) return false;
    // One open span (the root) and slot 0 taken.
    return control_word.compare_exchange_strong(v, v + control::open_one + 1, order_acquire, order_relaxed);
  }

  /// Claims the block of the transaction with generation `gen` without taking a slot, also after
  /// its root has ended: the claim counts as an open span, so the block is not freed (and not
  /// reused) until it is given back with close_one() (detail::block_pin does both). False when
  /// that transaction is gone.
  bool try_pin(std::uint32_t gen) noexcept {
    std::uint64_t v = control_word.load(order_relaxed);
    for (;;) {
      if (control::generation(v) != (gen & 0x1fffffffu) || control::open(v) == 0) return false;
      if (control_word.compare_exchange_weak(v, v + control::open_one, order_acq_rel, order_relaxed)) return true;
    }
  }

  /// Claims a child slot while the transaction with generation `gen` is open. Returns the slot,
  /// 0 when the block is full (count buffer_overflow), or -1 when the transaction is gone.
  std::int32_t claim_child(std::uint32_t gen) noexcept {
    std::uint64_t v = control_word.load(order_relaxed);
    for (;;) {
      if (control::generation(v) != (gen & 0x1fffffffu) || control::is_closing(v) || control::open(v) == 0) return -1;
      std::uint32_t slot = control::next_slot(v);
      if (slot > max_children.load(order_relaxed)) return 0;
      if (control_word.compare_exchange_weak(v, v + control::open_one + 1, order_acq_rel, order_relaxed))
        return static_cast<std::int32_t>(slot);
    }
  }

  /// Marks one open span closed. Returns true when this was the last one of a transaction whose
  /// root has ended: the caller then frees the block with release().
  bool close_one() noexcept {
    std::uint64_t before = control_word.fetch_sub(control::open_one, order_acq_rel);
    return control::open(before) == 1 && control::is_closing(before);
  }

  /// Sets the closing flag: from now on no child can join. Returns the slots handed out.
  std::uint32_t begin_closing() noexcept {
    std::uint64_t before = control_word.fetch_or(control::closing, order_acq_rel);
    return control::next_slot(before);
  }

  /// Returns the block to the pool with the next generation, so old handles become no-ops.
  /// The states of the slots (and measurements) this transaction used are cleared first: a
  /// later transaction's child may claim a slot and be caught by its root's end before it
  /// publishes slot_started, and the serializer must then see "not started", never a stale
  /// slot_ended left by this transaction (tests/test_tracer.cpp, "a slot claimed but not yet
  /// published ...").
  void release() noexcept {
    const std::uint64_t v = control_word.load(order_acquire);
    std::uint32_t used = control::next_slot(v);
    if (used > slots_per_block) used = slots_per_block;
    for (std::uint32_t i = 0; i < used; ++i) spans[i].state.store(0, order_relaxed);
    std::uint32_t measured = measurements_used.load(order_relaxed);
    if (measured > SENTRY_TRACE_MAX_MEASUREMENTS) measured = SENTRY_TRACE_MAX_MEASUREMENTS;
    for (std::uint32_t i = 0; i < measured; ++i) measurements[i].ready.store(0, order_relaxed);
    control_word.store(control::fresh(control::generation(v) + 1), order_release);
  }

  /// Resets the per-transaction bump counters; called right after try_claim().
  void reset_contents() noexcept {
    arena_used.store(0, order_relaxed);
    attributes_used.store(0, order_relaxed);
    measurements_used.store(0, order_relaxed);
  }

  /// Prepares a claimed slot; the caller publishes it with state.store(slot_started, release).
  span_record& init_slot(std::uint32_t slot, span_id id, span_id parent, std::uint64_t start_ticks) noexcept {
    span_record& r = spans[slot];
    r.start_ticks = start_ticks;
    r.end_ticks = start_ticks;
    r.id = id;
    r.parent = parent;
    r.name = {};
    r.op = {};
    r.origin = {};
    r.attr_head = no_index;
    r.attr_tail = no_index;
    r.attr_count = 0;
    r.status = span_status::ok;  // and has_status_message is left as it is (records.hpp)
    r.given_times = 0;
    return r;
  }

  static constexpr std::size_t max_key_bytes = 256;

  // --- keys --------------------------------------------------------------------------------
  // An object must not carry a key twice (Relay keeps only the last). Keys are therefore kept
  // and compared in the form they are written in: cut at their limit (never inside a UTF-8
  // sequence), then every invalid UTF-8 subpart replaced by U+FFFD as the escaper replaces it.
  // Two attribute keys that share their first 256 bytes, or two invalid keys that both
  // become "\ufffd", are then one key: the later set wins. A key the arena cannot hold whole
  // is not stored at all (a shorter cut could collide), and the SDK's own keys
  // (sdk_attribute_keys) are refused; both are counted as attributes_dropped.

  static std::string_view key_cut(std::string_view key, std::size_t max_bytes) noexcept {
    return key.substr(0, utf8_truncate(key, max_bytes));
  }

  /// True when `key` is its own written form: it fits `max_bytes` and is all ASCII, so there is
  /// nothing to cut and nothing to repair (every byte below 0x80 is valid UTF-8). The common
  /// case, checked first so that it skips the piece-by-piece walk below.
  static bool key_is_plain(std::string_view key, std::size_t max_bytes) noexcept {
    if (key.size() > max_bytes) return false;
    unsigned char any = 0;
    for (char c : key) any = static_cast<unsigned char>(any | static_cast<unsigned char>(c));
    return any < 0x80;
  }

  /// True when `stored` (a key kept in written form) is what `key` would be written as.
  bool key_equals(arena_str stored, std::string_view key, std::size_t max_bytes) const noexcept {
    return key_equals(stored, key, max_bytes, key_is_plain(key, max_bytes));
  }
  /// The same, where `plain`
  /// is key_is_plain(key, max_bytes), which a caller comparing against many keys checks once.
  bool key_equals(arena_str stored, std::string_view key, std::size_t max_bytes, bool plain) const noexcept {
    const std::string_view have = str(stored);
    if (plain) return have == key;
    const std::string_view cut = key_cut(key, max_bytes);
    std::size_t matched = 0;
    for (std::size_t pos = 0; pos < cut.size();) {
      const std::string_view piece = utf8_repaired_piece(cut, pos);
      if (have.size() - matched < piece.size() || have.substr(matched, piece.size()) != piece) return false;
      matched += piece.size();
    }
    return matched == have.size();
  }

  /// Bytes `key` takes in written form.
  static std::size_t key_bytes(std::string_view key, std::size_t max_bytes) noexcept {
    if (key_is_plain(key, max_bytes)) return key.size();
    const std::string_view cut = key_cut(key, max_bytes);
    std::size_t n = 0;
    for (std::size_t pos = 0; pos < cut.size();) n += utf8_repaired_piece(cut, pos).size();
    return n;
  }

  /// Writes `key` in written form into reserved space at `at` (which has room for key_bytes()).
  arena_str place_key(std::string_view key, std::size_t max_bytes, std::uint32_t& at, std::size_t& room) noexcept {
    if (key_is_plain(key, max_bytes)) return place_whole(key, at, room);
    const std::uint32_t start = at;
    const std::string_view cut = key_cut(key, max_bytes);
    if (cut.size() != key.size()) g_outcomes.strings_truncated.fetch_add(1, order_relaxed);
    for (std::size_t pos = 0; pos < cut.size();) {
      const std::string_view piece = utf8_repaired_piece(cut, pos);
      copy_bytes(arena + at, piece.data(), piece.size());
      at += static_cast<std::uint32_t>(piece.size());
      room -= piece.size();
    }
    return arena_str{start, at - start};
  }

  /// Copies `key` in written form; false (nothing stored) when the arena cannot hold it whole.
  bool copy_key(std::string_view key, std::size_t max_bytes, arena_str& out) noexcept {
    const std::size_t need = key_bytes(key, max_bytes);
    std::size_t room;
    std::uint32_t at = reserve(need, room);
    if (room < need) return false;
    out = place_key(key, max_bytes, at, room);
    return true;
  }

  /// The attribute `key` of `r` if it has one, compared in written form.
  attribute_record* find_attribute(span_record& r, std::string_view key) noexcept {
    const bool plain = key_is_plain(key, max_key_bytes);  // once per lookup, not once per stored key
    for (std::uint16_t i = r.attr_head; i != no_index; i = attributes[i].next)
      if (key_equals(attributes[i].key, key, max_key_bytes, plain)) return &attributes[i];
    return nullptr;
  }

  /// Sets a string attribute, copying a new key and the value with one reservation.
  void set_string_attribute(std::uint32_t slot, std::string_view key, std::string_view value) noexcept {
    span_record& r = spans[slot];
    if (is_sdk_attribute_key(key)) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return;
    }
    if (attribute_record* found = find_attribute(r, key)) {
      found->text = copy(value);
      found->type = attribute_type::string;
      return;
    }
    const bool plain = key_is_plain(key, max_key_bytes);  // decides both the size and the copy
    const std::size_t key_need = plain ? key.size() : key_bytes(key, max_key_bytes);
    std::size_t room;
    std::uint32_t at = reserve(key_need + capped(value.size(), SENTRY_TRACE_MAX_STRING), room);
    if (room < key_need) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return;
    }
    attribute_record* a = add_attribute(r);
    if (!a) return;
    a->type = attribute_type::string;
    if (plain && room == key_need + value.size()) {
      // A plain key and a value granted whole and not capped (as in copy_names): two copies.
      const auto key_n = static_cast<std::uint32_t>(key_need);
      copy_bytes(arena + at, key.data(), key_n);
      copy_bytes(arena + at + key_n, value.data(), value.size());
      a->key = arena_str{at, key_n};
      a->text = arena_str{at + key_n, static_cast<std::uint32_t>(value.size())};
      return;
    }
    a->key = plain ? place_whole(key, at, room) : place_key(key, max_key_bytes, at, room);
    a->text = place(value, SENTRY_TRACE_MAX_STRING, at, room);
  }

  /// Sets an attribute of any of the four types on span `slot`: the one place values are stored,
  /// for span::set_attribute and span_options::attributes alike. A NaN or infinite double has
  /// no JSON form (it would be written as null): it is dropped and counted, as a non-finite
  /// measurement is, and an earlier value of the key stays.
  void set_attribute(std::uint32_t slot, std::string_view key, const attribute_value& value) noexcept {
    if (value.type() == attribute_value::kind::string) {
      set_string_attribute(slot, key, value.as_string());
      return;
    }
    if (value.type() == attribute_value::kind::float64 && !finite_double(value.as_double())) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return;
    }
    attribute_record* r = attribute_for(slot, key);
    if (!r) return;
    switch (value.type()) {
      case attribute_value::kind::int64: r->int_value = value.as_int64(); r->type = attribute_type::int64; break;
      case attribute_value::kind::float64: r->float_value = value.as_double(); r->type = attribute_type::float64; break;
      default: r->bool_value = value.as_bool(); r->type = attribute_type::boolean; break;
    }
  }

  /// Finds or adds the attribute `key` of span `slot`; nullptr (counted) when over a cap, when
  /// the key cannot be stored whole, or for one of the SDK's own keys.
  attribute_record* attribute_for(std::uint32_t slot, std::string_view key) noexcept {
    if (is_sdk_attribute_key(key)) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return nullptr;
    }
    return record_for(spans[slot], key);
  }

  /// The message of span `slot`'s status (span::set_status(status, message)), kept as a string
  /// attribute under the SDK's key; false (and no such attribute) when none of it could be
  /// stored, so that the status name is written instead.
  bool set_status_message(std::uint32_t slot, std::string_view message) noexcept {
    span_record& r = spans[slot];
    attribute_record* a = record_for(r, status_message_key);
    if (!a) return false;
    a->text = copy(message);
    a->type = attribute_type::string;
    if (a->text.length != 0) return true;
    drop_status_message(r);
    return false;
  }

  /// Takes the status message attribute out of `r`'s list, so that the list holds it only while
  /// it is written and the writers need not know about it. Its record stays used (the pool only
  /// grows while the block is open): a message replaced by a status without one is rare.
  void drop_status_message(span_record& r) noexcept {
    std::uint16_t prev = no_index;
    for (std::uint16_t i = r.attr_head; i != no_index; prev = i, i = attributes[i].next) {
      if (str(attributes[i].key) != status_message_key) continue;
      const std::uint16_t next = attributes[i].next;
      if (prev == no_index) r.attr_head = next;
      else attributes[prev].next = next;
      if (r.attr_tail == i) r.attr_tail = prev;
      --r.attr_count;
      return;
    }
  }
  static constexpr std::string_view status_message_key = "sentry.status.message";

  /// Finds or adds the attribute `key` of `r` (a key already checked); nullptr (counted) when
  /// over a cap or when the key cannot be stored whole.
  attribute_record* record_for(span_record& r, std::string_view key) noexcept {
    if (attribute_record* found = find_attribute(r, key)) return found;
    arena_str stored;
    if (!copy_key(key, max_key_bytes, stored)) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return nullptr;
    }
    attribute_record* a = add_attribute(r);
    if (a) a->key = stored;
    return a;
  }

  /// Links a new attribute record to the end of `r`'s list; nullptr (counted) over a cap.
  attribute_record* add_attribute(span_record& r) noexcept {
    if (r.attr_count >= SENTRY_TRACE_MAX_ATTRIBUTES || attributes_used.load(order_relaxed) >= SENTRY_TRACE_ATTRIBUTE_POOL) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return nullptr;
    }
    std::uint32_t index = attributes_used.fetch_add(1, order_relaxed);
    if (index >= SENTRY_TRACE_ATTRIBUTE_POOL) {
      g_outcomes.attributes_dropped.fetch_add(1, order_relaxed);
      return nullptr;
    }
    attribute_record& a = attributes[index];
    a.key = arena_str{0, 0};
    a.next = no_index;
    a.type = attribute_type::boolean;
    a.bool_value = false;
    if (r.attr_tail == no_index) r.attr_head = static_cast<std::uint16_t>(index);
    else attributes[r.attr_tail].next = static_cast<std::uint16_t>(index);
    r.attr_tail = static_cast<std::uint16_t>(index);
    ++r.attr_count;
    return &a;
  }
};

} // namespace detail

struct storage {
  detail::transaction_block blocks[SENTRY_TRACE_MAX_TRANSACTIONS];
  char envelope[SENTRY_TRACE_ENVELOPE_BYTES];
  std::uint16_t envelope_slots[detail::slots_per_block];  ///< the spans written, for transaction_view
};

constexpr std::size_t storage_bytes() noexcept { return sizeof(storage); }

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_POOL_HPP

// end of part: include/sentry_trace/core/pool.hpp

// =================================================================================================
// part: include/sentry_trace/core/clock.hpp
// =================================================================================================

// sentry_trace/core/clock.hpp -- the span clock: the cycle counter, and its ticks turned into time
//
// WHAT IT DOES  Spans are timed in ticks of the span clock. On hosted x86-64 with an invariant
//               TSC (CPUID leaf 0x80000007, EDX bit 8; checked once per process) and on hosted
//               AArch64 (cntvct_el0), with no clock hook set, that is the cycle counter read
//               inline: two reads cost about half of two clock_gettime() calls (bench_span).
//               Elsewhere, or when the user sets options.clock, a tick is a nanosecond of the
//               hook (or of steady_clock). Ticks become time only when a transaction is
//               serialized: time_anchor maps them to monotonic nanoseconds, then to the wall
//               clock read at init(). A time the user gives (span_time) is already monotonic
//               nanoseconds: it takes only the second step, so given times and ticks of one
//               transaction land on one time line, each as exactly as its source allows.
// CALIBRATION   The rate (nanoseconds per tick) is measured against steady_clock over the
//               longest baseline there is: from the first pair of readings this process took
//               (at the first init(), followed by a busy wait of 1 ms) to the newest one. Each
//               serialization takes a new pair, so the anchor sits next to the spans it converts
//               and the rate gets more exact as the process runs: a long-running process does
//               not drift from the monotonic clock.
// DOES NOT      read the wall clock after init(): a wall-clock step moves no span.
// CONFIG        SENTRY_TRACE_HOSTED (the counter only on hosted builds; a freestanding build
//               sets options.clock, which always wins).

#ifndef SENTRY_TRACE_CORE_CLOCK_HPP
#define SENTRY_TRACE_CORE_CLOCK_HPP

#include <cstdint>

#if SENTRY_TRACE_HOSTED && (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__aarch64__))
#  define SENTRY_TRACE_DETAIL_CYCLE_COUNTER 1
#else
#  define SENTRY_TRACE_DETAIL_CYCLE_COUNTER 0
#endif

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// The high 64 bits of a 64 x 64-bit product.
inline std::uint64_t mul_hi64(std::uint64_t a, std::uint64_t b) noexcept {
#if defined(__SIZEOF_INT128__)
  __extension__ using u128 = unsigned __int128;
  return static_cast<std::uint64_t>((static_cast<u128>(a) * b) >> 64);
#else
  const std::uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32, b_lo = b & 0xffffffffu, b_hi = b >> 32;
  const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
  const std::uint64_t mid = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
  return hi_hi + (hi_lo >> 32) + (mid >> 32);
#endif
}

/// Turns span-clock ticks into epoch microseconds. Two steps: ticks to monotonic nanoseconds
/// through the pair (`ticks`, `ticks_mono_ns`) and the rate, then monotonic nanoseconds to the
/// wall clock through init()'s pair (`mono_ns`, `epoch_us`). Every member defaults to zero,
/// which makes a tick one nanosecond of the monotonic clock (a clock hook, steady_clock), so
/// g_tracer, which holds one, stays zero-initialized (.bss, not flash).
struct time_anchor {
  std::int64_t epoch_us = 0;        ///< the wall clock at init()
  std::uint64_t mono_ns = 0;        ///< the monotonic clock at the same instant
  std::uint64_t ticks = 0;          ///< a span-clock reading...
  std::uint64_t ticks_mono_ns = 0;  ///< ...and the monotonic clock at the same instant
  std::uint64_t ns_per_tick = 0;    ///< the rate, when `rated`: ns_per_tick + ns_per_tick_frac / 2^64
  std::uint64_t ns_per_tick_frac = 0;
  bool rated = false;               ///< false: a tick is a nanosecond

  std::uint64_t ns_of(std::uint64_t tick_count) const noexcept {
    return rated ? tick_count * ns_per_tick + mul_hi64(tick_count, ns_per_tick_frac) : tick_count;
  }
  std::uint64_t to_mono_ns(std::uint64_t t) const noexcept {
    return t >= ticks ? ticks_mono_ns + ns_of(t - ticks) : ticks_mono_ns - ns_of(ticks - t);
  }
  /// Monotonic nanoseconds (a span_time the user gave, or a converted tick) to epoch microseconds.
  std::int64_t mono_to_epoch_us(std::uint64_t ns) const noexcept {
    return ns >= mono_ns ? epoch_us + static_cast<std::int64_t>(divmod_u64(ns - mono_ns, 1000).quot)
                         : epoch_us - static_cast<std::int64_t>(divmod_u64(mono_ns - ns, 1000).quot);
  }
  std::int64_t to_epoch_us(std::uint64_t t) const noexcept { return mono_to_epoch_us(to_mono_ns(t)); }
};

#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
/// The cycle counter: the TSC (x86-64) or the virtual counter (AArch64). Not serializing: a span
/// boundary needs no fence, and one would cost more than the read.
inline std::uint64_t read_cycle_counter() noexcept {
#  if defined(__x86_64__)
  return __builtin_ia32_rdtsc();
#  else
  std::uint64_t v;
  __asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(v));
  return v;
#  endif
}

/// Whether the counter ticks at one constant rate on every core, whatever the power state.
inline bool probe_cycle_counter() noexcept {
#  if defined(__x86_64__)
  std::uint32_t a, b, c, d;
  __asm__ __volatile__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0u));
  if (a < 0x80000007u) return false;
  __asm__ __volatile__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000007u), "c"(0u));
  return (d & (1u << 8)) != 0;  // invariant TSC
#  else
  // The architected counter is constant-rate by definition; a frequency under 1 MHz (or none
  // reported) would make its ticks coarser than the microseconds the envelope writes.
  std::uint64_t f;
  __asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(f));
  return f >= 1000000u;
#  endif
}

/// A counter reading and a steady_clock reading taken at (nearly) the same instant.
struct clock_pair {
  std::uint64_t ticks = 0;
  std::uint64_t mono_ns = 0;
};

/// The tightest of a few tries: the counter is read on both sides of the monotonic clock and
/// the midpoint kept, so a try interrupted between its reads does not skew the pair.
inline clock_pair read_clock_pair() noexcept {
  clock_pair best;
  std::uint64_t best_width = ~std::uint64_t{0};
  for (int i = 0; i < 8; ++i) {
    const std::uint64_t t0 = read_cycle_counter();
    const std::uint64_t ns = hosted_now_ns(nullptr);
    const std::uint64_t t1 = read_cycle_counter();
    if (t1 - t0 < best_width) {
      best_width = t1 - t0;
      best.ticks = t0 + (t1 - t0) / 2;
      best.mono_ns = ns;
    }
  }
  return best;
}

/// The process's counter: probed once; `origin` is the first pair, the start of every baseline.
struct cycle_counter_state {
  bool probed = false;
  bool usable = false;
  clock_pair origin{};
};
inline cycle_counter_state g_cycle_counter{};

/// The shortest baseline a rate is measured over (init() waits that long once per process).
inline constexpr std::uint64_t min_calibration_ns = 1'000'000;

/// A pair taken now, at least min_calibration_ns after the origin (busy-waiting for it once).
inline clock_pair read_calibrated_pair() noexcept {
  const cycle_counter_state& c = g_cycle_counter;
  clock_pair p = read_clock_pair();
  while (p.mono_ns - c.origin.mono_ns < min_calibration_ns || p.ticks == c.origin.ticks) p = read_clock_pair();
  return p;
}

/// Sets the rate and the tick pair of `a` from the origin and `now`.
inline void set_rate(time_anchor& a, const clock_pair& now) noexcept {
  const clock_pair& o = g_cycle_counter.origin;
  const std::uint64_t dt = now.ticks - o.ticks;
  const std::uint64_t dns = now.mono_ns - o.mono_ns;
  a.ns_per_tick = dns / dt;
  // The fraction in double: 53 bits of it are far finer than the pairs' own jitter.
  const double frac = static_cast<double>(dns % dt) / static_cast<double>(dt) * 18446744073709551616.0;
  a.ns_per_tick_frac = frac >= 18446744073709551615.0 ? ~std::uint64_t{0} : static_cast<std::uint64_t>(frac);
  a.rated = true;
  a.ticks = now.ticks;
  a.ticks_mono_ns = now.mono_ns;
}

/// init(): whether the span clock is the counter; when it is, `a` gets its first rate. Called
/// only when the user set no clock hook. Probing and the origin happen once per process.
inline bool start_cycle_counter(time_anchor& a) noexcept {
  cycle_counter_state& c = g_cycle_counter;
  if (!c.probed) {
    c.probed = true;
    c.usable = probe_cycle_counter();
    if (c.usable) c.origin = read_clock_pair();
  }
  if (!c.usable) return false;
  set_rate(a, read_calibrated_pair());
  return true;
}

/// The anchor a serialization converts with: init()'s wall-clock pair, a fresh tick pair and
/// the rate over the baseline from the origin to now.
inline time_anchor refreshed_anchor(const time_anchor& at_init) noexcept {
  time_anchor a = at_init;
  set_rate(a, read_calibrated_pair());
  return a;
}
#endif  // SENTRY_TRACE_DETAIL_CYCLE_COUNTER

}  // namespace detail
SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_CORE_CLOCK_HPP

// end of part: include/sentry_trace/core/clock.hpp

// =================================================================================================
// part: include/sentry_trace/protocol/envelope.hpp
// =================================================================================================

// sentry_trace/protocol/envelope.hpp -- transaction and client-report payloads, envelope framing
//
// WHAT IT DOES  Writes a finished transaction block as one Sentry envelope
//               (`{header}\n{"type":"transaction","length":N}\n{payload}`) and pending outcomes
//               as a client-report envelope, into the fixed envelope buffer, in one linear pass.
//               The envelope header carries event_id, sent_at, sdk and the dynamic sampling
//               context (`trace`); the payload every field PROTOCOL.md §3 lists.
// DOES NOT      allocate. When the buffer cannot hold every span, the spans that fit are kept,
//               the rest are counted as buffer_overflow, and the transaction still goes out.
// FORMAT        Timestamps are RFC 3339 UTC strings with microseconds, the one form that Relay,
//               @sentry/core and sentry-cli all accept; `platform` is "native" (Relay has no
//               "cpp"); every span has an `op` ("default" when empty) and a `status`. The
//               payload's contexts hold the trace context, then the host's os, runtime and
//               device (host_contexts.hpp, when the context says so); its sdk lists `packages`.
//               before_send_transaction's edits (dispatch.hpp): a new name, with source
//               "custom" as @sentry/core sets it, and `tags`. The header's DSC keeps the name
//               the trace was sampled with.
// SPEC          https://develop.sentry.dev/sdk/foundations/transport/envelopes/
//               https://develop.sentry.dev/sdk/foundations/data-model/event-payloads/transaction/

#ifndef SENTRY_TRACE_ENVELOPE_HPP
#define SENTRY_TRACE_ENVELOPE_HPP

// =================================================================================================
// part: include/sentry_trace/face/event_options.hpp
// =================================================================================================

// sentry_trace/face/event_options.hpp -- what an error event carries besides its exception, and the send hooks
//
// WHAT IT DOES  Declares `event_options` (tags, contexts and a fingerprint for one
//               capture_exception()/capture_message() call, as @sentry/core's captureContext
//               `{tags, contexts, fingerprint, level}`), `error_event` (what options.before_send
//               sees and may edit), `transaction_event` (what options.before_send_transaction
//               sees and may edit) and the two hook types. Written once, included by
//               distributed.hpp and options.hpp (tracing on) and by disabled.hpp
//               (SENTRY_TRACE_ENABLED=0, where no hook is ever called).
// STEP BY STEP  st::capture_exception(e, st::event_options{}
//                                          .set_tag("db", "orders")
//                                          .set_context("order", "id", "A-1234")
//                                          .add_fingerprint("{{ default }}")
//                                          .add_fingerprint("orders-db"));
// RAM           Fixed capacity, on the caller's stack (no heap): max_tags tags, max_context_values
//               context members (over all named contexts) and max_fingerprint fingerprint parts;
//               sizeof(event_options) is about 700 bytes on a 64-bit target. What does not fit is
//               not kept: set_tag() and friends return the same object, and `dropped` says how
//               many were left out (counted in stats::attributes_dropped when the event is sent).
// DOES NOT      copy strings: every view is read only while the capture call (and its
//               before_send hook) runs, so temporaries in the call expression are fine.
// HOOKS         before_send(error_event&, user) and before_send_transaction(transaction_event&,
//               user) run on the thread that writes the envelope (the capturing thread for an
//               event; for a transaction the thread that ended its root, or the library's
//               writer: see options.hpp), with the envelope lock held, so never concurrently.
//               They return false to drop what they were given (counted as `before_send` in the
//               client report, as @sentry/core records a beforeSend that returns null), true to
//               send it, edited or not. Strings a hook stores into the event must stay valid until
//               the hook returns AND the envelope is written, i.e. point into static storage or
//               into the hook's own user data (the envelope is written right after the hook
//               returns, before the capture call or root end() returns). A hook must not throw
//               or call back into sentry_trace.
// SPEC          https://develop.sentry.dev/sdk/data-model/event-payloads/
//               https://docs.sentry.io/platforms/javascript/configuration/filtering/

#ifndef SENTRY_TRACE_FACE_EVENT_OPTIONS_HPP
#define SENTRY_TRACE_FACE_EVENT_OPTIONS_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// One tag (`tags` in the event: a string for a string).
struct event_tag {
  std::string_view key;
  std::string_view value;
};

/// One member of a named context: `contexts.<context>.<key> = "<value>"`.
struct event_context_value {
  std::string_view context;  ///< the context's name, e.g. "order"; "trace", "os", "runtime" and
                             ///< "device" are the SDK's own and are not accepted (dropped)
  std::string_view key;
  std::string_view value;
};

/// What one capture call adds to its event (@sentry/core's captureContext). Fixed capacity;
/// see the part's comment for what happens beyond it.
struct event_options {
  static constexpr std::size_t max_tags = 8;
  static constexpr std::size_t max_context_values = 8;
  static constexpr std::size_t max_fingerprint = 4;

  event_tag tags[max_tags] = {};
  std::uint8_t tag_count = 0;
  event_context_value contexts[max_context_values] = {};
  std::uint8_t context_count = 0;
  std::string_view fingerprint[max_fingerprint] = {};
  std::uint8_t fingerprint_count = 0;
  std::uint8_t dropped = 0;  ///< tags, context values and fingerprint parts that did not fit

  /// Sets tag `key` (setTag): a second call with the same key replaces the value.
  constexpr event_options& set_tag(std::string_view key, std::string_view value) noexcept {
    for (std::size_t i = 0; i < tag_count; ++i)
      if (tags[i].key == key) {
        tags[i].value = value;
        return *this;
      }
    if (tag_count < max_tags) tags[tag_count++] = event_tag{key, value};
    else if (dropped < 255) ++dropped;
    return *this;
  }
  /// Sets member `key` of the context named `context` (setContext, one member at a time);
  /// the same context and key again replaces the value.
  constexpr event_options& set_context(std::string_view context, std::string_view key, std::string_view value) noexcept {
    for (std::size_t i = 0; i < context_count; ++i)
      if (contexts[i].context == context && contexts[i].key == key) {
        contexts[i].value = value;
        return *this;
      }
    if (context_count < max_context_values) contexts[context_count++] = event_context_value{context, key, value};
    else if (dropped < 255) ++dropped;
    return *this;
  }
  /// Appends one part of the fingerprint (`fingerprint: [...]`; "{{ default }}" keeps
  /// Sentry's own grouping as one part of it).
  constexpr event_options& add_fingerprint(std::string_view part) noexcept {
    if (fingerprint_count < max_fingerprint) fingerprint[fingerprint_count++] = part;
    else if (dropped < 255) ++dropped;
    return *this;
  }
};

/// An error or message event as options.before_send sees it. Every member may be edited
/// (see HOOKS above for how long edited strings must live); what it carries is what is sent.
/// The trace context, the ids, the SDK's own contexts (os, runtime, device) and the release
/// are not editable.
struct error_event {
  std::string_view exception_type;   ///< empty for a message event
  std::string_view exception_value;
  std::string_view message;          ///< empty for an exception event
  level lvl = level::error;
  event_options extra;               ///< tags, contexts and fingerprint
};

/// A finished transaction as options.before_send_transaction sees it: its name may be
/// changed (the source then becomes "custom", as @sentry/core does when beforeSendTransaction
/// renames) and tags added; its spans are read-only.
struct transaction_event {
  static constexpr std::size_t max_tags = event_options::max_tags;

  std::string_view name;             ///< the transaction's name; assign to rename ("" keeps it)
  event_tag tags[max_tags] = {};     ///< `tags` of the transaction payload (none by default)
  std::uint8_t tag_count = 0;
  std::size_t span_count = 0;        ///< child spans that ended (read-only)

  /// Sets tag `key`, replacing an earlier value; beyond max_tags the tag is not kept (false).
  constexpr bool set_tag(std::string_view key, std::string_view value) noexcept {
    for (std::size_t i = 0; i < tag_count; ++i)
      if (tags[i].key == key) {
        tags[i].value = value;
        return true;
      }
    if (tag_count >= max_tags) return false;
    tags[tag_count++] = event_tag{key, value};
    return true;
  }
};

/// options.before_send (beforeSend): return false to drop the event.
struct before_send_hook {
  bool (*fn)(error_event& event, void* user) = nullptr;
  void* user = nullptr;
};

/// options.before_send_transaction (beforeSendTransaction): return false to drop the
/// transaction (it and each of its spans are counted as before_send).
struct before_send_transaction_hook {
  bool (*fn)(transaction_event& transaction, void* user) = nullptr;
  void* user = nullptr;
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_EVENT_OPTIONS_HPP

// end of part: include/sentry_trace/face/event_options.hpp

// =================================================================================================
// part: include/sentry_trace/face/transport.hpp
// =================================================================================================

// sentry_trace/face/transport.hpp -- the transport interface, what it receives, two tiny transports
//
// WHAT IT DOES  A transport receives finished envelopes: `envelope_view` (the bytes, and for a
//               transaction a `transaction_view` of its spans). Implement send() (and flush() if
//               the transport buffers). Declared here for every TU:
//                 null_transport      discards everything (tracing on, delivery off);
//                 callback_transport  a plain C function pointer + user data (UART, MQTT, C code).
//               The hosted transports (file_transport, console_transport, http_transport) are in
//               delivery/, seen by the implementation TU and by TUs that define
//               SENTRY_TRACE_INTERNALS (config.hpp).
// HOOKS         transport::send is called with the envelope lock held, so never concurrently and
//               in order, from the thread that ended the transaction or called flush()/shutdown(),
//               or with options.serialize_on_worker from the library's handoff thread (or poll()).
//               The bytes are valid only during the call: copy them to keep them. send must not
//               call back into sentry_trace. A transport that fails to deliver calls
//               report_lost() so the loss is counted and appears in the next client report.
// DOES NOT      own the transport: options.transport points to the user's object, which must
//               outlive shutdown().

#ifndef SENTRY_TRACE_FACE_TRANSPORT_HPP
#define SENTRY_TRACE_FACE_TRANSPORT_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
struct transaction_block;
struct time_anchor;
}  // namespace detail

/// One finished span as a transport sees it (valid only during transport::send).
struct span_view {
  span_id id;
  span_id parent;               ///< zero on a root that starts the trace
  std::string_view op;
  std::string_view name;
  std::int64_t start_epoch_us;  ///< microseconds since the Unix epoch
  std::int64_t end_epoch_us;
  span_status status;
  bool is_root;
};

/// Read access to the transaction an envelope carries, for transports that show rather than
/// ship it (console_transport). Only spans that were written to the envelope are listed.
class transaction_view {
 public:
  std::string_view name() const noexcept;
  trace_id trace() const noexcept;
  /// Spans in the envelope, root first.
  std::size_t span_count() const noexcept { return count_; }
  span_view span_at(std::size_t i) const noexcept;

  // Internal: built by the envelope writer.
  transaction_view(const detail::transaction_block* b, const std::uint16_t* slots, std::size_t count,
                   const detail::time_anchor& anchor) noexcept
      : block_(b), slots_(slots), count_(count), anchor_(&anchor) {}

 private:
  const detail::transaction_block* block_;
  const std::uint16_t* slots_;
  std::size_t count_;
  const detail::time_anchor* anchor_;
};

/// What a transport receives: the whole envelope's bytes (valid only during the call; copy
/// them to keep them) and, for a transaction envelope, a structured view of it.
class envelope_view {
 public:
  constexpr envelope_view() noexcept = default;
  constexpr envelope_view(std::string_view bytes, const transaction_view* txn, bool client_report_only,
                          std::uint32_t span_items = 0) noexcept
      : bytes_(bytes), transaction_(txn), client_report_only_(client_report_only), span_items_(span_items) {}
  /// The envelope, ready to POST or write to a file.
  std::string_view bytes() const noexcept { return bytes_; }
  /// The transaction it carries, or nullptr (client reports, events).
  const transaction_view* transaction() const noexcept { return transaction_; }
  /// True when it holds only a client_report item (sentry-cli rejects those).
  bool is_client_report() const noexcept { return client_report_only_; }
  /// The number of span v2 items in a streamed span envelope (0 for other envelopes).
  std::uint32_t span_items() const noexcept { return span_items_; }

 private:
  std::string_view bytes_{};
  const transaction_view* transaction_ = nullptr;
  bool client_report_only_ = false;
  std::uint32_t span_items_ = 0;
};

/// Where envelopes go. Implement send(); flush() if the transport buffers.
class transport {
 public:
  /// Delivers one envelope (see the HOOKS contract above).
  virtual void send(envelope_view envelope) = 0;
  /// Waits up to `timeout_ms` for everything sent so far to be delivered; true when it was.
  virtual bool flush(std::uint32_t timeout_ms) {
    static_cast<void>(timeout_ms);
    return true;
  }

  /// Counts an envelope this transport could not deliver, by reason, for the client report
  /// (a transaction counts once as `transaction` and once per span as `span`, an error event
  /// once as `error`; lost client reports are not counted, as in every Sentry SDK).
  static void report_lost(const envelope_view& envelope, discard_reason reason) noexcept;

 protected:
  transport() = default;
  transport(const transport&) = default;
  transport& operator=(const transport&) = default;
  // Not virtual on purpose: the library never deletes a transport, and a virtual destructor
  // would pull operator delete into freestanding links.
  ~transport() = default;
};

/// Discards every envelope. Not a loss: the user chose no delivery.
class null_transport final : public transport {
 public:
  void send(envelope_view) override {}
};

/// Hands every envelope to a plain function pointer, for C-style code and byte sinks.
class callback_transport final : public transport {
 public:
  /// Receives the envelope's bytes, valid only during the call.
  using send_fn = void (*)(const char* bytes, std::size_t size, void* user);
  constexpr callback_transport(send_fn fn, void* user) noexcept : fn_(fn), user_(user) {}
  void send(envelope_view e) override {
    if (fn_) fn_(e.bytes().data(), e.bytes().size(), user_);
  }

 private:
  send_fn fn_;
  void* user_;
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_TRANSPORT_HPP

// end of part: include/sentry_trace/face/transport.hpp

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

/// What the envelope needs from the options, already resolved.
struct envelope_context {
  std::string_view public_key;
  std::string_view org_id;
  std::string_view release;
  std::string_view environment;
  std::string_view server_name;
  time_anchor anchor;  ///< the serialization's (tracer::serialization_anchor())
  std::int64_t sent_at_epoch_us = 0;
  const host_contexts* host = nullptr;  ///< contexts.os/runtime/device of payloads; nullptr: none
};

/// Writes `value` with at most 6 decimals for the DSC's sample_rand ("0.421337").
inline std::size_t format_micros_fraction(char* out, std::uint32_t micros) noexcept {
  out[0] = '0';
  out[1] = '.';
  for (int i = 7; i >= 2; --i) {
    out[i] = static_cast<char>('0' + micros % 10);
    micros /= 10;
  }
  return 8;
}

inline void write_sdk(json_writer& w) noexcept {
  w.literal_key("sdk").begin_object();
  w.literal_key("name").string(sdk_name);
  w.literal_key("version").string(version_string);
  w.end_object();
}

/// Calls emit(key, value) for each member of a head-of-trace dynamic sampling context, as
/// @sentry/core builds it (PROTOCOL.md §8): trace_id, public_key, org_id, release, environment,
/// transaction (left out for a raw URL name), sample_rate (when a local rate decided),
/// sample_rand (6 decimals, the value decisions use), sampled (left out while deferred).
/// One function for every caller's `emit` (an object and a trampoline to it), so that the member
/// list is compiled once, not once per kind of caller: for_each_head_dsc below is its typed front.
struct dsc_emit {
  void* target;
  void (*call)(void* target, std::string_view key, std::string_view value) noexcept;
  void operator()(std::string_view key, std::string_view value) const noexcept { call(target, key, value); }
};
inline void head_dsc_members(const trace_id& trace, std::string_view name, transaction_source source, bool rate_known,
                             double rate, std::uint32_t rand_micros, parent_decision sampled,
                             const envelope_context& ctx, dsc_emit emit) noexcept {
  char hex[32];
  trace.to_hex(hex);
  emit(std::string_view("trace_id"), std::string_view(hex, 32));
  emit(std::string_view("public_key"), ctx.public_key);
  if (!ctx.org_id.empty()) emit(std::string_view("org_id"), ctx.org_id);
  if (!ctx.release.empty()) emit(std::string_view("release"), ctx.release);
  emit(std::string_view("environment"), ctx.environment);
  if (source != transaction_source::url && !name.empty()) emit(std::string_view("transaction"), name);
  if (rate_known) {
    // The portable formatter (the same text): libstdc++ 12's std::to_chars(double) takes about
    // 3 KiB of stack, and this runs inside get_trace_headers(), whose budget is 2 KiB.
    char num[32];
#if SENTRY_TRACE_DOUBLES
    emit(std::string_view("sample_rate"), std::string_view(num, format_double_portable(num, rate)));
#else
    emit(std::string_view("sample_rate"), std::string_view(num, format_double_compact(num, rate)));
#endif
  }
  char frac[8];
  emit(std::string_view("sample_rand"), std::string_view(frac, format_micros_fraction(frac, rand_micros)));
  if (sampled != parent_decision::none)
    emit(std::string_view("sampled"), std::string_view(sampled == parent_decision::sampled ? "true" : "false"));
}
template <class Emit>
void for_each_head_dsc(const trace_id& trace, std::string_view name, transaction_source source, bool rate_known,
                       double rate, std::uint32_t rand_micros, parent_decision sampled, const envelope_context& ctx,
                       Emit&& emit) noexcept {
  using target = std::remove_reference_t<Emit>;
  head_dsc_members(trace, name, source, rate_known, rate, rand_micros, sampled, ctx,
                   dsc_emit{const_cast<void*>(static_cast<const void*>(&emit)),
                            [](void* e, std::string_view key, std::string_view value) noexcept {
                              (*static_cast<target*>(e))(key, value);
                            }});
}

/// The transaction's name as sent: the root's name, "<unlabeled transaction>" when empty (as JS
/// and native write it).
inline std::string_view transaction_name(const transaction_block& b) noexcept {
  std::string_view name = b.str(b.spans[0].name);
  return name.empty() ? std::string_view("<unlabeled transaction>") : name;
}

/// Whether the envelope header of `b` gets a `trace`: Relay needs trace_id and public_key, so
/// not without a DSN, nor for a continued trace whose caller sent no Sentry baggage.
inline bool has_dsc(const transaction_block& b, const envelope_context& ctx) noexcept {
  if (b.continued || b.dsc_state.load(order_acquire) == dsc_frozen)
    return !b.dsc.sentry("trace_id").empty() && !b.dsc.sentry("public_key").empty();
  return !ctx.public_key.empty();
}

/// The DSC object of `b` (call only when has_dsc()): the frozen one when there is one, else the
/// head-of-trace DSC made now.
inline void write_dsc_object(json_writer& w, const transaction_block& b, const envelope_context& ctx) noexcept {
  if (b.continued || b.dsc_state.load(order_acquire) == dsc_frozen) {
    b.dsc.write_json(w);
    return;
  }
  w.begin_object();
  for_each_head_dsc(b.trace, transaction_name(b), b.source, b.sample_rate_known, b.sample_rate,
                    b.sample_rand_micros, parent_decision::sampled, ctx,
                    [&](std::string_view k, std::string_view v) { w.key(k).string(v); });
  w.end_object();
}

inline void write_dsc(json_writer& w, const transaction_block& b, const envelope_context& ctx) noexcept {
  if (!has_dsc(b, ctx)) return;
  w.literal_key("trace");
  write_dsc_object(w, b, ctx);
}

inline void write_attributes(json_writer& w, const transaction_block& b, const span_record& r) noexcept {
  for (std::uint16_t i = r.attr_head; i != no_index; i = b.attributes[i].next) {
    const attribute_record& a = b.attributes[i];
    w.key(b.str(a.key));
    switch (a.type) {
      case attribute_type::string: w.string(b.str(a.text)); break;
      case attribute_type::int64: w.number(a.int_value); break;
      case attribute_type::float64: w.number(a.float_value); break;
      case attribute_type::boolean: w.boolean(a.bool_value); break;
    }
  }
}

inline std::string_view op_or_default(const transaction_block& b, const span_record& r) noexcept {
  std::string_view op = b.str(r.op);
  return op.empty() ? std::string_view("default") : op;
}
inline std::string_view origin_or_manual(const transaction_block& b, const span_record& r) noexcept {
  std::string_view origin = b.str(r.origin);
  return origin.empty() ? std::string_view("manual") : origin;
}

/// A trace id in hex, made once per envelope: every span of it repeats the trace id.
struct trace_hex {
  char text[32];
  explicit trace_hex(trace_id id) noexcept { id.to_hex(text); }
  std::string_view view() const noexcept { return std::string_view(text, 32); }
};

/// trace_id, span_id of span `r` and (unless it starts the trace) the parent it is written with.
inline void write_span_ids(json_writer& w, const trace_hex& trace, const span_record& r, span_id parent) noexcept {
  char hex[16];
  w.literal_key("trace_id").ascii_string(trace.view());
  r.id.to_hex(hex);
  w.literal_key("span_id").ascii_string(std::string_view(hex, 16));
  if (!parent.is_zero()) {
    parent.to_hex(hex);
    w.literal_key("parent_span_id").ascii_string(std::string_view(hex, 16));
  }
}

/// The parent span `slot` is written with. A span that had not ended when its transaction was
/// written is not in it (counted invalid); a child of it that had ended is attached to its
/// nearest ancestor that is, so that no parent_span_id names a span the transaction lacks.
/// Parents start before their children, so a parent's slot is lower and has been decided:
/// `written` (ascending, `listed` entries) holds the slots written so far.
inline span_id written_parent(const transaction_block& b, std::uint32_t slot, const std::uint16_t* written,
                              std::size_t listed) noexcept {
  span_id parent = b.spans[slot].parent;
  for (std::uint32_t below = slot; below > 1;) {  // each hop moves to a lower slot: bounded
    std::uint32_t u = below - 1;
    // A slot another thread has claimed but not yet published (state 0) is being written: its
    // id is not read. A parent is never such a slot: it was published before its child started.
    while (u > 0 && (b.spans[u].state.load(order_acquire) == 0 || b.spans[u].id != parent)) --u;
    if (u == 0) return parent;  // the root, or a span outside this block
    const std::uint16_t* end = written + listed;
    const std::uint16_t* at = written;
    while (at != end && *at < u) ++at;
    if (at != end && *at == u) return parent;  // written: a parent in the transaction
    parent = b.spans[u].parent;
    below = u;
  }
  return parent;
}

/// The fields a span and the trace context share: ids, op, status, origin and data.
inline void write_span_common(json_writer& w, const transaction_block& b, const trace_hex& trace,
                              const span_record& r, bool root, span_id parent) noexcept {
  write_span_ids(w, trace, r, parent);
  std::string_view op = op_or_default(b, r);
  std::string_view origin = origin_or_manual(b, r);
  w.literal_key("op").string(op);
  w.literal_key("status").ascii_string(to_string(r.status));
  w.literal_key("origin").string(origin);
  w.literal_key("data").begin_object();
  w.literal_key("sentry.op").string(op);
  w.literal_key("sentry.origin").string(origin);
  if (root) {
    w.literal_key("sentry.segment.name.source").string(to_string(b.source));
    if (b.sample_rate_known) w.literal_key("sentry.sample_rate").number(b.sample_rate);
  }
  write_attributes(w, b, r);
  w.end_object();
}

/// Room kept at the start of the envelope buffer for the headers, written after the payload
/// (whose length the item header needs): 12 KiB holds the largest headers (a DSC full of escaped
/// characters); a small buffer (down to the 4 KiB SENTRY_TRACE_ENVELOPE_BYTES allows, e.g. on a
/// microcontroller) gives them a quarter of itself, which the usual few hundred bytes fit.
constexpr std::size_t header_room_for(std::size_t cap) noexcept { return cap >= 13 * 1024 ? 12 * 1024 : cap / 4; }

/// Closes a payload written at buf + header_room by hand (after a rewind the writer's state is
/// stale; the 2 bytes were kept free) and returns its length.
inline std::size_t close_items_payload(char* buf, std::size_t header_room, const fixed_sink& payload) noexcept {
  std::memcpy(buf + header_room + payload.size(), "]}", 2);
  return payload.size() + 2;
}

/// Moves the headers written at the start of `buf` to sit right before the payload, and
/// returns the whole envelope.
inline std::string_view join_headers_and_payload(char* buf, std::size_t header_room, std::size_t head_len,
                                                 std::size_t payload_len) noexcept {
  std::memmove(buf + header_room - head_len, buf, head_len);
  return std::string_view(buf + header_room - head_len, head_len + payload_len);
}

/// Result of writing a transaction envelope.
struct transaction_write {
  std::string_view bytes;       ///< empty when not even the transaction itself fitted
  std::size_t spans_written = 0;  ///< child spans in the envelope
  std::uint16_t* slots = nullptr; ///< the slots written, root first (for transaction_view)
};

/// A span's start and end as epoch microseconds: a span-clock reading through the anchor, a
/// time the user gave (given_times) through its wall-clock pair only. A given time next to a
/// reading may round to just before it; the end is then the start, never a negative duration.
struct epoch_times {
  std::int64_t start_us;
  std::int64_t end_us;
};
SENTRY_TRACE_DETAIL_COLD inline epoch_times given_epoch_times(const time_anchor& a, const span_record& r) noexcept {
  const std::int64_t start = (r.given_times & start_given) ? a.mono_to_epoch_us(r.start_ticks) : a.to_epoch_us(r.start_ticks);
  const std::int64_t end = (r.given_times & end_given) ? a.mono_to_epoch_us(r.end_ticks) : a.to_epoch_us(r.end_ticks);
  return epoch_times{start, end < start ? start : end};
}
inline epoch_times epoch_times_of(const time_anchor& a, const span_record& r) noexcept {
  // Readings only (the common case): one conversion, monotone, so the end is never before the start.
  if (r.given_times == 0) return epoch_times{a.to_epoch_us(r.start_ticks), a.to_epoch_us(r.end_ticks)};
  return given_epoch_times(a, r);
}

/// `tags` as one object, when there is any.
inline void write_tags(json_writer& w, const event_tag* tags, std::size_t count) noexcept {
  if (count == 0) return;
  w.literal_key("tags").begin_object();
  for (std::size_t i = 0; i < count; ++i) w.key(tags[i].key).string(tags[i].value);
  w.end_object();
}

/// The transaction's own fields, up to and with its contexts. `edit` (before_send_transaction's
/// result, or nullptr) renames it (source "custom" when the name changed, as @sentry/core does;
/// an empty name keeps the original) and adds tags.
inline void write_transaction_fields(json_writer& w, const transaction_block& b, const envelope_context& ctx,
                                     std::string_view event_hex, const trace_hex& trace,
                                     const transaction_event* edit) noexcept {
  const span_record& root = b.spans[0];
  const std::string_view name = transaction_name(b);
  const bool renamed = edit != nullptr && !edit->name.empty() && edit->name != name;
  w.literal_key("type").string("transaction");
  w.literal_key("event_id").string(event_hex);
  w.literal_key("platform").string("native");
  w.literal_key("transaction").string(renamed ? edit->name : name);
  w.literal_key("transaction_info").begin_object().literal_key("source")
      .string(to_string(renamed ? transaction_source::custom : b.source)).end_object();
  const epoch_times at = epoch_times_of(ctx.anchor, root);
  w.literal_key("start_timestamp").timestamp(at.start_us);
  w.literal_key("timestamp").timestamp(at.end_us);
  if (!ctx.release.empty()) w.literal_key("release").string(ctx.release);
  w.literal_key("environment").string(ctx.environment);
  if (!ctx.server_name.empty()) w.literal_key("server_name").string(ctx.server_name);
  write_payload_sdk(w);
  if (edit != nullptr) write_tags(w, edit->tags, edit->tag_count);
  w.literal_key("contexts").begin_object().literal_key("trace").begin_object();
  write_span_common(w, b, trace, root, true, root.parent);
  w.end_object();
  if (ctx.host != nullptr) write_host_contexts(w, *ctx.host);
  w.end_object();
}

/// The `measurements` object, when the transaction has a measurement that is ready.
inline void write_measurements(json_writer& w, const transaction_block& b) noexcept {
  std::uint32_t measurement_count = b.measurements_used.load(order_acquire);
  if (measurement_count > SENTRY_TRACE_MAX_MEASUREMENTS) measurement_count = SENTRY_TRACE_MAX_MEASUREMENTS;
  bool any_measurement = false;
  for (std::uint32_t i = 0; i < measurement_count; ++i) {
    const measurement_record& m = b.measurements[i];
    if (m.ready.load(order_acquire) != 1) continue;
    if (!any_measurement) w.literal_key("measurements").begin_object();
    any_measurement = true;
    w.key(b.str(m.name)).begin_object().literal_key("value").number(m.value());
    const arena_str unit = m.unit_str();
    if (unit.length) w.literal_key("unit").string(b.str(unit));
    w.end_object();
  }
  if (any_measurement) w.end_object();
}

/// The child spans that ended, into the open `spans` array; returns how many slots `slot_list`
/// lists (the root first). Spans that never ended are counted `invalid`; spans that do not fit,
/// `buffer_overflow` (the payload goes back to the last whole span).
inline std::size_t write_spans(json_writer& w, fixed_sink& payload, const transaction_block& b, std::uint32_t handed_out,
                               const envelope_context& ctx, const trace_hex& trace, std::uint16_t* slot_list) noexcept {
  slot_list[0] = 0;
  std::size_t listed = 1;
  std::uint32_t unfinished = 0, overflowed = 0;
  json_writer::timestamp_cache stamps;  // the spans' timestamps mostly share their whole seconds
  for (std::uint32_t slot = 1; slot < handed_out; ++slot) {
    const span_record& r = b.spans[slot];
    if (r.state.load(order_acquire) != slot_ended) {
      ++unfinished;
      continue;
    }
    if (overflowed) {
      ++overflowed;
      continue;
    }
    std::size_t checkpoint = payload.size();
    w.begin_object();
    write_span_common(w, b, trace, r, false, unfinished ? written_parent(b, slot, slot_list, listed) : r.parent);
    w.literal_key("description").string(b.str(r.name));
    const epoch_times at = epoch_times_of(ctx.anchor, r);
    w.literal_key("start_timestamp").timestamp(at.start_us, stamps);
    w.literal_key("timestamp").timestamp(at.end_us, stamps);
    w.end_object();
    if (!w.ok()) {
      // Back to the last whole span; nothing more is written through `w` after this.
      payload.rewind(checkpoint);
      overflowed = 1;
      continue;
    }
    slot_list[listed++] = static_cast<std::uint16_t>(slot);
  }
  g_outcomes.record(discard_reason::invalid, data_category::span, unfinished);
  g_outcomes.record(discard_reason::buffer_overflow, data_category::span, overflowed);
  return listed;
}

/// The envelope header and the item header of a `payload_len`-byte transaction, each followed
/// by a newline; false when they do not fit.
inline bool write_transaction_headers(fixed_sink& head, const transaction_block& b, const envelope_context& ctx,
                                      std::string_view event_hex, std::size_t payload_len) noexcept {
  json_writer h(head);
  h.begin_object();
  h.literal_key("event_id").string(event_hex);
  h.literal_key("sent_at").timestamp(ctx.sent_at_epoch_us);
  write_sdk(h);
  write_dsc(h, b, ctx);
  h.end_object();
  head.put('\n');
  json_writer item(head);
  item.begin_object().literal_key("type").string("transaction").literal_key("length").number(static_cast<std::uint64_t>(payload_len));
  item.literal_key("content_type").string("application/json").end_object();
  head.put('\n');
  return h.ok() && item.ok() && !head.overflowed();
}

/// Serializes the transaction in `b` (its root ended; `handed_out` slots were claimed) into
/// `buf`: the payload first, after room kept for the headers (header_room_for), which are
/// written once the payload's length is known and then moved flush against it. What does not
/// fit is dropped and counted. `slot_list` must hold `handed_out` entries.
inline transaction_write write_transaction_envelope(char* buf, std::size_t cap, const transaction_block& b,
                                                    std::uint32_t handed_out, const envelope_context& ctx,
                                                    std::uint16_t* slot_list,
                                                    const transaction_event* edit = nullptr) noexcept {
  transaction_write result;
  const std::size_t header_room = header_room_for(cap);
  if (cap < header_room + 1024) return result;
  char event_hex[32];
  new_event_id().to_hex(event_hex);
  const std::string_view event_id_text(event_hex, 32);
  const trace_hex trace(b.trace);

  const std::size_t payload_cap = cap - header_room - 2;  // 2: the closing "]}" always fits
  fixed_sink payload(buf + header_room, payload_cap);
  json_writer w(payload);
  w.begin_object();
  write_transaction_fields(w, b, ctx, event_id_text, trace, edit);
  write_measurements(w, b);
  w.literal_key("spans").begin_array();
  if (!w.ok()) {
    // Not even the transaction without spans fits: nothing can go out.
    g_outcomes.record_transaction(discard_reason::buffer_overflow, handed_out);
    return result;
  }
  const std::size_t listed = write_spans(w, payload, b, handed_out, ctx, trace, slot_list);
  const std::size_t payload_len = close_items_payload(buf, header_room, payload);

  fixed_sink head(buf, header_room);
  if (!write_transaction_headers(head, b, ctx, event_id_text, payload_len)) {
    g_outcomes.record_transaction(discard_reason::buffer_overflow, handed_out);
    return result;
  }
  result.bytes = join_headers_and_payload(buf, header_room, head.size(), payload_len);
  result.spans_written = listed - 1;
  result.slots = slot_list;
  return result;
}

/// One typed attribute of a span v2 item: {"type":…,"value":…}.
inline void write_typed_string(json_writer& w, std::string_view key, std::string_view value) noexcept {
  w.key(key).begin_object().literal_key("type").string("string").literal_key("value").string(value).end_object();
}

/// One span of `b` as a span v2 item (PROTOCOL.md §6): ids, name, float-second timestamps,
/// is_segment, status "ok"/"error" (the detailed status in sentry.status.message), and typed
/// attributes, with the sentry.* ones @sentry/core 11 adds.
/// `trace` and `segment_id` are the block's trace id and segment id in hex, made once per batch.
inline void write_span_v2(json_writer& w, const transaction_block& b, const span_record& r, bool segment,
                          std::string_view segment_name, const trace_hex& trace, std::string_view segment_id,
                          const envelope_context& ctx) noexcept {
  w.begin_object();
  write_span_ids(w, trace, r, r.parent);
  std::string_view name = b.str(r.name);
  w.literal_key("name").string(segment ? segment_name : name);
  w.literal_key("status").string(r.status == span_status::ok ? "ok" : "error");
  w.literal_key("is_segment").boolean(segment);
  const epoch_times at = epoch_times_of(ctx.anchor, r);
  w.literal_key("start_timestamp").seconds(at.start_us);
  w.literal_key("end_timestamp").seconds(at.end_us);
  w.literal_key("attributes").begin_object();
  write_typed_string(w, "sentry.op", op_or_default(b, r));
  write_typed_string(w, "sentry.origin", origin_or_manual(b, r));
  write_typed_string(w, "sentry.trace_lifecycle", "stream");
  write_typed_string(w, "sentry.segment.name", segment_name);
  write_typed_string(w, "sentry.segment.id", segment_id);
  write_typed_string(w, "sentry.sdk.name", sdk_name);
  write_typed_string(w, "sentry.sdk.version", version_string);
  if (!ctx.release.empty()) write_typed_string(w, "sentry.release", ctx.release);
  write_typed_string(w, "sentry.environment", ctx.environment);
  // A status with a message (span::set_status(status, message)) has it among the attributes
  // below, in place of the status name, as @sentry/core's addStatusMessageAttribute writes it.
  // The flag means nothing under ok, hence the order.
  if (r.status != span_status::ok && !r.has_status_message)
    write_typed_string(w, "sentry.status.message", to_string(r.status));
  if (segment) {
    write_typed_string(w, "sentry.segment.name.source", to_string(b.source));
    if (b.sample_rate_known)
      w.literal_key("sentry.sample_rate").begin_object().literal_key("type").string("double").literal_key("value").number(b.sample_rate).end_object();
  }
  for (std::uint16_t i = r.attr_head; i != no_index; i = b.attributes[i].next) {
    const attribute_record& a = b.attributes[i];
    w.key(b.str(a.key)).begin_object();
    switch (a.type) {
      case attribute_type::string: w.literal_key("type").string("string").literal_key("value").string(b.str(a.text)); break;
      case attribute_type::int64: w.literal_key("type").string("integer").literal_key("value").number(a.int_value); break;
      case attribute_type::float64: w.literal_key("type").string("double").literal_key("value").number(a.float_value); break;
      case attribute_type::boolean: w.literal_key("type").string("boolean").literal_key("value").boolean(a.bool_value); break;
    }
    w.end_object();
  }
  w.end_object();
  w.end_object();
}

/// Writes the ended spans of a streaming block as span v2 envelopes of at most 1000 items,
/// handing each to `emit(std::string_view bytes, std::uint32_t items)`. Spans that never ended
/// are counted `invalid`; a span too large for the buffer on its own, `buffer_overflow`.
template <class Emit>
void write_span_batches(char* buf, std::size_t cap, const transaction_block& b, std::uint32_t handed_out,
                        const envelope_context& ctx, Emit&& emit) noexcept {
  constexpr std::uint32_t max_items = 1000;  // Relay's limit per span container item
  const std::size_t header_room = header_room_for(cap);
  if (cap < header_room + 1024) return;
  const std::string_view segment_name = b.is_continuation ? b.str(b.segment_name) : transaction_name(b);
  std::uint32_t slot = b.is_continuation ? 1 : 0;  // a continuation's slot 0 is its holder, not a span
  std::uint32_t unfinished = 0, too_large = 0;
  const trace_hex trace(b.trace);
  char segment_hex[16];
  b.segment_id.to_hex(segment_hex);
  const std::string_view segment_id(segment_hex, sizeof segment_hex);
  while (slot < handed_out) {
    fixed_sink payload(buf + header_room, cap - header_room - 2);  // 2: the closing "]}" always fits
    json_writer w(payload);
    w.begin_object().literal_key("version").number(2).literal_key("items").begin_array();
    std::uint32_t items = 0;
    for (; slot < handed_out && items < max_items; ++slot) {
      const span_record& r = b.spans[slot];
      if (r.state.load(order_acquire) != slot_ended) {
        ++unfinished;
        continue;
      }
      const json_writer::checkpoint before = w.mark();
      write_span_v2(w, b, r, slot == 0 && !b.is_continuation, segment_name, trace, segment_id, ctx);
      if (!w.ok()) {
        w.rewind(before);
        if (items == 0) {  // alone it does not fit: drop it rather than loop
          ++too_large;
          continue;
        }
        break;  // the rest go in the next envelope
      }
      ++items;
    }
    if (items == 0) continue;
    const std::size_t payload_len = close_items_payload(buf, header_room, payload);
    fixed_sink head(buf, header_room);
    json_writer h(head);
    h.begin_object();
    h.literal_key("sent_at").timestamp(ctx.sent_at_epoch_us);
    write_sdk(h);
    write_dsc(h, b, ctx);
    h.end_object();
    head.put('\n');
    json_writer item(head);
    item.begin_object().literal_key("type").string("span").literal_key("item_count").number(static_cast<std::uint64_t>(items));
    item.literal_key("content_type").string("application/vnd.sentry.items.span.v2+json");
    item.literal_key("length").number(static_cast<std::uint64_t>(payload_len)).end_object();
    head.put('\n');
    if (!h.ok() || !item.ok() || head.overflowed()) {
      g_outcomes.record(discard_reason::buffer_overflow, data_category::span, items);
      continue;
    }
    emit(join_headers_and_payload(buf, header_room, head.size(), payload_len), items);
  }
  g_outcomes.record(discard_reason::invalid, data_category::span, unfinished);
  g_outcomes.record(discard_reason::buffer_overflow, data_category::span, too_large);
}

/// Writes the pending outcomes as a client-report envelope and clears them. Empty when none.
inline std::string_view write_client_report_envelope(char* buf, std::size_t cap, const envelope_context& ctx) noexcept {
  // The payload (at most reasons x categories entries) goes first, after room for the two
  // header lines, whose length depends on it; the headers then move up to meet it. Built in
  // `buf` rather than in a local buffer: this runs from flush() and shutdown() on the caller's
  // stack, which on a small target has 2 KiB in all.
  constexpr std::size_t header_room = 256;  // sent_at, sdk, and the item header: under 200 bytes
  if (cap < header_room + 256) return {};
  fixed_sink payload(buf + header_room, cap - header_room);
  json_writer p(payload);
  p.begin_object();
  p.literal_key("timestamp").seconds(ctx.sent_at_epoch_us);
  p.literal_key("discarded_events").begin_array();
  std::uint64_t taken[reason_count][category_count] = {};
  bool any = false;
  for (std::size_t r = 0; r < reason_count; ++r) {
    for (std::size_t c = 0; c < category_count; ++c) {
      std::uint64_t q = g_outcomes.pending[r][c].exchange(0, order_relaxed);
      if (!q) continue;
      taken[r][c] = q;
      any = true;
      p.begin_object();
      p.literal_key("reason").string(to_string(static_cast<discard_reason>(r)));
      p.literal_key("category").string(to_string(static_cast<data_category>(c)));
      p.literal_key("quantity").number(q);
      p.end_object();
    }
  }
  p.end_array().end_object();
  if (!any) return {};
  fixed_sink out(buf, header_room);
  json_writer h(out);
  h.begin_object().literal_key("sent_at").timestamp(ctx.sent_at_epoch_us);
  write_sdk(h);
  h.end_object();
  out.put('\n');
  json_writer item(out);
  item.begin_object().literal_key("type").string("client_report").literal_key("length").number(static_cast<std::uint64_t>(payload.size()));
  item.end_object();
  out.put('\n');
  if (!p.ok() || payload.overflowed() || out.overflowed()) {
    // Put the counts back so that they are reported later rather than lost.
    for (std::size_t r = 0; r < reason_count; ++r)
      for (std::size_t c = 0; c < category_count; ++c)
        if (taken[r][c]) g_outcomes.pending[r][c].fetch_add(taken[r][c], order_relaxed);
    return {};
  }
  return join_headers_and_payload(buf, header_room, out.size(), payload.size());
}

} // namespace detail

#ifdef SENTRY_TRACE_IMPLEMENTATION
// transaction_view's members that read the block (declared in face/transport.hpp).
std::string_view transaction_view::name() const noexcept { return block_->str(block_->spans[0].name); }
trace_id transaction_view::trace() const noexcept { return block_->trace; }
span_view transaction_view::span_at(std::size_t i) const noexcept {
  const detail::span_record& r = block_->spans[slots_[i]];
  const detail::epoch_times at = detail::epoch_times_of(*anchor_, r);
  return span_view{r.id,
                   r.parent,
                   detail::op_or_default(*block_, r),
                   block_->str(r.name),
                   at.start_us,
                   at.end_us,
                   r.status,
                   slots_[i] == 0};
}
#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_ENVELOPE_HPP

// end of part: include/sentry_trace/protocol/envelope.hpp

// =================================================================================================
// part: include/sentry_trace/protocol/events.hpp
// =================================================================================================

// sentry_trace/events.hpp -- error and message events, written as one Sentry envelope
//
// WHAT IT DOES  Writes one error event (an exception's type and value) or message event (text
//               and a level) as a Sentry envelope into a caller-owned buffer:
//                 {"event_id","sent_at","sdk","trace":<DSC>}\n
//                 {"type":"event","length":N,"content_type":"application/json"}\n
//                 <N bytes of payload>
//               The payload carries contexts.trace with the active span's ids (or the
//               propagation context's), so Sentry shows the error inside its trace and span;
//               the envelope header carries that trace's dynamic sampling context, which the
//               caller writes through a callback (the tracer knows the DSC, this part does not).
// DOES NOT      allocate, lock, throw or read the locale. It does not capture stack traces,
//               breadcrumbs, user data or attachments, chain exceptions (one value per event), or
//               sample: traces_sample_rate does not apply to errors.
// FORMAT        As @sentry/core 11 writes an event captured inside a span (fx/js/static-0001),
//               with sentry_trace's own choices:
//               - `timestamp` is RFC 3339 UTC with microseconds (envelope.hpp says why);
//                 `platform` is "native";
//               - an exception is {type, value, mechanism:{type:"generic", handled}};
//               - a message event's text is a plain string, `"message":"..."`, which is what
//                 @sentry/core's eventFromString and Python's capture_message send (sentry-native
//                 sends {"formatted":"..."}; Relay reads both as logentry.formatted);
//               - `tags` {key: value}, `fingerprint` [parts] and the named contexts of the
//                 capture call's event_options (face/event_options.hpp), each only when given;
//               - contexts.trace is {trace_id, span_id, parent_span_id?, op?}, the shape of
//                 @sentry/core's spanToTraceContext plus Python's op; then the host's os,
//                 runtime and device (host_contexts.hpp), then the user's; `contexts` is left
//                 out when it would be empty. A user context named trace, os, runtime or device
//                 (or with no name) is not written, and is counted in stats::attributes_dropped
//                 with the event_options entries that did not fit;
//               - the payload's sdk has `packages` (host_contexts.hpp), the header's does not.
//               Exception type and value, message, op, tags, context names, keys and values and
//               fingerprint parts longer than SENTRY_TRACE_MAX_STRING bytes are cut at a UTF-8
//               boundary and counted in stats::strings_truncated.
//               CR, LF and other control characters are escaped, invalid UTF-8 is replaced by
//               U+FFFD (json.hpp), so hostile text cannot break the envelope's framing.
// RAM           Nothing of its own: the envelope goes straight into the caller's buffer (the
//               payload after room for its item header, then moved down flush against it), plus
//               under 200 bytes of stack. Worst case: 6 x 4 x SENTRY_TRACE_MAX_STRING bytes for
//               each string written (type, value, message, op, and every tag, context entry
//               and fingerprint part: up to 40 more strings with event_options' capacities;
//               every byte escaped as \u00XX) plus ~1000 plus release, environment,
//               server_name and the host contexts; the header ~250 bytes plus the DSC. A full
//               event_options of long strings can exceed SENTRY_TRACE_ENVELOPE_BYTES: see ERRORS.
// ERRORS        When the envelope does not fit in the buffer the result is empty and the event
//               is counted as buffer_overflow / error for the client report.
// SPEC          https://develop.sentry.dev/sdk/telemetry/errors/
//               https://develop.sentry.dev/sdk/foundations/transport/envelopes/
//               https://develop.sentry.dev/sdk/foundations/trace-propagation/ (trace data on events)

#ifndef SENTRY_TRACE_EVENTS_HPP
#define SENTRY_TRACE_EVENTS_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

/// What links an event to a trace: the active span's ids, or the propagation context's when no
/// span is active.
struct event_trace_context {
  trace_id trace;       ///< zero: no contexts.trace is written (the event is in no trace)
  span_id span;         ///< zero: a fresh random id, as @sentry/core does for a propagation
                        ///< context without a span (a trace context needs a span_id)
  span_id parent;       ///< zero: no parent_span_id
  std::string_view op;  ///< empty: no op. Only read during the call.
};

/// The pieces of one error or message event. The strings are only read during the call.
struct event_fields {
  std::string_view exception_type;   ///< e.g. "std::runtime_error"; empty for a message event
  std::string_view exception_value;  ///< the exception's message (what())
  std::string_view message;          ///< capture_message's text; written as "message":"..."
  level lvl = level::error;
  std::int64_t timestamp_epoch_us = 0;  ///< when it happened, microseconds since the Unix epoch;
                                        ///< 0: the envelope's sent_at
  bool handled = true;                  ///< mechanism.handled: false for a crash or terminate
  const event_options* extra = nullptr; ///< tags, contexts and fingerprint; nullptr: none
};

/// Whether `name` is a context the SDK writes itself (the event's own are not accepted).
constexpr bool is_sdk_context(std::string_view name) noexcept {
  return name == "trace" || name == "os" || name == "runtime" || name == "device";
}

/// The user's named contexts from `x`, into an open `contexts` object: one object per name, in
/// the order names first appear, with its members in the order given. `cut` shortens strings.
/// Returns how many members were not written (an SDK context's name, or an empty one).
template <class Cut>
std::uint64_t write_user_contexts(json_writer& w, const event_options& x, Cut&& cut) noexcept {
  std::uint64_t refused = 0;
  for (std::size_t i = 0; i < x.context_count; ++i) {
    const std::string_view name = x.contexts[i].context;
    if (name.empty() || is_sdk_context(name)) {
      ++refused;
      continue;
    }
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) seen = x.contexts[j].context == name;
    if (seen) continue;
    w.key(cut(name)).begin_object();
    for (std::size_t j = i; j < x.context_count; ++j)
      if (x.contexts[j].context == name) w.key(cut(x.contexts[j].key)).string(cut(x.contexts[j].value));
    w.end_object();
  }
  return refused;
}

/// Writes one error-event envelope into buf[0..cap) and returns its bytes (a view into `buf`),
/// or an empty view when it does not fit; that event is then counted as buffer_overflow / error.
///
/// Envelope header: event_id (a new uuid4 as 32 lowercase hex, the same as the payload's),
/// sent_at (ctx.sent_at_epoch_us), sdk, and `trace` when `write_dsc` is given: it is called
/// right after the key "trace" has been written and must write exactly one JSON object, the
/// trace's dynamic sampling context (PROTOCOL.md §8: every value a string, trace_id equal to
/// tc.trace). A callback that writes nothing leaves the `trace` key out (e.g. without a DSN);
/// one that writes broken structure (a key, two values) makes the whole write fail. It runs on
/// the calling thread, must not throw, and gets `dsc_user` back.
///
/// Payload: event_id, timestamp, platform "native", level, release, environment and
/// server_name (each when non-empty), sdk, exception.values[{type, value, mechanism}] when a
/// type or value is given, message when given, contexts.trace when tc.trace is non-zero. An
/// event with neither exception nor message is still written (Sentry shows it as
/// "<unlabeled event>").
///
/// The item header is {"type":"event","length":N,"content_type":"application/json"}; there is
/// no newline after the payload. Needs `cap` at least the size of the result (a buffer exactly
/// that big suffices, up to one byte per digit of `cap` beyond the payload length's).
/// Reentrant; never allocates or throws.
inline std::string_view write_event_envelope(char* buf, std::size_t cap, const event_fields& f,
                                             const event_trace_context& tc, const envelope_context& ctx,
                                             void (*write_dsc)(json_writer&, void*), void* dsc_user) noexcept {
  // Cut over-long strings now; the cuts are counted only if the event goes out.
  constexpr std::size_t max_string = SENTRY_TRACE_MAX_STRING;
  std::uint64_t truncated = 0;
  auto cut = [&truncated](std::string_view s) noexcept {
    if (s.size() <= max_string) return s;
    ++truncated;
    return s.substr(0, utf8_truncate(s, max_string));
  };
  const std::string_view type = cut(f.exception_type);
  const std::string_view value = cut(f.exception_value);
  const std::string_view message = cut(f.message);
  const std::string_view op = cut(tc.op);

  const event_id eid = new_event_id();
  char eid_hex[32];
  eid.to_hex(eid_hex);
  const std::string_view eid_text(eid_hex, 32);

  auto overflow = []() noexcept -> std::string_view {
    g_outcomes.record(discard_reason::buffer_overflow, data_category::error, 1);
    return {};
  };

  // 1. The envelope header, at the start of the buffer.
  fixed_sink head(buf, cap);
  json_writer h(head);
  h.begin_object();
  h.key("event_id").string(eid_text);
  h.key("sent_at").timestamp(ctx.sent_at_epoch_us);
  write_sdk(h);
  if (write_dsc != nullptr) {
    const json_writer::checkpoint before_key = h.mark();
    h.key("trace");
    const std::size_t after_key = head.size();
    write_dsc(h, dsc_user);
    if (head.size() == after_key && !head.overflowed()) h.rewind(before_key);  // nothing written
  }
  h.end_object();
  head.put('\n');
  if (!h.ok()) return overflow();
  const std::size_t head_len = head.size();

  // 2. The payload, after room for the item header. That header's only variable part is the
  //    length, which has at most as many digits as `cap`.
  static constexpr char item_prefix[] = "{\"type\":\"event\",\"length\":";
  static constexpr char item_suffix[] = ",\"content_type\":\"application/json\"}\n";
  constexpr std::size_t item_fixed = sizeof(item_prefix) - 1 + sizeof(item_suffix) - 1;
  char digits[24];
  const std::size_t item_room = item_fixed + format_uint(digits, static_cast<std::uint64_t>(cap));
  if (cap - head_len <= item_room) return overflow();
  char* const payload_at = buf + head_len + item_room;
  fixed_sink payload(payload_at, cap - head_len - item_room);
  json_writer w(payload);
  w.begin_object();
  w.key("event_id").string(eid_text);
  w.key("timestamp").timestamp(f.timestamp_epoch_us != 0 ? f.timestamp_epoch_us : ctx.sent_at_epoch_us);
  w.key("platform").string("native");
  w.key("level").string(to_string(f.lvl));
  if (!ctx.release.empty()) w.key("release").string(ctx.release);
  if (!ctx.environment.empty()) w.key("environment").string(ctx.environment);
  if (!ctx.server_name.empty()) w.key("server_name").string(ctx.server_name);
  write_payload_sdk(w);
  if (!type.empty() || !value.empty()) {
    // Relay needs a type or a value in each exception; mechanism.type is required in a mechanism.
    w.key("exception").begin_object().key("values").begin_array().begin_object();
    if (!type.empty()) w.key("type").string(type);
    if (!value.empty()) w.key("value").string(value);
    w.key("mechanism").begin_object().key("type").string("generic").key("handled").boolean(f.handled).end_object();
    w.end_object().end_array().end_object();
  }
  if (!message.empty()) w.key("message").string(message);
  std::uint64_t dropped = 0;
  if (f.extra != nullptr) {
    const event_options& x = *f.extra;
    dropped += x.dropped;
    if (x.tag_count) {
      w.key("tags").begin_object();
      for (std::size_t i = 0; i < x.tag_count; ++i) w.key(cut(x.tags[i].key)).string(cut(x.tags[i].value));
      w.end_object();
    }
    if (x.fingerprint_count) {
      w.key("fingerprint").begin_array();
      for (std::size_t i = 0; i < x.fingerprint_count; ++i) w.string(cut(x.fingerprint[i]));
      w.end_array();
    }
  }
  // contexts: trace, the host's, the user's; left out when none has anything to say.
  const json_writer::checkpoint before_contexts = w.mark();
  w.key("contexts").begin_object();
  const std::size_t contexts_opened = payload.size();
  if (!tc.trace.is_zero()) {
    char hex[32];
    w.key("trace").begin_object();
    tc.trace.to_hex(hex);
    w.key("trace_id").string(std::string_view(hex, 32));
    (tc.span.is_zero() ? new_span_id() : tc.span).to_hex(hex);
    w.key("span_id").string(std::string_view(hex, 16));
    if (!tc.parent.is_zero()) {
      tc.parent.to_hex(hex);
      w.key("parent_span_id").string(std::string_view(hex, 16));
    }
    if (!op.empty()) w.key("op").string(op);
    w.end_object();
  }
  if (ctx.host != nullptr) write_host_contexts(w, *ctx.host);
  if (f.extra != nullptr) dropped += write_user_contexts(w, *f.extra, cut);
  if (payload.size() == contexts_opened && !payload.overflowed()) w.rewind(before_contexts);
  else w.end_object();
  w.end_object();
  if (!w.ok()) return overflow();
  const std::size_t payload_len = payload.size();

  // 3. The item header, and the payload moved down flush against it.
  char item[sizeof(item_prefix) + sizeof(item_suffix) + 24];
  std::size_t item_len = 0;
  std::memcpy(item, item_prefix, sizeof(item_prefix) - 1);
  item_len += sizeof(item_prefix) - 1;
  item_len += format_uint(item + item_len, static_cast<std::uint64_t>(payload_len));
  std::memcpy(item + item_len, item_suffix, sizeof(item_suffix) - 1);
  item_len += sizeof(item_suffix) - 1;
  std::memmove(buf + head_len + item_len, payload_at, payload_len);
  std::memcpy(buf + head_len, item, item_len);

  if (truncated) g_outcomes.strings_truncated.fetch_add(truncated, order_relaxed);
  if (dropped) g_outcomes.attributes_dropped.fetch_add(dropped, order_relaxed);
  return std::string_view(buf, head_len + item_len + payload_len);
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_EVENTS_HPP

// end of part: include/sentry_trace/protocol/events.hpp

// =================================================================================================
// part: include/sentry_trace/delivery/transport.hpp
// =================================================================================================

// sentry_trace/delivery/transport.hpp -- the built-in transports beyond the face's two
//
// WHAT IT DOES  The transports that need the host (the interface, null_transport and
//               callback_transport are in face/transport.hpp):
//                 file_transport      one `.envelope` file per envelope in a directory, each one
//                                     `sentry-cli send-envelope` accepts (hosted only);
//                 console_transport   prints each transaction as a waterfall, for working
//                                     without a Sentry account (hosted only).
// HOOKS         transport::send is called with the envelope lock held, so never concurrently and
//               in order, from the thread that ended the transaction or called flush()/shutdown(),
//               or with options.serialize_on_worker from the library's handoff thread (or poll()).
//               The bytes are valid only during the call: copy them to keep them. send must not
//               call back into sentry_trace. A transport that fails to deliver calls
//               report_lost() so the loss is counted and appears in the next client report.
// DOES NOT      own the transport: options.transport points to the user's object, which must
//               outlive shutdown().

#ifndef SENTRY_TRACE_TRANSPORT_HPP
#define SENTRY_TRACE_TRANSPORT_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>
#if SENTRY_TRACE_HOSTED
#  include <cerrno>
#  include <cinttypes>
#  include <cstdio>
#  if defined(__unix__) || defined(__APPLE__)
#    include <sys/stat.h>
#  endif
#endif

SENTRY_TRACE_DETAIL_BEGIN

#ifdef SENTRY_TRACE_IMPLEMENTATION
void transport::report_lost(const envelope_view& envelope, discard_reason reason) noexcept {
  if (const transaction_view* t = envelope.transaction())
    detail::g_outcomes.record_transaction(reason, static_cast<std::uint32_t>(t->span_count()));
  else if (envelope.span_items())
    detail::g_outcomes.record(reason, data_category::span, envelope.span_items());
  else if (!envelope.is_client_report())
    detail::g_outcomes.record(reason, data_category::error);
}
#endif // SENTRY_TRACE_IMPLEMENTATION

/// Stands in for a delivery this build cannot make (init() uses it for an https DSN without
/// SENTRY_TRACE_WITH_MBEDTLS): every envelope is counted as lost (`internal_sdk_error`), and
/// flush() is false, so the loss shows in get_stats() and in what flush()/shutdown() return.
class undeliverable_transport final : public transport {
 public:
  void send(envelope_view e) override { report_lost(e, discard_reason::internal_sdk_error); }
  bool flush(std::uint32_t) override { return false; }
};

#if SENTRY_TRACE_HOSTED
/// Writes each envelope to `<directory>/<sent time in µs>-<sequence>-<kind>.envelope`,
/// creating the directory (one level) if needed. Write failures are counted as `send_error`
/// and logged to stderr once. Client reports go in envelopes of their own, so every
/// transaction file is one `sentry-cli send-envelope` accepts.
class file_transport final : public transport {
 public:
  /// `directory` is copied (at most 400 bytes).
  explicit file_transport(std::string_view directory) noexcept {
    std::size_t n = directory.size() < sizeof(dir_) - 1 ? directory.size() : sizeof(dir_) - 1;
    for (std::size_t i = 0; i < n; ++i) dir_[i] = directory[i];
    dir_[n] = '\0';
  }
  void send(envelope_view e) override {
#  if defined(__unix__) || defined(__APPLE__)
    ::mkdir(dir_, 0755);  // EEXIST is the usual case
#  endif
    char path[512];
    const char* kind = e.is_client_report() ? "client_report" : (e.transaction() ? "transaction" : "event");
    std::FILE* f = nullptr;
    // The sent time keeps names apart across runs, and the exclusive create ("x") across
    // transports sharing the directory in one microsecond: a file is never overwritten.
    for (int attempt = 0; attempt < 16 && !f; ++attempt) {
      ++sequence_;
      std::snprintf(path, sizeof(path), "%s/%" PRId64 "-%06" PRIu32 "-%s.envelope", dir_,
                    static_cast<std::int64_t>(detail::hosted_epoch_us(nullptr)), sequence_, kind);
      f = std::fopen(path, "wbx");
      if (!f && errno != EEXIST) break;
    }
    bool ok = f != nullptr;
    if (f) {
      ok = std::fwrite(e.bytes().data(), 1, e.bytes().size(), f) == e.bytes().size();
      ok = (std::fclose(f) == 0) && ok;
    }
    if (!ok) {
      report_lost(e, discard_reason::send_error);
      if (!warned_) std::fprintf(stderr, "[sentry_trace] error: file_transport cannot write %s\n", path);
      warned_ = true;
    } else {
      ++written_;
    }
  }
  /// Envelopes written so far.
  std::uint32_t written() const noexcept { return written_; }

 private:
  char dir_[401] = {};
  std::uint32_t sequence_ = 0;
  std::uint32_t written_ = 0;
  bool warned_ = false;
};

/// Prints each transaction as a waterfall: an indented tree of op, name, start offset,
/// duration and status, with a bar per span on a common time axis. Other envelopes (client
/// reports) print one summary line. `out` defaults to stdout.
class console_transport final : public transport {
 public:
  explicit console_transport(std::FILE* out = stdout) noexcept : out_(out) {}
  void send(envelope_view e) override {
    const transaction_view* t = e.transaction();
    if (!t) {
      std::fprintf(out_, "[sentry_trace] %s envelope, %zu bytes\n", e.is_client_report() ? "client report" : "event",
                   e.bytes().size());
      return;
    }
    print(*t);
  }

  /// Writes the waterfall of `t` to the stream.
  void print(const transaction_view& t) {
    const std::size_t n = t.span_count();
    if (n == 0) return;
    const span_view root = t.span_at(0);
    const std::int64_t t0 = root.start_epoch_us;
    std::int64_t total = root.end_epoch_us - t0;
    for (std::size_t i = 0; i < n; ++i) {
      std::int64_t end = t.span_at(i).end_epoch_us - t0;
      if (end > total) total = end;
    }
    if (total <= 0) total = 1;
    char tid[33];
    t.trace().to_hex(tid);
    tid[32] = '\0';
    std::fprintf(out_, "transaction %.*s  trace %s  %zu spans  %.3f ms\n", static_cast<int>(root.name.size()),
                 root.name.data(), tid, n, static_cast<double>(total) / 1000.0);
    std::fprintf(out_, "  %-*s %10s %10s  %-*s %s\n", label_columns, "op  name", "start ms", "dur ms", status_columns,
                 "status", "timeline");
    // Depth-first from the root; children in start order. n is at most SENTRY_TRACE_MAX_SPANS+1,
    // so the quadratic search is cheap next to printing, and needs no memory of its own.
    print_subtree(t, 0, 0, t0, total);
    std::fflush(out_);
  }

 private:
  void print_subtree(const transaction_view& t, std::size_t index, int depth, std::int64_t t0, std::int64_t total) {
    print_line(t.span_at(index), depth, t0, total);
    const span_id self = t.span_at(index).id;
    std::int64_t last_start = INT64_MIN;
    std::size_t last_index = 0;
    // Visit children ordered by (start, index) without sorting storage.
    for (;;) {
      std::size_t best = t.span_count();
      std::int64_t best_start = INT64_MAX;
      for (std::size_t i = 1; i < t.span_count(); ++i) {
        const span_view c = t.span_at(i);
        if (c.parent != self) continue;
        bool after = c.start_epoch_us > last_start || (c.start_epoch_us == last_start && i > last_index);
        if (after && (c.start_epoch_us < best_start || (c.start_epoch_us == best_start && i < best))) {
          best = i;
          best_start = c.start_epoch_us;
        }
      }
      if (best == t.span_count()) break;
      last_start = best_start;
      last_index = best;
      if (depth < 32) print_subtree(t, best, depth + 1, t0, total);
    }
  }

  // Columns of the waterfall. The status column holds the longest of to_string(span_status),
  // "failed_precondition"; the label column is counted in characters, not bytes (below).
  static constexpr int label_columns = 40;
  static constexpr int status_columns = 19;

  /// Bytes of `text` that hold its first `columns` characters (UTF-8 code points), never cutting
  /// one in two; `*shown` gets the characters kept. printf pads "%-40s" by bytes, so a name with
  /// "…" or "é" would push the columns after it to the left by one per extra byte.
  static int fit_columns(const char* text, int bytes, int columns, int* shown) noexcept {
    int chars = 0;
    int i = 0;
    while (i < bytes) {
      int next = i + 1;
      while (next < bytes && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;  // continuation bytes
      if (chars == columns) break;
      ++chars;
      i = next;
    }
    *shown = chars;
    return i;
  }

  /// At most `max` bytes of `text`, ending on a character boundary.
  static int prefix_bytes(std::string_view text, std::size_t max) noexcept {
    std::size_t n = text.size() < max ? text.size() : max;
    while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    return static_cast<int>(n);
  }

  void print_line(const span_view& s, int depth, std::int64_t t0, std::int64_t total) {
    constexpr int width = 40;
    char label[160];
    int indent = depth * 2 < 40 ? depth * 2 : 40;
    int label_bytes = std::snprintf(label, sizeof(label), "%*s%.*s  %.*s", indent, "", prefix_bytes(s.op, 40),
                                    s.op.data(), prefix_bytes(s.name, 60), s.name.data());
    if (label_bytes < 0) label_bytes = 0;
    if (label_bytes > static_cast<int>(sizeof(label)) - 1) label_bytes = static_cast<int>(sizeof(label)) - 1;
    int shown = 0;
    const int kept = fit_columns(label, label_bytes, label_columns, &shown);
    std::int64_t start = s.start_epoch_us - t0;
    std::int64_t dur = s.end_epoch_us - s.start_epoch_us;
    int from = static_cast<int>(start * width / total);
    int len = static_cast<int>(dur * width / total);
    if (len < 1) len = 1;
    if (from > width - 1) from = width - 1;
    if (from + len > width) len = width - from;
    char bar[width + 1];
    for (int i = 0; i < width; ++i) bar[i] = (i >= from && i < from + len) ? '#' : '.';
    bar[width] = '\0';
    std::fprintf(out_, "  %.*s%*s %10.3f %10.3f  %-*s |%s|\n", kept, label, label_columns - shown, "",
                 static_cast<double>(start) / 1000.0, static_cast<double>(dur) / 1000.0, status_columns,
                 to_string(s.status), bar);
  }

  std::FILE* out_;
};
#endif // SENTRY_TRACE_HOSTED

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_TRANSPORT_HPP

// end of part: include/sentry_trace/delivery/transport.hpp

// =================================================================================================
// part: include/sentry_trace/protocol/ratelimit.hpp
// =================================================================================================

// sentry_trace/ratelimit.hpp -- Sentry's rate limits, per data category, as the SDKs apply them
//
// WHAT IT DOES  Reads the `X-Sentry-Rate-Limits` and `Retry-After` headers of every response
//               (PROTOCOL.md §10) and remembers, per data category, until when (monotonic ms)
//               nothing of that category may be sent. The transport asks is_limited() before
//               sending an item and counts what it drops as `ratelimit_backoff`.
//               Rules, in order, on every response (200 included):
//                 1. X-Sentry-Rate-Limits present: apply it, ignore Retry-After. A value with
//                    no well-formed limit in it (blank, ":::", "abc") counts as absent, so
//                    garbage neither sets a limit nor hides a 429 or a Retry-After.
//                 2. else Retry-After present: every category, on ANY status (as JS and native
//                    do; Python only on 429). Decimal seconds, rounded up; an HTTP date or
//                    anything unparsable counts as 60 s (we have no trusted wall clock here).
//                 3. else a 429 blocks every category for 60 s.
//               Limits are kept per category: the longer of an existing and a new limit wins
//               (Sentry's docs; JS and native overwrite), and no single limit exceeds 24 h
//               (native's cap), so a broken server cannot silence the SDK for longer.
// CATEGORIES    Our items map as: transaction -> transaction, span -> span, event -> error,
//               client_report -> internal. `internal` is limited only by an "all" limit (an
//               empty category list), never by naming it. Sentry's other categories
//               (default attachment session profile profile_chunk replay monitor log_item
//               log_byte security feedback trace_metric metric_bucket internal) are recognised
//               (detail::classify_rate_limit_category) but we send nothing of theirs, so a limit
//               that lists only them changes nothing: for us it is the same as an unknown one.
//               Category names are matched exactly (lower case), as JS does.
// DOES NOT      allocate, lock, throw, use the locale, or read a clock (the caller passes now_ms).
// THREADS       none of its own: the owner (the transport) calls it under its lock.
// RAM           sizeof(rate_limiter) == 8 * (data_category::count_ + 1) bytes (40).
// ERRORS        Hostile or broken header values never crash and never set a bogus limit. A
//               limit is skipped when its retry_after is not a plain decimal number (":::",
//               "abc:transaction", "-5:...", "1e3:...") or it has no category field ("30");
//               a well-formed limit whose categories are all unknown or empty ("30:;:key",
//               "30:foo:key") changes nothing. The other limits of the same header still apply.
//               Spaces, tabs, CR and LF around a field or a category are ignored, not inside
//               one ("3 0", "trans\naction" are not understood). A blank Retry-After counts as
//               absent. Arithmetic saturates: a huge now_ms or retry_after cannot wrap around.
// SPEC          https://develop.sentry.dev/sdk/foundations/transport/rate-limiting/

#ifndef SENTRY_TRACE_RATELIMIT_HPP
#define SENTRY_TRACE_RATELIMIT_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

/// Per-category rate limits from Sentry's responses, as the SDKs apply them (PROTOCOL.md §10).
/// Value type, zero-initialised = nothing limited. Not thread-safe: guard it with the
/// transport's lock.
class rate_limiter {
 public:
  /// The limit for a bare 429, or a Retry-After that is not decimal seconds (an HTTP date
  /// included), as JS (DEFAULT_RETRY_AFTER) and Python use it.
  static constexpr std::uint64_t default_retry_after_s = 60;
  /// No single limit lasts longer than this (sentry-native's cap).
  static constexpr std::uint64_t max_retry_after_s = 24 * 60 * 60;

  /// Applies one response: `status` (HTTP status), the X-Sentry-Rate-Limits value (empty when
  /// absent) and the Retry-After value (empty when absent); `now_ms` monotonic milliseconds.
  /// The strings are read during the call only. See the top of the file for the rules.
  void update(int status, std::string_view rate_limits, std::string_view retry_after,
              std::uint64_t now_ms) noexcept;
  /// True while `c` (or "all") is limited. data_category::internal (client reports) is
  /// limited only by an "all" limit.
  bool is_limited(data_category c, std::uint64_t now_ms) const noexcept {
    return until_ms(c) > now_ms;
  }
  /// Milliseconds until `c` may be sent again (0: now).
  std::uint64_t wait_ms(data_category c, std::uint64_t now_ms) const noexcept {
    std::uint64_t u = until_ms(c);
    return u > now_ms ? u - now_ms : 0;
  }
  /// Forgets every limit.
  void clear() noexcept {
    for (auto& u : until_ms_) u = 0;
  }

 private:
  static constexpr std::size_t all_slot = static_cast<std::size_t>(data_category::count_);

  /// The monotonic ms before which `c` may not be sent (0: never limited).
  std::uint64_t until_ms(data_category c) const noexcept {
    std::uint64_t all = until_ms_[all_slot];
    std::size_t i = static_cast<std::size_t>(c);
    if (c == data_category::internal || i >= all_slot) return all;
    return until_ms_[i] > all ? until_ms_[i] : all;
  }
  void extend(std::size_t slot, std::uint64_t until) noexcept {
    if (until > until_ms_[slot]) until_ms_[slot] = until;  // the longer limit wins
  }
  bool apply_header(std::string_view header, std::uint64_t now_ms) noexcept;
  bool apply_limit(std::string_view limit, std::uint64_t now_ms) noexcept;

  std::uint64_t until_ms_[all_slot + 1] = {};  ///< per data_category, then "all"
};

/// Parses a decimal seconds value ("30", "2.5" -> 3 rounded up, " 60 "); false for anything
/// else (signs, exponents, empty, "2.", ".5", inner spaces). Leading/trailing spaces, tabs,
/// CR and LF are ignored. A value too large for 64 bits saturates to UINT64_MAX (true).
inline bool parse_retry_seconds(std::string_view text, std::uint64_t& seconds) noexcept;

/// What a rate-limit category name means to us.
enum class rate_limit_category : std::uint8_t {
  ours,    ///< transaction, span or error: `out` is set
  other,   ///< a Sentry category we never send (see CATEGORIES above): ignored
  unknown  ///< not a Sentry category: ignored
};

/// Classifies one category name (exact, lower case) from X-Sentry-Rate-Limits.
constexpr rate_limit_category classify_rate_limit_category(std::string_view name,
                                                           data_category& out) noexcept {
  if (name == "transaction") { out = data_category::transaction; return rate_limit_category::ours; }
  if (name == "span") { out = data_category::span; return rate_limit_category::ours; }
  if (name == "error") { out = data_category::error; return rate_limit_category::ours; }
  constexpr std::string_view others[] = {
      "default", "attachment", "session",  "profile",  "profile_chunk", "replay",       "monitor",
      "log_item", "log_byte",  "security", "feedback", "trace_metric",  "metric_bucket", "internal"};
  for (std::string_view o : others)
    if (name == o) return rate_limit_category::other;
  return rate_limit_category::unknown;
}

/// now_ms + seconds (capped at max_retry_after_s) in ms, saturating.
constexpr std::uint64_t rate_limit_deadline(std::uint64_t now_ms, std::uint64_t seconds) noexcept {
  if (seconds > rate_limiter::max_retry_after_s) seconds = rate_limiter::max_retry_after_s;
  std::uint64_t delay = seconds * 1000u;
  return now_ms > UINT64_MAX - delay ? UINT64_MAX : now_ms + delay;
}

// Read by the library's one decimal parser (json.hpp), then rounded up exactly.
inline bool parse_retry_seconds(std::string_view text, std::uint64_t& seconds) noexcept {
  decimal_text d;
  if (!parse_decimal(trim(text, is_header_space), d)) return false;
  if (d.whole.empty() || (d.point && d.fraction.empty())) return false;  // ".5", "2."
  seconds = decimal_scaled(d, 0, true);
  return true;
}

/// Applies one `<retry_after>:<categories>[:<scope>[:<reason>[:<namespaces>]]]...` limit; only
/// the first two fields matter to us (namespaces only narrows metric_bucket, which we never
/// send). Returns false when `limit` is not a limit at all (no usable retry_after or no
/// category field); a well-formed limit whose categories are all unknown returns true.
inline bool rate_limiter::apply_limit(std::string_view limit, std::uint64_t now_ms) noexcept {
  std::size_t colon = limit.find(':');
  if (colon == std::string_view::npos) return false;  // "30": no category field
  std::uint64_t seconds = 0;
  if (!parse_retry_seconds(limit.substr(0, colon), seconds)) return false;
  std::string_view categories = limit.substr(colon + 1);
  categories = trim(categories.substr(0, categories.find(':')), is_header_space);
  std::uint64_t until = rate_limit_deadline(now_ms, seconds);
  if (categories.empty()) {
    extend(all_slot, until);
    return true;
  }
  // Each category of ours gets the limit; other and unknown ones are skipped, so a limit that
  // lists only those changes nothing ("ignore a limit whose categories are all unknown").
  while (!categories.empty()) {
    std::size_t semi = categories.find(';');
    std::string_view name = trim(categories.substr(0, semi), is_header_space);
    data_category c = data_category::count_;
    if (classify_rate_limit_category(name, c) == rate_limit_category::ours)
      extend(static_cast<std::size_t>(c), until);
    if (semi == std::string_view::npos) break;
    categories.remove_prefix(semi + 1);
  }
  return true;
}

/// Applies every comma-separated limit; true when at least one was well-formed.
inline bool rate_limiter::apply_header(std::string_view header, std::uint64_t now_ms) noexcept {
  bool any = false;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    if (apply_limit(trim(header.substr(0, comma), is_header_space), now_ms)) any = true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return any;
}

inline void rate_limiter::update(int status, std::string_view rate_limits, std::string_view retry_after,
                                 std::uint64_t now_ms) noexcept {
  rate_limits = trim(rate_limits, is_header_space);
  retry_after = trim(retry_after, is_header_space);
  // A header with no well-formed limit in it is treated as absent, so garbage neither sets a
  // limit nor hides a 429 (JS would read ":::" as "everything for 60 s").
  if (!rate_limits.empty() && apply_header(rate_limits, now_ms)) return;
  if (!retry_after.empty()) {
    std::uint64_t seconds = 0;
    // An HTTP date (or anything else) is not parsed: without a trusted wall clock the SDKs'
    // fallback of 60 s is the safe reading.
    if (!parse_retry_seconds(retry_after, seconds)) seconds = default_retry_after_s;
    extend(all_slot, rate_limit_deadline(now_ms, seconds));
  } else if (status == 429) {
    extend(all_slot, rate_limit_deadline(now_ms, default_retry_after_s));
  }
}

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_RATELIMIT_HPP

// end of part: include/sentry_trace/protocol/ratelimit.hpp

// =================================================================================================
// part: include/sentry_trace/delivery/http_client.hpp
// =================================================================================================

// sentry_trace/http_client.hpp -- one HTTP/1.1 POST at a time over a non-blocking socket
//
// WHAT IT DOES  detail::http_client sends one POST and reads the reply's status and headers,
//               advanced by step() without ever blocking, so that one body of code serves a
//               worker thread (which waits on fd()/wanted_events() with poll(2) between steps)
//               and a game loop (which calls step() once a frame and never waits). IPv4 and
//               IPv6: every address getaddrinfo() gave is tried in order until one connects.
//               An http:// proxy is supported: absolute-form requests for http targets, a
//               CONNECT tunnel for https targets. HTTPS through mbedTLS 2.28 when
//               SENTRY_TRACE_WITH_MBEDTLS=1, with certificate and host name verification on by
//               default. detail::parse_http_url() splits "http[s]://host[:port]/path".
// DOES NOT      keep connections alive (every request says Connection: close), follow
//               redirects, decode the body (it is read and discarded: Sentry's answer is in the
//               status and headers), support https proxies or proxy authentication, or resolve
//               names inside step(): configure() calls getaddrinfo() (through
//               http_client_config::resolver), which may block. prepare() does everything else
//               (TLS and the CA bundle included) and use_addresses() takes addresses resolved
//               elsewhere, which is how http_transport resolves on a thread of its own and keeps
//               the CA chain across re-resolutions.
// HEAP          none of its own: the addresses, the request head, the 8 KiB response head and
//               the mbedTLS contexts are members. The one exception is mbedTLS itself, which
//               calloc()s while it loads the CA bundle (configure()) and during each handshake
//               (certificates, key exchange): that is on the delivery path only, never on the
//               span path.
// TIMING        step() returns as soon as the socket would block, and reads at most 64 KiB of
//               body per call. A TLS handshake step does public-key arithmetic, which can take
//               a few milliseconds on a slow CPU.
// TIMEOUTS      connect_timeout_ms per address tried; io_timeout_ms for the TLS handshake, for
//               the proxy's CONNECT reply, as the longest wait for progress while sending (a big
//               body on a slow link still goes through), and for the whole response head. Once
//               the status and headers are in, the body's end, an early close, a reset or a
//               timeout all finish with done: nothing after the head is needed.
// ERRORS        error() after failed: "connect refused", "connect timeout", "connect
//               unreachable", "connect failed (errno N)", "timeout", "connection reset",
//               "connection closed" (before any reply byte), "bad response", "send failed
//               (errno N)", "receive failed (errno N)", "proxy: CONNECT answered N",
//               "tls: certificate verify failed (why)", "tls: handshake failed: ...", and from
//               configure(): "bad url", "resolve failed: ...", "proxy: ...", "https needs
//               SENTRY_TRACE_WITH_MBEDTLS", "tls: ...".
// CONFIG        SENTRY_TRACE_HOSTED on a POSIX system (otherwise this part is empty),
//               SENTRY_TRACE_WITH_MBEDTLS (link mbedtls, mbedx509 and mbedcrypto).
// THREADS       one http_client belongs to one thread at a time; nothing is shared.

#ifndef SENTRY_TRACE_HTTP_CLIENT_HPP
#define SENTRY_TRACE_HTTP_CLIENT_HPP

#if SENTRY_TRACE_HOSTED && (defined(__unix__) || defined(__APPLE__))

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#if SENTRY_TRACE_WITH_MBEDTLS
#  include <mbedtls/ctr_drbg.h>
#  include <mbedtls/entropy.h>
#  include <mbedtls/error.h>
#  include <mbedtls/net_sockets.h>
#  include <mbedtls/ssl.h>
#  include <mbedtls/x509_crt.h>
#endif

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// A parsed http:// or https:// URL; host without IPv6 brackets, path with its query.
struct http_url {
  bool tls = false;
  char host[256] = {};
  std::uint16_t port = 0;
  char path[1024] = {};
};

/// Parses "http[s]://host[:port]/path" (IPv6 "[::1]"); false on anything else. The scheme is
/// case-insensitive; no user info; a missing path is "/"; a #fragment is dropped. Spaces and
/// control or non-ASCII bytes are refused rather than copied, since the host and path go
/// straight into the request head.
inline bool parse_http_url(std::string_view url, http_url& out) noexcept {
  http_url r;
  std::size_t i = 0;
  if (url.size() >= 7 && iequals(url.substr(0, 7), "http://")) {
    i = 7;
  } else if (url.size() >= 8 && iequals(url.substr(0, 8), "https://")) {
    r.tls = true;
    i = 8;
  } else {
    return false;
  }
  std::string_view host;
  if (i < url.size() && url[i] == '[') {
    std::size_t close = url.find(']', i);
    if (close == std::string_view::npos) return false;
    host = url.substr(i + 1, close - i - 1);
    if (host.find(':') == std::string_view::npos) return false;
    for (char c : host)
      if (!(hex_value(c) >= 0 || c == ':' || c == '.')) return false;  // no zone ids
    i = close + 1;
  } else {
    std::size_t s = i;
    while (i < url.size() && url[i] != ':' && url[i] != '/' && url[i] != '?' && url[i] != '#') ++i;
    host = url.substr(s, i - s);
    for (char c : host) {
      bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' ||
                c == '_';
      if (!ok) return false;
    }
  }
  if (host.empty() || host.size() >= sizeof r.host) return false;
  unsigned long port = r.tls ? 443 : 80;
  if (i < url.size() && url[i] == ':') {
    ++i;
    std::size_t s = i;
    while (i < url.size() && is_digit(url[i])) ++i;
    if (!parse_unsigned<unsigned long>(url.substr(s, i - s), 65535, port) || port == 0) return false;
  }
  std::string_view rest = url.substr(i);
  if (!rest.empty() && rest[0] != '/' && rest[0] != '?' && rest[0] != '#') return false;
  std::size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  std::size_t n = 0;
  if (rest.empty() || rest[0] == '?') r.path[n++] = '/';
  for (char c : rest) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
    if (n + 1 >= sizeof r.path) return false;
    r.path[n++] = c;
  }
  r.path[n] = '\0';
  std::memcpy(r.host, host.data(), host.size());
  r.host[host.size()] = '\0';
  r.port = static_cast<std::uint16_t>(port);
  out = r;
  return true;
}

/// How names are resolved: getaddrinfo's signature (the result is freed with freeaddrinfo).
using resolve_fn = int (*)(const char* host, const char* service, const addrinfo* hints, addrinfo** result);

/// The addresses one name resolved to, in getaddrinfo's order (at most 8).
struct address_list {
  static constexpr int max = 8;
  sockaddr_storage addrs[max] = {};
  socklen_t lens[max] = {};
  int count = 0;
};

/// Resolves `host`:`port` with `fn` (nullptr: ::getaddrinfo), which may block. With
/// `numeric_only` only an IP literal is accepted (AI_NUMERICHOST: never blocks). False with
/// "resolve failed: ..." in err.
inline bool resolve_addresses(resolve_fn fn, const char* host, std::uint16_t port, bool numeric_only,
                              address_list& out, char* err, std::size_t err_size) noexcept {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  // Not AI_ADDRCONFIG: it hides ::1 on hosts without a global IPv6 address.
  hints.ai_flags = AI_NUMERICSERV | (numeric_only ? AI_NUMERICHOST : 0);
  char service[8];
  std::snprintf(service, sizeof service, "%u", static_cast<unsigned>(port));
  addrinfo* list = nullptr;
  const int r = numeric_only || !fn ? ::getaddrinfo(host, service, &hints, &list) : fn(host, service, &hints, &list);
  out.count = 0;
  if (r != 0) {
    std::snprintf(err, err_size, "resolve failed: %s", ::gai_strerror(r));
    return false;
  }
  for (addrinfo* a = list; a && out.count < address_list::max; a = a->ai_next) {
    if (a->ai_addrlen > sizeof(sockaddr_storage)) continue;
    std::memcpy(&out.addrs[out.count], a->ai_addr, a->ai_addrlen);
    out.lens[out.count] = static_cast<socklen_t>(a->ai_addrlen);
    ++out.count;
  }
  if (list) ::freeaddrinfo(list);
  if (out.count == 0) {
    std::snprintf(err, err_size, "resolve failed: no address");
    return false;
  }
  return true;
}

/// What configure() needs beyond the URL.
struct http_client_config {
  std::string_view proxy;              ///< "http://host:port" or empty; HTTP via absolute-form request, HTTPS via CONNECT
  std::string_view ca_file;            ///< PEM bundle for HTTPS; empty: the system bundle (/etc/ssl/certs/ca-certificates.crt)
  bool verify_peer = true;             ///< certificate + host name verification (on by default)
  std::uint32_t connect_timeout_ms = 3000;
  std::uint32_t io_timeout_ms = 5000;  ///< per send/receive phase
  resolve_fn resolver = nullptr;       ///< nullptr: ::getaddrinfo (tests put a slow one here)
};

/// What step() reports.
enum class http_result : std::uint8_t { in_progress, done, failed };

/// One HTTP/1.1 POST at a time; see the top of this file.
class http_client {
 public:
  http_client() noexcept {
#if SENTRY_TRACE_WITH_MBEDTLS
    tls_init();
#endif
  }
  ~http_client() {
    close_socket();
#if SENTRY_TRACE_WITH_MBEDTLS
    tls_free();
#endif
  }
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// prepare(), then resolves with the config's resolver (getaddrinfo: this may block; call it
  /// at start-up or on a thread that has no deadline) and uses the addresses. False with a
  /// reason in error().
  bool configure(const http_url& target, const http_client_config& cfg) noexcept {
    if (!prepare(target, cfg)) return false;
    address_list a;
    if (!resolve_addresses(cfg.resolver, lookup_host_, lookup_port_, false, a, err_, sizeof err_)) return false;
    use_addresses(a);
    return true;
  }

  /// Everything configure() does but resolving: checks the target, loads the CA bundle and
  /// sets up TLS (once: later use_addresses() calls keep it), and remembers the name to
  /// resolve (lookup_host()). The client can send once use_addresses() gave it an address.
  /// With a proxy, the proxy's name is the one to resolve; the target's is the proxy's business.
  bool prepare(const http_url& target, const http_client_config& cfg) noexcept {
    abort();
    configured_ = false;
    prepared_ = false;
    addrs_.count = 0;
    target_ = target;
    connect_timeout_ms_ = cfg.connect_timeout_ms;
    io_timeout_ms_ = cfg.io_timeout_ms;
    if (target_.host[0] == '\0' || target_.port == 0 || target_.path[0] != '/') return set_error("bad url");
    target_.host[sizeof target_.host - 1] = '\0';
    target_.path[sizeof target_.path - 1] = '\0';
#if !SENTRY_TRACE_WITH_MBEDTLS
    if (target_.tls) return set_error("https needs SENTRY_TRACE_WITH_MBEDTLS");
#endif
    via_proxy_ = false;
    std::memcpy(lookup_host_, target_.host, sizeof lookup_host_);
    lookup_port_ = target_.port;
    http_url proxy;
    if (!cfg.proxy.empty()) {
      if (!parse_http_url(cfg.proxy, proxy) || proxy.tls) return set_error("proxy: must be http://host:port");
      via_proxy_ = true;
      std::memcpy(lookup_host_, proxy.host, sizeof lookup_host_);
      lookup_port_ = proxy.port;
    }
#if SENTRY_TRACE_WITH_MBEDTLS
    if (target_.tls && !tls_configure(cfg)) return false;
#endif
    err_[0] = '\0';
    prepared_ = true;
    return true;
  }

  /// The name (and port) to resolve after prepare(): the target's, or the proxy's.
  const char* lookup_host() const noexcept { return lookup_host_; }
  std::uint16_t lookup_port() const noexcept { return lookup_port_; }

  /// Connects to these addresses from the next start() on (after prepare(); a request in
  /// flight keeps the ones it has). An empty list leaves the client unable to send.
  void use_addresses(const address_list& a) noexcept {
    if (!prepared_ || busy()) return;
    addrs_ = a;
    configured_ = addrs_.count > 0;
  }
  /// True once prepared and given at least one address.
  bool ready() const noexcept { return configured_; }
  /// Records why resolving failed (error() returns it).
  void note_error(const char* why) noexcept { set_error(why); }

  /// Starts a POST of `body` to the target's path with these extra header lines (each
  /// "Name: value\r\n", caller-built); adds Host, User-Agent, Content-Length and Connection:
  /// close. The body and headers must stay valid until done/failed: they are sent from where
  /// they are (the head is copied next to ours when it fits, to save a packet). False when not
  /// configured, busy, or the extra headers do not end with "\r\n".
  bool start(std::string_view extra_headers, std::string_view body, std::uint64_t now_ms) noexcept {
    if (!configured_) return set_error("not configured");
    if (busy()) return set_error("busy");
    if (!extra_headers.empty() &&
        (extra_headers.size() < 2 || extra_headers.substr(extra_headers.size() - 2) != "\r\n"))
      return set_error("extra headers must end with \\r\\n");
    close_socket();
    err_[0] = '\0';
    status_ = 0;
    resp_len_ = 0;
    head_len_ = 0;

    // The request head; the path is at most 1023 bytes and the host 255, so it always fits.
    char host_port[280];
    format_host_port(host_port, sizeof host_port, !target_.tls ? target_.port != 80 : target_.port != 443);
    int n;
    if (via_proxy_ && !target_.tls) {
      n = std::snprintf(req_, sizeof req_, "POST http://%s%s HTTP/1.1\r\n", host_port, target_.path);
    } else {
      n = std::snprintf(req_, sizeof req_, "POST %s HTTP/1.1\r\n", target_.path);
    }
    std::size_t len = static_cast<std::size_t>(n);
    n = std::snprintf(req_ + len, sizeof req_ - len,
                      "Host: %s\r\nUser-Agent: %s/%s\r\nContent-Length: %llu\r\nConnection: close\r\n", host_port,
                      sdk_name, version_string, static_cast<unsigned long long>(body.size()));
    len += static_cast<std::size_t>(n);
    seg_count_ = 0;
    if (len + extra_headers.size() + 2 <= sizeof req_) {
      if (!extra_headers.empty()) std::memcpy(req_ + len, extra_headers.data(), extra_headers.size());
      len += extra_headers.size();
      std::memcpy(req_ + len, "\r\n", 2);
      len += 2;
      seg_[seg_count_++] = std::string_view(req_, len);
    } else {
      seg_[seg_count_++] = std::string_view(req_, len);
      seg_[seg_count_++] = extra_headers;
      seg_[seg_count_++] = std::string_view("\r\n", 2);
    }
    if (!body.empty()) seg_[seg_count_++] = body;
    seg_index_ = 0;
    seg_off_ = 0;

    if (via_proxy_ && target_.tls) {
      format_host_port(host_port, sizeof host_port, true);
      n = std::snprintf(tunnel_, sizeof tunnel_, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", host_port, host_port);
      tunnel_len_ = static_cast<std::size_t>(n);
      tunnel_off_ = 0;
    }
    addr_next_ = 0;
    connect_next(now_ms);
    return true;
  }

  /// Advances without blocking (connect, TLS handshake, send, receive, parse). Timeouts are
  /// checked against now_ms (the same monotonic clock as start()'s). Each round runs the step of
  /// the current phase, which either moves on (another round) or stops with the result.
  http_result step(std::uint64_t now_ms) noexcept {
    for (int rounds = 0; rounds < 64; ++rounds) {
      http_result out = http_result::in_progress;
      bool again = false;
      switch (phase_) {
        case phase::idle:
          if (err_[0] == '\0') set_error("not started");
          return http_result::failed;
        case phase::done: return http_result::done;
        case phase::failed: return http_result::failed;
        case phase::connecting: again = step_connect(now_ms, out); break;
        case phase::tunnel_send: again = step_tunnel_send(now_ms, out); break;
        case phase::tunnel_recv: again = step_tunnel_recv(now_ms, out); break;
        case phase::handshake: again = step_handshake(now_ms, out); break;
        case phase::sending: again = step_send(now_ms, out); break;
        case phase::recv_head: again = step_recv_head(now_ms, out); break;
        case phase::recv_body: again = step_recv_body(now_ms, out); break;
      }
      if (!again) return out;
    }
    return http_result::in_progress;
  }

  /// For a waiting loop: the socket and the poll(2) events it waits for (-1 and 0 when none).
  int fd() const noexcept { return busy() ? fd_ : -1; }
  short wanted_events() const noexcept { return busy() && fd_ >= 0 ? want_ : static_cast<short>(0); }

  /// HTTP status after done (0 before).
  int status() const noexcept { return phase_ == phase::done ? status_ : 0; }

  /// A response header (name case-insensitive; the first if repeated), with surrounding blanks
  /// trimmed; empty when absent. Valid until the next start() or configure().
  std::string_view header(std::string_view name) const noexcept {
    return phase_ == phase::done ? find_header(name) : std::string_view();
  }

  /// Why the last configure(), start() or request failed ("" when it did not).
  const char* error() const noexcept { return err_; }

  /// Closes the connection; back to idle (configure()'s result is kept).
  void abort() noexcept {
    close_socket();
    phase_ = phase::idle;
  }

  /// In a fork()'s child: drops the connection without a byte on it. The socket is the parent's
  /// too, so a TLS close_notify (abort()) would end the parent's request; closing the child's
  /// descriptor does not.
  void forget_connection() noexcept {
#if SENTRY_TRACE_WITH_MBEDTLS
    if (tls_active_) {
      mbedtls_ssl_session_reset(&ssl_);  // memory only: no I/O
      tls_active_ = false;
    }
#endif
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    want_ = 0;
    phase_ = phase::idle;
  }

 private:
  std::string_view find_header(std::string_view name) const noexcept {
    if (head_len_ == 0) return {};
    std::string_view head(resp_, head_len_);
    std::size_t pos = head.find('\n');
    while (pos != std::string_view::npos && pos + 1 < head.size()) {
      std::size_t start = pos + 1;
      std::size_t end = head.find('\n', start);
      if (end == std::string_view::npos) end = head.size();
      std::string_view line = head.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      std::size_t colon = line.find(':');
      if (colon != std::string_view::npos && iequals(line.substr(0, colon), name)) {
        return trim(line.substr(colon + 1), is_ows);
      }
      pos = end;
    }
    return {};
  }

  enum class phase : std::uint8_t {
    idle, connecting, tunnel_send, tunnel_recv, handshake, sending, recv_head, recv_body, done, failed
  };
  enum class body_mode : std::uint8_t { none, length, chunked, until_close };
  enum class chunk_state : std::uint8_t { size, extension, data, data_end, trailer_start, trailer_line };

  bool busy() const noexcept { return phase_ != phase::idle && phase_ != phase::done && phase_ != phase::failed; }

  bool set_error(const char* why) noexcept {
    std::snprintf(err_, sizeof err_, "%s", why);
    return false;
  }
  // ---- step()'s phases: each returns true to go on (its phase moved, or may move, on), or
  // false with step()'s result in `out`.

  static bool stop(http_result& out, http_result r) noexcept {
    out = r;
    return false;
  }

  /// The non-blocking connect finished, failed (next address) or timed out.
  bool step_connect(std::uint64_t now_ms, http_result& out) noexcept {
    pollfd p{fd_, POLLOUT, 0};
    int r = ::poll(&p, 1, 0);
    if (r <= 0) {
      if (now_ms < deadline_) return stop(out, wait(POLLOUT));
      note_connect_error(ETIMEDOUT);
      close_socket();
      connect_next(now_ms);
      return true;
    }
    int so_error = 0;
    socklen_t so_len = sizeof so_error;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &so_len) != 0) so_error = errno;
    if (so_error != 0) {
      note_connect_error(so_error);
      close_socket();
      connect_next(now_ms);
      return true;
    }
    after_connect(now_ms);
    return true;
  }

  /// Sends the proxy's CONNECT request.
  bool step_tunnel_send(std::uint64_t now_ms, http_result& out) noexcept {
    while (tunnel_off_ < tunnel_len_) {
      long s = io_send(tunnel_ + tunnel_off_, tunnel_len_ - tunnel_off_);
      if (s < 0) return stop(out, fail_now());
      if (s == 0) return stop(out, now_ms < deadline_ ? http_result::in_progress : fail_now("timeout"));
      tunnel_off_ += static_cast<std::size_t>(s);
    }
    phase_ = phase::tunnel_recv;
    deadline_ = now_ms + io_timeout_ms_;
    return true;
  }

  /// Reads the proxy's answer to CONNECT; a 2xx opens the tunnel for the TLS handshake.
  bool step_tunnel_recv(std::uint64_t now_ms, http_result& out) noexcept {
    int h = receive_head(now_ms);
    if (h <= 0) return stop(out, h < 0 ? http_result::failed : http_result::in_progress);
    if (status_ < 200 || status_ > 299) {
      char why[64];
      std::snprintf(why, sizeof why, "proxy: CONNECT answered %d", status_);
      return stop(out, fail_now(why));
    }
    status_ = 0;
    resp_len_ = 0;
    head_len_ = 0;
#if SENTRY_TRACE_WITH_MBEDTLS
    phase_ = phase::handshake;
    tls_active_ = true;
    deadline_ = now_ms + io_timeout_ms_;
    return true;
#else
    return stop(out, fail_now("https needs SENTRY_TRACE_WITH_MBEDTLS"));
#endif
  }

  /// Advances the TLS handshake.
  bool step_handshake(std::uint64_t now_ms, http_result& out) noexcept {
#if SENTRY_TRACE_WITH_MBEDTLS
    int r = mbedtls_ssl_handshake(&ssl_);
    if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (now_ms >= deadline_) return stop(out, fail_now("timeout"));
      return stop(out, wait(r == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT));
    }
    if (r != 0) {
      tls_error(r);
      return stop(out, fail_now());
    }
    phase_ = phase::sending;
    deadline_ = now_ms + io_timeout_ms_;
    return true;
#else
    (void)now_ms;
    return stop(out, fail_now("https needs SENTRY_TRACE_WITH_MBEDTLS"));
#endif
  }

  /// Sends the request's segments (head, then body); each byte sent extends the deadline.
  bool step_send(std::uint64_t now_ms, http_result& out) noexcept {
    while (seg_index_ < seg_count_) {
      std::string_view seg = seg_[seg_index_];
      if (seg_off_ >= seg.size()) {
        ++seg_index_;
        seg_off_ = 0;
        continue;
      }
      long s = io_send(seg.data() + seg_off_, seg.size() - seg_off_);
      if (s < 0) return stop(out, fail_now());
      if (s == 0) return stop(out, now_ms < deadline_ ? http_result::in_progress : fail_now("timeout"));
      seg_off_ += static_cast<std::size_t>(s);
      deadline_ = now_ms + io_timeout_ms_;  // progress: a slow link is not a dead one
    }
    phase_ = phase::recv_head;
    deadline_ = now_ms + io_timeout_ms_;
    want_ = POLLIN;
    return true;
  }

  /// Reads the response head, skipping interim (1xx) ones, and sets up reading the body.
  bool step_recv_head(std::uint64_t now_ms, http_result& out) noexcept {
    int h = receive_head(now_ms);
    if (h <= 0) return stop(out, h < 0 ? http_result::failed : http_result::in_progress);
    if (status_ >= 100 && status_ < 200) {
      if (status_ == 101) return stop(out, fail_now("bad response"));
      // An interim reply (100 Continue): drop its head and read the real one.
      std::memmove(resp_, resp_ + head_len_, resp_len_ - head_len_);
      resp_len_ -= head_len_;
      head_len_ = 0;
      status_ = 0;
      return true;
    }
    begin_body();
    std::size_t extra = resp_len_ - head_len_;
    if (body_mode_ == body_mode::none || (extra > 0 && consume_body(resp_ + head_len_, extra)))
      return stop(out, finish());
    phase_ = phase::recv_body;
    deadline_ = now_ms + io_timeout_ms_;
    return true;
  }

  /// Reads and discards the body, up to 16 reads a step.
  bool step_recv_body(std::uint64_t now_ms, http_result& out) noexcept {
    for (int reads = 0; reads < 16; ++reads) {
      long r = io_recv(scratch_, sizeof scratch_);
      if (r == 0) return stop(out, now_ms < deadline_ ? http_result::in_progress : finish());
      if (r < 0) return stop(out, finish());  // end of stream, reset or error: the head is all we need
      if (consume_body(scratch_, static_cast<std::size_t>(r))) return stop(out, finish());
    }
    return stop(out, http_result::in_progress);  // more to read: leave the rest for the next step
  }

  http_result fail_now(const char* why = nullptr) noexcept {
    if (why) set_error(why);
    if (err_[0] == '\0') set_error("failed");
    close_socket();
    phase_ = phase::failed;
    return http_result::failed;
  }
  http_result finish() noexcept {
    close_socket();
    phase_ = phase::done;
    return http_result::done;
  }
  http_result wait(short events) noexcept {
    want_ = events;
    return http_result::in_progress;
  }
  long would_block(short events) noexcept {
    want_ = events;
    return 0;
  }
  long io_failed(const char* why) noexcept {
    set_error(why);
    return -1;
  }
  int head_failed(const char* why) noexcept {
    fail_now(why);
    return -1;
  }
  bool read_until_close() noexcept {
    body_mode_ = body_mode::until_close;  // broken or oversized framing: wait for the close
    return false;
  }

  void format_host_port(char* out, std::size_t size, bool with_port) const noexcept {
    bool v6 = std::strchr(target_.host, ':') != nullptr;
    if (with_port)
      std::snprintf(out, size, v6 ? "[%s]:%u" : "%s:%u", target_.host, static_cast<unsigned>(target_.port));
    else
      std::snprintf(out, size, v6 ? "[%s]" : "%s", target_.host);
  }

  void note_connect_error(int e) noexcept {
    if (e == ECONNREFUSED) set_error("connect refused");
    else if (e == ETIMEDOUT) set_error("connect timeout");
    else if (e == ENETUNREACH || e == EHOSTUNREACH || e == EADDRNOTAVAIL || e == EAFNOSUPPORT)
      set_error("connect unreachable");
    else std::snprintf(err_, sizeof err_, "connect failed (errno %d)", e);
  }

  /// Opens a socket to the next address and starts connecting; failed when none is left.
  void connect_next(std::uint64_t now_ms) noexcept {
    while (addr_next_ < addrs_.count) {
      int i = addr_next_++;
      const auto* sa = reinterpret_cast<const sockaddr*>(&addrs_.addrs[i]);
      int fd = ::socket(sa->sa_family, SOCK_STREAM, 0);
      if (fd < 0) {
        note_connect_error(errno);
        continue;
      }
      int flags = ::fcntl(fd, F_GETFL, 0);
      ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      int one = 1;
      // The request goes out as two or three writes; without this, Nagle's algorithm and the
      // server's delayed ACK can hold the last one back for up to 200 ms.
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#if defined(SO_NOSIGPIPE)
      ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
      int r;
      do r = ::connect(fd, sa, addrs_.lens[i]);
      while (r != 0 && errno == EINTR);
      fd_ = fd;
      if (r == 0) {
        after_connect(now_ms);
        return;
      }
      if (errno == EINPROGRESS) {
        phase_ = phase::connecting;
        want_ = POLLOUT;
        deadline_ = now_ms + connect_timeout_ms_;
        return;
      }
      note_connect_error(errno);
      close_socket();
    }
    fail_now();
  }

  void after_connect(std::uint64_t now_ms) noexcept {
    deadline_ = now_ms + io_timeout_ms_;
    want_ = POLLOUT;
    if (via_proxy_ && target_.tls) {
      phase_ = phase::tunnel_send;
    } else if (target_.tls) {
#if SENTRY_TRACE_WITH_MBEDTLS
      phase_ = phase::handshake;
      tls_active_ = true;
#else
      fail_now("https needs SENTRY_TRACE_WITH_MBEDTLS");
#endif
    } else {
      phase_ = phase::sending;
    }
  }

  void close_socket() noexcept {
#if SENTRY_TRACE_WITH_MBEDTLS
    if (tls_active_) {
      if (fd_ >= 0) mbedtls_ssl_close_notify(&ssl_);  // best effort; the socket closes anyway
      mbedtls_ssl_session_reset(&ssl_);
      tls_active_ = false;
    }
#endif
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    want_ = 0;
  }

  static int send_flags() noexcept {
#if defined(MSG_NOSIGNAL)
    return MSG_NOSIGNAL;  // a reset peer must not kill the program with SIGPIPE
#else
    return 0;  // SO_NOSIGPIPE is set on the socket instead
#endif
  }

  /// Bytes sent (> 0), 0 when the socket would block (want_ set), -1 on failure (err_ set).
  long io_send(const char* p, std::size_t n) noexcept {
    if (n > INT_MAX) n = INT_MAX;
#if SENTRY_TRACE_WITH_MBEDTLS
    if (tls_active_) {
      int r = mbedtls_ssl_write(&ssl_, reinterpret_cast<const unsigned char*>(p), n);
      if (r > 0) return r;
      if (r == MBEDTLS_ERR_SSL_WANT_WRITE || r == 0) return would_block(POLLOUT);
      if (r == MBEDTLS_ERR_SSL_WANT_READ) return would_block(POLLIN);
      tls_error(r);
      return -1;
    }
#endif
    for (;;) {
      ssize_t r = ::send(fd_, p, n, send_flags());
      if (r >= 0) {
        if (r == 0) return would_block(POLLOUT);
        return static_cast<long>(r);
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return would_block(POLLOUT);
      if (errno == EPIPE || errno == ECONNRESET) return io_failed("connection reset");
      std::snprintf(err_, sizeof err_, "send failed (errno %d)", errno);
      return -1;
    }
  }

  /// Bytes received (> 0), 0 when the socket would block (want_ set), -2 at the end of the
  /// stream, -1 on failure (err_ set).
  long io_recv(char* p, std::size_t n) noexcept {
    if (n > INT_MAX) n = INT_MAX;
#if SENTRY_TRACE_WITH_MBEDTLS
    if (tls_active_) {
      int r = mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char*>(p), n);
      if (r > 0) return r;
      if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return -2;
      if (r == MBEDTLS_ERR_SSL_WANT_READ) return would_block(POLLIN);
      if (r == MBEDTLS_ERR_SSL_WANT_WRITE) return would_block(POLLOUT);
      tls_error(r);
      return -1;
    }
#endif
    for (;;) {
      ssize_t r = ::recv(fd_, p, n, 0);
      if (r > 0) return static_cast<long>(r);
      if (r == 0) return -2;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return would_block(POLLIN);
      if (errno == ECONNRESET) return io_failed("connection reset");
      std::snprintf(err_, sizeof err_, "receive failed (errno %d)", errno);
      return -1;
    }
  }

  /// Reads until a whole response head is in resp_: 1 parsed (status_, head_len_ set),
  /// 0 not yet (in progress), -1 failed (phase_ is failed).
  int receive_head(std::uint64_t now_ms) noexcept {
    for (;;) {
      if (resp_len_ > 0) {
        int p = parse_head();
        if (p > 0) return 1;
        if (p < 0) return head_failed("bad response");
        if (resp_len_ == sizeof resp_) return head_failed("bad response");  // head over 8 KiB
      }
      long r = io_recv(resp_ + resp_len_, sizeof resp_ - resp_len_);
      if (r == 0) {
        if (now_ms >= deadline_) return head_failed("timeout");
        return 0;
      }
      if (r == -2) return head_failed(resp_len_ == 0 ? "connection closed" : "bad response");
      if (r < 0) return head_failed(nullptr);
      resp_len_ += static_cast<std::size_t>(r);
    }
  }

  /// Checks resp_[0, resp_len_) for a response head: 1 complete and valid, 0 incomplete (so
  /// far valid), -1 not HTTP. Garbage is refused as soon as its first bytes show it, so a
  /// server speaking something else fails at once instead of at the timeout.
  int parse_head() noexcept {
    static constexpr char prefix[] = "HTTP/1.";
    std::size_t check = resp_len_ < 7 ? resp_len_ : 7;
    if (std::memcmp(resp_, prefix, check) != 0) return -1;
    std::size_t end = 0;
    for (std::size_t i = 0; i < resp_len_ && end == 0; ++i) {
      if (resp_[i] != '\n') continue;
      if (i + 1 < resp_len_ && resp_[i + 1] == '\n') end = i + 2;
      else if (i + 2 < resp_len_ && resp_[i + 1] == '\r' && resp_[i + 2] == '\n') end = i + 3;
    }
    if (end == 0) return 0;
    std::string_view head(resp_, end);
    // Status line: HTTP/1.x NNN[ reason]
    if (head.size() < 12 || !is_digit(head[7]) || head[8] != ' ' || !is_digit(head[9]) ||
        !is_digit(head[10]) || !is_digit(head[11]))
      return -1;
    if (head.size() > 12 && head[12] != ' ' && head[12] != '\r' && head[12] != '\n') return -1;
    int status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
    if (status < 100 || status > 599) return -1;
    std::size_t pos = head.find('\n');
    for (std::size_t i = 0; i < pos; ++i) {
      auto u = static_cast<unsigned char>(head[i]);
      if ((u < 0x20 && u != '\t' && u != '\r') || u == 0x7f) return -1;
    }
    // Header lines: name ':' value, no control bytes but tab; no obsolete line folding.
    while (pos + 1 < head.size()) {
      std::size_t start = pos + 1;
      std::size_t next = head.find('\n', start);
      std::string_view line = head.substr(start, next - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) break;
      std::size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) return -1;
      for (std::size_t i = 0; i < line.size(); ++i) {
        auto u = static_cast<unsigned char>(line[i]);
        if (i < colon && (u <= 0x20 || u >= 0x7f)) return -1;
        if (i > colon && ((u < 0x20 && u != '\t') || u == 0x7f)) return -1;
      }
      pos = next;
    }
    status_ = status;
    head_len_ = end;
    return 1;
  }

  /// Decides how the body ends, from the status and the framing headers.
  void begin_body() noexcept {
    std::string_view te = find_header("Transfer-Encoding");
    std::string_view cl = find_header("Content-Length");
    body_left_ = 0;
    chunk_state_ = chunk_state::size;
    chunk_left_ = 0;
    if (status_ == 204 || status_ == 304) {
      body_mode_ = body_mode::none;
      return;
    }
    if (contains_ignore_case(te, "chunked")) {
      body_mode_ = body_mode::chunked;
      return;
    }
    if (!cl.empty()) {
      std::uint64_t v = 0;
      if (parse_unsigned<std::uint64_t>(cl, UINT64_MAX, v)) {
        body_left_ = v;
        body_mode_ = v == 0 ? body_mode::none : body_mode::length;
        return;
      }
    }
    body_mode_ = body_mode::until_close;  // no usable framing: read until the server closes
  }

  /// Discards body bytes; true once the body is complete.
  bool consume_body(const char* p, std::size_t n) noexcept {
    if (body_mode_ == body_mode::none) return true;
    if (body_mode_ == body_mode::until_close) return false;
    if (body_mode_ == body_mode::length) {
      if (n >= body_left_) {
        body_left_ = 0;
        return true;
      }
      body_left_ -= n;
      return false;
    }
    // Chunked: only the framing is followed, to see the last chunk without waiting for close.
    for (std::size_t i = 0; i < n;) {
      char c = p[i];
      switch (chunk_state_) {
        case chunk_state::size: {
          int h = hex_value(c);
          if (h >= 0) {
            if (chunk_left_ > (UINT64_MAX >> 4)) return read_until_close();
            chunk_left_ = chunk_left_ * 16 + static_cast<std::uint64_t>(h);
          } else if (c == ';' || c == ' ' || c == '\t') {
            chunk_state_ = chunk_state::extension;
          } else if (c == '\n') {
            chunk_state_ = chunk_left_ == 0 ? chunk_state::trailer_start : chunk_state::data;
          } else if (c != '\r') {
            return read_until_close();  // broken framing: wait for close
          }
          ++i;
          break;
        }
        case chunk_state::extension:
          if (c == '\n') chunk_state_ = chunk_left_ == 0 ? chunk_state::trailer_start : chunk_state::data;
          ++i;
          break;
        case chunk_state::data: {
          std::uint64_t take = n - i < chunk_left_ ? n - i : chunk_left_;
          i += static_cast<std::size_t>(take);
          chunk_left_ -= take;
          if (chunk_left_ == 0) chunk_state_ = chunk_state::data_end;
          break;
        }
        case chunk_state::data_end:
          if (c == '\n') chunk_state_ = chunk_state::size;
          else if (c != '\r') return read_until_close();
          ++i;
          break;
        case chunk_state::trailer_start:
          if (c == '\n') return true;
          if (c != '\r') chunk_state_ = chunk_state::trailer_line;
          ++i;
          break;
        case chunk_state::trailer_line:
          if (c == '\n') chunk_state_ = chunk_state::trailer_start;
          ++i;
          break;
      }
    }
    return false;
  }

#if SENTRY_TRACE_WITH_MBEDTLS
  void tls_init() noexcept {
    mbedtls_ssl_init(&ssl_);
    mbedtls_ssl_config_init(&conf_);
    mbedtls_x509_crt_init(&ca_);
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
  }
  void tls_free() noexcept {
    mbedtls_ssl_free(&ssl_);
    mbedtls_ssl_config_free(&conf_);
    mbedtls_x509_crt_free(&ca_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }

  bool tls_configure(const http_client_config& cfg) noexcept {
    tls_free();
    tls_init();
    static constexpr char personal[] = "sentry_trace http_client";
    if (mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_,
                              reinterpret_cast<const unsigned char*>(personal), sizeof personal - 1) != 0)
      return set_error("tls: cannot seed the random generator");
    if (cfg.verify_peer) {
      char path[512];
      if (!cfg.ca_file.empty()) {
        if (cfg.ca_file.size() >= sizeof path) return set_error("tls: ca_file path too long");
        std::memcpy(path, cfg.ca_file.data(), cfg.ca_file.size());
        path[cfg.ca_file.size()] = '\0';
        // > 0 means some certificates in the bundle were skipped; the rest still count.
        if (mbedtls_x509_crt_parse_file(&ca_, path) < 0 || ca_.version == 0)
          return set_error("tls: cannot load ca_file");
      } else {
        // Debian/Ubuntu/Alpine, Fedora/RHEL, macOS/BSD.
        static const char* const bundles[] = {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                              "/etc/ssl/cert.pem"};
        bool loaded = false;
        for (const char* b : bundles) {
          if (mbedtls_x509_crt_parse_file(&ca_, b) >= 0 && ca_.version != 0) {
            loaded = true;
            break;
          }
          mbedtls_x509_crt_free(&ca_);
          mbedtls_x509_crt_init(&ca_);
        }
        if (!loaded) return set_error("tls: no system CA bundle (set ca_file)");
      }
    }
    if (mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0)
      return set_error("tls: config failed");
    mbedtls_ssl_conf_authmode(&conf_, cfg.verify_peer ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
    mbedtls_ssl_conf_ca_chain(&conf_, &ca_, nullptr);
    mbedtls_ssl_conf_rng(&conf_, mbedtls_ctr_drbg_random, &drbg_);
    if (mbedtls_ssl_setup(&ssl_, &conf_) != 0) return set_error("tls: setup failed");
    // SNI and the name the certificate must carry: always the target, also through a proxy.
    if (mbedtls_ssl_set_hostname(&ssl_, target_.host) != 0) return set_error("tls: bad host name");
    mbedtls_ssl_set_bio(&ssl_, this, &http_client::bio_send, &http_client::bio_recv, nullptr);
    return true;
  }

  static int bio_send(void* ctx, const unsigned char* buf, std::size_t len) noexcept {
    auto* self = static_cast<http_client*>(ctx);
    if (len > INT_MAX) len = INT_MAX;
    for (;;) {
      ssize_t r = ::send(self->fd_, buf, len, send_flags());
      if (r >= 0) return static_cast<int>(r);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_WRITE;
      if (errno == EPIPE || errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
      return MBEDTLS_ERR_NET_SEND_FAILED;
    }
  }
  static int bio_recv(void* ctx, unsigned char* buf, std::size_t len) noexcept {
    auto* self = static_cast<http_client*>(ctx);
    if (len > INT_MAX) len = INT_MAX;
    for (;;) {
      ssize_t r = ::recv(self->fd_, buf, len, 0);
      if (r >= 0) return static_cast<int>(r);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_READ;
      if (errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
      return MBEDTLS_ERR_NET_RECV_FAILED;
    }
  }

  void tls_error(int r) noexcept {
    if (r == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
      std::uint32_t flags = mbedtls_ssl_get_verify_result(&ssl_);
      const char* why = (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) ? "not trusted"
                        : (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) ? "host name mismatch"
                        : (flags & MBEDTLS_X509_BADCERT_EXPIRED)     ? "expired"
                        : (flags & MBEDTLS_X509_BADCERT_FUTURE)      ? "not yet valid"
                                                                     : "rejected";
      std::snprintf(err_, sizeof err_, "tls: certificate verify failed (%s)", why);
    } else if (r == MBEDTLS_ERR_NET_CONN_RESET) {
      set_error("connection reset");
    } else if (r == MBEDTLS_ERR_SSL_CONN_EOF) {
      set_error("tls: connection closed during handshake");
    } else {
      char text[96];
      mbedtls_strerror(r, text, sizeof text);
      std::snprintf(err_, sizeof err_, "tls: handshake failed: %s (-0x%04x)", text, static_cast<unsigned>(-r));
    }
  }

  mbedtls_ssl_context ssl_;
  mbedtls_ssl_config conf_;
  mbedtls_x509_crt ca_;
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  bool tls_active_ = false;
#endif

  http_url target_;
  address_list addrs_{};
  char lookup_host_[sizeof(http_url::host)] = {};
  std::uint16_t lookup_port_ = 0;
  bool prepared_ = false;
  int addr_next_ = 0;
  bool configured_ = false;
  bool via_proxy_ = false;
  std::uint32_t connect_timeout_ms_ = 3000;
  std::uint32_t io_timeout_ms_ = 5000;

  phase phase_ = phase::idle;
  int fd_ = -1;
  short want_ = 0;
  std::uint64_t deadline_ = 0;

  char req_[4096] = {};
  std::string_view seg_[4];
  int seg_count_ = 0;
  int seg_index_ = 0;
  std::size_t seg_off_ = 0;
  char tunnel_[600] = {};
  std::size_t tunnel_len_ = 0;
  std::size_t tunnel_off_ = 0;

  char resp_[8192] = {};
  std::size_t resp_len_ = 0;
  std::size_t head_len_ = 0;
  int status_ = 0;
  body_mode body_mode_ = body_mode::none;
  chunk_state chunk_state_ = chunk_state::size;
  std::uint64_t body_left_ = 0;
  std::uint64_t chunk_left_ = 0;
  char scratch_[4096] = {};
  char err_[160] = {};
};

} // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_HOSTED && POSIX
#endif // SENTRY_TRACE_HTTP_CLIENT_HPP

// end of part: include/sentry_trace/delivery/http_client.hpp

// =================================================================================================
// part: include/sentry_trace/delivery/transport_http.hpp
// =================================================================================================

// sentry_trace/transport_http.hpp -- the built-in HTTP transport: a bounded queue and a sender
//
// WHAT IT DOES  http_transport POSTs every envelope to Sentry's envelope endpoint (or to the
//               Spotlight sidecar: a second instance with the sidecar's URL and no auth header).
//               send() copies the envelope into a fixed ring of whole envelopes
//               (SENTRY_TRACE_QUEUE_BYTES) and returns; delivery happens elsewhere:
//                 worker mode  one std::thread, started by start(), sends in the background;
//                 poll mode    nothing is sent until the program calls poll(budget_us)
//                              (sentry_trace::poll() for the transport init() built), or
//                              flush(), which then drives poll() itself.
//               Every response feeds the rate limiter (ratelimit.hpp); an envelope whose category
//               is limited is dropped before sending. Outcomes (client reports):
//                 2xx                  delivered
//                 429                  dropped, not counted (the server counted it)
//                 other 4xx / 5xx      dropped, send_error
//                 no response          retried after 1 s, 2 s, 4 s ... (at most 60 s), then
//                                      after max_attempts dropped as network_error
//                 rate-limited         dropped before sending, ratelimit_backoff
//                 queue full           dropped in send(), queue_overflow
//               A transaction counts once as `transaction` and (spans + 1) times as `span`; a
//               lost client report is never counted.
// THREADS       send() takes the queue mutex for one copy of the envelope into the ring; the
//               sender takes it only to read or update the ring's indexes and the head entry's
//               meta, never across I/O. So the span path (send() is called from
//               finish_transaction) waits at most for one index update, never for the network.
//               poll() is serialized by a second mutex (try_lock: a concurrent poll() returns
//               at once). The rate limiter is touched only by whoever holds that second mutex.
// WAKE-UP       The worker sleeps on a condition variable while the queue is empty or the head
//               entry waits for its retry time (send() and stop() notify it), and in ::poll(2)
//               on the client's socket plus a self-pipe while a request is in flight (stop()
//               writes to the pipe). New envelopes need no wake-up then: they queue behind the
//               one in flight.
// NAMES         An IP literal is used as it is. A name is resolved before the first attempt and
//               again after a network failure (the address may have moved), each time on a
//               thread of its own (detail::async_resolver), never on the worker or a poll()/
//               flush() caller: getaddrinfo may block for seconds when the DNS server stops
//               answering, and flush(ms)/shutdown(ms) must keep their deadlines. The sender
//               looks at the resolution every few ms; one that takes over connect_timeout_ms is
//               abandoned (its thread ends on its own, touching only its static slot) and counts
//               as a failed attempt. A failed re-resolution keeps the previous addresses. The
//               CA bundle is loaded once, by configure(), not at each resolution.
// DEADLINES     flush(ms) returns by its deadline whatever the network or resolver does; stop(ms)
//               flushes for ms, then joins the worker (it only ever blocks in a wait that stop()
//               ends) and counts what is still queued as lost (network_error).
// GZIP          With SENTRY_TRACE_WITH_ZLIB=1 (the program includes <zlib.h>'s directory and links
//               -lz) and http_transport_options::gzip, every envelope over 1 KiB
//               (detail::gzip_min_bytes) is sent gzip-compressed with "Content-Encoding: gzip",
//               which Relay accepts (the JavaScript SDK compresses bodies over 32 KiB, the
//               Python SDK all of them, the native SDK optionally). deflate: level 6, windowBits 15 + 16 (the gzip
//               wrapper), memLevel 8, into a fixed buffer of the transport
//               (detail::gzip_out_bytes = SENTRY_TRACE_QUEUE_BYTES / 4), again at each attempt
//               (deflateReset, then one deflate(Z_FINISH)). An envelope whose compressed form
//               does not fit in that buffer, would not be smaller, or fails in deflate goes out
//               uncompressed, as without gzip: the envelope is never lost over compression.
//               Compressing runs where sending does (the worker, or the caller of poll()/flush():
//               a 1 MiB envelope takes milliseconds there).
//               Without SENTRY_TRACE_WITH_ZLIB the gzip option is accepted and ignored.
// MEMORY        The ring is a member (SENTRY_TRACE_QUEUE_BYTES, default 2 MiB, options.queue_bytes
//               may use less of it). The worker's std::thread, created by start() at init (which
//               returns once it runs: worker_thread.hpp), and the short-lived resolver threads
//               (never for an IP literal) are the only allocations; send() and poll() never allocate. With
//               SENTRY_TRACE_WITH_ZLIB=1 every http_transport also holds the gzip buffer and
//               zlib's arena (detail::gzip_arena_bytes, about 264 KiB: zconf.h's formula for
//               these parameters plus 8 KiB of small objects), gzip on or not; zlib gets
//               zalloc/zfree callbacks that carve from that arena, so it never touches the heap.
//               configure() runs deflateInit2 (the only allocations, all from the arena); an
//               arena too small for a given zlib build makes init fail, and gzip stays off.
// DOES NOT      exist on freestanding builds or without POSIX sockets and threads
//               (SENTRY_TRACE_DETAIL_HTTP_TRANSPORT is 0 there), compress without
//               SENTRY_TRACE_WITH_ZLIB, or speak HTTPS unless http_client.hpp does
//               (SENTRY_TRACE_WITH_MBEDTLS).
// SPEC          PROTOCOL.md §1 (endpoint, headers), §10 (rate limits), §11 (outcomes), §13.

#ifndef SENTRY_TRACE_TRANSPORT_HTTP_HPP
#define SENTRY_TRACE_TRANSPORT_HTTP_HPP

#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS && (defined(__unix__) || defined(__APPLE__))
#  define SENTRY_TRACE_DETAIL_HTTP_TRANSPORT 1
#else
#  define SENTRY_TRACE_DETAIL_HTTP_TRANSPORT 0
#endif

#if SENTRY_TRACE_WITH_ZLIB != 0 && SENTRY_TRACE_WITH_ZLIB != 1
#  error "SENTRY_TRACE_WITH_ZLIB must be 0 or 1"
#endif

#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT

// =================================================================================================
// part: include/sentry_trace/delivery/worker_thread.hpp
// =================================================================================================

// sentry_trace/delivery/worker_thread.hpp -- starting a library thread, and returning once it runs
//
// WHAT IT DOES  start_worker_thread(t, body) starts `body` on a new std::thread held in `t` and
//               returns only when the thread has begun to run `body`. A new thread's start-up
//               allocates (std::thread's state, and in the C library or a sanitizer's runtime
//               its own bookkeeping) on the new thread, after pthread_create has returned. A
//               fork() that lands in that window copies an allocator lock held by a thread the
//               child will not have; an allocator without fork handlers (the AddressSanitizer
//               runtime of GCC 12 and Clang 14, among others) then deadlocks the child at its next
//               allocation. Waiting here keeps the window inside init(): once init() has
//               returned, the library's threads never touch the heap, so a program that forks
//               after init() forks with none of them in an allocator.
// DOES NOT      cover the resolver threads (transport_http.hpp), which look a name up while the
//               program runs and are detached; a host given as an IP literal never starts one.
// ERRORS        false when the thread cannot be created (std::system_error with exceptions on;
//               without exceptions a failed std::thread constructor ends the program, as the
//               standard library does).

#ifndef SENTRY_TRACE_DELIVERY_WORKER_THREAD_HPP
#define SENTRY_TRACE_DELIVERY_WORKER_THREAD_HPP

#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS
#  include <atomic>
#  include <thread>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

template <class Body> bool start_worker_thread(std::thread& t, Body body) noexcept {
  // The new thread's first act, and its last touch of `running`: this frame may be gone after.
  std::atomic<bool> running{false};
  auto run = [&running, body]() mutable {
    running.store(true, std::memory_order_release);
    body();
  };
#  if SENTRY_TRACE_EXCEPTIONS
  try {
    t = std::thread(run);
  } catch (...) {
    return false;
  }
#  else
  t = std::thread(run);
#  endif
  while (!running.load(std::memory_order_acquire)) std::this_thread::yield();
  return true;
}

}  // namespace detail
SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS
#endif  // SENTRY_TRACE_DELIVERY_WORKER_THREAD_HPP

// end of part: include/sentry_trace/delivery/worker_thread.hpp

#  include <atomic>
#  include <chrono>
#  include <condition_variable>
#  include <cstddef>
#  include <cstdint>
#  include <cstdio>
#  include <cstring>
#  include <mutex>
#  include <new>
#  include <string_view>
#  include <thread>

#  include <fcntl.h>
#  include <poll.h>
#  include <pthread.h>
#  include <unistd.h>

#  if SENTRY_TRACE_WITH_ZLIB
#    include <zlib.h>
#  endif

SENTRY_TRACE_DETAIL_BEGIN

/// How the built-in transports deliver; see http_transport.
struct http_transport_options {
  std::string_view url;          ///< the full envelope endpoint, e.g. http://host:9000/api/42/envelope/
  std::string_view auth_header;  ///< "X-Sentry-Auth: Sentry sentry_key=…\r\n", or "" (Spotlight)
  detail::http_client_config http{};
  bool use_worker = true;        ///< false: poll mode
  bool gzip = false;             ///< gzip envelopes over 1 KiB (needs SENTRY_TRACE_WITH_ZLIB=1, else ignored)
  std::uint32_t max_attempts = 4;     ///< network failures before an envelope is dropped (>= 1)
  std::uint32_t retry_base_ms = 1000; ///< first retry delay; doubles per attempt, capped at 60 s
  std::size_t queue_bytes = 0;        ///< 0: all of SENTRY_TRACE_QUEUE_BYTES; less caps the queue
  bool count_losses = true;           ///< false: losses are not counted (the Spotlight copy)
  /// Worker mode: called on the worker between deliveries, at least once a second, with no
  /// lock of the transport held (init() sends due client reports from it). It may call send().
  void (*on_worker_tick)(void* user) = nullptr;
  void* tick_user = nullptr;
};

// ------------------------------------------------------------------------------------------------
namespace detail {

/// Writes the envelope endpoint of `d` ({scheme}://{host}:{port}{path}/api/{project}/envelope/)
/// and its X-Sentry-Auth header line into the buffers and points `o` at them (PROTOCOL.md §1).
/// False when they do not fit.
template <std::size_t U, std::size_t A>
bool dsn_endpoint(const dsn& d, char (&url)[U], char (&auth)[A], http_transport_options& o) noexcept {
  const bool v6 = d.host.find(':') != std::string_view::npos;
  const int n = std::snprintf(url, U, "%.*s://%s%.*s%s:%u%.*s/api/%.*s/envelope/", static_cast<int>(d.scheme.size()),
                              d.scheme.data(), v6 ? "[" : "", static_cast<int>(d.host.size()), d.host.data(), v6 ? "]" : "",
                              static_cast<unsigned>(d.port), static_cast<int>(d.path.size()), d.path.data(),
                              static_cast<int>(d.project_id.size()), d.project_id.data());
  const int m = std::snprintf(auth, A, "X-Sentry-Auth: Sentry sentry_key=%.*s, sentry_version=7, sentry_client=%s/%s%s%.*s\r\n",
                              static_cast<int>(d.public_key.size()), d.public_key.data(), sdk_name, version_string,
                              d.secret.empty() ? "" : ", sentry_secret=", static_cast<int>(d.secret.size()), d.secret.data());
  if (n <= 0 || static_cast<std::size_t>(n) >= U || m <= 0 || static_cast<std::size_t>(m) >= A) return false;
  o.url = std::string_view(url, static_cast<std::size_t>(n));
  o.auth_header = std::string_view(auth, static_cast<std::size_t>(m));
  return true;
}

inline std::uint64_t steady_now_ms() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}
inline std::uint64_t steady_now_us() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

/// Bookkeeping stored in front of each envelope in the ring.
struct queue_entry_meta {
  std::uint32_t size = 0;          ///< envelope bytes (wrap_marker: the rest of the ring is unused)
  std::uint32_t spans = 0;         ///< a transaction's span_count() (root included)
  std::uint64_t not_before_ms = 0; ///< steady ms before which it is not (re)tried
  std::uint16_t attempts = 0;      ///< failed attempts so far
  data_category category = data_category::error;
  static constexpr std::uint32_t wrap_marker = 0xffffffffu;
};

/// A bounded ring of whole envelopes, each contiguous, in a buffer the owner provides. Not
/// thread-safe by itself: http_transport guards it with its queue mutex. Only the head entry
/// is ever read or removed, and push() never writes over it, so the head's bytes stay valid
/// (and can be sent without a copy) while other envelopes are pushed.
class envelope_queue {
 public:
  static constexpr std::size_t align = 8;
  static constexpr std::size_t header = (sizeof(queue_entry_meta) + align - 1) / align * align;

  void reset(unsigned char* buffer, std::size_t capacity) noexcept {
    buf_ = buffer;
    cap_ = capacity / align * align;
    head_ = tail_ = count_ = 0;
  }
  std::size_t capacity() const noexcept { return cap_; }
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }

  /// Copies `bytes` in with `meta`; false (nothing changed) when it does not fit.
  bool push(std::string_view bytes, queue_entry_meta meta) noexcept {
    if (bytes.size() >= queue_entry_meta::wrap_marker) return false;
    const std::size_t need = header + (bytes.size() + align - 1) / align * align;
    if (need > cap_) return false;
    std::size_t at = 0;
    if (count_ == 0) {
      head_ = tail_ = 0;
    } else if (tail_ > head_) {  // [head_, tail_) used; free: [tail_, cap_) and [0, head_)
      if (cap_ - tail_ >= need) {
        at = tail_;
      } else if (head_ >= need) {
        if (cap_ - tail_ >= header) {
          queue_entry_meta wrap;
          wrap.size = queue_entry_meta::wrap_marker;
          std::memcpy(buf_ + tail_, &wrap, sizeof(wrap));
        }
        at = 0;
      } else {
        return false;
      }
    } else {  // wrapped (tail_ <= head_): free is [tail_, head_)
      if (head_ - tail_ < need) return false;
      at = tail_;
    }
    meta.size = static_cast<std::uint32_t>(bytes.size());
    std::memcpy(buf_ + at, &meta, sizeof(meta));
    if (!bytes.empty()) std::memcpy(buf_ + at + header, bytes.data(), bytes.size());
    tail_ = at + need;
    ++count_;
    return true;
  }

  /// The head entry's meta (a copy), or false when empty.
  bool front(queue_entry_meta& meta, std::string_view& bytes) const noexcept {
    if (count_ == 0) return false;
    std::memcpy(&meta, buf_ + head_, sizeof(meta));
    bytes = std::string_view(reinterpret_cast<const char*>(buf_ + head_ + header), meta.size);
    return true;
  }
  /// Rewrites the head entry's meta (attempts, not_before_ms).
  void update_front(const queue_entry_meta& meta) noexcept {
    if (count_ != 0) std::memcpy(buf_ + head_, &meta, sizeof(meta));
  }
  /// Removes the head entry.
  void pop() noexcept {
    if (count_ == 0) return;
    queue_entry_meta meta;
    std::memcpy(&meta, buf_ + head_, sizeof(meta));
    head_ += header + (meta.size + align - 1) / align * align;
    if (--count_ == 0) {
      head_ = tail_ = 0;
      return;
    }
    skip_wrap();
  }

 private:
  void skip_wrap() noexcept {
    if (cap_ - head_ < header) {
      head_ = 0;
      return;
    }
    queue_entry_meta meta;
    std::memcpy(&meta, buf_ + head_, sizeof(meta));
    if (meta.size == queue_entry_meta::wrap_marker) head_ = 0;
  }

  unsigned char* buf_ = nullptr;
  std::size_t cap_ = 0;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
  std::size_t count_ = 0;
};

/// One name resolution run on a thread of its own, so that a resolver that stops answering
/// blocks only that thread: never the worker, poll(), flush() or stop(), which must keep
/// their deadlines. The job lives in static storage (g_resolve_jobs), not in the transport:
/// its thread may outlive the transport that asked (stop() abandons a job it cannot wait
/// for), and touches nothing but its own slot, which static storage keeps valid for as long
/// as the process runs. States and who moves them:
///   free -> running      the owner claims the slot (compare-exchange), fills it, starts the thread
///   running -> done      the thread, after writing the result
///   running -> abandoned the owner, giving up (stop(), a resolution past its time limit)
///   done -> free         the owner, after copying the result (or when abandoning too late)
///   abandoned -> free    the thread, as its last access to the slot
/// The thread reads its inputs only before it publishes `done`, and the owner writes them only
/// before pthread_create (which orders them for the thread), so no field is ever shared.
struct resolve_job {
  enum : std::uint8_t { free, running, done, abandoned };
  std::atomic<std::uint8_t> state{free};
  resolve_fn fn = nullptr;
  char host[sizeof(http_url::host)] = {};
  std::uint16_t port = 0;
  address_list result{};
  bool ok = false;
  char err[160] = {};
};
/// Enough for the main transport and Spotlight with a couple of abandoned jobs each: a slot is
/// busy until its resolver answers. With every slot taken, an attempt fails (counted by the
/// retry policy like any network failure) instead of starting yet another stuck thread.
inline constexpr std::size_t resolve_job_slots = 6;
inline resolve_job g_resolve_jobs[resolve_job_slots];

/// A transport's handle on at most one resolve_job.
class async_resolver {
 public:
  async_resolver() noexcept = default;
  async_resolver(const async_resolver&) = delete;
  async_resolver& operator=(const async_resolver&) = delete;
  ~async_resolver() { abandon(); }

  /// Starts resolving `host`:`port` with `fn` on a new detached thread. False (err says why)
  /// when every slot is taken or no thread can be started.
  bool begin(resolve_fn fn, const char* host, std::uint16_t port, char* err, std::size_t err_size) noexcept {
    abandon();
    for (resolve_job& j : g_resolve_jobs) {
      std::uint8_t expected = resolve_job::free;
      if (!j.state.compare_exchange_strong(expected, resolve_job::running, std::memory_order_acquire)) continue;
      j.fn = fn;
      std::snprintf(j.host, sizeof j.host, "%s", host);
      j.port = port;
      j.ok = false;
      j.err[0] = '\0';
      pthread_attr_t attr;
      bool started = ::pthread_attr_init(&attr) == 0;
      if (started) {
        ::pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_t tid;
        started = ::pthread_create(&tid, &attr, &async_resolver::run, &j) == 0;
        ::pthread_attr_destroy(&attr);
      }
      if (!started) {
        j.state.store(resolve_job::free, std::memory_order_release);
        std::snprintf(err, err_size, "resolve failed: no thread for the resolver");
        return false;
      }
      job_ = &j;
      return true;
    }
    std::snprintf(err, err_size, "resolve failed: every resolver is still waiting for an answer");
    return false;
  }

  /// True while a job is out.
  bool pending() const noexcept { return job_ != nullptr; }

  /// 0: not answered yet; 1: resolved into `out`; -1: failed (err says why). Never waits.
  int poll(address_list& out, char* err, std::size_t err_size) noexcept {
    if (!job_ || job_->state.load(std::memory_order_acquire) != resolve_job::done) return 0;
    const bool ok = job_->ok;
    if (ok) out = job_->result;
    else std::snprintf(err, err_size, "%s", job_->err);
    job_->state.store(resolve_job::free, std::memory_order_release);
    job_ = nullptr;
    return ok ? 1 : -1;
  }

  /// Drops the handle without touching the slot: for a child after fork(), where the job's
  /// thread does not exist (forget_resolve_jobs_after_fork() frees the slots there).
  void forget() noexcept { job_ = nullptr; }

  /// Gives the job up; its thread frees the slot whenever its resolver returns.
  void abandon() noexcept {
    if (!job_) return;
    std::uint8_t expected = resolve_job::running;
    if (!job_->state.compare_exchange_strong(expected, resolve_job::abandoned, std::memory_order_acq_rel))
      job_->state.store(resolve_job::free, std::memory_order_release);  // it was done: nobody else holds it
    job_ = nullptr;
  }

 private:
  static void* run(void* arg) noexcept {
    resolve_job& j = *static_cast<resolve_job*>(arg);
    j.ok = resolve_addresses(j.fn, j.host, j.port, false, j.result, j.err, sizeof j.err);
    std::uint8_t expected = resolve_job::running;
    if (!j.state.compare_exchange_strong(expected, resolve_job::done, std::memory_order_acq_rel))
      j.state.store(resolve_job::free, std::memory_order_release);  // abandoned: the slot is ours to free
    return nullptr;  // the slot is not touched after this point
  }

  resolve_job* job_ = nullptr;
};

/// In a child after fork(): no resolver thread was copied into it, so nobody would ever free
/// the slots the parent's jobs held; they are all free here.
inline void forget_resolve_jobs_after_fork() noexcept {
  for (resolve_job& j : g_resolve_jobs) j.state.store(resolve_job::free, std::memory_order_relaxed);
}

#  if SENTRY_TRACE_WITH_ZLIB
// deflate's parameters (zlib.h, deflateInit2): level 6, a 32 KiB window with the gzip wrapper
// (windowBits 15 + 16), memLevel 8.
inline constexpr int gzip_level = 6;
inline constexpr int gzip_window_bits = 15;
inline constexpr int gzip_mem_level = 8;
/// Envelopes of at most this many bytes are sent uncompressed.
inline constexpr std::size_t gzip_min_bytes = 1024;
/// The compressed body's buffer (one per transport).
inline constexpr std::size_t gzip_out_bytes = SENTRY_TRACE_QUEUE_BYTES / 4;
/// zconf.h: "The memory requirements for deflate are (in bytes):
///   (1 << (windowBits+2)) +  (1 << (memLevel+9))
/// that is: 128K for windowBits=15 + 128K for memLevel = 8 (default values) plus a few kilobytes
/// for small objects." The small objects are deflate's state (5952 bytes in zlib 1.2.13 on
/// x86-64); 8 KiB leaves room for other builds and for the arena's 16-byte alignment.
inline constexpr std::size_t gzip_deflate_bytes =
    (std::size_t{1} << (gzip_window_bits + 2)) + (std::size_t{1} << (gzip_mem_level + 9));
inline constexpr std::size_t gzip_small_object_bytes = 8 * 1024;
inline constexpr std::size_t gzip_arena_align = 16;
inline constexpr std::size_t gzip_arena_bytes = gzip_deflate_bytes + gzip_small_object_bytes;
static_assert(gzip_deflate_bytes == (std::size_t{1} << 17) + (std::size_t{1} << 17),
              "zconf.h's deflate memory formula for windowBits 15, memLevel 8");
static_assert(gzip_arena_bytes >= gzip_deflate_bytes + 6 * 1024 + 5 * gzip_arena_align,
              "zlib's arena must hold deflate's buffers, its state and the alignment of five blocks");
static_assert(gzip_level >= 1 && gzip_level <= 9 && gzip_window_bits >= 9 && gzip_window_bits <= 15 &&
                  gzip_mem_level >= 1 && gzip_mem_level <= 9,
              "deflateInit2's parameter ranges");

/// One zlib deflate stream producing gzip members, with its memory in a member arena: zlib's
/// zalloc carves from it (a bump allocator; zfree does nothing, end() rewinds it), so zlib
/// never touches the heap. deflateInit2 is the only call that allocates; deflateReset and
/// deflate do not. Not thread-safe (http_transport uses it under its poll mutex).
class gzip_deflater {
 public:
  gzip_deflater() noexcept = default;
  gzip_deflater(const gzip_deflater&) = delete;
  gzip_deflater& operator=(const gzip_deflater&) = delete;
  ~gzip_deflater() { end(); }

  /// deflateInit2 with this object's arena (ending a stream it had). False when zlib refuses,
  /// the arena included (an allocation that does not fit is refused, counted in refused()).
  bool init() noexcept {
    end();
    zs_ = z_stream{};
    zs_.zalloc = &gzip_deflater::zalloc;
    zs_.zfree = &gzip_deflater::zfree;
    zs_.opaque = this;
    ready_ = deflateInit2(&zs_, gzip_level, Z_DEFLATED, gzip_window_bits + 16, gzip_mem_level, Z_DEFAULT_STRATEGY) == Z_OK;
    if (!ready_) {
      deflateEnd(&zs_);  // Z_STREAM_ERROR when init left nothing: harmless
      used_ = 0;
    }
    return ready_;
  }
  /// deflateEnd, and rewinds the arena.
  void end() noexcept {
    if (ready_) deflateEnd(&zs_);
    ready_ = false;
    used_ = 0;
  }
  bool ready() const noexcept { return ready_; }

  /// Compresses `in` into one whole gzip member in out[0, cap): its size, or 0 when it does not
  /// fit, deflate fails or the stream is not ready.
  std::size_t compress(std::string_view in, unsigned char* out, std::size_t cap) noexcept {
    if (!ready_ || in.size() > 0xffffffffu || cap == 0) return 0;
    if (cap > 0xffffffffu) cap = 0xffffffffu;
    if (deflateReset(&zs_) != Z_OK) return 0;
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs_.avail_in = static_cast<uInt>(in.size());
    zs_.next_out = out;
    zs_.avail_out = static_cast<uInt>(cap);
    const int r = deflate(&zs_, Z_FINISH);
    const std::size_t n = cap - zs_.avail_out;
    zs_.next_in = Z_NULL;
    zs_.next_out = Z_NULL;
    if (r != Z_STREAM_END) {
      ++failed_;
      return 0;
    }
    ++compressed_;
    return n;
  }

  /// Arena bytes in use (the stream's, after init()).
  std::size_t arena_used() const noexcept { return used_; }
  /// zalloc calls served from the arena, ever.
  std::uint32_t allocations() const noexcept { return allocations_; }
  /// zalloc calls refused (the arena was full): zlib then failed; nothing ever goes to malloc.
  std::uint32_t refused() const noexcept { return refused_; }
  /// Envelopes compressed; compress() calls that did not finish (no room, deflate error).
  std::uint32_t compressed() const noexcept { return compressed_; }
  std::uint32_t failed() const noexcept { return failed_; }

 private:
  static voidpf zalloc(voidpf opaque, uInt items, uInt size) noexcept {
    gzip_deflater& self = *static_cast<gzip_deflater*>(opaque);
    const std::size_t n = static_cast<std::size_t>(items) * static_cast<std::size_t>(size);
    const std::size_t at = (self.used_ + gzip_arena_align - 1) / gzip_arena_align * gzip_arena_align;
    if (n == 0 || at > sizeof(self.arena_) || n > sizeof(self.arena_) - at) {
      ++self.refused_;
      return Z_NULL;
    }
    self.used_ = at + n;
    ++self.allocations_;
    return self.arena_ + at;
  }
  static void zfree(voidpf, voidpf) noexcept {}  // end() rewinds the whole arena

  z_stream zs_{};
  bool ready_ = false;
  std::size_t used_ = 0;
  std::uint32_t allocations_ = 0;
  std::uint32_t refused_ = 0;
  std::uint32_t compressed_ = 0;
  std::uint32_t failed_ = 0;
  alignas(gzip_arena_align) unsigned char arena_[gzip_arena_bytes];
};
#  endif // SENTRY_TRACE_WITH_ZLIB

} // namespace detail

/// POSTs envelopes to one URL from a bounded queue; see the top of this file.
/// Usage (the tracer does this by itself for a DSN without options.transport):
///   static sentry_trace::http_transport t;  // large (the ring): static or heap, not the stack
///   sentry_trace::http_transport_options o;
///   o.url = "http://127.0.0.1:9000/api/42/envelope/";
///   o.auth_header = "X-Sentry-Auth: Sentry sentry_key=…, sentry_version=7\r\n";
///   if (t.configure(o) && t.start()) options.transport = &t;
///   ... t.stop(2000) after sentry_trace::shutdown().
class http_transport final : public transport {
 public:
  http_transport() noexcept = default;
  http_transport(const http_transport&) = delete;
  http_transport& operator=(const http_transport&) = delete;
  ~http_transport() {
    stop(0);
#  if SENTRY_TRACE_WITH_ZLIB
    gz_.end();
#  endif
  }

  /// Configures this transport for the envelope endpoint of `dsn_text`, with its X-Sentry-Auth
  /// header; the other fields come from `o`. False on a malformed DSN (see configure()).
  bool configure_for_dsn(std::string_view dsn_text, http_transport_options o = {}) noexcept {
    dsn d;
    char url[1280];
    char auth[1024];
    return dsn::parse(dsn_text, d) == dsn_error::none && detail::dsn_endpoint(d, url, auth, o) && configure(o);
  }

  /// Copies the options (URL up to 1279 bytes, headers, proxy and CA path up to 1023 bytes
  /// each) and prepares the client. False when the URL cannot be parsed, a string is too long,
  /// or the client refuses the configuration (https without TLS support, for one).
  bool configure(const http_transport_options& o) noexcept {
    stop(0);
    opts_ = o;
    if (!detail::copy_bounded(url_, o.url)) return false;
    opts_.url = std::string_view(url_, o.url.size());
    if (!detail::copy_bounded(proxy_, o.http.proxy)) return false;
    opts_.http.proxy = std::string_view(proxy_, o.http.proxy.size());
    if (!detail::copy_bounded(ca_file_, o.http.ca_file)) return false;
    opts_.http.ca_file = std::string_view(ca_file_, o.http.ca_file.size());
    // Request headers: auth (when any) and content type. Host, User-Agent, Content-Length and
    // Connection are the client's.
    headers_len_ = 0;
    auto add = [&](std::string_view s) {
      if (headers_len_ + s.size() >= sizeof(headers_)) return false;
      if (!s.empty()) std::memcpy(headers_ + headers_len_, s.data(), s.size());
      headers_len_ += s.size();
      return true;
    };
    if (!add(o.auth_header) || !add("Content-Type: application/x-sentry-envelope\r\n")) return false;
    opts_.auth_header = std::string_view(headers_, o.auth_header.size());
#  if SENTRY_TRACE_WITH_ZLIB
    // The gzip request's headers are the plain ones plus Content-Encoding: [0, headers_gz_len_).
    gz_.end();
    gzip_on_ = false;
    headers_gz_len_ = headers_len_;
    if (o.gzip) {
      const std::size_t plain = headers_len_;
      if (add("Content-Encoding: gzip\r\n")) {
        headers_gz_len_ = headers_len_;
        headers_len_ = plain;
        gzip_on_ = gz_.init();  // failing: sent uncompressed
      }
    }
#  endif
    if (opts_.max_attempts == 0) opts_.max_attempts = 1;
    if (!detail::parse_http_url(opts_.url, target_)) return false;
    // Everything but the name is checked here (https without TLS, a bad proxy, the CA bundle:
    // loaded once). An IP literal is used at once; a name is resolved off this thread before
    // the first attempt (see NAMES), so configure() never waits for a resolver either.
    if (!client_.prepare(target_, opts_.http)) return false;
    detail::address_list literal;
    char ignored[160];
    client_ready_ = detail::resolve_addresses(nullptr, client_.lookup_host(), client_.lookup_port(), true, literal,
                                              ignored, sizeof ignored);
    if (client_ready_) client_.use_addresses(literal);
    literal_host_ = client_ready_;
    resolve_again_ = !client_ready_;
    std::size_t cap = opts_.queue_bytes == 0 || opts_.queue_bytes > sizeof(ring_) ? sizeof(ring_) : opts_.queue_bytes;
    {
      std::lock_guard<std::mutex> lk(mu_);
      queue_.reset(ring_, cap);
      count_.store(0, std::memory_order_relaxed);
    }
    limiter_.clear();
    in_flight_ = false;
    configured_ = true;
    return true;
  }

  /// Starts the worker thread in worker mode (nothing to do in poll mode). False when the
  /// thread could not be created: the transport then stays in poll mode.
  bool start() noexcept {
    if (!configured_) return false;
    if (!opts_.use_worker || running_) return true;
    stop_.store(false, std::memory_order_relaxed);
#  if defined(__linux__)
    if (::pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) return fall_back_to_poll();
#  else
    if (::pipe(wake_) != 0) return fall_back_to_poll();
    for (int fd : wake_) {
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
#  endif
    if (!detail::start_worker_thread(worker_, [this] { run(); })) {
      close_pipe();
      return fall_back_to_poll();
    }
    running_ = true;
    return true;
  }

  /// Queues a copy of the envelope (see THREADS above); never blocks on the network.
  void send(envelope_view e) override {
    if (!configured_ || stopping_.load(std::memory_order_relaxed)) {
      lose(meta_of(e), discard_reason::queue_overflow);
      return;
    }
    detail::queue_entry_meta meta = meta_of(e);
    bool pushed;
    {
      std::lock_guard<std::mutex> lk(mu_);
      pushed = queue_.push(e.bytes(), meta);
      if (pushed) count_.store(queue_.size(), std::memory_order_relaxed);
    }
    if (!pushed) {
      lose(meta, discard_reason::queue_overflow);
      return;
    }
    if (running_) cv_.notify_one();
  }

  /// Poll mode: does non-blocking delivery work for up to about `budget_us` (at least one
  /// step). Returns true when the queue is empty. A concurrent call, or any call in worker
  /// mode, only returns that.
  bool poll(std::uint64_t budget_us) noexcept {
    if (running_) return idle();  // the worker delivers
    std::unique_lock<std::mutex> busy(poll_mu_, std::try_to_lock);
    if (!busy.owns_lock()) return idle();
    poll_locked(budget_us);
    return idle();
  }

  /// Waits (worker mode) or drives poll() (poll mode) until the queue is empty or `timeout_ms`
  /// has passed. True when everything was delivered or deliberately dropped.
  bool flush(std::uint32_t timeout_ms) override {
    if (!configured_) return true;
    const std::uint64_t deadline = detail::steady_now_ms() + timeout_ms;
    for (;;) {
      if (running_) {
        std::unique_lock<std::mutex> lk(mu_);
        while (!queue_.empty()) {
          std::uint64_t now = detail::steady_now_ms();
          if (now >= deadline) return false;
          drained_.wait_for(lk, std::chrono::milliseconds(deadline - now));
        }
        return true;
      }
      {
        std::unique_lock<std::mutex> busy(poll_mu_);
        poll_locked(10000);
        if (idle()) return true;
        std::uint64_t now = detail::steady_now_ms();
        if (now >= deadline) return false;
        wait_for_progress(deadline - now > 50 ? 50 : deadline - now);
      }
    }
  }

  /// flush(timeout_ms), then stops the worker (joined) and drops what is still queued
  /// (counted as network_error). Returns flush's result. The transport may be configured again.
  bool stop(std::uint32_t timeout_ms) noexcept {
    if (!configured_) return true;
    bool delivered = flush(timeout_ms);
    stopping_.store(true, std::memory_order_relaxed);
    if (running_) {
      {
        std::lock_guard<std::mutex> lk(mu_);
        stop_.store(true, std::memory_order_relaxed);
      }
      cv_.notify_all();
      char b = 1;
      ssize_t w = ::write(wake_[1], &b, 1);
      static_cast<void>(w);
      // Bounded: the worker never blocks but in wait_for_progress, which the notify and the
      // pipe end, and each of its steps is non-blocking (names resolve on their own threads).
      if (worker_.joinable()) worker_.join();
      close_pipe();
      running_ = false;
    }
    {
      std::lock_guard<std::mutex> busy(poll_mu_);
      resolver_.abandon();  // a resolver still out finishes on its own thread, touching only its slot
      if (in_flight_) client_.abort();
      in_flight_ = false;
      std::lock_guard<std::mutex> lk(mu_);
      detail::queue_entry_meta meta;
      std::string_view bytes;
      while (queue_.front(meta, bytes)) {
        lose(meta, discard_reason::network_error);
        queue_.pop();
      }
      count_.store(0, std::memory_order_relaxed);
    }
    configured_ = false;
    stopping_.store(false, std::memory_order_relaxed);
    return delivered;
  }

  /// In a fork()'s child: the worker thread and the queued envelopes are the parent's, which
  /// sends them. Forgets both without touching what the parent shares: no join, no lock (another
  /// thread may have held one at the fork), nothing written to the socket or the wake-up pipe.
  /// Returns true when a worker was running: start() then starts the child's own. Runs in the
  /// child's only thread, before anything else uses the transport.
  bool forget_after_fork() noexcept {
    // Fresh synchronization objects over the copies (whose state is the parent's), and an empty
    // thread handle over the worker's (not joinable here; its destructor must never run).
    new (&mu_) std::mutex();
    new (&poll_mu_) std::mutex();
    new (&cv_) std::condition_variable();
    new (&drained_) std::condition_variable();
    new (&worker_) std::thread();
    for (int& fd : wake_) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
    client_.forget_connection();
    if (resolver_.pending()) {
      resolver_.forget();  // its thread is the parent's: the slot is freed with all of them
      resolve_again_ = true;
    }
    in_flight_ = false;
    queue_.reset(ring_, queue_.capacity());
    count_.store(0, std::memory_order_relaxed);
    stop_.store(false, std::memory_order_relaxed);
    stopping_.store(false, std::memory_order_relaxed);
    const bool had_worker = running_;
    running_ = false;
    return had_worker;
  }

  /// True when nothing is queued (the one in flight included).
  bool idle() const noexcept { return count_.load(std::memory_order_relaxed) == 0; }
  /// Envelopes queued (the one in flight included).
  std::size_t queued() const noexcept { return count_.load(std::memory_order_relaxed); }
  /// Why the last attempt failed (the client's reason), "" when none; read it only while
  /// nothing polls.
  const char* last_error() const noexcept { return client_.error(); }
  /// True in worker mode with the worker running.
  bool has_worker() const noexcept { return running_; }
  /// The rate limits learnt so far (read it only while nothing polls).
  const detail::rate_limiter& limits() const noexcept { return limiter_; }
#  if SENTRY_TRACE_WITH_ZLIB
  /// True when gzip was asked for and zlib's stream is ready (configure() ran deflateInit2).
  bool gzip_active() const noexcept { return gzip_on_; }
  /// The deflate stream: counters and arena use (read it only while nothing polls).
  const detail::gzip_deflater& deflater() const noexcept { return gz_; }
#  endif

 private:
  static detail::queue_entry_meta meta_of(const envelope_view& e) noexcept {
    detail::queue_entry_meta m;
    if (const transaction_view* t = e.transaction()) {
      m.category = data_category::transaction;
      m.spans = static_cast<std::uint32_t>(t->span_count());
    } else if (e.span_items()) {
      m.category = data_category::span;
      m.spans = e.span_items();
    } else if (e.is_client_report()) {
      m.category = data_category::internal;
    } else {
      m.category = data_category::error;
    }
    return m;
  }

  void lose(const detail::queue_entry_meta& m, discard_reason r) const noexcept {
    if (!opts_.count_losses) return;
    switch (m.category) {
      case data_category::transaction: detail::g_outcomes.record_transaction(r, m.spans); break;
      case data_category::span: detail::g_outcomes.record(r, data_category::span, m.spans ? m.spans : 1); break;
      case data_category::error: detail::g_outcomes.record(r, data_category::error); break;
      default: break;  // client reports: never counted
    }
  }

  bool fall_back_to_poll() noexcept {
    opts_.use_worker = false;
    return false;
  }
  void close_pipe() noexcept {
    for (int& fd : wake_) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  }

  void pop_head(bool publish_drained = true) noexcept {
    {
      std::lock_guard<std::mutex> lk(mu_);
      queue_.pop();
      count_.store(queue_.size(), std::memory_order_relaxed);
    }
    if (publish_drained) drained_.notify_all();
  }

  /// The head entry failed without a response: retry later, or drop it.
  void retry_or_drop(detail::queue_entry_meta meta, std::uint64_t now) noexcept {
    ++meta.attempts;
    if (meta.attempts >= opts_.max_attempts) {
      lose(meta, discard_reason::network_error);
      pop_head();
      return;
    }
    std::uint64_t delay = opts_.retry_base_ms;
    for (std::uint32_t i = 1; i < meta.attempts && delay < 60000; ++i) delay *= 2;
    if (delay > 60000) delay = 60000;
    meta.not_before_ms = now + delay;
    std::lock_guard<std::mutex> lk(mu_);
    queue_.update_front(meta);
  }

  /// The body of poll(); the caller holds poll_mu_.
  void poll_locked(std::uint64_t budget_us) noexcept {
    if (!configured_) return;
    const std::uint64_t start_us = detail::steady_now_us();
    for (;;) {
      if (stop_.load(std::memory_order_relaxed)) return;
      std::uint64_t now = detail::steady_now_ms();
      if (!in_flight_) {
        detail::queue_entry_meta meta;
        std::string_view bytes;
        {
          std::lock_guard<std::mutex> lk(mu_);
          if (!queue_.front(meta, bytes)) return;
        }
        if (limiter_.is_limited(meta.category, now)) {
          lose(meta, discard_reason::ratelimit_backoff);
          pop_head();
          continue;
        }
        if (meta.not_before_ms > now) return;  // waiting to retry
        head_ = meta;
        if (resolve_again_ || resolver_.pending()) {
          const int r = step_resolution(now);
          if (r == 0) return;  // waiting for the resolver (wait_for_progress naps meanwhile)
          if (r < 0 && !client_ready_) {
            retry_or_drop(meta, now);
            continue;
          }
          // Resolved, or failed with an address from before: that one is tried again.
        }
        std::string_view head_lines(headers_, headers_len_);
        std::string_view body = bytes;
#  if SENTRY_TRACE_WITH_ZLIB
        // Compressed again at each attempt: gz_out_ holds only the request in flight.
        if (gzip_on_ && bytes.size() > detail::gzip_min_bytes) {
          const std::size_t room = bytes.size() - 1 < sizeof(gz_out_) ? bytes.size() - 1 : sizeof(gz_out_);
          const std::size_t n = gz_.compress(bytes, gz_out_, room);
          if (n != 0) {
            body = std::string_view(reinterpret_cast<const char*>(gz_out_), n);
            head_lines = std::string_view(headers_, headers_gz_len_);
          }
        }
#  endif
        if (!client_.start(head_lines, body, now)) {
          retry_or_drop(meta, now);
          continue;
        }
        in_flight_ = true;
      }
      detail::http_result r = client_.step(now);
      if (r == detail::http_result::done) {
        in_flight_ = false;
        const int status = client_.status();
        limiter_.update(status, client_.header("X-Sentry-Rate-Limits"), client_.header("Retry-After"), now);
        if (status != 429 && (status < 200 || status > 299)) lose(head_, discard_reason::send_error);
        pop_head();
      } else if (r == detail::http_result::failed) {
        in_flight_ = false;
        // A name's address may have moved: it is looked up again before the retry. A literal's
        // cannot, and looking it up would start a resolver thread per retry for nothing.
        resolve_again_ = !literal_host_;
        retry_or_drop(head_, now);
      } else if (!socket_ready()) {
        return;  // waiting for the network
      }
      if (detail::steady_now_us() - start_us >= budget_us) return;
    }
  }

  /// Drives the name's resolution on its resolve_job: 0 while it is out, 1 when the client got
  /// fresh addresses, -1 when it failed (last_error() says why). A resolver that does not answer
  /// within connect_timeout_ms is abandoned (its thread finishes on its own) and counts as a
  /// failure, so the retry policy bounds how long an envelope waits for a name.
  int step_resolution(std::uint64_t now) noexcept {
    char why[160];
    if (!resolver_.pending()) {
      resolve_again_ = false;
      if (!resolver_.begin(opts_.http.resolver, client_.lookup_host(), client_.lookup_port(), why, sizeof why)) {
        client_.note_error(why);
        resolve_again_ = true;
        return -1;
      }
      resolve_started_ms_ = now;
    }
    detail::address_list fresh;
    const int r = resolver_.poll(fresh, why, sizeof why);
    if (r == 0) {
      if (now - resolve_started_ms_ < opts_.http.connect_timeout_ms) return 0;
      resolver_.abandon();
      client_.note_error("resolve failed: the resolver did not answer in time");
      resolve_again_ = true;
      return -1;
    }
    if (r < 0) {
      client_.note_error(why);
      resolve_again_ = true;
      return -1;
    }
    client_.use_addresses(fresh);
    client_ready_ = client_.ready();
    return 1;
  }

  /// True when the client's socket is ready for what it waits for (checked without waiting).
  bool socket_ready() noexcept {
    int fd = client_.fd();
    if (fd < 0) return false;
    pollfd p{fd, client_.wanted_events(), 0};
    return ::poll(&p, 1, 0) > 0;
  }

  /// Sleeps until the socket is ready, the retry time of the head entry comes, a new envelope
  /// arrives (when idle), stop() is called, or `max_ms` passes.
  void wait_for_progress(std::uint64_t max_ms) noexcept {
    if (in_flight_) {
      pollfd p[2];
      nfds_t n = 0;
      if (client_.fd() >= 0) p[n++] = pollfd{client_.fd(), client_.wanted_events(), 0};
      if (wake_[0] >= 0) p[n++] = pollfd{wake_[0], POLLIN, 0};
      int timeout = client_.fd() >= 0 ? static_cast<int>(max_ms) : (max_ms < 5 ? static_cast<int>(max_ms) : 5);
      ::poll(p, n, timeout);
      if (wake_[0] >= 0) {
        char sink[16];
        while (::read(wake_[0], sink, sizeof(sink)) > 0) {
        }
      }
      return;
    }
    std::unique_lock<std::mutex> lk(mu_);
    if (stop_.load(std::memory_order_relaxed)) return;
    if (resolver_.pending()) {
      // The resolver's thread must not touch this transport, so it cannot wake us: nap.
      cv_.wait_for(lk, std::chrono::milliseconds(max_ms < resolve_nap_ms ? max_ms : resolve_nap_ms),
                   [this] { return stop_.load(std::memory_order_relaxed); });
      return;
    }
    detail::queue_entry_meta meta;
    std::string_view bytes;
    if (!queue_.front(meta, bytes)) {
      cv_.wait_for(lk, std::chrono::milliseconds(max_ms),
                   [this] { return !queue_.empty() || stop_.load(std::memory_order_relaxed); });
      return;
    }
    std::uint64_t now = detail::steady_now_ms();
    if (meta.not_before_ms <= now) return;
    std::uint64_t wait = meta.not_before_ms - now;
    cv_.wait_for(lk, std::chrono::milliseconds(wait < max_ms ? wait : max_ms),
                 [this] { return stop_.load(std::memory_order_relaxed); });
  }

  void run() noexcept {
    while (!stop_.load(std::memory_order_relaxed)) {
      {
        std::lock_guard<std::mutex> busy(poll_mu_);
        poll_locked(20000);
      }
      if (idle()) drained_.notify_all();
      if (opts_.on_worker_tick) opts_.on_worker_tick(opts_.tick_user);
      wait_for_progress(1000);
    }
  }

  http_transport_options opts_{};
  char url_[1280] = {};
  char proxy_[1024] = {};
  char ca_file_[1024] = {};
  char headers_[1024] = {};
  std::size_t headers_len_ = 0;
  detail::http_url target_{};
  detail::http_client client_{};
  detail::rate_limiter limiter_{};
  detail::queue_entry_meta head_{};  ///< meta of the entry in flight
  bool in_flight_ = false;
  bool configured_ = false;
  bool client_ready_ = false;   ///< the client has an address
  bool resolve_again_ = false;  ///< resolve before the next attempt
  bool literal_host_ = false;   ///< the host is an IP literal: never resolved
  detail::async_resolver resolver_{};  ///< the resolution out, if any (guarded by poll_mu_)
  std::uint64_t resolve_started_ms_ = 0;
  static constexpr std::uint64_t resolve_nap_ms = 5;  ///< how often a pending resolution is looked at
  bool running_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> count_{0};
  int wake_[2] = {-1, -1};
  std::mutex mu_;       ///< the queue (see THREADS)
  std::mutex poll_mu_;  ///< one poller at a time; also guards the client and the limiter
  std::condition_variable cv_;       ///< worker: new envelope, stop
  std::condition_variable drained_;  ///< flush(): the queue may have become empty
  std::thread worker_;
  detail::envelope_queue queue_{};
#  if SENTRY_TRACE_WITH_ZLIB
  std::size_t headers_gz_len_ = 0;  ///< headers_ with "Content-Encoding: gzip" at the end
  bool gzip_on_ = false;
  detail::gzip_deflater gz_;
  alignas(8) unsigned char gz_out_[detail::gzip_out_bytes];  ///< the compressed body in flight
#  endif
  alignas(8) unsigned char ring_[SENTRY_TRACE_QUEUE_BYTES];
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
#endif // SENTRY_TRACE_TRANSPORT_HTTP_HPP

// end of part: include/sentry_trace/delivery/transport_http.hpp

// =================================================================================================
// part: include/sentry_trace/core/state.hpp
// =================================================================================================

// sentry_trace/core/state.hpp -- the one global state: resolved options, pools, log line
//
// WHAT IT DOES  g_tracer (the options init() resolved, the storage, the clock anchor), the reference
//               flags internal to the span path, the log line formatter and the envelope lock.

#ifndef SENTRY_TRACE_CORE_STATE_HPP
#define SENTRY_TRACE_CORE_STATE_HPP

// =================================================================================================
// part: include/sentry_trace/face/options.hpp
// =================================================================================================

// sentry_trace/face/options.hpp -- what init() takes, and init/flush/shutdown
//
// WHAT IT DOES  Declares `options` (every member with its default), the delivery and lifecycle
//               enums, and the functions that start and stop tracing. They are defined once, in
//               runtime/lifecycle.hpp (the implementation TU).
// STEP BY STEP  sentry_trace::options o;          // every member holds its documented default
//               o.dsn = "https://key@o1.ingest.sentry.io/42";
//               o.traces_sample_rate = 1.0;
//               o.transport = &my_transport;      // not owned; must outlive shutdown()
//               if (!sentry_trace::init(o)) { /* the log hook said why */ }
//               ... spans (api.hpp) ...
//               sentry_trace::shutdown(2000);
//
// OPTIONS       member               default                     Sentry name / environment variable
//               dsn                  "" (SENTRY_DSN)             dsn; no DSN: envelopes carry no DSC
//               release              "" (SENTRY_RELEASE)         release, at most 200 bytes
//               environment          "production" (SENTRY_ENVIRONMENT)  environment, at most 64 bytes
//               server_name          ""                          server_name
//               org_id               "" (from the DSN host)      org_id
//               traces_sample_rate   options::unset (SENTRY_TRACES_SAMPLE_RATE)  0..1; unset with no
//                                    sampler: tracing off, traces still propagate (deferred)
//               traces_sampler       empty                       traces_sampler; beats the rate
//               max_spans            SENTRY_TRACE_MAX_SPANS      max_spans (child spans per transaction)
//               debug                false (SENTRY_DEBUG)        debug: log hook gets debug lines
//               log                  stderr (hosted); debug      -
//                                    lines only with `debug`
//               transport            nullptr: envelopes dropped  transport (not owned)
//               serialize_on_worker  false                       - (envelopes written and sent on
//                                    a library thread; poll() where there are no threads)
//               storage              nullptr: a static one       - (see pool.hpp)
//               clock, wall_clock,   hosted: steady_clock,       - (platform.hpp); freestanding
//               entropy, lock        system_clock, /dev/urandom,   builds must set clock and entropy
//                                    std::mutex
//               send_client_reports  true                        send_client_reports
//               delivery             delivery_mode::worker       - (built-in HTTP transport:
//                                    a background thread, or poll: sentry_trace::poll() sends)
//               http_proxy, ca_file  ""                          http_proxy, ca_certs
//               spotlight            "" (SENTRY_SPOTLIGHT)       spotlight: "true"/"1"/...: the
//                                    default sidecar URL, "false"/"0"/...: off, else a URL
//               before_send          none                        beforeSend: edit or drop an event
//               before_send_transaction none                     beforeSendTransaction: rename, tag
//                                                                or drop a transaction
//               ignore_transactions  none                        ignoreTransactions (substrings)
// TRANSPORT     With a DSN and no options.transport, hosted POSIX builds send over HTTP
//               (transport_http.hpp) to {scheme}://{host}:{port}{path}/api/{project}/envelope/
//               with X-Sentry-Auth, from a transport held in static storage inside the library;
//               shutdown() flushes and stops it. With Spotlight on, every envelope is also
//               queued for the sidecar by a second one (no auth, one attempt, losses not
//               counted), which never holds up the first. In worker mode a root's end() hands
//               its block to a library thread that writes the envelope (delivery/handoff.hpp);
//               in poll mode poll() writes it. A queued block stays in use until it is written
//               (it counts against SENTRY_TRACE_MAX_TRANSACTIONS): with fewer than two blocks
//               free, end() writes the envelope itself rather than let new roots be dropped.
//               An https DSN in a build without SENTRY_TRACE_WITH_MBEDTLS=1 cannot be sent to:
//               init() logs an error saying how to fix it and still returns true (tracing works
//               and trace headers propagate), every envelope is counted as lost
//               (internal_sdk_error, see get_stats()), and flush()/shutdown() return false.
//               Options set in code win over the environment, as in every Sentry SDK.
// ENVIRONMENT   Each variable's value is trimmed of white space first (a trailing newline from
//               a shell or a .env file is common). A variable init() cannot use (a malformed
//               SENTRY_DSN, an over-long SENTRY_RELEASE or SENTRY_ENVIRONMENT, a
//               SENTRY_TRACES_SAMPLE_RATE that is not a number from 0 to 1, an unknown
//               SENTRY_TRACE_LIFECYCLE) is ignored with a warning that names it and its value,
//               and init() goes on as if it were not set.
// ERRORS        init() returns false and logs the reason for a malformed DSN option, a rate
//               option outside [0, 1], an over-long string option, or a freestanding build
//               without clock or entropy (the environment's values never fail it, see above);
//               tracing then stays off and every call is a valid no-op.

#ifndef SENTRY_TRACE_FACE_OPTIONS_HPP
#define SENTRY_TRACE_FACE_OPTIONS_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

/// The pools a tracer records into (core/pool.hpp); options.storage may point at one.
struct storage;

/// How the built-in HTTP transport delivers (hosted POSIX builds; ignored elsewhere).
enum class delivery_mode : std::uint8_t {
  worker,  ///< a background thread started by init() sends
  poll     ///< nothing is sent until sentry_trace::poll() (or flush()/shutdown()) runs
};

/// How finished spans are sent (options.trace_lifecycle).
enum class trace_lifecycle : std::uint8_t {
  static_,  ///< "static": one transaction per root, with at most max_spans children (the default)
  stream    ///< span v2 items in batches of up to 1000, as @sentry/core 11 streams them: a root
            ///< with more spans than a block holds is sent whole, in several envelopes
};

/// When continuous profiling (options.profile_session_sample_rate) runs: the names and
/// meanings of the SDKs' profileLifecycle / profile_lifecycle.
enum class profile_lifecycle : std::uint8_t {
  manual,  ///< from start_profiler() to stop_profiler()
  trace    ///< while any sampled root span is running
};

/// Everything init() takes. An aggregate: declare it, then assign fields by name.
struct options {
  /// traces_sample_rate's "not set" value (0.0 is a real rate: sample nothing).
  static constexpr double unset = -1.0;

  std::string_view dsn{};               ///< "": SENTRY_DSN, else none
  std::string_view release{};           ///< "": SENTRY_RELEASE
  std::string_view environment{};       ///< "": SENTRY_ENVIRONMENT, else "production"
  std::string_view server_name{};
  std::string_view org_id{};            ///< "": the digits of a DSN host "o<digits>.…"
  double traces_sample_rate = unset;    ///< unset: SENTRY_TRACES_SAMPLE_RATE
  traces_sampler_fn traces_sampler{};   ///< any callable double(const sampling_context&) up to 64 bytes
  std::uint32_t max_spans = SENTRY_TRACE_MAX_SPANS;  ///< child spans per transaction; 0 or more: capped
  bool debug = false;                   ///< false: SENTRY_DEBUG ("1", "true", "yes", "on")
  log_hook log{};
  ::sentry_trace::transport* transport = nullptr;  ///< not owned
  /// With `transport`: a thread of the library writes each transaction's envelope and calls
  /// transport->send() from there, so a root's end() only queues its block (SENTRY_TRACE_THREADS=0:
  /// poll() writes them). Off by default, because send() then runs on another thread than
  /// the one that ended the root. The built-in transport always works this way in worker mode.
  bool serialize_on_worker = false;
  ::sentry_trace::storage* storage = nullptr;      ///< not owned; nullptr: a static one (hosted)
  clock_hook clock{};
  wall_clock_hook wall_clock{};
  entropy_hook entropy{};
  lock_hook lock{};
  bool send_client_reports = true;
  /// Outgoing URLs that get trace headers from inject(carrier, url): a URL containing one of
  /// these (ASCII case-insensitive) does. nullptr (the default): every URL, as @sentry/node 11.
  /// Copied by init(): at most 16 targets and 1024 bytes in all.
  const std::string_view* trace_propagation_targets = nullptr;
  std::size_t trace_propagation_target_count = 0;
  /// Also send a W3C `traceparent` header (default false, as the SDKs' propagateTraceparent).
  bool propagate_traceparent = false;
  /// Whether integrations (include/sentry_trace/integrations/) may record data that can identify
  /// a person: URL query strings and fragments, request and response headers (their secrets still
  /// `[Filtered]`). Default false, as the SDKs' sendDefaultPii / send_default_pii. User-info in a
  /// URL, bound SQL values and Redis values are never recorded, whatever this says.
  bool send_default_pii = false;
  /// The built-in HTTP transport (a DSN and no `transport`, hosted POSIX builds): worker or poll.
  delivery_mode delivery = delivery_mode::worker;
  std::string_view http_proxy{};        ///< "http://host:port" for the built-in transport; "": none
  std::string_view ca_file{};           ///< a PEM CA bundle for https; "": the system's
  bool http_compression = true;         ///< gzip envelopes over 1 KiB (only with SENTRY_TRACE_WITH_ZLIB=1 and -lz)
  /// static_ (transactions, the default) or stream (span v2 batches); SENTRY_TRACE_LIFECYCLE
  /// ("static" / "stream") when left at the default.
  ::sentry_trace::trace_lifecycle trace_lifecycle = ::sentry_trace::trace_lifecycle::static_;
  /// "": SENTRY_SPOTLIGHT; "true"/"1"/"yes"/"on"...: http://localhost:8969/stream;
  /// "false"/"0"/"no"/"off"...: off; anything else: the sidecar URL (PROTOCOL.md §13).
  std::string_view spotlight{};
  /// Sees every error and message event before it is written; may edit it or drop it (false:
  /// counted as before_send / error). See face/event_options.hpp for what can be edited.
  before_send_hook before_send{};
  /// Sees every transaction before it is written; may rename it, add tags, or drop it (false:
  /// counted as before_send for the transaction and each of its spans). Neither this nor
  /// ignore_transactions applies to streamed spans (trace_lifecycle::stream), as @sentry/core
  /// ignores both there.
  before_send_transaction_hook before_send_transaction{};
  /// Transactions whose name contains one of these (case-sensitive substring, as @sentry/core's
  /// stringMatchesSomePattern with string patterns; there are no regular expressions) are not
  /// sent: counted as event_processor for the transaction and its spans, as @sentry/core's
  /// eventFilters integration drops them. Checked before before_send_transaction, against the
  /// name the root ended with. An empty pattern matches every name. Copied by init(): at most 8
  /// patterns and 256 bytes in all (a microcontroller's RAM; the usual list is a few health
  /// checks).
  const std::string_view* ignore_transactions = nullptr;
  std::size_t ignore_transaction_count = 0;

  // Profiling (Linux on x86-64 and AArch64; elsewhere these do nothing, and debug mode says so).
  // Two models, as Sentry's SDKs have them; when both are set, the first wins and a warning says so.
  /// Transaction profiling: each sampled root is profiled with this probability (0 to 1) and
  /// its envelope carries a `profile` item (sample format v1, at most 30 s). unset: off.
  double profiles_sample_rate = unset;
  /// Transaction profiling: decides per sampled root instead of profiles_sample_rate (as
  /// sentry_sdk's profiles_sampler), with the root's sampling context.
  traces_sampler_fn profiles_sampler{};
  /// Continuous profiling: this process's profiler session runs with this probability (drawn
  /// once, at init()) and sends `profile_chunk` items (format v2, at most 60 s each). unset: off.
  double profile_session_sample_rate = unset;
  ::sentry_trace::profile_lifecycle profile_lifecycle = ::sentry_trace::profile_lifecycle::manual;
  /// Samples per second of each registered thread (the thread that calls init() and those that
  /// call register_profiled_thread()). 101 by default, as the SDKs: off the beat of 100 Hz timers.
  std::uint32_t profiler_frequency_hz = 101;
  /// capture_message() events carry the calling thread's stack trace too (capture_exception()'s
  /// always do, where profiling_supported), as the SDKs' attachStacktrace / attach_stacktrace.
  bool attach_stacktrace = false;
  /// Images whose frames are in_app besides the main executable: a frame's module path that
  /// contains one of these (e.g. "libgame"). Read during init() only.
  const std::string_view* in_app_include = nullptr;
  std::size_t in_app_include_count = 0;
};

/// Starts (or restarts) tracing. Returns false, logs why, and leaves tracing off on bad
/// options. A second call shuts the first down cleanly (flushing with a 0 ms timeout) and
/// starts over; spans of the first remain valid no-op handles.
bool init(const options& opts) noexcept;
/// Sends pending client reports (they also leave every 60 s by themselves: from the worker,
/// from poll(), or after the next envelope) and waits up to `timeout_ms` for the transport; true when
/// everything was delivered (also true when tracing is off: nothing is pending).
bool flush(std::uint32_t timeout_ms) noexcept;
/// Counts in-flight transactions as dropped, flushes, and turns tracing off. Later calls are
/// no-ops until the next init(). Returns what flush() returned.
bool shutdown(std::uint32_t timeout_ms) noexcept;
/// True between a successful init() and shutdown().
bool is_enabled() noexcept;
/// options.send_default_pii of the running init() (as sentry_sdk's should_send_default_pii());
/// false before init() and after shutdown().
bool should_send_default_pii() noexcept;
/// Counters of what was cut or dropped since init().
stats get_stats() noexcept;

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_OPTIONS_HPP

// end of part: include/sentry_trace/face/options.hpp

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// Flags a span_ref carries beyond span_ref's public ones.
constexpr std::uint8_t ref_root = span_ref::root;
constexpr std::uint8_t ref_overflow = span_ref::overflow;
/// Not recorded because tracing is off here (no rate, no sampler): nothing to count.
constexpr std::uint8_t ref_unrecorded_by_choice = 64;
/// Dropped: its parent's transaction had ended (or its parent was itself dropped). It stands in
/// the stack like any span, so that everything started under it is dropped and counted with it
/// instead of starting a new transaction.
constexpr std::uint8_t ref_dropped = 128;
/// span_ref::links: block/generation name the transaction of a span that records nothing itself.
constexpr std::uint8_t ref_in_block = 1;
/// span_ref::links: segment_block/segment_generation name the span's streaming segment.
constexpr std::uint8_t ref_segment_link = 2;
/// span_ref::links: sample_rate_ppm holds the rate that decided (a root that records nothing).
constexpr std::uint8_t ref_rate_known = 4;
/// span_ref::links: the span's trace came in through continue_trace(): its DSC is the caller's,
/// which only that scope (or the transaction's block) holds.
constexpr std::uint8_t ref_continued = 8;

/// Every member starts as zero (false, nullptr, 0), so g_tracer lands in .bss and costs no
/// initial values in flash. The option copies below (send_client_reports, traces_sample_rate,
/// max_spans, ...) are meaningless until init() has set them all; they are read only while
/// `enabled` is true (or, for send_client_reports, once `mem` is set by init()).
struct tracer {
  bool enabled = false;
  std::uint16_t epoch = 0;
  bool debug = false;
  bool send_client_reports = false;       ///< set by init() from options (default true there)
  bool stream = false;                    ///< options.trace_lifecycle == stream
  bool has_dsn = false;
  double traces_sample_rate = 0.0;        ///< set by init(); options::unset (negative) when none
  std::uint16_t max_spans = 0;            ///< set by init(): options.max_spans capped
  traces_sampler_fn sampler{};
  log_hook log{};
  clock_hook clock{};
  wall_clock_hook wall_clock{};
  lock_hook lock{};
  ::sentry_trace::transport* sink = nullptr;
  ::sentry_trace::storage* mem = nullptr;
  time_anchor anchor{};                   ///< set by init(): the wall clock and the first rate
  bool span_clock_is_counter = false;     ///< set by init(): spans read the cycle counter (clock.hpp)
  ::sentry_trace::dsn parsed_dsn{};
  atomic<std::uint32_t> block_hint{0};
  char dsn_text[512] = {};
  char release[201] = {};
  char environment[65] = {};
  char server_name[256] = {};
  char org_id[21] = {};
  bool propagate_traceparent = false;
  bool send_default_pii = false;
  bool targets_set = false;
  std::size_t target_count = 0;
  std::string_view targets[16] = {};
  char target_text[1024] = {};
  before_send_hook before_send{};
  before_send_transaction_hook before_send_transaction{};
  std::size_t ignore_count = 0;          ///< options.ignore_transactions, copied by init()
  std::string_view ignore[8] = {};       ///< few: RAM on a microcontroller (8 x 16 + 256 bytes)
  char ignore_text[256] = {};

  std::uint64_t now_ns() const noexcept { return clock.now_ns(clock.user); }
  /// The span clock (clock.hpp): the cycle counter read inline, or the clock hook.
  std::uint64_t span_now() const noexcept {
#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
    if (span_clock_is_counter) return read_cycle_counter();
#endif
    return now_ns();
  }
  /// A span-clock reading as monotonic nanoseconds, converted through a pair read now, so that
  /// only the time since `tick` carries the rate's error: for comparing a reading with a time
  /// the user gave (span::end(at)). Off the span path's common case.
  std::uint64_t tick_to_mono_ns(std::uint64_t tick) const noexcept {
#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
    if (span_clock_is_counter) {
      const std::uint64_t now_ticks = read_cycle_counter();
      const std::uint64_t ns = now_ns();
      return tick <= now_ticks ? ns - anchor.ns_of(now_ticks - tick) : ns + anchor.ns_of(tick - now_ticks);
    }
#endif
    return tick;
  }
  /// The anchor a serialization converts span ticks with: refreshed for the counter.
  time_anchor serialization_anchor() const noexcept {
#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
    if (span_clock_is_counter) return refreshed_anchor(anchor);
#endif
    return anchor;
  }
  std::int64_t epoch_us() const noexcept { return wall_clock.now_epoch_us ? wall_clock.now_epoch_us(wall_clock.user) : 0; }
};
// Constant-initialized and trivially destructible (the sampler is trivially copyable), so it
// costs no start-up or exit-time code in any translation unit, and outlives every user object.
inline tracer g_tracer{};
static_assert(std::is_trivially_destructible_v<tracer>, "the tracer must need no exit-time code");

/// What a diagnostic says: its sentence, or with SENTRY_TRACE_LOG_TEXT=0 only the line of the
/// call that made it (__builtin_LINE() in a default argument is the caller's line). The sentence
/// is then never read, so the optimizer drops the literal from the image.
struct log_text {
#if SENTRY_TRACE_LOG_TEXT
  constexpr log_text(const char* t) noexcept : text(t) {}  // NOLINT: literals convert implicitly
  const char* text;
#else
  constexpr log_text(const char*, unsigned at = __builtin_LINE()) noexcept : line(at) {}  // NOLINT
  unsigned line;
#endif
};

/// Formats a diagnostic into a stack buffer and hands it to the log hook: `a` + `b` + `c`, or
/// with SENTRY_TRACE_LOG_TEXT=0 "#<line of a>" and " " + `b` when there is one (`c` is text too).
SENTRY_TRACE_DETAIL_COLD inline void log_line(log_level level, log_text a, std::string_view b = {}, const char* c = "") noexcept {
  const tracer& t = g_tracer;
  if (!t.log.write || (level == log_level::debug && !t.debug)) return;
  char line[512];
  std::size_t n = 0;
  auto add = [&](std::string_view s) {
    for (char ch : s) {
      if (n + 1 >= sizeof(line)) break;
      // Keep log lines single-line and printable whatever the input held.
      line[n++] = (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ? '?' : ch;
    }
  };
#if SENTRY_TRACE_LOG_TEXT
  add(a.text ? std::string_view(a.text) : std::string_view());
  add(b);
  add(c ? std::string_view(c) : std::string_view());
#else
  (void)c;
  char digits[12];
  std::size_t d = sizeof(digits);
  unsigned v = a.line;
  do digits[--d] = static_cast<char>('0' + v % 10u); while ((v /= 10u) != 0);
  digits[--d] = '#';
  add(std::string_view(digits + d, sizeof(digits) - d));
  if (!b.empty()) {
    add(" ");
    add(b);
  }
#endif
  line[n] = '\0';
  t.log.write(level, line, t.log.user);
}

/// Holds the envelope lock (the hook's, or none) for a scope.
class envelope_lock {
 public:
  explicit envelope_lock(const lock_hook& h) noexcept : h_(h) {
    if (h_.lock) h_.lock(h_.user);
  }
  ~envelope_lock() {
    if (h_.unlock) h_.unlock(h_.user);
  }
  envelope_lock(const envelope_lock&) = delete;
  envelope_lock& operator=(const envelope_lock&) = delete;

 private:
  lock_hook h_;
};

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_STATE_HPP

// end of part: include/sentry_trace/core/state.hpp

// =================================================================================================
// part: include/sentry_trace/core/scopes.hpp
// =================================================================================================

// sentry_trace/core/scopes.hpp -- each thread's stack of active spans
//
// WHAT IT DOES  The stacks of active spans (g_scopes, one per tracing thread, in static storage),
//               how a thread takes one and gives it back at exit, and push/pop of entries.
// THREADS       init() and shutdown() must not run while another thread uses the API. Everything
//               else is thread-safe. A span handle may be ended on any thread at any time, also
//               after the thread that made it active has exited: each thread's stack of active
//               spans lives in static storage (g_scopes), and an exiting thread gives its stack
//               back; an entry still active then (a span handed over, not ended yet) keeps that
//               stack from being taken by another thread until the span ends. A span dropped
//               because its parent's transaction had ended stays in its thread's stack, so what
//               starts under it is dropped and counted with it, never made a new transaction.
// FORK          (hosted POSIX, threads on) The child of fork() keeps tracing without a new
//               init(), with ids of its own and an empty queue; what was in flight stays the
//               parent's. See "fork()" below. With SENTRY_TRACE_THREADS=0 the child must call
//               init() again (no pthread_atfork there), or it repeats the parent's ids.

#ifndef SENTRY_TRACE_CORE_SCOPES_HPP
#define SENTRY_TRACE_CORE_SCOPES_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

// Where threads can be seen exiting (hosted POSIX with threads), an exiting thread gives its
// stack of active spans back (return_at_thread_exit).
#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS && (defined(__unix__) || defined(__APPLE__))
#  define SENTRY_TRACE_DETAIL_THREAD_EXIT 1
#  include <pthread.h>
#else
#  define SENTRY_TRACE_DETAIL_THREAD_EXIT 0
#endif

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// One active span on a thread's stack.
struct stack_entry {
  /// The token of the push that made the span active; 0 once it has ended, by whichever
  /// thread ended it. The only field another thread writes.
  atomic<std::uint64_t> token{0};
  /// Unrecorded children started under it on its thread, counted when the entry leaves the
  /// stack (settle_entry). Read and written by the owning thread only.
  std::uint32_t unrecorded_children = 0;
  span_ref ref{};
};

/// Each thread's room for propagation text: a baggage object to parse an incoming DSC into, and
/// the outgoing `baggage` value get_trace_headers() returns a view of (valid until that thread's
/// next get_trace_headers() or inject()). Per thread, so no call puts 17 KiB on the stack and
/// none waits for another; in the thread's scope, so only threads that trace pay for it. The
/// baggage is constructed in place on first use (its constructor is not constant), so the
/// scopes stay zero-initialized static storage.
struct propagation_scratch {
  alignas(baggage) unsigned char bag_space[sizeof(baggage)];
  bool bag_ready;
  char header[SENTRY_TRACE_MAX_BAGGAGE];
  baggage& bag() noexcept {
    if (!bag_ready) {
      new (bag_space) baggage();
      bag_ready = true;
    }
    return *std::launder(reinterpret_cast<baggage*>(bag_space));
  }
};

/// A thread's stack of active spans. Scopes live in static storage (g_scopes), not in
/// thread_local memory, so a handle that ends its span from another thread, after the thread
/// that made it active has exited, still writes to memory that exists. A thread takes a free
/// scope when it first makes a span active and gives it back when it exits; a scope with an
/// entry still active (a span handed to another thread and not ended yet) is taken by no
/// other thread until that span ends.
struct thread_scope {
  atomic<std::uint8_t> taken{0};
  std::uint16_t suppressed = 0;  ///< owner thread only: suppress_tracing() calls open on this thread
  std::uint32_t depth = 0;   ///< owner thread only
  std::uint64_t pushes = 0;  ///< owner thread only; never reset, so every entry's token is new
  stack_entry entries[SENTRY_TRACE_MAX_DEPTH]{};
  propagation_scratch scratch{};  ///< owner thread only
};
/// Constant-initialized (zero: .bss), so untouched scopes cost no RAM on a hosted system.
inline thread_scope g_scopes[SENTRY_TRACE_MAX_THREADS];
/// This thread's scope, or nullptr before its first active span. A pointer, constant-
/// initialized, so reading it costs no TLS init function or guard on the span path.
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL thread_scope* tl_scope = nullptr;

// ---- the active-span stacks -----------------------------------------------------------------

/// Counts `n` unrecorded items (spans, or a transaction) of a trace with the reference flags
/// `flags`: not at all when tracing was off by choice (nothing was meant to be sent), else by
/// why nothing was recorded. The one place that rule lives.
inline void count_unrecorded(std::uint8_t flags, data_category category, std::uint32_t n) noexcept {
  if (n == 0 || (flags & (span_ref::deferred | ref_unrecorded_by_choice)) != 0) return;
  g_outcomes.record((flags & ref_overflow) ? discard_reason::buffer_overflow : discard_reason::sample_rate, category, n);
}
inline void count_unrecorded_spans(std::uint8_t flags, std::uint32_t n) noexcept {
  count_unrecorded(flags, data_category::span, n);
}

/// An entry leaves its thread's stack: its unrecorded children are counted now (owner thread).
inline void settle_entry(stack_entry& e, std::uint16_t epoch) noexcept {
  if (e.ref.epoch == epoch) count_unrecorded_spans(e.ref.flags, e.unrecorded_children);
  e.unrecorded_children = 0;  // from before the last init(): that run's counts are gone
}

/// This thread's innermost entry that is still live, or nullptr. Entries ended elsewhere or
/// left from before a re-init are settled and popped on the way. Out of line: inlined into the
/// end of a span it costs that path more than the call (callee-saved registers; bench/callgrind.sh).
SENTRY_TRACE_DETAIL_OUT_OF_LINE inline stack_entry* settle_stack() noexcept {
  thread_scope* s = tl_scope;
  if (!s) return nullptr;
  const std::uint16_t epoch = g_tracer.epoch;
  while (s->depth > 0) {
    stack_entry& e = s->entries[s->depth - 1];
    if (e.token.load(order_acquire) != 0 && e.ref.epoch == epoch) return &e;
    settle_entry(e, epoch);
    --s->depth;
  }
  return nullptr;
}

/// This thread's innermost span that is still active, or nullptr (settle_stack()). A live entry
/// that names no span (with_active_span(nullptr, ...), start_new_trace) hides the spans below
/// it: nullptr.
inline stack_entry* current_entry() noexcept {
  stack_entry* e = settle_stack();
  return e && e->ref.is_valid() ? e : nullptr;
}

/// The reference of an entry that names no span, of this run. Its links say ref_in_block, though
/// it names no block (no flag is set), so that the span path's test for an unrecorded parent
/// (start_span_impl) passes it by at no cost; nothing else reads it, as current_entry() never
/// returns it.
inline span_ref no_span_entry_ref() noexcept {
  span_ref none;
  none.epoch = g_tracer.epoch;
  none.links = ref_in_block;
  return none;
}

/// True when no entry of `s` is still active in this run: a scope left by an exited thread
/// may be taken only then, so a handle ending late never meets another thread's entry.
inline bool scope_is_free(const thread_scope& s, std::uint16_t epoch) noexcept {
  for (const stack_entry& e : s.entries)
    if (e.token.load(order_acquire) != 0 && e.ref.epoch == epoch) return false;
  return true;
}

/// Gives scope `s` back when its thread exits: its entries' unrecorded children are counted,
/// and spans still active on it stay valid (their handles may end them from any thread; until
/// then the scope is not taken again).
inline void return_thread_scope(thread_scope* s) noexcept {
  const std::uint16_t epoch = g_tracer.epoch;
  for (std::uint32_t i = 0; i < s->depth; ++i) settle_entry(s->entries[i], epoch);
  s->depth = 0;
  s->taken.store(0, order_release);
}

#if SENTRY_TRACE_DETAIL_THREAD_EXIT
/// Thread exit is seen through a pthread key's destructor: registering one costs no allocation
/// (a thread_local destructor's registration mallocs), and it runs after the thread's
/// thread_local destructors, which may still end spans.
inline pthread_key_t g_scope_key;
inline pthread_once_t g_scope_key_once = PTHREAD_ONCE_INIT;
inline bool g_scope_key_made = false;
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL bool tl_scope_returned = false;
inline void scope_key_destructor(void* scope) noexcept {
  tl_scope_returned = true;  // key destructors that run later make no span active here
  tl_scope = nullptr;
  return_thread_scope(static_cast<thread_scope*>(scope));
}
inline void make_scope_key() noexcept { g_scope_key_made = ::pthread_key_create(&g_scope_key, &scope_key_destructor) == 0; }
/// Arranges for `s` to be given back when this thread exits.
inline void return_at_thread_exit(thread_scope& s) noexcept {
  ::pthread_once(&g_scope_key_once, &make_scope_key);
  if (g_scope_key_made) ::pthread_setspecific(g_scope_key, &s);
}
#else
/// No thread-exit hook (single-threaded, or threads without POSIX keys): a scope stays with the
/// thread that took it.
inline void return_at_thread_exit(thread_scope&) noexcept {}
#endif

/// Takes a free scope for this thread (its first active span); nullptr when every one of the
/// SENTRY_TRACE_MAX_THREADS is held by a live thread or by spans still active on an exited one.
inline thread_scope* take_thread_scope() noexcept {
#if SENTRY_TRACE_DETAIL_THREAD_EXIT
  if (tl_scope_returned) return nullptr;
#endif
  const std::uint16_t epoch = g_tracer.epoch;
  for (thread_scope& s : g_scopes) {
    std::uint8_t expected = 0;
    if (s.taken.load(order_relaxed) != 0 || !s.taken.compare_exchange_strong(expected, 1, order_acquire, order_relaxed))
      continue;
    if (!scope_is_free(s, epoch)) {
      s.taken.store(0, order_release);
      continue;
    }
    s.depth = 0;
    s.suppressed = 0;
    tl_scope = &s;
    return_at_thread_exit(s);
    return &s;
  }
  log_line(log_level::warning, "span not made active: more than SENTRY_TRACE_MAX_THREADS threads hold active spans");
  return nullptr;
}

/// This thread's propagation scratch (in its scope, taking one on first use); nullptr when no
/// scope is free.
inline propagation_scratch* this_thread_scratch() noexcept {
  thread_scope* s = tl_scope;
  if (!s) s = take_thread_scope();
  return s ? &s->scratch : nullptr;
}

/// True inside suppress_tracing() on this thread: spans record nothing, no headers go out.
inline bool tracing_suppressed() noexcept {
  const thread_scope* s = tl_scope;
  return s && s->suppressed != 0;
}

/// Pushes a new active span on this thread's stack: `fill(span_ref&)` writes its reference in
/// place (the child path writes it field by field, so no half-written copy is read back whole).
/// Returns where it stands; depth 0 when the span cannot be made active.
template <class Fill> active_mark push_active(Fill&& fill) noexcept {
  thread_scope* s = tl_scope;
  if (!s) s = take_thread_scope();
  if (!s || s->depth >= SENTRY_TRACE_MAX_DEPTH) {
    g_outcomes.depth_overflows.fetch_add(1, order_relaxed);
    if (s) log_line(log_level::debug, "span not made active: SENTRY_TRACE_MAX_DEPTH reached");
    return active_mark{};
  }
  stack_entry& e = s->entries[s->depth];
  fill(e.ref);
  e.unrecorded_children = 0;
  const std::uint64_t token = ++s->pushes;
  e.token.store(token, order_release);
  return active_mark{s, token, static_cast<std::uint16_t>(++s->depth)};
}

/// Ends the active-stack entry of a span, from any thread: the entry is in static storage, so
/// this is safe even after its thread exited, and its token names this push only. Its own
/// thread settles and pops it.
/// On its own thread the token is cleared with a plain release store, no locked instruction:
/// only this handle holds the token, and only the owning thread ever writes a new one into the
/// entry, so between the check and the store no other thread can have changed it (a stale
/// handle's compare-and-swap names an older token and fails). Another thread must
/// compare-and-swap: the owner may meanwhile have popped the entry (a re-init) and pushed anew.
inline void pop_active(const active_mark& at) noexcept {
  if (!at.scope || at.depth == 0) return;
  auto* s = static_cast<thread_scope*>(at.scope);
  atomic<std::uint64_t>& token = s->entries[at.depth - 1].token;
  if (s == tl_scope) {
    if (token.load(order_relaxed) == at.token) token.store(0, order_release);
    settle_stack();  // its own thread: settle it (and ended ones above) now
    return;
  }
  std::uint64_t expected = at.token;
  token.compare_exchange_strong(expected, 0, order_acq_rel, order_relaxed);
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_SCOPES_HPP

// end of part: include/sentry_trace/core/scopes.hpp

// =================================================================================================
// part: include/sentry_trace/core/incoming.hpp
// =================================================================================================

// sentry_trace/core/incoming.hpp -- the trace continue_trace() received, for spans started in its scope
//
// WHAT IT DOES  incoming_context (what a continue_trace() scope holds, on its caller's stack) and
//               how its baggage is loaded where it is needed.

#ifndef SENTRY_TRACE_CORE_INCOMING_HPP
#define SENTRY_TRACE_CORE_INCOMING_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// What continue_trace() received, for the transactions started inside its callback. It lives
/// on continue_trace's stack (under 200 bytes); the thread-local pointer below marks the scope.
/// The baggage stays the caller's text, which is valid for the whole scope (continue_trace's
/// contract), and is parsed again where it is needed: into the block of a transaction started
/// in the scope, or the thread's scratch for headers and events (load_incoming_baggage). So no
/// 9 KiB parsed copy sits on the stack of every continued request.
struct incoming_context {
  bool continued = false;          ///< a valid sentry-trace (or traceparent) of an accepted org
  /// A start_new_trace() scope: its roots start the trace `parent.trace` (parent span id zero,
  /// no decision) with `sample_rand_micros`, as heads of that trace; nothing was received.
  bool fresh = false;
  bool had_sample_rate = false;    ///< the incoming DSC has a sentry-sample_rate
  std::uint8_t added_rand_len = 0;  ///< sample_rand drawn here because the DSC had none
  std::uint8_t added_rate_len = 0;  ///< sample_rate of the decision made here for a deferred trace
  trace_parent parent{};
  double parent_sample_rate = -1.0;  ///< the incoming sentry-sample_rate, negative when none
  std::uint32_t sample_rand_micros = 0;
  std::string_view baggage_text{};  ///< the caller's `baggage` value
  char added_rand[8] = {};
  char added_rate[32] = {};
  incoming_context* previous = nullptr;

  /// True when the scope names the trace its transactions join (continued) or start (fresh).
  bool has_trace() const noexcept { return continued || fresh; }
};
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL incoming_context* tl_incoming = nullptr;

/// The incoming DSC and third-party members of `in`, as its scope propagates them: the caller's
/// baggage parsed into `out`, then what this service added (sample_rand, sample_rate).
inline void load_incoming_baggage(const incoming_context& in, baggage& out) noexcept {
  out.clear();
  out.parse(in.baggage_text);
  if (in.added_rand_len) out.set_sentry("sample_rand", std::string_view(in.added_rand, in.added_rand_len));
  if (in.added_rate_len) out.set_sentry("sample_rate", std::string_view(in.added_rate, in.added_rate_len));
}

/// Only the third-party members of the caller's baggage in `in` (none without a scope), for a
/// trace that starts here: its own DSC replaces the caller's.
inline void load_third_party_baggage(const incoming_context* in, baggage& out) noexcept {
  out.clear();
  if (!in || in->baggage_text.empty()) return;
  out.parse(in->baggage_text);
  out.clear_sentry_members();
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_INCOMING_HPP

// end of part: include/sentry_trace/core/incoming.hpp

// =================================================================================================
// part: include/sentry_trace/delivery/handoff.hpp
// =================================================================================================

// sentry_trace/delivery/handoff.hpp -- finished transactions waiting to be written, and the thread that writes them
//
// WHAT IT DOES  A bounded queue of transaction blocks whose root has ended, and the worker thread
//               that takes them one at a time and hands each to the writer it was started with
//               (dispatch.hpp's: write the envelope, send it, give the block back). Where there is
//               no thread (SENTRY_TRACE_THREADS=0, or the built-in transport in poll mode),
//               poll(), flush() and shutdown() take the queued blocks themselves (take_and_write).
// OWNERSHIP     A queued block is held by its root's open count, which the entry carries: no
//               other span's close can free the block while it waits. Whoever pops an entry owns
//               it until the writer has returned; the writer gives the root's count back, and the
//               last count out frees the block. An entry is in the ring or with one popper, never
//               both: pop and the `writing` count change under one lock hold.
// LOCKS         One mutex, held only to push or pop an entry and to read the counts: never while
//               an envelope is written or sent, so a root's end() waits for a push at most.
// WAKING        Waking a sleeping thread is a system call that costs the caller microseconds,
//               more than the push. So the worker, once it has emptied the queue, naps: it looks
//               again every nap_ms for naps_before_sleep naps, and a push meanwhile wakes nobody.
//               Only then does it sleep until woken, and only a push that finds it so (or the
//               queue half full) pays for the wake. A program that ends a root every frame never
//               pays it; an idle one costs no wake-ups after naps_before_sleep naps.
// DOES NOT      decide whether a block is handed off (dispatch.hpp does), or count anything lost.
// FORK          forget_after_fork() gives a fork()'s child a fresh, empty queue without touching
//               the parent's locks or thread; the caller frees the blocks.

#ifndef SENTRY_TRACE_DELIVERY_HANDOFF_HPP
#define SENTRY_TRACE_DELIVERY_HANDOFF_HPP

// =================================================================================================
// part: include/sentry_trace/delivery/worker_thread.hpp
// =================================================================================================

// sentry_trace/delivery/worker_thread.hpp -- starting a library thread, and returning once it runs
//
// WHAT IT DOES  start_worker_thread(t, body) starts `body` on a new std::thread held in `t` and
//               returns only when the thread has begun to run `body`. A new thread's start-up
//               allocates (std::thread's state, and in the C library or a sanitizer's runtime
//               its own bookkeeping) on the new thread, after pthread_create has returned. A
//               fork() that lands in that window copies an allocator lock held by a thread the
//               child will not have; an allocator without fork handlers (the AddressSanitizer
//               runtime of GCC 12 and Clang 14, among others) then deadlocks the child at its next
//               allocation. Waiting here keeps the window inside init(): once init() has
//               returned, the library's threads never touch the heap, so a program that forks
//               after init() forks with none of them in an allocator.
// DOES NOT      cover the resolver threads (transport_http.hpp), which look a name up while the
//               program runs and are detached; a host given as an IP literal never starts one.
// ERRORS        false when the thread cannot be created (std::system_error with exceptions on;
//               without exceptions a failed std::thread constructor ends the program, as the
//               standard library does).

#ifndef SENTRY_TRACE_DELIVERY_WORKER_THREAD_HPP
#define SENTRY_TRACE_DELIVERY_WORKER_THREAD_HPP

#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS
#  include <atomic>
#  include <thread>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

template <class Body> bool start_worker_thread(std::thread& t, Body body) noexcept {
  // The new thread's first act, and its last touch of `running`: this frame may be gone after.
  std::atomic<bool> running{false};
  auto run = [&running, body]() mutable {
    running.store(true, std::memory_order_release);
    body();
  };
#  if SENTRY_TRACE_EXCEPTIONS
  try {
    t = std::thread(run);
  } catch (...) {
    return false;
  }
#  else
  t = std::thread(run);
#  endif
  while (!running.load(std::memory_order_acquire)) std::this_thread::yield();
  return true;
}

}  // namespace detail
SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS
#endif  // SENTRY_TRACE_DELIVERY_WORKER_THREAD_HPP

// end of part: include/sentry_trace/delivery/worker_thread.hpp

#include <cstddef>
#include <cstdint>
#include <new>
#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS
#  include <chrono>
#  include <condition_variable>
#  include <mutex>
#  include <thread>
#endif

#if SENTRY_TRACE_HOSTED && SENTRY_TRACE_THREADS
#  define SENTRY_TRACE_DETAIL_HANDOFF_WORKER 1
#else
#  define SENTRY_TRACE_DETAIL_HANDOFF_WORKER 0
#endif

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// A root that has ended: its block, and the slots handed out when it closed (what the writer
/// may read).
struct handoff_entry {
  transaction_block* block = nullptr;
  std::uint32_t handed_out = 0;
};

/// Writes one entry's envelope, sends it and gives the root's open count back.
using handoff_writer = void (*)(const handoff_entry&) noexcept;

/// Who empties the queue.
enum class handoff_mode : std::uint8_t {
  off,     ///< nothing is queued: every root is written by the thread that ends it
  worker,  ///< the worker thread
  poll     ///< poll(), flush() and shutdown()
};

/// The queue and its worker. One in static storage (g_handoff); every member starts as zero.
class handoff_queue {
 public:
  /// One entry per block at most: a block is queued once per root.
  static constexpr std::size_t capacity = SENTRY_TRACE_MAX_TRANSACTIONS;
  /// How long the worker naps between looks at an empty queue, and how many naps it takes
  /// before it sleeps until woken (see WAKING above): at most nap_ms of delay before a root is
  /// written, about a quarter of a second of naps after the last one.
  static constexpr std::uint32_t nap_ms = 4;
  static constexpr std::uint32_t naps_before_sleep = 64;

  /// Starts taking entries in `mode`; worker mode starts the thread (false when it cannot be
  /// created: nothing is accepted then). Called by init() while no other thread uses the API.
  bool start(handoff_mode mode, handoff_writer writer) noexcept {
    stop();  // left running by an init() that failed after starting it
    writer_ = writer;
    head_ = count_ = writing_ = 0;
    wakes_ = 0;
    worker_asleep_ = false;
    stopping_ = false;
    restart_after_fork_ = false;
    mode_ = handoff_mode::off;
    if (mode == handoff_mode::off) return true;
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    if (!sync_made_) {
      new (&sync()) sync_objects();
      sync_made_ = true;
    }
    if (mode == handoff_mode::worker && !start_thread()) return false;
#else
    if (mode == handoff_mode::worker) return false;
#endif
    mode_ = mode;
    return true;
  }

  handoff_mode mode() const noexcept { return mode_; }

  /// Queues `e`; false when the queue is full or not taking entries (the caller then writes it).
  bool push(const handoff_entry& e) noexcept {
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    if (mode_ == handoff_mode::off) return false;
    bool wake;
    {
      std::lock_guard<std::mutex> lk(sync().mu);
      if (restart_after_fork_) restart_locked();
      if (!push_locked(e)) return false;
      wake = mode_ == handoff_mode::worker && (worker_asleep_ || count_ * 2 >= capacity);
      if (wake) ++wakes_;
    }
    if (wake) sync().work.notify_one();
    return true;
#else
    return mode_ != handoff_mode::off && push_locked(e);
#endif
  }

  /// Takes one queued entry and writes it on this thread; false when none was queued.
  bool take_and_write() noexcept {
    handoff_entry e;
    {
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
      if (mode_ == handoff_mode::off) return false;
      std::lock_guard<std::mutex> lk(sync().mu);
#endif
      if (!pop_locked(e)) return false;
    }
    write(e);
    return true;
  }

  /// Entries queued or being written.
  std::size_t pending() const noexcept {
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    if (mode_ == handoff_mode::off) return 0;
    std::lock_guard<std::mutex> lk(sync().mu);
#endif
    return count_ + writing_;
  }

  /// How many pushes have woken the worker (tests: a push to a napping worker wakes nobody).
  std::uint64_t wakes() const noexcept {
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    if (mode_ == handoff_mode::off) return 0;
    std::lock_guard<std::mutex> lk(sync().mu);
#endif
    return wakes_;
  }

  /// Until nothing is queued or being written, or `timeout_ms` has passed: writes queued
  /// entries on this thread, then waits for the one the worker is writing. True when
  /// everything was written.
  bool drain(std::uint32_t timeout_ms) noexcept {
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      while (take_and_write()) {
      }
      if (mode_ == handoff_mode::off) return true;
      std::unique_lock<std::mutex> lk(sync().mu);
      if (count_ + writing_ == 0) return true;
      if (count_ != 0) continue;  // queued since: take it too
      if (sync().idle.wait_until(lk, deadline) == std::cv_status::timeout) return count_ + writing_ == 0;
    }
#else
    static_cast<void>(timeout_ms);
    while (take_and_write()) {
    }
    return true;
#endif
  }

  /// Stops taking entries, lets the worker write what is queued and joins it, then writes what
  /// is left on this thread. Called by shutdown() and init() while no other thread uses the API.
  void stop() noexcept {
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    if (mode_ == handoff_mode::off) return;
    {
      std::lock_guard<std::mutex> lk(sync().mu);
      stopping_ = true;
    }
    sync().work.notify_all();
    if (sync().thread.joinable()) sync().thread.join();
#endif
    while (take_and_write()) {
    }
    mode_ = handoff_mode::off;
  }

  /// In a fork()'s child (its only thread): the parent's worker does not exist here and its
  /// entries are the parent's to write. Empties the queue and makes fresh lock and condition
  /// objects over the copies (another thread may have held the lock at the fork); no join, no
  /// unlock. A worker-mode queue starts a thread of its own at the child's next push.
  void forget_after_fork() noexcept {
    head_ = count_ = writing_ = 0;
    worker_asleep_ = false;  // the child's worker, when started, begins by napping
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    if (sync_made_) new (&sync()) sync_objects();  // an empty thread handle: nothing to join
    restart_after_fork_ = mode_ == handoff_mode::worker;
#endif
  }

 private:
  bool push_locked(const handoff_entry& e) noexcept {
    if (stopping_ || count_ == capacity) return false;
    ring_[(head_ + count_) % capacity] = e;
    ++count_;
    return true;
  }

  /// Pops the oldest entry; from here until write() returns, it counts as being written.
  bool pop_locked(handoff_entry& e) noexcept {
    if (count_ == 0) return false;
    e = ring_[head_];
    head_ = (head_ + 1) % capacity;
    --count_;
    ++writing_;
    return true;
  }

  void write(const handoff_entry& e) noexcept {
    writer_(e);
#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
    {
      std::lock_guard<std::mutex> lk(sync().mu);
      --writing_;
    }
    sync().idle.notify_all();
#else
    --writing_;
#endif
  }

#if SENTRY_TRACE_DETAIL_HANDOFF_WORKER
  struct sync_objects {
    std::mutex mu;
    std::condition_variable work;  ///< the worker: an entry was queued, or stop
    std::condition_variable idle;  ///< drain(): an entry was written
    std::thread thread;
  };
  // Built in place on first use and never destroyed: a program may end without shutdown(), and
  // a joinable std::thread destroyed at exit would terminate it.
  sync_objects& sync() const noexcept { return *std::launder(reinterpret_cast<sync_objects*>(sync_space_)); }

  bool start_thread() noexcept {
    return start_worker_thread(sync().thread, [this] { run(); });
  }

  /// The child of a fork pushes its first entry: the worker it lost is started again, or the
  /// queue stops taking entries (they are then written by the threads that end them).
  void restart_locked() noexcept {
    restart_after_fork_ = false;
    if (!start_thread()) stopping_ = true;
  }

  void run() noexcept {
    std::unique_lock<std::mutex> lk(sync().mu);
    std::uint32_t naps = 0;
    for (;;) {
      handoff_entry e;
      if (pop_locked(e)) {
        lk.unlock();
        write(e);
        lk.lock();
        naps = 0;
        continue;
      }
      if (stopping_) return;
      if (naps < naps_before_sleep) {
        ++naps;
        sync().work.wait_for(lk, std::chrono::milliseconds(nap_ms));
        continue;
      }
      worker_asleep_ = true;  // from here a push must wake it
      sync().work.wait(lk);
      worker_asleep_ = false;
      naps = 0;
    }
  }

  // Every member has an initializer, so that g_handoff is constant-initialized: no start-up
  // code and no guard variable.
  alignas(sync_objects) mutable unsigned char sync_space_[sizeof(sync_objects)] = {};
  bool sync_made_ = false;
#endif
  handoff_entry ring_[capacity] = {};
  std::size_t head_ = 0;
  std::size_t count_ = 0;    ///< entries in ring_
  std::size_t writing_ = 0;  ///< entries popped and not yet written
  std::uint64_t wakes_ = 0;  ///< pushes that woke the worker
  bool worker_asleep_ = false;   ///< the worker waits untimed: only a push's wake brings it back
  handoff_writer writer_ = nullptr;
  handoff_mode mode_ = handoff_mode::off;
  bool stopping_ = false;
  bool restart_after_fork_ = false;
};

inline handoff_queue g_handoff{};

}  // namespace detail
SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_DELIVERY_HANDOFF_HPP

// end of part: include/sentry_trace/delivery/handoff.hpp

// =================================================================================================
// part: include/sentry_trace/delivery/dispatch.hpp
// =================================================================================================

// sentry_trace/delivery/dispatch.hpp -- handing finished transactions and client reports to the transport
//
// WHAT IT DOES  The built-in HTTP transports (started by init(), in static storage), dispatch() of one
//               envelope, the periodic client report, and finishing a transaction: handing its
//               block to the handoff (handoff.hpp), or writing its envelope and freeing its
//               block on the thread that ended it when there is no handoff or the pool is
//               nearly full (fewer than handoff_free_reserve free blocks). Before a transaction
//               is written, options.ignore_transactions and before_send_transaction decide
//               whether it goes (keep_transaction), under the envelope lock.

#ifndef SENTRY_TRACE_DELIVERY_DISPATCH_HPP
#define SENTRY_TRACE_DELIVERY_DISPATCH_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

// The periodic client report (defined below, where the envelope writers are).
inline void send_client_report_if_due_locked() noexcept;
inline void send_client_report_if_due() noexcept;

#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
/// The built-in transports, constructed in place by init() and destroyed by shutdown(). The
/// spaces are zero-initialized static storage (BSS): untouched pages of the queues cost no RAM.
struct builtin_delivery {
  alignas(http_transport) unsigned char main_space[sizeof(http_transport)];
  alignas(http_transport) unsigned char spotlight_space[sizeof(http_transport)];
  http_transport* main;
  http_transport* spotlight;
  bool restart_after_fork;  ///< a fork's child lost the workers: start its own at the next send
};
inline builtin_delivery g_builtin;
/// The sink for an https DSN in a build without TLS. A function's static rather than a member
/// of g_builtin, so that its vtable is emitted only where init() is, not in every TU.
inline transport* no_tls_sink() noexcept {
  static undeliverable_transport sink;
  return &sink;
}
/// The resolver the built-in transports use (nullptr: getaddrinfo). A seam for tests that need
/// a resolver that stops answering; programs leave it alone.
inline resolve_fn g_builtin_resolver = nullptr;
#endif

/// Flushes then stops and destroys the built-in transports, within `timeout_ms` in all;
/// true when everything they held was delivered.
inline bool stop_builtin(std::uint32_t timeout_ms) noexcept {
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  builtin_delivery& b = g_builtin;
  b.restart_after_fork = false;
  const std::uint64_t deadline = steady_now_ms() + timeout_ms;
  auto left = [&] {
    std::uint64_t now = steady_now_ms();
    return static_cast<std::uint32_t>(now < deadline ? deadline - now : 0);
  };
  bool ok = true;
  if (g_tracer.sink == no_tls_sink()) g_tracer.sink = nullptr;
  if (b.main) {
    if (g_tracer.sink == b.main) g_tracer.sink = nullptr;
    ok = b.main->stop(left()) && ok;
    b.main->~http_transport();
    b.main = nullptr;
  }
  if (b.spotlight) {
    ok = b.spotlight->stop(left()) && ok;
    b.spotlight->~http_transport();
    b.spotlight = nullptr;
  }
  return ok;
#else
  static_cast<void>(timeout_ms);
  return true;
#endif
}

#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
/// SENTRY_SPOTLIGHT-style value: empty, a truthy or falsy word (ASCII case-insensitive), or a URL.
enum class flag_value : std::uint8_t { unset, on, off, url };
inline flag_value classify_flag(std::string_view v) noexcept {
  if (v.empty()) return flag_value::unset;
  char low[8];
  if (v.size() >= sizeof(low)) return flag_value::url;
  for (std::size_t i = 0; i < v.size(); ++i) low[i] = (v[i] >= 'A' && v[i] <= 'Z') ? static_cast<char>(v[i] + 32) : v[i];
  std::string_view w(low, v.size());
  if (w == "true" || w == "t" || w == "y" || w == "yes" || w == "on" || w == "1") return flag_value::on;
  if (w == "false" || w == "f" || w == "n" || w == "no" || w == "off" || w == "0") return flag_value::off;
  return flag_value::url;
}
/// The Spotlight URL from the option and SENTRY_SPOTLIGHT (PROTOCOL.md §13), "" when off.
inline std::string_view resolve_spotlight(std::string_view option, std::string_view env) noexcept {
  constexpr std::string_view fallback = "http://localhost:8969/stream";
  const flag_value o = classify_flag(option), e = classify_flag(env);
  if (o == flag_value::url) return option;
  if (o == flag_value::off) return {};
  if (o == flag_value::on) return e == flag_value::url ? env : fallback;
  if (e == flag_value::url) return env;
  return e == flag_value::on ? fallback : std::string_view();
}

/// Builds the transports init() needs: the DSN's endpoint when there is a DSN and no
/// options.transport, and Spotlight's. Failures are logged; tracing goes on without them.
inline void start_builtin(const options& o, std::string_view spotlight_env) noexcept {
  tracer& t = g_tracer;
  builtin_delivery& b = g_builtin;
  http_transport_options h;
  h.use_worker = o.delivery == delivery_mode::worker;
  h.on_worker_tick = [](void*) { send_client_report_if_due(); };  // the background client reports
  h.gzip = o.http_compression;
  h.http.proxy = o.http_proxy;
  h.http.ca_file = o.ca_file;
  h.http.resolver = g_builtin_resolver;
  char url[1280];
  char auth[1024];
  if (!t.sink && t.has_dsn && !SENTRY_TRACE_WITH_MBEDTLS && iequals(t.parsed_dsn.scheme, "https")) {
    // Every SaaS DSN is https: this must not pass unnoticed. Tracing stays on (trace headers
    // still propagate), every envelope is counted as lost and flush()/shutdown() return false.
    log_line(log_level::error,
             "init: this build cannot send to an https DSN: every envelope will be dropped. Build with "
             "SENTRY_TRACE_WITH_MBEDTLS=1 and link mbedtls, mbedx509 and mbedcrypto, or use a DSN for a "
             "local Relay over http://");
    t.sink = no_tls_sink();
  }
  if (!t.sink && t.has_dsn) {
    if (dsn_endpoint(t.parsed_dsn, url, auth, h)) {
      b.main = new (b.main_space) http_transport;
      if (b.main->configure(h)) {
        if (!b.main->start() && h.use_worker)
          log_line(log_level::warning, "init: no worker thread for the HTTP transport; call sentry_trace::poll()");
        t.sink = b.main;
      } else {
        log_line(log_level::warning, "init: the built-in HTTP transport cannot send to ", h.url,
                 ": finished transactions are discarded");
        b.main->~http_transport();
        b.main = nullptr;
      }
    }
  }
  std::string_view spot = resolve_spotlight(o.spotlight, spotlight_env);
  if (!spot.empty()) {
    http_transport_options s = h;
    s.url = spot;
    s.auth_header = {};
    s.http.proxy = {};
    s.max_attempts = 1;      // a sidecar that is not running: drop at once, never hold up flush()
    s.count_losses = false;  // Spotlight's losses are not Sentry's outcomes
    s.on_worker_tick = nullptr;
    b.spotlight = new (b.spotlight_space) http_transport;
    if (b.spotlight->configure(s)) {
      b.spotlight->start();
      log_line(log_level::debug, "init: Spotlight on: ", spot);
    } else {
      log_line(log_level::warning, "init: Spotlight URL not usable: ", spot);
      b.spotlight->~http_transport();
      b.spotlight = nullptr;
    }
  }
}
#endif

inline envelope_context make_envelope_context() noexcept {
  const tracer& t = g_tracer;
  envelope_context c;
  c.public_key = t.has_dsn ? t.parsed_dsn.public_key : std::string_view();
  c.org_id = t.org_id;
  c.release = t.release;
  c.environment = t.environment;
  c.server_name = t.server_name;
  c.anchor = t.serialization_anchor();
  c.sent_at_epoch_us = t.epoch_us();
  c.host = &g_host;
  return c;
}

#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
/// A fork's child sends its first envelope: the built-in transports get workers of their own.
/// Runs under the envelope lock (every dispatch() does), so once.
inline void restart_builtin_after_fork() noexcept {
  builtin_delivery& b = g_builtin;
  b.restart_after_fork = false;
  if (b.main && !b.main->start()) log_line(log_level::warning, "after fork: no worker thread for the HTTP transport; call sentry_trace::poll()");
  if (b.spotlight) b.spotlight->start();
}
#endif

/// Hands one envelope to the transport; a throwing transport is contained and counted.
inline void dispatch(const envelope_view& e) noexcept {
  tracer& t = g_tracer;
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  if (g_builtin.restart_after_fork) restart_builtin_after_fork();
  if (g_builtin.spotlight) g_builtin.spotlight->send(e);  // a copy into its queue: never waits
#endif
  if (!t.sink) return;
#if SENTRY_TRACE_EXCEPTIONS
  try {
    t.sink->send(e);
  } catch (...) {
    transport::report_lost(e, discard_reason::internal_sdk_error);
    log_line(log_level::error, "the transport threw while sending an envelope; it was dropped");
    return;
  }
#else
  t.sink->send(e);
#endif
  g_outcomes.envelopes_sent.fetch_add(1, order_relaxed);
  if (e.is_client_report()) g_outcomes.client_reports_sent.fetch_add(1, order_relaxed);
  // A due client report follows this envelope (it reuses the envelope buffer, which is free
  // again now), except inside a run of span batches, whose writer still holds the buffer.
  if (!e.is_client_report() && e.span_items() == 0) send_client_report_if_due_locked();
}

/// Sends pending outcomes as a client report. Caller holds the envelope lock.
inline void send_client_report_locked() noexcept {
  tracer& t = g_tracer;
  if (!t.send_client_reports || !t.mem || !g_outcomes.any_pending()) return;
  envelope_context ctx = make_envelope_context();
  std::string_view bytes = write_client_report_envelope(t.mem->envelope, sizeof(t.mem->envelope), ctx);
  if (!bytes.empty()) dispatch(envelope_view(bytes, nullptr, true));
}

/// Client reports also leave on their own, at most once a minute, so that a program that never
/// flushes still reports its losses: @sentry/node-core sends them every 60 s
/// (DEFAULT_CLIENT_REPORT_FLUSH_INTERVAL_MS), sentry_sdk after an envelope once 60 s have
/// passed (_flush_client_reports). Measured on the tracer's clock (options.clock).
inline constexpr std::uint64_t client_report_interval_ns = 60ull * 1000 * 1000 * 1000;
/// When the next periodic client report is due (the tracer's clock); 0 while tracing is off.
/// init() stores it last (release) and shutdown() clears it first, so a reader that sees it
/// set (acquire) also sees the options init() wrote.
inline atomic<std::uint64_t> g_report_due_ns{0};

/// Sends the pending outcomes when the interval has passed. Caller holds the envelope lock.
inline void send_client_report_if_due_locked() noexcept {
  const std::uint64_t due = g_report_due_ns.load(order_acquire);
  if (due == 0) return;
  const std::uint64_t now = g_tracer.now_ns();
  if (now < due) return;
  g_report_due_ns.store(now + client_report_interval_ns, order_relaxed);
  send_client_report_locked();
}

/// The same from outside the envelope lock: the built-in worker (between deliveries) and
/// sentry_trace::poll() call it; it costs one atomic load and a clock read while not due.
inline void send_client_report_if_due() noexcept {
  const std::uint64_t due = g_report_due_ns.load(order_acquire);
  if (due == 0 || g_tracer.now_ns() < due) return;
  envelope_lock guard(g_tracer.lock);
  send_client_report_if_due_locked();
}

/// True when `name` contains one of options.ignore_transactions (@sentry/core's
/// stringMatchesSomePattern with string patterns: a case-sensitive substring).
inline bool is_ignored_transaction(const tracer& t, std::string_view name) noexcept {
  for (std::size_t i = 0; i < t.ignore_count; ++i)
    if (name.find(t.ignore[i]) != std::string_view::npos) return true;
  return false;
}

/// before_send_transaction's view of the transaction being written. Static rather than on the
/// writer's stack (about 300 bytes: a microcontroller's stack budget is 2 KiB); guarded by the
/// envelope lock, under which transactions are written one at a time.
inline transaction_event g_transaction_edit{};

/// Runs ignore_transactions and before_send_transaction (when either is set) on the
/// transaction in `b`; false when
/// it is dropped: the transaction and each span that ended (root included) are then counted
/// with the filter's reason (event_processor, before_send), spans that never ended as invalid
/// (as the writer would have). `edit` receives the hook's changes.
inline bool keep_transaction(const tracer& t, const transaction_block& b, std::uint32_t handed_out,
                             transaction_event& edit) noexcept {
  edit = transaction_event{};
  edit.name = transaction_name(b);
  std::uint32_t ended = 0, unfinished = 0;
  for (std::uint32_t slot = 1; slot < handed_out; ++slot)
    (b.spans[slot].state.load(order_acquire) == slot_ended ? ended : unfinished) += 1;
  edit.span_count = ended;
  discard_reason reason = discard_reason::event_processor;
  if (!is_ignored_transaction(t, edit.name)) {
    if (t.before_send_transaction.fn == nullptr || t.before_send_transaction.fn(edit, t.before_send_transaction.user))
      return true;
    reason = discard_reason::before_send;
  }
  log_line(log_level::debug, "a transaction was dropped (ignore_transactions or before_send_transaction): ", edit.name);
  g_outcomes.record_transaction(reason, ended + 1);
  g_outcomes.record(discard_reason::invalid, data_category::span, unfinished);
  return false;
}

/// Writes the envelope of the transaction in `e`, sends it, and gives back the root's open
/// count (the last one out frees the block). The handoff's writer; also called inline.
/// ignore_transactions and before_send_transaction run first (under the envelope lock, so the
/// hook never runs concurrently).
inline void write_transaction(const handoff_entry& e) noexcept {
  tracer& t = g_tracer;
  transaction_block& b = *e.block;
  {
    envelope_lock guard(t.lock);
    transaction_event& edit = g_transaction_edit;
    const bool filtered = t.ignore_count != 0 || t.before_send_transaction.fn != nullptr;
    if (!filtered || keep_transaction(t, b, e.handed_out, edit)) {
      envelope_context ctx = make_envelope_context();
      transaction_write w = write_transaction_envelope(t.mem->envelope, sizeof(t.mem->envelope), b, e.handed_out, ctx,
                                                       t.mem->envelope_slots, filtered ? &edit : nullptr);
      if (!w.bytes.empty()) {
        transaction_view view(&b, w.slots, w.spans_written + 1, ctx.anchor);
        dispatch(envelope_view(w.bytes, &view, false));
      } else {
        log_line(log_level::warning, "a transaction did not fit in SENTRY_TRACE_ENVELOPE_BYTES and was dropped");
      }
    }
  }
  if (b.close_one()) b.release();
}

/// Blocks left free for new roots before a root's end stops handing off: a queued block is
/// still in use, so a queue that outran its writer would otherwise leave new roots no block
/// (dropped as buffer_overflow) while their data could have been written at once.
inline constexpr std::uint32_t handoff_free_reserve = 2;

/// True when at least `n` blocks other than those in use are free to claim.
inline bool blocks_free_at_least(std::uint32_t n) noexcept {
  std::uint32_t found = 0;
  for (const transaction_block& b : g_tracer.mem->blocks) {
    if (found >= n) break;
    const std::uint64_t v = b.control_word.load(order_relaxed);  // a hint: try_claim() decides
    if (control::open(v) == 0 && !control::is_closing(v) && control::next_slot(v) == 0) ++found;
  }
  return found >= n;
}

/// Chooses who writes the envelopes (init() calls it after the transport is known): the
/// handoff's worker for the built-in transport in worker mode and for a user transport with
/// options.serialize_on_worker, poll() for the built-in transport in poll mode (and for
/// serialize_on_worker where there are no threads), else the thread that ends the root.
inline void start_handoff(const options& o) noexcept {
  tracer& t = g_tracer;
  handoff_mode mode = handoff_mode::off;
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  if (t.sink && t.sink == g_builtin.main) mode = g_builtin.main->has_worker() ? handoff_mode::worker : handoff_mode::poll;
#endif
  if (t.sink && o.serialize_on_worker && mode == handoff_mode::off)
    mode = SENTRY_TRACE_DETAIL_HANDOFF_WORKER ? handoff_mode::worker : handoff_mode::poll;
  if (!g_handoff.start(mode, write_transaction)) {
    log_line(log_level::warning, "init: no thread to write envelopes on; each is written by the thread that ends its root");
    g_handoff.start(handoff_mode::off, write_transaction);
  }
}

/// The root of `b` has ended: no child can join it from here on. Its block goes to the handoff
/// (end() returns without writing anything) unless there is none, the pool is nearly full or
/// the queue takes no more; then this thread writes the envelope and sends it.
inline void finish_transaction(transaction_block& b) noexcept {
  const handoff_entry e{&b, b.begin_closing()};
  if (g_handoff.mode() != handoff_mode::off && blocks_free_at_least(handoff_free_reserve) && g_handoff.push(e)) return;
  write_transaction(e);
}

/// Streaming: sends the ended spans of `b` as span v2 envelopes (its last open span has ended).
inline void finish_stream_block(transaction_block& b) noexcept {
  tracer& t = g_tracer;
  const std::uint32_t handed_out = control::next_slot(b.control_word.load(order_acquire));
  envelope_lock guard(t.lock);
  const envelope_context ctx = make_envelope_context();
  write_span_batches(t.mem->envelope, sizeof(t.mem->envelope), b, handed_out, ctx,
                     [](std::string_view bytes, std::uint32_t items) {
                       dispatch(envelope_view(bytes, nullptr, false, items));
                     });
}

/// Closes one open span of `b`; the last one out sends a streaming block and frees it.
inline void close_span_of(transaction_block& b) noexcept {
  if (!b.close_one()) return;
  if (SENTRY_TRACE_STREAMING && b.stream) finish_stream_block(b);
  b.release();
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_DELIVERY_DISPATCH_HPP

// end of part: include/sentry_trace/delivery/dispatch.hpp

// =================================================================================================
// part: include/sentry_trace/core/claims.hpp
// =================================================================================================

// sentry_trace/core/claims.hpp -- claims on a transaction block for check-then-write
//
// WHAT IT DOES  block_pin: a claim on a block between checking a reference against it and writing
//               it, so the block is not freed and reused in between; and freezing the head DSC.

#ifndef SENTRY_TRACE_CORE_CLAIMS_HPP
#define SENTRY_TRACE_CORE_CLAIMS_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// A claim on a transaction block, for code that checks a reference against the block's
/// generation and then reads or writes the block: while the claim is held the block counts it
/// as an open span, so it is not freed, and so not reused by another transaction, in between.
/// Giving it back is closing that span: the last one out frees the block (close_span_of).
class block_pin {
 public:
  block_pin() noexcept = default;
  /// Claims the block of a recording reference; empty when its transaction is gone.
  explicit block_pin(const span_ref& ref) noexcept {
    const tracer& t = g_tracer;
    if (!t.enabled || ref.epoch != t.epoch || !(ref.is_recording() || (ref.links & ref_in_block))) return;
    claim(t.mem->blocks[ref.block], ref.generation);
  }
  block_pin(transaction_block& b, std::uint32_t generation) noexcept { claim(b, generation); }
  block_pin(block_pin&& o) noexcept : b_(o.b_) { o.b_ = nullptr; }
  block_pin& operator=(block_pin&& o) noexcept {
    if (this != &o) {
      reset();
      b_ = o.b_;
      o.b_ = nullptr;
    }
    return *this;
  }
  block_pin(const block_pin&) = delete;
  block_pin& operator=(const block_pin&) = delete;
  ~block_pin() { reset(); }

  explicit operator bool() const noexcept { return b_ != nullptr; }
  transaction_block* get() const noexcept { return b_; }
  transaction_block* operator->() const noexcept { return b_; }
  void reset() noexcept {
    if (b_) close_span_of(*b_);
    b_ = nullptr;
  }

 private:
  void claim(transaction_block& b, std::uint32_t generation) noexcept {
    if (b.try_pin(generation)) b_ = &b;
  }
  transaction_block* b_ = nullptr;
};

/// Freezes the DSC of a transaction started here (the head of its trace) the first time it
/// leaves the SDK, in outgoing headers, an error event's envelope, a streaming continuation or
/// a forced transaction: it must not change after that (PROTOCOL.md §8). One thread fills it;
/// others wait the few microseconds that takes. The caller holds a claim on the block.
inline void freeze_head_dsc(transaction_block& b) noexcept {
  if (b.continued) return;  // an incoming (or inherited) DSC is frozen from the start
  std::uint8_t expected = dsc_open;
  if (b.dsc_state.compare_exchange_strong(expected, dsc_freezing, order_acq_rel, order_acquire)) {
    const envelope_context ctx = make_envelope_context();
    if (!ctx.public_key.empty())  // no DSN: no DSC worth sending (Relay needs the key)
      for_each_head_dsc(b.trace, transaction_name(b), b.source, b.sample_rate_known, b.sample_rate,
                        b.sample_rand_micros, parent_decision::sampled, ctx,
                        [&](std::string_view k, std::string_view v) { b.dsc.set_sentry(k, v); });
    b.dsc_state.store(dsc_frozen, order_release);
  } else {
    while (b.dsc_state.load(order_acquire) != dsc_frozen) {
    }
  }
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_CLAIMS_HPP

// end of part: include/sentry_trace/core/claims.hpp

// =================================================================================================
// part: include/sentry_trace/core/streaming.hpp
// =================================================================================================

// sentry_trace/core/streaming.hpp -- continuation blocks of a streamed segment
//
// WHAT IT DOES  Streaming (trace_lifecycle::stream): when a segment's block is full, children go to a
//               continuation block of the same segment; installing, claiming and retiring one.

#ifndef SENTRY_TRACE_CORE_STREAMING_HPP
#define SENTRY_TRACE_CORE_STREAMING_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// A continuation block by its packed reference, or nullptr when it has moved on.
inline transaction_block* continuation_block(std::uint64_t packed) noexcept {
  if (!packed) return nullptr;
  transaction_block& c = g_tracer.mem->blocks[(packed & 0xffff) - 1];
  return c.generation() == static_cast<std::uint32_t>(packed >> 16) ? &c : nullptr;
}

/// Retires a segment's continuation: no new children; it is sent when its last span ends.
/// Whoever takes it out of the segment (exchange) retires it, so it is retired exactly once.
inline void retire_continuation(transaction_block& segment) noexcept {
  if (transaction_block* c = continuation_block(segment.continuation.exchange(0, order_acq_rel))) {
    c->begin_closing();
    close_span_of(*c);  // drops the holder's open count
  }
}

struct continuation_claim {
  std::uint16_t index = 0;
  std::uint32_t generation = 0;
  std::int32_t slot = 0;  ///< > 0: claimed; 0: no block free; -1: the segment's root has ended
};

/// A free block set up as a continuation of `seg` (claimed by the caller), or nullptr.
inline transaction_block* new_continuation(transaction_block& seg, std::uint16_t seg_index, std::uint32_t seg_generation,
                                           std::uint16_t& index) noexcept {
  tracer& t = g_tracer;
  transaction_block* n = nullptr;
  for (std::uint32_t i = 0; i < SENTRY_TRACE_MAX_TRANSACTIONS && !n; ++i)
    if (t.mem->blocks[i].try_claim()) {
      n = &t.mem->blocks[i];
      index = static_cast<std::uint16_t>(i);
    }
  if (!n) return nullptr;
  n->reset_contents();
  n->trace = seg.trace;
  n->parent_of_root = seg.parent_of_root;
  n->sample_rate = seg.sample_rate;
  n->sample_rate_known = seg.sample_rate_known;
  n->sample_rand_micros = seg.sample_rand_micros;
  n->source = seg.source;
  n->max_children.store(seg.max_children.load(order_relaxed), order_relaxed);
  n->stream = true;
  n->is_continuation = true;
  n->segment_id = seg.spans[0].id;
  n->segment_name = n->copy(transaction_name(seg));
  n->segment_block = seg_index;
  n->segment_generation = seg_generation;
  n->continuation.store(0, order_relaxed);
  // Its envelopes carry the segment's DSC, frozen now (it has left the SDK with the first batch).
  freeze_head_dsc(seg);
  n->continued = true;
  n->dsc = seg.dsc;
  n->dsc_state.store(dsc_frozen, order_release);
  return n;
}

/// transaction_block::continuation's form of a block reference: (generation << 16) | (index + 1).
constexpr std::uint64_t pack_continuation(std::uint16_t index, std::uint32_t generation) noexcept {
  return (static_cast<std::uint64_t>(generation) << 16) | (index + 1u);
}

/// Claims a child slot in the continuation `packed` names, when it is still that block and has
/// room; `out` is set only then.
inline bool claim_in_installed(std::uint64_t packed, continuation_claim& out) noexcept {
  transaction_block* c = continuation_block(packed);
  if (!c) return false;
  const std::uint32_t generation = static_cast<std::uint32_t>(packed >> 16);
  const std::int32_t slot = c->claim_child(generation);
  if (slot <= 0) return false;
  out = {static_cast<std::uint16_t>((packed & 0xffff) - 1), generation, slot};
  return true;
}

/// Makes `n` (packed as `n_packed`) the continuation of `seg` in place of `expected`, and
/// retires the one it replaces. False when another thread installed one first, or the root
/// retired `expected`: `n` is then given back, and `expected` holds what is installed now.
inline bool install_continuation(transaction_block& seg, std::uint64_t& expected, transaction_block& n,
                                 std::uint64_t n_packed) noexcept {
  if (!seg.continuation.compare_exchange_strong(expected, n_packed, order_acq_rel, order_acquire)) {
    n.begin_closing();
    close_span_of(n);
    return false;
  }
  if (transaction_block* old = continuation_block(expected)) {
    old->begin_closing();
    close_span_of(*old);
  }
  return true;
}

/// Streaming: a slot for a child whose own block has no room (or was retired) in the current
/// continuation of the segment `index` (generation `generation`), starting a new one (and
/// retiring the old) when that is full. The segment is claimed throughout, so what is copied
/// from it is that segment's. Each attempt: give up once the root has ended; claim in the
/// installed continuation; else set up a new one, install it, and claim in that.
inline continuation_claim claim_in_continuation(std::uint16_t index, std::uint32_t generation) noexcept {
  continuation_claim out;
  block_pin seg(g_tracer.mem->blocks[index], generation);
  out.slot = -1;
  if (!seg) return out;  // the segment is gone
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (control::is_closing(seg->control_word.load(order_acquire))) return out;  // its root has ended
    std::uint64_t packed = seg->continuation.load(order_acquire);
    if (claim_in_installed(packed, out)) return out;
    std::uint16_t n_index = 0;
    transaction_block* n = new_continuation(*seg.get(), index, generation, n_index);
    if (!n) {
      out.slot = 0;  // every block in use: the caller counts the span as buffer_overflow
      return out;
    }
    const std::uint64_t n_packed = pack_continuation(n_index, n->generation());
    if (!install_continuation(*seg.get(), packed, *n, n_packed)) continue;
    const bool claimed = claim_in_installed(n_packed, out);
    // The root may have ended since the check above, after retiring what it found installed:
    // then nobody else will retire this one. Its closing flag was set before it emptied the
    // slot this exchange found, so it is visible here.
    if (control::is_closing(seg->control_word.load(order_acquire))) retire_continuation(*seg.get());
    if (claimed) return out;
  }
  out.slot = 0;
  return out;
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_STREAMING_HPP

// end of part: include/sentry_trace/core/streaming.hpp

// =================================================================================================
// part: include/sentry_trace/core/recording.hpp
// =================================================================================================

// sentry_trace/core/recording.hpp -- starting spans: roots, recorded children, unrecorded and dropped ones
//
// WHAT IT DOES  start_span_impl and the paths it picks between: a child of an unsampled parent (a
//               counter), a recorded child (a slot in its transaction's block), a root (sampling,
//               a free block), and a dropped child; and set_measurement_impl.

#ifndef SENTRY_TRACE_CORE_RECORDING_HPP
#define SENTRY_TRACE_CORE_RECORDING_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// A handle for a span that records nothing, `ref` (made active when asked, so that what starts
/// under it on this thread stays in its trace and is counted with it).
inline span start_unrecorded(const span_ref& ref, bool make_active) noexcept {
  const active_mark at = make_active ? push_active([&](span_ref& active) { active = ref; }) : active_mark{};
  return span(ref, at);
}

/// An unrecorded child of `parent` with `flags`: the parent's ids, active when asked.
inline span start_unrecorded_child(const span_ref& parent, std::uint8_t flags, bool make_active) noexcept {
  if (!make_active) return span(parent, flags);
  span_ref ref = parent;
  ref.flags = flags;
  return start_unrecorded(ref, true);
}

/// The reference of a dropped span in `parent`'s trace, of this run: what starts under it is
/// dropped too (why_dropped), never promoted to a new transaction.
inline span_ref dropped_ref(const span_ref& parent) noexcept {
  span_ref ref = parent;
  ref.epoch = g_tracer.epoch;
  ref.links = 0;
  ref.flags = static_cast<std::uint8_t>(span_ref::valid | ref_dropped | (parent.flags & (span_ref::sampled | span_ref::deferred)));
  return ref;
}

/// A child of `parent` that is dropped because its transaction is gone (or `parent` was itself
/// dropped), counted as no_parent_span. It keeps the parent's trace and stands in the stack, so
/// that spans started under it are dropped with it, never promoted to new transactions.
SENTRY_TRACE_DETAIL_COLD inline span start_dropped_child(const span_ref& parent, bool make_active, log_text why) noexcept {
  g_outcomes.record(discard_reason::no_parent_span, data_category::span);
  log_line(log_level::debug, why);
  const span_ref ref = dropped_ref(parent);
  return make_active ? start_unrecorded(ref, true) : span(ref, ref.flags);
}

/// Records span_options::attributes on a span that has just been claimed.
inline void apply_attributes(transaction_block& b, std::uint32_t slot, const span_options& o) noexcept {
  for (const attribute& a : o.start_attributes()) b.set_attribute(slot, a.key, a.value);
}

/// A span's given start_time (span_options): clamped to now when after it, and counted. The
/// record holds it as monotonic nanoseconds (start_given), converted apart from tick readings
/// when the transaction is written.
SENTRY_TRACE_DETAIL_COLD inline void set_given_start(span_record& r, span_time at) noexcept {
  const std::uint64_t now = g_tracer.now_ns();
  if (at.ns > now) {
    g_outcomes.timestamps_clamped.fetch_add(1, order_relaxed);
    log_line(log_level::debug, "span start_time is after now: started now instead");
    at.ns = now;
  }
  r.start_ticks = at.ns;
  r.end_ticks = at.ns;
  r.given_times = start_given;
}

/// A span's given end (span::end(at)): clamped to its start when before it, and counted. A
/// start read from the span clock is converted to nanoseconds first (through a pair read now,
/// so only the span's own duration carries the rate's error), and both are kept as given.
SENTRY_TRACE_DETAIL_COLD inline void set_given_end(span_record& r, std::uint64_t at_ns) noexcept {
  const std::uint64_t start_ns = (r.given_times & start_given) ? r.start_ticks : g_tracer.tick_to_mono_ns(r.start_ticks);
  if (at_ns < start_ns) {
    g_outcomes.timestamps_clamped.fetch_add(1, order_relaxed);
    log_line(log_level::debug, "span end time is before its start: ended at its start instead");
    at_ns = start_ns;
  }
  r.start_ticks = start_ns;
  r.end_ticks = at_ns;
  r.given_times = start_given | end_given;
}

/// Starts a recording child of `parent` in its block. Split from start_span_slow so that the
/// parent is read in place and the handle is written once, field by field.
inline span start_recording_child(const span_options& o, const span_ref& parent, bool make_active) noexcept {
  tracer& t = g_tracer;
  transaction_block* bp = &t.mem->blocks[parent.block];
  std::uint16_t block_index = parent.block;
  std::uint32_t generation = parent.generation;
  // A child in its parent's block has the parent's segment link (both in one continuation).
  std::uint8_t links = parent.links & ref_segment_link;
  std::uint16_t segment_block = parent.segment_block;
  std::uint32_t segment_generation = parent.segment_generation;
  std::int32_t slot = bp->claim_child(generation);
  if (SENTRY_TRACE_STREAMING && slot <= 0) {
    // Full, retired or gone. Whether the block streams is read under a claim: without one it
    // may be freed and reused by now. Streaming: a full block, or a retired (or already sent)
    // continuation whose segment is still open, sends this span on to the segment's current
    // continuation.
    const block_pin held(*bp, generation);
    bool to_segment = false;
    if (held && held->stream && (slot == 0 || held->is_continuation)) {
      to_segment = true;
      segment_block = held->is_continuation ? held->segment_block : parent.block;
      segment_generation = held->is_continuation ? held->segment_generation : parent.generation;
    } else if (!held && (parent.links & ref_segment_link)) {
      to_segment = true;
      segment_block = parent.segment_block;
      segment_generation = parent.segment_generation;
    } else if (!held) {
      slot = -1;
    }
    if (to_segment) {
      const continuation_claim c = claim_in_continuation(segment_block, segment_generation);
      slot = c.slot;
      if (c.slot > 0) {
        bp = &t.mem->blocks[c.index];
        block_index = c.index;
        generation = c.generation;
        links = ref_segment_link;
      }
    }
  }
  if (slot < 0) return start_dropped_child(parent, make_active, "span dropped: its parent's transaction has already ended");
  const auto flags = static_cast<std::uint8_t>(parent.flags & ~ref_root);
  if (slot == 0) {
    g_outcomes.record(discard_reason::buffer_overflow, data_category::span);
    log_line(log_level::debug, "span dropped: max_spans reached for this transaction");
    span_ref over = parent;
    over.flags = static_cast<std::uint8_t>((flags & ~span_ref::recording) | ref_overflow);
    over.links = ref_in_block;  // not recorded, but part of this transaction (measurements, headers)
    return start_unrecorded_child(over, over.flags, make_active);
  }
  transaction_block& b = *bp;
  const std::uint64_t now = t.span_now();
  const span_id id = new_span_id();
  span_record& r = b.init_slot(static_cast<std::uint32_t>(slot), id, parent.id, now);
  if (o.start_time.ns) set_given_start(r, o.start_time);
  b.copy_names(r, o);
  if (o.attributes.data()) apply_attributes(b, static_cast<std::uint32_t>(slot), o);
  r.state.store(slot_started, order_release);
  const active_mark at = make_active ? push_active([&](span_ref& active) {
    active.trace = parent.trace;
    active.id = id;
    active.generation = generation;
    active.block = block_index;
    active.slot = static_cast<std::uint16_t>(slot);
    active.epoch = parent.epoch;
    active.flags = flags;
    active.links = links;
    active.segment_block = segment_block;
    active.segment_generation = segment_generation;
  }) : active_mark{};
  return span(parent.trace, id, generation, block_index, static_cast<std::uint16_t>(slot), parent.epoch, flags,
              links, segment_block, segment_generation, at);
}

/// Counts a non-recording transaction when its root starts, as @sentry/core's _startRootSpan
/// records its sample_rate drop: the transaction and its root span, whether it is ever ended or
/// not (its children are counted as they start, or as they leave their threads' stacks).
inline void count_unrecorded_root(const span_ref& ref) noexcept {
  count_unrecorded(ref.flags, data_category::transaction, 1);
  count_unrecorded_spans(ref.flags, 1);
}

inline transaction_block* block_of(const span_ref& ref) noexcept {
  tracer& t = g_tracer;
  if (!t.enabled || ref.epoch != t.epoch || !ref.is_recording()) return nullptr;
  transaction_block& b = t.mem->blocks[ref.block];
  if (b.generation() != (ref.generation & 0x1fffffffu)) return nullptr;
  return &b;
}

/// The record of a live recording span, or nullptr (stale, ended, or not recording). Only for
/// the span's own handle: the span's open count keeps the block from being freed meanwhile.
inline span_record* record_of(const span_ref& ref, transaction_block*& block) noexcept {
  block = block_of(ref);
  if (!block) return nullptr;
  span_record& r = block->spans[ref.slot];
  if (r.state.load(order_relaxed) != slot_started || r.id != ref.id) return nullptr;
  return &r;
}

/// Where a new transaction's trace comes from: a forced transaction's parent (it keeps the
/// parent's trace, decision and DSC, as @sentry/core's forceTransaction), continue_trace's
/// scope, or nothing (a new trace).
struct root_origin {
  const span_ref* forced_parent = nullptr;
  incoming_context* incoming = nullptr;
  /// `incoming`'s trace is continued (never under a forced parent). Set once by start_root, a
  /// value rather than a call: where no continue_trace() is linked in, `incoming` is known
  /// null, and with it every continuation path folds away.
  bool continued = false;
};

/// Decides whether the new root `root` is sampled; sets its sampling fields.
inline sampling_decision decide_root(const span_options& o, const root_origin& from, span_ref& root) noexcept {
  tracer& t = g_tracer;
  incoming_context* in = from.incoming;
  const span_ref* fp = from.forced_parent;
  // A compile-time policy (SENTRY_TRACE_SAMPLING) traces whatever the options say.
  const bool tracing = sampling_policy != sampling_policy_kind::runtime || t.sampler || non_negative(t.traces_sample_rate);
  sampling_decision d;
  const parent_decision inherited = !fp ? parent_decision::none
                                    : (fp->flags & span_ref::deferred) ? parent_decision::none
                                    : (fp->flags & span_ref::sampled)  ? parent_decision::sampled
                                                                       : parent_decision::not_sampled;
  if (tracing) {
    sampling_context ctx;
    ctx.name = o.name;
    ctx.op = o.op;
    ctx.source = o.source;
    const span_attributes attributes = o.start_attributes();
    ctx.attributes = attributes.data();
    ctx.attribute_count = attributes.size();
    if (fp) {
      ctx.parent_sampled = inherited;
      if (fp->links & ref_rate_known) ctx.parent_sample_rate = micros_to_double(fp->sample_rate_ppm);
    } else if (from.continued) {
      ctx.parent_sampled = in->parent.sampled;
      ctx.parent_sample_rate = in->parent_sample_rate;
    }
    d = sample(t.sampler, t.traces_sample_rate, ctx, root.sample_rand_micros);
    if (d.rate_invalid) log_line(log_level::debug, "transaction not sampled: the sample rate is outside [0, 1] or NaN");
    if (d.sampler_threw) log_line(log_level::debug, "traces_sampler threw: the parent's decision or traces_sample_rate decides");
    if (d.sample_rate_known) {
      root.sample_rate_ppm = rate_to_micros(d.sample_rate);
      root.links |= ref_rate_known;
    }
    // This service decided a deferred trace: say with which rate, as @sentry/core does.
    if (from.continued && in->parent.sampled == parent_decision::none && d.sample_rate_known &&
        !in->had_sample_rate && in->added_rate_len == 0)
      in->added_rate_len = static_cast<std::uint8_t>(format_double(in->added_rate, d.sample_rate));
  } else if (from.continued || fp) {
    // Tracing off: record nothing, but hand the caller's decision on unchanged.
    const parent_decision p = fp ? inherited : in->parent.sampled;
    if (p == parent_decision::sampled) root.flags |= span_ref::sampled;
    else if (p == parent_decision::none) root.flags |= span_ref::deferred;
    root.flags |= ref_unrecorded_by_choice;
    if (fp) {
      root.sample_rate_ppm = fp->sample_rate_ppm;
      root.links |= fp->links & ref_rate_known;
    }
  } else {
    root.flags |= span_ref::deferred;
  }
  if (d.sampled) root.flags |= span_ref::sampled;
  return d;
}

/// Claims a free block for a new transaction, starting at the hint; nullptr when all are in use.
inline transaction_block* claim_free_block(std::uint16_t& index) noexcept {
  tracer& t = g_tracer;
  const std::uint32_t n = SENTRY_TRACE_MAX_TRANSACTIONS;
  const std::uint32_t hint = t.block_hint.load(order_relaxed);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t at = (hint + i) % n;
    if (t.mem->blocks[at].try_claim()) {
      index = static_cast<std::uint16_t>(at);
      t.block_hint.store(at + 1, order_relaxed);
      return &t.mem->blocks[at];
    }
  }
  return nullptr;
}

/// Sets up the claimed block `b` for the new root `root` and records the root in slot 0.
inline void open_transaction(transaction_block& b, const span_options& o, const root_origin& from, const span_ref& root,
                             const sampling_decision& d) noexcept {
  tracer& t = g_tracer;
  incoming_context* in = from.incoming;
  b.reset_contents();
  b.trace = root.trace;
  b.parent_of_root = from.forced_parent ? from.forced_parent->id : from.continued ? in->parent.parent : span_id{};
  b.sample_rate = d.sample_rate;
  b.sample_rate_known = d.sample_rate_known;
  b.sample_rand_micros = root.sample_rand_micros;
  b.source = o.source;
  b.max_children.store(t.max_spans, order_relaxed);
  b.dsc_state.store(dsc_open, order_relaxed);
  b.stream = t.stream;
  b.is_continuation = false;
  b.segment_id = root.id;
  b.continuation.store(0, order_relaxed);
  b.continued = from.continued;
  if (from.continued) {
    load_incoming_baggage(*in, b.dsc);
  } else if (from.forced_parent) {
    b.dsc.clear();
    // The parent's DSC, frozen: a forced transaction stays in its parent's trace.
    if (block_pin parent{*from.forced_parent}) {
      freeze_head_dsc(*parent.get());
      b.dsc = parent->dsc;
      b.continued = true;
    }
  } else {
    load_third_party_baggage(in, b.dsc);
  }
  span_record& r = b.init_slot(0, root.id, b.parent_of_root, t.span_now());
  if (o.start_time.ns) set_given_start(r, o.start_time);
  b.copy_names(r, o);
  if (o.attributes.data()) apply_attributes(b, 0, o);
  r.state.store(slot_started, order_release);
}

/// Starts a transaction: the continuation of an incoming trace inside continue_trace(), a
/// forced transaction under `forced_parent`, or the head of a new trace.
inline span start_root(const span_options& o, const span_ref* forced_parent, bool make_active) noexcept {
  tracer& t = g_tracer;
  root_origin from;
  from.forced_parent = forced_parent;
  from.incoming = tl_incoming;
  from.continued = !forced_parent && from.incoming && from.incoming->continued;
  // continue_trace's trace, or start_new_trace's (its roots share one trace, as @sentry/core's
  // share the scope's propagation context); else each root starts a trace of its own.
  const incoming_context* scope_trace = !forced_parent && from.incoming && from.incoming->has_trace() ? from.incoming : nullptr;
  span_ref root;
  root.trace = forced_parent ? forced_parent->trace : scope_trace ? scope_trace->parent.trace : new_trace_id();
  root.id = new_span_id();
  root.epoch = t.epoch;
  root.flags = span_ref::valid | ref_root;
  root.sample_rand_micros = forced_parent ? forced_parent->sample_rand_micros
                            : scope_trace ? scope_trace->sample_rand_micros
                                          : new_sample_rand();
  const sampling_decision d = decide_root(o, from, root);
  if (from.continued || (forced_parent && (forced_parent->links & ref_continued))) root.links |= ref_continued;
  transaction_block* b = nullptr;
  if (d.sampled) {
    b = claim_free_block(root.block);
    if (!b) {
      root.flags |= ref_overflow;
      log_line(log_level::debug, "transaction not recorded: SENTRY_TRACE_MAX_TRANSACTIONS are in flight");
    }
  }
  if (b) {
    root.flags |= span_ref::recording;
    root.generation = b->generation();
    open_transaction(*b, o, from, root, d);
  } else {
    count_unrecorded_root(root);
  }
  // A non-recording root is made active too (even as an inactive span it must not count as
  // recorded), so that its children know they belong to an unsampled trace.
  const active_mark at = make_active ? push_active([&](span_ref& active) { active = root; }) : active_mark{};
  return span(root, at);
}

/// True while the transaction `ref` belongs to takes children: its root has not ended.
inline bool transaction_open(const span_ref& ref) noexcept {
  const block_pin b(ref);
  return b && !control::is_closing(b->control_word.load(order_acquire));
}

/// The parent of a new span: its explicit parent, else this thread's active span (`entry` then
/// names its stack entry), else nullptr (the span is a transaction).
inline const span_ref* parent_of(const span_options& o, stack_entry*& entry) noexcept {
  entry = nullptr;
  if (o.parent.is_valid()) return &o.parent;
  entry = current_entry();
  return entry ? &entry->ref : nullptr;
}

/// Why a child of `parent` must be dropped, or nullptr: an explicit parent from before the last
/// init(), or a parent that was itself dropped. (An active entry is always of this run.)
inline const char* why_dropped(const span_ref& parent) noexcept {
  if (parent.epoch != g_tracer.epoch) return "span dropped: its explicit parent is from before the last init()";
  if (parent.flags & ref_dropped) return "span dropped: its parent was dropped";
  return nullptr;
}

/// A child of a parent that records nothing: counted (on the parent's entry when it is this
/// thread's active span, so the count follows the entry), with the parent's ids. A parent over
/// max_spans whose root has ended since has no transaction left to belong to: dropped.
inline span start_unrecorded_under(const span_ref& parent, stack_entry* entry, bool make_active) noexcept {
  if ((parent.links & ref_in_block) && !transaction_open(parent))
    return start_dropped_child(parent, make_active, "span dropped: its parent's transaction has already ended");
  if (entry) ++entry->unrecorded_children;
  else count_unrecorded_spans(parent.flags, 1);
  return start_unrecorded_child(parent, static_cast<std::uint8_t>(parent.flags & ~ref_root), make_active);
}

/// A span started inside suppress_tracing(): it records nothing and is counted nowhere (as with
/// tracing off by choice: nothing was meant to be sent), keeps its parent's ids (a fresh trace
/// with none), and stands in the stack so that what starts under it is suppressed too.
SENTRY_TRACE_DETAIL_COLD inline span start_suppressed(const span_ref* parent, bool make_active) noexcept {
  span_ref ref;
  if (parent) {
    ref.trace = parent->trace;
    ref.id = parent->id;
  } else {
    ref.trace = new_trace_id();
    ref.id = new_span_id();
  }
  ref.epoch = g_tracer.epoch;
  ref.flags = span_ref::valid | ref_unrecorded_by_choice;
  return make_active ? start_unrecorded(ref, true) : span(ref, ref.flags);
}

/// Starts a span under its explicit parent, this thread's active span, or as a transaction, in
/// named steps: find the parent; drop the span if that parent is stale or dropped; start a
/// forced transaction, a recorded child, or an unrecorded one.
inline span start_span_slow(const span_options& o, bool make_active) noexcept {
  stack_entry* entry;
  const span_ref* parent = parent_of(o, entry);
  if (tracing_suppressed()) return start_suppressed(parent, make_active);
  if (!parent) return start_root(o, nullptr, make_active);
  if (const char* why = why_dropped(*parent)) return start_dropped_child(*parent, make_active, why);
  if (o.force_transaction) return start_root(o, parent, make_active);
  if (parent->is_recording()) return start_recording_child(o, *parent, make_active);
  return start_unrecorded_under(*parent, entry, make_active);
}

/// The span path's front: when this thread's active span belongs to an unsampled trace, a
/// child is a counter increment and a copy of the parent's ids (no clock, no slot).
/// Under SENTRY_TRACE_SAMPLING_NEVER it returns an empty handle at once, so the span path folds away.
#ifdef SENTRY_TRACE_IMPLEMENTATION
span start_span_impl(const span_options& o, bool make_active) noexcept {
  if constexpr (sampling_policy == sampling_policy_kind::never) return span{};
  const tracer& t = g_tracer;
  if (!t.enabled) return span{};
  if (!o.parent.is_valid() && !o.force_transaction) {
    thread_scope* s = tl_scope;
    if (s && s->depth > 0 && s->suppressed == 0) {
      stack_entry& e = s->entries[s->depth - 1];
      // (An entry that names no span has ref_in_block set: no_span_entry_ref.)
      if ((e.ref.flags & (span_ref::recording | ref_dropped)) == 0 && (e.ref.links & ref_in_block) == 0 && e.ref.epoch == t.epoch &&
          e.token.load(order_relaxed) != 0) {
        ++e.unrecorded_children;
        return start_unrecorded_child(e.ref, static_cast<std::uint8_t>(e.ref.flags & ~ref_root), make_active);
      }
      // A live recording top entry of this run that was not dropped is the parent that
      // start_span_slow would find (current_entry() stops at it; why_dropped() passes it).
      if ((e.ref.flags & (span_ref::recording | ref_dropped)) == span_ref::recording && e.ref.epoch == t.epoch &&
          e.token.load(order_acquire) != 0)
        return start_recording_child(o, e.ref, make_active);
    }
  }
  return start_span_slow(o, make_active);
}
#endif // SENTRY_TRACE_IMPLEMENTATION

/// Measurement names are cut at this many bytes.
constexpr std::size_t max_measurement_name = 200;

/// Sets a measurement on the transaction of this thread's active span. The block is claimed
/// while it is written, so a transaction ended (and its block reused) meanwhile on another
/// thread is never written.
inline void set_measurement_impl(std::string_view name, double value, std::string_view unit) noexcept {
  stack_entry* e = current_entry();
  block_pin b = e ? block_pin(e->ref) : block_pin();
  if (!b || control::is_closing(b->control_word.load(order_acquire)) || !(value == value) || value - value != 0.0) {
    // No transaction, one whose root has ended, NaN, or infinite.
    g_outcomes.measurements_dropped.fetch_add(1, order_relaxed);
    log_line(log_level::debug, "measurement dropped: no active sampled transaction, or a non-finite value: ", name);
    return;
  }
  // Relay: a custom unit is ASCII of at most 15 bytes; anything else falls back to "none".
  bool unit_ok = unit.size() <= 15;
  for (char c : unit) unit_ok = unit_ok && static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  if (!unit_ok) {
    log_line(log_level::debug, "measurement unit is not ASCII of at most 15 bytes; written as \"none\": ", name);
    unit = "none";
  }
  std::uint32_t used = b->measurements_used.load(order_acquire);
  const bool name_plain = transaction_block::key_is_plain(name, max_measurement_name);
  for (std::uint32_t i = 0; i < used && i < SENTRY_TRACE_MAX_MEASUREMENTS; ++i) {
    measurement_record& m = b->measurements[i];
    if (m.ready.load(order_acquire) == 1 && b->key_equals(m.name, name, max_measurement_name, name_plain)) {
      m.set(value, b->copy(unit, 15));
      return;
    }
  }
  // The name is kept as it is written (cut, invalid UTF-8 replaced) so that two names written
  // alike are one measurement; one the arena cannot hold whole is dropped.
  arena_str stored;
  if (!b->copy_key(name, max_measurement_name, stored)) {
    g_outcomes.measurements_dropped.fetch_add(1, order_relaxed);
    log_line(log_level::debug, "measurement dropped: the string arena is full: ", name);
    return;
  }
  std::uint32_t index = b->measurements_used.fetch_add(1, order_acq_rel);
  if (index >= SENTRY_TRACE_MAX_MEASUREMENTS) {
    g_outcomes.measurements_dropped.fetch_add(1, order_relaxed);
    log_line(log_level::debug, "measurement dropped: SENTRY_TRACE_MAX_MEASUREMENTS reached: ", name);
    return;
  }
  measurement_record& m = b->measurements[index];
  m.name = stored;
  m.set(value, b->copy(unit, 15));
  m.ready.store(1, order_release);
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_RECORDING_HPP

// end of part: include/sentry_trace/core/recording.hpp

// =================================================================================================
// part: include/sentry_trace/runtime/environment.hpp
// =================================================================================================

// sentry_trace/runtime/environment.hpp -- option strings and SENTRY_* environment variables
//
// WHAT IT DOES  Reads the SENTRY_* environment variables init() falls back to: what counts as
//               true, and how an ignored one is logged. Option strings are copied into the
//               tracer's buffers by protocol/text.hpp's copy_bounded.

#ifndef SENTRY_TRACE_RUNTIME_ENVIRONMENT_HPP
#define SENTRY_TRACE_RUNTIME_ENVIRONMENT_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

inline bool env_true(std::string_view v) noexcept {
  return v == "1" || v == "true" || v == "TRUE" || v == "True" || v == "yes" || v == "on" || v == "y" || v == "t";
}

/// Logs that init() ignores the environment variable `name` (its value shown, cut at 96 bytes)
/// because of `why`; init() then goes on as if the variable were not set. Options set in code
/// are checked strictly instead: a mistake there is the program's, and fails init().
inline void env_ignored(const char* name, std::string_view value, const char* why) noexcept {
  // No snprintf: this part also builds freestanding.
  char head[96];
  char tail[160];
  auto join = [](char* out, std::size_t cap, std::string_view a, std::string_view b, std::string_view c) {
    std::size_t n = 0;
    const std::string_view parts[3] = {a, b, c};
    for (std::string_view part : parts)
      for (char ch : part)
        if (n + 1 < cap) out[n++] = ch;
    out[n] = '\0';
  };
  const bool cut = value.size() > 96;
  join(head, sizeof(head), "init: ignoring ", name, "=\"");
  join(tail, sizeof(tail), cut ? "...\": " : "\": ", why, "");
  log_line(log_level::warning, head, cut ? value.substr(0, 96) : value, tail);
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_RUNTIME_ENVIRONMENT_HPP

// end of part: include/sentry_trace/runtime/environment.hpp

// =================================================================================================
// part: include/sentry_trace/runtime/lifecycle.hpp
// =================================================================================================

// sentry_trace/runtime/lifecycle.hpp -- init(), flush(), shutdown() and fork()
//
// WHAT IT DOES  Defines init(), flush(), shutdown(), is_enabled(), should_send_default_pii(),
//               get_stats(); abandons what is in flight at shutdown, and keeps a fork()'s child tracing.

#ifndef SENTRY_TRACE_RUNTIME_LIFECYCLE_HPP
#define SENTRY_TRACE_RUNTIME_LIFECYCLE_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN
namespace detail {

/// Shutdown: what is still recording is not lost silently. A transaction whose root has not
/// ended is dropped and counted as `invalid` (its children that had ended were counted when it
/// was written, if it was). A streaming block sends the spans that have ended, as its last
/// span's end would have, and counts the others as `invalid`. Then every block is freed.
inline void abandon_in_flight() noexcept {
  tracer& t = g_tracer;
  if (!t.mem) return;
  // Unrecorded children counted on stack entries are reported now: after this run their entries
  // are stale. init() and shutdown() run while no other thread uses the API, so every thread's
  // stack may be read here.
  for (thread_scope& s : g_scopes)
    for (std::uint32_t i = 0; i < s.depth && i < SENTRY_TRACE_MAX_DEPTH; ++i) settle_entry(s.entries[i], t.epoch);
  for (transaction_block& b : t.mem->blocks) {
    std::uint64_t v = b.control_word.load(order_acquire);
    if (control::open(v) != 0) {
      if (SENTRY_TRACE_STREAMING && b.stream) {
        finish_stream_block(b);
        log_line(log_level::debug, "a streaming segment still open at shutdown: its ended spans were sent");
      } else if (!control::is_closing(v)) {
        g_outcomes.record_transaction(discard_reason::invalid, control::next_slot(v));
        log_line(log_level::warning, "a transaction still open at shutdown was dropped");
      }
    }
    b.release();
  }
}

// ---- fork() ------------------------------------------------------------------------------------
// The child of a fork() is a copy of the parent with one thread: the one that forked. The
// parent goes on owning everything that was in flight: it ends, sends and counts its
// transactions, sends its queued envelopes and reports its counters. The child starts clean but
// keeps tracing with the same options, without a new init() (as sentry_sdk's worker restarts in a
// forked process): the pthread_atfork child handler below gives it a new id key (so it draws
// none of the parent's ids or sample_rand), frees every block without sending or counting it
// (handles and active spans from before the fork become no-ops there), gives back the other
// threads' stacks of active spans, zeroes the counters, makes
// the default envelope lock usable (another thread may have held it at the fork), and has the
// built-in HTTP transport forget the parent's worker and queue; the child's first envelope starts
// a worker of its own. The handoff forgets its queue and worker the same way (the blocks it
// held are freed with the others); the child's first root to end starts the child's worker.
// A user transport or lock hook is used by the child as it is: make it fork-aware if it holds
// threads, locks or connections. fork()+exec() pays only this handler.

#if SENTRY_TRACE_DETAIL_FORK_AWARE
/// Forks so far; the prepare handler counts in the parent, so every child of one parent gets
/// its own value (and a key of its own from it).
inline atomic<std::uint64_t> g_fork_count{0};

inline void before_fork() noexcept { g_fork_count.fetch_add(1, order_relaxed); }

/// The child's side of fork(), in its only thread, before fork() returns there.
inline void in_fork_child() noexcept {
  rng_rekey_after_fork(g_fork_count.load(order_relaxed));
  tracer& t = g_tracer;
#  if SENTRY_TRACE_THREADS
  if (t.lock.lock == hosted_lock) new (&hosted_mutex()) std::mutex();
#  endif
  g_handoff.forget_after_fork();  // its entries are the parent's: their blocks are freed below
  if (t.mem)
    for (transaction_block& b : t.mem->blocks) b.release();
  ++t.epoch;  // every handle and active-stack entry from before the fork is stale here
  // The other threads' stacks of active spans: those threads do not exist here, and will never
  // give their scopes back.
  for (thread_scope& s : g_scopes)
    if (&s != tl_scope) {
      s.depth = 0;
      s.taken.store(0, order_relaxed);
    }
  g_outcomes.reset();
#  if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  builtin_delivery& b = g_builtin;
  if (b.main && b.main->forget_after_fork()) b.restart_after_fork = true;
  if (b.spotlight && b.spotlight->forget_after_fork()) b.restart_after_fork = true;
  forget_resolve_jobs_after_fork();  // no resolver thread was copied into the child
#  endif
}

/// Registers the fork handlers once per process (init() calls it; init() is never concurrent).
inline void watch_fork() noexcept {
  static bool registered = false;
  if (!registered) registered = ::pthread_atfork(before_fork, nullptr, in_fork_child) == 0;
}
#else
inline void watch_fork() noexcept {}
#endif

/// init(): picks the span clock (clock.hpp) and takes the anchor that turns its ticks into
/// wall-clock time. The counter only when the user gave no clock hook.
inline void start_span_clock(tracer& t, bool user_clock) noexcept {
  t.anchor = time_anchor{};
  t.anchor.mono_ns = t.now_ns();
  t.anchor.epoch_us = t.epoch_us();
  t.anchor.ticks = t.anchor.mono_ns;
  t.anchor.ticks_mono_ns = t.anchor.mono_ns;
  t.span_clock_is_counter = false;
#if SENTRY_TRACE_DETAIL_CYCLE_COUNTER
  if (!user_clock) t.span_clock_is_counter = start_cycle_counter(t.anchor);
#else
  (void)user_clock;
#endif
}

}  // namespace detail

#ifdef SENTRY_TRACE_IMPLEMENTATION
// The face declares these (face/options.hpp); they are defined once, here.

bool flush(std::uint32_t timeout_ms) noexcept {
  detail::tracer& t = detail::g_tracer;
  if (!t.enabled) return true;
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  const std::uint64_t started = detail::steady_now_ms();
#endif
  // Roots that have ended are written first: their envelopes are part of what is flushed.
  const bool written = detail::g_handoff.drain(timeout_ms);
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  {
    const std::uint64_t spent = detail::steady_now_ms() - started;
    timeout_ms = spent < timeout_ms ? static_cast<std::uint32_t>(timeout_ms - spent) : 0;
  }
#endif
  {
    detail::envelope_lock guard(t.lock);
    detail::send_client_report_locked();
  }
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  auto spotlight_flushed = [&](bool ok) {
    ok = ok && written;
    if (!detail::g_builtin.spotlight) return ok;
    std::uint64_t spent = detail::steady_now_ms() - started;
    return detail::g_builtin.spotlight->flush(spent < timeout_ms ? static_cast<std::uint32_t>(timeout_ms - spent) : 0) && ok;
  };
#else
  auto spotlight_flushed = [&](bool ok) { return ok && written; };
#endif
  if (!t.sink) return spotlight_flushed(true);
#if SENTRY_TRACE_EXCEPTIONS
  try {
    return spotlight_flushed(t.sink->flush(timeout_ms));
  } catch (...) {
    detail::log_line(log_level::error, "the transport threw in flush()");
    return spotlight_flushed(false);
  }
#else
  return spotlight_flushed(t.sink->flush(timeout_ms));
#endif
}

bool shutdown(std::uint32_t timeout_ms) noexcept {
  detail::tracer& t = detail::g_tracer;
  if (!t.enabled) return true;
  detail::g_report_due_ns.store(0, detail::order_relaxed);  // no periodic report from here on
  // Every root that ended is written before what is still open is abandoned: a queued block
  // is closing, and abandon_in_flight() would free it unwritten.
  detail::g_handoff.stop();
  detail::abandon_in_flight();
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  const std::uint64_t started = detail::steady_now_ms();
  bool delivered = flush(timeout_ms);
  const std::uint64_t spent = detail::steady_now_ms() - started;
  delivered = detail::stop_builtin(spent < timeout_ms ? static_cast<std::uint32_t>(timeout_ms - spent) : 0) && delivered;
#else
  bool delivered = flush(timeout_ms);
#endif
  t.enabled = false;
  detail::set_live_run(false);
  ++t.epoch;  // every handle and active-stack entry of this run is now stale
  t.sampler.reset();
  return delivered;
}

bool is_enabled() noexcept { return detail::g_tracer.enabled; }
bool should_send_default_pii() noexcept { return detail::g_tracer.enabled && detail::g_tracer.send_default_pii; }

stats get_stats() noexcept { return detail::g_outcomes.snapshot(); }

namespace detail {

/// A SENTRY_* variable, empty when unset (and always on a freestanding build). Values written by
/// shells, `.env` files and container specs often carry a trailing newline or spaces: every
/// ASCII space around the value is dropped.
inline std::string_view init_env(const char* name) noexcept {
#if SENTRY_TRACE_HOSTED
  const char* v = hosted_getenv(name);
  return v ? trim(v, is_ascii_space) : std::string_view();
#else
  (void)name;
  return {};
#endif
}

/// Why init() failed: a message and what it is about; `what` is null when nothing did.
struct init_error {
  bool failed = false;
  log_text what{""};  ///< with SENTRY_TRACE_LOG_TEXT=0, the line of the init_failed() call
  std::string_view about;
};
constexpr init_error init_failed(log_text what, std::string_view about = {}) noexcept { return {true, what, about}; }

/// The clock, wall clock, lock and entropy hooks, with the hosted defaults where unset.
inline init_error init_hooks(tracer& t, const options& opts, entropy_hook& entropy) noexcept {
  t.clock = opts.clock;
  t.wall_clock = opts.wall_clock;
  t.lock = opts.lock;
  entropy = opts.entropy;
#if SENTRY_TRACE_HOSTED
  if (!t.clock.now_ns) t.clock.now_ns = hosted_now_ns;
  if (!t.wall_clock.now_epoch_us) t.wall_clock.now_epoch_us = hosted_epoch_us;
  if (!entropy.fill) entropy.fill = hosted_entropy;
#  if SENTRY_TRACE_THREADS
  if (!t.lock.lock && !t.lock.unlock) {
    t.lock.lock = hosted_lock;
    t.lock.unlock = hosted_unlock;
  }
#  endif
#endif
  if (!t.clock.now_ns) return init_failed("init: options.clock is required on a freestanding build");
  if (!entropy.fill) return init_failed("init: options.entropy is required on a freestanding build");
  if (!t.lock.lock != !t.lock.unlock) return init_failed("init: options.lock needs both lock and unlock, or neither");
  return {};
}

/// `name`'s value when `unset_in_code`, ignored with a warning when it is `limit` bytes or more.
inline std::string_view init_env_text(const char* name, bool unset_in_code, std::size_t limit,
                                      const char* too_long) noexcept {
  std::string_view v = unset_in_code ? init_env(name) : std::string_view();
  if (v.size() >= limit) {
    env_ignored(name, v, too_long);
    v = {};
  }
  return v;
}

/// The DSN, release, environment, server name and org id, from the options or else the
/// environment: each environment value init() cannot use is ignored with a warning naming it.
inline init_error init_identity(tracer& t, const options& opts) noexcept {
  std::string_view env_dsn = init_env_text("SENTRY_DSN", opts.dsn.empty(), sizeof(t.dsn_text), "longer than 511 bytes");
  if (!env_dsn.empty()) {
    dsn_error e = dsn::parse(env_dsn, t.parsed_dsn);
    if (e != dsn_error::none) {
      env_ignored("SENTRY_DSN", env_dsn, to_string(e));
      env_dsn = {};
    }
  }
  const std::string_view env_release =
      init_env_text("SENTRY_RELEASE", opts.release.empty(), sizeof(t.release), "longer than 200 bytes");
  const std::string_view env_environment =
      init_env_text("SENTRY_ENVIRONMENT", opts.environment.empty(), sizeof(t.environment), "longer than 64 bytes");

  std::string_view dsn_text = !opts.dsn.empty() ? opts.dsn : env_dsn;
  t.has_dsn = false;
  t.dsn_text[0] = '\0';
  if (!dsn_text.empty()) {
    if (!copy_bounded(t.dsn_text, dsn_text)) return init_failed("init: the DSN is longer than 511 bytes");
    dsn_error e = dsn::parse(std::string_view(t.dsn_text, dsn_text.size()), t.parsed_dsn);
    if (e != dsn_error::none) return init_failed("init: malformed DSN: ", to_string(e));
    t.has_dsn = true;
  }
  std::string_view release = !opts.release.empty() ? opts.release : env_release;
  if (!copy_bounded(t.release, release)) return init_failed("init: release is longer than 200 bytes");
  std::string_view environment = !opts.environment.empty() ? opts.environment : env_environment;
  if (environment.empty()) environment = "production";
  if (!copy_bounded(t.environment, environment)) return init_failed("init: environment is longer than 64 bytes");
  if (!copy_bounded(t.server_name, opts.server_name)) return init_failed("init: server_name is longer than 255 bytes");
  std::string_view org = !opts.org_id.empty() ? opts.org_id : (t.has_dsn ? t.parsed_dsn.org_id : std::string_view());
  if (!org.empty() && (!all_digits(org) || org.size() > 20)) return init_failed("init: org_id must be digits: ", org);
  copy_bounded(t.org_id, org);
  return {};
}

/// The sample rate and sampler, max_spans, and the trace lifecycle (static or stream).
inline init_error init_sampling(tracer& t, const options& opts) noexcept {
  double rate = opts.traces_sample_rate;
  if (rate == options::unset) {
    std::string_view text = init_env("SENTRY_TRACES_SAMPLE_RATE");
    if (!text.empty() && (!parse_decimal(text, rate) || !valid_rate(rate))) {
      env_ignored("SENTRY_TRACES_SAMPLE_RATE", text, "not a number from 0 to 1");
      text = {};
    }
    if (text.empty()) rate = options::unset;
  }
  if (rate != options::unset && !valid_rate(rate)) return init_failed("init: traces_sample_rate must be a number from 0 to 1");
  t.traces_sample_rate = rate;
  t.sampler = opts.traces_sampler;
  if (opts.max_spans > SENTRY_TRACE_MAX_SPANS)
    log_line(log_level::warning, "init: max_spans is capped at SENTRY_TRACE_MAX_SPANS");
  t.max_spans = static_cast<std::uint16_t>(opts.max_spans < SENTRY_TRACE_MAX_SPANS ? opts.max_spans : SENTRY_TRACE_MAX_SPANS);
  t.stream = opts.trace_lifecycle == ::sentry_trace::trace_lifecycle::stream;
  if (opts.trace_lifecycle == ::sentry_trace::trace_lifecycle::static_) {
    const std::string_view lifecycle = init_env("SENTRY_TRACE_LIFECYCLE");
    if (lifecycle == "stream") t.stream = true;
    else if (!lifecycle.empty() && lifecycle != "static")
      env_ignored("SENTRY_TRACE_LIFECYCLE", lifecycle, "neither \"static\" nor \"stream\"");
  }
  if (!SENTRY_TRACE_STREAMING && t.stream) {
    log_line(log_level::warning, "init: span streaming is compiled out (SENTRY_TRACE_STREAMING=0); sending transactions");
    t.stream = false;
  }
  return {};
}

/// Copies `count` strings (at most V, checked by the caller) into `text`, one after another,
/// with a view of each in `views` (`n` of them so far). False when they do not fit in `text`.
template <std::size_t V, std::size_t T, class Count>
bool pack_strings(const std::string_view* from, std::size_t count, std::string_view (&views)[V], char (&text)[T],
                  Count& n) noexcept {
  std::size_t used = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view s = from[i];
    if (s.size() > T - used) return false;
    if (!s.empty()) std::memcpy(text + used, s.data(), s.size());
    views[n++] = std::string_view(text + used, s.size());
    used += s.size();
  }
  return true;
}

/// Client reports, traceparent, and the trace propagation targets (copied into the tracer).
inline init_error init_propagation(tracer& t, const options& opts) noexcept {
  t.send_client_reports = opts.send_client_reports;
  t.propagate_traceparent = opts.propagate_traceparent;
  t.send_default_pii = opts.send_default_pii;
  t.targets_set = opts.trace_propagation_targets != nullptr;
  t.target_count = 0;
  if (!t.targets_set) return {};
  if (opts.trace_propagation_target_count > 16) return init_failed("init: at most 16 trace_propagation_targets");
  if (!pack_strings(opts.trace_propagation_targets, opts.trace_propagation_target_count, t.targets, t.target_text,
                    t.target_count))
    return init_failed("init: trace_propagation_targets exceed 1024 bytes");
  return {};
}

/// The send hooks, the ignore_transactions patterns (copied into the tracer) and the host's
/// contexts (read once, here: uname() and the compiler's macros).
inline init_error init_event_filters(tracer& t, const options& opts) noexcept {
  t.before_send = opts.before_send;
  t.before_send_transaction = opts.before_send_transaction;
  t.ignore_count = 0;
  fill_host_contexts(g_host);
  if (opts.ignore_transactions == nullptr) return {};
  if (opts.ignore_transaction_count > sizeof(t.ignore) / sizeof(t.ignore[0]))
    return init_failed("init: at most 8 ignore_transactions");
  if (!pack_strings(opts.ignore_transactions, opts.ignore_transaction_count, t.ignore, t.ignore_text, t.ignore_count))
    return init_failed("init: ignore_transactions exceed 256 bytes");
  return {};
}

/// The storage (a static default when hosted) and the transport (the built-in one started).
inline init_error init_storage_and_transport(tracer& t, const options& opts) noexcept {
  t.mem = opts.storage;
#if SENTRY_TRACE_HOSTED
  if (!t.mem) {
    static ::sentry_trace::storage default_storage;
    t.mem = &default_storage;
  }
#endif
  if (!t.mem) return init_failed("init: options.storage is required on a freestanding build");
  t.sink = opts.transport;
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  start_builtin(opts, init_env("SENTRY_SPOTLIGHT"));
#endif
  if (!t.sink) log_line(log_level::warning, "init: no transport: finished transactions are discarded");
  return {};
}

/// Keys the id generator, picks the span clock and anchors it, empties the blocks, starts the
/// handoff, zeroes the counters, and turns tracing on for a new epoch.
inline init_error start_tracing(tracer& t, const options& opts, const entropy_hook& entropy) noexcept {
  watch_fork();
  unsigned char key[32] = {};
  if (!entropy.fill(key, sizeof(key), entropy.user)) return init_failed("init: the entropy hook failed");
  rng_set_key(key);
  start_span_clock(t, opts.clock.now_ns != nullptr);
  for (transaction_block& b : t.mem->blocks) b.release();
  start_handoff(opts);
  g_outcomes.reset();
  ++t.epoch;
  t.enabled = true;
  set_live_run(true);
  g_report_due_ns.store(t.now_ns() + client_report_interval_ns, order_release);
  return {};
}

}  // namespace detail

bool init(const options& opts) noexcept {
  using detail::log_line;
  detail::tracer& t = detail::g_tracer;
  if (t.enabled) shutdown(0);
  detail::stop_builtin(0);  // left over from an init() that failed late
  // Hooks first, so that errors below reach the user's log.
  t.debug = opts.debug;
  t.log = opts.log;
#if SENTRY_TRACE_HOSTED
  if (!t.log.write) t.log.write = detail::hosted_log;
#endif
  // No environment when freestanding: the constant drops the test (an empty value does not fold).
  if (SENTRY_TRACE_HOSTED && !opts.debug && detail::env_true(detail::init_env("SENTRY_DEBUG"))) t.debug = true;

  entropy_hook entropy;
  detail::init_error e = detail::init_hooks(t, opts, entropy);
  if (!e.failed) e = detail::init_identity(t, opts);
  if (!e.failed) e = detail::init_sampling(t, opts);
  if (!e.failed) e = detail::init_propagation(t, opts);
  if (!e.failed) e = detail::init_event_filters(t, opts);
  if (!e.failed) e = detail::init_storage_and_transport(t, opts);
  if (!e.failed) e = detail::start_tracing(t, opts, entropy);
  if (e.failed) {
    log_line(log_level::error, e.what, e.about);
    detail::stop_builtin(0);
    t.enabled = false;
    detail::set_live_run(false);
    return false;
  }
  log_line(log_level::debug, "init: tracing on, environment ", t.environment);
  return true;
}

#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_RUNTIME_LIFECYCLE_HPP

// end of part: include/sentry_trace/runtime/lifecycle.hpp

// =================================================================================================
// part: include/sentry_trace/core/span_members.hpp
// =================================================================================================

// sentry_trace/core/span_members.hpp -- the span handle's member functions
//
// WHAT IT DOES  Defines span's setters, end() and abandon_() (declared in face/span.hpp), once:
//               only the implementation TU compiles them.

#ifndef SENTRY_TRACE_CORE_SPAN_MEMBERS_HPP
#define SENTRY_TRACE_CORE_SPAN_MEMBERS_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN

#ifdef SENTRY_TRACE_IMPLEMENTATION
// ---- span handle members (declared in span.hpp) ---------------------------------------------

// The face's setters have checked is_recording(); the record's validity is checked here, then
// the block's store.
void span::set_attribute_value_(std::string_view key, const attribute_value& value) noexcept {
  detail::transaction_block* b;
  if (detail::record_of(ref_, b)) b->set_attribute(ref_.slot, key, value);
}
void span::set_string_attribute_(std::string_view key, std::string_view value) noexcept {
  detail::transaction_block* b;
  if (detail::record_of(ref_, b)) b->set_string_attribute(ref_.slot, key, value);
}
void span::set_attributes_(span_attributes attributes) noexcept {
  detail::transaction_block* b;
  if (detail::record_of(ref_, b))
    for (const attribute& a : attributes) b->set_attribute(ref_.slot, a.key, a.value);
}
void span::set_status_(span_status status) noexcept {
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) {
    // The flag is read only under a status that is not ok (records.hpp).
    if (r->status != span_status::ok && r->has_status_message) b->drop_status_message(*r);
    r->status = status;
    r->has_status_message = false;
  }
}
void span::set_status_message_(span_status status, std::string_view message) noexcept {
  // @sentry/core writes no message for ok (getStatusMessage, getSimpleStatus): none is kept.
  if (status == span_status::ok || message.empty()) {
    set_status_(status);
    return;
  }
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) {
    r->status = status;
    r->has_status_message = b->set_status_message(ref_.slot, message);
  }
}
void span::set_http_status_(int code) noexcept {
  set_status_(from_http_status(code));
  set_attribute_value_("http.response.status_code", attribute_value(static_cast<std::int64_t>(code)));
}
void span::rename_(std::string_view name, const transaction_source* source) noexcept {
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) {
    r->name = b->copy(name);
    if (source && ref_.slot == 0) b->source = *source;
  }
}
void span::set_op_(std::string_view op) noexcept {
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) r->op = b->copy(op);
}
void span::set_origin_(std::string_view origin) noexcept {
  detail::transaction_block* b;
  if (detail::span_record* r = detail::record_of(ref_, b)) r->origin = b->copy(origin);
}

template <class SetEnd> void span::end_recorded_with_(SetEnd&& set_end) noexcept {
  detail::tracer& t = detail::g_tracer;
  detail::pop_active(active_);  // safe from any thread, also for a stale handle
  if (!t.enabled || ref_.epoch != t.epoch) {
    release_();
    return;
  }
  detail::transaction_block* b = nullptr;  // GCC 12 -O2 -Wdangling-pointer false positive otherwise
  if (detail::span_record* r = detail::record_of(ref_, b)) {
    if (ref_.slot != 0 && !b->stream && detail::control::is_closing(b->control_word.load(detail::order_acquire))) {
      // Its root has ended: the transaction holds what had ended by then, also when the handoff
      // writes it later. Left "started", the span is counted invalid there, as it would have
      // been by a writer that had already run.
      detail::close_span_of(*b);
      release_();
      return;
    }
    set_end(*r);
    r->state.store(detail::slot_ended, detail::order_release);
    if (ref_.slot == 0 && !b->is_continuation) {
      if (SENTRY_TRACE_STREAMING && b->stream) {
        // Streaming: the segment is sent with whatever spans are done when its last span ends.
        b->begin_closing();
        detail::retire_continuation(*b);
        detail::close_span_of(*b);
      } else {
        detail::finish_transaction(*b);
      }
    } else {
      detail::close_span_of(*b);
    }
  }
  release_();
}

// end() in the face has handled a span that records nothing and is active nowhere.
void span::end_() noexcept {
  if ((ref_.flags & (span_ref::recording | detail::ref_root)) == 0) {  // empty, unrecorded or dropped child
    detail::pop_active(active_);
    ref_.flags = 0;
    active_ = detail::active_mark{};
    return;
  }
  end_recorded_();
}

void span::end_at_(std::uint64_t at_ns) noexcept {
  if ((ref_.flags & (span_ref::recording | detail::ref_root)) == 0) {  // records nothing: no time to keep
    end_();
    return;
  }
  end_recorded_with_([at_ns](detail::span_record& r) { detail::set_given_end(r, at_ns); });
}

void span::end_recorded_() noexcept {
  end_recorded_with_([](detail::span_record& r) { r.end_ticks = detail::g_tracer.span_now(); });
}

void span::abandon_() noexcept {
  detail::pop_active(active_);
  if ((ref_.flags & (span_ref::recording | detail::ref_root)) == 0) {  // empty, unrecorded or dropped child
    release_();
    return;
  }
  detail::tracer& t = detail::g_tracer;
  if (t.enabled && ref_.epoch == t.epoch) {
    detail::transaction_block* b;
    if (detail::record_of(ref_, b)) {
      // Never ended: not sent. A child is counted as `invalid` when its transaction is written;
      // an abandoned root takes its whole transaction with it.
      if (ref_.slot == 0 && !b->is_continuation) {
        std::uint32_t handed_out = b->begin_closing();
        if (SENTRY_TRACE_STREAMING && b->stream) {
          detail::retire_continuation(*b);  // ended spans still go; the root is counted invalid
        } else {
          detail::g_outcomes.record_transaction(discard_reason::invalid, handed_out);
        }
        detail::log_line(log_level::debug, "a transaction's root span was destroyed without end(); dropped");
      }
      detail::close_span_of(*b);
    }
  }
  release_();
}
#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_CORE_SPAN_MEMBERS_HPP

// end of part: include/sentry_trace/core/span_members.hpp

// =================================================================================================
// part: include/sentry_trace/runtime/distributed.hpp
// =================================================================================================

// sentry_trace/runtime/distributed.hpp -- continuing traces, handing them on, errors linked to them
//
// WHAT IT DOES  continue_trace() makes the transactions started in its callback continue the
//               caller's trace (trace id, parent span id, sampling decision, sample_rand and the
//               frozen dynamic sampling context); get_trace_headers() gives the `sentry-trace`,
//               `baggage` and `traceparent` values for the active span (get_trace_headers(span_ref)
//               for any span, e.g. a parent handed to a worker thread); inject()/extract() do
//               both through any key-value carrier; capture_exception()/capture_message() send
//               an error event whose `contexts.trace` is the active span's, so Sentry shows the
//               error inside the trace.
// STEP BY STEP  st::continue_trace(req.header("sentry-trace"), req.header("baggage"), [&] {
//                 st::start_span({"GET /orders/:id", "http.server"}, [&](st::span&) {
//                   st::trace_headers h = st::get_trace_headers();
//                   out.set("sentry-trace", h.sentry_trace);
//                   out.set("baggage", h.baggage);
//                 });
//               });
// DOES NOT      allocate, or put more than 2 KiB on the stack (tests/stack/stack_use.cpp checks
//               get_trace_headers(), inject() and continue_trace()). trace_headers holds
//               sentry-trace and traceparent (about 130 bytes); the baggage value (up to
//               SENTRY_TRACE_MAX_BAGGAGE bytes) is written into a buffer of the calling thread.
//               continue_trace keeps the caller's baggage text and parses it where it is used.
// RAM           per thread that propagates: SENTRY_TRACE_MAX_BAGGAGE + sizeof(baggage) + 8 bytes
//               of thread-local storage (about 17.5 KiB with the defaults).
// ERRORS        A missing or malformed sentry-trace (and traceparent) starts a new trace; debug
//               mode logs why. Baggage members that are malformed, hostile (control characters)
//               or over the W3C limits are dropped; the rest is kept.
// SPEC          https://develop.sentry.dev/sdk/foundations/trace-propagation/

#ifndef SENTRY_TRACE_RUNTIME_DISTRIBUTED_HPP
#define SENTRY_TRACE_RUNTIME_DISTRIBUTED_HPP

// =================================================================================================
// part: include/sentry_trace/face/distributed.hpp
// =================================================================================================

// sentry_trace/face/distributed.hpp -- continuing traces, handing them on, errors linked to them
//
// WHAT IT DOES  continue_trace() makes the transactions started in its callback continue the
//               caller's trace (trace id, parent span id, sampling decision, sample_rand and the
//               frozen dynamic sampling context); get_trace_headers() gives the `sentry-trace`,
//               `baggage` and `traceparent` values for the active span (get_trace_headers(span_ref)
//               for any span, e.g. a parent handed to a worker thread); inject()/extract() do
//               both through any key-value carrier; capture_exception()/capture_message() send
//               an error event whose `contexts.trace` is the active span's, so Sentry shows the
//               error inside the trace. Parsing and writing are runtime/distributed.hpp's,
//               compiled once by the implementation TU; the templates here only call them.
// STEP BY STEP  st::continue_trace(req.header("sentry-trace"), req.header("baggage"), [&] {
//                 st::start_span({"GET /orders/:id", "http.server"}, [&](st::span&) {
//                   st::trace_headers h = st::get_trace_headers();
//                   out.set("sentry-trace", h.sentry_trace);
//                   out.set("baggage", h.baggage);
//                 });
//               });
// DOES NOT      allocate, or put more than 2 KiB on the stack (tests/stack/stack_use.cpp checks
//               get_trace_headers(), inject() and continue_trace()).

#ifndef SENTRY_TRACE_FACE_DISTRIBUTED_HPP
#define SENTRY_TRACE_FACE_DISTRIBUTED_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#if SENTRY_TRACE_EXCEPTIONS
#  include <exception>
#endif

SENTRY_TRACE_DETAIL_BEGIN

/// The outgoing trace headers for one request, about 130 bytes. `sentry_trace` and
/// `traceparent` point into this object's own buffers: valid while it lives; it can be neither
/// copied nor moved (returned by value through guaranteed copy elision). `baggage` (up to
/// SENTRY_TRACE_MAX_BAGGAGE bytes) points into this thread's propagation buffer: valid until this
/// thread's next get_trace_headers() or inject(); set it on the request (or copy it) before
/// then, and before a fiber yields. An empty view means "send no such header".
class trace_headers {
 public:
  std::string_view sentry_trace;
  std::string_view baggage;
  std::string_view traceparent;  ///< only with options.propagate_traceparent (default false, as the SDKs)

  trace_headers() noexcept = default;
  /// Internal: built in place (the views must point into the final object).
  template <class Fill> explicit trace_headers(Fill&& fill) noexcept {
    fill(*this);
  }
  trace_headers(const trace_headers&) = delete;
  trace_headers& operator=(const trace_headers&) = delete;

  // Internal buffers (the baggage value is the thread's: see get_trace_headers()).
  char sentry_trace_buf[51] = {};
  char traceparent_buf[55] = {};
};

namespace detail {
/// Room on continue_trace's stack for what it received (core/incoming.hpp's incoming_context,
/// checked to fit by a static_assert where it is defined).
struct incoming_space {
  alignas(8) unsigned char bytes[192];
};
/// Opens a continue_trace scope in `at` on this thread; leave_trace closes it.
void enter_trace(incoming_space& at, std::string_view sentry_trace, std::string_view baggage,
                 std::string_view traceparent) noexcept;
void leave_trace(incoming_space& at) noexcept;
/// True when inject() should set headers for `url` (tracing on, and the URL allowed by
/// options.trace_propagation_targets; an empty URL always is).
bool propagates_to(std::string_view url) noexcept;

/// The scope of one continue_trace call: closed however fn leaves.
class trace_scope {
 public:
  trace_scope(std::string_view sentry_trace, std::string_view baggage, std::string_view traceparent) noexcept {
    enter_trace(space_, sentry_trace, baggage, traceparent);
  }
  ~trace_scope() { leave_trace(space_); }
  trace_scope(const trace_scope&) = delete;
  trace_scope& operator=(const trace_scope&) = delete;

 private:
  incoming_space space_;
};
}  // namespace detail

/// Runs fn() with the trace described by `sentry_trace` and `baggage` (header values; empty
/// when absent) as the parent of every transaction started inside it, and returns fn's result.
/// The values must stay valid until fn returns (the baggage is read again inside the scope);
/// values passed directly, temporaries included, always do. Thread-safe; the scope is this
/// thread's. Nested calls stack. Under 2 KiB of stack of its own (tests/stack/stack_use.cpp).
template <class Fn> decltype(auto) continue_trace(std::string_view sentry_trace, std::string_view baggage, Fn&& fn);
/// The same, also reading a W3C `traceparent`, used when `sentry_trace` is absent or invalid.
template <class Fn>
decltype(auto) continue_trace(std::string_view sentry_trace, std::string_view baggage, std::string_view traceparent,
                              Fn&& fn);

/// The headers to send with an outgoing request made inside the active span (or, with none,
/// inside continue_trace's scope, or this thread's own trace). Before init() and after
/// shutdown() every view is empty: nothing is propagated without an enabled SDK, as
/// @sentry/core's getTraceData() returns {} then. No heap, no lock; under 2 KiB of stack
/// (tests/stack/stack_use.cpp); noexcept.
trace_headers get_trace_headers() noexcept;

/// The headers that make a request a child of the span `of`, which may belong to another
/// thread (as @sentry/core's spanToTraceHeader, spanToBaggageHeader and
/// spanToTraceparentHeader): `sentry-trace` and, with options.propagate_traceparent,
/// `traceparent` from its ids and sampling decision; `baggage` from the dynamic sampling
/// context of its trace (frozen here, as the first headers of a trace freeze it). Empty views
/// before init(), after shutdown(), for an empty reference or one from before the last init().
/// Once the span's transaction has been sent its DSC is gone, and a span that records nothing
/// in a trace continued from elsewhere has only the continue_trace() scope's DSC, on that
/// scope's thread: elsewhere baggage is then empty (never a made-up DSC), the other headers
/// are still given. Not changed by suppress_tracing(): the span is named. The baggage
/// view is valid as get_trace_headers()'s is. No heap, no lock; noexcept.
trace_headers get_trace_headers(const span_ref& of) noexcept;

/// Sets the trace headers on any carrier with `set(std::string_view key, std::string_view value)`
/// (HTTP headers, message metadata, RPC metadata); the values are valid only during set(), so
/// the carrier copies them. With `url`, only when options.trace_propagation_targets allow that
/// URL. Returns whether headers were set (false before init() and after shutdown()).
template <class Carrier> bool inject(Carrier& carrier, std::string_view url = {});

/// Continues the trace a carrier brought: reads "sentry-trace", "baggage" and "traceparent" with
/// `get(std::string_view key)` (returning something convertible to std::string_view, empty when
/// absent) and runs fn inside continue_trace.
template <class Carrier, class Fn> decltype(auto) extract(const Carrier& carrier, Fn&& fn);

/// Sends an error event (`exception.values[0]` = {type, value}) linked to the active span,
/// with the tags, contexts and fingerprint of `extra` when given (captureException(e, {tags,
/// contexts, fingerprint})). Every event carries contexts.os, runtime and device and passes
/// options.before_send first. Strings are copied (cut at SENTRY_TRACE_MAX_STRING bytes) and
/// read only during the call. Returns false when it was not sent (tracing off, before_send
/// dropped it, or the envelope did not fit: counted). No heap; thread-safe.
bool capture_exception(std::string_view type, std::string_view value) noexcept;
bool capture_exception(std::string_view type, std::string_view value, const event_options& extra) noexcept;
#if SENTRY_TRACE_EXCEPTIONS
/// capture_exception with e.what() as the value and, as the type, `type` when given, else e's
/// dynamic type name: with RTTI (__cpp_rtti / __GXX_RTTI / _CPPRTTI) demangled without the heap
/// ("std::runtime_error", "app::db_error"; a template or local class keeps its mangled name,
/// see protocol/type_name.hpp), without RTTI "std::exception".
bool capture_exception(const std::exception& e, std::string_view type = {}) noexcept;
bool capture_exception(const std::exception& e, const event_options& extra, std::string_view type = {}) noexcept;
#endif
/// Sends a message event at `lvl`, linked to the active span (captureMessage).
bool capture_message(std::string_view message, level lvl = level::info) noexcept;
bool capture_message(std::string_view message, level lvl, const event_options& extra) noexcept;

template <class Fn>
decltype(auto) continue_trace(std::string_view sentry_trace, std::string_view baggage, std::string_view traceparent,
                              Fn&& fn) {
  detail::trace_scope scope(sentry_trace, baggage, traceparent);
  return std::forward<Fn>(fn)();
}

template <class Fn> decltype(auto) continue_trace(std::string_view sentry_trace, std::string_view baggage, Fn&& fn) {
  return continue_trace(sentry_trace, baggage, std::string_view(), std::forward<Fn>(fn));
}

template <class Carrier> bool inject(Carrier& carrier, std::string_view url) {
  if (!detail::propagates_to(url)) return false;
  trace_headers h = get_trace_headers();
  carrier.set(std::string_view("sentry-trace"), h.sentry_trace);
  if (!h.baggage.empty()) carrier.set(std::string_view("baggage"), h.baggage);
  if (!h.traceparent.empty()) carrier.set(std::string_view("traceparent"), h.traceparent);
  return true;
}

template <class Carrier, class Fn> decltype(auto) extract(const Carrier& carrier, Fn&& fn) {
  return continue_trace(std::string_view(carrier.get(std::string_view("sentry-trace"))),
                        std::string_view(carrier.get(std::string_view("baggage"))),
                        std::string_view(carrier.get(std::string_view("traceparent"))), std::forward<Fn>(fn));
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_DISTRIBUTED_HPP

// end of part: include/sentry_trace/face/distributed.hpp

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <new>
#include <utility>
#if SENTRY_TRACE_EXCEPTIONS
#  include <exception>
#endif
#if defined(__cpp_rtti) || defined(__GXX_RTTI) || defined(_CPPRTTI)
#  include <typeinfo>
#  define SENTRY_TRACE_DETAIL_RTTI 1
#else
#  define SENTRY_TRACE_DETAIL_RTTI 0
#endif

SENTRY_TRACE_DETAIL_BEGIN

// ------------------------------------------------------------------------------------------------
namespace detail {

/// Parses the incoming headers into `in` (PROTOCOL.md §7-§9): a new trace unless sentry-trace
/// (or traceparent) is valid and the org ids agree; sample_rand taken from the baggage, else
/// drawn consistently with the incoming rate and decision, else uniformly, and added to the
/// frozen DSC when it was missing.
inline void parse_incoming(std::string_view sentry_trace, std::string_view baggage_value, std::string_view traceparent,
                           incoming_context& in) noexcept {
  const tracer& t = g_tracer;
  in.baggage_text = baggage_value;
  propagation_scratch* scratch = this_thread_scratch();
  baggage* bag = scratch ? &scratch->bag() : nullptr;
  if (bag) {
    bag->clear();
    bag->parse(baggage_value);
  } else if (!baggage_value.empty()) {
    log_line(log_level::warning, "continue_trace: no stack scope is free (SENTRY_TRACE_MAX_THREADS): the baggage is not read");
  }
  auto member = [bag](std::string_view key) { return bag ? bag->sentry(key) : std::string_view(); };
  bool ok = parse_sentry_trace(sentry_trace, in.parent);
  if (!ok && !sentry_trace.empty()) log_line(log_level::debug, "continue_trace: malformed sentry-trace, starting a new trace: ", sentry_trace);
  if (!ok && !traceparent.empty()) {
    ok = parse_traceparent(traceparent, in.parent);
    if (!ok) log_line(log_level::debug, "continue_trace: malformed traceparent, starting a new trace: ", traceparent);
  }
  const std::string_view their_org = member("org_id");
  const std::string_view our_org = t.org_id;
  if (ok && !their_org.empty() && !our_org.empty() && their_org != our_org) {
    log_line(log_level::debug, "continue_trace: the caller's org_id differs from ours, starting a new trace");
    ok = false;
  }
  in.continued = ok;
  if (!ok) return;
  in.had_sample_rate = !member("sample_rate").empty();
  double rate = -1.0;
  if (detail::parse_decimal(member("sample_rate"), rate) && valid_rate(rate)) in.parent_sample_rate = rate;
  if (parse_sample_rand(member("sample_rand"), in.sample_rand_micros)) return;
  if (in.parent_sample_rate >= 0.0 && in.parent.sampled != parent_decision::none)
    in.sample_rand_micros = sample_rand_within(in.parent_sample_rate, in.parent.sampled == parent_decision::sampled);
  else
    in.sample_rand_micros = new_sample_rand();
  in.added_rand_len = static_cast<std::uint8_t>(format_micros_fraction(in.added_rand, in.sample_rand_micros));
}

/// Each thread's own trace id for work outside any span or continue_trace (as the SDKs'
/// propagation context): stable, so errors and outgoing calls of one thread share it.
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL trace_id tl_thread_trace{};
inline SENTRY_TRACE_DETAIL_THREAD_LOCAL std::uint32_t tl_thread_rand = 0;
inline const trace_id& thread_trace() noexcept {
  if (tl_thread_trace.is_zero()) {
    tl_thread_trace = new_trace_id();
    tl_thread_rand = new_sample_rand();
  }
  return tl_thread_trace;
}

/// Where the trace of "now" comes from: the active span, continue_trace's scope, or the thread.
struct current_trace {
  trace_id trace;
  span_id span;                     ///< the active span, or a fresh id (no span)
  span_id parent;                   ///< the active span's parent when known
  parent_decision sampled = parent_decision::none;
  /// The recording transaction, if any, claimed while this value lives: another thread may end
  /// it meanwhile, but its block is not reused until the claim is given back.
  block_pin block;
  span_ref ref{};                   ///< the active span, if any
  std::string_view op;
  /// The DSC of an explicit span's trace is not at hand (get_trace_headers(span_ref)): its
  /// transaction has been sent since, or its trace came in through a continue_trace() scope
  /// that is not this thread's. No baggage is made up for it.
  bool dsc_unknown = false;
  std::uint32_t sample_rand_micros = 0;  ///< for a head DSC made without a block
};

/// The trace of the span `ref` (this thread's or any other's): its ids and decision, and its
/// transaction, claimed while the value lives, when that is still in its block.
inline current_trace resolve_span(const span_ref& ref) noexcept {
  current_trace c;
  c.ref = ref;
  c.trace = ref.trace;
  c.span = ref.id;
  c.sample_rand_micros = ref.sample_rand_micros;
  c.sampled = (ref.flags & span_ref::deferred) ? parent_decision::none
              : (ref.flags & span_ref::sampled) ? parent_decision::sampled
                                                : parent_decision::not_sampled;
  if (block_pin b{ref}) {
    const span_record& r = b->spans[ref.slot];
    c.parent = r.parent;
    c.op = b->str(r.op);  // in the block's arena: valid while the claim is held
    c.block = static_cast<block_pin&&>(b);
  }
  return c;
}

inline current_trace resolve_current() noexcept {
  stack_entry* e = g_tracer.enabled ? current_entry() : nullptr;
  if (e) return resolve_span(e->ref);
  current_trace c;
  incoming_context* in = tl_incoming;
  if (in && in->has_trace()) {  // continue_trace's, or start_new_trace's (no parent, no decision)
    c.trace = in->parent.trace;
    c.span = new_span_id();
    c.parent = in->parent.parent;
    c.sampled = in->parent.sampled;
    c.sample_rand_micros = in->sample_rand_micros;
  } else {
    c.trace = thread_trace();
    c.span = new_span_id();
    c.sample_rand_micros = tl_thread_rand;
  }
  return c;
}

/// The rate that decided a span reference's trace, when it records one (ref_rate_known).
inline bool span_ref_rate(const span_ref& ref, double& rate) noexcept {
  if (!ref.is_valid() || !(ref.links & ref_rate_known)) return false;
  rate = micros_to_double(ref.sample_rate_ppm);
  return true;
}

/// Calls emit(key, value) for each Sentry member of the head DSC of `c` when its trace was
/// started here but has no transaction block (an unrecorded root, or no span at all): no name,
/// and the rate and sample_rand of the thread's span reference, or, with none, of
/// start_new_trace's scope or of the thread. Nothing without a DSN (Relay needs the public key).
/// A trace with a block freezes the block's DSC instead (freeze_head_dsc).
template <class Emit>
void for_each_blockless_head_dsc(const current_trace& c, const envelope_context& ctx, Emit&& emit) noexcept {
  if (ctx.public_key.empty()) return;
  double rate = 0.0;
  const bool rate_known = span_ref_rate(c.ref, rate);
  for_each_head_dsc(c.trace, {}, transaction_source::custom, rate_known, rate, c.sample_rand_micros, c.sampled, ctx, emit);
}

/// The DSC to propagate for `c`, written as a baggage value into the thread's scratch.
inline std::string_view write_baggage(const current_trace& c) noexcept {
  incoming_context* in = tl_incoming;
  propagation_scratch* scratch = this_thread_scratch();
  if (!scratch) {
    log_line(log_level::warning, "get_trace_headers: no stack scope is free (SENTRY_TRACE_MAX_THREADS): no baggage");
    return {};
  }
  propagation_scratch& out = *scratch;
  std::size_t n = 0;
  if (c.dsc_unknown) {
    return {};
  } else if (c.block) {
    const transaction_block& b = *c.block.get();
    freeze_head_dsc(*c.block.get());
    n = b.dsc.write_header(out.header, sizeof(out.header));
  } else if (in && in->continued && in->parent.trace == c.trace) {
    baggage& b = out.bag();
    load_incoming_baggage(*in, b);
    n = b.write_header(out.header, sizeof(out.header));
  } else {
    // An unrecorded root of a trace started here, or no span at all: a head DSC made now.
    baggage& b = out.bag();
    load_third_party_baggage(in, b);
    for_each_blockless_head_dsc(c, make_envelope_context(),
                                [&](std::string_view k, std::string_view v) { b.set_sentry(k, v); });
    n = b.write_header(out.header, sizeof(out.header));
  }
  return std::string_view(out.header, n);
}

/// The DSC object for an event's envelope header (the event writer has written the key; writing
/// nothing leaves it out).
inline void write_event_dsc(json_writer& w, void* user) noexcept {
  const current_trace& c = *static_cast<const current_trace*>(user);
  incoming_context* in = tl_incoming;
  const envelope_context ctx = make_envelope_context();
  if (c.block) {
    // The event's envelope is the DSC's first way out just as outgoing headers are.
    freeze_head_dsc(*c.block.get());
    if (has_dsc(*c.block.get(), ctx)) write_dsc_object(w, *c.block.get(), ctx);
    return;
  }
  if (in && in->continued && in->parent.trace == c.trace) {
    propagation_scratch* scratch = this_thread_scratch();
    if (!scratch) return;  // no stack scope free (SENTRY_TRACE_MAX_THREADS): the event goes without a DSC
    baggage& bag = scratch->bag();
    load_incoming_baggage(*in, bag);
    if (!bag.sentry("trace_id").empty() && !bag.sentry("public_key").empty()) bag.write_json(w);
    return;
  }
  if (ctx.public_key.empty()) return;  // no DSN: the event goes without a DSC
  w.begin_object();
  for_each_blockless_head_dsc(c, ctx, [&](std::string_view k, std::string_view v) { w.key(k).string(v); });
  w.end_object();
}

/// before_send's view of the event being written (about 770 bytes): static rather than on the
/// capturing thread's stack, guarded by the envelope lock, under which events are written one
/// at a time.
inline error_event g_event_edit{};

/// Runs options.before_send on the event `f` describes (under the envelope lock, so never
/// concurrently); false when it dropped it (counted as before_send / error). Its edits are
/// copied back into `f` (the event's strings then point where the hook put them) and `edited`.
inline bool pass_before_send(const tracer& t, event_fields& f, error_event& edited) noexcept {
  if (t.before_send.fn == nullptr) return true;
  edited = error_event{};
  edited.exception_type = f.exception_type;
  edited.exception_value = f.exception_value;
  edited.message = f.message;
  edited.lvl = f.lvl;
  if (f.extra != nullptr) edited.extra = *f.extra;
  if (!t.before_send.fn(edited, t.before_send.user)) {
    g_outcomes.record(discard_reason::before_send, data_category::error, 1);
    log_line(log_level::debug, "before_send dropped an event");
    return false;
  }
  f.exception_type = edited.exception_type;
  f.exception_value = edited.exception_value;
  f.message = edited.message;
  f.lvl = edited.lvl;
  f.extra = &edited.extra;
  return true;
}

inline bool capture_event(const event_fields& f) noexcept {
  tracer& t = g_tracer;
  if (!t.enabled) return false;
  current_trace c = resolve_current();
  event_trace_context tc;
  tc.trace = c.trace;
  tc.span = c.span;
  tc.parent = c.parent;
  tc.op = c.op;
  envelope_lock guard(t.lock);
  event_fields fields = f;
  if (!pass_before_send(t, fields, g_event_edit)) return false;
  envelope_context ctx = make_envelope_context();
  if (!fields.timestamp_epoch_us) fields.timestamp_epoch_us = ctx.sent_at_epoch_us;
  std::string_view bytes =
      write_event_envelope(t.mem->envelope, sizeof(t.mem->envelope), fields, tc, ctx, &write_event_dsc, &c);
  if (bytes.empty()) return false;
  dispatch(envelope_view(bytes, nullptr, false));
  return true;
}

/// Opens a trace scope (continue_trace's or start_new_trace's) in `at` on this thread, empty;
/// leave_trace closes it.
inline incoming_context& open_trace_scope(incoming_space& at) noexcept {
  incoming_context* ctx = ::new (static_cast<void*>(at.bytes)) incoming_context();
  ctx->previous = tl_incoming;
  tl_incoming = ctx;
  return *ctx;
}

} // namespace detail

#ifdef SENTRY_TRACE_IMPLEMENTATION
// The face declares these (face/distributed.hpp); they are defined once, here.

static_assert(sizeof(detail::incoming_context) <= sizeof(detail::incoming_space::bytes) &&
                  alignof(detail::incoming_context) <= alignof(detail::incoming_space),
              "detail::incoming_space (face/distributed.hpp) must hold an incoming_context");

void detail::enter_trace(incoming_space& at, std::string_view sentry_trace, std::string_view baggage_value,
                         std::string_view traceparent) noexcept {
  parse_incoming(sentry_trace, baggage_value, traceparent, open_trace_scope(at));
}

void detail::leave_trace(incoming_space& at) noexcept {
  tl_incoming = std::launder(reinterpret_cast<incoming_context*>(at.bytes))->previous;
}

bool detail::propagates_to(std::string_view url) noexcept {
  const tracer& t = g_tracer;
  // Before init() or after shutdown(), or inside suppress_tracing(): nothing to propagate.
  if (!t.enabled || tracing_suppressed()) return false;
  return url.empty() || should_propagate(url, t.targets, t.target_count, t.targets_set);
}

namespace detail {
/// Writes the headers of `c` into `h`: the one writer behind both get_trace_headers().
inline void write_trace_headers(trace_headers& h, const current_trace& c) noexcept {
  h.sentry_trace = std::string_view(h.sentry_trace_buf, format_sentry_trace(h.sentry_trace_buf, c.trace, c.span, c.sampled));
  if (g_tracer.propagate_traceparent)
    h.traceparent = std::string_view(h.traceparent_buf, format_traceparent(h.traceparent_buf, c.trace, c.span,
                                                                           c.sampled == parent_decision::sampled));
  h.baggage = write_baggage(c);
}
}  // namespace detail

trace_headers get_trace_headers() noexcept {
  return trace_headers([](trace_headers& h) {
    // Before init() or after shutdown(), or inside suppress_tracing(): no headers.
    if (!detail::g_tracer.enabled || detail::tracing_suppressed()) return;
    detail::write_trace_headers(h, detail::resolve_current());
  });
}

trace_headers get_trace_headers(const span_ref& of) noexcept {
  return trace_headers([&of](trace_headers& h) {
    if (!detail::g_tracer.enabled || !of.is_valid()) return;  // also a reference from before the last init()
    if (of.epoch != detail::g_tracer.epoch) return;
    detail::current_trace c = detail::resolve_span(of);
    const detail::incoming_context* in = detail::tl_incoming;
    const bool scope_here = in && in->continued && in->parent.trace == of.trace;
    c.dsc_unknown = !c.block && ((of.is_recording() || (of.links & detail::ref_in_block)) ||
                                 ((of.links & detail::ref_continued) && !scope_here));
    detail::write_trace_headers(h, c);
  });
}

namespace detail {
inline bool capture_exception_event(std::string_view type, std::string_view value, const event_options* extra) noexcept {
  event_fields f;
  f.exception_type = type.empty() && value.empty() ? std::string_view("Error") : type;
  f.exception_value = value;
  f.lvl = level::error;
  f.extra = extra;
  return capture_event(f);
}
inline bool capture_message_event(std::string_view message, level lvl, const event_options* extra) noexcept {
  event_fields f;
  f.message = message;
  f.lvl = lvl;
  f.extra = extra;
  return capture_event(f);
}
#if SENTRY_TRACE_EXCEPTIONS
/// The type an exception event names: `given` when set, else e's dynamic type (RTTI), else
/// "std::exception". `buf` holds a demangled name.
inline std::string_view exception_type_name(const std::exception& e, std::string_view given, char* buf,
                                            std::size_t cap) noexcept {
  if (!given.empty()) return given;
#  if SENTRY_TRACE_DETAIL_RTTI
  return readable_type_name(typeid(e).name(), buf, cap);
#  else
  static_cast<void>(e);
  static_cast<void>(buf);
  static_cast<void>(cap);
  return "std::exception";
#  endif
}
#endif
}  // namespace detail

bool capture_exception(std::string_view type, std::string_view value) noexcept {
  return detail::capture_exception_event(type, value, nullptr);
}
bool capture_exception(std::string_view type, std::string_view value, const event_options& extra) noexcept {
  return detail::capture_exception_event(type, value, &extra);
}

#if SENTRY_TRACE_EXCEPTIONS
bool capture_exception(const std::exception& e, std::string_view type) noexcept {
  char buf[256];  // longer names stay mangled (type_name.hpp)
  return detail::capture_exception_event(detail::exception_type_name(e, type, buf, sizeof(buf)), e.what(), nullptr);
}
bool capture_exception(const std::exception& e, const event_options& extra, std::string_view type) noexcept {
  char buf[256];  // longer names stay mangled (type_name.hpp)
  return detail::capture_exception_event(detail::exception_type_name(e, type, buf, sizeof(buf)), e.what(), &extra);
}
#endif

bool capture_message(std::string_view message, level lvl) noexcept {
  return detail::capture_message_event(message, lvl, nullptr);
}
bool capture_message(std::string_view message, level lvl, const event_options& extra) noexcept {
  return detail::capture_message_event(message, lvl, &extra);
}

#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_RUNTIME_DISTRIBUTED_HPP

// end of part: include/sentry_trace/runtime/distributed.hpp

// =================================================================================================
// part: include/sentry_trace/runtime/api.hpp
// =================================================================================================

// sentry_trace/runtime/api.hpp -- the free functions of face/api.hpp, defined
//
// WHAT IT DOES  active_span(), set_measurement(), poll() and the frame tracker's clock, defined
//               once (implementation TU).

#ifndef SENTRY_TRACE_RUNTIME_API_HPP
#define SENTRY_TRACE_RUNTIME_API_HPP

// =================================================================================================
// part: include/sentry_trace/face/api.hpp
// =================================================================================================

// sentry_trace/face/api.hpp -- the free functions users call to trace
//
// WHAT IT DOES  The four ways to start a span, measurements, and access to the active span:
//                 start_span(opts, fn)       runs fn(span&) with the span active, ends it, returns fn's result
//                 scoped_span s(opts)        RAII: active until the end of the scope
//                 start_span_manual(opts)    active on this thread until end(); may be ended elsewhere
//                 start_inactive_span(opts)  never becomes a parent of later spans; end() it yourself
//               now(), the clock that span_options::start_time and span::end(at) take times
//               of; suppress_tracing(fn), inside which nothing is traced or propagated; and
//               poll(budget_us), which drives the built-in HTTP transport in poll mode.
//               A span started with no active span and no explicit parent is a transaction.
// DOES NOT      allocate, or lock or format text when a span starts or a child span ends. A
//               sampled span costs a clock read at each end, a compare-and-swap claiming its
//               slot in the transaction's block, an atomic add per string copied into the block's
//               arena, and one more when it ends. Ending a root writes and hands over its whole
//               transaction on the ending thread, under the envelope lock (hooks.hpp, lock_hook).
//               An unsampled span takes no slot; its trace's unrecorded spans are counted for
//               client reports. With tracing off at run time a start is one inline test.
// THREADS       Spans nest under this thread's active span. To continue on another thread, pass
//               the parent explicitly: span_options{"work", "task", parent_span}.
// ERRORS        Nothing here fails: over a capacity, spans are dropped and counted, strings
//               truncated and counted (get_stats(), client reports). With exceptions on, an
//               exception leaving start_span's callback sets internal_error, ends the span, and
//               propagates.

#ifndef SENTRY_TRACE_FACE_API_HPP
#define SENTRY_TRACE_FACE_API_HPP

#if SENTRY_TRACE_EXCEPTIONS
#  include <exception>
#endif
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
/// Starts a span under its explicit parent, this thread's active span, or as a transaction;
/// `make_active` pushes it on this thread's stack. Defined in core/recording.hpp.
span start_span_impl(const span_options& o, bool make_active) noexcept;

/// set_measurement's work, defined in runtime/api.hpp.
void record_measurement(std::string_view name, double value, std::string_view unit) noexcept;

/// Whether tracing is on in this run: written by init() and shutdown() (runtime/lifecycle.hpp,
/// through set_live_run), read inline by every start, so a program with tracing off at run time
/// pays one load and one predictable branch per span and makes no call. Zero-initialized static
/// storage; read and written with the compiler's atomic builtins (relaxed: it only picks the
/// path, start_span_impl checks the tracer again), so the face needs no <atomic>.
inline bool g_live_run = false;

#if defined(_MSC_VER) && !defined(__clang__)
// MSVC has no __atomic builtins; a volatile byte access is one plain load or store there, all this
// relaxed word needs.
inline bool live_run() noexcept { return *static_cast<volatile bool*>(&g_live_run); }
inline void set_live_run(bool on) noexcept { *static_cast<volatile bool*>(&g_live_run) = on; }
#else
inline bool live_run() noexcept { return __atomic_load_n(&g_live_run, __ATOMIC_RELAXED); }
inline void set_live_run(bool on) noexcept { __atomic_store_n(&g_live_run, on, __ATOMIC_RELAXED); }
#endif

/// Every start goes through here: under SENTRY_TRACE_SAMPLING_NEVER it is an empty handle,
/// inline, so the span path folds away in the caller; with tracing off at run time it is an
/// empty handle after one test.
inline span start(const span_options& o, bool make_active) noexcept {
  if constexpr (sampling_policy == sampling_policy_kind::never) return span{};
  if (!live_run()) return span{};
  return start_span_impl(o, make_active);
}
}  // namespace detail

/// Starts a span, makes it this thread's active span, runs `fn(span&)` and ends the span.
/// Returns what `fn` returns. Thread-safe.
template <class Fn> decltype(auto) start_span(const span_options& opts, Fn&& fn) {
  span s = detail::start(opts, true);
#if SENTRY_TRACE_EXCEPTIONS
  struct on_unwind {
    span& s;
    int uncaught = std::uncaught_exceptions();
    ~on_unwind() {
      if (std::uncaught_exceptions() > uncaught) s.set_status(span_status::internal_error);
      s.end();
    }
  } guard{s};
  return std::forward<Fn>(fn)(s);
#else
  if constexpr (std::is_void_v<decltype(std::forward<Fn>(fn)(s))>) {
    std::forward<Fn>(fn)(s);
    s.end();
  } else {
    decltype(auto) result = std::forward<Fn>(fn)(s);
    s.end();
    return result;
  }
#endif
}

/// Starts a span and makes it this thread's active span until end() (idempotent). The handle
/// may be moved to another thread and ended there. Thread-safe.
[[nodiscard]] inline span start_span_manual(const span_options& opts) noexcept { return detail::start(opts, true); }

/// Starts a span that never becomes the active span, so later spans do not nest under it
/// (pass it as an explicit parent to nest something). End it yourself. Thread-safe.
[[nodiscard]] inline span start_inactive_span(const span_options& opts) noexcept { return detail::start(opts, false); }

/// A span active for the rest of the scope, ended by the destructor.
class scoped_span {
 public:
  explicit scoped_span(const span_options& opts) noexcept : span_(detail::start(opts, true)) {}
  ~scoped_span() { span_.end(); }
  scoped_span(const scoped_span&) = delete;
  scoped_span& operator=(const scoped_span&) = delete;
  /// The span, to set attributes or status.
  span& get() noexcept { return span_; }
  span* operator->() noexcept { return &span_; }

 private:
  span span_;
};

/// A reference to this thread's active span (empty when there is none).
span_ref active_span() noexcept;

/// Now on the tracer's monotonic clock (span_time: options.clock, else steady_clock), for
/// span_options::start_time and span::end(at). Not given (0) before init() and after
/// shutdown(). Costs one read of that clock; thread-safe.
span_time now() noexcept;

namespace detail {
/// suppress_tracing's scope on this thread (runtime/api.hpp); enter returns false when this
/// thread could get no stack scope (SENTRY_TRACE_MAX_THREADS; logged), and then nothing is
/// suppressed.
bool enter_suppression() noexcept;
void leave_suppression() noexcept;
class suppression_scope {
 public:
  suppression_scope() noexcept : on_(enter_suppression()) {}
  ~suppression_scope() {
    if (on_) leave_suppression();
  }
  suppression_scope(const suppression_scope&) = delete;
  suppression_scope& operator=(const suppression_scope&) = delete;

 private:
  bool on_;
};
}  // namespace detail

/// Runs fn() with tracing suppressed on this thread and returns its result (as @sentry/core's
/// suppressTracing): spans started inside, with or without an explicit parent, record nothing
/// and are counted in no client report (nothing was meant to be sent, as with tracing off);
/// they carry their parent's ids, so errors captured inside still link to the enclosing span.
/// No trace headers go out inside: get_trace_headers() is empty and inject() sets nothing, as
/// @sentry/opentelemetry's propagator injects nothing while tracing is suppressed
/// (get_trace_headers(span_ref) still gives a named span's headers). The active span outside
/// is unchanged. Nested calls stack; the scope is this thread's (another thread's spans are
/// traced as usual). For code whose work must not be traced, e.g. a transport's own requests.
template <class Fn> decltype(auto) suppress_tracing(Fn&& fn) {
  detail::suppression_scope scope;
  return std::forward<Fn>(fn)();
}

/// Sets a measurement on the transaction of this thread's active span, e.g.
/// set_measurement("ttfb", 12.5, "millisecond"). `unit` is one of Relay's units (nanosecond …
/// week, byte … exbibyte, ratio, percent, none) or a custom ASCII unit of at most 15 bytes;
/// anything else is written as "none". Non-finite values, or no active sampled transaction:
/// dropped and counted (stats.measurements_dropped). A later value of the same name wins.
inline void set_measurement(std::string_view name, double value, std::string_view unit = "none") noexcept {
  if constexpr (detail::sampling_policy != detail::sampling_policy_kind::never) detail::record_measurement(name, value, unit);
}

/// Poll mode (options.delivery = delivery_mode::poll): sends what the built-in transports
/// have queued, doing non-blocking work for about `budget_us` microseconds (at least one
/// step), and returns whether their queues are empty. Call it from the program's loop. In
/// every mode it also sends the pending client report when one is due (every 60 s); beyond
/// that it is a no-op returning true in worker mode, with a user transport, or without the
/// HTTP transport.
bool poll(std::uint32_t budget_us) noexcept;

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_API_HPP

// end of part: include/sentry_trace/face/api.hpp

// =================================================================================================
// part: include/sentry_trace/face/frames.hpp
// =================================================================================================

// sentry_trace/face/frames.hpp -- slow and frozen frames of a game loop, as Sentry's frame measurements
//
// WHAT IT DOES  A frame_tracker counts the frames of a loop and, on attach(), puts Sentry's frame
//               measurements on the active transaction and, optionally, the same figures as data
//               on a span (PROTOCOL.md §12):
//                 transaction measurement   span data      value
//                 frames_total  (none)      frames.total   every frame
//                 frames_slow   (none)      frames.slow    target_frame_ns < duration <= frozen_frame_ns
//                 frames_frozen (none)      frames.frozen  duration > frozen_frame_ns
//                 frames_delay  (second)    frames.delay   sum of (duration - target_frame_ns) over
//                                                          the slow and frozen frames, in seconds
//               A frozen frame is counted as frozen only, never also as slow, as the mobile SDKs
//               do (sentry-java SentryFrameMetrics.addFrame, sentry-cocoa SentryFramesTracker):
//               frames_slow + frames_frozen is the number of frames that missed their target.
//               Both thresholds are exclusive: a frame of exactly the target time is not slow.
// STEP BY STEP  sentry_trace::frame_tracker frames;              // 60 Hz target, 700 ms frozen
//               sentry_trace::scoped_span level({"level 3", "game.level"});
//               while (playing) {
//                 frames.begin_frame();                          // or record_frame(duration_ns)
//                 update(); render();
//                 frames.end_frame();
//               }
//               frames.attach(&level.get());                     // before the transaction ends
// DOES NOT      allocate, lock or format text. record_frame() is two compares and three adds;
//               begin_frame()/end_frame() add one read of the tracer's clock hook each.
// RAM           sizeof(frame_tracker): six 64-bit words and a flag (56 bytes on LP64), wherever
//               the user puts it. Nothing global.
// THREADS       A frame_tracker is not synchronised: use each one from one thread at a time,
//               normally the thread that runs the loop. attach() must run on the thread where
//               the transaction is active (set_measurement reads this thread's active span).
//               Separate trackers on separate threads are independent.
// ERRORS        Nothing fails. attach() with no active sampled transaction drops the four
//               measurements and counts them (stats.measurements_dropped, one per measurement),
//               as set_measurement() does; the counters are reset either way.
// SPEC          https://develop.sentry.dev/sdk/telemetry/traces/frames-delay/
//               https://develop.sentry.dev/sdk/data-model/event-payloads/transaction/#measurements

#ifndef SENTRY_TRACE_FACE_FRAMES_HPP
#define SENTRY_TRACE_FACE_FRAMES_HPP

#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
/// Reads the tracer's monotonic clock (nanoseconds) into `out`; false while the tracer is off.
/// Defined in runtime/api.hpp.
bool frame_clock_now(std::uint64_t& out) noexcept;
}  // namespace detail

/// Thresholds of a frame_tracker. Zero in either field means its default.
struct frame_tracker_options {
  /// Expected frame time in nanoseconds (1e9 / refresh rate); a longer frame is slow and adds
  /// (duration - target) to the delay. Default 16'666'667 (60 Hz); 33'333'333 for 30 Hz.
  std::uint32_t target_frame_ns = 16'666'667;
  /// A frame longer than this, in nanoseconds, is frozen. Default 700'000'000 (700 ms), the mobile
  /// SDKs' value. Set below target_frame_ns, every late frame is frozen and none is slow.
  std::uint64_t frozen_frame_ns = 700'000'000;
};

/// Counts total, slow and frozen frames and their delay, and attaches them to a transaction.
/// Not synchronised: one thread at a time (see THREADS above). Copyable; a copy counts on its own.
class frame_tracker {
 public:
  explicit frame_tracker(frame_tracker_options opts = {}) noexcept
      : target_ns_(opts.target_frame_ns ? opts.target_frame_ns : frame_tracker_options{}.target_frame_ns),
        frozen_ns_(opts.frozen_frame_ns ? opts.frozen_frame_ns : frame_tracker_options{}.frozen_frame_ns) {}

  /// Counts one frame that took `duration_ns` nanoseconds. Works whether or not the tracer is
  /// initialised. Cost: two compares and up to three adds.
  void record_frame(std::uint64_t duration_ns) noexcept {
    ++total_;
    if (duration_ns <= target_ns_) return;
    if (duration_ns > frozen_ns_) ++frozen_;
    else ++slow_;
    delay_ns_ += duration_ns - target_ns_;
  }

  /// Marks the start of a frame, reading the tracer's monotonic clock (options.clock). A second
  /// begin_frame() without end_frame() restarts the frame. Ignored while the tracer is not
  /// initialised (there is no clock to read then).
  void begin_frame() noexcept {
    in_frame_ = clock_now(start_ns_);
  }
  /// Ends the frame begun by begin_frame() and records its duration (record_frame). Ignored
  /// without a matching begin_frame(), while the tracer is not initialised, or if the clock
  /// went backwards.
  void end_frame() noexcept {
    std::uint64_t now = 0;
    if (!in_frame_ || !clock_now(now)) return;
    in_frame_ = false;
    if (now >= start_ns_) record_frame(now - start_ns_);
  }

  /// Sets frames_total, frames_slow, frames_frozen (unit "none") and frames_delay (seconds, unit
  /// "second") as measurements on the transaction of this thread's active span (set_measurement),
  /// and, when `s` is given, its data attributes frames.total, frames.slow, frames.frozen
  /// (integers) and frames.delay (seconds, double). Then resets the counters (reset()), so the
  /// next level or scene starts from zero; a frame begun and not yet ended still counts there.
  /// Call it before ending the transaction. With no frame recorded it only resets: the mobile
  /// SDKs send no frame measurements then, and a zero frames_total makes Sentry's slow and frozen
  /// rates undefined. `s` is not kept; an empty, ended or unsampled span ignores the attributes.
  void attach(span* s = nullptr) noexcept {
    if (total_ != 0) {
      const double delay = delay_seconds();
      set_measurement("frames_total", static_cast<double>(total_), "none");
      set_measurement("frames_slow", static_cast<double>(slow_), "none");
      set_measurement("frames_frozen", static_cast<double>(frozen_), "none");
      set_measurement("frames_delay", delay, "second");
      if (s) {
        s->set_attribute("frames.total", total_);
        s->set_attribute("frames.slow", slow_);
        s->set_attribute("frames.frozen", frozen_);
        s->set_attribute("frames.delay", delay);
      }
    }
    reset();
  }

  /// Frames recorded since construction or the last reset()/attach().
  std::uint64_t total() const noexcept { return total_; }
  /// Of those, frames over the target time and not frozen.
  std::uint64_t slow() const noexcept { return slow_; }
  /// Of those, frames over the frozen threshold.
  std::uint64_t frozen() const noexcept { return frozen_; }
  /// Sum of (duration - target) over the slow and frozen frames, in seconds.
  double delay_seconds() const noexcept { return static_cast<double>(delay_ns_) / 1e9; }
  /// The same sum in nanoseconds (exact).
  std::uint64_t delay_ns() const noexcept { return delay_ns_; }
  /// The thresholds in effect (zeros replaced by the defaults).
  frame_tracker_options thresholds() const noexcept { return frame_tracker_options{target_ns_, frozen_ns_}; }

  /// Sets the counters and the delay to zero. Keeps the thresholds and a frame in progress.
  void reset() noexcept {
    total_ = 0;
    slow_ = 0;
    frozen_ = 0;
    delay_ns_ = 0;
  }

 private:
  /// Reads the tracer's clock into `out`; false while the tracer is off. The hook is only read
  /// while enabled: after shutdown() it may point at an object that no longer exists.
  static bool clock_now(std::uint64_t& out) noexcept { return detail::frame_clock_now(out); }

  std::uint32_t target_ns_;
  std::uint64_t frozen_ns_;
  std::uint64_t total_ = 0;
  std::uint64_t slow_ = 0;
  std::uint64_t frozen_ = 0;
  std::uint64_t delay_ns_ = 0;
  std::uint64_t start_ns_ = 0;
  bool in_frame_ = false;
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_FRAMES_HPP

// end of part: include/sentry_trace/face/frames.hpp

#include <cstdint>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN

#ifdef SENTRY_TRACE_IMPLEMENTATION
// Each is documented where face/api.hpp declares it.
span_ref active_span() noexcept {
  if (!detail::g_tracer.enabled) return span_ref{};
  detail::stack_entry* e = detail::current_entry();
  return e ? e->ref : span_ref{};
}

span_time now() noexcept {
  const detail::tracer& t = detail::g_tracer;
  // The hook is read only while enabled: after shutdown() it may point at an object gone.
  return t.enabled ? span_time{t.now_ns()} : span_time{};
}

bool detail::enter_suppression() noexcept {
  thread_scope* s = tl_scope ? tl_scope : take_thread_scope();
  if (!s) return false;
  ++s->suppressed;
  return true;
}
void detail::leave_suppression() noexcept {
  // The scope entered is still this thread's: a thread gives its scope back only at exit.
  if (thread_scope* s = tl_scope) --s->suppressed;
}

void detail::record_measurement(std::string_view name, double value, std::string_view unit) noexcept {
  if (g_tracer.enabled) set_measurement_impl(name, value, unit);
}

/// Poll mode: writes the envelopes of roots that have ended, at least one and more while
/// `budget_us` lasts (spent time is taken from it). True when none is left queued.
namespace detail {
inline bool write_queued_roots(std::uint32_t& budget_us) noexcept {
  handoff_queue& h = g_handoff;
  if (h.mode() != handoff_mode::poll) return true;
  const tracer& t = g_tracer;
  const std::uint64_t started = t.now_ns();
  const std::uint64_t budget_ns = static_cast<std::uint64_t>(budget_us) * 1000;
  while (h.take_and_write() && t.now_ns() - started < budget_ns) {
  }
  const std::uint64_t spent_us = (t.now_ns() - started) / 1000;
  budget_us = spent_us < budget_us ? static_cast<std::uint32_t>(budget_us - spent_us) : 0;
  return h.pending() == 0;
}
}  // namespace detail

bool poll(std::uint32_t budget_us) noexcept {
  detail::send_client_report_if_due();  // the periodic client report, in every delivery mode
  bool empty = detail::write_queued_roots(budget_us);
#if SENTRY_TRACE_DETAIL_HTTP_TRANSPORT
  detail::builtin_delivery& b = detail::g_builtin;
  if (b.main && !b.main->has_worker()) empty = b.main->poll(b.spotlight ? budget_us / 2 + 1 : budget_us) && empty;
  if (b.spotlight && !b.spotlight->has_worker()) empty = b.spotlight->poll(budget_us / 2 + 1) && empty;
#endif
  return empty;
}

// The hook is only read while enabled: after shutdown() it may point at an object that no
// longer exists.
bool detail::frame_clock_now(std::uint64_t& out) noexcept {
  const detail::tracer& t = detail::g_tracer;
  if (!t.enabled || !t.clock.now_ns) return false;
  out = t.now_ns();
  return true;
}
#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_RUNTIME_API_HPP

// end of part: include/sentry_trace/runtime/api.hpp

// =================================================================================================
// part: include/sentry_trace/runtime/active.hpp
// =================================================================================================

// sentry_trace/runtime/active.hpp -- the active span, writable; with_active_span; start_new_trace
//
// WHAT IT DOES  The out-of-line halves of face/active.hpp, defined once (implementation TU): a
//               borrowed_span's write under a claim on its block, the entries with_active_span
//               puts on this thread's stack, and start_new_trace's trace scope.

#ifndef SENTRY_TRACE_RUNTIME_ACTIVE_HPP
#define SENTRY_TRACE_RUNTIME_ACTIVE_HPP

// =================================================================================================
// part: include/sentry_trace/face/active.hpp
// =================================================================================================

// sentry_trace/face/active.hpp -- the active span, writable; code run under a given span or a new trace
//
// WHAT IT DOES  get_active_span()       (JS getActiveSpan) this thread's active span as a
//                                       borrowed_span: deep code sets attributes, status, name,
//                                       op and origin on it without holding its handle
//               with_active_span(r, fn) (JS withActiveSpan) runs fn() with the span `r` names as
//                                       this thread's active span, the previous one restored
//                                       after; an empty ref (or nullptr) means no active span
//                                       inside, as withActiveSpan(null, fn)
//               start_new_trace(fn)     (JS startNewTrace) runs fn() in a trace of its own: no
//                                       active span, no continue_trace() scope, and one fresh
//                                       trace id and sample_rand for the transactions started
//                                       inside and for headers and events outside any span
//               The out-of-line halves are runtime/active.hpp's (implementation TU).
// STEP BY STEP  st::get_active_span().set_attribute("cache.hit", true);      // deep in a handler
//               pool.run([ref = st::active_span()] {                           // on a worker thread
//                 st::with_active_span(ref, [] { st::scoped_span s({"parse", "task"}); });
//               });
//               st::start_new_trace([] { st::start_span({"nightly job", "task"}, [](st::span&) {}); });
// DOES NOT      allocate, lock, or end, abandon or keep alive a span. A borrowed_span's setter
//               claims the span's transaction block for the write (one compare-and-swap and one
//               atomic subtraction), so a span that has ended, or whose transaction has been
//               sent and its block reused, is never written: the setter is a no-op then, as on
//               an unrecorded span or an empty borrowed_span.
// THREADS       with_active_span changes only the calling thread's stack of active spans, so a
//               worker may run under a span of another thread; spans started inside are that
//               span's children, dropped and counted (no_parent_span) once its transaction has
//               been sent, as with span_options::parent. A span's fields are written by one
//               thread at a time, whichever handle does it: a borrowed_span must not change a
//               span while its owner (or another borrowed_span) changes or ends it on another
//               thread. get_active_span() under start_span/scoped_span on the same thread, its
//               common use, always keeps that rule.
// ERRORS        Nothing here fails. with_active_span and start_new_trace let fn's exception pass,
//               the thread's active span (and trace scope) restored first.

#ifndef SENTRY_TRACE_FACE_ACTIVE_HPP
#define SENTRY_TRACE_FACE_ACTIVE_HPP

#include <cstddef>
#include <type_traits>
#include <utility>

SENTRY_TRACE_DETAIL_BEGIN

/// A span that is not the holder's to end: it changes the span a span_ref names, as its own
/// handle would, and can never end or abandon it. Copyable, a span_ref in size; holding one keeps
/// nothing alive. Each setter takes exactly the arguments span's setter of that name takes, and
/// is a no-op on an empty, unrecorded or ended span, and once the span's transaction was sent.
class borrowed_span {
  static constexpr bool never_recording = SENTRY_TRACE_SAMPLING == SENTRY_TRACE_SAMPLING_NEVER;

 public:
  constexpr borrowed_span() noexcept = default;
  /// The span `ref` names: from span::ref(), active_span(), or another thread.
  constexpr explicit borrowed_span(const span_ref& ref) noexcept : ref_(ref) {}

  /// span::set_attribute: keys and string values are copied into the transaction's arena.
  template <class... Args>
  auto set_attribute(Args&&... args) noexcept -> decltype(std::declval<span&>().set_attribute(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_attribute(std::forward<Args>(args)...); });
  }
  /// span::set_attributes: a braced list, an array, or a pointer and a count, read during the
  /// call. Not a forwarding template: a braced list has no type to deduce.
  void set_attributes(span_attributes attributes) noexcept {
    if (is_recording()) write_([&](span& s) noexcept { s.set_attributes(attributes); });
  }
  /// span::set_status, with or without a message.
  template <class... Args>
  auto set_status(Args&&... args) noexcept -> decltype(std::declval<span&>().set_status(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_status(std::forward<Args>(args)...); });
  }
  /// span::set_http_status: the status from the code, and `http.response.status_code`.
  template <class... Args>
  auto set_http_status(Args&&... args) noexcept
      -> decltype(std::declval<span&>().set_http_status(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_http_status(std::forward<Args>(args)...); });
  }
  /// span::set_name: on a transaction's root also the transaction's name (and its source).
  template <class... Args>
  auto set_name(Args&&... args) noexcept -> decltype(std::declval<span&>().set_name(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_name(std::forward<Args>(args)...); });
  }
  /// span::set_op.
  template <class... Args>
  auto set_op(Args&&... args) noexcept -> decltype(std::declval<span&>().set_op(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_op(std::forward<Args>(args)...); });
  }
  /// span::set_origin.
  template <class... Args>
  auto set_origin(Args&&... args) noexcept -> decltype(std::declval<span&>().set_origin(std::forward<Args>(args)...)) {
    if (is_recording()) write_([&](span& s) noexcept { s.set_origin(std::forward<Args>(args)...); });
  }

  /// True when it names a span (sampled or not), as span_ref::is_valid: get_active_span() found one.
  bool is_valid() const noexcept { return ref_.is_valid(); }
  /// True when the span had a slot when the reference was taken (it may have ended since: then
  /// the setters are no-ops).
  bool is_recording() const noexcept { return !never_recording && ref_.is_recording(); }
  bool is_sampled() const noexcept { return ref_.is_sampled(); }
  trace_id trace() const noexcept { return ref_.trace; }
  span_id id() const noexcept { return ref_.id; }
  span_ref ref() const noexcept { return ref_; }
  /// Implicit, so that `span_options{"name", "op", st::get_active_span()}` reads naturally.
  operator span_ref() const noexcept { return ref_; }  // NOLINT(google-explicit-constructor)

 private:
  /// Runs write(span&) on a span handle for ref_, with the span's block claimed.
  template <class Write> void write_(Write&& write) const noexcept {
    apply_(&call_<std::remove_reference_t<Write>>, &write);
  }
  template <class Write> static void call_(span& s, void* write) noexcept { (*static_cast<Write*>(write))(s); }
  /// Defined in runtime/active.hpp: claims the block, runs write(handle, context), lets go.
  void apply_(void (*write)(span&, void*), void* context) const noexcept;

  span_ref ref_{};
};

/// This thread's active span, to change from code that does not hold its handle (JS
/// getActiveSpan): empty (every setter a no-op) when none is active, also inside
/// with_active_span(nullptr, ...) and start_new_trace(). Thread-safe; no heap, no lock.
[[nodiscard]] inline borrowed_span get_active_span() noexcept { return borrowed_span(active_span()); }

namespace detail {
/// Puts `ref` on this thread's stack of active spans (an empty ref: no active span); runtime/active.hpp.
active_mark enter_active(const span_ref& ref) noexcept;
/// Takes the entry enter_active() made off this thread's stack.
void leave_active(const active_mark& at) noexcept;
/// Opens a start_new_trace scope in `at` on this thread; leave_trace closes it.
void enter_new_trace(incoming_space& at) noexcept;

/// One with_active_span call's entry, taken off however fn leaves. With tracing off at run time
/// (or SENTRY_TRACE_SAMPLING_NEVER) nothing is pushed: no span starts anyway.
class active_scope {
 public:
  explicit active_scope(const span_ref& ref) noexcept {
    if constexpr (sampling_policy != sampling_policy_kind::never)
      if (live_run()) at_ = enter_active(ref);
  }
  ~active_scope() {
    if (at_.depth) leave_active(at_);
  }
  active_scope(const active_scope&) = delete;
  active_scope& operator=(const active_scope&) = delete;

 private:
  active_mark at_{};
};

/// One start_new_trace call's trace scope, closed however fn leaves.
class new_trace_scope {
 public:
  new_trace_scope() noexcept { enter_new_trace(space_); }
  ~new_trace_scope() { leave_trace(space_); }
  new_trace_scope(const new_trace_scope&) = delete;
  new_trace_scope& operator=(const new_trace_scope&) = delete;

 private:
  incoming_space space_;
};
}  // namespace detail

/// Runs fn() with the span `ref` names as this thread's active span and returns fn's result
/// (JS withActiveSpan): spans started inside without an explicit parent are its children, and
/// get_active_span(), get_trace_headers(), set_measurement() and error events see it. An empty
/// ref means no active span inside (JS withActiveSpan(null, fn)): spans started there are
/// transactions. The span is not ended when fn returns; a span from before the last init()
/// makes the spans started inside dropped and counted (no_parent_span), as such an explicit
/// parent does. Thread-safe; the calling thread's stack only (SENTRY_TRACE_MAX_DEPTH entries:
/// over it, fn runs under the previous active span, counted in stats.depth_overflows).
template <class Fn> decltype(auto) with_active_span(const span_ref& ref, Fn&& fn) {
  detail::active_scope scope(ref);
  return std::forward<Fn>(fn)();
}
/// with_active_span(nullptr, fn): fn runs with no active span (JS withActiveSpan(null, fn)).
template <class Fn> decltype(auto) with_active_span(std::nullptr_t, Fn&& fn) {
  return with_active_span(span_ref{}, std::forward<Fn>(fn));
}

/// Runs fn() in a trace of its own and returns fn's result (JS startNewTrace): no active span and
/// no continue_trace() scope inside; the transactions started there share one new trace id and
/// sample_rand, which also headers and error events outside any span carry. Outside it the
/// thread's trace is as before. Nested calls each start their own. Thread-safe.
template <class Fn> decltype(auto) start_new_trace(Fn&& fn) {
  detail::active_scope no_active_span{span_ref{}};
  detail::new_trace_scope trace;
  return std::forward<Fn>(fn)();
}

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_ACTIVE_HPP

// end of part: include/sentry_trace/face/active.hpp

#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
/// What with_active_span(ref) puts on this thread's stack: `ref` itself; for an empty ref, an
/// entry of this run that names no span (current_entry() stops at it: no active span inside);
/// for a ref from before the last init(), a dropped one, so that spans started under it are
/// dropped and counted, as under such an explicit parent.
inline span_ref active_entry_ref(const span_ref& ref) noexcept {
  if (!ref.is_valid()) return no_span_entry_ref();
  return ref.epoch == g_tracer.epoch ? ref : dropped_ref(ref);
}
}  // namespace detail

#ifdef SENTRY_TRACE_IMPLEMENTATION
// Each is documented where face/active.hpp declares it.

// The span's own handle needs no claim (its open count keeps the block); a borrower has none, so
// it claims the block: a span whose transaction was sent meanwhile, its block reused, is never
// written. The setters then check that the span is still the slot's and has not ended.
void borrowed_span::apply_(void (*write)(span&, void*), void* context) const noexcept {
  const detail::block_pin pin(ref_);
  if (!pin) return;
  span borrowed(ref_, detail::active_mark{});
  write(borrowed, context);
  borrowed.release_();  // not ours to end or abandon
}

detail::active_mark detail::enter_active(const span_ref& ref) noexcept {
  if (!g_tracer.enabled) return active_mark{};
  const span_ref entry = active_entry_ref(ref);
  return push_active([&](span_ref& active) { active = entry; });
}

void detail::leave_active(const active_mark& at) noexcept { pop_active(at); }

// @sentry/core's startNewTrace: a propagation context with a new trace id and sample_rand, no
// parent span and no DSC (each root freezes its own, as the head of the trace).
void detail::enter_new_trace(incoming_space& at) noexcept {
  incoming_context& ctx = open_trace_scope(at);  // before init() it only hides continue_trace's scope
  if (!g_tracer.enabled) return;
  ctx.fresh = true;
  ctx.parent.trace = new_trace_id();
  ctx.sample_rand_micros = new_sample_rand();
}
#endif // SENTRY_TRACE_IMPLEMENTATION

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_RUNTIME_ACTIVE_HPP

// end of part: include/sentry_trace/runtime/active.hpp
#endif // SENTRY_TRACE_IMPLEMENTATION || SENTRY_TRACE_INTERNALS
#endif // SENTRY_TRACE_ENABLED
