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

#include "../config.hpp"
#include "json.hpp"
#include "../core/platform.hpp"
#include "../face/sampling_context.hpp"
#include "../face/sampler.hpp"
#include "../face/span.hpp"

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

/// The sampling context of a root about to start with `o`: its name, op, source and start
/// attributes (views into `o`: valid while `o` is). The parent's decision is the caller's to add.
inline sampling_context root_sampling_context(const span_options& o) noexcept {
  sampling_context ctx;
  ctx.name = o.name;
  ctx.op = o.op;
  ctx.source = o.source;
  const span_attributes attributes = o.start_attributes();
  ctx.attributes = attributes.data();
  ctx.attribute_count = attributes.size();
  return ctx;
}

/// Calls a traces_sampler-shaped function (traces_sampler, profiles_sampler) with `ctx`; false
/// when it threw (contained here: a sampler never takes the program down), else its rate is in
/// `chosen`.
inline bool run_sampler(const traces_sampler_fn& sampler, const sampling_context& ctx, double& chosen) noexcept {
#if SENTRY_TRACE_EXCEPTIONS
  try {
    chosen = sampler(ctx);
    return true;
  } catch (...) {
    return false;
  }
#else
  chosen = sampler(ctx);
  return true;
#endif
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
    have_rate = run_sampler(sampler, ctx, chosen);
    d.sampler_threw = !have_rate;  // then the parent's decision, then the rate, decide
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
