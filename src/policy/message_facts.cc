#include "policy/message_facts.h"

#include "base/enum_names.h"

#include "policy/text_match.h"

namespace sealpost::policy {

std::string_view SensitivityName(Sensitivity s) {
  static constexpr NameTable<Sensitivity, 4> kNames = {{
      {Sensitivity::kNormal, "normal"},
      {Sensitivity::kPersonal, "personal"},
      {Sensitivity::kPrivate, "private"},
      {Sensitivity::kConfidential, "confidential"},
  }};
  return NameOf(kNames, s, "unknown");
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
