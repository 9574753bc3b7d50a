// sentry_trace/face/sampler.hpp -- the traces_sampler callable and the compile-time policy
//
// WHAT IT DOES  traces_sampler_fn: any trivially copyable callable double(const sampling_context&)
//               of up to 64 bytes, stored inline (no heap, no RTTI, no vtable). The policy
//               constant SENTRY_TRACE_SAMPLING selects (config.hpp), which lets the span path fold
//               away under SENTRY_TRACE_SAMPLING_NEVER. The decision itself is made by
//               protocol/sampling.hpp in the implementation TU.

#ifndef SENTRY_TRACE_FACE_SAMPLER_HPP
#define SENTRY_TRACE_FACE_SAMPLER_HPP

#include "../config.hpp"
#include "sampling_context.hpp"

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// A type-erased callable stored inline (no heap): the sampler must be copyable and fit in
/// Capacity bytes and be trivially copyable. Built from a function pointer rather than virtual
/// functions so that it needs neither RTTI nor a vtable in freestanding builds.
template <class Signature, std::size_t Capacity> class inplace_function;

template <class R, class... Args, std::size_t Capacity> class inplace_function<R(Args...), Capacity> {
 public:
  constexpr inplace_function() noexcept = default;
  constexpr inplace_function(std::nullptr_t) noexcept {}
  template <class F, class D = std::decay_t<F>,
            std::enable_if_t<!std::is_same_v<D, inplace_function> && std::is_invocable_r_v<R, D&, Args...>, int> = 0>
  inplace_function(F&& f) noexcept {  // NOLINT: implicit by design
    static_assert(sizeof(D) <= Capacity, "callable too large to store inline: capture less (pointers, not copies)");
    static_assert(alignof(D) <= alignof(std::max_align_t), "callable over-aligned");
    // Trivially copyable callables (function pointers, lambdas capturing plain values or
    // pointers) are copied as bytes and never destroyed, so the tracer that holds one needs no
    // destructor and no exit-time code, which matters on bare-metal targets.
    static_assert(std::is_trivially_copyable_v<D> && std::is_trivially_destructible_v<D>,
                  "the callable must be trivially copyable: capture plain values or pointers, not std::string etc.");
    ::new (static_cast<void*>(buffer_)) D(std::forward<F>(f));
    invoke_ = [](void* self, Args... args) -> R { return (*static_cast<D*>(self))(std::forward<Args>(args)...); };
  }
  void reset() noexcept { invoke_ = nullptr; }
  explicit operator bool() const noexcept { return invoke_ != nullptr; }
  R operator()(Args... args) const { return invoke_(const_cast<unsigned char*>(buffer_), std::forward<Args>(args)...); }

 private:
  alignas(std::max_align_t) unsigned char buffer_[Capacity] = {};
  R (*invoke_)(void*, Args...) = nullptr;
};

} // namespace detail

/// The sampler type: any trivially copyable callable `double(const sampling_context&)` of up to
/// 64 bytes (a function pointer, a lambda capturing values or pointers).
/// Return the probability of keeping the transaction in [0, 1] (1: keep, 0: drop).
using traces_sampler_fn = detail::inplace_function<double(const sampling_context&), 64>;

namespace detail {
/// The compile-time sampling policy (SENTRY_TRACE_SAMPLING, config.hpp).
enum class sampling_policy_kind : std::uint8_t { runtime = 0, always = 1, never = 2, ratio = 3 };
inline constexpr sampling_policy_kind sampling_policy = static_cast<sampling_policy_kind>(SENTRY_TRACE_SAMPLING);
}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif // SENTRY_TRACE_FACE_SAMPLER_HPP
