#include "policy/plan.h"

#include "base/enum_names.h"

namespace sealpost::policy {
namespace {

bool SameTreatment(const Treatment& a, const Treatment& b) {
  return a.kind == b.kind && a.template_name == b.template_name &&
         a.branding == b.branding && a.reject_text == b.reject_text &&
         a.enhanced_status == b.enhanced_status;
}

}  // namespace

std::string_view TreatmentKindName(Treatment::Kind kind) {
  static constexpr NameTable<Treatment::Kind, 4> kNames = {{
      {Treatment::Kind::kDeliver, "deliver"},
      {Treatment::Kind::kProtect, "protect"},
      {Treatment::Kind::kRemoveProtection, "remove_protection"},
      {Treatment::Kind::kReject, "reject"},
  }};
  return NameOf(kNames, kind, "unknown");
}

std::string DescribeTreatment(const Treatment& t) {
  switch (t.kind) {
    case Treatment::Kind::kProtect: {
      std::string s = "protect \"" + t.template_name + "\"";
      if (!t.branding.empty()) s += " with branding \"" + t.branding + "\"";
      return s;
    }
    case Treatment::Kind::kReject:
      return "reject " + t.enhanced_status + " \"" + t.reject_text + "\"";
    case Treatment::Kind::kDeliver:
    case Treatment::Kind::kRemoveProtection:
      break;
  }
  return std::string(TreatmentKindName(t.kind));
}

std::vector<RecipientGroup> GroupByTreatment(const Plan& plan) {
  std::vector<RecipientGroup> groups;
  for (const RecipientPlan& r : plan.recipients) {
    const bool split = r.treatment.kind == Treatment::Kind::kProtect;
    RecipientGroup* match = nullptr;
    for (RecipientGroup& g : groups) {
      if (SameTreatment(g.treatment, r.treatment) &&
          g.require_tls == r.require_tls &&
          g.require_smime == r.require_smime && g.sign == r.sign &&
          g.added_headers == r.added_headers &&
          (!split || g.internal == r.internal)) {
        match = &g;
        break;
      }
    }
    if (match == nullptr) {
      RecipientGroup g;
      g.treatment = r.treatment;
      g.require_tls = r.require_tls;
      g.require_smime = r.require_smime;
      g.sign = r.sign;
      g.added_headers = r.added_headers;
      g.internal = r.internal;
      groups.push_back(std::move(g));
      match = &groups.back();
    }
    match->internal = match->internal && r.internal;
    match->addresses.push_back(r.address);
  }
  return groups;
}

}  // namespace sealpost::policy
