#include "policy/message_facts.h"

#include "policy/text_match.h"

namespace sealpost::policy {

std::string_view SensitivityName(Sensitivity s) {
  switch (s) {
    case Sensitivity::kNormal:
      return "normal";
    case Sensitivity::kPersonal:
      return "personal";
    case Sensitivity::kPrivate:
      return "private";
    case Sensitivity::kConfidential:
      return "confidential";
  }
  return "unknown";
}

std::optional<Sensitivity> ParseSensitivity(std::string_view value) {
  std::string_view v = TrimWhitespace(value);
  if (EqualsIgnoreCase(v, "normal")) return Sensitivity::kNormal;
  if (EqualsIgnoreCase(v, "personal")) return Sensitivity::kPersonal;
  if (EqualsIgnoreCase(v, "private")) return Sensitivity::kPrivate;
  if (EqualsIgnoreCase(v, "confidential") ||
      EqualsIgnoreCase(v, "company-confidential")) {
    return Sensitivity::kConfidential;
  }
  return std::nullopt;
}

}  // namespace sealpost::policy
