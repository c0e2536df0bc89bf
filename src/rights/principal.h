// Principal: who a grant in a template or a license is for (SPEC.md §4
// "Rights (exact)": user, group, domain, "all in org", "recipients").
//
// The string form is what licenses and the store keep:
//   "user:alice@example.com", "group:finance", "domain:example.com",
//   "all-in-org", "recipients".
// Emails, group names and domains compare case-insensitively (ASCII), and
// the constructors store them lower-cased.
//
// Thread-safety: Principal is a value type; the free functions are pure.
#ifndef SEALPOST_RIGHTS_PRINCIPAL_H_
#define SEALPOST_RIGHTS_PRINCIPAL_H_

#include <compare>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sealpost::rights {

enum class PrincipalKind {
  kUser,        // one address
  kGroup,       // members of a named group
  kDomain,      // every address whose domain part is this domain
  kAllInOrg,    // every internal (signed-in, organisation) user
  kRecipients,  // the message's recipients; templates only, expanded at
                // protect time into kUser principals
};

class Principal {
 public:
  // An empty user; only useful as a placeholder before assignment.
  Principal() = default;
  static Principal User(std::string_view email);
  static Principal Group(std::string_view name);
  static Principal Domain(std::string_view domain);
  static Principal AllInOrg();
  static Principal Recipients();

  // Parses the string form; rejects an empty value, a user without '@' and a
  // domain containing '@'.
  static Result<Principal> Parse(std::string_view text);

  PrincipalKind kind() const { return kind_; }
  // The email, group name or domain; empty for kAllInOrg and kRecipients.
  const std::string& value() const { return value_; }
  std::string ToString() const;

  friend auto operator<=>(const Principal&, const Principal&) = default;

 private:
  Principal(PrincipalKind kind, std::string value)
      : kind_(kind), value_(std::move(value)) {}
  PrincipalKind kind_ = PrincipalKind::kUser;
  std::string value_;
};

// The part after the last '@', lower-cased; "" if there is none.
std::string EmailDomain(std::string_view email);

}  // namespace sealpost::rights

#endif  // SEALPOST_RIGHTS_PRINCIPAL_H_
