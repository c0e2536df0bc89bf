#include "store/postgres/pg_listener.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <utility>

#include "base/log.h"

namespace sealpost::store::internal {
namespace {

constexpr int kPollMs = 250;
// An idle connection is checked this often (an empty query), so that a
// connection a network dropped silently is noticed and replaced.
constexpr int64_t kProbeEveryMs = 5'000;
constexpr int kMaxBackoffMs = 2'000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status NotifyChange(PgConn& c, std::string_view what) {
  return c.Run("SELECT pg_notify($1, $2)",
               PgParams().Text(kChangeChannel).Text(what));
}

Result<std::unique_ptr<PgChangeListener>> PgChangeListener::Start(
    std::string conninfo, std::string password,
    std::function<void(std::string_view)> on_change) {
  auto listener = std::unique_ptr<PgChangeListener>(new PgChangeListener(
      std::move(conninfo), std::move(password), std::move(on_change)));
  SP_ASSIGN_OR_RETURN(auto conn, listener->Listen());
  listener->thread_ =
      std::thread([l = listener.get(), c = std::move(conn)]() mutable {
        l->Run(std::move(c));
      });
  return listener;
}

PgChangeListener::~PgChangeListener() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

Result<std::unique_ptr<PgConn>> PgChangeListener::Listen() const {
  SP_ASSIGN_OR_RETURN(auto conn, PgConnect(conninfo_, password_));
  // Named apart from the pool's connections in pg_stat_activity.
  SP_RETURN_IF_ERROR(
      conn->Exec("SET application_name = 'sealpost-listener'; LISTEN " +
                 std::string(kChangeChannel))
          .WithContext("listening for other nodes' changes"));
  return conn;
}

void PgChangeListener::Pause(int ms) const {
  for (int waited = 0; waited < ms && !stop_.load(std::memory_order_acquire);
       waited += 50) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void PgChangeListener::Report(PGconn* c) {
  while (PGnotify* n = PQnotifies(c)) {
    std::string what = n->extra != nullptr ? n->extra : "";
    PQfreemem(n);
    on_change_(what);
  }
}

bool PgChangeListener::Receive(PgConn& conn) {
  PGconn* c = conn.raw();
  Report(c);  // those read along with a query's answer (the probe)
  pollfd fd{PQsocket(c), POLLIN, 0};
  if (fd.fd < 0) return false;
  int ready = poll(&fd, 1, kPollMs);
  if (ready < 0) return errno == EINTR;
  if (ready > 0 && PQconsumeInput(c) == 0) return false;
  Report(c);
  return PQstatus(c) == CONNECTION_OK;
}

void PgChangeListener::Run(std::unique_ptr<PgConn> conn) {
  int backoff_ms = 100;
  int64_t last_probe = NowMs();
  while (!stop_.load(std::memory_order_acquire)) {
    if (conn == nullptr) {
      auto fresh = Listen();
      if (!fresh.ok()) {
        Pause(backoff_ms);
        backoff_ms = std::min(backoff_ms * 2, kMaxBackoffMs);
        continue;
      }
      conn = std::move(*fresh);
      backoff_ms = 100;
      log::Info(
          "store: listening for other nodes' changes again; caches "
          "dropped (changes meanwhile were not heard)");
      on_change_(kEverything);
    }
    bool alive = Receive(*conn);
    if (alive && NowMs() - last_probe >= kProbeEveryMs) {
      last_probe = NowMs();
      alive = conn->Exec("SELECT 1").ok();
    }
    if (!alive) {
      log::Warn(
          "store: lost the connection that hears other nodes' "
          "changes; reconnecting");
      conn.reset();
    }
  }
}

}  // namespace sealpost::store::internal
