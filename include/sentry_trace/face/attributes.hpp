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
