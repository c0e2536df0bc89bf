#include "policy/rule_json.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <exception>
#include <initializer_list>
#include <limits>

namespace sealpost::policy {
namespace {

namespace json = boost::json;

std::string Field(std::string_view path, std::string_view key) {
  std::string f(path);
  if (!f.empty()) f += '.';
  f += key;
  return f;
}

Status Error(std::string_view field, std::string_view message) {
  return InvalidArgumentError(std::string(field) + ": " + std::string(message));
}

Status CheckKeys(const json::object& o, std::string_view path,
                 std::initializer_list<std::string_view> allowed,
                 std::string_view what) {
  for (const auto& kv : o) {
    bool ok = false;
    for (std::string_view a : allowed) ok = ok || kv.key() == a;
    if (!ok) {
      std::string_view key(kv.key().data(), kv.key().size());
      return Error(Field(path, key), "unknown field for " + std::string(what));
    }
  }
  return Status::Ok();
}

// nullptr when absent; an error when required and absent.
Result<const json::value*> Get(const json::object& o, std::string_view path,
                               std::string_view key, bool required) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr && required) return Error(Field(path, key), "missing");
  return v;
}

Status ReadString(const json::object& o, std::string_view path,
                  std::string_view key, bool required, std::string* out) {
  SP_ASSIGN_OR_RETURN(const json::value* v, Get(o, path, key, required));
  if (v == nullptr) return Status::Ok();
  const json::string* s = v->if_string();
  if (s == nullptr) return Error(Field(path, key), "must be a string");
  out->assign(s->data(), s->size());
  return Status::Ok();
}

Status ReadBool(const json::object& o, std::string_view path,
                std::string_view key, bool* out) {
  SP_ASSIGN_OR_RETURN(const json::value* v, Get(o, path, key, false));
  if (v == nullptr) return Status::Ok();
  const bool* b = v->if_bool();
  if (b == nullptr) return Error(Field(path, key), "must be true or false");
  *out = *b;
  return Status::Ok();
}

Status ReadInt(const json::object& o, std::string_view path,
               std::string_view key, bool required, int64_t min, int64_t max,
               int64_t* out) {
  SP_ASSIGN_OR_RETURN(const json::value* v, Get(o, path, key, required));
  if (v == nullptr) return Status::Ok();
  int64_t n = 0;
  if (const int64_t* i = v->if_int64()) {
    n = *i;
  } else if (const uint64_t* u = v->if_uint64()) {
    if (*u > static_cast<uint64_t>(max)) {
      return Error(Field(path, key), "out of range");
    }
    n = static_cast<int64_t>(*u);
  } else {
    return Error(Field(path, key), "must be an integer");
  }
  if (n < min || n > max) return Error(Field(path, key), "out of range");
  *out = n;
  return Status::Ok();
}

Status ReadStrings(const json::object& o, std::string_view path,
                   std::string_view key, std::vector<std::string>* out) {
  SP_ASSIGN_OR_RETURN(const json::value* v, Get(o, path, key, true));
  const json::array* a = v->if_array();
  if (a == nullptr) return Error(Field(path, key), "must be an array");
  out->clear();
  out->reserve(a->size());
  for (size_t i = 0; i < a->size(); ++i) {
    const json::string* s = (*a)[i].if_string();
    if (s == nullptr) {
      return Error(Field(path, key) + "[" + std::to_string(i) + "]",
                   "must be a string");
    }
    out->emplace_back(s->data(), s->size());
  }
  return Status::Ok();
}

// Reads a list of names and maps each through `parse`.
template <typename E, typename ParseFn>
Status ReadNames(const json::object& o, std::string_view path,
                 std::string_view key, ParseFn parse, std::string_view what,
                 std::vector<E>* out) {
  std::vector<std::string> names;
  SP_RETURN_IF_ERROR(ReadStrings(o, path, key, &names));
  out->clear();
  for (size_t i = 0; i < names.size(); ++i) {
    std::optional<E> e = parse(names[i]);
    if (!e) {
      return Error(Field(path, key) + "[" + std::to_string(i) + "]",
                   "unknown " + std::string(what) + " \"" + names[i] + "\"");
    }
    out->push_back(*e);
  }
  return Status::Ok();
}

json::array StringsToJson(const std::vector<std::string>& values) {
  json::array a;
  for (const std::string& v : values) a.emplace_back(v);
  return a;
}

// What a condition holds besides its kind: one list of the kinds for both
// directions, so the JSON written and the JSON read cannot drift apart.
enum class Operand {
  kNone,
  kValues,
  kScope,
  kHeaderAndPattern,
  kPattern,
  kBytes,
  kMessageTypes,
  kSensitivities,
};

Operand OperandOf(ConditionKind kind) {
  switch (kind) {
    case ConditionKind::kSenderAddressIs:
    case ConditionKind::kSenderDomainIs:
    case ConditionKind::kRecipientAddressIs:
    case ConditionKind::kRecipientDomainIs:
    case ConditionKind::kSenderMemberOf:
    case ConditionKind::kSubjectContainsWords:
    case ConditionKind::kSubjectOrBodyContainsWords:
    case ConditionKind::kAttachmentNameIs:
      return Operand::kValues;
    case ConditionKind::kSenderScope:
    case ConditionKind::kRecipientScope:
      return Operand::kScope;
    case ConditionKind::kHeaderMatches:
      return Operand::kHeaderAndPattern;
    case ConditionKind::kSubjectMatches:
    case ConditionKind::kBodyMatches:
      return Operand::kPattern;
    case ConditionKind::kAttachmentSizeOver:
    case ConditionKind::kMessageSizeOver:
      return Operand::kBytes;
    case ConditionKind::kHasAttachment:
      return Operand::kNone;
    case ConditionKind::kMessageTypeIs:
      return Operand::kMessageTypes;
    case ConditionKind::kSensitivityIs:
      return Operand::kSensitivities;
  }
  return Operand::kNone;
}

json::object ConditionToJson(const Condition& c) {
  json::object o;
  o["kind"] = ConditionKindName(c.kind);
  switch (OperandOf(c.kind)) {
    case Operand::kValues:
      o["values"] = StringsToJson(c.values);
      break;
    case Operand::kScope:
      o["scope"] = ScopeName(c.scope);
      break;
    case Operand::kHeaderAndPattern:
      o["header"] = c.header_name;
      [[fallthrough]];
    case Operand::kPattern:
      o["pattern"] = c.pattern;
      break;
    case Operand::kBytes:
      o["bytes"] = c.bytes;
      break;
    case Operand::kNone:
      break;
    case Operand::kMessageTypes: {
      json::array a;
      for (MessageType t : c.message_types) a.emplace_back(MessageTypeName(t));
      o["values"] = std::move(a);
      break;
    }
    case Operand::kSensitivities: {
      json::array a;
      for (Sensitivity s : c.sensitivities) a.emplace_back(SensitivityName(s));
      o["values"] = std::move(a);
      break;
    }
  }
  return o;
}

Result<Condition> ConditionFromJson(const json::value& v,
                                    const std::string& path) {
  const json::object* o = v.if_object();
  if (o == nullptr) return Error(path, "must be an object");
  std::string kind_name;
  SP_RETURN_IF_ERROR(ReadString(*o, path, "kind", true, &kind_name));
  std::optional<ConditionKind> kind = ParseConditionKind(kind_name);
  if (!kind) {
    return Error(Field(path, "kind"),
                 "unknown condition \"" + kind_name + "\"");
  }
  Condition c;
  c.kind = *kind;
  switch (OperandOf(c.kind)) {
    case Operand::kValues:
      SP_RETURN_IF_ERROR(CheckKeys(*o, path, {"kind", "values"}, kind_name));
      SP_RETURN_IF_ERROR(ReadStrings(*o, path, "values", &c.values));
      break;
    case Operand::kScope: {
      SP_RETURN_IF_ERROR(CheckKeys(*o, path, {"kind", "scope"}, kind_name));
      std::string scope;
      SP_RETURN_IF_ERROR(ReadString(*o, path, "scope", true, &scope));
      std::optional<Scope> s = ParseScope(scope);
      if (!s) {
        return Error(Field(path, "scope"), "unknown scope \"" + scope +
                                               "\" (in_organization or "
                                               "not_in_organization)");
      }
      c.scope = *s;
      break;
    }
    case Operand::kHeaderAndPattern:
      SP_RETURN_IF_ERROR(
          CheckKeys(*o, path, {"kind", "header", "pattern"}, kind_name));
      SP_RETURN_IF_ERROR(ReadString(*o, path, "header", true, &c.header_name));
      SP_RETURN_IF_ERROR(ReadString(*o, path, "pattern", true, &c.pattern));
      break;
    case Operand::kPattern:
      SP_RETURN_IF_ERROR(CheckKeys(*o, path, {"kind", "pattern"}, kind_name));
      SP_RETURN_IF_ERROR(ReadString(*o, path, "pattern", true, &c.pattern));
      break;
    case Operand::kBytes:
      SP_RETURN_IF_ERROR(CheckKeys(*o, path, {"kind", "bytes"}, kind_name));
      SP_RETURN_IF_ERROR(
          ReadInt(*o, path, "bytes", true, std::numeric_limits<int64_t>::min(),
                  std::numeric_limits<int64_t>::max(), &c.bytes));
      break;
    case Operand::kNone:
      SP_RETURN_IF_ERROR(CheckKeys(*o, path, {"kind"}, kind_name));
      break;
    case Operand::kMessageTypes:
      SP_RETURN_IF_ERROR(CheckKeys(*o, path, {"kind", "values"}, kind_name));
      SP_RETURN_IF_ERROR(ReadNames(*o, path, "values", ParseMessageType,
                                   "message type", &c.message_types));
      break;
    case Operand::kSensitivities:
      SP_RETURN_IF_ERROR(CheckKeys(*o, path, {"kind", "values"}, kind_name));
      SP_RETURN_IF_ERROR(ReadNames(*o, path, "values", ParseSensitivity,
                                   "sensitivity", &c.sensitivities));
      break;
  }
  return c;
}

json::object ActionToJson(const Action& a) {
  json::object o;
  o["kind"] = ActionKindName(a.kind);
  switch (a.kind) {
    case ActionKind::kApplyTemplate:
      o["template"] = a.template_name;
      if (!a.branding.empty()) o["branding"] = a.branding;
      break;
    case ActionKind::kRemoveProtection:
    case ActionKind::kRequireTls:
    case ActionKind::kRequireSmime:
    case ActionKind::kSign:
      break;
    case ActionKind::kReject:
      o["text"] = a.reject_text;
      o["enhanced_status"] = a.enhanced_status;
      break;
    case ActionKind::kAddHeader:
      o["header"] = a.header_name;
      o["value"] = a.header_value;
      break;
  }
  return o;
}

Result<Action> ActionFromJson(const json::value& v, const std::string& path) {
  const json::object* o = v.if_object();
  if (o == nullptr) return Error(path, "must be an object");
  std::string kind_name;
  SP_RETURN_IF_ERROR(ReadString(*o, path, "kind", true, &kind_name));
  std::optional<ActionKind> kind = ParseActionKind(kind_name);
  if (!kind) {
    return Error(Field(path, "kind"), "unknown action \"" + kind_name + "\"");
  }
  Action a;
  a.kind = *kind;
  switch (a.kind) {
    case ActionKind::kApplyTemplate:
      SP_RETURN_IF_ERROR(
          CheckKeys(*o, path, {"kind", "template", "branding"}, kind_name));
      SP_RETURN_IF_ERROR(
          ReadString(*o, path, "template", true, &a.template_name));
      SP_RETURN_IF_ERROR(ReadString(*o, path, "branding", false, &a.branding));
      break;
    case ActionKind::kRemoveProtection:
    case ActionKind::kRequireTls:
    case ActionKind::kRequireSmime:
    case ActionKind::kSign:
      SP_RETURN_IF_ERROR(CheckKeys(*o, path, {"kind"}, kind_name));
      break;
    case ActionKind::kReject:
      SP_RETURN_IF_ERROR(
          CheckKeys(*o, path, {"kind", "text", "enhanced_status"}, kind_name));
      SP_RETURN_IF_ERROR(ReadString(*o, path, "text", true, &a.reject_text));
      SP_RETURN_IF_ERROR(
          ReadString(*o, path, "enhanced_status", false, &a.enhanced_status));
      break;
    case ActionKind::kAddHeader:
      SP_RETURN_IF_ERROR(
          CheckKeys(*o, path, {"kind", "header", "value"}, kind_name));
      SP_RETURN_IF_ERROR(ReadString(*o, path, "header", true, &a.header_name));
      SP_RETURN_IF_ERROR(ReadString(*o, path, "value", true, &a.header_value));
      break;
  }
  return a;
}

template <typename T, typename FromJson>
Status ReadList(const json::object& o, std::string_view key, FromJson from,
                std::vector<T>* out) {
  SP_ASSIGN_OR_RETURN(const json::value* v, Get(o, "", key, false));
  if (v == nullptr) return Status::Ok();
  const json::array* a = v->if_array();
  if (a == nullptr) return Error(key, "must be an array");
  out->clear();
  for (size_t i = 0; i < a->size(); ++i) {
    SP_ASSIGN_OR_RETURN(T item, from((*a)[i], std::string(key) + "[" +
                                                  std::to_string(i) + "]"));
    out->push_back(std::move(item));
  }
  return Status::Ok();
}

}  // namespace

json::value RuleToJsonValue(const Rule& rule) {
  json::object o;
  o["id"] = rule.id;
  o["name"] = rule.name;
  o["priority"] = rule.priority;
  o["enabled"] = rule.enabled;
  o["mode"] = RuleModeName(rule.mode);
  o["stop_processing"] = rule.stop_processing;
  json::array conditions, exceptions, actions;
  for (const Condition& c : rule.conditions) {
    conditions.emplace_back(ConditionToJson(c));
  }
  for (const Condition& c : rule.exceptions) {
    exceptions.emplace_back(ConditionToJson(c));
  }
  for (const Action& a : rule.actions) actions.emplace_back(ActionToJson(a));
  o["conditions"] = std::move(conditions);
  o["exceptions"] = std::move(exceptions);
  o["actions"] = std::move(actions);
  o["comments"] = rule.comments;
  return o;
}

std::string RuleToJson(const Rule& rule) {
  return json::serialize(RuleToJsonValue(rule));
}

Result<Rule> RuleFromJsonValue(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr) return InvalidArgumentError("rule: must be a JSON object");
  SP_RETURN_IF_ERROR(
      CheckKeys(*o, "",
                {"id", "name", "priority", "enabled", "mode", "stop_processing",
                 "conditions", "exceptions", "actions", "comments"},
                "a rule"));
  Rule rule;
  SP_RETURN_IF_ERROR(ReadString(*o, "", "id", false, &rule.id));
  SP_RETURN_IF_ERROR(ReadString(*o, "", "name", true, &rule.name));
  int64_t priority = 0;
  SP_RETURN_IF_ERROR(ReadInt(*o, "", "priority", false,
                             std::numeric_limits<int32_t>::min(),
                             std::numeric_limits<int32_t>::max(), &priority));
  rule.priority = static_cast<int32_t>(priority);
  SP_RETURN_IF_ERROR(ReadBool(*o, "", "enabled", &rule.enabled));
  std::string mode;
  SP_RETURN_IF_ERROR(ReadString(*o, "", "mode", false, &mode));
  if (!mode.empty()) {
    std::optional<RuleMode> m = ParseRuleMode(mode);
    if (!m) return Error("mode", "unknown mode \"" + mode + "\"");
    rule.mode = *m;
  }
  SP_RETURN_IF_ERROR(
      ReadBool(*o, "", "stop_processing", &rule.stop_processing));
  SP_RETURN_IF_ERROR(
      ReadList(*o, "conditions", ConditionFromJson, &rule.conditions));
  SP_RETURN_IF_ERROR(
      ReadList(*o, "exceptions", ConditionFromJson, &rule.exceptions));
  SP_RETURN_IF_ERROR(ReadList(*o, "actions", ActionFromJson, &rule.actions));
  SP_RETURN_IF_ERROR(ReadString(*o, "", "comments", false, &rule.comments));
  return rule;
}

Result<Rule> RuleFromJson(std::string_view text) {
  if (text.size() > kMaxRuleJsonBytes) {
    return InvalidArgumentError("rule: JSON larger than " +
                                std::to_string(kMaxRuleJsonBytes) + " bytes");
  }
  try {
    boost::system::error_code ec;
    json::value v =
        json::parse(json::string_view(text.data(), text.size()), ec);
    if (ec) return InvalidArgumentError("rule: invalid JSON: " + ec.message());
    return RuleFromJsonValue(v);
  } catch (const std::exception& e) {  // allocation failure only
    return ResourceExhaustedError(std::string("rule: ") + e.what());
  }
}

}  // namespace sealpost::policy
