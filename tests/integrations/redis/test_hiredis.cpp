// Tests for integrations/hiredis.hpp against a real redis-server (servers.py starts it and passes
// SENTRY_TRACE_TEST_REDIS_HOST / _PORT): the db.redis span of each command (description, op,
// origin, data, parent, status), what is never recorded (values, AUTH's arguments, the
// arguments Redis echoes in an error), how printf formats and argv are read, the cache spans of
// prefixed keys, failures (error replies, refused connections, timeouts) and the unsampled path.

#include "fixture.hpp"

#include <sentry_trace/integrations/hiredis.hpp>

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// compiled_out.cpp: the integration built with SENTRY_TRACE_ENABLED=0, -fno-exceptions -fno-rtti.
void* compiled_out_command(redisContext* c, const char* key);
void* compiled_out_command_argv(redisContext* c, const char* key);
bool compiled_out_set_cache_prefixes();

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
using ts::json;

std::string redis_host() {
  const char* h = std::getenv("SENTRY_TRACE_TEST_REDIS_HOST");
  return h ? h : "127.0.0.1";
}
int redis_port() {
  const char* p = std::getenv("SENTRY_TRACE_TEST_REDIS_PORT");
  REQUIRE_MESSAGE(p != nullptr, "run through tests/integrations/servers.py redis");
  return std::atoi(p);
}

/// A connection to the test's server, emptied (untraced) before use and freed after.
struct connection {
  redisContext* c = nullptr;
  connection() {
    c = redisConnect(redis_host().c_str(), redis_port());
    REQUIRE(c != nullptr);
    REQUIRE(c->err == 0);
    freeReplyObject(redisCommand(c, "FLUSHALL"));
  }
  ~connection() { redisFree(c); }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
};

/// Frees a reply when it goes out of scope.
struct reply {
  redisReply* r;
  explicit reply(void* p) : r(static_cast<redisReply*>(p)) {}
  ~reply() {
    if (r) freeReplyObject(r);
  }
  reply(const reply&) = delete;
  reply& operator=(const reply&) = delete;
  redisReply* operator->() const { return r; }
};

/// A local port where nothing listens (bound, read, closed).
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// Runs `fn` inside a transaction "request" and returns that transaction's payload.
template <class Fn> json in_transaction(ts::harness& h, Fn&& fn) {
  const std::size_t before = h.transport.transaction_payloads().size();
  st::start_span({"request", "http.server"}, [&](st::span&) { fn(); });
  const std::vector<json> txs = h.transport.transaction_payloads();
  REQUIRE(txs.size() == before + 1);
  return txs.back();
}

/// The spans of `tx` in order.
const std::vector<json>& spans_of(const json& tx) { return tx["spans"].items; }

/// The span of `tx` whose description is `name`; fails the test when there is none.
json span_named(const json& tx, const std::string& name) {
  for (const json& s : spans_of(tx))
    if (s["description"].str == name) return s;
  FAIL("no span named " << name);
  return json{};
}

std::string root_span_id(const json& tx) { return tx["contexts"]["trace"]["span_id"].str; }

/// Every byte the transport was sent, for checks that a value appears nowhere.
std::string everything_sent(const ts::harness& h) {
  std::string all;
  for (const std::string& e : h.transport.sent) all += e;
  return all;
}

/// Cache prefixes for one test case, cleared afterwards.
struct cache_prefixes {
  explicit cache_prefixes(std::initializer_list<std::string_view> p) { REQUIRE(st::redis::set_cache_prefixes(p)); }
  ~cache_prefixes() { st::redis::set_cache_prefixes({}); }
};

TEST_SUITE("integration_redis") {

TEST_CASE("a command under the active span is one db.redis child span, as sentry_sdk and @sentry/node write it") {
  ts::harness h;
  REQUIRE(h.init());
  connection db;
  std::string got;
  const json tx = in_transaction(h, [&] {
    reply set(st::redis::command(db.c, "SET %s %s", "user:1", "alice"));
    REQUIRE(set.r != nullptr);
    CHECK(set->type == REDIS_REPLY_STATUS);
    reply get(st::redis::command(db.c, "GET %s", "user:1"));
    REQUIRE(get.r != nullptr);
    REQUIRE(get->type == REDIS_REPLY_STRING);
    got.assign(get->str, get->len);
  });
  CHECK(got == "alice");  // the caller's reply, as hiredis returned it
  REQUIRE(spans_of(tx).size() == 2);

  const json set = span_named(tx, "SET 'user:1' [Filtered]");
  CHECK(set["op"].str == "db.redis");
  CHECK(set["origin"].str == "auto.db.hiredis");
  CHECK(set["status"].str == "ok");
  CHECK(set["parent_span_id"].str == root_span_id(tx));
  CHECK(set["trace_id"].str == tx["contexts"]["trace"]["trace_id"].str);
  const json& d = set["data"];
  CHECK(d["db.system"].str == "redis");
  CHECK(d["db.system.name"].str == "redis");
  CHECK(d["db.operation.name"].str == "SET");
  CHECK(d["db.statement"].str == "SET user:1 [1 other arguments]");
  CHECK(d["db.query.text"].str == "SET user:1 [1 other arguments]");
  CHECK(d["server.address"].str == redis_host());
  CHECK(d["server.port"].num == redis_port());
  CHECK_FALSE(d.has("cache.key"));

  const json get = span_named(tx, "GET 'user:1'");
  CHECK(get["op"].str == "db.redis");
  CHECK(get["parent_span_id"].str == root_span_id(tx));
  CHECK(get["data"]["db.statement"].str == "GET user:1");
  CHECK(get["data"]["db.operation.name"].str == "GET");
}

TEST_CASE("spans nest under whatever span is active, and a command with no active span records nothing") {
  ts::harness h;
  REQUIRE(h.init());
  connection db;
  freeReplyObject(st::redis::command(db.c, "PING"));  // no active span: not traced
  CHECK(h.transactions_sent() == 0);
  std::string inner_id;
  const json tx = in_transaction(h, [&] {
    st::start_span({"load user", "function"}, [&](st::span& inner) {
      inner_id = ts::hex(inner.id());
      freeReplyObject(st::redis::command(db.c, "PING"));
    });
  });
  const json ping = span_named(tx, "PING");
  CHECK(ping["parent_span_id"].str == inner_id);
  CHECK(ping["data"]["db.statement"].str == "PING");
  CHECK(h.transactions_sent() == 1);
}

TEST_CASE("values are never recorded: %s, %b, argv, SETEX, HSET, with send_default_pii too") {
  ts::harness h;
  h.opts.send_default_pii = true;
  REQUIRE(h.init());
  connection db;
  const char binary_secret[] = {'s', 'e', 'c', 'r', 'e', 't', '-', 'b', '\0', 'n'};
  in_transaction(h, [&] {
    freeReplyObject(st::redis::command(db.c, "SET k1 %s", "secret-value-1"));
    freeReplyObject(st::redis::command(db.c, "SET k2 %b", binary_secret, sizeof binary_secret));
    freeReplyObject(st::redis::command(db.c, "SET k3 secret-literal-3"));
    freeReplyObject(st::redis::command(db.c, "SETEX k4 100 %s", "secret-value-4"));
    freeReplyObject(st::redis::command(db.c, "HSET h field %s", "secret-value-5"));
    freeReplyObject(st::redis::command(db.c, "SET k6 %d", 987654321));
    const char* argv[] = {"SET", "k7", "secret-value-7"};
    freeReplyObject(st::redis::command_argv(db.c, 3, argv, nullptr));
  });
  const std::string all = everything_sent(h);
  CHECK(all.find("secret") == std::string::npos);
  CHECK(all.find("987654321") == std::string::npos);
  CHECK(all.find("SET 'k1' [Filtered]") != std::string::npos);
  CHECK(all.find("SETEX 'k4' [Filtered] [Filtered]") != std::string::npos);
  CHECK(all.find("HSET 'h' [Filtered] [Filtered]") != std::string::npos);
  // the value was sent to Redis all the same
  reply back(redisCommand(db.c, "GET k2"));
  REQUIRE(back->type == REDIS_REPLY_STRING);
  CHECK(std::string(back->str, back->len) == std::string(binary_secret, sizeof binary_secret));
}

TEST_CASE("AUTH's (and HELLO's) arguments are always filtered, and a failed AUTH is unauthenticated") {
  ts::harness h;
  h.opts.send_default_pii = true;
  REQUIRE(h.init());
  connection db;
  const json tx = in_transaction(h, [&] {
    reply one(st::redis::command(db.c, "AUTH %s", "hunter2-password"));
    CHECK(one->type == REDIS_REPLY_ERROR);  // the server has no password
    reply two(st::redis::command(db.c, "AUTH %s %s", "admin-user", "hunter2-password"));
    CHECK(two->type == REDIS_REPLY_ERROR);
    reply hello(st::redis::command(db.c, "HELLO 2 AUTH %s %s", "admin-user", "hunter2-password"));
    CHECK(hello->type == REDIS_REPLY_ERROR);
  });
  const std::string all = everything_sent(h);
  CHECK(all.find("hunter2") == std::string::npos);
  CHECK(all.find("admin-user") == std::string::npos);
  const json one = span_named(tx, "AUTH [Filtered]");
  CHECK(one["data"]["db.statement"].str == "AUTH [1 other arguments]");
  CHECK(one["status"].str == "internal_error");
  const json two = span_named(tx, "AUTH [Filtered] [Filtered]");
  CHECK(two["status"].str == "unauthenticated");
  CHECK(two["data"]["db.response.status_code"].str == "WRONGPASS");
  const json hello = span_named(tx, "HELLO [Filtered] [Filtered] [Filtered] [Filtered]");  // HELLO can carry AUTH
  CHECK(hello["data"]["db.statement"].str == "HELLO [4 other arguments]");
  CHECK(hello["status"].str == "unauthenticated");
}

TEST_CASE("an error reply is an ended span with an error status, its text, and none of the arguments Redis echoes") {
  ts::harness h;
  REQUIRE(h.init());
  connection db;
  freeReplyObject(redisCommand(db.c, "LPUSH list item"));
  const json tx = in_transaction(h, [&] {
    reply wrong(st::redis::command(db.c, "GET list"));
    REQUIRE(wrong.r != nullptr);
    CHECK(wrong->type == REDIS_REPLY_ERROR);
    reply unknown(st::redis::command(db.c, "NOSUCHCMD key %s", "secret-echoed"));
    CHECK(unknown->type == REDIS_REPLY_ERROR);
    CHECK(std::string(unknown->str).find("secret-echoed") != std::string::npos);  // Redis does echo it
  });
  const json wrong = span_named(tx, "GET 'list'");
  CHECK(wrong["status"].str == "internal_error");
  CHECK(wrong["data"]["sentry.status.message"].str == "WRONGTYPE Operation against a key holding the wrong kind of value");
  CHECK(wrong["data"]["db.response.status_code"].str == "WRONGTYPE");
  CHECK(wrong.has("timestamp"));
  const json unknown = span_named(tx, "NOSUCHCMD 'key' [Filtered]");
  CHECK(unknown["status"].str == "internal_error");
  CHECK(unknown["data"]["sentry.status.message"].str == "ERR unknown command 'NOSUCHCMD'");
  CHECK(everything_sent(h).find("secret-echoed") == std::string::npos);
}

TEST_CASE("a context connected to a port where nothing listens: null reply, span unavailable with hiredis's error") {
  ts::harness h;
  REQUIRE(h.init());
  const int port = closed_port();
  redisContext* c = redisConnect("127.0.0.1", port);
  REQUIRE(c != nullptr);
  CHECK(c->err != 0);
  void* r = nullptr;
  const json tx = in_transaction(h, [&] { r = st::redis::command(c, "GET %s", "some:key"); });
  CHECK(r == nullptr);
  const json get = span_named(tx, "GET 'some:key'");
  CHECK(get["status"].str == "unavailable");
  CHECK(get["data"]["sentry.status.message"].str == std::string(c->errstr));
  CHECK(get["data"]["server.port"].num == port);
  CHECK(get["parent_span_id"].str == root_span_id(tx));
  redisFree(c);
}

TEST_CASE("a unix socket context records its path as server.address and no port") {
  ts::harness h;
  REQUIRE(h.init());
  redisContext* c = redisConnectUnix("/nonexistent-dir/redis.sock");
  REQUIRE(c != nullptr);
  const json tx = in_transaction(h, [&] { CHECK(st::redis::command(c, "PING") == nullptr); });
  const json ping = span_named(tx, "PING");
  CHECK(ping["data"]["server.address"].str == "/nonexistent-dir/redis.sock");
  CHECK_FALSE(ping["data"].has("server.port"));
  CHECK(ping["status"].str == "unavailable");
  redisFree(c);
}

TEST_CASE("a command that runs past the context's timeout is deadline_exceeded") {
  ts::harness h;
  REQUIRE(h.init());
  connection db;
  REQUIRE(redisSetTimeout(db.c, timeval{0, 100000}) == REDIS_OK);
  const json tx = in_transaction(h, [&] { CHECK(st::redis::command(db.c, "BLPOP empty-list 5") == nullptr); });
  const json pop = span_named(tx, "BLPOP 'empty-list' [Filtered]");
  CHECK(pop["status"].str == "deadline_exceeded");
  CHECK(pop["data"]["sentry.status.message"].str.size() > 0);
}

TEST_CASE("printf formats are read as hiredis reads them: integers in keys, %%, %b binary keys, runs of spaces") {
  ts::harness h;
  REQUIRE(h.init());
  connection db;
  const char binary_key[] = {'b', 'i', 'n', '\0', '\n', 'k'};
  const json tx = in_transaction(h, [&] {
    freeReplyObject(st::redis::command(db.c, "SET user:%d:%lld   %s", 42, 7LL, "v"));
    freeReplyObject(st::redis::command(db.c, "INCRBY 100%%:%s %d", "x", 5));
    freeReplyObject(st::redis::command(db.c, "SET %b %b", binary_key, sizeof binary_key, "v", std::size_t{1}));
    freeReplyObject(st::redis::command(db.c, "GET %s", "with space"));
    freeReplyObject(st::redis::command(db.c, "SET %s %f", "pi", 3.25));
  });
  CHECK(span_named(tx, "SET 'user:42:7' [Filtered]")["data"]["db.statement"].str == "SET user:42:7 [1 other arguments]");
  CHECK(span_named(tx, "INCRBY '100%:x' [Filtered]")["data"]["db.operation.name"].str == "INCRBY");
  CHECK(span_named(tx, "SET 'bin\\x00\\nk' [Filtered]")["data"]["db.operation.name"].str == "SET");
  CHECK(span_named(tx, "GET 'with space'")["data"]["db.statement"].str == "GET with space");
  span_named(tx, "SET 'pi' [Filtered]");
  // hiredis got the same arguments
  reply k(redisCommand(db.c, "GET user:42:7"));
  REQUIRE(k->type == REDIS_REPLY_STRING);
  CHECK(std::string(k->str) == "v");
  reply i(redisCommand(db.c, "GET 100%%:x"));
  REQUIRE(i->type == REDIS_REPLY_STRING);
  CHECK(std::string(i->str) == "5");
}

TEST_CASE("command_argv: with and without lengths; multi-key commands show every key in the statement") {
  ts::harness h;
  REQUIRE(h.init());
  connection db;
  const json tx = in_transaction(h, [&] {
    const char* set[] = {"set", "ak", "value"};
    const std::size_t lens[] = {3, 2, 5};
    freeReplyObject(st::redis::command_argv(db.c, 3, set, lens));
    const char* mget[] = {"MGET", "ak", "bk", "ck"};
    reply r(st::redis::command_argv(db.c, 4, mget, nullptr));
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    CHECK(r->elements == 3);
    freeReplyObject(st::redis::command(db.c, "DEL ak bk"));
  });
  const json set = span_named(tx, "set 'ak' [Filtered]");
  CHECK(set["data"]["db.operation.name"].str == "SET");
  CHECK(set["data"]["db.statement"].str == "set ak [1 other arguments]");
  const json mget = span_named(tx, "MGET 'ak' [Filtered] [Filtered]");
  CHECK(mget["data"]["db.statement"].str == "MGET ak bk ck");
  CHECK(span_named(tx, "DEL 'ak' [Filtered]")["data"]["db.statement"].str == "DEL ak bk");
}

TEST_CASE("limits: at most 10 arguments described, 16 keys recorded, a 2 MB key and value cut, never crashing") {
  ts::harness h;
  REQUIRE(h.init());
  connection db;
  const std::string big_key(2 * 1024 * 1024, 'k');
  const std::string big_value(2 * 1024 * 1024, 'v');
  const json tx = in_transaction(h, [&] {
    freeReplyObject(st::redis::command(db.c, "RPUSH list a b c d e f g h i j k l m n o"));
    std::vector<const char*> argv{"DEL"};
    std::vector<std::string> keys;
    for (int i = 0; i < 20; ++i) keys.push_back("key" + std::to_string(i));
    for (const std::string& k : keys) argv.push_back(k.c_str());
    freeReplyObject(st::redis::command_argv(db.c, static_cast<int>(argv.size()), argv.data(), nullptr));
    reply set(st::redis::command(db.c, "SET %b %b", big_key.data(), big_key.size(), big_value.data(), big_value.size()));
    REQUIRE(set.r != nullptr);
    CHECK(set->type == REDIS_REPLY_STATUS);
  });
  REQUIRE(spans_of(tx).size() == 3);
  std::string described = "RPUSH 'list'";
  for (int i = 0; i < 10; ++i) described += " [Filtered]";
  const json rpush = span_named(tx, described);  // 11 of its 16 arguments, as sentry_sdk
  CHECK(rpush["data"]["db.statement"].str == "RPUSH list [15 other arguments]");
  const json del = spans_of(tx)[1];
  std::string statement = "DEL";
  for (int i = 0; i < 16; ++i) statement += " key" + std::to_string(i);
  CHECK(del["data"]["db.statement"].str == statement + " [4 other arguments]");
  const json set = spans_of(tx)[2];
  CHECK(set["description"].str.size() <= 512);
  CHECK(set["description"].str.substr(0, 9) == "SET 'kkkk");
  CHECK(set["data"]["db.statement"].str.size() <= 512);
  CHECK(set["status"].str == "ok");
  CHECK(everything_sent(h).find("vvvv") == std::string::npos);
}

TEST_CASE("cache prefixes: GET/MGET/SET/SETEX/DEL on prefixed keys are @sentry/node's one cache span") {
  ts::harness h;
  REQUIRE(h.init());
  connection db;
  const cache_prefixes prefixes{"cache:", "sess:"};
  const json tx = in_transaction(h, [&] {
    freeReplyObject(st::redis::command(db.c, "SET cache:user %s", "0123456789"));         // 10 bytes
    freeReplyObject(st::redis::command(db.c, "SETEX sess:a 100 %b", "abcd", std::size_t{4}));
    freeReplyObject(st::redis::command(db.c, "GET cache:user"));
    freeReplyObject(st::redis::command(db.c, "GET cache:missing"));
    freeReplyObject(st::redis::command(db.c, "MGET plain cache:user sess:a"));
    freeReplyObject(st::redis::command(db.c, "DEL cache:user"));
    freeReplyObject(st::redis::command(db.c, "GET plain"));       // no prefix: a db span
    freeReplyObject(st::redis::command(db.c, "INCR cache:count")); // not a cache command
  });
  REQUIRE(spans_of(tx).size() == 8);

  const json put = span_named(tx, "cache:user");  // named after its key: the first one is the put
  CHECK(put["op"].str == "cache.put");
  CHECK(put["origin"].str == "auto.db.hiredis");
  CHECK(put["parent_span_id"].str == root_span_id(tx));
  const json& pd = put["data"];
  CHECK(pd["cache.key"].str == "cache:user");
  CHECK(pd["cache.operation"].str == "put");
  CHECK(pd["cache.item_size"].num == 10);
  CHECK_FALSE(pd.has("cache.hit"));
  CHECK(pd["network.peer.address"].str == redis_host());
  CHECK(pd["network.peer.port"].num == redis_port());
  CHECK(pd["db.system"].str == "redis");
  CHECK(pd["db.statement"].str == "SET cache:user [1 other arguments]");
  CHECK(pd["server.port"].num == redis_port());

  const json setex = span_named(tx, "sess:a");
  CHECK(setex["op"].str == "cache.put");
  CHECK(setex["data"]["cache.item_size"].num == 4);

  std::vector<json> reads;
  for (const json& s : spans_of(tx))
    if (s["op"].str == "cache.get") reads.push_back(s);
  REQUIRE(reads.size() == 3);
  CHECK(reads[0]["description"].str == "cache:user");
  CHECK(reads[0]["data"]["cache.hit"].b == true);
  CHECK(reads[0]["data"]["cache.item_size"].num == 10);
  CHECK(reads[0]["data"]["cache.operation"].str == "get");
  CHECK(reads[1]["description"].str == "cache:missing");
  CHECK(reads[1]["data"]["cache.hit"].kind == json::bool_k);
  CHECK(reads[1]["data"]["cache.hit"].b == false);
  CHECK_FALSE(reads[1]["data"].has("cache.item_size"));
  CHECK(reads[2]["description"].str == "plain, cache:user, sess:a");
  CHECK(reads[2]["data"]["cache.key"].str == "plain, cache:user, sess:a");
  CHECK(reads[2]["data"]["cache.hit"].b == true);
  CHECK(reads[2]["data"]["cache.item_size"].num == 14);

  json remove;
  for (const json& s : spans_of(tx))
    if (s["op"].str == "cache.remove") remove = s;
  CHECK(remove["description"].str == "cache:user");
  CHECK(remove["data"]["cache.operation"].str == "remove");
  CHECK_FALSE(remove["data"].has("cache.hit"));
  CHECK_FALSE(remove["data"].has("cache.item_size"));

  CHECK(span_named(tx, "GET 'plain'")["op"].str == "db.redis");
  CHECK(span_named(tx, "INCR 'cache:count'")["op"].str == "db.redis");
  CHECK(everything_sent(h).find("0123456789") == std::string::npos);
}

TEST_CASE("set_cache_prefixes keeps at most 8 prefixes of 64 bytes and says when it left one out") {
  const std::string long_prefix(65, 'p');
  CHECK_FALSE(st::redis::set_cache_prefixes({"a", "b", "c", "d", "e", "f", "g", "h", "i"}));
  CHECK_FALSE(st::redis::set_cache_prefixes({"a:", long_prefix}));
  CHECK(st::redis::set_cache_prefixes({std::string(64, 'q')}));
  CHECK(st::redis::set_cache_prefixes({}));
}

TEST_CASE("unsampled: the command runs, nothing is sent, and its span is counted as the SDKs count it") {
  ts::harness h;
  h.opts.traces_sample_rate = 0.0;
  REQUIRE(h.init());
  connection db;
  const cache_prefixes prefixes{"cache:"};
  st::start_span({"request", "http.server"}, [&](st::span& root) {
    CHECK_FALSE(root.is_sampled());
    reply set(st::redis::command(db.c, "SET cache:k %s", "v"));
    CHECK(set->type == REDIS_REPLY_STATUS);
    reply get(st::redis::command(db.c, "GET cache:k"));
    REQUIRE(get->type == REDIS_REPLY_STRING);
    CHECK(std::string(get->str) == "v");
  });
  CHECK(h.transactions_sent() == 0);
  st::flush(0);
  CHECK(h.transport.discarded("sample_rate", "span") == 3);  // the root and its two commands
}

TEST_CASE("compiled out (SENTRY_TRACE_ENABLED=0, no exceptions, no RTTI), the wrappers are hiredis's calls and record nothing") {
  ts::harness h;
  REQUIRE(h.init());
  connection db;
  freeReplyObject(redisCommand(db.c, "SET plain-key value"));
  st::start_span({"request", "http.server"}, [&](st::span&) {
    reply one(compiled_out_command(db.c, "plain-key"));
    REQUIRE(one.r != nullptr);
    CHECK(std::string(one->str, one->len) == "value");
    reply two(compiled_out_command_argv(db.c, "plain-key"));
    REQUIRE(two.r != nullptr);
    CHECK(std::string(two->str, two->len) == "value");
    CHECK(compiled_out_set_cache_prefixes());
  });
  const std::vector<json> txs = h.transport.transaction_payloads();
  REQUIRE(txs.size() == 1);
  CHECK(txs[0]["spans"].items.empty());
}

}  // TEST_SUITE

}  // namespace
