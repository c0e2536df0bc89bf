#include "base/disk_space.h"

#include <sys/statvfs.h>

#include <atomic>
#include <chrono>
#include <memory>

#include "base/log.h"

namespace sealpost {

std::optional<uint64_t> AvailableBytes(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return std::nullopt;
  return static_cast<uint64_t>(st.f_bavail) *
         static_cast<uint64_t>(st.f_frsize);
}

bool DiskFloor::HasRoomFor(uint64_t bytes) const {
  if (floor_ == 0) return true;
  std::optional<uint64_t> free = AvailableBytes(path_);
  if (!free) return true;
  return *free >= floor_ && *free - floor_ >= bytes;
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
