// sentry_trace/integrations/hiredis.hpp -- Redis commands sent with hiredis, traced as Sentry's SDKs trace them
//
// WHAT IT DOES  Wraps hiredis's blocking calls, with their signatures and return values:
//                 sentry_trace::redis::command(c, "SET %s %b", key, value, value_len)   redisCommand
//                 sentry_trace::redis::vcommand(c, format, ap)                           redisvCommand
//                 sentry_trace::redis::command_argv(c, argc, argv, argvlen)               redisCommandArgv
//               Each command run under an active span becomes one child span of it, as
//               sentry_sdk's redis integration and @sentry/node's redisIntegration record them:
//                 op           db.redis
//                 description  the command and its key, every other argument `[Filtered]`, as
//                              sentry_sdk writes it: `SET 'user:1' [Filtered]`, `GET 'user:1'`;
//                              AUTH and HELLO (which can carry AUTH) show no argument at all:
//                              `AUTH [Filtered] [Filtered]`. At most 10 arguments, as sentry_sdk.
//                 origin       auto.db.hiredis (auto.<category>.<integration>: the instrumented
//                              library, as auto.http.curl and auto.db.sqlite name theirs)
//                 data         db.system and db.system.name `redis`; db.operation.name, the
//                              command in upper case; db.statement and db.query.text as
//                              @sentry/node forms them (`SET user:1 [1 other arguments]`,
//                              `MGET a b`), with only keys shown; server.address and server.port
//                              from the context (tcp host and port, or the unix socket path).
//               Cache spans: with set_cache_prefixes(), GET/MGET, SET/SETEX and DEL/UNLINK on a
//               key with one of those prefixes are cache operations for Sentry's Caches page. As
//               @sentry/node does (getRedisCacheAttributes), the command's one span is then the
//               cache span, decided when it starts: op cache.get / cache.put / cache.remove, named
//               after its keys (joined with ", "), with the db data above plus cache.key,
//               cache.operation (get/put/remove), network.peer.address / network.peer.port (tcp),
//               cache.hit (reads: false when the reply is nil, for MGET when every value is nil)
//               and cache.item_size (bytes of the value read, MGET's summed; for SET/SETEX the
//               bytes of the value written, as sentry_sdk computes it: @sentry/node would record
//               the size of the reply "OK"). sentry_sdk instead nests a separate cache span
//               around the db span; one span is what @sentry/node sends.
// DOES NOT      record a value, ever (not with options.send_default_pii either: the printf
//               arguments of a value are not even formatted, only counted); allocate (the
//               command's name and keys are gathered from the format and its arguments into
//               fixed stack buffers, parsed as hiredis parses them: %s, %b, %%, and the printf
//               integer and double conversions, which are formatted only inside a key); trace
//               a command with no active span (as @sentry/node's redis instrumentations, which
//               require a parent span); trace redisAppendCommand / redisGetReply pipelining or
//               the async API; know the database SELECTed (no db.namespace).
//               cache.key is one string (the keys joined with ", "): @sentry/node writes a list,
//               which a span attribute here cannot hold.
// LIMITS        A command's name: 32 bytes; its keys: 16 keys and 512 bytes together (a multi-key
//               command's later keys are counted in `[N other arguments]`, and only the recorded
//               ones are checked against the cache prefixes); description, statement and cache
//               key text: 512 bytes each, longer ones cut. Cache prefixes: 8 of at most 64 bytes.
// STACK         About 2.5 KB per traced command (the buffers above), nothing when unsampled.
// COST          With no active span: one call (active_span()) before hiredis's. Unsampled: that
//               and the unsampled span path. Sampled: the parse, one span start with its 7
//               attributes (12 for a cache span), one end. bench/integrations/bench_redis.cpp
//               measures it. On the 2-core dev machine, commands formatted without a round trip:
//               about 3 ns added with no span, 8-15 ns unsampled, 400-500 ns for a db.redis span,
//               620-810 ns for a cache span; in real round trips (colder caches) a db.redis span
//               adds 0.75-0.9 us of client CPU. Callgrind, client instructions per command over
//               hiredis's 7,250: 52 no span, 199 unsampled, 5,870 db.redis, 11,420 cache span;
//               of the 5,870, 4,340 are the span start, 3,900 of them the library storing the 7
//               attributes (it looks each key up among those already set).
// THREADS       As hiredis: one context is used by one thread at a time. set_cache_prefixes()
//               writes plain static storage: call it at start-up, before commands run.
// ERRORS        A command that fails is still one ended span: a null reply with the context's
//               error (REDIS_ERR_IO: unavailable, or deadline_exceeded when the call timed out;
//               REDIS_ERR_EOF: unavailable; REDIS_ERR_OOM: resource_exhausted; protocol and other
//               errors: internal_error) and errstr as the status message; an error reply with
//               internal_error (NOAUTH/WRONGPASS: unauthenticated, NOPERM: permission_denied),
//               its text as the message (cut before ", with args beginning with:", where Redis
//               echoes arguments) and its prefix (WRONGTYPE, ERR...) as db.response.status_code.
//               A non-blocking context returns null without an error: that span ends ok. errno is
//               left as hiredis left it.
// BUILD         Header-only; link hiredis. With SENTRY_TRACE_ENABLED=0 every wrapper is the bare
//               hiredis call.

#ifndef SENTRY_TRACE_INTEGRATIONS_HIREDIS_HPP
#define SENTRY_TRACE_INTEGRATIONS_HIREDIS_HPP

#include "../../sentry_trace.hpp"

#include <hiredis/hiredis.h>

#include <cerrno>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <new>
#include <string_view>

SENTRY_TRACE_DETAIL_BEGIN
namespace redis {

inline constexpr std::size_t max_cache_prefixes = 8;        ///< prefixes set_cache_prefixes keeps
inline constexpr std::size_t max_cache_prefix_bytes = 64;   ///< longest prefix it keeps

/// Keys starting with one of `prefixes` are cache keys (as @sentry/node's redisIntegration
/// option cachePrefixes): GET/MGET, SET/SETEX and DEL/UNLINK on them are cache spans. Copies
/// them (replacing earlier ones); an empty list turns cache spans off. Returns false when a
/// prefix was left out: past max_cache_prefixes, or longer than max_cache_prefix_bytes (a cut
/// prefix would match keys it was not meant to). Not thread-safe: call it at start-up.
inline bool set_cache_prefixes(const std::string_view* prefixes, std::size_t count) noexcept;
inline bool set_cache_prefixes(std::initializer_list<std::string_view> prefixes) noexcept {
  return set_cache_prefixes(prefixes.begin(), prefixes.size());
}

/// redisvCommand(c, format, ap), traced; returns what it returns (a redisReply* to free with
/// freeReplyObject, or null).
inline void* vcommand(redisContext* c, const char* format, va_list ap) noexcept;

/// redisCommand(c, format, ...), traced; returns what it returns. The format is hiredis's:
/// words separated by spaces, %s a C string, %b a pointer and a size_t length (binary safe),
/// and printf's integer and double conversions.
inline void* command(redisContext* c, const char* format, ...) noexcept {
  va_list ap;
  va_start(ap, format);
  void* reply = vcommand(c, format, ap);
  va_end(ap);
  return reply;
}

/// redisCommandArgv(c, argc, argv, argvlen), traced; returns what it returns. argvlen may be
/// null (every argument is then a C string), as for hiredis.
inline void* command_argv(redisContext* c, int argc, const char** argv, const std::size_t* argvlen) noexcept;

// ---- implementation ------------------------------------------------------------------------------

namespace detail {

/// The prefixes set_cache_prefixes() keeps: zero-initialized static storage.
struct cache_prefix_table {
  char text[max_cache_prefixes][max_cache_prefix_bytes];
  std::uint8_t size[max_cache_prefixes];
  std::size_t count;
};
inline cache_prefix_table g_cache_prefixes{};

inline bool has_cache_prefix(std::string_view key) noexcept {
  const cache_prefix_table& t = g_cache_prefixes;
  for (std::size_t i = 0; i < t.count; ++i)
    if (key.size() >= t.size[i] && std::memcmp(key.data(), t.text[i], t.size[i]) == 0) return true;
  return false;
}

inline constexpr std::size_t max_command_name_bytes = 32;
inline constexpr std::size_t max_recorded_keys = 16;
inline constexpr std::size_t max_key_bytes = 512;
inline constexpr std::size_t max_text_bytes = 512;
/// sentry_sdk's _MAX_NUM_ARGS: the description shows the arguments up to this index (0-based).
inline constexpr std::size_t max_described_args = 10;

/// Text gathered into a fixed buffer; what does not fit is cut, and counted in `dropped`.
template <std::size_t N> struct fixed_text {
  char bytes[N];
  std::size_t size = 0;
  std::size_t dropped = 0;

  void append(const char* p, std::size_t n) noexcept {
    const std::size_t room = N - size;
    const std::size_t take = n < room ? n : room;
    if (take != 0) std::memcpy(bytes + size, p, take);
    size += take;
    dropped += n - take;
  }
  void append(std::string_view s) noexcept { append(s.data(), s.size()); }
  void push(char ch) noexcept { append(&ch, 1); }
  std::string_view view() const noexcept { return std::string_view(bytes, size); }
};

/// Which arguments of a command are keys: the first (sentry_sdk's reading of every command),
/// all of them (MGET, DEL, UNLINK, TOUCH, EXISTS), or none (AUTH, HELLO: credentials).
enum class key_args : std::uint8_t { first, all, none };
/// The cache operation a command is, on a cache key (@sentry/node's GET_COMMANDS,
/// SET_COMMANDS, REMOVE_COMMANDS).
enum class cache_op : std::uint8_t { none, get, put, remove };

struct command_traits {
  key_args keys = key_args::first;
  cache_op cache = cache_op::none;
  std::uint8_t value_arg = 0;  ///< index of the value a cache put writes (0: none)
};

struct known_command {
  std::string_view name;
  command_traits traits;
};
inline constexpr known_command known_commands[] = {
    {"GET", {key_args::first, cache_op::get, 0}},   {"MGET", {key_args::all, cache_op::get, 0}},
    {"SET", {key_args::first, cache_op::put, 2}},   {"SETEX", {key_args::first, cache_op::put, 3}},
    {"DEL", {key_args::all, cache_op::remove, 0}},  {"UNLINK", {key_args::all, cache_op::remove, 0}},
    {"TOUCH", {key_args::all, cache_op::none, 0}},  {"EXISTS", {key_args::all, cache_op::none, 0}},
    {"AUTH", {key_args::none, cache_op::none, 0}},  {"HELLO", {key_args::none, cache_op::none, 0}},
};

constexpr char upper(char ch) noexcept { return ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 'a' + 'A') : ch; }

inline bool equals_ignore_case(std::string_view a, std::string_view upper_b) noexcept {
  if (a.size() != upper_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (upper(a[i]) != upper_b[i]) return false;
  return true;
}

inline command_traits traits_of(std::string_view name) noexcept {
  for (const known_command& k : known_commands)
    if (equals_ignore_case(name, k.name)) return k.traits;
  return command_traits{};
}

/// What a command's arguments tell the span: its name, its keys, how many arguments it has
/// and how many bytes the value it writes has. Nothing else of the arguments is kept.
struct parsed_command {
  fixed_text<max_command_name_bytes> name;
  fixed_text<max_key_bytes> keys;                  ///< the recorded keys, back to back
  std::uint16_t key_ends[max_recorded_keys];       ///< end of each key in `keys`
  std::size_t key_count = 0;
  std::size_t argc = 0;                            ///< arguments, the command's name included
  std::size_t value_bytes = 0;                     ///< a cache put's value (command_traits::value_arg)
  command_traits traits{};

  std::string_view key(std::size_t i) const noexcept {
    const std::size_t begin = i == 0 ? 0 : key_ends[i - 1];
    return std::string_view(keys.bytes + begin, key_ends[i] - begin);
  }
};

/// Receives a command's arguments piece by piece (a format's literals and conversions, or argv
/// entries) and keeps what parsed_command holds: the name (argument 0), keys, the value's size.
/// Every other argument is only counted: its text is never read.
class collector {
 public:
  enum class take : std::uint8_t { copy_name, copy_key, count_value, skip };

  explicit collector(parsed_command& out) noexcept : out_(out) {}

  take current() const noexcept { return take_; }
  /// Bytes of the current argument.
  void text(const char* p, std::size_t n) noexcept {
    switch (take_) {
      case take::copy_name: out_.name.append(p, n); break;
      case take::copy_key: out_.keys.append(p, n); break;
      case take::count_value: out_.value_bytes += n; break;
      case take::skip: break;
    }
  }
  /// A C string of the current argument (strlen only when its bytes count).
  void c_string(const char* s) noexcept {
    if (take_ != take::skip && s != nullptr) text(s, std::strlen(s));
  }
  /// A printf conversion of the current argument, formatted only inside a name or key.
  void conversion(const char* spec, va_list args) noexcept {
    if (take_ == take::skip) return;
    if (take_ == take::count_value) {
      const int n = std::vsnprintf(nullptr, 0, spec, args);
      if (n > 0) out_.value_bytes += static_cast<std::size_t>(n);
      return;
    }
    char number[64];
    const int n = std::vsnprintf(number, sizeof number, spec, args);
    if (n > 0) text(number, static_cast<std::size_t>(n) < sizeof number ? static_cast<std::size_t>(n) : sizeof number - 1);
  }
  /// Ends the current argument; the next piece starts the next one.
  void end_argument() noexcept {
    if (take_ == take::copy_name) out_.traits = traits_of(out_.name.view());
    if (take_ == take::copy_key) out_.key_ends[out_.key_count++] = static_cast<std::uint16_t>(out_.keys.size);
    ++out_.argc;
    take_ = next_take();
  }

 private:
  take next_take() const noexcept {
    const std::size_t index = out_.argc;
    const command_traits& t = out_.traits;
    if (t.keys == key_args::none) return take::skip;
    const bool is_key = t.keys == key_args::all ? index >= 1 : index == 1;
    if (is_key && out_.key_count < max_recorded_keys) return take::copy_key;
    if (t.value_arg != 0 && index == t.value_arg) return take::count_value;
    return take::skip;
  }

  parsed_command& out_;
  take take_ = take::copy_name;
};

constexpr bool is_integer_conversion(char ch) noexcept {
  return ch == 'd' || ch == 'i' || ch == 'o' || ch == 'u' || ch == 'x' || ch == 'X';
}
constexpr bool is_double_conversion(char ch) noexcept {
  return ch == 'e' || ch == 'E' || ch == 'f' || ch == 'F' || ch == 'g' || ch == 'G' || ch == 'a' || ch == 'A';
}
constexpr bool is_printf_flag(char ch) noexcept { return ch == '#' || ch == '0' || ch == '-' || ch == '+' || ch == ' '; }
constexpr bool is_digit(char ch) noexcept { return ch >= '0' && ch <= '9'; }

/// A printf conversion at `c` (its '%'), read as hiredis's redisvFormatCommand reads it:
/// flags, width, precision, then hh/h/ll/l and an integer conversion, or a double conversion.
/// Takes its argument from `ap`, hands it to `out`, and moves `c` as hiredis does (to the
/// conversion's last character but one; the caller steps past two). False for a conversion
/// hiredis refuses ("Invalid format string": the command then fails in hiredis too).
inline bool take_conversion(collector& out, const char*& c, va_list* ap) noexcept {
  const char* p = c + 1;
  while (*p != '\0' && is_printf_flag(*p)) ++p;
  while (is_digit(*p)) ++p;
  if (*p == '.') {
    ++p;
    while (is_digit(*p)) ++p;
  }
  va_list spec_args;
  va_copy(spec_args, *ap);
  bool valid = true;
  if (is_integer_conversion(*p)) {
    static_cast<void>(va_arg(*ap, int));
  } else if (is_double_conversion(*p)) {
    static_cast<void>(va_arg(*ap, double));
  } else if (p[0] == 'h') {  // hh and h: char and short arrive promoted to int
    p += p[1] == 'h' ? 2 : 1;
    valid = is_integer_conversion(*p);
    if (valid) static_cast<void>(va_arg(*ap, int));
  } else if (p[0] == 'l' && p[1] == 'l') {
    p += 2;
    valid = is_integer_conversion(*p);
    if (valid) static_cast<void>(va_arg(*ap, long long));
  } else if (p[0] == 'l') {
    p += 1;
    valid = is_integer_conversion(*p);
    if (valid) static_cast<void>(va_arg(*ap, long));
  } else {
    valid = false;
  }
  if (valid) {
    // hiredis formats a conversion only when it fits its 16-byte copy, and otherwise reads on
    // from the '%' as text (its argument taken all the same).
    const std::size_t spec_bytes = static_cast<std::size_t>(p + 1 - c);
    if (spec_bytes < 14) {
      char spec[16];
      std::memcpy(spec, c, spec_bytes);
      spec[spec_bytes] = '\0';
      out.conversion(spec, spec_args);
      c = p - 1;
    }
  }
  va_end(spec_args);
  return valid;
}

/// Splits a hiredis format into arguments as redisvFormatCommand does: spaces outside
/// conversions separate arguments (runs of them count once), %s and %b add their bytes to the
/// current argument, %% a '%', a '%' at the end is itself. False for a format hiredis refuses.
inline bool collect_format(collector& out, const char* c, va_list* ap) noexcept {
  bool touched = false;
  while (*c != '\0') {
    if (*c != '%' || c[1] == '\0') {
      if (*c == ' ') {
        if (touched) out.end_argument();
        touched = false;
      } else {  // a run of literal bytes, up to the next space or conversion
        const char* run = c;
        while (c[1] != '\0' && c[1] != ' ' && c[1] != '%') ++c;
        out.text(run, static_cast<std::size_t>(c + 1 - run));
        touched = true;
      }
    } else {
      switch (c[1]) {
        case 's': out.c_string(va_arg(*ap, const char*)); break;
        case 'b': {
          const char* bytes = va_arg(*ap, const char*);
          const std::size_t size = va_arg(*ap, std::size_t);
          if (size > 0) out.text(bytes, size);
          break;
        }
        case '%': out.text("%", 1); break;
        default:
          if (!take_conversion(out, c, ap)) return false;
          break;
      }
      touched = true;
      ++c;
    }
    ++c;
  }
  if (touched) out.end_argument();
  return true;
}

inline void collect_argv(collector& out, int argc, const char** argv, const std::size_t* argvlen) noexcept {
  for (int i = 0; i < argc; ++i) {
    const auto at = static_cast<std::size_t>(i);
    if (argvlen != nullptr) out.text(argv[at], argvlen[at]);
    else out.c_string(argv[at]);
    out.end_argument();
  }
}

/// `key` as Python's repr() writes a str in sentry_sdk's description: in single quotes, with
/// backslash, quote and control bytes escaped (a binary key stays readable and one line).
inline void append_quoted(fixed_text<max_text_bytes>& to, std::string_view key) noexcept {
  constexpr char hex[] = "0123456789abcdef";
  to.push('\'');
  std::size_t plain_from = 0;  // bytes that need no escape are copied in runs
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char ch = key[i];
    const auto byte = static_cast<unsigned char>(ch);
    if (byte >= 0x20 && byte != 0x7f && ch != '\\' && ch != '\'') continue;
    to.append(key.data() + plain_from, i - plain_from);
    plain_from = i + 1;
    if (ch == '\\' || ch == '\'') {
      to.push('\\');
      to.push(ch);
    } else if (ch == '\n') {
      to.append("\\n", 2);
    } else if (ch == '\r') {
      to.append("\\r", 2);
    } else if (ch == '\t') {
      to.append("\\t", 2);
    } else {
      const char escaped[4] = {'\\', 'x', hex[byte >> 4], hex[byte & 15]};
      to.append(escaped, 4);
    }
  }
  to.append(key.data() + plain_from, key.size() - plain_from);
  to.push('\'');
}

/// sentry_sdk's description (_get_safe_command): the command, its first argument quoted (its
/// key), `[Filtered]` for each later one, up to max_described_args; for AUTH/HELLO every
/// argument `[Filtered]`.
inline void write_description(fixed_text<max_text_bytes>& to, const parsed_command& cmd) noexcept {
  to.append(cmd.name.view());
  for (std::size_t i = 1; i < cmd.argc && i - 1 <= max_described_args; ++i) {
    to.push(' ');
    if (i == 1 && cmd.traits.keys != key_args::none && cmd.key_count > 0) append_quoted(to, cmd.key(0));
    else to.append("[Filtered]");
  }
}

/// `n` in decimal (without printf, which costs more than the rest of the statement).
inline void append_decimal(fixed_text<max_text_bytes>& to, std::size_t n) noexcept {
  char digits[20];
  std::size_t at = sizeof digits;
  do {
    digits[--at] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  to.append(digits + at, sizeof digits - at);
}

/// @sentry/node's db.statement (defaultDbStatementSerializer), showing keys only: the command,
/// its recorded keys, and `[N other arguments]` for the rest.
inline void write_statement(fixed_text<max_text_bytes>& to, const parsed_command& cmd) noexcept {
  to.append(cmd.name.view());
  for (std::size_t i = 0; i < cmd.key_count; ++i) {
    to.push(' ');
    to.append(cmd.key(i));
  }
  const std::size_t others = cmd.argc > 1 + cmd.key_count ? cmd.argc - 1 - cmd.key_count : 0;
  if (others == 0) return;
  to.append(" [", 2);
  append_decimal(to, others);
  to.append(" other arguments]");
}

/// Whether the command is a cache operation: a cache command on at least one recorded key
/// with a configured prefix (@sentry/node's shouldConsiderForCache).
inline cache_op cache_operation(const parsed_command& cmd) noexcept {
  if (cmd.traits.cache == cache_op::none || g_cache_prefixes.count == 0) return cache_op::none;
  for (std::size_t i = 0; i < cmd.key_count; ++i)
    if (has_cache_prefix(cmd.key(i))) return cmd.traits.cache;
  return cache_op::none;
}

/// The cache span's name and cache.key: the keys joined with ", " (@sentry/node's
/// `safeKey.join(', ')`).
inline void write_cache_key(fixed_text<max_text_bytes>& to, const parsed_command& cmd) noexcept {
  for (std::size_t i = 0; i < cmd.key_count; ++i) {
    if (i != 0) to.append(", ", 2);
    to.append(cmd.key(i));
  }
}

constexpr std::string_view cache_op_name(cache_op op) noexcept {
  return op == cache_op::get ? "cache.get" : op == cache_op::put ? "cache.put" : "cache.remove";
}
/// @sentry/core's CACHE_OPERATION_NAMES: the cache.operation value of each op.
constexpr std::string_view cache_operation_name(cache_op op) noexcept {
  return op == cache_op::get ? "get" : op == cache_op::put ? "put" : "remove";
}

/// Where the context is connected: server.address and server.port (0 for a unix socket).
struct peer {
  std::string_view address;
  int port = 0;
};
inline peer peer_of(const redisContext* c) noexcept {
  if (c->connection_type == REDIS_CONN_UNIX) return peer{c->unix_sock.path ? c->unix_sock.path : "", 0};
  return peer{c->tcp.host ? c->tcp.host : "", c->tcp.port};
}

#if SENTRY_TRACE_ENABLED
/// EWOULDBLOCK, where it is not EAGAIN's other name.
constexpr bool is_would_block(int e) noexcept {
#if defined(EWOULDBLOCK) && EWOULDBLOCK != EAGAIN
  return e == EWOULDBLOCK;
#else
  static_cast<void>(e);
  return false;
#endif
}

/// The status of a null reply, from the context's error (`was_failed`: it was already set
/// before the call, so the call's errno says nothing about it).
inline span_status status_of_context_error(int err, int call_errno, bool was_failed) noexcept {
  switch (err) {
    case REDIS_ERR_IO:
      if (!was_failed && (call_errno == EAGAIN || call_errno == ETIMEDOUT || is_would_block(call_errno)))
        return span_status::deadline_exceeded;
      return span_status::unavailable;
    case REDIS_ERR_EOF: return span_status::unavailable;
    case REDIS_ERR_OOM: return span_status::resource_exhausted;
    default: return span_status::internal_error;
  }
}

/// An error reply's prefix ("WRONGTYPE", "ERR"): its first word when that is upper case.
inline std::string_view error_prefix(std::string_view text) noexcept {
  std::size_t n = 0;
  while (n < text.size() && ((text[n] >= 'A' && text[n] <= 'Z') || text[n] == '_')) ++n;
  if (n == 0 || (n < text.size() && text[n] != ' ')) return {};
  return text.substr(0, n);
}

/// An error reply's text without the arguments Redis echoes for an unknown command.
inline std::string_view error_message(std::string_view text) noexcept {
  constexpr std::string_view echo = ", with args beginning with:";
  const std::size_t at = text.find(echo);
  return at == std::string_view::npos ? text : text.substr(0, at);
}

inline span_status status_of_error_prefix(std::string_view prefix) noexcept {
  if (prefix == "NOAUTH" || prefix == "WRONGPASS") return span_status::unauthenticated;
  if (prefix == "NOPERM") return span_status::permission_denied;
  return span_status::internal_error;
}

inline void record_error_reply(span& s, const redisReply* reply) noexcept {
  const std::string_view text(reply->str ? reply->str : "", reply->str ? reply->len : 0);
  const std::string_view prefix = error_prefix(text);
  s.set_status(status_of_error_prefix(prefix), error_message(text));
  if (!prefix.empty()) s.set_attribute("db.response.status_code", prefix);
}

/// cache.hit and cache.item_size of a cache read: a string reply is a hit of its length; nil a
/// miss; MGET's array a hit when any value is there, of their summed lengths.
inline void record_cache_read(span& s, const redisReply* reply) noexcept {
  bool hit = false;
  std::size_t bytes = 0;
  if (reply->type == REDIS_REPLY_STRING) {
    hit = true;
    bytes = reply->len;
  } else if (reply->type == REDIS_REPLY_ARRAY) {
    for (std::size_t i = 0; i < reply->elements; ++i) {
      const redisReply* e = reply->element[i];
      if (e == nullptr || e->type == REDIS_REPLY_NIL) continue;
      hit = true;
      if (e->type == REDIS_REPLY_STRING) bytes += e->len;
    }
  }
  s.set_attribute("cache.hit", hit);
  if (bytes > 0) s.set_attribute("cache.item_size", bytes);
}

/// What the reply tells the span: an error status, or a cache read's hit and size.
inline void record_reply(span& s, const redisContext* c, const redisReply* reply, cache_op cache, int call_errno,
                         bool was_failed) noexcept {
  if (reply == nullptr) {
    if (c->err != 0) s.set_status(status_of_context_error(c->err, call_errno, was_failed), c->errstr);
    return;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    record_error_reply(s, reply);
    return;
  }
  if (cache == cache_op::get) record_cache_read(s, reply);
}

/// The span's start: its name, op and attributes, written into this object's buffers.
struct span_start {
  fixed_text<max_text_bytes> name;
  fixed_text<max_text_bytes> statement;
  fixed_text<max_command_name_bytes> operation;
  std::size_t attribute_count = 0;
  cache_op cache = cache_op::none;

  span_start(const redisContext* c, const parsed_command& cmd) noexcept {
    cache = cache_operation(cmd);
    if (cache == cache_op::none) write_description(name, cmd);
    else write_cache_key(name, cmd);
    write_statement(statement, cmd);
    for (char ch : cmd.name.view()) operation.push(upper(ch));
    const peer where = peer_of(c);
    add("db.system", "redis");
    add("db.system.name", "redis");
    add("db.operation.name", operation.view());
    add("db.statement", statement.view());
    add("db.query.text", statement.view());
    if (!where.address.empty()) add("server.address", where.address);
    if (where.port != 0) add("server.port", where.port);
    if (cache == cache_op::none) return;
    add("cache.key", name.view());
    add("cache.operation", cache_operation_name(cache));
    if (!where.address.empty() && where.port != 0) {  // @sentry/node sets the peer only with both
      add("network.peer.address", where.address);
      add("network.peer.port", where.port);
    }
    if (cache == cache_op::put && cmd.value_bytes > 0) add("cache.item_size", cmd.value_bytes);
  }
  span_start(const span_start&) = delete;
  span_start& operator=(const span_start&) = delete;

  /// attribute_value has no empty state, so the attributes are made in place as they are added.
  void add(std::string_view key, attribute_value value) noexcept {
    ::new (static_cast<void*>(storage_ + attribute_count * sizeof(attribute))) attribute{key, value};
    ++attribute_count;
  }

  span_options options() const noexcept {
    span_options o;
    o.name = name.view();
    o.op = cache == cache_op::none ? std::string_view("db.redis") : cache_op_name(cache);
    o.origin = "auto.db.hiredis";
    o.attributes = span_attributes(std::launder(reinterpret_cast<const attribute*>(storage_)), attribute_count);
    return o;
  }

 private:
  static constexpr std::size_t max_attributes = 13;
  alignas(attribute) unsigned char storage_[max_attributes * sizeof(attribute)];
};

/// Runs `call` (hiredis's own) inside the command's span, records its outcome, and returns its
/// reply, errno as the call left it.
template <class Call>
void* traced_call(redisContext* c, const parsed_command& cmd, Call&& call) noexcept {
  const span_start start(c, cmd);
  span s = start_inactive_span(start.options());
  const cache_op cache = start.cache;
  const bool was_failed = c->err != 0;
  void* reply = call();
  const int call_errno = errno;
  if (s.is_recording()) record_reply(s, c, static_cast<const redisReply*>(reply), cache, call_errno, was_failed);
  s.end();
  errno = call_errno;
  return reply;
}

/// A command under an unsampled span: the unsampled span path (counted for client reports),
/// nothing parsed.
template <class Call> void* unsampled_call(Call&& call) noexcept {
  span s = start_inactive_span(span_options{"redis", "db.redis"});
  void* reply = call();
  const int call_errno = errno;
  s.end();
  errno = call_errno;
  return reply;
}

/// How a command is traced: not at all (no active span, or no context), on the unsampled
/// path, or fully.
enum class tracing : std::uint8_t { none, unsampled, sampled };
inline tracing tracing_for(const redisContext* c) noexcept {
  if (c == nullptr) return tracing::none;
  const span_ref parent = active_span();
  if (!parent.is_valid()) return tracing::none;
  return parent.is_sampled() ? tracing::sampled : tracing::unsampled;
}
#endif  // SENTRY_TRACE_ENABLED

}  // namespace detail

inline bool set_cache_prefixes(const std::string_view* prefixes, std::size_t count) noexcept {
  detail::cache_prefix_table& t = detail::g_cache_prefixes;
  t.count = 0;
  bool all_kept = true;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view p = prefixes[i];
    if (t.count == max_cache_prefixes || p.size() > max_cache_prefix_bytes) {
      all_kept = false;
      continue;
    }
    if (!p.empty()) std::memcpy(t.text[t.count], p.data(), p.size());
    t.size[t.count] = static_cast<std::uint8_t>(p.size());
    ++t.count;
  }
  return all_kept;
}

inline void* vcommand(redisContext* c, const char* format, va_list ap) noexcept {
#if SENTRY_TRACE_ENABLED
  switch (detail::tracing_for(c)) {
    case detail::tracing::none: break;
    case detail::tracing::unsampled: return detail::unsampled_call([&] { return redisvCommand(c, format, ap); });
    case detail::tracing::sampled: {
      detail::parsed_command cmd;
      detail::collector out(cmd);
      va_list scan;  // a copy: `ap` itself goes to hiredis untouched
      va_copy(scan, ap);
      detail::collect_format(out, format, &scan);
      va_end(scan);
      return detail::traced_call(c, cmd, [&] { return redisvCommand(c, format, ap); });
    }
  }
#endif
  return redisvCommand(c, format, ap);
}

inline void* command_argv(redisContext* c, int argc, const char** argv, const std::size_t* argvlen) noexcept {
#if SENTRY_TRACE_ENABLED
  switch (argc > 0 ? detail::tracing_for(c) : detail::tracing::none) {
    case detail::tracing::none: break;
    case detail::tracing::unsampled:
      return detail::unsampled_call([&] { return redisCommandArgv(c, argc, argv, argvlen); });
    case detail::tracing::sampled: {
      detail::parsed_command cmd;
      detail::collector out(cmd);
      detail::collect_argv(out, argc, argv, argvlen);
      return detail::traced_call(c, cmd, [&] { return redisCommandArgv(c, argc, argv, argvlen); });
    }
  }
#endif
  return redisCommandArgv(c, argc, argv, argvlen);
}

}  // namespace redis
SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_INTEGRATIONS_HIREDIS_HPP
