// Checkpointer: the WAL checkpoints of a SQLite store, on a thread and a
// connection of their own.
//
// SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL
// past 1,000 pages: it copies every page back into the database and
// fsyncs it before the commit returns, so the messages of that group
// commit wait for it before their 250 (with 64 KB mail, every twentieth
// commit or so). Here the writer's WAL hook only notes the WAL's length
// and wakes this thread, which runs a PASSIVE checkpoint: it never blocks
// the writer nor readers, and copies only frames already committed and
// synced (synchronous=FULL on this connection too). The writer restarts
// the WAL from its start once a checkpoint has copied all of it. The next
// checkpoint waits until the log has grown by kCheckpointFrames again (or
// restarted and reached them): one per 1,000 pages, as before, not one
// per commit while the log stays long.
//
// Should checkpoints fall far behind (a reader holding an old snapshot, a
// slow disk), the writer checkpoints itself past kWriterCheckpointFrames,
// as SQLite would have, so the WAL stays bounded.
//
// Thread-safety: constructed and destroyed by the store's owner; the hook
// runs on the writer's connection under SQLite's mutex.
#ifndef SEALPOST_STORE_SQLITE_CHECKPOINTER_H_
#define SEALPOST_STORE_SQLITE_CHECKPOINTER_H_

#include <sqlite3.h>

#include <memory>
#include <string>
#include <thread>

#include "base/status.h"
#include "base/thread_annotations.h"

namespace sealpost::store::internal {

class Checkpointer {
 public:
  // SQLite's default automatic checkpoint threshold.
  static constexpr int kCheckpointFrames = 1000;
  static constexpr int kWriterCheckpointFrames = 16 * kCheckpointFrames;

  // Opens a connection to `path` (through `vfs`) and takes over the WAL
  // hook of `writer`, which must outlive it. nullptr (and the automatic
  // checkpoint left in place) for a database without a file.
  static Result<std::unique_ptr<Checkpointer>> Start(const std::string& path,
                                                     const char* vfs,
                                                     sqlite3* writer);
  // Gives the hook back to SQLite's automatic checkpoint, stops the thread
  // and closes the connection. The caller holds the writer's mutex, so no
  // commit runs meanwhile.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  Checkpointer(sqlite3* db, sqlite3* writer) : db_(db), writer_(writer) {}
  static int OnCommit(void* self, sqlite3* writer, const char* schema,
                      int frames);
  void Loop() SP_EXCLUDES(mu_);

  sqlite3* const db_;      // this thread's own connection
  sqlite3* const writer_;  // not owned
  Mutex mu_;
  CondVar cv_;
  bool due_ SP_GUARDED_BY(mu_) = false;
  // The log's length in frames when the last checkpoint ran.
  int checkpointed_ SP_GUARDED_BY(mu_) = 0;
  bool stop_ SP_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace sealpost::store::internal

#endif  // SEALPOST_STORE_SQLITE_CHECKPOINTER_H_
