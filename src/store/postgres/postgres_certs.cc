// PostgresStore: S/MIME certificates on file and revocation lists. Every
// write notifies the other nodes ("smime_certs", "smime_crls"): their
// certificate directories cache verdicts made from these rows.
#include <utility>

#include "store/postgres/pg_listener.h"
#include "store/postgres/postgres_store.h"
#include "store/record_rows.h"

namespace sealpost::store {
using internal::Bytes;
using internal::kCertColumns;
using internal::PgParams;
using internal::PgResult;
using internal::PgRow;
using internal::SelectFrom;

namespace {

Status ReadEmails(internal::PgConn& c, SmimeCertRecord& cert) {
  SP_ASSIGN_OR_RETURN(
      PgResult r,
      c.Query("SELECT email FROM smime_cert_emails WHERE cert_id = $1 ORDER "
              "BY email COLLATE \"C\"",
              PgParams().Text(cert.id)));
  for (int i = 0; i < r.rows(); ++i) cert.emails.push_back(r.Text(i, 0));
  return Status::Ok();
}

// The certificate's rows, inside the caller's transaction; NOT_FOUND when
// there is none.
Status DeleteCertRows(internal::PgConn& c, std::string_view id) {
  SP_RETURN_IF_ERROR(c.Run("DELETE FROM smime_cert_emails WHERE cert_id = $1",
                           PgParams().Text(id)));
  return c.RunOrNotFound("DELETE FROM smime_certs WHERE id = $1",
                         PgParams().Text(id),
                         "no certificate " + std::string(id));
}

}  // namespace

Status PostgresStore::PutSmimeCert(const SmimeCertRecord& cert) {
  return InTransaction([&](Conn& c) -> Status {
    SP_RETURN_IF_ERROR(c.Run("DELETE FROM smime_cert_emails WHERE cert_id = $1",
                             PgParams().Text(cert.id)));
    SP_RETURN_IF_ERROR(c.Run(
        "INSERT INTO smime_certs (id, kind, der, subject, issuer, serial, "
        "not_before, not_after, wrapped_key, source, created_at) VALUES ($1, "
        "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO UPDATE "
        "SET kind = excluded.kind, wrapped_key = excluded.wrapped_key, "
        "source = excluded.source WHERE excluded.source <> 'harvest'",
        PgParams::Of(cert.id, cert.kind, Bytes{cert.der}, cert.subject,
                     cert.issuer, cert.serial, cert.not_before, cert.not_after,
                     Bytes{cert.wrapped_key}, cert.source,
                     cert.created_at ? cert.created_at : clock_.NowUnix())));
    for (const auto& email : cert.emails) {
      SP_RETURN_IF_ERROR(
          c.Run("INSERT INTO smime_cert_emails (cert_id, email) VALUES ($1, "
                "$2) ON CONFLICT DO NOTHING",
                PgParams().Text(cert.id).Text(email)));
    }
    return internal::NotifyChange(c, "smime_certs");
  });
}

Result<std::optional<SmimeCertRecord>> PostgresStore::GetSmimeCert(
    std::string_view id) {
  std::optional<SmimeCertRecord> out;
  SP_RETURN_IF_ERROR(With([&](Conn& c) -> Status {
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c.Query(SelectFrom(kCertColumns, "smime_certs c WHERE c.id = $1"),
                PgParams().Text(id)));
    if (r.rows() > 0) out = internal::ReadCert(PgRow{r, 0});
    return out ? ReadEmails(c, *out) : Status::Ok();
  }));
  return out;
}

Result<std::vector<SmimeCertRecord>> PostgresStore::ListSmimeCerts(
    std::string_view kind, std::string_view email) {
  std::vector<SmimeCertRecord> out;
  SP_RETURN_IF_ERROR(With([&](Conn& c) -> Status {
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c.Query(SelectFrom(kCertColumns,
                           "smime_certs c WHERE ($1::text = '' OR c.kind = $1) "
                           "AND ($2::text = '' OR c.id IN (SELECT cert_id FROM "
                           "smime_cert_emails WHERE email = $2)) ORDER BY "
                           "c.created_at, c.id COLLATE \"C\""),
                PgParams().Text(kind).Text(email)));
    for (int i = 0; i < r.rows(); ++i)
      out.push_back(internal::ReadCert(PgRow{r, i}));
    for (auto& cert : out) SP_RETURN_IF_ERROR(ReadEmails(c, cert));
    return Status::Ok();
  }));
  return out;
}

Status PostgresStore::DeleteSmimeCert(std::string_view id) {
  return InTransaction([&](Conn& c) -> Status {
    SP_RETURN_IF_ERROR(DeleteCertRows(c, id));
    return internal::NotifyChange(c, "smime_certs");
  });
}

Status PostgresStore::RefuseSmimeCert(std::string_view id) {
  return InTransaction([&](Conn& c) -> Status {
    SP_RETURN_IF_ERROR(
        c.Run("INSERT INTO smime_refused (id, der, refused_at) SELECT id, der, "
              "$1::bigint FROM smime_certs WHERE id = $2 ON CONFLICT (id) DO "
              "UPDATE SET der = excluded.der, refused_at = excluded.refused_at",
              PgParams().Int(clock_.NowUnix()).Text(id)));
    SP_RETURN_IF_ERROR(DeleteCertRows(c, id));  // NOT_FOUND rolls back
    return internal::NotifyChange(c, "smime_certs");
  });
}

Result<bool> PostgresStore::IsSmimeCertRefused(std::string_view id) {
  SP_ASSIGN_OR_RETURN(
      int64_t n, SelectInt("SELECT COUNT(*) FROM smime_refused WHERE id = $1",
                           PgParams().Text(id)));
  return n > 0;
}

Result<std::vector<SmimeRefusedRecord>> PostgresStore::ListRefusedSmimeCerts() {
  return SelectAll(SelectFrom(internal::kSmimeRefusedColumns,
                              "smime_refused ORDER BY refused_at, id COLLATE "
                              "\"C\""),
                   PgParams(), internal::ReadSmimeRefused<PgRow>);
}

Result<bool> PostgresStore::UnrefuseSmimeCert(std::string_view id) {
  return RunChangedOne("DELETE FROM smime_refused WHERE id = $1",
                       PgParams().Text(id));
}

Result<CrlAge> PostgresStore::PutSmimeCrl(const SmimeCrlRecord& crl) {
  return InTransactionValue([&](Conn& c) -> Result<CrlAge> {
    SP_ASSIGN_OR_RETURN(PgResult r,
                        c.Query(SelectFrom(internal::kSmimeCrlColumns,
                                           "smime_crls WHERE issuer = $1 FOR "
                                           "UPDATE"),
                                PgParams().Text(crl.issuer)));
    std::optional<SmimeCrlRecord> on_file;
    if (r.rows() > 0) on_file = internal::ReadSmimeCrl(PgRow{r, 0});
    const CrlAge age = on_file ? CompareCrls(crl, *on_file) : CrlAge::kNewer;
    if (age == CrlAge::kOlder || age == CrlAge::kDiffers) return age;
    // The row's seven columns, $1 to $7 of the UPDATE and of the INSERT
    // (made only when one of them runs: the DER is copied into them).
    auto row = [&] {
      return PgParams::Of(crl.issuer, Bytes{crl.der}, crl.this_update,
                          crl.next_update,
                          crl.created_at ? crl.created_at : clock_.NowUnix(),
                          crl.number, crl.fetched_at);
    };
    if (age == CrlAge::kSame) {
      // A CRL stored before migration 22 gets its number now.
      SP_RETURN_IF_ERROR(
          c.Run("UPDATE smime_crls SET fetched_at = $1, crl_number = CASE WHEN "
                "crl_number = '' THEN $2 ELSE crl_number END WHERE issuer = $3",
                PgParams::Of(FetchedAtOfSame(crl, *on_file), crl.number,
                             crl.issuer)));
    } else if (on_file) {
      // The row is locked (FOR UPDATE) and was compared above: whatever
      // its thisUpdate, a higher CRL Number replaces it, as on SQLite.
      SP_RETURN_IF_ERROR(c.Run(
          "UPDATE smime_crls SET der = $2, this_update = $3, next_update = "
          "$4, created_at = $5, crl_number = $6, fetched_at = $7 WHERE "
          "issuer = $1",
          row()));
    } else {
      // FOR UPDATE locks no row when none was on file: should another node
      // insert one meanwhile, nothing is written here and the transaction
      // runs again, comparing with that one.
      SP_ASSIGN_OR_RETURN(
          PgResult inserted,
          c.Query("INSERT INTO smime_crls (issuer, der, this_update, "
                  "next_update, created_at, crl_number, fetched_at) VALUES "
                  "($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (issuer) DO "
                  "NOTHING RETURNING issuer",
                  row()));
      if (inserted.rows() == 0) {
        return UnavailableError("a CRL of \"" + crl.issuer +
                                "\" was stored meanwhile")
            .WithReason(internal::PgRace::kLost);
      }
    }
    SP_RETURN_IF_ERROR(internal::NotifyChange(c, "smime_crls"));
    return age;
  });
}

Result<SmimeCrlRecord> PostgresStore::DeleteSmimeCrl(std::string_view issuer) {
  return InTransactionValue([&](Conn& c) -> Result<SmimeCrlRecord> {
    // One statement: the row read is the row gone.
    SP_ASSIGN_OR_RETURN(PgResult r,
                        c.Query("DELETE FROM smime_crls WHERE issuer = $1 "
                                "RETURNING " +
                                    std::string(internal::kSmimeCrlColumns),
                                PgParams().Text(issuer)));
    if (r.rows() == 0) {
      return NotFoundError("no CRL of \"" + std::string(issuer) + "\" on file");
    }
    SmimeCrlRecord removed = internal::ReadSmimeCrl(PgRow{r, 0});
    SP_RETURN_IF_ERROR(internal::NotifyChange(c, "smime_crls"));
    return removed;
  });
}

Result<std::vector<SmimeCrlRecord>> PostgresStore::ListSmimeCrls() {
  return SelectAll(SelectFrom(internal::kSmimeCrlColumns,
                              "smime_crls ORDER BY issuer COLLATE \"C\""),
                   PgParams(), internal::ReadSmimeCrl<PgRow>);
}

}  // namespace sealpost::store
