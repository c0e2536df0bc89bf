// Internal helpers shared by the SQLite engine's source files: a prepared
// statement wrapper and error mapping (SQLITE_FULL -> RESOURCE_EXHAUSTED, so
// a full disk becomes SMTP 452, not a bounce).
//
// Thread-safety: Stmt and StmtCache are used under SqliteStore's mutex only.
#ifndef SEALPOST_STORE_SQLITE_SQLITE_UTIL_H_
#define SEALPOST_STORE_SQLITE_SQLITE_UTIL_H_

#include <sqlite3.h>

#include <concepts>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "store/bytes.h"

namespace sealpost::store::internal {

inline Status SqliteError(sqlite3* db, std::string_view what) {
  int code = sqlite3_errcode(db);
  std::string msg = std::string(what) + ": " + sqlite3_errmsg(db);
  if (code == SQLITE_FULL) return ResourceExhaustedError(msg);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
    return UnavailableError(msg);
  }
  return InternalError(msg);
}

// The connection's prepared statements, kept by SQL text: parsing a
// statement costs more than running most of ours. Clear() finalizes them
// (before sqlite3_close).
class StmtCache {
 public:
  struct Slot {
    sqlite3_stmt* stmt = nullptr;
    bool busy = false;
  };

  explicit StmtCache(sqlite3* db) : db_(db) {}
  ~StmtCache() { Clear(); }
  StmtCache(const StmtCache&) = delete;
  StmtCache& operator=(const StmtCache&) = delete;

  sqlite3* db() const { return db_; }

  // The cached statement for `sql`, marked busy; nullptr when it is busy
  // already (a nested use: the caller prepares its own) or does not
  // prepare (`*rc` says why).
  Slot* Take(std::string_view sql, int* rc) {
    auto it = slots_.find(sql);
    *rc = SQLITE_OK;
    if (it != slots_.end()) {
      if (it->second.busy) return nullptr;
      it->second.busy = true;
      return &it->second;
    }
    sqlite3_stmt* stmt = nullptr;
    *rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                             SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (*rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return nullptr;
    }
    Slot& slot = slots_[std::string(sql)];
    slot.stmt = stmt;
    slot.busy = true;
    return &slot;
  }

  // Back to the cache, reset (no read transaction stays open) and unbound.
  static void Give(Slot* slot) {
    sqlite3_reset(slot->stmt);
    sqlite3_clear_bindings(slot->stmt);
    slot->busy = false;
  }

  void Clear() {
    for (auto& [sql, slot] : slots_) sqlite3_finalize(slot.stmt);
    slots_.clear();
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>()(s);
    }
  };
  sqlite3* db_;
  std::unordered_map<std::string, Slot, Hash, std::equal_to<>> slots_;
};

// A prepared statement for one use: from the cache (returned on scope
// exit), or prepared for this use alone and finalized on scope exit.
class Stmt {
 public:
  Stmt(StmtCache& cache, std::string_view sql) : db_(cache.db()) {
    slot_ = cache.Take(sql, &rc_);
    if (slot_ != nullptr) {
      stmt_ = slot_->stmt;
    } else if (rc_ == SQLITE_OK) {  // busy: a nested use of the same SQL
      rc_ = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()),
                               &stmt_, nullptr);
    }
  }
  ~Stmt() {
    if (slot_ != nullptr) {
      StmtCache::Give(slot_);
    } else {
      sqlite3_finalize(stmt_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Status status() const {
    return rc_ == SQLITE_OK ? Status::Ok() : SqliteError(db_, "prepare");
  }
  Stmt& Bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  // Without SQLite's own copy (SQLITE_STATIC), for message bodies: the
  // bytes must stay alive and unchanged until this Stmt is destroyed (which
  // resets it and clears its bindings).
  Stmt& BindBlobNoCopy(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_STATIC);
    return *this;
  }
  // NULL for an empty value.
  Stmt& BindBlobOrNull(int i, std::string_view v) {
    if (v.empty()) {
      sqlite3_bind_null(stmt_, i);
      return *this;
    }
    return BindBlob(i, v);
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  template <typename Field>
  Stmt& Bind(int i, Bytes<Field> v) {
    return BindBlob(i, v.field);
  }
  // Binds `values` to ?1, ?2, ... in order: strings as text, integers, and
  // Bytes{field} as a BLOB.
  template <typename... Values>
  Stmt& BindAll(const Values&... values) {
    [[maybe_unused]] int i = 0;
    (Bind(++i, values), ...);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  Status Run() {
    SP_RETURN_IF_ERROR(status());
    int rc = Step();
    return rc == SQLITE_DONE ? Status::Ok() : SqliteError(db_, "step");
  }
  // Runs a statement that must change a row: NotFound(`missing`) when it
  // changes none.
  Status RunOrNotFound(std::string_view missing) {
    SP_RETURN_IF_ERROR(Run());
    if (sqlite3_changes(db_) == 0) return NotFoundError(std::string(missing));
    return Status::Ok();
  }
  // Every row of the result, each read by `read(*this)`; `what` names the
  // query in an error.
  template <typename Read>
  auto All(std::string_view what, Read read)
      -> Result<std::vector<std::invoke_result_t<Read, const Stmt&>>> {
    SP_RETURN_IF_ERROR(status());
    std::vector<std::invoke_result_t<Read, const Stmt&>> out;
    int rc;
    while ((rc = Step()) == SQLITE_ROW) out.push_back(read(*this));
    if (rc != SQLITE_DONE) return SqliteError(db_, what);
    return out;
  }
  // The first row of the result, if there is one, read by `read(*this)`.
  template <typename Read>
  auto First(std::string_view what, Read read)
      -> Result<std::optional<std::invoke_result_t<Read, const Stmt&>>> {
    using Row = std::invoke_result_t<Read, const Stmt&>;
    SP_RETURN_IF_ERROR(status());
    int rc = Step();
    if (rc == SQLITE_DONE) return std::optional<Row>();
    if (rc != SQLITE_ROW) return SqliteError(db_, what);
    return std::optional<Row>(read(*this));
  }
  // The row an INSERT, UPDATE or DELETE gives with RETURNING, if it
  // touched one, read by `read(*this)`; the statement then runs to its end.
  template <typename Read>
  auto Returning(std::string_view what, Read read)
      -> Result<std::optional<std::invoke_result_t<Read, const Stmt&>>> {
    SP_ASSIGN_OR_RETURN(auto row, First(what, read));
    if (row.has_value() && Step() != SQLITE_DONE) return SqliteError(db_, what);
    return row;
  }
  // The first column of the one row a query such as COUNT(*) gives.
  Result<int64_t> Count(std::string_view what) {
    SP_RETURN_IF_ERROR(status());
    if (Step() != SQLITE_ROW) return SqliteError(db_, what);
    return Int(0);
  }
  // Ends the run and drops the bindings (no pointer to the bytes of a
  // BindBlobNoCopy is left behind).
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string Text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
  }
  std::string Blob(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(static_cast<const char*>(p), n) : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  // Reads the row's columns, from the first and in order, into `fields`:
  // text into strings, integers, and a BLOB into Bytes{field}.
  template <typename... Fields>
  void ReadInto(Fields&&... fields) const {
    int col = 0;
    (ReadColumn(col++, fields), ...);
  }

 private:
  void ReadColumn(int col, std::string& out) const { out = Text(col); }
  template <typename Field>
  void ReadColumn(int col, Bytes<Field> out) const {
    out.field = Blob(col);
  }
  template <std::integral T>
  void ReadColumn(int col, T& out) const {
    out = static_cast<T>(Int(col));
  }

  // Not owned: the cache's connection and slot, which must outlive this
  // object; stmt_ is the slot's, or owned (finalized by the destructor)
  // when prepared for this use alone.
  sqlite3* db_;
  StmtCache::Slot* slot_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

// Runs one statement of `cache`, `values` bound to ?1, ?2, ... in order
// (Stmt::BindAll), for a caller that holds the lock of the cache's
// connection (most often a step of its transaction).
template <typename... Values>
Status RunStmt(StmtCache& cache, std::string_view sql,
               const Values&... values) {
  Stmt s(cache, sql);
  return s.BindAll(values...).Run();
}

}  // namespace sealpost::store::internal

#endif  // SEALPOST_STORE_SQLITE_SQLITE_UTIL_H_
