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

Result<std::unique_ptr<BodyWriter>> Store::StartBody(BodyKind,
                                                     std::string_view) {
  return UnimplementedError("this store keeps bodies in its rows");
}

Result<std::unique_ptr<BodyReader>> Store::OpenBody(BodyKind,
                                                    std::string_view) {
  return NotFoundError("this store keeps bodies in its rows");
}

void Store::CountAuditFailures(uint64_t n) {
  if (Counter* c = audit_failures_.load(std::memory_order_acquire)) c->Add(n);
}

void Store::CountAudited(const AuditRecord& record) {
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
