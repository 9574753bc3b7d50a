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

/// True for a usable rate: a number in [0, 1] (NaN fails both comparisons).
constexpr bool valid_rate(double rate) noexcept { return rate >= 0.0 && rate <= 1.0; }

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
  double scale = 0x1p-52;
  for (int i = 0; i < exponent; ++i) scale *= 0.5;
  return static_cast<double>(m) * scale;
}

/// The decision for `rate` and a sample_rand of `rand_micros` millionths, made exactly as
/// @sentry/core (`sampleRand < parsedSampleRate`) and sentry_sdk (`self._sample_rand <
/// self.sample_rate`) make it: both compare two doubles, the propagated "0.421337" read as the
/// double nearest to it, and the rate. So a rate of 0.1 does not sample a sample_rand of 0.1,
/// although the double 0.1 lies a little above one tenth.
constexpr bool decide(double rate, std::uint32_t rand_micros) noexcept {
  return micros_to_double(rand_micros) < rate;
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
  const double scaled = rate * sample_rand_scale;
  std::uint32_t limit = !(scaled > 0.0) ? 0 : scaled >= sample_rand_scale ? sample_rand_scale : static_cast<std::uint32_t>(scaled);
  while (limit > 0 && !decide(rate, limit - 1)) --limit;
  while (limit < sample_rand_scale && decide(rate, limit)) ++limit;
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
    d.sample_rate_known = ctx.parent_sample_rate >= 0.0;
    d.sample_rate = d.sample_rate_known ? ctx.parent_sample_rate : 0.0;
    return d;
  }
  if (rate >= 0.0) {
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
