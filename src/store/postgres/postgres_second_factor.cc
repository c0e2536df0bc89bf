// PostgresStore: portal readers' second factors (authenticator apps).
#include "store/postgres/postgres_store.h"
#include "store/record_rows.h"

namespace sealpost::store {
using internal::PgParams;
using internal::PgRow;
using internal::SelectFrom;

Result<bool> PostgresStore::PutSecondFactor(const SecondFactorRecord& f) {
  return RunChangedOne(
      "INSERT INTO second_factors (email, secret_sealed, enrolled_at, "
      "last_step) VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO UPDATE SET "
      "secret_sealed = excluded.secret_sealed, enrolled_at = "
      "excluded.enrolled_at, last_step = excluded.last_step WHERE "
      "second_factors.enrolled_at = 0",
      PgParams::Of(f.email, internal::Bytes{f.secret_sealed}, f.enrolled_at,
                   f.last_step));
}

Result<std::optional<SecondFactorRecord>> PostgresStore::GetSecondFactor(
    std::string_view email) {
  return SelectFirst(SelectFrom(internal::kSecondFactorColumns,
                                "second_factors WHERE email = $1"),
                     PgParams().Text(email), internal::ReadSecondFactor<PgRow>);
}

Result<bool> PostgresStore::DeleteSecondFactor(std::string_view email) {
  return RunChangedOne("DELETE FROM second_factors WHERE email = $1",
                       PgParams().Text(email));
}

Result<bool> PostgresStore::TakeTotpStep(std::string_view email, int64_t step) {
  // One statement: the row lock orders two nodes checking the same code,
  // and the second sees last_step already moved.
  return RunChangedOne(
      "UPDATE second_factors SET last_step = $1 WHERE email = $2 AND "
      "last_step < $1",
      PgParams().Int(step).Text(email));
}

}  // namespace sealpost::store
