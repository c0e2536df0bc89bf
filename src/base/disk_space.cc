#include "base/disk_space.h"

#include <sys/statvfs.h>

#include <atomic>
#include <chrono>
#include <memory>

#include "base/log.h"
#include "base/thread_annotations.h"

namespace sealpost {

std::optional<uint64_t> AvailableBytes(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<uint64_t>(st.f_bavail) *
         static_cast<uint64_t>(st.f_frsize);
}

struct DiskFloor::Cache {
  Mutex mu;
  // Free bytes as last asked, less what was granted since.
  uint64_t free SP_GUARDED_BY(mu) = 0;
  std::chrono::steady_clock::time_point asked_at SP_GUARDED_BY(mu);
  bool valid SP_GUARDED_BY(mu) = false;
};

DiskFloor::DiskFloor(std::string path, uint64_t floor_bytes, Ask ask, Now now)
    : path_(std::move(path)),
      floor_(floor_bytes),
      ask_(std::move(ask)),
      now_(std::move(now)),
      cache_(std::make_shared<Cache>()) {}

bool DiskFloor::HasRoomFor(uint64_t bytes) const {
  if (floor_ == 0) return true;
  auto fits = [&](uint64_t free) {
    return free >= floor_ && free - floor_ >= bytes;
  };
  const auto now = now_();
  MutexLock lock(&cache_->mu);
  if (cache_->valid && now - cache_->asked_at < kReuseFor &&
      fits(cache_->free)) {
    cache_->free -= bytes;
    return true;
  }
  std::optional<uint64_t> free = ask_(path_);
  if (!free) {
    cache_->valid = false;
    return true;
  }
  cache_->valid = true;
  cache_->asked_at = now;
  cache_->free = *free;
  if (!fits(*free)) return false;
  cache_->free -= bytes;
  return true;
}

std::function<bool(uint64_t bytes)> DiskRoomCheck(DiskFloor floor,
                                                  std::string what) {
  // Seconds since the epoch of the last warning, shared by the copies of
  // the returned function.
  auto last_warning = std::make_shared<std::atomic<int64_t>>(0);
  return [floor = std::move(floor), what = std::move(what),
          last_warning](uint64_t bytes) {
    if (floor.HasRoomFor(bytes)) return true;
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    int64_t last = last_warning->load(std::memory_order_relaxed);
    if (now - last >= 60 && last_warning->compare_exchange_strong(last, now)) {
      log::Warn(
          "disk: {} free on {} (server.min_free_bytes {}, {} more asked): {}",
          AvailableBytes(floor.path()).value_or(0), floor.path(),
          floor.floor_bytes(), bytes, what);
    }
    return false;
  };
}

}  // namespace sealpost
