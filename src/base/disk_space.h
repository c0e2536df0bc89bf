// DiskFloor: free space the server keeps on the file system of its data
// directory (server.min_free_bytes). New mail (MAIL FROM with its SIZE, and
// DATA) gets 452 4.3.1 and a large API upload 503 when taking it would
// leave less, so that a burst of large mail cannot fill the disk under the
// queue's commits, deliveries and the portal (issue 14). What is already
// accepted is never refused by it: a full disk while a message arrives is
// still handled where the write fails.
//
// Thread-safety: HasRoomFor may be called from any thread; copies of a
// DiskFloor share one cached answer, guarded by a mutex.
#ifndef SEALPOST_BASE_DISK_SPACE_H_
#define SEALPOST_BASE_DISK_SPACE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace sealpost {

// Bytes an unprivileged writer may still write on the file system holding
// `path` (statvfs f_bavail * f_frsize); nullopt when it cannot be asked.
std::optional<uint64_t> AvailableBytes(const std::string& path);

// The file system is asked at most once per kReuseFor while it has room:
// a message asks at MAIL and again at DATA, and at one session a statvfs
// each time was two system calls a message for an answer that moves slowly.
// A reused answer is lowered by each request it grants (so a burst within
// the window is counted against it), and a request it would refuse is
// asked of the file system afresh: a refusal is never stale, and room that
// comes back is seen at once.
class DiskFloor {
 public:
  static constexpr std::chrono::milliseconds kReuseFor{100};
  using Ask = std::function<std::optional<uint64_t>(const std::string& path)>;
  using Now = std::function<std::chrono::steady_clock::time_point()>;

  // `floor_bytes` 0: every request has room (nothing is checked).
  DiskFloor(std::string path, uint64_t floor_bytes)
      : DiskFloor(std::move(path), floor_bytes, AvailableBytes,
                  std::chrono::steady_clock::now) {}
  // For tests: `ask` instead of AvailableBytes, `now` instead of the
  // steady clock.
  DiskFloor(std::string path, uint64_t floor_bytes, Ask ask, Now now);

  // Whether `bytes` more can be written with the floor still free. A file
  // system that cannot be asked counts as having room: the write itself
  // then reports a full disk, as without a floor.
  bool HasRoomFor(uint64_t bytes) const;

  const std::string& path() const { return path_; }
  uint64_t floor_bytes() const { return floor_; }

 private:
  struct Cache;

  std::string path_;
  uint64_t floor_;
  Ask ask_;
  Now now_;
  std::shared_ptr<Cache> cache_;
};

// For the listeners' `disk_has_room`: asks `floor`, and when there is no
// room logs a warning (at most one a minute for this check) with the free
// space, the floor and `what` is refused, so an operator sees why mail
// waits.
std::function<bool(uint64_t bytes)> DiskRoomCheck(DiskFloor floor,
                                                  std::string what);

}  // namespace sealpost

#endif  // SEALPOST_BASE_DISK_SPACE_H_
