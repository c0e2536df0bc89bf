// SqliteStore: S/MIME certificates on file and revocation lists.
#include <sqlite3.h>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {

using internal::SqliteError;
using internal::Stmt;

namespace {

constexpr std::string_view kCertColumns =
    "c.id, c.kind, c.der, c.subject, c.issuer, c.serial, c.not_before, "
    "c.not_after, c.wrapped_key, c.source, c.created_at";

SmimeCertRecord ReadCert(const Stmt& s) {
  SmimeCertRecord c;
  c.id = s.Text(0);
  c.kind = s.Text(1);
  c.der = s.Blob(2);
  c.subject = s.Text(3);
  c.issuer = s.Text(4);
  c.serial = s.Text(5);
  c.not_before = s.Int(6);
  c.not_after = s.Int(7);
  c.wrapped_key = s.Blob(8);
  c.source = s.Text(9);
  c.created_at = s.Int(10);
  return c;
}

}  // namespace

Status SqliteStore::PutSmimeCert(const SmimeCertRecord& cert) {
  MutexLock lock(&mu_);
  SP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto write = [&]() SP_REQUIRES(mu_) -> Status {
    Stmt del(stmts_, "DELETE FROM smime_cert_emails WHERE cert_id = ?");
    del.Bind(1, cert.id);
    SP_RETURN_IF_ERROR(del.Run());
    Stmt s(stmts_,
           "INSERT INTO smime_certs (id, kind, der, subject, issuer, serial, "
           "not_before, not_after, wrapped_key, source, created_at) VALUES "
           "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
           "kind = excluded.kind, wrapped_key = excluded.wrapped_key, "
           "source = excluded.source");
    s.Bind(1, cert.id)
        .Bind(2, cert.kind)
        .BindBlob(3, cert.der)
        .Bind(4, cert.subject)
        .Bind(5, cert.issuer)
        .Bind(6, cert.serial)
        .Bind(7, cert.not_before)
        .Bind(8, cert.not_after)
        .BindBlob(9, cert.wrapped_key)
        .Bind(10, cert.source)
        .Bind(11, cert.created_at ? cert.created_at : clock_.NowUnix());
    SP_RETURN_IF_ERROR(s.Run());
    for (const auto& email : cert.emails) {
      Stmt e(stmts_,
             "INSERT INTO smime_cert_emails (cert_id, email) VALUES (?, ?) "
             "ON CONFLICT DO NOTHING");
      e.Bind(1, cert.id).Bind(2, email);
      SP_RETURN_IF_ERROR(e.Run());
    }
    return Status::Ok();
  };
  if (Status st = write(); !st.ok()) {
    (void)Exec("ROLLBACK");
    return st;
  }
  return Exec("COMMIT");
}

Result<std::optional<SmimeCertRecord>> SqliteStore::GetSmimeCert(
    std::string_view id) {
  MutexLock lock(&mu_);
  Stmt s(stmts_, "SELECT " + std::string(kCertColumns) +
                     " FROM smime_certs c WHERE c.id = ?");
  SP_RETURN_IF_ERROR(s.status());
  s.Bind(1, id);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<SmimeCertRecord>();
  if (rc != SQLITE_ROW) return SqliteError(db_, "reading a certificate");
  SmimeCertRecord cert = ReadCert(s);
  Stmt e(stmts_,
         "SELECT email FROM smime_cert_emails WHERE cert_id = ? ORDER BY "
         "email");
  SP_RETURN_IF_ERROR(e.status());
  e.Bind(1, id);
  while ((rc = e.Step()) == SQLITE_ROW) cert.emails.push_back(e.Text(0));
  if (rc != SQLITE_DONE) return SqliteError(db_, "reading a certificate");
  return std::optional<SmimeCertRecord>(std::move(cert));
}

Result<std::vector<SmimeCertRecord>> SqliteStore::ListSmimeCerts(
    std::string_view kind, std::string_view email) {
  MutexLock lock(&mu_);
  Stmt s(stmts_, "SELECT " + std::string(kCertColumns) +
                     " FROM smime_certs c WHERE (? = '' OR c.kind = ?) AND "
                     "(? = '' OR c.id IN (SELECT cert_id FROM "
                     "smime_cert_emails WHERE email = ?)) ORDER BY "
                     "c.created_at, c.id");
  SP_RETURN_IF_ERROR(s.status());
  s.Bind(1, kind).Bind(2, kind).Bind(3, email).Bind(4, email);
  std::vector<SmimeCertRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadCert(s));
  if (rc != SQLITE_DONE) return SqliteError(db_, "listing certificates");
  for (auto& cert : out) {
    Stmt e(stmts_,
           "SELECT email FROM smime_cert_emails WHERE cert_id = ? ORDER BY "
           "email");
    SP_RETURN_IF_ERROR(e.status());
    e.Bind(1, cert.id);
    while ((rc = e.Step()) == SQLITE_ROW) cert.emails.push_back(e.Text(0));
    if (rc != SQLITE_DONE) return SqliteError(db_, "listing certificates");
  }
  return out;
}

Status SqliteStore::DeleteSmimeCert(std::string_view id) {
  MutexLock lock(&mu_);
  SP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto remove = [&]() SP_REQUIRES(mu_) -> Status {
    Stmt e(stmts_, "DELETE FROM smime_cert_emails WHERE cert_id = ?");
    e.Bind(1, id);
    SP_RETURN_IF_ERROR(e.Run());
    Stmt s(stmts_, "DELETE FROM smime_certs WHERE id = ?");
    s.Bind(1, id);
    SP_RETURN_IF_ERROR(s.Run());
    if (sqlite3_changes(db_) == 0) {
      return NotFoundError("no certificate " + std::string(id));
    }
    return Status::Ok();
  };
  if (Status st = remove(); !st.ok()) {
    (void)Exec("ROLLBACK");
    return st;
  }
  return Exec("COMMIT");
}

Status SqliteStore::PutSmimeCrl(const SmimeCrlRecord& crl) {
  MutexLock lock(&mu_);
  Stmt s(stmts_,
         "INSERT INTO smime_crls (issuer, der, this_update, next_update, "
         "created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (issuer) DO UPDATE "
         "SET der = excluded.der, this_update = excluded.this_update, "
         "next_update = excluded.next_update, created_at = "
         "excluded.created_at WHERE excluded.this_update >= "
         "smime_crls.this_update");
  s.Bind(1, crl.issuer)
      .BindBlob(2, crl.der)
      .Bind(3, crl.this_update)
      .Bind(4, crl.next_update)
      .Bind(5, crl.created_at ? crl.created_at : clock_.NowUnix());
  return s.Run();
}

Result<std::vector<SmimeCrlRecord>> SqliteStore::ListSmimeCrls() {
  MutexLock lock(&mu_);
  Stmt s(stmts_,
         "SELECT issuer, der, this_update, next_update, created_at FROM "
         "smime_crls ORDER BY issuer");
  SP_RETURN_IF_ERROR(s.status());
  std::vector<SmimeCrlRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back({s.Text(0), s.Blob(1), s.Int(2), s.Int(3), s.Int(4)});
  }
  if (rc != SQLITE_DONE) return SqliteError(db_, "listing CRLs");
  return out;
}

}  // namespace sealpost::store
