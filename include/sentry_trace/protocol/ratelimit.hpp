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
//               profile -> profile (a transaction's v1 profile item), profile_chunk ->
//               profile_chunk (continuous profiling), client_report -> internal. `internal` is
//               limited only by an "all" limit (an empty category list), never by naming it.
//               Sentry's other categories (default attachment session replay monitor log_item
//               log_byte security feedback trace_metric metric_bucket internal) are recognised
//               (detail::classify_rate_limit_category) but we send nothing of theirs, so a limit
//               that lists only them changes nothing: for us it is the same as an unknown one.
//               Category names are matched exactly (lower case), as JS does.
// DOES NOT      allocate, lock, throw, use the locale, or read a clock (the caller passes now_ms).
// THREADS       none of its own: the owner (the transport) calls it under its lock.
// RAM           sizeof(rate_limiter) == 8 * (data_category::count_ + 1) bytes (56).
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

#include "../config.hpp"
#include "json.hpp"
#include "text.hpp"
#include "../core/outcomes.hpp"
#include "../core/platform.hpp"

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
  ours,    ///< transaction, span, error, profile or profile_chunk: `out` is set
  other,   ///< a Sentry category we never send (see CATEGORIES above): ignored
  unknown  ///< not a Sentry category: ignored
};

/// Classifies one category name (exact, lower case) from X-Sentry-Rate-Limits.
constexpr rate_limit_category classify_rate_limit_category(std::string_view name,
                                                           data_category& out) noexcept {
  if (name == "transaction") { out = data_category::transaction; return rate_limit_category::ours; }
  if (name == "span") { out = data_category::span; return rate_limit_category::ours; }
  if (name == "error") { out = data_category::error; return rate_limit_category::ours; }
  if (name == "profile") { out = data_category::profile; return rate_limit_category::ours; }
  if (name == "profile_chunk") { out = data_category::profile_chunk; return rate_limit_category::ours; }
  constexpr std::string_view others[] = {
      "default", "attachment", "session",  "replay",       "monitor",  "log_item",
      "log_byte", "security",  "feedback", "trace_metric", "metric_bucket", "internal"};
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
