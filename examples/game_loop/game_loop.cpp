// game_loop.cpp -- a fixed-timestep game loop traced the way a game engine would trace it.
//
//   ./game_loop [levels] [frames-per-level]      (defaults: 2 levels, 120 frames)
//
// One transaction per level ("level 1", op game.level), with spans for the asset loads at its
// start and for update / physics / render in each frame. A frame_tracker puts Sentry's frame
// measurements (frames_total, frames_slow, frames_frozen, frames_delay) on each level.
// Delivery runs in poll mode: no thread of ours; the loop calls sentry_trace::poll() once per
// frame with a small time budget. With SENTRY_DSN set the levels go there through the built-in
// HTTP transport; without it they are printed as waterfalls.

// The hosted transports (console_transport, file_transport, http_transport) and the parsers are
// the library's internals: a TU that uses them says so. The definitions still come from the one
// implementation TU (the sentry_trace target's src/sentry_trace.cpp).
#define SENTRY_TRACE_INTERNALS
#include <sentry_trace.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace st = sentry_trace;
using game_clock = std::chrono::steady_clock;

namespace {

// Stand-ins for the engine's work, with durations a profiler can see.
void busy_for(std::chrono::microseconds d) {
  const auto until = game_clock::now() + d;
  while (game_clock::now() < until) {
  }
}

void load_assets(int level) {
  const char* assets[] = {"textures.pak", "meshes.pak", "audio.bank"};
  for (const char* name : assets) {
    st::start_span({name, "asset.load"}, [&](st::span& s) {
      s.set_attribute("level", level);
      busy_for(std::chrono::microseconds(1500));
    });
  }
}

// One frame: update, physics, render, each a child of the level's transaction. Every 40th
// frame takes far too long, as a hitch would, so that the level shows slow frames.
void run_frame(int frame) {
  st::start_span({"update", "game.update"}, [](st::span&) { busy_for(std::chrono::microseconds(600)); });
  st::start_span({"physics", "game.physics"}, [](st::span&) { busy_for(std::chrono::microseconds(900)); });
  st::start_span({"render", "game.render"}, [&](st::span&) {
    busy_for(std::chrono::microseconds(frame % 40 == 39 ? 24000 : 1200));
  });
}

} // namespace

int main(int argc, char** argv) {
  const int levels = argc > 1 ? std::atoi(argv[1]) : 2;
  const int frames_per_level = argc > 2 ? std::atoi(argv[2]) : 120;
  constexpr auto frame_time = std::chrono::microseconds(16667);  // 60 Hz fixed timestep

  const char* env_dsn = std::getenv("SENTRY_DSN");
  const bool to_sentry = env_dsn && *env_dsn;
  st::console_transport console;

  st::options o;
  o.dsn = to_sentry ? env_dsn : "https://public@o1.ingest.sentry.io/42";
  o.release = "game@1.0.0";
  o.environment = "development";
  o.traces_sample_rate = 1.0;
  o.delivery = st::delivery_mode::poll;            // no thread of ours: the loop drives delivery
  o.transport = to_sentry ? nullptr : &console;    // nullptr + DSN: the built-in HTTP transport
  if (!st::init(o)) return 1;

  for (int level = 1; level <= levels; ++level) {
    char name[32];
    std::snprintf(name, sizeof(name), "level %d", level);
    st::frame_tracker frames;                      // 60 Hz target, 700 ms frozen (the mobile SDKs')
    st::span level_span = st::start_span_manual({name, "game.level"});
    load_assets(level);

    auto next = game_clock::now();
    for (int frame = 0; frame < frames_per_level; ++frame) {
      frames.begin_frame();
      run_frame(frame);
      frames.end_frame();
      st::poll(200);                               // at most 200 µs of delivery work per frame
      next += frame_time;
      std::this_thread::sleep_until(next);
    }

    std::printf("%s: frames_total=%llu frames_slow=%llu frames_frozen=%llu frames_delay=%.6f s\n", name,
                static_cast<unsigned long long>(frames.total()), static_cast<unsigned long long>(frames.slow()),
                static_cast<unsigned long long>(frames.frozen()), frames.delay_seconds());
    frames.attach(&level_span);                    // measurements on the level's transaction
    level_span.end();                              // the envelope is queued, not sent, here
  }

  // Leaving the game: give delivery up to two seconds to finish, then shut down (which reports
  // whether everything went out).
  const auto deadline = game_clock::now() + std::chrono::seconds(2);
  while (!st::poll(5000) && game_clock::now() < deadline) {
  }
  return st::shutdown(2000) ? 0 : 2;
}
