// PostgresStore: journal rules (docs/compliance.md). Unlike SQLite's, the
// list is not cached: another node may change it.
#include "base/strings.h"
#include "store/postgres/postgres_store.h"
#include "store/record_rows.h"

namespace sealpost::store {
using internal::PgParams;
using internal::PgRow;
using internal::SelectFrom;

Status PostgresStore::PutJournalRule(const JournalRuleRecord& rule) {
  Status st = With([&](Conn& c) -> Status {
    return c
        .Query(
            "INSERT INTO journal_rules (id, name, name_key, scope, recipient, "
            "journal_address, enabled, created_at) VALUES ($1, $2, $3, $4, $5, "
            "$6, $7, $8) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
            "name_key = excluded.name_key, scope = excluded.scope, recipient = "
            "excluded.recipient, journal_address = excluded.journal_address, "
            "enabled = excluded.enabled",
            PgParams::Of(rule.id, rule.name, AsciiLower(rule.name), rule.scope,
                         rule.recipient, rule.journal_address,
                         rule.enabled ? 1 : 0,
                         rule.created_at ? rule.created_at : clock_.NowUnix()))
        .status();
  });
  if (st.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("a journal rule named '" + rule.name +
                              "' exists");
  }
  return st;
}

Result<std::vector<JournalRuleRecord>> PostgresStore::ListJournalRules() {
  return SelectAll(
      SelectFrom(internal::kJournalRuleColumns,
                 "journal_rules ORDER BY created_at, id COLLATE \"C\""),
      PgParams(), internal::ReadJournalRule<PgRow>);
}

Status PostgresStore::DeleteJournalRule(std::string_view id) {
  return RunOrNotFound("DELETE FROM journal_rules WHERE id = $1",
                       PgParams().Text(id),
                       "no journal rule " + std::string(id));
}

}  // namespace sealpost::store
