#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "base/files.h"
#include "base/log.h"
#include "store/record_rows.h"
#include "store/sqlite/sqlite_util.h"
#include "store/sqlite/wal_vfs.h"

namespace sealpost::store {
using internal::RunStmt;
using internal::SqliteError;
using internal::Stmt;

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const std::string& path, const Clock& clock,
    const std::vector<Migration>& migrations) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
      internal::WalGatheringVfs());
  if (rc != SQLITE_OK) {
    Status s = InternalError("opening " + path + ": " +
                             (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return s;
  }
  auto store = std::unique_ptr<SqliteStore>(new SqliteStore(db, path, clock));
  {
    MutexLock lock(&store->mu_);
    sqlite3_busy_timeout(db, 5000);
    // Before the first table: free pages can then be given back to the file
    // system (ReclaimSpace). On a database made without it this changes
    // nothing until a VACUUM (docs/architecture.md, Store).
    SP_RETURN_IF_ERROR(store->Exec("PRAGMA auto_vacuum=INCREMENTAL"));
    SP_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL"));
    // The log is reused from its start once checkpointed, but its file
    // keeps the size of the largest burst (63 MiB after 2,000 messages at
    // once, bench/soak_store.py): trimmed to this when it restarts. Four
    // times the checkpoints' cadence, so steady load never pays for it.
    SP_RETURN_IF_ERROR(store->Exec("PRAGMA journal_size_limit=" +
                                   std::to_string(kWalSizeLimit)));
    SP_RETURN_IF_ERROR(store->Exec("PRAGMA synchronous=FULL"));
    SP_RETURN_IF_ERROR(store->Exec("PRAGMA cache_spill=OFF"));
    SP_RETURN_IF_ERROR(store->Exec("PRAGMA foreign_keys=ON"));
    // The WAL-gathering VFS is safe only with these two (wal_vfs.h).
    Stmt sync(store->stmts_, "PRAGMA synchronous");
    Stmt spill(store->stmts_, "PRAGMA cache_spill");
    if (sync.Step() != SQLITE_ROW || sync.Int(0) < 2 ||
        spill.Step() != SQLITE_ROW || spill.Int(0) != 0) {
      return InternalError("opening " + path +
                           ": synchronous=FULL and cache_spill=OFF did not "
                           "take effect");
    }
  }
  SP_RETURN_IF_ERROR(
      store->Migrate(migrations).WithContext("migrating " + path));
  SP_RETURN_IF_ERROR(store->OpenReaders(path));
  {
    MutexLock lock(&store->mu_);
    SP_ASSIGN_OR_RETURN(store->checkpointer_,
                        internal::Checkpointer::Start(
                            path, internal::WalGatheringVfs(), store->db_));
  }
  SP_RETURN_IF_ERROR(store->SweepBodyFiles());
  return store;
}

Status SqliteStore::OpenReaders(const std::string& path) {
  // Connection 0 (never a snapshot's), one per core so that each I/O
  // thread may hold a snapshot, and one more, so that a lookup on another
  // thread still finds a free connection.
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  SP_ASSIGN_OR_RETURN(
      readers_, internal::ReaderPool::Open(path, internal::WalGatheringVfs(),
                                           std::clamp(cores + 2, 4, 18)));
  return Status::Ok();
}

Status SqliteStore::SweepBodyFiles() {
  MutexLock lock(&mu_);
  if (!bodies_.enabled() || !FileExists(bodies_.dir())) return Status::Ok();
  // Only what a committed row names as its body (an empty blob) stays: a
  // queued message's content, a portal copy.
  Status failed;
  const int removed = bodies_.Sweep(
      [&](internal::BodyKind kind, const std::string& id) SP_REQUIRES(mu_) {
        Stmt s(stmts_, kind == internal::BodyKind::kQueue
                           ? "SELECT 1 FROM queue_messages WHERE id = ? AND "
                             "state = 'queued' AND length(content) = 0"
                           : "SELECT 1 FROM portal_copies WHERE id = ? AND "
                             "length(container) = 0");
        s.Bind(1, id);
        const int rc = s.Step();
        if (rc != SQLITE_ROW && rc != SQLITE_DONE && failed.ok()) {
          failed = SqliteError(db_, "checking body files");
        }
        // When in doubt, keep it.
        return rc != SQLITE_DONE;
      });
  if (removed > 0) {
    log::Info("store: removed {} body files no message needs ({})", removed,
              bodies_.dir());
  }
  return failed;
}

Status SqliteStore::StageBody(BodyKind kind, std::string_view id,
                              std::string_view body) {
  if (!bodies_.enabled()) return UnimplementedError("no body files");
  // Outside mu_: group commits go on while a large body is written.
  return bodies_.Write(kind, id, body);
}

Result<std::unique_ptr<BodyWriter>> SqliteStore::StartBody(
    BodyKind kind, std::string_view id) {
  if (!bodies_.enabled()) return UnimplementedError("no body files");
  return bodies_.Start(kind, id);
}

Result<std::unique_ptr<BodyReader>> SqliteStore::OpenBody(BodyKind kind,
                                                          std::string_view id) {
  return bodies_.Open(kind, id);
}

void SqliteStore::Discard(const internal::BodyFileChanges& changes,
                          bool committed) {
  for (const auto& [kind, id] : committed ? changes.dropped : changes.written) {
    bodies_.Remove(kind, id);
  }
}

SqliteStore::~SqliteStore() {
  readers_.reset();
  MutexLock lock(&mu_);
  // Before the writer closes: its close checkpoints what is left.
  checkpointer_.reset();
  stmts_.Clear();
  sqlite3_close(db_);
}

Status SqliteStore::Exec(std::string_view sql) {
  if (sql.find(';') == std::string_view::npos) {
    Stmt st(stmts_, sql);
    SP_RETURN_IF_ERROR(st.status());
    int rc;
    while ((rc = st.Step()) == SQLITE_ROW) {
    }
    if (rc == SQLITE_DONE) return Status::Ok();
    return SqliteError(db_, "executing " + std::string(sql.substr(0, 40)));
  }
  std::string s(sql);
  char* err = nullptr;
  if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    if (sqlite3_errcode(db_) == SQLITE_FULL) {
      return ResourceExhaustedError(msg);
    }
    return InternalError(msg);
  }
  return Status::Ok();
}

Status SqliteStore::InTransaction(const std::function<Status()>& fn) {
  SP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  if (Status st = fn(); !st.ok()) {
    (void)Exec("ROLLBACK");
    return st;
  }
  return Exec("COMMIT");
}

Status SqliteStore::InTransactionWithFiles(
    const std::function<Status(internal::BodyFileChanges*)>& fn) {
  internal::BodyFileChanges changes;
  Status s = InTransaction([&]() SP_REQUIRES(mu_) { return fn(&changes); });
  Discard(changes, s.ok());
  return s;
}

Status SqliteStore::Migrate(const std::vector<Migration>& migrations) {
  MutexLock lock(&mu_);
  SP_RETURN_IF_ERROR(
      Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
           "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
           "applied_at BIGINT NOT NULL)"));
  int current = 0;
  {
    Stmt s(stmts_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    SP_RETURN_IF_ERROR(s.status());
    if (s.Step() == SQLITE_ROW) current = static_cast<int>(s.Int(0));
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    // Each migration and its bookkeeping row commit together or not at all.
    Status st = InTransaction([&]() SP_REQUIRES(mu_) -> Status {
      if (!m.postgres_only) {
        SP_RETURN_IF_ERROR(Exec(RenderMigrationSql(m.sql, Dialect::kSqlite)));
      }
      return RunStmt(
          stmts_,
          "INSERT INTO schema_migrations (version, name, applied_at) "
          "VALUES (?, ?, ?)",
          int64_t{m.version}, m.name, clock_.NowUnix());
    });
    if (!st.ok()) {
      return st.WithContext("migration " + std::to_string(m.version) + " (" +
                            std::string(m.name) + ")");
    }
  }
  return Status::Ok();
}

Result<int> SqliteStore::SchemaVersion() {
  MutexLock lock(&mu_);
  Stmt s(stmts_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  SP_ASSIGN_OR_RETURN(int64_t version, s.Count("schema version"));
  return static_cast<int>(version);
}

Result<std::optional<std::string>> SqliteStore::GetSetting(
    std::string_view key) {
  std::string k(key);
  {
    MutexLock cached(&settings_mu_);
    if (auto it = settings_.find(k); it != settings_.end()) return it->second;
  }
  MutexLock lock(&mu_);
  Stmt s(stmts_, "SELECT value FROM settings WHERE key = ?");
  s.Bind(1, key);
  SP_ASSIGN_OR_RETURN(std::optional<std::string> value,
                      s.First("reading setting", internal::ReadText<Stmt>));
  MutexLock cached(&settings_mu_);
  return settings_[k] = std::move(value);
}

Status SqliteStore::PutSetting(std::string_view key, std::string_view value) {
  MutexLock lock(&mu_);
  Stmt s(stmts_,
         "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
         "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
         "updated_at = excluded.updated_at");
  s.Bind(1, key).Bind(2, value).Bind(3, clock_.NowUnix());
  Status st = s.Run();
  MutexLock cached(&settings_mu_);
  if (st.ok()) {
    settings_[std::string(key)] = std::string(value);
  } else {
    settings_.erase(std::string(key));
  }
  return st;
}

Result<bool> SqliteStore::PutSettingIf(std::string_view key,
                                       std::optional<std::string_view> expected,
                                       std::string_view value) {
  MutexLock lock(&mu_);
  Stmt s(stmts_, expected.has_value()
                     ? "UPDATE settings SET value = ?3, updated_at = ?4 WHERE "
                       "key = ?1 AND value = ?2"
                     : "INSERT INTO settings (key, value, updated_at) VALUES "
                       "(?1, ?3, ?4) ON CONFLICT (key) DO NOTHING");
  s.Bind(1, key).Bind(3, value).Bind(4, clock_.NowUnix());
  if (expected.has_value()) s.Bind(2, *expected);
  Status st = s.Run();
  const bool written = st.ok() && sqlite3_changes(db_) == 1;
  MutexLock cached(&settings_mu_);
  if (written) {
    settings_[std::string(key)] = std::string(value);
  } else {
    // Read again from the file next time: the cache missed a change.
    settings_.erase(std::string(key));
  }
  SP_RETURN_IF_ERROR(st);
  return written;
}

Status SqliteStore::AppendAudit(AuditRecord r) {
  MutexLock lock(&mu_);
  SP_RETURN_IF_ERROR(InsertAudit(r));
  CountAudited(r);
  return Status::Ok();
}

Status SqliteStore::AppendAudits(const std::vector<AuditRecord>& records) {
  MutexLock lock(&mu_);
  SP_RETURN_IF_ERROR(InTransaction([&]() SP_REQUIRES(mu_) -> Status {
    for (const AuditRecord& r : records) SP_RETURN_IF_ERROR(InsertAudit(r));
    return Status::Ok();
  }));
  for (const AuditRecord& r : records) CountAudited(r);
  return Status::Ok();
}

Status SqliteStore::InsertAudit(const AuditRecord& r) {
  return RunStmt(
      stmts_,
      "INSERT INTO audit (at, actor, action, object, result, detail, "
      "device, sign_in) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      r.at ? r.at : clock_.NowUnix(), r.actor, r.action, r.object, r.result,
      r.detail, r.device, r.sign_in);
}

Result<std::vector<AuditRecord>> SqliteStore::ListAudit(std::string_view object,
                                                        int limit) {
  MutexLock lock(&mu_);
  // Two statements: SQLite plans "(?1 = '' OR object = ?1)" as a scan of
  // the whole table newest first, which /sent ran once per row (50 scans
  // of an audit table that only grows); "object = ?1" seeks audit_object.
  Stmt s(stmts_, object.empty()
                     ? "SELECT id, at, actor, action, object, result, detail, "
                       "device, sign_in FROM audit ORDER BY id DESC LIMIT ?2"
                     : "SELECT id, at, actor, action, object, result, detail, "
                       "device, sign_in FROM audit WHERE object = ?1 ORDER BY "
                       "id DESC LIMIT ?2");
  if (!object.empty()) s.Bind(1, object);
  s.Bind(2, int64_t{limit});
  return s.All("listing audit", [](const Stmt& s) {
    return AuditRecord{s.Int(0),  s.Int(1),  s.Text(2), s.Text(3), s.Text(4),
                       s.Text(5), s.Text(6), s.Text(7), s.Text(8)};
  });
}

Result<std::vector<ActivityCount>> SqliteStore::CountActivity(
    Activity activity, std::string_view key, int64_t since, int64_t width) {
  // By Activity: ?1 the key, ?2 since, ?3 the bucket width.
  static constexpr std::string_view kSql[] = {
      // The (action, at, result) index covers it.
      "SELECT result, (at - ?2) / ?3, COUNT(*) FROM audit WHERE action = ?1 "
      "AND at >= ?2 GROUP BY 1, 2",
      // The (created_at, id) index; ?1 is unused (empty).
      "SELECT template_id, (created_at - ?2) / ?3, COUNT(*) FROM "
      "protected_messages WHERE created_at >= ?2 AND ?1 = '' GROUP BY 1, 2",
      // The (event, at_ms) index; times are milliseconds there.
      "SELECT event, (at_ms / 1000 - ?2) / ?3, COUNT(*) FROM queue_events "
      "WHERE event = ?1 AND at_ms >= ?2 * 1000 GROUP BY 1, 2",
  };
  if (width <= 0) return InvalidArgumentError("bucket width must be > 0");
  return SelectAll(
      "counting activity", kSql[static_cast<int>(activity)],
      [](const Stmt& s) {
        return ActivityCount{s.Text(0), s.Int(1), s.Int(2)};
      },
      key, since, width);
}

Status SqliteStore::AddUser(const UserRecord& u) {
  SP_ASSIGN_OR_RETURN(
      bool added,
      RunChangedOne("INSERT INTO users (email, password_hash, display_name, "
                    "created_at, disabled, epoch) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (email) DO NOTHING",
                    u.email, u.password_hash, u.display_name,
                    u.created_at ? u.created_at : clock_.NowUnix(), u.disabled,
                    u.epoch));
  if (!added) return AlreadyExistsError("user " + u.email + " already exists");
  return Status::Ok();
}

Status SqliteStore::SetPassword(std::string_view email,
                                std::string_view password_hash) {
  return RunOrNotFound("no user " + std::string(email),
                       "UPDATE users SET password_hash = ?, epoch = epoch + 1 "
                       "WHERE email = ?",
                       password_hash, email);
}

Status SqliteStore::BumpUserEpoch(std::string_view email) {
  return Run("UPDATE users SET epoch = epoch + 1 WHERE email = ?", email);
}

Result<std::optional<UserRecord>> SqliteStore::GetUser(std::string_view email) {
  internal::ReaderLease reader(*readers_);
  static const std::string kSql =
      internal::SelectFrom(internal::kUserColumns, "users WHERE email = ?");
  Stmt s(reader.stmts(), kSql);
  s.Bind(1, email);
  return s.First("reading user", internal::ReadUser<Stmt>);
}

Result<std::vector<UserRecord>> SqliteStore::ListUsers() {
  MutexLock lock(&mu_);
  Stmt s(stmts_,
         internal::SelectFrom(internal::kUserColumns, "users ORDER BY email"));
  return s.All("listing users", internal::ReadUser<Stmt>);
}

Status SqliteStore::DeleteUser(std::string_view email) {
  MutexLock lock(&mu_);
  Stmt s(stmts_, "DELETE FROM users WHERE email = ?");
  s.Bind(1, email);
  return s.RunOrNotFound("no user " + std::string(email));
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const Clock& clock) {
  SP_ASSIGN_OR_RETURN(auto store, SqliteStore::Open(path, clock));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace sealpost::store
