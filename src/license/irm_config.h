// IRM configuration: the organisation's rights-management switches, with
// Microsoft's Get-/Set-IRMConfiguration property names and defaults so that
// admins recognise them (ome-inventory.md §2). Persisted as one JSON document
// in the store's settings under "irm".
//
// Thread-safety: IrmConfig is a value type.
#ifndef SEALPOST_LICENSE_IRM_CONFIG_H_
#define SEALPOST_LICENSE_IRM_CONFIG_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sealpost::license {

class IrmConfig {
 public:
  // Every settable property, in display order, with its default.
  struct Property {
    std::string_view name;
    enum Kind { kBool, kEnum, kList } kind;
    std::string_view default_value;         // "True"/"False", enum value, or ""
    std::vector<std::string_view> allowed;  // kEnum only
    std::string_view help;
  };
  static const std::vector<Property>& Properties();

  IrmConfig();  // all defaults

  // Parses the stored JSON; unknown properties are ignored (forward
  // compatible), bad values are an error.
  static Result<IrmConfig> FromJson(std::string_view json);
  std::string ToJson() const;

  // Sets one property from its text form: booleans accept True/False,
  // $true/$false, 1/0; enums are matched case-insensitively; lists are
  // comma-separated. The error names the property and what it accepts.
  Status Set(std::string_view name, std::string_view value);

  bool GetBool(std::string_view name) const;
  const std::string& GetText(std::string_view name) const;

  // Property -> display value ("True", "Optional", "{a, b}").
  std::vector<std::pair<std::string, std::string>> Display() const;

  // AzureRMSLicensingEnabled: the master switch.
  bool Enabled() const { return GetBool("AzureRMSLicensingEnabled"); }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace sealpost::license

#endif  // SEALPOST_LICENSE_IRM_CONFIG_H_
