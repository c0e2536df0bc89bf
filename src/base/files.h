// Small file helpers with the durability the store and keys need.
//
// Thread-safety: free functions; callers serialise writes to the same path.
#ifndef SEALPOST_BASE_FILES_H_
#define SEALPOST_BASE_FILES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/status.h"

namespace sealpost {

Result<std::string> ReadFile(const std::string& path);
// Writes to PATH.tmp, fsyncs it, renames over PATH and fsyncs the directory,
// so a crash leaves either the old or the new content. `mode` is the file
// permission (0600 for secrets).
Status WriteFileAtomic(const std::string& path, std::string_view content,
                       int mode = 0644);
// The same with the temporary name given (Maildir's tmp/ -> new/): with
// `exclusive`, `tmp` must not exist yet. A failure removes `tmp`.
Status WriteAndRename(const std::string& tmp, const std::string& path,
                      std::string_view content, int mode, bool exclusive);
// Writes PATH only if it does not exist: the content goes to a temporary
// file, is fsynced, then linked to PATH (atomic, never replacing anything).
// An existing PATH is ALREADY_EXISTS naming it.
Status WriteFileExclusive(const std::string& path, std::string_view content,
                          int mode);
Status MakeDirs(const std::string& path, int mode = 0700);

// WriteFileExclusive a piece at a time, for content too large to hold
// whole: Append writes to a temporary file beside PATH, Commit fsyncs it
// and links it to PATH (then fsyncs the directory). Destroyed without a
// successful Commit, it removes the temporary file and leaves nothing.
// A full disk is RESOURCE_EXHAUSTED. Thread-compatible.
class ExclusiveFileWriter {
 public:
  static Result<std::unique_ptr<ExclusiveFileWriter>> Create(
      const std::string& path, int mode);
  ~ExclusiveFileWriter();
  ExclusiveFileWriter(const ExclusiveFileWriter&) = delete;
  ExclusiveFileWriter& operator=(const ExclusiveFileWriter&) = delete;

  Status Append(std::string_view bytes);
  Status Commit();

 private:
  ExclusiveFileWriter(std::string path, std::string tmp, int fd)
      : path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd) {}
  void Abandon();

  std::string path_;
  std::string tmp_;
  int fd_;  // -1 once committed or abandoned
};

// The file-backed ByteSource: a file read a piece at a time from its first
// byte, and again after Restart (a message file the CLI opens, a body file
// of the store, a download kept in an anonymous temporary file). The file
// opened stays the one read, even when it is renamed or removed meanwhile.
// Its bytes in memory are StringSource (base/string_source.h).
// Thread-compatible.
class FileReader : public SizedByteSource {
 public:
  // NOT_FOUND when there is no such file.
  static Result<std::unique_ptr<FileReader>> Open(const std::string& path);
  ~FileReader() override;
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  // Back to the first byte (an error for a pipe, which cannot go back).
  Status Restart() override;
  // Appends up to `max` bytes to *out; 0 at the end of the file.
  Result<size_t> Read(size_t max, std::string* out) override;
  // Its size in bytes when it was opened.
  int64_t size() const override { return size_; }

 private:
  FileReader(std::string path, int fd, int64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  std::string path_;
  int fd_;
  int64_t size_;
};
bool FileExists(const std::string& path);

}  // namespace sealpost

#endif  // SEALPOST_BASE_FILES_H_
