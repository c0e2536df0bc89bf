// A thin SQLite VFS over the platform's default one that gathers a
// transaction's writes to the write-ahead log into one write.
//
// SQLite writes every WAL frame as two writes (its 24-byte header, then the
// page), so a commit touching 25 pages costs 50 write system calls before
// its fsync; on the virtual machines this runs on, those calls cost as much
// as the fsync. This VFS keeps contiguous WAL writes in memory (one 4 MiB
// buffer per WAL file, made at its first write and kept until it closes)
// and writes them together (64 KiB per call) when SQLite syncs the WAL,
// reads it, asks its size, truncates or closes it, writes somewhere else in
// it, or when 4 MiB are gathered.
//
// Why that is safe, given what SqliteStore::Open sets and checks:
// - synchronous=FULL: SQLite syncs the WAL before it publishes a commit in
//   the wal-index, and no reader, in this process or another, looks at
//   frames past the published end. Frames still in memory at a crash
//   belong to a transaction that never committed.
// - cache_spill=OFF: frames are written only by a commit, never in the
//   middle of a transaction, so a rollback leaves nothing in memory that a
//   later flush could write over another connection's frames.
// A failed write surfaces where the data is flushed (the sync of the
// commit), so the commit fails and rolls back; ENOSPC stays SQLITE_FULL.
//
// Thread-safety: the VFS is registered once (thread-safe); each open file
// is used by one connection under SQLite's own locking.
#ifndef SEALPOST_STORE_SQLITE_WAL_VFS_H_
#define SEALPOST_STORE_SQLITE_WAL_VFS_H_

namespace sealpost::store::internal {

// The VFS's name for sqlite3_open_v2, registered on first use (not as the
// default VFS).
const char* WalGatheringVfs();

}  // namespace sealpost::store::internal

#endif  // SEALPOST_STORE_SQLITE_WAL_VFS_H_
