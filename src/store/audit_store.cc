#include "store/audit_store.h"

#include "base/log.h"

namespace sealpost::store {

void AuditStore::AppendAuditBestEffort(AuditRecord record) {
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

void AuditStore::CountAuditFailures(uint64_t n) {
  if (Counter* c = audit_failures_.load(std::memory_order_acquire)) c->Add(n);
}

void AuditStore::CountAudited(const AuditRecord& record) {
  MetricsRegistry* m = audit_metrics_.load(std::memory_order_acquire);
  if (m == nullptr) return;
  // Actions and results are names from the code, never input: the label
  // set stays small.
  m->GetCounter("sealpost_audit_records_total{action=\"" + record.action +
                    "\",result=\"" + record.result + "\"}",
                "Audit records written, by action and result")
      ->Add();
}

}  // namespace sealpost::store
