// sentry_trace/face/frames.hpp -- slow and frozen frames of a game loop, as Sentry's frame measurements
//
// WHAT IT DOES  A frame_tracker counts the frames of a loop and, on attach(), puts Sentry's frame
//               measurements on the active transaction and, optionally, the same figures as data
//               on a span (PROTOCOL.md §12):
//                 transaction measurement   span data      value
//                 frames_total  (none)      frames.total   every frame
//                 frames_slow   (none)      frames.slow    target_frame_ns < duration <= frozen_frame_ns
//                 frames_frozen (none)      frames.frozen  duration > frozen_frame_ns
//                 frames_delay  (second)    frames.delay   sum of (duration - target_frame_ns) over
//                                                          the slow and frozen frames, in seconds
//               A frozen frame is counted as frozen only, never also as slow, as the mobile SDKs
//               do (sentry-java SentryFrameMetrics.addFrame, sentry-cocoa SentryFramesTracker):
//               frames_slow + frames_frozen is the number of frames that missed their target.
//               Both thresholds are exclusive: a frame of exactly the target time is not slow.
// STEP BY STEP  sentry_trace::frame_tracker frames;              // 60 Hz target, 700 ms frozen
//               sentry_trace::scoped_span level({"level 3", "game.level"});
//               while (playing) {
//                 frames.begin_frame();                          // or record_frame(duration_ns)
//                 update(); render();
//                 frames.end_frame();
//               }
//               frames.attach(&level.get());                     // before the transaction ends
// DOES NOT      allocate, lock or format text. record_frame() is two compares and three adds;
//               begin_frame()/end_frame() add one read of the tracer's clock hook each.
// RAM           sizeof(frame_tracker): six 64-bit words and a flag (56 bytes on LP64), wherever
//               the user puts it. Nothing global.
// THREADS       A frame_tracker is not synchronised: use each one from one thread at a time,
//               normally the thread that runs the loop. attach() must run on the thread where
//               the transaction is active (set_measurement reads this thread's active span).
//               Separate trackers on separate threads are independent.
// ERRORS        Nothing fails. attach() with no active sampled transaction drops the four
//               measurements and counts them (stats.measurements_dropped, one per measurement),
//               as set_measurement() does; the counters are reset either way.
// SPEC          https://develop.sentry.dev/sdk/telemetry/traces/frames-delay/
//               https://develop.sentry.dev/sdk/data-model/event-payloads/transaction/#measurements

#ifndef SENTRY_TRACE_FACE_FRAMES_HPP
#define SENTRY_TRACE_FACE_FRAMES_HPP

#include "../config.hpp"
#include "api.hpp"
#include "span.hpp"

#include <cstdint>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {
/// Reads the tracer's monotonic clock (nanoseconds) into `out`; false while the tracer is off.
/// Defined in runtime/api.hpp.
bool frame_clock_now(std::uint64_t& out) noexcept;
}  // namespace detail

/// Thresholds of a frame_tracker. Zero in either field means its default.
struct frame_tracker_options {
  /// Expected frame time in nanoseconds (1e9 / refresh rate); a longer frame is slow and adds
  /// (duration - target) to the delay. Default 16'666'667 (60 Hz); 33'333'333 for 30 Hz.
  std::uint32_t target_frame_ns = 16'666'667;
  /// A frame longer than this, in nanoseconds, is frozen. Default 700'000'000 (700 ms), the mobile
  /// SDKs' value. Set below target_frame_ns, every late frame is frozen and none is slow.
  std::uint64_t frozen_frame_ns = 700'000'000;
};

/// Counts total, slow and frozen frames and their delay, and attaches them to a transaction.
/// Not synchronised: one thread at a time (see THREADS above). Copyable; a copy counts on its own.
class frame_tracker {
 public:
  explicit frame_tracker(frame_tracker_options opts = {}) noexcept
      : target_ns_(opts.target_frame_ns ? opts.target_frame_ns : frame_tracker_options{}.target_frame_ns),
        frozen_ns_(opts.frozen_frame_ns ? opts.frozen_frame_ns : frame_tracker_options{}.frozen_frame_ns) {}

  /// Counts one frame that took `duration_ns` nanoseconds. Works whether or not the tracer is
  /// initialised. Cost: two compares and up to three adds.
  void record_frame(std::uint64_t duration_ns) noexcept {
    ++total_;
    if (duration_ns <= target_ns_) return;
    if (duration_ns > frozen_ns_) ++frozen_;
    else ++slow_;
    delay_ns_ += duration_ns - target_ns_;
  }

  /// Marks the start of a frame, reading the tracer's monotonic clock (options.clock). A second
  /// begin_frame() without end_frame() restarts the frame. Ignored while the tracer is not
  /// initialised (there is no clock to read then).
  void begin_frame() noexcept {
    in_frame_ = clock_now(start_ns_);
  }
  /// Ends the frame begun by begin_frame() and records its duration (record_frame). Ignored
  /// without a matching begin_frame(), while the tracer is not initialised, or if the clock
  /// went backwards.
  void end_frame() noexcept {
    std::uint64_t now = 0;
    if (!in_frame_ || !clock_now(now)) return;
    in_frame_ = false;
    if (now >= start_ns_) record_frame(now - start_ns_);
  }

  /// Sets frames_total, frames_slow, frames_frozen (unit "none") and frames_delay (seconds, unit
  /// "second") as measurements on the transaction of this thread's active span (set_measurement),
  /// and, when `s` is given, its data attributes frames.total, frames.slow, frames.frozen
  /// (integers) and frames.delay (seconds, double). Then resets the counters (reset()), so the
  /// next level or scene starts from zero; a frame begun and not yet ended still counts there.
  /// Call it before ending the transaction. With no frame recorded it only resets: the mobile
  /// SDKs send no frame measurements then, and a zero frames_total makes Sentry's slow and frozen
  /// rates undefined. `s` is not kept; an empty, ended or unsampled span ignores the attributes.
  void attach(span* s = nullptr) noexcept {
    if (total_ != 0) {
      const double delay = delay_seconds();
      set_measurement("frames_total", static_cast<double>(total_), "none");
      set_measurement("frames_slow", static_cast<double>(slow_), "none");
      set_measurement("frames_frozen", static_cast<double>(frozen_), "none");
      set_measurement("frames_delay", delay, "second");
      if (s) {
        s->set_attribute("frames.total", total_);
        s->set_attribute("frames.slow", slow_);
        s->set_attribute("frames.frozen", frozen_);
        s->set_attribute("frames.delay", delay);
      }
    }
    reset();
  }

  /// Frames recorded since construction or the last reset()/attach().
  std::uint64_t total() const noexcept { return total_; }
  /// Of those, frames over the target time and not frozen.
  std::uint64_t slow() const noexcept { return slow_; }
  /// Of those, frames over the frozen threshold.
  std::uint64_t frozen() const noexcept { return frozen_; }
  /// Sum of (duration - target) over the slow and frozen frames, in seconds.
  double delay_seconds() const noexcept { return static_cast<double>(delay_ns_) / 1e9; }
  /// The same sum in nanoseconds (exact).
  std::uint64_t delay_ns() const noexcept { return delay_ns_; }
  /// The thresholds in effect (zeros replaced by the defaults).
  frame_tracker_options thresholds() const noexcept { return frame_tracker_options{target_ns_, frozen_ns_}; }

  /// Sets the counters and the delay to zero. Keeps the thresholds and a frame in progress.
  void reset() noexcept {
    total_ = 0;
    slow_ = 0;
    frozen_ = 0;
    delay_ns_ = 0;
  }

 private:
  /// Reads the tracer's clock into `out`; false while the tracer is off. The hook is only read
  /// while enabled: after shutdown() it may point at an object that no longer exists.
  static bool clock_now(std::uint64_t& out) noexcept { return detail::frame_clock_now(out); }

  std::uint32_t target_ns_;
  std::uint64_t frozen_ns_;
  std::uint64_t total_ = 0;
  std::uint64_t slow_ = 0;
  std::uint64_t frozen_ = 0;
  std::uint64_t delay_ns_ = 0;
  std::uint64_t start_ns_ = 0;
  bool in_frame_ = false;
};

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_FRAMES_HPP
