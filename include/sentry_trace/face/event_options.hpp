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

#include "../config.hpp"
#include "status.hpp"

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
