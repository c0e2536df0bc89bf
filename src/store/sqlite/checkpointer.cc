#include "store/sqlite/checkpointer.h"

#include <string_view>

#include "base/log.h"

namespace sealpost::store::internal {

Result<std::unique_ptr<Checkpointer>> Checkpointer::Start(
    const std::string& path, const char* vfs, sqlite3* writer) {
  const char* file = sqlite3_db_filename(writer, "main");
  if (file == nullptr || *file == '\0') return std::unique_ptr<Checkpointer>();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, vfs);
  if (rc == SQLITE_OK) {
    // FULL: the checkpoint syncs the WAL before copying from it and the
    // database after. Never writing the WAL, it still keeps the gathering
    // VFS's condition (wal_vfs.h).
    rc = sqlite3_exec(db, "PRAGMA synchronous=FULL; PRAGMA cache_spill=OFF",
                      nullptr, nullptr, nullptr);
  }
  if (rc != SQLITE_OK) {
    Status s = InternalError("opening " + path + " for checkpoints: " +
                             (db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<Checkpointer> c(new Checkpointer(db, writer));
  c->thread_ = std::thread([p = c.get()] { p->Loop(); });
  sqlite3_wal_hook(writer, &Checkpointer::OnCommit, c.get());
  return c;
}

Checkpointer::~Checkpointer() {
  sqlite3_wal_autocheckpoint(writer_, kCheckpointFrames);
  {
    MutexLock lock(&mu_);
    stop_ = true;
    cv_.SignalAll();
  }
  thread_.join();
  sqlite3_close(db_);
}

int Checkpointer::OnCommit(void* self, sqlite3* writer, const char* schema,
                           int frames) {
  auto* c = static_cast<Checkpointer*>(self);
  if (frames >= kWriterCheckpointFrames) {
    // Far behind: the writer copies what it can itself (PASSIVE).
    sqlite3_wal_checkpoint(writer, schema);
  } else if (frames >= kCheckpointFrames) {
    MutexLock lock(&c->mu_);
    // Fewer frames than at the last checkpoint: the log restarted.
    if (frames < c->checkpointed_ ||
        frames - c->checkpointed_ >= kCheckpointFrames) {
      c->due_ = true;
      c->cv_.Signal();
    }
  }
  return SQLITE_OK;
}

void Checkpointer::Loop() {
  for (;;) {
    {
      MutexLock lock(&mu_);
      while (!stop_ && !due_) cv_.Wait(&mu_);
      if (stop_) return;
      due_ = false;
    }
    int wal_frames = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(
        db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied);
    // BUSY: another checkpoint is running; the next commit asks again.
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      log::Warn("store: WAL checkpoint failed: {}", sqlite3_errmsg(db_));
    }
    MutexLock lock(&mu_);
    checkpointed_ = rc == SQLITE_OK ? wal_frames : 0;
  }
}

}  // namespace sealpost::store::internal
