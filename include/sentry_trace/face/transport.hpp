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

#include "../config.hpp"
#include "ids.hpp"
#include "outcome_kinds.hpp"
#include "status.hpp"

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
  /// For a transaction envelope that carries a `profile` item: where that item starts (it is
  /// always the last one), so bytes().substr(0, profile_offset()) is the envelope without it.
  /// 0 when there is none.
  std::size_t profile_offset() const noexcept { return profile_offset_; }
  /// True for a continuous-profiling `profile_chunk` envelope.
  bool is_profile_chunk() const noexcept { return profile_chunk_; }

  /// Internal: the same view, saying that its last item, from `offset` on, is a profile.
  constexpr envelope_view with_profile_at(std::size_t offset) const noexcept {
    envelope_view v = *this;
    v.profile_offset_ = offset;
    return v;
  }
  /// Internal: a view of a profile_chunk envelope.
  static constexpr envelope_view profile_chunk(std::string_view bytes) noexcept {
    envelope_view v(bytes, nullptr, false);
    v.profile_chunk_ = true;
    return v;
  }

 private:
  std::string_view bytes_{};
  const transaction_view* transaction_ = nullptr;
  bool client_report_only_ = false;
  bool profile_chunk_ = false;
  std::uint32_t span_items_ = 0;
  std::size_t profile_offset_ = 0;
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
  /// (a transaction counts once as `transaction` and once per span as `span`, and once as
  /// `profile` when it carries one; a profile chunk once as `profile_chunk`; an error event
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
