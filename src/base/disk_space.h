// DiskFloor: free space the server keeps on the file system of its data
// directory (server.min_free_bytes). New mail (MAIL FROM with its SIZE, and
// DATA) gets 452 4.3.1 and a large API upload 503 when taking it would
// leave less, so that a burst of large mail cannot fill the disk under the
// queue's commits, deliveries and the portal (issue 14). What is already
// accepted is never refused by it: a full disk while a message arrives is
// still handled where the write fails.
//
// Thread-safety: const after construction; HasRoomFor may be called from
// any thread (one statvfs per call, no cache).
#ifndef SEALPOST_BASE_DISK_SPACE_H_
#define SEALPOST_BASE_DISK_SPACE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace sealpost {

// Bytes an unprivileged writer may still write on the file system holding
// `path` (statvfs f_bavail * f_frsize); nullopt when it cannot be asked.
std::optional<uint64_t> AvailableBytes(const std::string& path);

class DiskFloor {
 public:
  // `floor_bytes` 0: every request has room (nothing is checked).
  DiskFloor(std::string path, uint64_t floor_bytes)
      : path_(std::move(path)), floor_(floor_bytes) {}

  // Whether `bytes` more can be written with the floor still free. A file
  // system that cannot be asked counts as having room: the write itself
  // then reports a full disk, as without a floor.
  bool HasRoomFor(uint64_t bytes) const;

  const std::string& path() const { return path_; }
  uint64_t floor_bytes() const { return floor_; }

 private:
  std::string path_;
  uint64_t floor_;
};

// For the listeners' `disk_has_room`: asks `floor`, and when there is no
// room logs a warning (at most one a minute for this check) with the free
// space, the floor and `what` is refused, so an operator sees why mail
// waits.
std::function<bool(uint64_t bytes)> DiskRoomCheck(DiskFloor floor,
                                                  std::string what);

}  // namespace sealpost

#endif  // SEALPOST_BASE_DISK_SPACE_H_
