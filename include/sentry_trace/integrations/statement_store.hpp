// sentry_trace/integrations/statement_store.hpp -- statement texts kept from prepare to execute
//
// WHAT IT DOES  A fixed table that remembers the (scrubbed) text of a prepared statement under a
//               key - the connection and the statement's name for libpq, the MYSQL_STMT handle
//               for MySQL - so that the span of a later execute, which is given only the key, can
//               carry the statement. Used by integrations/libpq.hpp and integrations/mysql.hpp.
//                 statement_store<Entries> store;
//                 store.remember(conn, "get_order", scrubbed_text);
//                 char text[statement_store_text_bytes];
//                 std::size_t n = store.recall(conn, "get_order", text);   // 0: not known
// DOES NOT      allocate: the table is Entries slots of statement_store_text_bytes of text
//               (SENTRY_TRACE_MAX_STRING, the most a span keeps of a string) and
//               statement_store_name_bytes of name. Longer texts are kept truncated (as the span
//               would keep them); a longer name is not kept (counted in not_kept()). When every
//               slot is taken, the least recently remembered entry is replaced (counted in
//               replaced()): its execute spans then carry no statement text.
//               Never stores bound values: it only ever sees the statement text it is given.
// THREADS       Every member may be called from any thread: one mutex guards the table, held
//               for a scan of the keys and one copy of at most statement_store_text_bytes.
// ERRORS        None: a statement that cannot be kept is simply not recalled later.

#ifndef SENTRY_TRACE_INTEGRATIONS_STATEMENT_STORE_HPP
#define SENTRY_TRACE_INTEGRATIONS_STATEMENT_STORE_HPP

#include "../../sentry_trace.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string_view>

namespace sentry_trace {
namespace integration {

/// Bytes of statement text kept per entry: what a span keeps of one string.
inline constexpr std::size_t statement_store_text_bytes = SENTRY_TRACE_MAX_STRING;
/// Bytes of statement name kept per entry: PostgreSQL's NAMEDATALEN (64) less its NUL.
inline constexpr std::size_t statement_store_name_bytes = 63;

template <std::size_t Entries>
class statement_store {
  static_assert(Entries >= 1, "a statement store needs at least one entry");

 public:
  /// Keeps `text` (truncated to statement_store_text_bytes) under (owner, name), replacing what
  /// that key held. False when the name is too long to keep.
  bool remember(const void* owner, std::string_view name, std::string_view text) noexcept {
    if (name.size() > statement_store_name_bytes) {
      not_kept_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    std::lock_guard<std::mutex> hold(lock_);
    entry& e = slot_for_(owner, name);
    e.owner = owner;
    e.name_bytes = static_cast<std::uint8_t>(name.size());
    if (!name.empty()) std::memcpy(e.name, name.data(), name.size());  // an empty view may hold nullptr
    e.text_bytes = text.size() < statement_store_text_bytes ? text.size() : statement_store_text_bytes;
    if (e.text_bytes != 0) std::memcpy(e.text, text.data(), e.text_bytes);
    e.stamp = ++clock_;
    return true;
  }

  /// Copies the text kept under (owner, name) into `out`; its length, 0 when nothing is kept.
  std::size_t recall(const void* owner, std::string_view name, char (&out)[statement_store_text_bytes]) noexcept {
    std::lock_guard<std::mutex> hold(lock_);
    const entry* e = find_(owner, name);
    if (e == nullptr) return 0;
    std::memcpy(out, e->text, e->text_bytes);
    return e->text_bytes;
  }

  /// Drops the entry under (owner, name) (DEALLOCATE of one statement).
  void forget(const void* owner, std::string_view name) noexcept {
    std::lock_guard<std::mutex> hold(lock_);
    if (entry* e = find_(owner, name)) *e = entry{};
  }

  /// Drops every entry of `owner` (the connection or the statement handle is being closed).
  void forget_owner(const void* owner) noexcept {
    std::lock_guard<std::mutex> hold(lock_);
    for (entry& e : entries_)
      if (e.owner == owner) e = entry{};
  }

  /// Entries replaced while still kept because every slot was taken.
  std::uint64_t replaced() const noexcept { return replaced_.load(std::memory_order_relaxed); }
  /// Statements not kept because their name was longer than statement_store_name_bytes.
  std::uint64_t not_kept() const noexcept { return not_kept_.load(std::memory_order_relaxed); }

 private:
  struct entry {
    const void* owner = nullptr;  ///< nullptr: the slot is free
    std::uint64_t stamp = 0;      ///< when it was remembered, for replacing the oldest
    std::size_t text_bytes = 0;
    std::uint8_t name_bytes = 0;
    char name[statement_store_name_bytes] = {};
    char text[statement_store_text_bytes] = {};
  };

  static bool same_key(const entry& e, const void* owner, std::string_view name) noexcept {
    return e.owner == owner && std::string_view(e.name, e.name_bytes) == name;
  }

  entry* find_(const void* owner, std::string_view name) noexcept {
    if (owner == nullptr) return nullptr;
    for (entry& e : entries_)
      if (same_key(e, owner, name)) return &e;
    return nullptr;
  }

  /// The entry of this key, else a free one, else the oldest (counted as replaced).
  entry& slot_for_(const void* owner, std::string_view name) noexcept {
    if (entry* same = find_(owner, name)) return *same;
    entry* oldest = &entries_[0];
    for (entry& e : entries_) {
      if (e.owner == nullptr) return e;
      if (e.stamp < oldest->stamp) oldest = &e;
    }
    replaced_.fetch_add(1, std::memory_order_relaxed);
    return *oldest;
  }

  std::mutex lock_;
  std::uint64_t clock_ = 0;
  std::atomic<std::uint64_t> replaced_{0};
  std::atomic<std::uint64_t> not_kept_{0};
  entry entries_[Entries];
};

}  // namespace integration
}  // namespace sentry_trace

#endif  // SENTRY_TRACE_INTEGRATIONS_STATEMENT_STORE_HPP
