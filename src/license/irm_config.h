// IRM configuration: the organisation's rights-management switches, with
// Microsoft's Get-/Set-IRMConfiguration property names and defaults so that
// admins recognise them (ome-inventory.md §2). Persisted as one JSON document
// in the store's settings under "irm".
//
// Thread-safety: IrmConfig is a value type.
#ifndef SEALPOST_LICENSE_IRM_CONFIG_H_
#define SEALPOST_LICENSE_IRM_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "license/property_set.h"

namespace sealpost::license {

class IrmConfig : public PropertySet {
 public:
  using Property = PropertySet::Property;
  // Every settable property, in display order, with its default.
  static const std::vector<Property>& Properties();

  IrmConfig() : PropertySet(Properties(), "IRM", "sealpost irm get") {}

  // Parses the stored JSON; unknown properties are ignored (forward
  // compatible), bad values are an error.
  static Result<IrmConfig> FromJson(std::string_view json);

  // AzureRMSLicensingEnabled: the master switch.
  bool Enabled() const { return GetBool("AzureRMSLicensingEnabled"); }
};

}  // namespace sealpost::license

#endif  // SEALPOST_LICENSE_IRM_CONFIG_H_
