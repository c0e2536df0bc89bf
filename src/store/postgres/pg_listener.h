// Other nodes' changes, as PostgreSQL notifications (LISTEN/NOTIFY): one
// connection per node outside the pool listens on kChangeChannel; every
// write a cache may depend on sends a notification in its own transaction
// (PostgresStore), so it arrives only once the change is committed. After a
// lost connection the listener reconnects by itself and reports
// kEverything, since notifications sent meanwhile are lost.
//
// Thread-safety: the callback runs on the listener's own thread.
#ifndef SEALPOST_STORE_POSTGRES_PG_LISTENER_H_
#define SEALPOST_STORE_POSTGRES_PG_LISTENER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "base/status.h"
#include "store/postgres/pg_conn.h"
#include "store/store.h"

namespace sealpost::store::internal {

inline constexpr std::string_view kChangeChannel = "sealpost_changes";

// Sends `what` to every listening node when `c`'s transaction commits.
Status NotifyChange(PgConn& c, std::string_view what);

class PgChangeListener final : public ChangeWatch {
 public:
  // Connects and listens before returning (a wrong URL fails here).
  static Result<std::unique_ptr<PgChangeListener>> Start(
      std::string conninfo, std::string password,
      std::function<void(std::string_view)> on_change);
  ~PgChangeListener() override;

 private:
  PgChangeListener(std::string conninfo, std::string password,
                   std::function<void(std::string_view)> on_change)
      : conninfo_(std::move(conninfo)),
        password_(std::move(password)),
        on_change_(std::move(on_change)) {}
  Result<std::unique_ptr<PgConn>> Listen() const;
  void Run(std::unique_ptr<PgConn> conn);
  // Waits up to a quarter second and reports what arrived; false when the
  // connection broke.
  bool Receive(PgConn& conn);
  // Calls on_change_ for each notification already read.
  void Report(PGconn* c);
  // Sleeps `ms`, waking early to stop.
  void Pause(int ms) const;

  const std::string conninfo_;
  const std::string password_;
  const std::function<void(std::string_view)> on_change_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sealpost::store::internal

#endif  // SEALPOST_STORE_POSTGRES_PG_LISTENER_H_
