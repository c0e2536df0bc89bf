// The files `sealpost open` and `sealpost protect` read and write (issue
// 14: a message is never whole in memory here): the message read from a
// file or standard input (Input), the result that appears only once
// complete (Output), and the anonymous temporary file either may need.
//
// Thread-safety: single-threaded, as the CLI is.
#ifndef SEALPOST_CLI_MESSAGE_FILES_H_
#define SEALPOST_CLI_MESSAGE_FILES_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "base/files.h"
#include "base/status.h"
#include "cli/client.h"

namespace sealpost::cli {

// A temporary file removed from its directory as soon as it is made: what
// is written to it disappears when the descriptor closes, however the
// process ends. In TMPDIR (default /tmp), mode 0600. -1 (errno set) on a
// failure.
int AnonymousTempFile();

// Writes all of `bytes` to `fd`; false (errno set) on a failure.
bool WriteAll(int fd, std::string_view bytes);

// The message a command reads, as a file it can read again from the start
// and whose size is known: the file named, or standard input ("-"), read
// in place when they are a regular file, else (a pipe, a FIFO, a terminal)
// copied first to an anonymous temporary file.
class Input {
 public:
  Input() = default;
  ~Input();
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;

  // Opens the message `name` ("-": standard input) and gives a reader of
  // it from its first byte (the file-backed ByteSource, its size known);
  // null after printing why.
  std::unique_ptr<FileReader> Open(const std::string& name);
  // Names the file opened (/proc/self/fd/N: this object keeps it open,
  // so a copy lives as long) for code that opens it again.
  const std::string& path() const { return path_; }
  // What messages call it.
  const std::string& name() const { return name_; }

 private:
  // Copies `source` (closed then, unless standard input) to an anonymous
  // temporary file that path() then names; false after printing why.
  bool CopyToTemporary(int source);

  int fd_ = -1;  // owned when above standard input: keeps a copy alive
  std::string path_, name_;
};

// Output that only appears when complete: a temporary file renamed over
// `path` on success, or standard output ("" or "-"; which cannot be taken
// back, so a failure after the first bytes is reported and the exit code
// says so). A path that exists and is not a regular file (a device such
// as /dev/null, a FIFO) is written in place: renaming over it would
// replace the device with a file.
class Output {
 public:
  explicit Output(const std::string& path);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  bool ok() const { return file_ != nullptr; }
  bool Write(std::string_view data);
  // Flushes (and for a file, syncs and renames into place).
  bool Commit();

 private:
  std::string path_, tmp_;
  FILE* file_ = nullptr;   // owned (closed by Commit), unless stdout
  bool in_place_ = false;  // path_ is a device or FIFO, written directly
};

// The error message of an API answer that is not a success, as
// VisibleText (it is printed).
std::string RefusalOf(const ApiResponse& res);

}  // namespace sealpost::cli

#endif  // SEALPOST_CLI_MESSAGE_FILES_H_
