// Large bodies of the SQLite store kept as files beside the database
// (issue 14): a queued message's content and a portal copy of at least
// kBodyFileBytes go to DB-bodies/ (e.g. sealpost.db-bodies/), and their
// row holds an empty blob instead. What goes there is already encrypted
// (the queue's AEAD ciphertext, a sealed container), so a file adds no
// plaintext to the disk. A file is written under a temporary name,
// fsynced and renamed (and the directory fsynced) before the transaction
// that names it commits; it is removed after the commit that drops its
// body, and at start-up every file no row names any more (a crash between
// the rename and the commit, or between a commit and the removal) is
// removed. SQLite then no longer holds such a body in its record buffer
// and dirty pages until the commit, nor writes it twice (WAL, then the
// checkpoint).
//
// Thread-safety: the store calls it under its own mutex.
#ifndef SEALPOST_STORE_SQLITE_BODY_FILES_H_
#define SEALPOST_STORE_SQLITE_BODY_FILES_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/body_store.h"
#include "store/store.h"

namespace sealpost::store::internal {

// Bodies below this stay in the database (small mail keeps one fsync per
// group commit and no file per message).
inline constexpr size_t kBodyFileBytes = kLargeBodyBytes;

// What the row of a body in a file holds (not NULL: an empty blob; a
// string literal, as SQLite binds a null pointer as NULL).
inline constexpr std::string_view kEmptyBody = "";

// What a file holds: a queued message's content or a portal copy.
using BodyKind = store::BodyKind;

class BodyFiles {
 public:
  // Disabled (every body stays in the database) for an in-memory database.
  explicit BodyFiles(const std::string& database_path);

  bool enabled() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }
  // The body goes to a file when the store has a directory for them and
  // it is large enough.
  bool Wants(size_t size) const { return enabled() && size >= kBodyFileBytes; }
  // Writes a temporary file, fsyncs it and links it into place (then
  // fsyncs the directory); ALREADY_EXISTS when the body has a file
  // already, RESOURCE_EXHAUSTED when the disk is full (nothing left
  // behind either way).
  Status Write(BodyKind kind, std::string_view id, std::string_view body) const;
  // Write a piece at a time (the same promises once Finish() is OK).
  Result<std::unique_ptr<BodyWriter>> Start(BodyKind kind,
                                            std::string_view id) const;
  Result<std::string> Read(BodyKind kind, std::string_view id) const;
  // NOT_FOUND when the body has no file.
  Result<std::unique_ptr<BodyReader>> Open(BodyKind kind,
                                           std::string_view id) const;
  // Best effort (a file left behind goes at the next start-up).
  void Remove(BodyKind kind, std::string_view id) const;
  // Removes every file whose body `wanted` says no row needs any more, and
  // every other file (temporary ones a crash left). Returns how many were
  // removed.
  int Sweep(
      const std::function<bool(BodyKind, const std::string& id)>& wanted) const;

  std::string PathOf(BodyKind kind, std::string_view id) const;
  // The directory for `database_path` ("" for an in-memory database).
  static std::string DirFor(const std::string& database_path);

 private:
  std::string dir_;
};

// Files the current transaction wrote (removed when it rolls back) and the
// bodies it dropped (removed once it has committed).
struct BodyFileChanges {
  std::vector<std::pair<BodyKind, std::string>> written;
  std::vector<std::pair<BodyKind, std::string>> dropped;
};

}  // namespace sealpost::store::internal

#endif  // SEALPOST_STORE_SQLITE_BODY_FILES_H_
