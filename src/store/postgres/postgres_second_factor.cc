// PostgresStore: portal readers' second factors (authenticator apps).
#include "store/postgres/postgres_store.h"

namespace sealpost::store {
using internal::PgParams;
using internal::PgResult;

Result<bool> PostgresStore::PutSecondFactor(const SecondFactorRecord& f) {
  bool written = false;
  SP_RETURN_IF_ERROR(With([&](Conn& c) -> Status {
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c.Query(
            "INSERT INTO second_factors (email, secret_sealed, enrolled_at, "
            "last_step) VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO UPDATE "
            "SET secret_sealed = excluded.secret_sealed, enrolled_at = "
            "excluded.enrolled_at, last_step = excluded.last_step WHERE "
            "second_factors.enrolled_at = 0",
            PgParams::Of(f.email, internal::Bytes{f.secret_sealed},
                         f.enrolled_at, f.last_step)));
    written = r.affected() == 1;
    return Status::Ok();
  }));
  return written;
}

Result<std::optional<SecondFactorRecord>> PostgresStore::GetSecondFactor(
    std::string_view email) {
  std::optional<SecondFactorRecord> out;
  SP_RETURN_IF_ERROR(With([&](Conn& c) -> Status {
    SP_ASSIGN_OR_RETURN(
        PgResult r, c.Query("SELECT email, secret_sealed, enrolled_at, "
                            "last_step FROM second_factors WHERE email = $1",
                            PgParams().Text(email)));
    if (r.rows() > 0) {
      out = SecondFactorRecord{r.Text(0, 0), r.Blob(0, 1), r.Int(0, 2),
                               r.Int(0, 3)};
    }
    return Status::Ok();
  }));
  return out;
}

Result<bool> PostgresStore::DeleteSecondFactor(std::string_view email) {
  bool removed = false;
  SP_RETURN_IF_ERROR(With([&](Conn& c) -> Status {
    SP_ASSIGN_OR_RETURN(PgResult r,
                        c.Query("DELETE FROM second_factors WHERE email = $1",
                                PgParams().Text(email)));
    removed = r.affected() == 1;
    return Status::Ok();
  }));
  return removed;
}

Result<bool> PostgresStore::TakeTotpStep(std::string_view email, int64_t step) {
  bool taken = false;
  SP_RETURN_IF_ERROR(With([&](Conn& c) -> Status {
    // One statement: the row lock orders two nodes checking the same code,
    // and the second sees last_step already moved.
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c.Query("UPDATE second_factors SET last_step = $1 WHERE email = $2 "
                "AND last_step < $1",
                PgParams().Int(step).Text(email)));
    taken = r.affected() == 1;
    return Status::Ok();
  }));
  return taken;
}

}  // namespace sealpost::store
