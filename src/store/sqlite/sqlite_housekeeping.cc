// SqliteStore housekeeping: pruning the queue's history and expired portal
// copies in small transactions (each holds the one connection's mutex, so
// a batch must stay short enough not to stall the queue's group commits),
// giving free pages back to the file system, and the counts of
// `sealpost status`.
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "store/record_rows.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {
using internal::SqliteError;
using internal::Stmt;

namespace {

// Free pages kept for the next inserts instead of being given back: a
// queue frees and reuses pages all the time, and shrinking the file only
// to grow it again costs writes.
constexpr int64_t kKeptFreePages = 1024;

int64_t FileSize(const std::string& path) {
  std::error_code ec;
  auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

}  // namespace

Result<int64_t> SqliteStore::QueryInt(std::string_view sql) {
  Stmt s(stmts_, sql);
  return s.Count(sql);
}

Status SqliteStore::DeleteEach(const std::vector<std::string>& ids,
                               std::initializer_list<std::string_view> sqls) {
  return InTransaction([&]() SP_REQUIRES(mu_) -> Status {
    for (const std::string& id : ids) {
      for (std::string_view sql : sqls) {
        Stmt d(stmts_, sql);
        d.Bind(1, id);
        SP_RETURN_IF_ERROR(d.Run());
      }
    }
    return Status::Ok();
  });
}

Result<int64_t> SqliteStore::PruneQueueHistory(int64_t before_ms, int limit) {
  MutexLock lock(&mu_);
  std::vector<std::string> ids;
  {
    Stmt s(stmts_,
           "SELECT id FROM queue_messages WHERE state = 'done' AND "
           "received_ms < ? ORDER BY received_ms LIMIT ?");
    s.Bind(1, before_ms).Bind(2, int64_t{limit});
    SP_ASSIGN_OR_RETURN(
        ids, s.All("listing queue history", internal::ReadText<Stmt>));
  }
  if (ids.empty()) return int64_t{0};
  // The trace events and deliveries, then the message if it is still done
  // (nothing made it queued again since the listing).
  SP_RETURN_IF_ERROR(DeleteEach(
      ids, {"DELETE FROM queue_events WHERE message_id = ?",
            "DELETE FROM queue_deliveries WHERE message_id = ?",
            "DELETE FROM queue_messages WHERE id = ? AND state = 'done'"}));
  return static_cast<int64_t>(ids.size());
}

Result<int64_t> SqliteStore::PrunePortalCopies(int64_t now,
                                               int64_t created_before,
                                               int limit) {
  MutexLock lock(&mu_);
  std::vector<std::string> ids;
  // The message's own expiry; then portal.retention_days for messages
  // without one.
  const std::pair<std::string_view, int64_t> kinds[] = {
      {"SELECT c.id FROM protected_messages m JOIN portal_copies c ON "
       "c.id = m.id WHERE m.expires_at > 0 AND m.expires_at <= ? LIMIT ?",
       now},
      {"SELECT c.id FROM portal_copies c JOIN protected_messages m ON "
       "m.id = c.id WHERE c.created_at < ? AND m.expires_at = 0 LIMIT ?",
       created_before}};
  for (const auto& [sql, at] : kinds) {
    if (at <= 0 || static_cast<int>(ids.size()) >= limit) continue;
    Stmt s(stmts_, sql);
    s.Bind(1, at).Bind(2, int64_t{limit - static_cast<int>(ids.size())});
    SP_ASSIGN_OR_RETURN(
        std::vector<std::string> found,
        s.All("listing portal copies", internal::ReadText<Stmt>));
    ids.insert(ids.end(), found.begin(), found.end());
  }
  if (ids.empty()) return int64_t{0};
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  SP_RETURN_IF_ERROR(
      DeleteEach(ids, {"DELETE FROM portal_copies WHERE id = ?"}));
  if (bodies_.enabled()) {
    internal::BodyFileChanges changes;
    for (const std::string& id : ids) {
      changes.dropped.emplace_back(internal::BodyKind::kPortal, id);
    }
    Discard(changes, /*committed=*/true);
  }
  return static_cast<int64_t>(ids.size());
}

Result<int64_t> SqliteStore::ReclaimSpace(int64_t max_pages) {
  MutexLock lock(&mu_);
  // 2 = INCREMENTAL. A database made before the store set it keeps its
  // free pages for reuse until a VACUUM (docs/architecture.md, Store).
  SP_ASSIGN_OR_RETURN(int64_t mode, QueryInt("PRAGMA auto_vacuum"));
  if (mode != 2) return int64_t{0};
  SP_ASSIGN_OR_RETURN(int64_t free_pages, QueryInt("PRAGMA freelist_count"));
  const int64_t n = std::min(max_pages, free_pages - kKeptFreePages);
  if (n <= 0) return int64_t{0};
  const std::string sql =
      "PRAGMA incremental_vacuum(" + std::to_string(n) + ")";
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return InternalError("incremental vacuum: " + msg);
  }
  return n;
}

Result<StoreStats> SqliteStore::Stats() {
  MutexLock lock(&mu_);
  StoreStats out;
  SP_ASSIGN_OR_RETURN(int64_t page_size, QueryInt("PRAGMA page_size"));
  SP_ASSIGN_OR_RETURN(int64_t free_pages, QueryInt("PRAGMA freelist_count"));
  out.free_bytes = page_size * free_pages;
  if (const char* file = sqlite3_db_filename(db_, "main");
      file != nullptr && *file != '\0') {
    out.file_bytes = FileSize(file) + FileSize(std::string(file) + "-wal");
  }
  Stmt s(stmts_,
         "SELECT (SELECT COUNT(*) FROM queue_messages WHERE state = "
         "'queued'), (SELECT COUNT(*) FROM queue_messages WHERE state = "
         "'done'), (SELECT COUNT(*) FROM portal_copies), (SELECT COUNT(*) "
         "FROM protected_messages)");
  SP_RETURN_IF_ERROR(s.status());
  if (s.Step() != SQLITE_ROW) return SqliteError(db_, "counting the store");
  out.queued_messages = s.Int(0);
  out.done_messages = s.Int(1);
  out.portal_copies = s.Int(2);
  out.protected_messages = s.Int(3);
  return out;
}

}  // namespace sealpost::store
