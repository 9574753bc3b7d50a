// Tests for console_transport's profile line (delivery/transport.hpp): an envelope with a
// `profile` item (in a transaction's envelope) or a `profile_chunk` item prints the top 5
// functions by self samples after the waterfall; names are decoded, frames of one function add
// up, tables that are full say so, and malformed items never print garbage.

#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace st = sentry_trace;
using test_support::harness;

std::string item(std::string_view type, const std::string& payload) {
  return "{\"type\":\"" + std::string(type) + "\",\"length\":" + std::to_string(payload.size()) + "}\n" + payload + "\n";
}

/// `count` samples of stack `stack_id` on thread `tid`, each followed by a comma.
std::string samples(std::size_t count, int stack_id, const char* tid = "1234") {
  std::string out;
  for (std::size_t i = 0; i < count; ++i)
    out += "{\"elapsed_since_start_ns\":\"" + std::to_string(i * 9900990) + "\",\"thread_id\":\"" + tid +
           "\",\"stack_id\":" + std::to_string(stack_id) + "},";
  return out;
}

/// A v1 profile payload with `samples_json` (its trailing comma dropped) and the given frames.
std::string v1_payload(std::string samples_json, const std::string& stacks, const std::string& frames) {
  if (!samples_json.empty() && samples_json.back() == ',') samples_json.pop_back();
  return "{\"version\":\"1\",\"event_id\":\"0123456789abcdef0123456789abcdef\",\"platform\":\"native\","
         "\"transaction\":{\"id\":\"a1b2c3d4e5f60718293a4b5c6d7e8f90\",\"name\":\"frame\",\"trace_id\":"
         "\"4bf92f3577b34da6a3ce929d0e0e4736\",\"active_thread_id\":\"1234\"},"
         "\"profile\":{\"samples\":[" +
         samples_json + "],\"stacks\":" + stacks + ",\"frames\":" + frames +
         ",\"thread_metadata\":{\"1234\":{\"name\":\"main\"}}}}";
}

const char* const workload_frames =
    "[{\"function\":\"hot_seventy()\",\"module\":\"workload\",\"in_app\":true,\"instruction_addr\":\"0x401a20\"},"
    "{\"function\":\"hot_thirty()\",\"module\":\"workload\",\"in_app\":true,\"instruction_addr\":\"0x401b40\"},"
    "{\"function\":\"main\",\"module\":\"workload\",\"in_app\":true,\"instruction_addr\":\"0x401d10\"}]";

std::string read_all(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  return text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

/// Hands the console every envelope, a transaction's with `extra` items appended: a hand-made
/// envelope_view over the library's own transaction envelope and view.
struct appending_transport final : st::transport {
  st::console_transport* console = nullptr;
  std::string extra;
  void send(st::envelope_view e) override {
    if (!e.transaction()) {
      console->send(e);
      return;
    }
    std::string bytes(e.bytes());
    if (!bytes.empty() && bytes.back() != '\n') bytes += '\n';
    bytes += extra;
    console->send(st::envelope_view(bytes, e.transaction(), false));
  }
};

/// Runs one traced transaction "frame" through the console with `extra` appended; its output.
std::string console_output_with(const std::string& extra) {
  std::FILE* out = std::tmpfile();
  REQUIRE(out);
  st::console_transport console(out);
  appending_transport forward;
  forward.console = &console;
  forward.extra = extra;
  std::string text;
  {
    harness h;
    h.opts.transport = &forward;
    REQUIRE(h.init());
    {
      st::scoped_span root({"frame", "game.frame"});
      h.advance_us(2000);
    }
    REQUIRE(st::shutdown(0));
    text = read_all(out);
  }
  std::fclose(out);
  return text;
}

std::string console_output_of(const std::string& envelope) {
  std::FILE* out = std::tmpfile();
  REQUIRE(out);
  st::console_transport console(out);
  console.send(st::envelope_view(envelope, nullptr, false));
  std::string text = read_all(out);
  std::fclose(out);
  return text;
}

const std::string chunk_header = "{\"event_id\":\"3e5d7c8b9a0f41e2b3c4d5e6f7a8b9c0\",\"sdk\":{\"name\":\"sentry_trace.native\"}}\n";

}  // namespace

TEST_CASE("console_transport profile line: a transaction's profile item prints its top functions by self samples after the waterfall") {
  // 412 samples: 289 in hot_seventy() (70.1%), 122 in hot_thirty() (29.6%), 1 in main (0.2%).
  const std::string payload =
      v1_payload(samples(289, 0) + samples(122, 1) + samples(1, 2), "[[0,2],[1,2],[2]]", workload_frames);
  const std::string text = console_output_with(item("profile", payload));
  CAPTURE(text);
  const std::vector<std::string> lines = lines_of(text);
  REQUIRE(lines.size() >= 3);
  CHECK(lines[0].rfind("transaction frame  trace ", 0) == 0);
  CHECK(lines.back() == "  profile: 412 samples  hot_seventy() 70.1%  hot_thirty() 29.6%  main 0.2%");
  // The waterfall comes first, whole: header, column line, the root span.
  CHECK(lines.size() == 4);
}

TEST_CASE("console_transport profile line: an envelope without a profile item prints no profile line") {
  const std::string text = console_output_with("");
  CAPTURE(text);
  CHECK(text.find("profile") == std::string::npos);
  CHECK(text.find("transaction frame") == 0);
}

TEST_CASE("console_transport profile line: a profile_chunk of two threads, members in any order, names decoded, the top 5 only") {
  // Frames 0 and 1 are one function at two addresses; frame 2's name has a \" and a \u00e9 and
  // frame 3's a surrogate pair; 7 functions, so the 2 coolest are not printed.
  const std::string frames =
      "[{\"function\":\"hot_seventy()\",\"instruction_addr\":\"0x10\",\"in_app\":true},"
      "{\"in_app\":true,\"instruction_addr\":\"0x20\",\"function\":\"hot_seventy()\"},"
      "{\"function\":\"operator\\\"\\\" _caf\\u00e9(char const*)\",\"in_app\":true},"
      "{\"function\":\"emoji_\\ud83d\\ude00()\",\"in_app\":true},"
      "{\"function\":\"draw_frame(Scene const&)\",\"in_app\":true},"
      "{\"function\":\"ioctl\",\"module\":\"libc.so.6\",\"in_app\":false},"
      "{\"instruction_addr\":\"0x7f00deadbeef\",\"in_app\":false},"
      "{\"function\":\"render_thread(void*)\",\"in_app\":true}]";
  std::string s = samples(30, 0, "100") + samples(25, 1, "100") + samples(20, 2, "200") + samples(10, 3, "200") +
                  samples(8, 4, "200") + samples(4, 5, "200") + samples(3, 6, "200");
  s.pop_back();
  // stacks, frames and thread_metadata before samples, whitespace between tokens.
  const std::string payload =
      "{\"version\":\"2\",\"profiler_id\":\"71bba98d90b545c39f2ae73f702fc4d2\",\"platform\":\"native\","
      "\"client_sdk\":{\"name\":\"sentry_trace.native\",\"version\":\"0.1.0\"},\"profile\":{ \"stacks\" : "
      "[[0,7],[1,7],[2,7],[3,7],[4,7],[5,4,7],[6,7]], \"frames\":" +
      frames + ",\"thread_metadata\":{\"100\":{\"name\":\"game\"},\"200\":{\"name\":\"render\"}},\n\"samples\":[" + s + "]}}";
  const std::string envelope = chunk_header + item("profile_chunk", payload);
  const std::string text = console_output_of(envelope);
  CAPTURE(text);
  const std::vector<std::string> lines = lines_of(text);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "[sentry_trace] profile chunk envelope, " + std::to_string(envelope.size()) + " bytes");
  CHECK(lines[1] ==
        "  profile: 100 samples  hot_seventy() 55.0%  operator\"\" _caf\xC3\xA9(char const*) 20.0%  "
        "emoji_\xF0\x9F\x98\x80() 10.0%  draw_frame(Scene const&) 8.0%  ioctl 4.0%");
}

TEST_CASE("console_transport profile line: a frame without a function shows its address; long names are cut on a character") {
  std::string long_name;
  for (int i = 0; i < 40; ++i) long_name += "\xC3\xA9";  // 80 bytes of "é", then one more character
  long_name += "x()";
  const std::string frames = "[{\"instruction_addr\":\"0x7f00deadbeef\"},{\"function\":\"" + long_name + "\"}]";
  const std::string payload = v1_payload(samples(3, 0) + samples(1, 1), "[[0],[1]]", frames);
  const std::string text = console_output_of(chunk_header + item("profile", payload));
  CAPTURE(text);
  const std::vector<std::string> lines = lines_of(text);
  REQUIRE(lines.size() == 2);
  CHECK(lines[1] == "  profile: 4 samples  0x7f00deadbeef 75.0%  " + long_name.substr(0, 80) + "... 25.0%");
}

TEST_CASE("console_transport profile line: samples past the fixed frame table are counted and said to be left out") {
  std::string frames = "[";
  for (int i = 0; i < 600; ++i) frames += "{\"function\":\"f" + std::to_string(i) + "\"},";
  frames.back() = ']';
  // Stack 0's leaf is frame 550 (past the 512 kept), stack 1's frame 3.
  const std::string payload = v1_payload(samples(2, 0) + samples(6, 1), "[[550,0],[3,0]]", frames);
  const std::string text = console_output_of(chunk_header + item("profile", payload));
  CAPTURE(text);
  CHECK(text.find("  profile: 8 samples  f3 75.0%  (2 samples left out: their stack or leaf frame is past the "
                  "first 2048 stacks / 512 frames)\n") != std::string::npos);
}

TEST_CASE("console_transport profile line: a malformed profile says it is not readable; a misframed item is not read at all") {
  // Broken JSON inside a well-framed item.
  std::string payload = v1_payload(samples(3, 0), "[[0,2],[1,2]", workload_frames);
  std::string text = console_output_of(chunk_header + item("profile", payload));
  CAPTURE(text);
  CHECK(text.find("  profile: not readable (malformed JSON)\n") != std::string::npos);
  // A string stack id, which the format does not allow.
  payload = v1_payload("{\"thread_id\":\"1\",\"stack_id\":\"0\"}", "[[0]]", workload_frames);
  text = console_output_of(chunk_header + item("profile", payload));
  CHECK(text.find("  profile: not readable (malformed profile.samples)") != std::string::npos);
  // No profile object at all.
  text = console_output_of(chunk_header + item("profile", "{\"version\":\"1\"}"));
  CHECK(text.find("  profile: not readable (no profile.samples, stacks and frames)") != std::string::npos);
  // An item whose length runs past the end: the framing stops there, nothing is printed.
  payload = v1_payload(samples(3, 0), "[[0,2]]", workload_frames);
  std::string cut = chunk_header + item("profile", payload);
  cut.resize(cut.size() - 10);
  text = console_output_of(cut);
  CHECK(text.find("profile:") == std::string::npos);
  // A profile item behind an item that is misframed is not reached either.
  text = console_output_of(chunk_header + "{\"type\":\"attachment\",\"length\":3}\nabcd\n" + item("profile", payload));
  CHECK(text.find("profile:") == std::string::npos);
  // Items without a length are read up to their newline.
  text = console_output_of(chunk_header + "{\"type\":\"profile\"}\n" + payload + "\n");
  CHECK(text.find("  profile: 3 samples  hot_seventy() 100.0%\n") != std::string::npos);
}

TEST_CASE("console_transport profile line: every prefix and byte change of a profile envelope is read within its bytes") {
  // Each variant sits in a heap block of exactly its size, so that a read past the end is a
  // sanitizer error in the ASan build; the line itself must still be one of the three kinds.
  const std::string payload =
      v1_payload(samples(3, 0) + samples(2, 1), "[[0,2],[1,2]]", workload_frames);
  const std::string envelope = chunk_header + item("profile", payload);
  std::FILE* out = std::tmpfile();
  REQUIRE(out);
  st::console_transport console(out);
  const char changes[] = {'"', '\\', '{', '}', '[', ']', ',', ':', '9', ' ', '\n'};
  std::size_t variants = 0;
  auto send_exact = [&](const std::string& bytes) {
    std::unique_ptr<char[]> block(new char[bytes.size() ? bytes.size() : 1]);
    std::memcpy(block.get(), bytes.data(), bytes.size());
    console.send(st::envelope_view(std::string_view(block.get(), bytes.size()), nullptr, false));
    ++variants;
  };
  for (std::size_t n = 0; n <= envelope.size(); ++n) send_exact(envelope.substr(0, n));
  for (std::size_t i = chunk_header.size(); i < envelope.size(); i += 3) {
    std::string changed = envelope;
    changed[i] = changes[i % sizeof(changes)];
    send_exact(changed);
  }
  const std::string text = read_all(out);
  std::fclose(out);
  std::size_t lines = 0, bad = 0;
  for (const std::string& line : lines_of(text)) {
    ++lines;
    const bool known = line.rfind("[sentry_trace] event envelope, ", 0) == 0 || line.rfind("  profile: ", 0) == 0;
    if (!known) ++bad;
  }
  CHECK(bad == 0);
  CHECK(lines >= variants);
  // The whole envelope is among the prefixes, and its line is right.
  CHECK(text.find("  profile: 5 samples  hot_seventy() 60.0%  hot_thirty() 40.0%\n") != std::string::npos);
}
