// AuditStore: the audit log and the activity counts of the admin dashboard,
// one area of Store (store.h).
//
// Thread-safety: implementations are safe to call from any thread.
#ifndef SEALPOST_STORE_AUDIT_STORE_H_
#define SEALPOST_STORE_AUDIT_STORE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/metrics.h"
#include "base/status.h"

namespace sealpost::store {

struct AuditRecord {
  int64_t id = 0;      // assigned by the store
  int64_t at = 0;      // unix seconds
  std::string actor;   // "admin", "alice@example.com", "system"
  std::string action;  // "license.acquire", "settings.set", ...
  std::string object;  // message id, setting name, ...
  std::string result;  // "granted", "refused", "ok", "error"
  std::string detail;  // human readable reason; never a secret
  // A reader's key release (license.acquire, granted) from the portal: the
  // device's coarse kind (desktop | mobile | tablet | unknown, from the
  // User-Agent, which itself is not kept) and how the reader signed in
  // (passcode | oidc | org). Empty for everything else.
  std::string device;
  std::string sign_in;
};

// The organisation's compliance records of a message: eDiscovery
// (`ediscovery.*`: its subject listed, the message exported or downloaded)
// and journaling (`journal.*`: a decrypted copy in a journal report). Its
// sender is not shown them (docs/compliance.md); the admin is.
inline bool IsComplianceAction(std::string_view action) {
  return action.starts_with("ediscovery.") || action.starts_with("journal.");
}

// What happened per time bucket, for the admin dashboard: bucket i covers
// [since + i * width, since + (i + 1) * width).
struct ActivityCount {
  std::string key;  // the audit result, the template id, the queue event
  int64_t bucket = 0;
  int64_t count = 0;
};

// What an activity count counts; engines keep one query per kind, in
// this order.
enum class Activity {
  kAudit,      // audit records of one action
  kProtected,  // protected messages (no key)
  kQueue,      // queue trace events of one name
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  virtual Status AppendAudit(AuditRecord record) = 0;
  // For records that are not a condition of what they record (a refusal, a
  // change already made): a failure is logged and counted in
  // `audit_failures` (sealpost_audit_write_failures_total), not returned.
  // A key release uses AppendAudit and is refused when it fails.
  void AppendAuditBestEffort(AuditRecord record);
  // Counts `n` audit records that could not be written (for callers that
  // batch records themselves).
  void CountAuditFailures(uint64_t n);
  // Where AppendAuditBestEffort counts failures; set once at start-up.
  void SetAuditFailureCounter(Counter* counter) {
    audit_failures_.store(counter, std::memory_order_release);
  }
  // Several records in one transaction (the portal's batched view log).
  virtual Status AppendAudits(const std::vector<AuditRecord>& records) = 0;
  // Newest first; `object` filters when not empty.
  virtual Result<std::vector<AuditRecord>> ListAudit(std::string_view object,
                                                     int limit) = 0;
  // Where every audit record written is counted, by action and result, as
  // sealpost_audit_records_total{action,result} (the admin dashboard's
  // numbers, from /metrics); set once at start-up, null to stop.
  void SetAuditMetrics(MetricsRegistry* metrics) {
    audit_metrics_.store(metrics, std::memory_order_release);
  }

  // ---- Activity counts (the admin dashboard; each uses an index) ----
  // Rows of `activity` at or after `since` (unix seconds), per key and
  // bucket: each engine's one query per kind, the rest the same.
  virtual Result<std::vector<ActivityCount>> CountActivity(Activity activity,
                                                           std::string_view key,
                                                           int64_t since,
                                                           int64_t width) = 0;
  // Audit records of `action`, per result.
  Result<std::vector<ActivityCount>> CountAuditActivity(std::string_view action,
                                                        int64_t since,
                                                        int64_t width) {
    return CountActivity(Activity::kAudit, action, since, width);
  }
  // Protected messages created, per template id.
  Result<std::vector<ActivityCount>> CountProtectedActivity(int64_t since,
                                                            int64_t width) {
    return CountActivity(Activity::kProtected, "", since, width);
  }
  // Queue trace events named `event` (deferred, bounced, ...); key: the
  // event.
  Result<std::vector<ActivityCount>> CountQueueActivity(std::string_view event,
                                                        int64_t since,
                                                        int64_t width) {
    return CountActivity(Activity::kQueue, event, since, width);
  }

 protected:
  // Engines call this for each audit record once its transaction committed.
  void CountAudited(const AuditRecord& record);

 private:
  std::atomic<Counter*> audit_failures_{nullptr};
  std::atomic<MetricsRegistry*> audit_metrics_{nullptr};
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_AUDIT_STORE_H_
