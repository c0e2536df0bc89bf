#include "store/store.h"

#include "base/log.h"

namespace sealpost::store {

void Store::AppendAuditBestEffort(AuditRecord record) {
  std::string action = record.action;
  std::string object = record.object;
  Status st = AppendAudit(std::move(record));
  if (st.ok()) return;
  // The action and object name what was not recorded; details may hold
  // addresses, so they stay out of the log like everything else personal.
  log::Error("audit record not written ({} {}): {}", action, object,
             st.ToString());
  CountAuditFailures(1);
}

void Store::CountAuditFailures(uint64_t n) {
  if (Counter* c = audit_failures_.load(std::memory_order_acquire)) c->Add(n);
}

}  // namespace sealpost::store
