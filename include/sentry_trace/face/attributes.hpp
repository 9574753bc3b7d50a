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

#include "../config.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

SENTRY_TRACE_DETAIL_BEGIN

/// An attribute's value: a string, a 64-bit integer, a double or a bool (the four types Sentry's
/// span attributes have). A string literal is a string, never a bool.
class attribute_value {
 public:
  enum class kind : std::uint8_t { string, int64, float64, boolean };
  constexpr attribute_value(std::string_view s) noexcept : kind_(kind::string), text_(s) {}  // NOLINT: implicit by design
  constexpr attribute_value(const char* s) noexcept : kind_(kind::string), text_(s ? std::string_view(s) : std::string_view()) {}  // NOLINT
  constexpr attribute_value(bool b) noexcept : kind_(kind::boolean), bool_(b) {}  // NOLINT
  constexpr attribute_value(double d) noexcept : kind_(kind::float64), double_(d) {}  // NOLINT
  template <class Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool> && !std::is_same_v<Int, char>, int> = 0>
  constexpr attribute_value(Int i) noexcept  // NOLINT: implicit by design
      : kind_(kind::int64),
        int_(std::is_unsigned_v<Int> && sizeof(Int) >= sizeof(std::int64_t) && i > static_cast<Int>(INT64_MAX)
                 ? INT64_MAX
                 : static_cast<std::int64_t>(i)) {}
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

/// A key and value, for span_options::attributes.
struct attribute {
  std::string_view key;
  attribute_value value;
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
