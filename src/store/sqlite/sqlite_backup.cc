#include "store/sqlite/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "base/files.h"
#include "store/sqlite/body_files.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {
namespace {

// Closes a connection on every path out.
struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
};

Status Fsync(const std::string& path, bool directory) {
  int fd = open(path.c_str(),
                (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return InternalError("opening " + path + " to sync it");
  int rc = fsync(fd);
  close(fd);
  if (rc != 0) return InternalError("syncing " + path);
  return Status::Ok();
}

Status Open(const std::string& path, int flags, Db* out) {
  int rc = sqlite3_open_v2(path.c_str(), &out->db, flags, nullptr);
  if (rc != SQLITE_OK) {
    return InternalError("opening " + path + ": " +
                         (out->db ? sqlite3_errmsg(out->db) : "out of memory"));
  }
  sqlite3_busy_timeout(out->db, 5000);
  return Status::Ok();
}

// One text value of a one-row query.
Result<std::string> QueryText(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
    return internal::SqliteError(db, sql);
  }
  std::string out;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(st, 0);
    out = t ? reinterpret_cast<const char*>(t) : "";
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return internal::SqliteError(db, sql);
  }
  return out;
}

Result<SqliteCopyInfo> CopyTo(const std::string& source,
                              const std::string& tmp) {
  Db src, dst;
  SP_RETURN_IF_ERROR(Open(source, SQLITE_OPEN_READWRITE, &src));
  SP_RETURN_IF_ERROR(
      Open(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dst));
  sqlite3_backup* b = sqlite3_backup_init(dst.db, "main", src.db, "main");
  if (b == nullptr) return internal::SqliteError(dst.db, "starting the copy");
  // All pages in one step: one read transaction on the source, hence one
  // snapshot. A writer holding the lock for a moment gives BUSY: retry.
  int rc;
  for (int tries = 0;; ++tries) {
    rc = sqlite3_backup_step(b, -1);
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || tries >= 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  int finish = sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    return InternalError(std::string("copying ") + source + ": " +
                         sqlite3_errstr(rc));
  }
  if (finish != SQLITE_OK) return internal::SqliteError(dst.db, "copying");
  // One self-contained file, whatever the source's journal mode.
  SP_RETURN_IF_ERROR(QueryText(dst.db, "PRAGMA journal_mode=DELETE").status());
  SP_ASSIGN_OR_RETURN(std::string check,
                      QueryText(dst.db, "PRAGMA integrity_check"));
  if (check != "ok") {
    return DataLossError("the copy of " + source +
                         " fails its integrity check: " + check);
  }
  SP_ASSIGN_OR_RETURN(
      std::string version,
      QueryText(dst.db,
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  SqliteCopyInfo info;
  info.schema_version = std::atoi(version.c_str());
  return info;
}

// The body files beside the database (body_files.h), after the database:
// a body dropped meanwhile (its message delivered, its copy expired) is
// missing from the copy, every other one is there.
Status CopyBodyFiles(const std::string& source, const std::string& dest) {
  const std::string from = internal::BodyFiles::DirFor(source);
  const std::string to = internal::BodyFiles::DirFor(dest);
  if (from.empty() || to.empty() || !FileExists(from)) return Status::Ok();
  SP_RETURN_IF_ERROR(MakeDirs(to));
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(from, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find('.') != std::string::npos) continue;  // a temporary file
    const std::string target = to + "/" + name;
    std::error_code copy_ec;
    if (!std::filesystem::copy_file(entry.path(), target, copy_ec)) {
      if (!FileExists(entry.path().string())) continue;  // dropped meanwhile
      return InternalError("copying " + entry.path().string() + ": " +
                           copy_ec.message());
    }
    chmod(target.c_str(), 0600);
    SP_RETURN_IF_ERROR(Fsync(target, false));
  }
  if (ec) return InternalError("listing " + from + ": " + ec.message());
  return Fsync(to, true);
}

}  // namespace

Result<SqliteCopyInfo> CopySqliteDatabase(const std::string& source,
                                          const std::string& dest) {
  if (!FileExists(source)) return NotFoundError("no database at " + source);
  if (FileExists(dest)) {
    return AlreadyExistsError(dest + " exists; not overwritten");
  }
  const std::string tmp = dest + ".partial";
  std::error_code ec;
  std::filesystem::remove(tmp, ec);
  std::filesystem::remove(tmp + "-journal", ec);
  auto info = CopyTo(source, tmp);
  if (info.ok()) {
    chmod(tmp.c_str(), 0600);
    Status s = Fsync(tmp, false);
    if (s.ok() && link(tmp.c_str(), dest.c_str()) != 0) {
      s = errno == EEXIST
              ? AlreadyExistsError(dest + " exists; not overwritten")
              : InternalError("creating " + dest);
    }
    if (!s.ok()) info = s;
  }
  std::filesystem::remove(tmp, ec);
  std::filesystem::remove(tmp + "-journal", ec);
  if (!info.ok()) return info.status();
  SP_RETURN_IF_ERROR(CopyBodyFiles(source, dest));
  std::string dir = std::filesystem::path(dest).parent_path().string();
  SP_RETURN_IF_ERROR(Fsync(dir.empty() ? "." : dir, true));
  info->bytes = static_cast<int64_t>(std::filesystem::file_size(dest, ec));
  return info;
}

}  // namespace sealpost::store
