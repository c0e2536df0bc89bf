#include "license/templates.h"

#include "base/strings.h"

#include <boost/json.hpp>
#include <optional>

#include "store/update_setting.h"

namespace sealpost::license {
namespace {

namespace json = boost::json;

constexpr std::string_view kCustomKey = "templates";
constexpr std::string_view kArchivedKey = "templates_archived_defaults";

json::array GrantsArray(const std::vector<rights::Grant>& grants) {
  json::array a;
  for (const auto& g : grants) {
    a.push_back(json::object{{"principal", g.principal.ToString()},
                             {"rights", rights::FormatRights(g.rights)}});
  }
  return a;
}

json::object TemplateObject(const rights::Template& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"description", t.description},
          {"grants", GrantsArray(t.grants)},
          {"expiry_days", t.expiry_days},
          {"offline_days", t.offline_days},
          {"archived", t.archived},
          {"org_only", t.org_only},
          {"extend_to_forwardees", t.extend_to_forwardees}};
}

Result<std::vector<rights::Grant>> GrantsFrom(const json::value* v) {
  std::vector<rights::Grant> out;
  if (v == nullptr || !v->is_array()) {
    return InvalidArgumentError("'grants' must be an array");
  }
  for (const auto& g : v->as_array()) {
    if (!g.is_object()) {
      return InvalidArgumentError("each grant must be an object");
    }
    const auto* p = g.as_object().if_contains("principal");
    const auto* r = g.as_object().if_contains("rights");
    if (p == nullptr || r == nullptr || !p->is_string() || !r->is_string()) {
      return InvalidArgumentError(
          "each grant needs 'principal' and 'rights' strings");
    }
    SP_ASSIGN_OR_RETURN(rights::Principal principal,
                        rights::Principal::Parse(p->as_string()));
    SP_ASSIGN_OR_RETURN(rights::Rights rs, rights::ParseRights(r->as_string()));
    out.push_back({principal, rs});
  }
  return out;
}

template <typename T>
T Get(const json::object& o, std::string_view key, T fallback) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return fallback;
  if constexpr (std::is_same_v<T, bool>) {
    return v->is_bool() ? v->as_bool() : fallback;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return v->is_string() ? std::string(v->as_string()) : fallback;
  } else {
    return v->is_int64() ? static_cast<T>(v->as_int64()) : fallback;
  }
}

// "Finance Only" -> "finance-only".
std::string IdFromName(std::string_view name) {
  std::string id;
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      id += static_cast<char>(std::tolower(u));
    } else if (!id.empty() && id.back() != '-') {
      id += '-';
    }
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  return id.empty() ? "template" : id;
}

// The JSON array of a setting's text: empty when the setting is not there,
// nullopt when it is not an array.
std::optional<json::array> ArrayOf(const std::optional<std::string>& text) {
  if (!text.has_value()) return json::array();
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_array()) return std::nullopt;
  return std::move(v.as_array());
}

// The JSON array stored under `key` (ArrayOf).
Result<std::optional<json::array>> StoredArray(store::Store& store,
                                               std::string_view key) {
  SP_ASSIGN_OR_RETURN(auto text, store.GetSetting(key));
  return ArrayOf(text);
}

// The custom templates of a setting's text.
Result<std::vector<rights::Template>> CustomOf(
    const std::optional<std::string>& text) {
  std::optional<json::array> stored = ArrayOf(text);
  if (!stored) return DataLossError("stored templates are corrupt");
  std::vector<rights::Template> out;
  for (const auto& t : *stored) {
    SP_ASSIGN_OR_RETURN(auto parsed, TemplateFromJson(json::serialize(t)));
    out.push_back(std::move(parsed));
  }
  return out;
}

}  // namespace

std::string TemplateToJson(const rights::Template& t) {
  return json::serialize(TemplateObject(t));
}

Result<rights::Template> TemplateFromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return InvalidArgumentError("template must be a JSON object");
  }
  const auto& o = v.as_object();
  rights::Template t;
  t.id = Get<std::string>(o, "id", "");
  t.name = Get<std::string>(o, "name", "");
  t.description = Get<std::string>(o, "description", "");
  SP_ASSIGN_OR_RETURN(t.grants, GrantsFrom(o.if_contains("grants")));
  t.expiry_days = Get<int32_t>(o, "expiry_days", 0);
  t.offline_days = Get<int32_t>(o, "offline_days", 7);
  t.archived = Get<bool>(o, "archived", false);
  t.org_only = Get<bool>(o, "org_only", false);
  t.extend_to_forwardees = Get<bool>(o, "extend_to_forwardees", false);
  return t;
}

std::string GrantsToJson(const rights::ConcreteGrants& g) {
  return json::serialize(json::object{
      {"template_id", g.template_id},
      {"issuer", g.issuer},
      {"grants", GrantsArray(g.grants)},
      {"org_only", g.org_only},
      {"extend_to_forwardees", g.extend_to_forwardees},
      {"forwardee_rights", rights::FormatRights(g.forwardee_rights)}});
}

Result<rights::ConcreteGrants> GrantsFromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return DataLossError("stored grants are corrupt");
  const auto& o = v.as_object();
  rights::ConcreteGrants g;
  g.template_id = Get<std::string>(o, "template_id", "");
  g.issuer = Get<std::string>(o, "issuer", "");
  SP_ASSIGN_OR_RETURN(g.grants, GrantsFrom(o.if_contains("grants")));
  g.org_only = Get<bool>(o, "org_only", false);
  g.extend_to_forwardees = Get<bool>(o, "extend_to_forwardees", false);
  SP_ASSIGN_OR_RETURN(g.forwardee_rights, rights::ParseRights(Get<std::string>(
                                              o, "forwardee_rights", "")));
  return g;
}

Result<std::vector<rights::Template>> TemplateStore::Custom() {
  SP_ASSIGN_OR_RETURN(auto text, store_.GetSetting(kCustomKey));
  return CustomOf(text);
}

Result<std::vector<std::string>> TemplateStore::ArchivedDefaults() {
  SP_ASSIGN_OR_RETURN(auto stored, StoredArray(store_, kArchivedKey));
  std::vector<std::string> out;
  if (!stored) return out;  // an unreadable list archives nothing
  for (const auto& s : *stored) {
    if (s.is_string()) out.emplace_back(s.as_string());
  }
  return out;
}

Status TemplateStore::EditCustom(
    const std::function<Status(std::vector<rights::Template>&)>& edit) {
  return store::UpdateSetting(
      store_, kCustomKey,
      [&](const std::optional<std::string>& text) -> Result<std::string> {
        SP_ASSIGN_OR_RETURN(auto custom, CustomOf(text));
        SP_RETURN_IF_ERROR(edit(custom));
        std::vector<rights::Template> merged = rights::DefaultTemplates();
        merged.insert(merged.end(), custom.begin(), custom.end());
        SP_RETURN_IF_ERROR(rights::ValidateTemplates(merged));
        json::array a;
        for (const auto& t : custom) a.push_back(TemplateObject(t));
        return json::serialize(a);
      });
}

Result<std::vector<rights::Template>> TemplateStore::List() {
  std::vector<rights::Template> out = rights::DefaultTemplates();
  SP_ASSIGN_OR_RETURN(auto archived, ArchivedDefaults());
  for (auto& t : out) {
    t.archived =
        std::find(archived.begin(), archived.end(), t.id) != archived.end();
  }
  SP_ASSIGN_OR_RETURN(auto custom, Custom());
  out.insert(out.end(), custom.begin(), custom.end());
  return out;
}

Result<rights::Template> TemplateStore::Find(std::string_view id_or_name) {
  SP_ASSIGN_OR_RETURN(auto all, List());
  std::string key = AsciiLower(id_or_name);
  for (const auto& t : all) {
    if (t.id == key || AsciiLower(t.name) == key) return t;
  }
  return NotFoundError("no template named '" + std::string(id_or_name) +
                       "' (see `sealpost template list`)");
}

Result<rights::Template> TemplateStore::Create(rights::Template t) {
  t.id = IdFromName(t.name);
  if (rights::IsDefaultTemplateId(t.id)) t.id = "custom-" + t.id;
  SP_RETURN_IF_ERROR(
      EditCustom([&](std::vector<rights::Template>& custom) -> Status {
        std::vector<rights::Template> all = rights::DefaultTemplates();
        all.insert(all.end(), custom.begin(), custom.end());
        for (const auto& existing : all) {
          if (existing.id == t.id ||
              AsciiLower(existing.name) == AsciiLower(t.name)) {
            return AlreadyExistsError("a template named '" + existing.name +
                                      "' already exists");
          }
        }
        custom.push_back(t);
        return Status::Ok();
      }));
  return t;
}

Status TemplateStore::Update(
    std::string_view id,
    const std::function<Result<rights::Template>(const rights::Template&)>&
        edit) {
  if (rights::IsDefaultTemplateId(id)) {
    return FailedPreconditionError(
        "default templates cannot be edited; archive it or create a custom "
        "template");
  }
  return EditCustom([&](std::vector<rights::Template>& custom) -> Status {
    for (auto& existing : custom) {
      if (existing.id != id) continue;
      SP_ASSIGN_OR_RETURN(rights::Template t, edit(existing));
      t.id = existing.id;
      existing = std::move(t);
      return Status::Ok();
    }
    return NotFoundError("no custom template " + std::string(id));
  });
}

Status TemplateStore::SetArchived(std::string_view id_or_name, bool archived) {
  SP_ASSIGN_OR_RETURN(rights::Template t, Find(id_or_name));
  if (rights::IsDefaultTemplateId(t.id)) {
    return store::UpdateSetting(
        store_, kArchivedKey,
        [&](const std::optional<std::string>& text) -> Result<std::string> {
          std::vector<std::string> list;
          // An unreadable list archives nothing, and is written anew.
          if (std::optional<json::array> stored = ArrayOf(text)) {
            for (const auto& s : *stored) {
              if (s.is_string()) list.emplace_back(s.as_string());
            }
          }
          std::erase(list, t.id);
          if (archived) list.push_back(t.id);
          json::array a;
          for (const auto& s : list) a.emplace_back(s);
          return json::serialize(a);
        });
  }
  return Update(t.id,
                [&](rights::Template current) -> Result<rights::Template> {
                  current.archived = archived;
                  return current;
                });
}

}  // namespace sealpost::license
