// MemoryBudget: a process-wide allowance of bytes for message data held in
// memory (smtp.max_memory_bytes). The SMTP sessions reserve what a message
// occupies from DATA until it is committed; past the allowance, new data
// is refused with a temporary error instead of the process growing until
// the kernel kills it. A MemoryReservation gives its bytes back when it is
// destroyed, so the allowance travels with the message.
//
// Thread-safety: MemoryBudget is thread-safe (one atomic counter); a
// MemoryReservation is a value used by one thread at a time.
#ifndef SEALPOST_BASE_MEMORY_BUDGET_H_
#define SEALPOST_BASE_MEMORY_BUDGET_H_

#include <atomic>
#include <cstdint>
#include <utility>

namespace sealpost {

class MemoryBudget {
 public:
  // `limit` bytes at most; 0: no limit (everything is counted anyway).
  explicit MemoryBudget(int64_t limit) : limit_(limit) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Takes `bytes` when they fit under the limit; false (nothing taken)
  // otherwise.
  bool TryTake(int64_t bytes) {
    int64_t used = used_.load(std::memory_order_relaxed);
    do {
      if (limit_ > 0 && used + bytes > limit_) return false;
    } while (!used_.compare_exchange_weak(used, used + bytes,
                                          std::memory_order_relaxed));
    return true;
  }
  void Give(int64_t bytes) {
    used_.fetch_sub(bytes, std::memory_order_relaxed);
  }
  int64_t used() const { return used_.load(std::memory_order_relaxed); }
  int64_t limit() const { return limit_; }

 private:
  const int64_t limit_;
  std::atomic<int64_t> used_{0};
};

// Bytes taken from a MemoryBudget, given back on destruction. Without a
// budget (null) every request succeeds and nothing is counted.
class MemoryReservation {
 public:
  MemoryReservation() = default;
  explicit MemoryReservation(MemoryBudget* budget) : budget_(budget) {}
  ~MemoryReservation() { Release(); }
  MemoryReservation(MemoryReservation&& o) noexcept
      : budget_(std::exchange(o.budget_, nullptr)),
        bytes_(std::exchange(o.bytes_, 0)) {}
  MemoryReservation& operator=(MemoryReservation&& o) noexcept {
    if (this != &o) {
      Release();
      budget_ = std::exchange(o.budget_, nullptr);
      bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
  }
  MemoryReservation(const MemoryReservation&) = delete;
  MemoryReservation& operator=(const MemoryReservation&) = delete;

  // Grows the reservation to `bytes` in all; false (unchanged) when the
  // budget has no room for the difference.
  bool GrowTo(int64_t bytes) {
    if (budget_ == nullptr || bytes <= bytes_) return true;
    if (!budget_->TryTake(bytes - bytes_)) return false;
    bytes_ = bytes;
    return true;
  }
  void Release() {
    if (budget_ != nullptr && bytes_ > 0) budget_->Give(bytes_);
    bytes_ = 0;
  }
  int64_t bytes() const { return bytes_; }

 private:
  MemoryBudget* budget_ = nullptr;  // not owned: must outlive this object
  int64_t bytes_ = 0;
};

}  // namespace sealpost

#endif  // SEALPOST_BASE_MEMORY_BUDGET_H_
