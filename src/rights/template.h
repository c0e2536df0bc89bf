// Rights templates: named lists of {principal, rights} grants plus expiry,
// offline access and scope, and the four default templates of SPEC.md §4
// "Rights (exact)" (rights per reference/ome-inventory.md §4.2).
//
// A template is applied to a message at protect time by ExpandTemplate
// (rights/evaluate.h), which turns it into the concrete grants a license
// carries. The store/API layer serialises templates; nothing here does I/O.
//
// Thread-safety: Template and Grant are value types; the free functions are
// pure, and DefaultTemplates() returns an immutable static.
#ifndef SEALPOST_RIGHTS_TEMPLATE_H_
#define SEALPOST_RIGHTS_TEMPLATE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "rights/principal.h"
#include "rights/rights.h"

namespace sealpost::rights {

struct Grant {
  Principal principal;
  Rights rights;
  friend bool operator==(const Grant&, const Grant&) = default;
};

struct Template {
  std::string id;    // stable; the defaults use the kXxxTemplateId
  std::string name;  // shown to users; at most kMaxTemplateNameLength
  std::string description;
  std::vector<Grant> grants;
  int32_t expiry_days = 0;  // content expires N days after protection; 0: never
  int32_t offline_days = 7;  // use-license validity offline; 0: always online
  bool archived = false;     // kept for existing content, not offered for new
  bool org_only = false;  // only internal users can open, whatever grants say
  // Encrypt: recipients added later by forwarding from the portal or a client
  // receive the same rights as the original recipients.
  bool extend_to_forwardees = false;

  friend bool operator==(const Template&, const Template&) = default;
};

inline constexpr size_t kMaxTemplateNameLength = 64;  // characters
inline constexpr size_t kMaxTemplates = 500;

inline constexpr std::string_view kEncryptTemplateId = "encrypt";
inline constexpr std::string_view kDoNotForwardTemplateId = "do-not-forward";
inline constexpr std::string_view kConfidentialTemplateId = "confidential";
inline constexpr std::string_view kConfidentialViewOnlyTemplateId =
    "confidential-view-only";

// ome-inventory §4.2 and SPEC.md §4.
// Encrypt: every right except EXPORT and OWNER.
inline constexpr Rights kEncryptRights =
    Rights::All() - Rights{Right::kExport, Right::kOwner};
inline constexpr Rights kDoNotForwardRights = {
    Right::kView,     Right::kDocEdit,        Right::kEdit,    Right::kReply,
    Right::kReplyAll, Right::kViewRightsData, Right::kObjModel};
// "Confidential \ All Employees" (rights since 6 Oct 2017).
inline constexpr Rights kConfidentialRights = {
    Right::kView,           Right::kExport,         Right::kExtract,
    Right::kViewRightsData, Right::kEditRightsData, Right::kObjModel,
    Right::kPrint,          Right::kForward,        Right::kReply,
    Right::kReplyAll,       Right::kEdit,           Right::kDocEdit,
    Right::kOwner};
// "Highly Confidential \ All Employees" / "Confidential View Only".
inline constexpr Rights kConfidentialViewOnlyRights = {
    Right::kView,  Right::kExtract, Right::kViewRightsData, Right::kObjModel,
    Right::kPrint, Right::kForward, Right::kReply,          Right::kReplyAll,
    Right::kEdit,  Right::kDocEdit};

// "Encrypt": kEncryptRights for the recipients, extended to forwardees.
Template EncryptTemplate();
// "Do Not Forward": kDoNotForwardRights for exactly the original recipients.
Template DoNotForwardTemplate();
// "Confidential": org-only, kConfidentialRights for all in the organisation.
Template ConfidentialTemplate();
// "Confidential View Only": org-only, kConfidentialViewOnlyRights for all in
// the organisation.
Template ConfidentialViewOnlyTemplate();
// The four above, in that order.
const std::vector<Template>& DefaultTemplates();
bool IsDefaultTemplateId(std::string_view id);

// Checks one template: non-empty id; name of 1..64 characters (UTF-8 code
// points) that is not only spaces; at least one grant; each grant with a
// non-empty principal value where one is needed and at least one right;
// non-negative expiry and offline days. Errors name the field and the limit.
Status ValidateTemplate(const Template& t);
// ValidateTemplate for each, plus: at most kMaxTemplates, ids unique, names
// unique case-insensitively.
Status ValidateTemplates(const std::vector<Template>& templates);

}  // namespace sealpost::rights

#endif  // SEALPOST_RIGHTS_TEMPLATE_H_
