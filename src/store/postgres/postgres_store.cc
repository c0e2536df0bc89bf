#include "store/postgres/postgres_store.h"
#include "store/record_rows.h"

#include <chrono>
#include <thread>
#include <utility>

#include "base/log.h"
#include "store/postgres/pg_listener.h"

namespace sealpost::store {
using internal::PgParams;
using internal::PgResult;

namespace {

// The advisory lock every node takes to migrate ("sealpost" in ASCII).
constexpr int64_t kMigrationLock = 0x7365616c706f7374;
// How many times a transaction that lost a race runs before its caller
// sees the error (and SMTP answers 451).
constexpr int kRaceAttempts = 4;

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(
    const PostgresOptions& options, const Clock& clock,
    const std::vector<Migration>& migrations) {
  if (options.url.empty()) {
    return InvalidArgumentError("store.url is empty");
  }
  PostgresOptions o = options;
  if (o.pool_size < 1) o.pool_size = 1;
  auto store = std::unique_ptr<PostgresStore>(new PostgresStore(o, clock));
  SP_RETURN_IF_ERROR(
      store->Migrate(migrations).WithContext("migrating PostgreSQL"));
  return store;
}

Status PostgresStore::With(const std::function<Status(Conn&)>& fn) {
  SP_ASSIGN_OR_RETURN(auto conn, pool_.Take());
  return fn(*conn);
}

Status PostgresStore::InTransaction(const std::function<Status(Conn&)>& fn) {
  Status st;
  for (int attempt = 1;; ++attempt) {
    st = With([&](Conn& c) -> Status {
      SP_RETURN_IF_ERROR(c.Exec("BEGIN"));
      if (Status failed = fn(c); !failed.ok()) {
        (void)c.Exec("ROLLBACK");
        return failed;
      }
      return c.Exec("COMMIT");
    });
    if (st.ok() || st.Reason<internal::PgRace>() != internal::PgRace::kLost ||
        attempt == kRaceAttempts) {
      return st;
    }
    log::Warn("store: {} (attempt {} of {}); running it again", st.message(),
              attempt, kRaceAttempts);
    // The other transaction goes on: give it a moment, longer each time.
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
  }
}

Status PostgresStore::RunAndNotify(std::string_view what, std::string_view sql,
                                   PgParams params) {
  return InTransaction([&](Conn& c) -> Status {
    SP_RETURN_IF_ERROR(c.Run(sql, std::move(params)));
    return internal::NotifyChange(c, what);
  });
}

Result<std::unique_ptr<ChangeWatch>> PostgresStore::WatchChanges(
    std::function<void(std::string_view what)> on_change) {
  SP_ASSIGN_OR_RETURN(
      auto listener,
      internal::PgChangeListener::Start(url_, password_, std::move(on_change)));
  return std::unique_ptr<ChangeWatch>(std::move(listener));
}

Status PostgresStore::Select(std::string_view sql, PgParams params,
                             const std::function<void(const PgResult&)>& read) {
  return With([&](Conn& c) -> Status {
    SP_ASSIGN_OR_RETURN(PgResult r, c.Query(sql, std::move(params)));
    read(r);
    return Status::Ok();
  });
}

Status PostgresStore::Run(std::string_view sql, PgParams params) {
  SP_ASSIGN_OR_RETURN(auto conn, pool_.Take());
  return conn->Run(sql, std::move(params));
}

Status PostgresStore::RunOrNotFound(std::string_view sql, PgParams params,
                                    std::string_view missing) {
  SP_ASSIGN_OR_RETURN(auto conn, pool_.Take());
  return conn->RunOrNotFound(sql, std::move(params), missing);
}

Result<int64_t> PostgresStore::RunCountingRows(std::string_view sql,
                                               PgParams params) {
  SP_ASSIGN_OR_RETURN(auto conn, pool_.Take());
  SP_ASSIGN_OR_RETURN(PgResult r, conn->Query(sql, std::move(params)));
  return r.affected();
}

Result<bool> PostgresStore::RunChangedOne(std::string_view sql,
                                          PgParams params) {
  SP_ASSIGN_OR_RETURN(int64_t n, RunCountingRows(sql, std::move(params)));
  return n == 1;
}

Result<int64_t> PostgresStore::SelectInt(std::string_view sql,
                                         PgParams params) {
  SP_ASSIGN_OR_RETURN(auto conn, pool_.Take());
  return conn->QueryInt(sql, std::move(params));
}

Status PostgresStore::Migrate(const std::vector<Migration>& migrations) {
  return With([&](Conn& c) -> Status {
    // A session lock, held across the migrations' own transactions: the
    // first node to get it migrates; the others wait here, then see the
    // new version and apply nothing.
    SP_RETURN_IF_ERROR(
        c.Run("SELECT pg_advisory_lock($1)", PgParams().Int(kMigrationLock)));
    auto apply = [&]() -> Status {
      SP_RETURN_IF_ERROR(
          c.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                 "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                 "applied_at BIGINT NOT NULL)"));
      SP_ASSIGN_OR_RETURN(
          int64_t current,
          c.QueryInt(
              "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
      for (const Migration& m : migrations) {
        if (m.version <= current) continue;
        // Each migration and its bookkeeping row commit together or not at
        // all (PostgreSQL's DDL is transactional).
        SP_RETURN_IF_ERROR(c.Exec("BEGIN"));
        Status st = c.Exec(RenderMigrationSql(m.sql, Dialect::kPostgres));
        if (st.ok()) {
          st = c.Run(
              "INSERT INTO schema_migrations (version, name, applied_at) "
              "VALUES ($1, $2, $3)",
              PgParams().Int(m.version).Text(m.name).Int(clock_.NowUnix()));
        }
        if (!st.ok()) {
          (void)c.Exec("ROLLBACK");
          return st.WithContext("migration " + std::to_string(m.version) +
                                " (" + std::string(m.name) + ")");
        }
        SP_RETURN_IF_ERROR(c.Exec("COMMIT"));
      }
      return Status::Ok();
    };
    Status st = apply();
    Status unlock =
        c.Run("SELECT pg_advisory_unlock($1)", PgParams().Int(kMigrationLock));
    SP_RETURN_IF_ERROR(st);
    return unlock;
  });
}

Result<int> PostgresStore::SchemaVersion() {
  SP_ASSIGN_OR_RETURN(
      int64_t v,
      SelectInt("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return static_cast<int>(v);
}

Result<std::optional<std::string>> PostgresStore::GetSetting(
    std::string_view key) {
  return SelectFirst("SELECT value FROM settings WHERE key = $1",
                     PgParams().Text(key), internal::ReadText<internal::PgRow>);
}

Status PostgresStore::PutSetting(std::string_view key, std::string_view value) {
  return RunAndNotify(
      "settings:" + std::string(key),
      "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
      "updated_at = excluded.updated_at",
      PgParams().Text(key).Text(value).Int(clock_.NowUnix()));
}

Result<bool> PostgresStore::PutSettingIf(
    std::string_view key, std::optional<std::string_view> expected,
    std::string_view value) {
  // Read committed is enough: an UPDATE that finds its row changed by a
  // transaction that committed meanwhile checks the WHERE again on the new
  // value, and an INSERT waits for a racing insert of the key and then
  // does nothing.
  return InTransactionValue([&](Conn& c) -> Result<bool> {
    PgParams params = PgParams().Text(key).Text(value).Int(clock_.NowUnix());
    if (expected.has_value()) params.Text(*expected);
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c.Query(expected.has_value()
                    ? "UPDATE settings SET value = $2, updated_at = $3 WHERE "
                      "key = $1 AND value = $4"
                    : "INSERT INTO settings (key, value, updated_at) VALUES "
                      "($1, $2, $3) ON CONFLICT (key) DO NOTHING",
                std::move(params)));
    if (r.affected() != 1) return false;
    SP_RETURN_IF_ERROR(
        internal::NotifyChange(c, "settings:" + std::string(key)));
    return true;
  });
}

Status PostgresStore::InsertAudit(Conn& c, const AuditRecord& r) {
  return c.Run(
      "INSERT INTO audit (at, actor, action, object, result, detail, device, "
      "sign_in) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      PgParams::Of(r.at ? r.at : clock_.NowUnix(), r.actor, r.action, r.object,
                   r.result, r.detail, r.device, r.sign_in));
}

Status PostgresStore::AppendAudit(AuditRecord r) {
  SP_RETURN_IF_ERROR(With([&](Conn& c) { return InsertAudit(c, r); }));
  CountAudited(r);
  return Status::Ok();
}

Status PostgresStore::AppendAudits(const std::vector<AuditRecord>& records) {
  SP_RETURN_IF_ERROR(InTransaction([&](Conn& c) -> Status {
    for (const AuditRecord& r : records) SP_RETURN_IF_ERROR(InsertAudit(c, r));
    return Status::Ok();
  }));
  for (const AuditRecord& r : records) CountAudited(r);
  return Status::Ok();
}

Result<std::vector<AuditRecord>> PostgresStore::ListAudit(
    std::string_view object, int limit) {
  // As on SQLite (sqlite_store.cc): "object = $1" alone, so that the plan
  // is the audit_object index whatever the planner knows of $1.
  return SelectAll(
      object.empty()
          ? "SELECT id, at, actor, action, object, result, detail, device, "
            "sign_in FROM audit WHERE $1::text = '' ORDER BY id DESC LIMIT $2"
          : "SELECT id, at, actor, action, object, result, detail, device, "
            "sign_in FROM audit WHERE object = $1 ORDER BY id DESC LIMIT $2",
      PgParams().Text(object).Int(limit), [](const PgResult& r, int i) {
        return AuditRecord{r.Int(i, 0),  r.Int(i, 1),  r.Text(i, 2),
                           r.Text(i, 3), r.Text(i, 4), r.Text(i, 5),
                           r.Text(i, 6), r.Text(i, 7), r.Text(i, 8)};
      });
}

Result<std::vector<ActivityCount>> PostgresStore::CountActivity(
    Activity activity, std::string_view key, int64_t since, int64_t width) {
  // The SQLite statements (sqlite_store.cc) in PostgreSQL's words.
  static constexpr std::string_view kSql[] = {
      "SELECT result, (at - $2::bigint) / $3::bigint, COUNT(*) FROM audit "
      "WHERE action = $1 AND at >= $2::bigint GROUP BY 1, 2",
      "SELECT template_id, (created_at - $2::bigint) / $3::bigint, COUNT(*) "
      "FROM protected_messages WHERE created_at >= $2::bigint AND $1::text = "
      "'' GROUP BY 1, 2",
      "SELECT event, (at_ms / 1000 - $2::bigint) / $3::bigint, COUNT(*) FROM "
      "queue_events WHERE event = $1 AND at_ms >= $2::bigint * 1000 "
      "GROUP BY 1, 2",
  };
  if (width <= 0) return InvalidArgumentError("bucket width must be > 0");
  return SelectAll(
      kSql[static_cast<int>(activity)],
      PgParams().Text(key).Int(since).Int(width), [](const PgResult& r, int i) {
        return ActivityCount{r.Text(i, 0), r.Int(i, 1), r.Int(i, 2)};
      });
}

Status PostgresStore::AddUser(const UserRecord& u) {
  return InTransaction([&](Conn& c) -> Status {
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c.Query("INSERT INTO users (email, password_hash, display_name, "
                "created_at, disabled, epoch) VALUES ($1, $2, $3, $4, $5, $6) "
                "ON CONFLICT (email) DO NOTHING",
                PgParams::Of(u.email, u.password_hash, u.display_name,
                             u.created_at ? u.created_at : clock_.NowUnix(),
                             u.disabled ? 1 : 0, u.epoch)));
    if (r.affected() != 1) {
      return AlreadyExistsError("user " + u.email + " already exists");
    }
    return internal::NotifyChange(c, "users");
  });
}

Status PostgresStore::SetPassword(std::string_view email,
                                  std::string_view password_hash) {
  return InTransaction([&](Conn& c) -> Status {
    SP_RETURN_IF_ERROR(c.RunOrNotFound(
        "UPDATE users SET password_hash = $2, epoch = epoch + 1 WHERE "
        "email = $1",
        PgParams().Text(email).Text(password_hash),
        "no user " + std::string(email)));
    return internal::NotifyChange(c, "users");
  });
}

Status PostgresStore::BumpUserEpoch(std::string_view email) {
  return RunAndNotify("users",
                      "UPDATE users SET epoch = epoch + 1 WHERE email = $1",
                      PgParams().Text(email));
}

Result<std::optional<UserRecord>> PostgresStore::GetUser(
    std::string_view email) {
  return SelectFirst(
      internal::SelectFrom(internal::kUserColumns, "users WHERE email = $1"),
      PgParams().Text(email), internal::ReadUser<internal::PgRow>);
}

Result<std::vector<UserRecord>> PostgresStore::ListUsers() {
  // COLLATE "C": byte order, as SQLite sorts, whatever the database's
  // locale.
  return SelectAll(internal::SelectFrom(internal::kUserColumns,
                                        "users ORDER BY email COLLATE \"C\""),
                   PgParams(), internal::ReadUser<internal::PgRow>);
}

Status PostgresStore::DeleteUser(std::string_view email) {
  return InTransaction([&](Conn& c) -> Status {
    SP_RETURN_IF_ERROR(c.RunOrNotFound("DELETE FROM users WHERE email = $1",
                                       PgParams().Text(email),
                                       "no user " + std::string(email)));
    return internal::NotifyChange(c, "users");
  });
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options,
                                                 const Clock& clock) {
  SP_ASSIGN_OR_RETURN(auto store, PostgresStore::Open(options, clock));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace sealpost::store
