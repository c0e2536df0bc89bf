#include "license/irm_config.h"

#include "base/strings.h"

#include <boost/json.hpp>

namespace sealpost::license {
namespace {

namespace json = boost::json;

const IrmConfig::Property* Find(std::string_view name) {
  for (const auto& p : IrmConfig::Properties()) {
    if (AsciiLower(p.name) == AsciiLower(name)) return &p;
  }
  return nullptr;
}

Result<std::string> ParseBool(std::string_view v) {
  std::string l = AsciiLower(v);
  if (l == "true" || l == "$true" || l == "1") return std::string("True");
  if (l == "false" || l == "$false" || l == "0") return std::string("False");
  return InvalidArgumentError("expected True or False, got '" + std::string(v) +
                              "'");
}

}  // namespace

const std::vector<IrmConfig::Property>& IrmConfig::Properties() {
  using P = IrmConfig::Property;
  static const std::vector<P> props = {
      {"AzureRMSLicensingEnabled",
       P::kBool,
       "True",
       {},
       "master switch: protection and license acquisition on or off"},
      {"InternalLicensingEnabled",
       P::kBool,
       "True",
       {},
       "IRM features on; when False no templates are offered"},
      {"ExternalLicensingEnabled",
       P::kBool,
       "False",
       {},
       "accept licenses issued by other Sealpost servers"},
      {"TransportDecryptionSetting",
       P::kEnum,
       "Optional",
       {"Disabled", "Optional", "Mandatory"},
       "decrypt protected mail in transport for rules and scanning"},
      {"JournalReportDecryptionEnabled",
       P::kBool,
       "True",
       {},
       "attach a clear copy to journal reports"},
      {"EDiscoverySuperUserEnabled",
       P::kBool,
       "True",
       {},
       "discovery managers may open protected mail"},
      {"SearchEnabled", P::kBool, "True", {}, "index protected mail"},
      {"SimplifiedClientAccessEnabled",
       P::kBool,
       "False",
       {},
       "show the Protect button (portal compose page)"},
      {"SimplifiedClientAccessEncryptOnlyDisabled",
       P::kBool,
       "False",
       {},
       "hide Encrypt in the compose page"},
      {"SimplifiedClientAccessDoNotForwardDisabled",
       P::kBool,
       "False",
       {},
       "hide Do Not Forward in the compose page"},
      {"DecryptAttachmentForEncryptOnly",
       P::kBool,
       "False",
       {},
       "Encrypt-only attachments download decrypted"},
      {"EnablePdfEncryption",
       P::kBool,
       "False",
       {},
       "protect PDF attachments of protected mail"},
      {"EnablePortalTrackingLogs",
       P::kBool,
       "False",
       {},
       "write portal activity to the audit log"},
      {"AutomaticServiceUpdateEnabled",
       P::kBool,
       "True",
       {},
       "turn on new features automatically"},
      {"RejectIfRecipientHasNoRights",
       P::kBool,
       "False",
       {},
       "reject mail whose recipient would get no rights"},
      {"ClientAccessServerEnabled",
       P::kBool,
       "True",
       {},
       "the portal may acquire licenses for its readers"},
      {"LicensingLocation",
       P::kList,
       "",
       {},
       "licensing URLs accepted besides our own"},
  };
  return props;
}

IrmConfig::IrmConfig() {
  for (const auto& p : Properties()) {
    values_[std::string(p.name)] = std::string(p.default_value);
  }
}

Result<IrmConfig> IrmConfig::FromJson(std::string_view text) {
  IrmConfig config;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return DataLossError("stored IRM configuration is not a JSON object");
  }
  for (const auto& [k, val] : v.as_object()) {
    if (Find(k) == nullptr) continue;
    std::string s;
    if (val.is_bool()) {
      s = val.as_bool() ? "True" : "False";
    } else if (val.is_string()) {
      s = std::string(val.as_string());
    } else if (val.is_array()) {
      for (const auto& e : val.as_array()) {
        if (!e.is_string()) continue;
        if (!s.empty()) s += ",";
        s += std::string(e.as_string());
      }
    }
    SP_RETURN_IF_ERROR(config.Set(k, s));
  }
  return config;
}

std::string IrmConfig::ToJson() const {
  json::object o;
  for (const auto& p : Properties()) {
    const std::string& v = values_.at(std::string(p.name));
    switch (p.kind) {
      case Property::kBool:
        o[p.name] = (v == "True");
        break;
      case Property::kEnum:
        o[p.name] = v;
        break;
      case Property::kList: {
        json::array a;
        size_t start = 0;
        while (start < v.size()) {
          size_t comma = v.find(',', start);
          if (comma == std::string::npos) comma = v.size();
          a.emplace_back(v.substr(start, comma - start));
          start = comma + 1;
        }
        o[p.name] = std::move(a);
        break;
      }
    }
  }
  return json::serialize(o);
}

Status IrmConfig::Set(std::string_view name, std::string_view value) {
  const Property* p = Find(name);
  if (p == nullptr) {
    return InvalidArgumentError("unknown IRM property '" + std::string(name) +
                                "' (see `sealpost irm get`)");
  }
  std::string key(p->name);
  switch (p->kind) {
    case Property::kBool: {
      auto b = ParseBool(value);
      if (!b.ok()) return b.status().WithContext(key);
      values_[key] = *b;
      return Status::Ok();
    }
    case Property::kEnum: {
      std::string allowed;
      for (auto a : p->allowed) {
        if (AsciiLower(a) == AsciiLower(value)) {
          values_[key] = std::string(a);
          return Status::Ok();
        }
        allowed += (allowed.empty() ? "" : ", ") + std::string(a);
      }
      return InvalidArgumentError(key + ": '" + std::string(value) +
                                  "' is not one of " + allowed);
    }
    case Property::kList: {
      std::string cleaned;
      size_t start = 0;
      while (start <= value.size()) {
        size_t comma = value.find(',', start);
        if (comma == std::string_view::npos) comma = value.size();
        std::string_view item = value.substr(start, comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) {
          if (!item.starts_with("https://")) {
            return InvalidArgumentError(key + ": '" + std::string(item) +
                                        "' is not an https:// URL");
          }
          if (!cleaned.empty()) cleaned += ",";
          cleaned += item;
        }
        start = comma + 1;
      }
      values_[key] = cleaned;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

bool IrmConfig::GetBool(std::string_view name) const {
  auto it = values_.find(name);
  return it != values_.end() && it->second == "True";
}

const std::string& IrmConfig::GetText(std::string_view name) const {
  static const std::string kEmpty;
  auto it = values_.find(name);
  return it == values_.end() ? kEmpty : it->second;
}

std::vector<std::pair<std::string, std::string>> IrmConfig::Display() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : Properties()) {
    std::string v = values_.at(std::string(p.name));
    if (p.kind == Property::kList) {
      std::string shown = "{";
      size_t start = 0;
      while (start < v.size()) {
        size_t comma = v.find(',', start);
        if (comma == std::string::npos) comma = v.size();
        if (shown.size() > 1) shown += ", ";
        shown += v.substr(start, comma - start);
        start = comma + 1;
      }
      v = shown + "}";
    }
    out.emplace_back(std::string(p.name), v);
  }
  return out;
}

}  // namespace sealpost::license
