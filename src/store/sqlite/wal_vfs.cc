#include "store/sqlite/wal_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>

namespace sealpost::store::internal {
namespace {

constexpr char kName[] = "sealpost-wal";
// The gathering buffer's fixed size; it is written out when full (a group
// commit of many 64 KB messages is a few megabytes).
constexpr size_t kMaxPending = 4 << 20;
constexpr size_t kMaxWrite = 64 << 10;

// A WAL file: our part first, the default VFS's file right after it.
// The gathering buffer is made at the first write, kMaxPending bytes, and
// kept until the file closes (a buffer grown by doubling and given back
// after large commits page-faulted on every commit).
struct WalFile {
  sqlite3_file base;
  sqlite3_file* real;
  char* pending;                // kMaxPending bytes, or null before a write
  size_t pending_size;          // bytes of it not yet written
  sqlite3_int64 pending_start;  // their offset in the file
};

sqlite3_file* Real(sqlite3_file* f) {
  return reinterpret_cast<WalFile*>(f)->real;
}

// The default VFS writes at most 128 KiB - 1 per call (its write path
// masks the length to 17 bits: SQLite itself never writes more than a page
// at a time), so hand it 64 KiB pieces.
int WriteThrough(sqlite3_file* real, const char* bytes, size_t size,
                 sqlite3_int64 offset) {
  int rc = SQLITE_OK;
  for (size_t done = 0; rc == SQLITE_OK && done < size;) {
    size_t n = std::min(size - done, kMaxWrite);
    rc = real->pMethods->xWrite(real, bytes + done, static_cast<int>(n),
                                offset + static_cast<sqlite3_int64>(done));
    done += n;
  }
  return rc;
}

int Flush(WalFile* w) {
  int rc = WriteThrough(w->real, w->pending, w->pending_size, w->pending_start);
  w->pending_size = 0;
  return rc;
}

int Close(sqlite3_file* f) {
  auto* w = reinterpret_cast<WalFile*>(f);
  int rc = Flush(w);
  int close_rc = w->real->pMethods->xClose(w->real);
  delete[] w->pending;
  w->pending = nullptr;
  return rc != SQLITE_OK ? rc : close_rc;
}

int Read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  auto* w = reinterpret_cast<WalFile*>(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xRead(w->real, out, amount, offset);
}

int Write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  auto* w = reinterpret_cast<WalFile*>(f);
  const char* bytes = static_cast<const char*>(data);
  const size_t n = static_cast<size_t>(amount);
  const sqlite3_int64 end =
      w->pending_start + static_cast<sqlite3_int64>(w->pending_size);
  if (w->pending_size > 0 && offset >= w->pending_start &&
      offset + amount <= end) {  // rewrites bytes still in memory
    std::memcpy(w->pending + (offset - w->pending_start), bytes, n);
    return SQLITE_OK;
  }
  if (w->pending_size == 0 || offset != end ||
      w->pending_size + n > kMaxPending) {
    if (int rc = Flush(w); rc != SQLITE_OK) return rc;
    w->pending_start = offset;
  }
  if (n > kMaxPending) {  // never from SQLite (a frame is one page)
    return WriteThrough(w->real, bytes, n, offset);
  }
  if (w->pending == nullptr) {
    w->pending = new (std::nothrow) char[kMaxPending];
    if (w->pending == nullptr) return SQLITE_IOERR_NOMEM;
  }
  std::memcpy(w->pending + w->pending_size, bytes, n);
  w->pending_size += n;
  return SQLITE_OK;
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  auto* w = reinterpret_cast<WalFile*>(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xTruncate(w->real, size);
}

int Sync(sqlite3_file* f, int flags) {
  auto* w = reinterpret_cast<WalFile*>(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xSync(w->real, flags);
}

int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  auto* w = reinterpret_cast<WalFile*>(f);
  if (int rc = Flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xFileSize(w->real, size);
}

int Lock(sqlite3_file* f, int level) {
  return Real(f)->pMethods->xLock(Real(f), level);
}
int Unlock(sqlite3_file* f, int level) {
  return Real(f)->pMethods->xUnlock(Real(f), level);
}
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
// Passed through without a flush: SQLite ignores the result of some file
// controls (hints), which would hide a failed write.
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) {
  return Real(f)->pMethods->xSectorSize(Real(f));
}
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}

// Version 1: a WAL file is never memory-mapped and has no shared memory of
// its own (the wal-index belongs to the database file).
const sqlite3_io_methods kWalMethods = {1,
                                        Close,
                                        Read,
                                        Write,
                                        Truncate,
                                        Sync,
                                        FileSize,
                                        Lock,
                                        Unlock,
                                        CheckReservedLock,
                                        FileControl,
                                        SectorSize,
                                        DeviceCharacteristics,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr};

sqlite3_vfs g_vfs;

sqlite3_vfs* Base() { return static_cast<sqlite3_vfs*>(g_vfs.pAppData); }

int Open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags,
         int* out_flags) {
  if ((flags & SQLITE_OPEN_WAL) == 0) {
    // Anything but a WAL: the default VFS's file, in the same slot.
    return Base()->xOpen(Base(), name, file, flags, out_flags);
  }
  auto* w = reinterpret_cast<WalFile*>(file);
  w->base.pMethods = nullptr;
  w->real = reinterpret_cast<sqlite3_file*>(w + 1);
  int rc = Base()->xOpen(Base(), name, w->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  w->pending = nullptr;
  w->pending_size = 0;
  w->pending_start = 0;
  w->base.pMethods = &kWalMethods;
  return SQLITE_OK;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return Base()->xDelete(Base(), name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return Base()->xAccess(Base(), name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return Base()->xFullPathname(Base(), name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) {
  return Base()->xDlOpen(Base(), name);
}
void DlError(sqlite3_vfs*, int n, char* out) {
  Base()->xDlError(Base(), n, out);
}
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return Base()->xDlSym(Base(), handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) { Base()->xDlClose(Base(), handle); }
int Randomness(sqlite3_vfs*, int n, char* out) {
  return Base()->xRandomness(Base(), n, out);
}
int Sleep(sqlite3_vfs*, int micros) { return Base()->xSleep(Base(), micros); }
int CurrentTime(sqlite3_vfs*, double* out) {
  return Base()->xCurrentTime(Base(), out);
}
int GetLastError(sqlite3_vfs*, int n, char* out) {
  return Base()->xGetLastError ? Base()->xGetLastError(Base(), n, out) : 0;
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return Base()->xCurrentTimeInt64(Base(), out);
}

}  // namespace

const char* WalGatheringVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
    g_vfs = sqlite3_vfs{};
    g_vfs.iVersion = 2;  // no system-call overrides (a test hook)
    g_vfs.szOsFile = static_cast<int>(sizeof(WalFile)) + base->szOsFile;
    g_vfs.mxPathname = base->mxPathname;
    g_vfs.zName = kName;
    g_vfs.pAppData = base;
    g_vfs.xOpen = Open;
    g_vfs.xDelete = Delete;
    g_vfs.xAccess = Access;
    g_vfs.xFullPathname = FullPathname;
    g_vfs.xDlOpen = DlOpen;
    g_vfs.xDlError = DlError;
    g_vfs.xDlSym = DlSym;
    g_vfs.xDlClose = DlClose;
    g_vfs.xRandomness = Randomness;
    g_vfs.xSleep = Sleep;
    g_vfs.xCurrentTime = CurrentTime;
    g_vfs.xGetLastError = GetLastError;
    g_vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0);
  });
  return kName;
}

}  // namespace sealpost::store::internal
