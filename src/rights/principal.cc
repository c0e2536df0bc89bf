#include "rights/principal.h"

#include <utility>

#include "base/strings.h"

namespace sealpost::rights {
namespace {

constexpr std::string_view kUserPrefix = "user:";
constexpr std::string_view kGroupPrefix = "group:";
constexpr std::string_view kDomainPrefix = "domain:";
constexpr std::string_view kAllInOrgText = "all-in-org";
constexpr std::string_view kRecipientsText = "recipients";

}  // namespace

std::string EmailDomain(std::string_view email) {
  size_t at = email.rfind('@');
  if (at == std::string_view::npos) return "";
  return AsciiLower(email.substr(at + 1));
}

Principal Principal::User(std::string_view email) {
  return Principal(PrincipalKind::kUser, AsciiLower(email));
}
Principal Principal::Group(std::string_view name) {
  return Principal(PrincipalKind::kGroup, AsciiLower(name));
}
Principal Principal::Domain(std::string_view domain) {
  return Principal(PrincipalKind::kDomain, AsciiLower(domain));
}
Principal Principal::AllInOrg() {
  return Principal(PrincipalKind::kAllInOrg, "");
}
Principal Principal::Recipients() {
  return Principal(PrincipalKind::kRecipients, "");
}

Result<Principal> Principal::Parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError("principal \"" + std::string(text) +
                                "\": " + std::string(why));
  };
  if (text == kAllInOrgText) return AllInOrg();
  if (text == kRecipientsText) return Recipients();
  if (text.starts_with(kUserPrefix)) {
    std::string_view v = text.substr(kUserPrefix.size());
    size_t at = v.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == v.size()) {
      return bad("a user needs an email address");
    }
    return User(v);
  }
  if (text.starts_with(kGroupPrefix)) {
    std::string_view v = text.substr(kGroupPrefix.size());
    if (v.empty()) return bad("empty group name");
    return Group(v);
  }
  if (text.starts_with(kDomainPrefix)) {
    std::string_view v = text.substr(kDomainPrefix.size());
    if (v.empty() || v.find('@') != std::string_view::npos) {
      return bad("a domain needs a name without '@'");
    }
    return Domain(v);
  }
  return bad(
      "expected user:EMAIL, group:NAME, domain:NAME, all-in-org or "
      "recipients");
}

std::string Principal::ToString() const {
  switch (kind_) {
    case PrincipalKind::kUser:
      return std::string(kUserPrefix) + value_;
    case PrincipalKind::kGroup:
      return std::string(kGroupPrefix) + value_;
    case PrincipalKind::kDomain:
      return std::string(kDomainPrefix) + value_;
    case PrincipalKind::kAllInOrg:
      return std::string(kAllInOrgText);
    case PrincipalKind::kRecipients:
      return std::string(kRecipientsText);
  }
  return "";
}

}  // namespace sealpost::rights
