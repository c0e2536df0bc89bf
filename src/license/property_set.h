// PropertySet: a settings document with Microsoft's property names, as
// admins know them from the cmdlets (Get-/Set-IRMConfiguration,
// Get-/Set-SmimeConfig): each property has a kind, a default and the values
// it accepts; Set checks a value against them and the error names the
// property and what it accepts. Persisted as one JSON object in the store's
// settings (IrmConfig under "irm", smime::SmimeConfig under "smime").
//
// Thread-safety: a value type.
#ifndef SEALPOST_LICENSE_PROPERTY_SET_H_
#define SEALPOST_LICENSE_PROPERTY_SET_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sealpost::license {

class PropertySet {
 public:
  // Every settable property, in display order, with its default.
  struct Property {
    std::string_view name;
    // kUrlList: comma-separated https:// URLs.
    enum Kind { kBool, kEnum, kUrlList } kind;
    std::string_view default_value;  // "True"/"False", enum value, or ""
    // kEnum: the values accepted (matched case-insensitively); kBool: when
    // not empty, the only ones accepted (a switch we do not implement).
    std::vector<std::string_view> allowed;
    std::string_view help;
    std::string_view refused_note = {};  // ends the error for a refused value
  };

  // `properties` must outlive the set (a static table); `what` names the
  // document in errors ("IRM", "S/MIME"), `get_command` the command that
  // lists the properties ("sealpost irm get").
  PropertySet(const std::vector<Property>& properties, std::string_view what,
              std::string_view get_command);

  // Reads the stored JSON into this set; unknown properties are ignored
  // (forward compatible), bad values are an error.
  Status LoadJson(std::string_view json);
  std::string ToJson() const;

  // Sets one property from its text form: booleans accept True/False,
  // $true/$false, 1/0; enums are matched case-insensitively; lists are
  // comma-separated. The error names the property and what it accepts.
  Status Set(std::string_view name, std::string_view value);

  bool GetBool(std::string_view name) const;
  const std::string& GetText(std::string_view name) const;

  // Property -> display value ("True", "Optional", "{a, b}").
  std::vector<std::pair<std::string, std::string>> Display() const;

  const std::vector<Property>& properties() const { return *properties_; }

  // The help text of a property with the values it accepts, for `set --help`.
  static std::string HelpOf(const Property& p);

 private:
  const Property* Find(std::string_view name) const;

  const std::vector<Property>* properties_;  // not owned: a static table
  std::string what_;
  std::string get_command_;
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace sealpost::license

#endif  // SEALPOST_LICENSE_PROPERTY_SET_H_
