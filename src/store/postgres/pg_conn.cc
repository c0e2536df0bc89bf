#include "store/postgres/pg_conn.h"

#include <cstdlib>
#include <cstring>
#include <utility>

namespace sealpost::store::internal {

PgParams& PgParams::Text(std::string_view v) {
  values_.emplace_back(v);
  null_.push_back(false);
  formats_.push_back(0);
  return *this;
}

PgParams& PgParams::Int(int64_t v) { return Text(std::to_string(v)); }

PgParams& PgParams::Blob(std::string_view v) {
  values_.emplace_back(v);
  null_.push_back(false);
  formats_.push_back(1);
  return *this;
}

PgParams& PgParams::BlobOrNull(std::string_view v) {
  Blob(v);
  if (v.empty()) null_.back() = true;
  return *this;
}

PgParams& PgParams::Null() {
  Text("");
  null_.back() = true;
  return *this;
}

void PgParams::Seal() {
  ptrs_.clear();
  lengths_.clear();
  for (size_t i = 0; i < values_.size(); ++i) {
    ptrs_.push_back(null_[i] ? nullptr : values_[i].data());
    lengths_.push_back(static_cast<int>(values_[i].size()));
  }
}

PgResult& PgResult::operator=(PgResult&& o) noexcept {
  if (this != &o) {
    PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}

int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(r_);
  return n == nullptr || *n == '\0' ? 0 : std::strtoll(n, nullptr, 10);
}

std::string PgResult::Text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), PQgetlength(r_, row, col));
}

int64_t PgResult::Int(int row, int col) const {
  return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}

std::string PgResult::Blob(int row, int col) const {
  if (PQgetisnull(r_, row, col)) return std::string();
  size_t n = 0;
  unsigned char* bytes = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(r_, row, col)), &n);
  if (bytes == nullptr) return std::string();
  std::string out(reinterpret_cast<const char*>(bytes), n);
  PQfreemem(bytes);
  return out;
}

std::string TextArray(const std::vector<std::string>& values) {
  std::string array = "{";
  for (const std::string& v : values) {
    if (array.size() > 1) array += ',';
    array += '"';
    for (char ch : v) {
      if (ch == '"' || ch == '\\') array += '\\';
      array += ch;
    }
    array += '"';
  }
  array += '}';
  return array;
}

Status PgError(PGconn* conn, const PGresult* r, std::string_view what) {
  std::string msg(what);
  const char* text = r != nullptr ? PQresultErrorMessage(r) : nullptr;
  if (text == nullptr || *text == '\0') text = PQerrorMessage(conn);
  msg += ": ";
  msg += text;
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) {
    msg.pop_back();
  }
  const char* state =
      r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view code = state != nullptr ? state : "";
  if (code == "40001" || code == "40P01") {
    return UnavailableError(msg).WithReason(PgRace::kLost);
  }
  if (PQstatus(conn) != CONNECTION_OK || code.starts_with("08") ||
      code.starts_with("57P") || code == "53300" || code == "55P03") {
    // The server went away, is shutting down, refused a connection, or a
    // transaction lost a race: worth trying again later.
    return UnavailableError(msg);
  }
  if (code == "23505") return AlreadyExistsError(msg);
  if (code == "53100" || code == "53200") return ResourceExhaustedError(msg);
  return InternalError(msg);
}

bool PgConn::healthy() const {
  return PQstatus(c_) == CONNECTION_OK &&
         PQtransactionStatus(c_) == PQTRANS_IDLE;
}

Status PgConn::Exec(std::string_view sql) {
  std::string s(sql);
  PgResult r(PQexec(c_, s.c_str()));
  ExecStatusType st = PQresultStatus(r.raw_for_status());
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
  return PgError(c_, r.raw_for_status(),
                 "executing " + std::string(sql.substr(0, 40)));
}

Result<PgResult> PgConn::Query(std::string_view sql, PgParams params) {
  return QueryIn(sql, std::move(params), /*result_format=*/0);
}

Result<PgResult> PgConn::QueryBinary(std::string_view sql, PgParams params) {
  return QueryIn(sql, std::move(params), /*result_format=*/1);
}

Result<PgResult> PgConn::QueryIn(std::string_view sql, PgParams params,
                                 int result_format) {
  params.Seal();
  std::string s(sql);
  PgResult r(PQexecParams(c_, s.c_str(), params.size(), nullptr,
                          params.values(), params.lengths(), params.formats(),
                          result_format));
  ExecStatusType st = PQresultStatus(r.raw_for_status());
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
  return PgError(c_, r.raw_for_status(),
                 "query " + std::string(sql.substr(0, 48)));
}

Status PgConn::Run(std::string_view sql, PgParams params) {
  return Query(sql, std::move(params)).status();
}

Status PgConn::RunOrNotFound(std::string_view sql, PgParams params,
                             std::string_view missing) {
  SP_ASSIGN_OR_RETURN(PgResult r, Query(sql, std::move(params)));
  if (r.affected() == 0) return NotFoundError(std::string(missing));
  return Status::Ok();
}

Result<int64_t> PgConn::QueryInt(std::string_view sql, PgParams params) {
  SP_ASSIGN_OR_RETURN(PgResult r, Query(sql, std::move(params)));
  if (r.rows() < 1 || r.IsNull(0, 0)) {
    return InternalError("no value from " + std::string(sql.substr(0, 48)));
  }
  return r.Int(0, 0);
}

Result<std::unique_ptr<PgConn>> PgConnect(const std::string& conninfo,
                                          const std::string& password) {
  // expand_dbname=1: "dbname" may be a whole URI or key=value string; the
  // keywords after it override what it says.
  std::vector<const char*> keys = {"dbname", "application_name"};
  std::vector<const char*> values = {conninfo.c_str(), "sealpost"};
  if (!password.empty()) {
    keys.push_back("password");
    values.push_back(password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* c = PQconnectdbParams(keys.data(), values.data(), 1);
  if (c == nullptr) return UnavailableError("connecting: out of memory");
  auto conn = std::make_unique<PgConn>(c);
  if (PQstatus(c) != CONNECTION_OK) {
    return UnavailableError(
        "connecting to PostgreSQL: " +
        std::string(PgError(c, nullptr, "connect").message()));
  }
  // Times are unix integers and ordering is byte-wise in every statement;
  // the session only needs to fail fast instead of hanging on a lock.
  SP_RETURN_IF_ERROR(conn->Exec("SET lock_timeout = '30s'"));
  return conn;
}

PgPool::~PgPool() {
  MutexLock lock(&mu_);
  idle_.clear();
}

Result<PgPool::Lease> PgPool::Take() {
  {
    MutexLock lock(&mu_);
    while (idle_.empty() && open_ >= max_) freed_.Wait(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<PgConn> c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
    ++open_;  // a slot for the connection opened below, outside the lock
  }
  auto conn = PgConnect(conninfo_, password_);
  if (!conn.ok()) {
    MutexLock lock(&mu_);
    --open_;
    freed_.Signal();
    return conn.status();
  }
  return Lease(this, std::move(*conn));
}

void PgPool::Give(std::unique_ptr<PgConn> conn) {
  if (PQstatus(conn->raw()) == CONNECTION_OK &&
      PQtransactionStatus(conn->raw()) != PQTRANS_IDLE) {
    // A caller left a transaction open (an error between BEGIN and
    // ROLLBACK): end it before anyone else uses the connection.
    (void)conn->Exec("ROLLBACK");
  }
  MutexLock lock(&mu_);
  if (conn->healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
    conn.reset();
  }
  freed_.Signal();
}

}  // namespace sealpost::store::internal
