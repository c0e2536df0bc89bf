// SqliteStore: journal rules (docs/compliance.md). The list is cached like
// the settings: the mail flow reads it for every accepted message and must
// not wait behind a queue commit's fsync.
#include <sqlite3.h>

#include "base/strings.h"
#include "store/record_rows.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {

using internal::SelectFrom;
using internal::SqliteError;
using internal::Stmt;

Status SqliteStore::PutJournalRule(const JournalRuleRecord& rule) {
  MutexLock lock(&mu_);
  Stmt s(stmts_,
         "INSERT INTO journal_rules (id, name, name_key, scope, recipient, "
         "journal_address, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
         "?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = "
         "excluded.name_key, scope = excluded.scope, recipient = "
         "excluded.recipient, journal_address = excluded.journal_address, "
         "enabled = excluded.enabled");
  SP_RETURN_IF_ERROR(s.status());
  s.BindAll(rule.id, rule.name, AsciiLower(rule.name), rule.scope,
            rule.recipient, rule.journal_address, rule.enabled,
            rule.created_at ? rule.created_at : clock_.NowUnix());
  Status st = s.Run();
  MutexLock cached(&settings_mu_);
  journal_rules_.reset();  // read again at the next list
  if (!st.ok() && sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE) {
    return AlreadyExistsError("a journal rule named '" + rule.name +
                              "' exists");
  }
  return st;
}

Result<std::vector<JournalRuleRecord>> SqliteStore::ListJournalRules() {
  {
    MutexLock cached(&settings_mu_);
    if (journal_rules_.has_value()) return *journal_rules_;
  }
  MutexLock lock(&mu_);
  Stmt s(stmts_, SelectFrom(internal::kJournalRuleColumns,
                            "journal_rules ORDER BY created_at, id"));
  SP_ASSIGN_OR_RETURN(
      std::vector<JournalRuleRecord> out,
      s.All("listing journal rules", internal::ReadJournalRule<Stmt>));
  MutexLock cached(&settings_mu_);
  journal_rules_ = out;
  return out;
}

Status SqliteStore::DeleteJournalRule(std::string_view id) {
  MutexLock lock(&mu_);
  Stmt s(stmts_, "DELETE FROM journal_rules WHERE id = ?");
  s.Bind(1, id);
  Status st = s.RunOrNotFound("no journal rule " + std::string(id));
  MutexLock cached(&settings_mu_);
  journal_rules_.reset();
  return st;
}

}  // namespace sealpost::store
