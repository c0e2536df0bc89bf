// SqliteStore: S/MIME certificates on file and revocation lists.
#include <sqlite3.h>

#include "store/record_rows.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {

using internal::Bytes;
using internal::kCertColumns;
using internal::RunStmt;
using internal::SelectFrom;
using internal::SqliteError;
using internal::Stmt;

namespace {

// The addresses a certificate is on file for.
Result<std::vector<std::string>> ReadEmails(internal::StmtCache& stmts,
                                            std::string_view cert_id) {
  Stmt e(stmts,
         "SELECT email FROM smime_cert_emails WHERE cert_id = ? ORDER BY "
         "email");
  e.Bind(1, cert_id);
  return e.All("reading a certificate", internal::ReadText<Stmt>);
}

// The certificate's rows, inside the caller's transaction; NOT_FOUND when
// there is none.
Status DeleteCertRows(internal::StmtCache& stmts, std::string_view id) {
  SP_RETURN_IF_ERROR(
      RunStmt(stmts, "DELETE FROM smime_cert_emails WHERE cert_id = ?", id));
  Stmt s(stmts, "DELETE FROM smime_certs WHERE id = ?");
  s.Bind(1, id);
  return s.RunOrNotFound("no certificate " + std::string(id));
}

}  // namespace

Status SqliteStore::PutSmimeCert(const SmimeCertRecord& cert) {
  return WriteTransaction([&]() SP_REQUIRES(mu_) -> Status {
    SP_RETURN_IF_ERROR(RunStmt(
        stmts_, "DELETE FROM smime_cert_emails WHERE cert_id = ?", cert.id));
    SP_RETURN_IF_ERROR(RunStmt(
        stmts_,
        "INSERT INTO smime_certs (id, kind, der, subject, issuer, serial, "
        "not_before, not_after, wrapped_key, source, created_at) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
        "kind = excluded.kind, wrapped_key = excluded.wrapped_key, "
        "source = excluded.source WHERE excluded.source <> 'harvest'",
        cert.id, cert.kind, Bytes{cert.der}, cert.subject, cert.issuer,
        cert.serial, cert.not_before, cert.not_after, Bytes{cert.wrapped_key},
        cert.source, cert.created_at ? cert.created_at : clock_.NowUnix()));
    for (const auto& email : cert.emails) {
      SP_RETURN_IF_ERROR(RunStmt(
          stmts_,
          "INSERT INTO smime_cert_emails (cert_id, email) VALUES (?, ?) "
          "ON CONFLICT DO NOTHING",
          cert.id, email));
    }
    return Status::Ok();
  });
}

Result<std::optional<SmimeCertRecord>> SqliteStore::GetSmimeCert(
    std::string_view id) {
  MutexLock lock(&mu_);
  Stmt s(stmts_, SelectFrom(kCertColumns, "smime_certs c WHERE c.id = ?"));
  s.Bind(1, id);
  SP_ASSIGN_OR_RETURN(
      std::optional<SmimeCertRecord> cert,
      s.First("reading a certificate", internal::ReadCert<Stmt>));
  if (cert) {
    SP_ASSIGN_OR_RETURN(cert->emails, ReadEmails(stmts_, id));
  }
  return cert;
}

Result<std::vector<SmimeCertRecord>> SqliteStore::ListSmimeCerts(
    std::string_view kind, std::string_view email) {
  // On the reading connection: the protection stage asks for every
  // recipient, and must not wait for a group commit's fsync.
  internal::ReaderLease reader(*readers_);
  Stmt s(reader.stmts(),
         SelectFrom(kCertColumns,
                    "smime_certs c WHERE (? = '' OR c.kind = ?) AND "
                    "(? = '' OR c.id IN (SELECT cert_id FROM "
                    "smime_cert_emails WHERE email = ?)) ORDER BY "
                    "c.created_at, c.id"));
  s.Bind(1, kind).Bind(2, kind).Bind(3, email).Bind(4, email);
  SP_ASSIGN_OR_RETURN(std::vector<SmimeCertRecord> out,
                      s.All("listing certificates", internal::ReadCert<Stmt>));
  for (auto& cert : out) {
    SP_ASSIGN_OR_RETURN(cert.emails, ReadEmails(reader.stmts(), cert.id));
  }
  return out;
}

Status SqliteStore::DeleteSmimeCert(std::string_view id) {
  return WriteTransaction(
      [&]() SP_REQUIRES(mu_) { return DeleteCertRows(stmts_, id); });
}

Status SqliteStore::RefuseSmimeCert(std::string_view id) {
  return WriteTransaction([&]() SP_REQUIRES(mu_) -> Status {
    // Upsert after INSERT ... SELECT: the SELECT needs its WHERE (SQLite's
    // parsing of ON CONFLICT).
    SP_RETURN_IF_ERROR(RunStmt(
        stmts_,
        "INSERT INTO smime_refused (id, der, refused_at) SELECT id, der, ? "
        "FROM smime_certs WHERE id = ? ON CONFLICT (id) DO UPDATE SET der = "
        "excluded.der, refused_at = excluded.refused_at",
        clock_.NowUnix(), id));
    return DeleteCertRows(stmts_, id);  // NOT_FOUND rolls the insert back
  });
}

Result<bool> SqliteStore::IsSmimeCertRefused(std::string_view id) {
  SP_ASSIGN_OR_RETURN(std::optional<std::string> found,
                      SelectFirst("reading the refused certificates",
                                  "SELECT id FROM smime_refused WHERE id = ?",
                                  internal::ReadText<Stmt>, id));
  return found.has_value();
}

Result<std::vector<SmimeRefusedRecord>> SqliteStore::ListRefusedSmimeCerts() {
  return SelectAll("listing the refused certificates",
                   SelectFrom(internal::kSmimeRefusedColumns,
                              "smime_refused ORDER BY refused_at, id"),
                   internal::ReadSmimeRefused<Stmt>);
}

Result<bool> SqliteStore::UnrefuseSmimeCert(std::string_view id) {
  return RunChangedOne("DELETE FROM smime_refused WHERE id = ?", id);
}

Result<CrlAge> SqliteStore::PutSmimeCrl(const SmimeCrlRecord& crl) {
  CrlAge age = CrlAge::kNewer;
  SP_RETURN_IF_ERROR(WriteTransaction([&]() SP_REQUIRES(mu_) -> Status {
    std::optional<SmimeCrlRecord> on_file;
    {
      Stmt s(stmts_, SelectFrom(internal::kSmimeCrlColumns,
                                "smime_crls WHERE issuer = ?"));
      s.Bind(1, crl.issuer);
      SP_ASSIGN_OR_RETURN(
          on_file, s.First("reading a CRL", internal::ReadSmimeCrl<Stmt>));
    }
    age = on_file ? CompareCrls(crl, *on_file) : CrlAge::kNewer;
    switch (age) {
      case CrlAge::kOlder:
      case CrlAge::kDiffers:
        return Status::Ok();
      case CrlAge::kSame:
        // A CRL stored before migration 22 gets its number now.
        return RunStmt(stmts_,
                       "UPDATE smime_crls SET fetched_at = ?, crl_number = "
                       "CASE WHEN crl_number = '' THEN ? ELSE crl_number END "
                       "WHERE issuer = ?",
                       FetchedAtOfSame(crl, *on_file), crl.number, crl.issuer);
      case CrlAge::kNewer:
        break;
    }
    return RunStmt(
        stmts_,
        "INSERT INTO smime_crls (issuer, der, this_update, next_update, "
        "created_at, crl_number, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON "
        "CONFLICT (issuer) DO UPDATE SET der = excluded.der, this_update = "
        "excluded.this_update, next_update = excluded.next_update, "
        "created_at = excluded.created_at, crl_number = excluded.crl_number, "
        "fetched_at = excluded.fetched_at",
        crl.issuer, Bytes{crl.der}, crl.this_update, crl.next_update,
        crl.created_at ? crl.created_at : clock_.NowUnix(), crl.number,
        crl.fetched_at);
  }));
  return age;
}

Result<SmimeCrlRecord> SqliteStore::DeleteSmimeCrl(std::string_view issuer) {
  // One statement (RETURNING, SQLite 3.35+): the row read is the row gone.
  SP_ASSIGN_OR_RETURN(
      std::optional<SmimeCrlRecord> removed,
      RunReturning("removing a CRL",
                   "DELETE FROM smime_crls WHERE issuer = ? RETURNING " +
                       std::string(internal::kSmimeCrlColumns),
                   internal::ReadSmimeCrl<Stmt>, issuer));
  if (!removed) {
    return NotFoundError("no CRL of \"" + std::string(issuer) + "\" on file");
  }
  return std::move(*removed);
}

Result<std::vector<SmimeCrlRecord>> SqliteStore::ListSmimeCrls() {
  return SelectAll(
      "listing CRLs",
      SelectFrom(internal::kSmimeCrlColumns, "smime_crls ORDER BY issuer"),
      internal::ReadSmimeCrl<Stmt>);
}

}  // namespace sealpost::store
