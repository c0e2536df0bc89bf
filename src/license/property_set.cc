#include "license/property_set.h"

#include <algorithm>
#include <boost/json.hpp>

#include "base/strings.h"

namespace sealpost::license {
namespace {

namespace json = boost::json;

Result<std::string> ParseBool(std::string_view v) {
  std::string l = AsciiLower(v);
  if (l == "true" || l == "$true" || l == "1") return std::string("True");
  if (l == "false" || l == "$false" || l == "0") return std::string("False");
  return InvalidArgumentError("expected True or False, got '" + std::string(v) +
                              "'");
}

// "a, b, c".
std::string JoinAllowed(const std::vector<std::string_view>& allowed) {
  std::string out;
  for (auto a : allowed) out += (out.empty() ? "" : ", ") + std::string(a);
  return out;
}

// Calls `f` with each item of a comma-separated list.
template <typename F>
void ForEachItem(std::string_view list, F f) {
  size_t start = 0;
  while (start < list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    f(list.substr(start, comma - start));
    start = comma + 1;
  }
}

}  // namespace

PropertySet::PropertySet(const std::vector<Property>& properties,
                         std::string_view what, std::string_view get_command)
    : properties_(&properties), what_(what), get_command_(get_command) {
  for (const auto& p : properties) {
    values_[std::string(p.name)] = std::string(p.default_value);
  }
}

const PropertySet::Property* PropertySet::Find(std::string_view name) const {
  for (const auto& p : *properties_) {
    if (AsciiLower(p.name) == AsciiLower(name)) return &p;
  }
  return nullptr;
}

Status PropertySet::LoadJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return DataLossError("stored " + what_ +
                         " configuration is not a JSON object");
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
    SP_RETURN_IF_ERROR(Set(k, s));
  }
  return Status::Ok();
}

std::string PropertySet::ToJson() const {
  json::object o;
  for (const auto& p : *properties_) {
    const std::string& v = values_.at(std::string(p.name));
    switch (p.kind) {
      case Property::kBool:
        o[p.name] = (v == "True");
        break;
      case Property::kEnum:
        o[p.name] = v;
        break;
      case Property::kUrlList: {
        json::array a;
        ForEachItem(v, [&](std::string_view item) { a.emplace_back(item); });
        o[p.name] = std::move(a);
        break;
      }
    }
  }
  return json::serialize(o);
}

Status PropertySet::Set(std::string_view name, std::string_view value) {
  const Property* p = Find(name);
  if (p == nullptr) {
    return InvalidArgumentError("unknown " + what_ + " property '" +
                                std::string(name) + "' (see `" + get_command_ +
                                "`)");
  }
  std::string key(p->name);
  std::string note =
      p->refused_note.empty() ? "" : " (" + std::string(p->refused_note) + ")";
  switch (p->kind) {
    case Property::kBool: {
      auto b = ParseBool(value);
      if (!b.ok()) return b.status().WithContext(key);
      if (!p->allowed.empty() && std::find(p->allowed.begin(), p->allowed.end(),
                                           *b) == p->allowed.end()) {
        return InvalidArgumentError(key + ": " + *b +
                                    " is not supported, only " +
                                    JoinAllowed(p->allowed) + note);
      }
      values_[key] = *b;
      return Status::Ok();
    }
    case Property::kEnum: {
      for (auto a : p->allowed) {
        if (AsciiLower(a) == AsciiLower(value)) {
          values_[key] = std::string(a);
          return Status::Ok();
        }
      }
      return InvalidArgumentError(key + ": '" + std::string(value) +
                                  "' is not one of " + JoinAllowed(p->allowed) +
                                  note);
    }
    case Property::kUrlList: {
      std::string cleaned;
      Status bad = Status::Ok();
      ForEachItem(value, [&](std::string_view item) {
        item = TrimBlanks(item);
        if (item.empty() || !bad.ok()) return;
        if (!item.starts_with("https://")) {
          bad = InvalidArgumentError(key + ": '" + std::string(item) +
                                     "' is not an https:// URL");
          return;
        }
        if (!cleaned.empty()) cleaned += ",";
        cleaned += item;
      });
      SP_RETURN_IF_ERROR(bad);
      values_[key] = cleaned;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

bool PropertySet::GetBool(std::string_view name) const {
  auto it = values_.find(name);
  return it != values_.end() && it->second == "True";
}

const std::string& PropertySet::GetText(std::string_view name) const {
  static const std::string kEmpty;
  auto it = values_.find(name);
  return it == values_.end() ? kEmpty : it->second;
}

std::vector<std::pair<std::string, std::string>> PropertySet::Display() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : *properties_) {
    std::string v = values_.at(std::string(p.name));
    if (p.kind == Property::kUrlList) {
      std::string shown;
      ForEachItem(v, [&](std::string_view item) {
        shown += (shown.empty() ? "" : ", ") + std::string(item);
      });
      v = "{" + shown + "}";
    }
    out.emplace_back(std::string(p.name), v);
  }
  return out;
}

std::string PropertySet::HelpOf(const Property& p) {
  std::string help(p.help);
  if (p.kind == Property::kBool) {
    help += p.allowed.empty() ? " (True/False)"
                              : " (only " + JoinAllowed(p.allowed) + ")";
  } else if (p.kind == Property::kEnum) {
    std::string allowed = JoinAllowed(p.allowed);
    std::replace(allowed.begin(), allowed.end(), ',', '|');
    allowed.erase(std::remove(allowed.begin(), allowed.end(), ' '),
                  allowed.end());
    help += " (" + allowed + ")";
  } else {
    help += " (comma-separated https:// URLs)";
  }
  return help;
}

}  // namespace sealpost::license
