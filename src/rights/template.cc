#include "rights/template.h"

#include <set>
#include <utility>

#include "base/strings.h"

namespace sealpost::rights {
namespace {

// Counts UTF-8 code points: every byte that is not a continuation byte.
size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// A built-in template with its one grant; the other fields at their
// defaults.
Template BuiltIn(std::string_view id, std::string name, std::string description,
                 Grant grant) {
  Template t;
  t.id = std::string(id);
  t.name = std::move(name);
  t.description = std::move(description);
  t.grants = {std::move(grant)};
  return t;
}

// `t` for the organisation's own users only, whatever its grants say.
Template OrgOnly(Template t) {
  t.org_only = true;
  return t;
}

}  // namespace

Template EncryptTemplate() {
  Template t = BuiltIn(kEncryptTemplateId, "Encrypt",
                       "Recipients can read, reply, forward, print and copy, "
                       "but cannot remove the protection.",
                       {Principal::Recipients(), kEncryptRights});
  t.extend_to_forwardees = true;
  return t;
}

Template DoNotForwardTemplate() {
  return BuiltIn(kDoNotForwardTemplateId, "Do Not Forward",
                 "Only the original recipients can read and reply; no "
                 "forward, print or copy.",
                 {Principal::Recipients(), kDoNotForwardRights});
}

Template ConfidentialTemplate() {
  return OrgOnly(BuiltIn(kConfidentialTemplateId, "Confidential",
                         "Confidential data for everyone in the organisation; "
                         "people outside it cannot open it.",
                         {Principal::AllInOrg(), kConfidentialRights}));
}

Template ConfidentialViewOnlyTemplate() {
  return OrgOnly(BuiltIn(
      kConfidentialViewOnlyTemplateId, "Confidential View Only",
      "Confidential data for everyone in the organisation, without the right "
      "to export or change the protection; people outside it cannot open it.",
      {Principal::AllInOrg(), kConfidentialViewOnlyRights}));
}

const std::vector<Template>& DefaultTemplates() {
  static const auto* const kDefaults = new std::vector<Template>{
      EncryptTemplate(), DoNotForwardTemplate(), ConfidentialTemplate(),
      ConfidentialViewOnlyTemplate()};
  return *kDefaults;
}

bool IsDefaultTemplateId(std::string_view id) {
  for (const Template& t : DefaultTemplates()) {
    if (t.id == id) return true;
  }
  return false;
}

Status ValidateTemplate(const Template& t) {
  if (t.id.empty()) return InvalidArgumentError("template id is empty");
  std::string_view where = t.name.empty() ? std::string_view(t.id) : t.name;
  auto bad = [&](const std::string& why) {
    return InvalidArgumentError("template \"" + std::string(where) +
                                "\": " + why);
  };
  if (t.name.find_first_not_of(" \t") == std::string::npos) {
    return bad("name is empty");
  }
  if (CodePoints(t.name) > kMaxTemplateNameLength) {
    return bad("name is longer than " + std::to_string(kMaxTemplateNameLength) +
               " characters");
  }
  if (t.grants.empty()) return bad("grants are empty");
  for (const Grant& g : t.grants) {
    switch (g.principal.kind()) {
      case PrincipalKind::kUser:
      case PrincipalKind::kGroup:
      case PrincipalKind::kDomain:
        if (g.principal.value().empty()) {
          return bad("grant " + g.principal.ToString() + " has no name");
        }
        break;
      case PrincipalKind::kAllInOrg:
      case PrincipalKind::kRecipients:
        break;
    }
    if (g.rights.empty()) {
      return bad("grant " + g.principal.ToString() + " has no rights");
    }
  }
  if (t.expiry_days < 0) return bad("expiry_days is negative");
  if (t.offline_days < 0) return bad("offline_days is negative");
  return Status::Ok();
}

Status ValidateTemplates(const std::vector<Template>& templates) {
  if (templates.size() > kMaxTemplates) {
    return ResourceExhaustedError("at most " + std::to_string(kMaxTemplates) +
                                  " templates are allowed");
  }
  std::set<std::string> ids;
  std::set<std::string> names;
  for (const Template& t : templates) {
    SP_RETURN_IF_ERROR(ValidateTemplate(t));
    if (!ids.insert(t.id).second) {
      return AlreadyExistsError("template id \"" + t.id + "\" is used twice");
    }
    if (!names.insert(AsciiLower(t.name)).second) {
      return AlreadyExistsError("template name \"" + t.name +
                                "\" is used twice");
    }
  }
  return Status::Ok();
}

}  // namespace sealpost::rights
