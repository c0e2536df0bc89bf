#include "store/smime_store.h"

#include <algorithm>

namespace sealpost::store {

namespace {

CrlAge CompareOrder(const SmimeCrlRecord& crl, const SmimeCrlRecord& on_file) {
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

}  // namespace

std::string CrlNumberText(std::string_view number) {
  return number.empty() ? "none" : std::string(number);
}

CrlAge CompareCrls(const SmimeCrlRecord& crl, const SmimeCrlRecord& on_file) {
  const CrlAge age = CompareOrder(crl, on_file);
  if (age == CrlAge::kSame && crl.der != on_file.der) return CrlAge::kDiffers;
  return age;
}

int64_t FetchedAtOfSame(const SmimeCrlRecord& crl,
                        const SmimeCrlRecord& on_file) {
  if (crl.fetched_at == 0 || on_file.fetched_at == 0) return 0;
  return std::max(crl.fetched_at, on_file.fetched_at);
}

}  // namespace sealpost::store
