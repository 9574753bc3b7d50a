// Tests for span streaming (options.trace_lifecycle = stream): span v2 batches, a segment with
// more spans than a block holds sent whole, spans that end after their root, bounded memory.

#include "support.hpp"

#include <doctest/doctest.h>

#include <set>
#include <thread>
#include <string>
#include <vector>

namespace {

namespace st = sentry_trace;
namespace ts = test_support;
using ts::json;

std::string hex(st::span_id id) {
  char b[16];
  id.to_hex(b);
  return std::string(b, 16);
}

/// Every span v2 item of every span envelope sent, with its envelope's checks applied.
std::vector<json> streamed_items(const ts::capture_transport& t) {
  std::vector<json> items;
  for (const std::string& bytes : t.sent) {
    ts::envelope e = ts::parse_envelope(bytes);
    const ts::envelope_item* it = e.item("span");
    if (!it) continue;
    CHECK(it->header["content_type"].str == "application/vnd.sentry.items.span.v2+json");
    CHECK(it->body["version"].num == 2);
    const std::size_t n = it->body["items"].size();
    CHECK(n >= 1);
    CHECK(n <= 1000);
    CHECK(static_cast<std::size_t>(it->header["item_count"].num) == n);
    CHECK(e.header.has("sent_at"));
    CHECK_FALSE(e.header.has("event_id"));  // span envelopes carry none (PROTOCOL.md §6)
    CHECK(e.header["trace"].has("trace_id"));
    for (const json& item : it->body["items"].items) items.push_back(item);
  }
  return items;
}

struct streaming {
  ts::capture_transport transport;
  explicit streaming(std::uint32_t max_spans = SENTRY_TRACE_MAX_SPANS) {
    st::options o = ts::default_options(&transport);
    o.trace_lifecycle = st::trace_lifecycle::stream;
    o.max_spans = max_spans;
    REQUIRE(st::init(o));
  }
  ~streaming() { st::shutdown(0); }
  /// Sends pending outcomes (flush), then sums the client reports for (reason, category):
  /// outcomes reach a report only when one is sent.
  std::uint64_t discarded(const std::string& reason, const std::string& category) {
    st::flush(0);
    return transport.discarded(reason, category);
  }
  /// Every span outcome, all reasons together (after a flush).
  std::uint64_t discarded_spans() {
    st::flush(0);
    std::uint64_t n = 0;
    for (const char* r : {"sample_rate", "buffer_overflow", "queue_overflow", "ratelimit_backoff", "network_error",
                          "send_error", "invalid", "no_parent_span", "internal_sdk_error"})
      n += transport.discarded(r, "span");
    return n;
  }
};

} // namespace

TEST_SUITE("stream") {

TEST_CASE("a segment with more spans than a block holds is sent whole, in span v2 batches") {
  streaming s(100);  // small blocks, so the level needs many continuations
  constexpr int children = 1250;
  st::span_id root_id;
  std::string trace;
  {
    st::scoped_span level({"level 1", "game.level"});
    root_id = level.get().id();
    for (int i = 0; i < children; ++i) {
      st::scoped_span frame({"frame", "game.frame"});
      frame->set_attribute("frame.index", i);
    }
  }
  st::flush(0);
  const std::vector<json> items = streamed_items(s.transport);
  REQUIRE(items.size() == children + 1);
  std::set<std::string> ids;
  int segments = 0;
  for (const json& item : items) {
    ids.insert(item["span_id"].str);
    CHECK(item["trace_id"].str == items[0]["trace_id"].str);
    CHECK(item["attributes"]["sentry.segment.id"]["value"].str == hex(root_id));
    CHECK(item["attributes"]["sentry.segment.name"]["value"].str == "level 1");
    CHECK(item["start_timestamp"].num <= item["end_timestamp"].num);
    if (item["is_segment"].b) {
      ++segments;
      CHECK(item["span_id"].str == hex(root_id));
      CHECK(item["name"].str == "level 1");
      CHECK(item["attributes"]["sentry.op"]["value"].str == "game.level");
    } else {
      CHECK(item["parent_span_id"].str == hex(root_id));
      CHECK(item["name"].str == "frame");
      CHECK(item["attributes"]["frame.index"]["type"].str == "integer");
    }
  }
  CHECK(ids.size() == children + 1);
  CHECK(segments == 1);
  CHECK(s.discarded("buffer_overflow", "span") == 0);
  CHECK(s.discarded("invalid", "span") == 0);
}

TEST_CASE("children of a span in a continuation block keep their parent") {
  streaming s(10);
  st::span_id frame_id;
  {
    st::scoped_span level({"level 2", "game.level"});
    for (int i = 0; i < 25; ++i) {
      st::scoped_span frame({"frame", "game.frame"});
      frame_id = frame.get().id();
      st::scoped_span physics({"physics", "game.physics"});
    }
  }
  const std::vector<json> items = streamed_items(s.transport);
  REQUIRE(items.size() == 1 + 25 * 2);
  bool found = false;
  for (const json& item : items)
    if (item["name"].str == "physics" && item["parent_span_id"].str == hex(frame_id)) found = true;
  CHECK(found);  // the last frame's physics span, which lives in a continuation block
}

TEST_CASE("a span that ends after its root is still sent when streaming") {
  streaming s;
  st::span late;
  {
    st::scoped_span root({"job", "task"});
    late = st::start_inactive_span({"upload", "http.client"});
  }
  CHECK(streamed_items(s.transport).empty());  // the segment waits for its open span
  late.set_status(st::span_status::deadline_exceeded);
  late.end();
  const std::vector<json> items = streamed_items(s.transport);
  REQUIRE(items.size() == 2);
  for (const json& item : items)
    if (item["name"].str == "upload") {
      CHECK(item["status"].str == "error");
      CHECK(item["attributes"]["sentry.status.message"]["value"].str == "deadline_exceeded");
    }
}

TEST_CASE("streaming releases every block: memory stays bounded over many segments") {
  streaming s(50);
  for (int level = 0; level < 40; ++level) {
    st::scoped_span root({"level", "game.level"});
    for (int i = 0; i < 120; ++i) st::scoped_span frame({"frame", "game.frame"});
  }
  // 40 segments of 121 spans through 8 blocks: only possible when each is freed after sending.
  CHECK(streamed_items(s.transport).size() == 40 * 121);
  CHECK(s.discarded("buffer_overflow", "span") == 0);
  CHECK(s.discarded("buffer_overflow", "transaction") == 0);
  // And a full set of transactions can still start.
  std::vector<st::span> roots;
  for (int i = 0; i < SENTRY_TRACE_MAX_TRANSACTIONS; ++i) roots.push_back(st::start_inactive_span({"r", "task"}));
  for (st::span& r : roots) CHECK(r.is_recording());
  for (st::span& r : roots) r.end();
}

#if SENTRY_TRACE_THREADS
TEST_CASE("threads adding children to one streaming segment lose nothing while blocks rotate") {
  streaming s(64);
  constexpr int threads = 4, per_thread = 500;
  {
    st::scoped_span root({"level", "game.level"});
    const st::span_ref parent = root.get();
    std::vector<std::thread> workers;
    for (int w = 0; w < threads; ++w)
      workers.emplace_back([parent] {
        for (int i = 0; i < per_thread; ++i) st::start_inactive_span(st::span_options{"job", "task", parent}).end();
      });
    for (std::thread& w : workers) w.join();
  }
  const std::size_t sent = streamed_items(s.transport).size();
  const std::uint64_t dropped = s.discarded_spans();
  // Every span is either sent or counted; with 8 blocks and quick spans, none should be dropped.
  CHECK(sent + dropped == threads * per_thread + 1);
  CHECK(dropped == 0);
}
#endif

TEST_CASE("a child of a span in a retired continuation block goes to the segment's current one") {
  streaming s(1);
  st::span root = st::start_span_manual({"level", "game.level"});
  st::start_span({"first", "task"}, [](st::span&) {});           // fills the segment's block
  st::span in_c1 = st::start_span_manual({"in c1", "task"});      // continuation C1
  st::span in_c2 = st::start_inactive_span({"in c2", "task", root});  // C1 full: C2, C1 retired
  st::span under = st::start_span_manual({"under a span of c1", "task"});  // parent lives in retired C1
  CHECK(under.is_recording());
  under.end();
  in_c2.end();
  in_c1.end();
  root.end();
  std::set<std::string> names;
  for (const json& item : streamed_items(s.transport)) names.insert(item["name"].str);
  CHECK(names == std::set<std::string>{"level", "first", "in c1", "in c2", "under a span of c1"});
  CHECK(s.discarded_spans() == 0);
}

TEST_CASE("at shutdown a streaming segment sends its ended spans and counts the open ones") {
  ts::capture_transport transport;
  st::options o = ts::default_options(&transport);
  o.trace_lifecycle = st::trace_lifecycle::stream;
  REQUIRE(st::init(o));
  st::span root = st::start_span_manual({"level", "game.level"});
  st::span open_child = st::start_span_manual({"still loading", "task"});
  st::start_span({"done", "task"}, [](st::span&) {});
  root.end();  // the segment waits for its open child
  CHECK(streamed_items(transport).empty());
  st::shutdown(0);
  std::set<std::string> names;
  for (const json& item : streamed_items(transport)) names.insert(item["name"].str);
  CHECK(names == std::set<std::string>{"level", "done"});
  CHECK(transport.discarded("invalid", "span") == 1);
  CHECK(transport.discarded("invalid", "transaction") == 0);  // streaming sends no transactions
  open_child.end();  // from before the shutdown: a no-op
}

TEST_CASE("the default lifecycle still sends transactions") {
  ts::capture_transport transport;
  REQUIRE(st::init(ts::default_options(&transport)));
  { st::scoped_span root({"static", "task"}); }
  st::shutdown(0);
  CHECK(transport.transactions().size() == 1);
}

} // TEST_SUITE
