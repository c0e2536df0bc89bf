// Store: the one interface to durable state (settings, users, keys, audit,
// protected messages, the queue). Two engines implement it: SQLite (the
// embedded default) and PostgreSQL (several gateway nodes sharing one
// state, SPEC §3); one test suite runs against both (store_engine_test.cc).
// The interface uses only portable types: strings, integers, byte strings.
//
// Thread-safety: every Store implementation is safe to call from any thread.
//
// Store is the composition of one interface per area (settings, audit,
// rights, sign-in, queue, journal, search, S/MIME, housekeeping), each in
// its own header with its records; a caller that needs one area may depend
// on that interface alone.
#ifndef SEALPOST_STORE_STORE_H_
#define SEALPOST_STORE_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "store/audit_store.h"
#include "store/housekeeping_store.h"
#include "store/journal_store.h"
#include "store/queue_store.h"
#include "store/rights_store.h"
#include "store/search_store.h"
#include "store/settings_store.h"
#include "store/signin_store.h"
#include "store/smime_store.h"

namespace sealpost::store {

// A subscription to other nodes' changes (Store::WatchChanges); ends when
// destroyed.
class ChangeWatch {
 public:
  virtual ~ChangeWatch() = default;
};

// What WatchChanges reports: the table that changed ("settings:rules" for a
// setting), or kEverything after a lost connection (changes may have been
// missed).
inline constexpr std::string_view kEverything = "*";

// Every area's interface, and what belongs to the store as a whole.
class Store : public SettingsStore,
              public AuditStore,
              public RightsStore,
              public SignInStore,
              public QueueStore,
              public JournalStore,
              public SearchStore,
              public SmimeStore,
              public HousekeepingStore {
 public:
  virtual ~Store() = default;

  // "sqlite" or "postgres".
  virtual std::string_view Engine() const = 0;

  // Calls `on_change` (on a thread of the store's, promptly: within a
  // second) whenever any node commits a change that a cache may depend on:
  // a setting, a user, an org key, a revocation or new expiry, a session
  // ended. nullptr when only this process writes the store (SQLite): its
  // own changes already reach its caches directly.
  virtual Result<std::unique_ptr<ChangeWatch>> WatchChanges(
      std::function<void(std::string_view what)> on_change) {
    (void)on_change;
    return std::unique_ptr<ChangeWatch>();
  }
  // Highest migration applied.
  virtual Result<int> SchemaVersion() = 0;

  // Between these two (ReadSnapshot below), the lookups made on this thread
  // may share one read transaction: they see one state of the store, taken
  // at the first of them (so including every commit made before the
  // caller's request began), and a commit made meanwhile is seen by the
  // next snapshot. For a request's lookups only: not to be held while
  // waiting for another thread, nor around a write whose result the same
  // scope reads back. SQLite holds one of its read connections for it;
  // elsewhere (PostgreSQL) each lookup runs as before.
  virtual void BeginReadSnapshot() {}
  virtual void EndReadSnapshot() {}
};

// Store::BeginReadSnapshot for a scope (nested scopes join the outer one).
// Thread-safety: one thread's object.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Store& store) : store_(store) {
    store_.BeginReadSnapshot();
  }
  ~ReadSnapshot() { store_.EndReadSnapshot(); }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  // Not owned (references and pointers below): must outlive this object.
  Store& store_;
};

// Opens (creating if needed) the SQLite store at `path` and runs pending
// migrations.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const Clock& clock);

struct PostgresOptions {
  // A libpq URI (postgresql://host/db?sslmode=verify-full) or key=value
  // conninfo string.
  std::string url;
  // Overrides a password in `url` when not empty (read from a file or
  // SEALPOST_STORE_PASSWORD by the caller: never in the config file).
  std::string password;
  int pool_size = 8;  // connections kept open to the server
};

// Connects to PostgreSQL and runs pending migrations (under an advisory
// lock, so several nodes starting together migrate once).
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options,
                                                 const Clock& clock);

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_STORE_H_
