// Internal helpers of the PostgreSQL engine: one libpq connection with
// parameterised queries (text parameters, bytea sent in binary), its result
// rows, error mapping (a lost connection or a serialization failure ->
// UNAVAILABLE, so SMTP answers 4xx; unique_violation -> ALREADY_EXISTS; a
// full disk -> RESOURCE_EXHAUSTED), and a small pool of connections.
//
// Thread-safety: PgConn and PgResult belong to one thread at a time (the
// pool hands a connection to one caller); PgPool is thread-safe.
#ifndef SEALPOST_STORE_POSTGRES_PG_CONN_H_
#define SEALPOST_STORE_POSTGRES_PG_CONN_H_

#include <libpq-fe.h>

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "store/bytes.h"

namespace sealpost::store::internal {

// Parameters of one statement ($1, $2, ...), in order.
class PgParams {
 public:
  PgParams& Text(std::string_view v);
  PgParams& Int(int64_t v);
  PgParams& Blob(std::string_view v);        // bytea, binary format
  PgParams& BlobOrNull(std::string_view v);  // NULL for an empty value
  PgParams& Null();
  // `values` as $1, $2, ... in order: strings as text, integers, and
  // Bytes{field} as a bytea.
  template <typename... Values>
  static PgParams Of(const Values&... values) {
    PgParams p;
    (p.Add(values), ...);
    return p;
  }

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return ptrs_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }
  // Fixes the pointers once every parameter is added.
  void Seal();

 private:
  void Add(std::string_view v) { Text(v); }
  void Add(int64_t v) { Int(v); }
  template <typename Field>
  void Add(Bytes<Field> v) {
    Blob(v.field);
  }

  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<const char*> ptrs_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// A query's result (text format), owned.
class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r) {}
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&& o) noexcept;
  ~PgResult() { PQclear(r_); }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  const PGresult* raw_for_status() const { return r_; }
  int rows() const { return PQntuples(r_); }
  // Rows an INSERT, UPDATE or DELETE touched.
  int64_t affected() const;
  bool IsNull(int row, int col) const { return PQgetisnull(r_, row, col); }
  std::string Text(int row, int col) const;
  int64_t Int(int row, int col) const;
  // A bytea column (its hex text form decoded); "" for NULL.
  std::string Blob(int row, int col) const;
  // A column's bytes as the server sent them: a bytea's own bytes in a
  // result of PgConn::QueryBinary. Valid while the result lives.
  std::string_view Raw(int row, int col) const {
    return std::string_view(PQgetvalue(r_, row, col),
                            static_cast<size_t>(PQgetlength(r_, row, col)));
  }
  // Reads row `row`'s columns, from the first and in order, into `fields`:
  // text into strings, integers, and a bytea into Bytes{field}.
  template <typename... Fields>
  void ReadInto(int row, Fields&&... fields) const {
    int col = 0;
    (ReadColumn(row, col++, fields), ...);
  }

 private:
  void ReadColumn(int row, int col, std::string& out) const {
    out = Text(row, col);
  }
  template <typename Field>
  void ReadColumn(int row, int col, Bytes<Field> out) const {
    out.field = Blob(row, col);
  }
  template <std::integral T>
  void ReadColumn(int row, int col, T& out) const {
    out = static_cast<T>(Int(row, col));
  }

  PGresult* r_;  // owned: cleared by the destructor
};

// One row of a result, for the readers both engines share
// (store/record_rows.h): ReadInto as Stmt::ReadInto in SQLite.
struct PgRow {
  const PgResult& result;  // not owned: outlives the row
  int row;
  template <typename... Fields>
  void ReadInto(Fields&&... fields) const {
    result.ReadInto(row, std::forward<Fields>(fields)...);
  }
};

// A text[] literal of `values` for a parameter such as `id = ANY($1::text[])`:
// each element quoted and escaped (PostgreSQL "Array Value Input").
std::string TextArray(const std::vector<std::string>& values);

// Maps a failed result (or a broken connection) to a Status.
Status PgError(PGconn* conn, const PGresult* r, std::string_view what);

// The reason PgError gives a transaction that lost a race with another
// (serialization_failure 40001, deadlock_detected 40P01): the server rolled
// it back whole, so running it again from BEGIN is safe.
enum class PgRace { kLost };

// One connection. Queries return an error Status unless the command
// succeeded.
class PgConn {
 public:
  explicit PgConn(PGconn* c) : c_(c) {}
  ~PgConn() { PQfinish(c_); }
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  PGconn* raw() const { return c_; }
  bool healthy() const;
  // Several statements without parameters (a migration, BEGIN, COMMIT).
  Status Exec(std::string_view sql);
  Result<PgResult> Query(std::string_view sql, PgParams params = {});
  // The same with every column in binary (a bytea as its bytes, read with
  // PgResult::Raw: no hex text twice its size to decode).
  Result<PgResult> QueryBinary(std::string_view sql, PgParams params = {});
  Status Run(std::string_view sql, PgParams params = {});
  // Runs a statement that must touch a row: NotFound(`missing`) when it
  // touches none.
  Status RunOrNotFound(std::string_view sql, PgParams params,
                       std::string_view missing);
  // The first column of the first row, as an integer.
  Result<int64_t> QueryInt(std::string_view sql, PgParams params = {});

 private:
  Result<PgResult> QueryIn(std::string_view sql, PgParams params,
                           int result_format);

  PGconn* c_;  // owned: finished by the destructor
};

// Connects with `conninfo` (a libpq URI or key=value string); `password`
// when not empty overrides any in it.
Result<std::unique_ptr<PgConn>> PgConnect(const std::string& conninfo,
                                          const std::string& password);

// Up to `max` connections, opened on demand and kept; a caller waits for a
// free one when all are in use. A connection found broken when it comes
// back is closed, and the next caller opens a new one.
class PgPool {
 public:
  PgPool(std::string conninfo, std::string password, int max)
      : conninfo_(std::move(conninfo)),
        password_(std::move(password)),
        max_(max) {}
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // Returns a connection to the pool on scope exit.
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConn> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& o) noexcept = default;
    ~Lease() {
      if (conn_) pool_->Give(std::move(conn_));
    }
    PgConn& operator*() const { return *conn_; }
    PgConn* operator->() const { return conn_.get(); }

   private:
    // Not owned (references and pointers below): must outlive this object.
    PgPool* pool_;
    std::unique_ptr<PgConn> conn_;
  };

  Result<Lease> Take() SP_EXCLUDES(mu_);

 private:
  void Give(std::unique_ptr<PgConn> conn) SP_EXCLUDES(mu_);

  const std::string conninfo_;
  const std::string password_;
  const int max_;
  Mutex mu_;
  CondVar freed_;
  std::vector<std::unique_ptr<PgConn>> idle_ SP_GUARDED_BY(mu_);
  int open_ SP_GUARDED_BY(mu_) = 0;  // idle and leased
};

}  // namespace sealpost::store::internal

#endif  // SEALPOST_STORE_POSTGRES_PG_CONN_H_
