#include "base/recipient_address.h"

#include <algorithm>

#include "base/strings.h"

namespace sealpost {

RecipientRefusal CheckRecipientAddress(
    const std::vector<std::string>& accepted_domains,
    std::string_view address) {
  const std::string domain = DomainOf(address);
  if (HasRoutingLocalPart(address) && !domain.empty() &&
      std::find(accepted_domains.begin(), accepted_domains.end(), domain) !=
          accepted_domains.end()) {
    return RecipientRefusal::kRoutingLocalPart;
  }
  if (domain.starts_with('[')) return RecipientRefusal::kAddressLiteral;
  return RecipientRefusal::kNone;
}

std::string_view RecipientRefusalReason(RecipientRefusal refusal) {
  switch (refusal) {
    case RecipientRefusal::kNone:
      return "";
    case RecipientRefusal::kRoutingLocalPart:
      return "no '@', '%' or '!' in the local part of an address in our "
             "domains";
    case RecipientRefusal::kAddressLiteral:
      return "address literals are not accepted; give the recipient's domain";
  }
  return "";
}

}  // namespace sealpost
