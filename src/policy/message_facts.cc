#include "policy/message_facts.h"

#include "base/enum_names.h"
#include "base/strings.h"

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
  if (EqualsIgnoringAsciiCase(v, "normal")) return Sensitivity::kNormal;
  if (EqualsIgnoringAsciiCase(v, "personal")) return Sensitivity::kPersonal;
  if (EqualsIgnoringAsciiCase(v, "private")) return Sensitivity::kPrivate;
  if (EqualsIgnoringAsciiCase(v, "confidential") ||
      EqualsIgnoringAsciiCase(v, "company-confidential")) {
    return Sensitivity::kConfidential;
  }
  return std::nullopt;
}

}  // namespace sealpost::policy
