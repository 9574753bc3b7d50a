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
