// Whether a string is a DNS domain name as mail and its policies write one:
// RFC 5321 §4.1.2's sub-domain (Let-dig [Ldh-str]: RFC 1123 §2.1's
// relaxation of RFC 1035 §2.3.1, so a label may start with a digit), with
// parameters for where the callers differ (U-labels, the
// length cap). One check for the SMTP envelope, the composer and the TLS
// policy API, so that they cannot drift apart by accident.
//
// Thread-safety: pure function.
#ifndef SEALPOST_BASE_DOMAIN_NAME_H_
#define SEALPOST_BASE_DOMAIN_NAME_H_

#include <cstddef>
#include <string_view>

namespace sealpost {

struct DomainNameRules {
  // Octets 0x80 and above in a label, for the U-labels of RFC 6531 §3.3
  // (SMTPUTF8); taken as they come, not checked to be UTF-8.
  bool allow_8bit = false;
  // Most octets in all. 253 is what fits DNS's 255 in wire form (RFC 1035
  // §3.1) written as text without the root's dot; RFC 5321 §4.5.3.1.2 lets
  // a domain in the envelope have 255.
  size_t max_length = 253;
};

// Whether `name` is dot-separated labels of 1-63 octets, each letters of
// either case, digits and hyphens (and 8-bit octets when `rules` allows
// them), neither its first nor its last a hyphen, at most
// `rules.max_length` octets in all. A name of digits only ("123",
// "1.2.3.4") is one; an address literal ("[1.2.3.4]"), an underscore
// ("_dmarc") and a trailing dot (an empty label) are not.
bool IsDomainName(std::string_view name, DomainNameRules rules = {});

}  // namespace sealpost

#endif  // SEALPOST_BASE_DOMAIN_NAME_H_
