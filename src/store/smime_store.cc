#include "store/smime_store.h"

#include <algorithm>

namespace sealpost::store {

CrlAge CompareCrls(const SmimeCrlRecord& crl, const SmimeCrlRecord& on_file) {
  if (!crl.number.empty() && !on_file.number.empty()) {
    // Hex without leading zeros: the longer is the larger, else the order
    // of the digits.
    const std::string& a = crl.number;
    const std::string& b = on_file.number;
    if (a == b) return CrlAge::kSame;
    return a.size() != b.size()
               ? (a.size() > b.size() ? CrlAge::kNewer : CrlAge::kOlder)
           : a > b ? CrlAge::kNewer
                   : CrlAge::kOlder;
  }
  if (crl.this_update == on_file.this_update) return CrlAge::kSame;
  return crl.this_update > on_file.this_update ? CrlAge::kNewer
                                               : CrlAge::kOlder;
}

int64_t FetchedAtOfSame(const SmimeCrlRecord& crl,
                        const SmimeCrlRecord& on_file) {
  if (crl.fetched_at == 0 || on_file.fetched_at == 0) return 0;
  return std::max(crl.fetched_at, on_file.fetched_at);
}

}  // namespace sealpost::store
