#include "api/api_routes.h"

#include <algorithm>
#include <boost/json.hpp>

#include "api/util.h"
#include "base/strings.h"
#include "crypto/random.h"
#include "policy/journal_rule.h"

namespace sealpost::api {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

json::value RuleJson(const store::JournalRuleRecord& r) {
  return json::object{{"id", r.id},
                      {"name", r.name},
                      {"scope", r.scope},
                      {"recipient", r.recipient},
                      {"journal_address", r.journal_address},
                      {"enabled", r.enabled},
                      {"created_at", r.created_at}};
}

// One addr-spec without a display name: local@domain, nothing that could
// split or fold an envelope address.
Status CheckAddress(std::string_view what, std::string_view a) {
  size_t at = a.rfind('@');
  bool ok = at != std::string_view::npos && at > 0 && at + 1 < a.size() &&
            a.size() <= 254 && std::none_of(a.begin(), a.end(), [](char c) {
              return static_cast<unsigned char>(c) <= ' ' || c == '<' ||
                     c == '>' || c == ',' || c == ';' || c == '"' || c == 127;
            });
  if (!ok) {
    return InvalidArgumentError(std::string(what) + " '" + std::string(a) +
                                "' is not an e-mail address");
  }
  return Status::Ok();
}

// Reports carry the mail (and maybe its decrypted copy), and their bounces
// its header: only to our own domains, or to a domain whose TLS policy
// checks the server's certificate. `what` names the setting in errors.
Status CheckJournalAddress(const ApiContext& ctx, const std::string& address,
                           std::string_view what = "journal address") {
  SP_RETURN_IF_ERROR(CheckAddress(what, address));
  // "archive%evil.test"@example.com would leave for evil.test.
  if (HasRoutingLocalPart(address)) {
    return InvalidArgumentError(
        std::string(what) + " " + address +
        " has a routing character ('@', '%' or '!') in its local part: the "
        "next hop would send it elsewhere");
  }
  std::string domain = DomainOf(address);
  if (IsAddressIn(ctx.accepted_domains, address)) return Status::Ok();
  SP_ASSIGN_OR_RETURN(auto policy, ctx.store->GetTlsPolicy(domain));
  if (policy.has_value() && policy->policy == "verify") return Status::Ok();
  return FailedPreconditionError(
      std::string(what) + " " + address + " is outside the organisation and " +
      domain +
      " has no TLS policy 'verify': journal reports and their bounces go "
      "only to an accepted domain or over verified TLS (sealpost tls policy "
      "set " +
      domain + " verify)");
}

Result<store::JournalRuleRecord> FindRule(const ApiContext& ctx,
                                          std::string_view id_or_name) {
  SP_ASSIGN_OR_RETURN(auto rules, ctx.store->ListJournalRules());
  for (const auto& r : rules) {
    if (r.id == id_or_name || AsciiLower(r.name) == AsciiLower(id_or_name)) {
      return r;
    }
  }
  return NotFoundError("no journal rule '" + std::string(id_or_name) + "'");
}

Result<Response> SetEnabled(const ApiContext& ctx, Request& req) {
  SP_ASSIGN_OR_RETURN(json::object body, ParseObject(req));
  const json::value* enabled = body.if_contains("enabled");
  if (enabled == nullptr || !enabled->is_bool()) {
    return InvalidArgumentError("'enabled' must be true or false");
  }
  SP_ASSIGN_OR_RETURN(store::JournalRuleRecord rule,
                      FindRule(ctx, req.params["id"]));
  if (enabled->as_bool() && !rule.enabled) {
    // The rule's address may have become unfit since (a TLS policy changed).
    SP_RETURN_IF_ERROR(CheckJournalAddress(ctx, rule.journal_address));
  }
  rule.enabled = enabled->as_bool();
  SP_RETURN_IF_ERROR(ctx.store->PutJournalRule(rule));
  AuditAdmin(ctx, rule.enabled ? "journal.rule.enable" : "journal.rule.disable",
             rule.id, rule.name);
  return JsonOk(200, RuleJson(rule));
}

}  // namespace

void RegisterJournalApi(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/api/v1/journal/rules", Admin(ctx, [&ctx](Request&) {
               return ListJson(ctx.store->ListJournalRules(), "rules",
                               RuleJson);
             }));
  router.Add("GET", "/api/v1/journal/rules/:id",
             Admin(ctx, [&ctx](Request& req) -> Result<Response> {
               SP_ASSIGN_OR_RETURN(auto rule, FindRule(ctx, req.params["id"]));
               return JsonOk(200, RuleJson(rule));
             }));
  router.Add(
      "POST", "/api/v1/journal/rules",
      Admin(ctx, [&ctx](Request& req) -> Result<Response> {
        SP_ASSIGN_OR_RETURN(json::object body, ParseObject(req));
        store::JournalRuleRecord rule;
        SP_ASSIGN_OR_RETURN(rule.name, StringField(body, "name", true));
        SP_ASSIGN_OR_RETURN(std::string scope,
                            StringField(body, "scope", false));
        SP_ASSIGN_OR_RETURN(std::string recipient,
                            StringField(body, "recipient", false));
        SP_ASSIGN_OR_RETURN(std::string address,
                            StringField(body, "journal_address", true));
        if (rule.name.empty() || rule.name.size() > 128) {
          return InvalidArgumentError("a journal rule needs a name (1-128)");
        }
        SP_ASSIGN_OR_RETURN(rule.scope,
                            policy::CanonicalJournalScope(
                                scope.empty() ? std::string("Global") : scope));
        rule.recipient = AsciiLower(recipient);
        if (!rule.recipient.empty()) {
          SP_RETURN_IF_ERROR(CheckAddress("recipient", rule.recipient));
        }
        rule.journal_address = AsciiLower(address);
        SP_RETURN_IF_ERROR(CheckJournalAddress(ctx, rule.journal_address));
        if (FindRule(ctx, rule.name).ok()) {
          return AlreadyExistsError("a journal rule named '" + rule.name +
                                    "' exists");
        }
        rule.id = "j" + crypto::RandomToken(8);
        rule.enabled = true;
        rule.created_at = ctx.clock->NowUnix();
        SP_RETURN_IF_ERROR(ctx.store->PutJournalRule(rule));
        AuditAdmin(
            ctx, "journal.rule.new", rule.id,
            rule.name + ": " + rule.scope + " to " + rule.journal_address);
        return JsonOk(201, RuleJson(rule));
      }));
  router.Add("PATCH", "/api/v1/journal/rules/:id",
             Admin(ctx, [&ctx](Request& req) { return SetEnabled(ctx, req); }));
  router.Add("DELETE", "/api/v1/journal/rules/:id",
             Admin(ctx, [&ctx](Request& req) -> Result<Response> {
               SP_ASSIGN_OR_RETURN(auto rule, FindRule(ctx, req.params["id"]));
               SP_RETURN_IF_ERROR(ctx.store->DeleteJournalRule(rule.id));
               AuditAdmin(ctx, "journal.rule.remove", rule.id, rule.name);
               return JsonOk(200, json::object{{"removed", rule.id}});
             }));
  router.Add(
      "GET", "/api/v1/journal",
      Admin(ctx, [&ctx](Request&) -> Result<Response> {
        SP_ASSIGN_OR_RETURN(
            auto ndr_to, ctx.store->GetSetting(policy::kJournalNdrToSetting));
        return JsonOk(200, json::object{{"ndr_to", ndr_to.value_or("")}});
      }));
  router.Add(
      "PUT", "/api/v1/journal",
      Admin(ctx, [&ctx](Request& req) -> Result<Response> {
        SP_ASSIGN_OR_RETURN(json::object body, ParseObject(req));
        SP_ASSIGN_OR_RETURN(std::string ndr_to,
                            StringField(body, "ndr_to", true));
        std::string address = AsciiLower(ndr_to);
        if (!address.empty()) {
          SP_RETURN_IF_ERROR(CheckJournalAddress(ctx, address, "ndr-to"));
        }
        SP_RETURN_IF_ERROR(
            ctx.store->PutSetting(policy::kJournalNdrToSetting, address));
        AuditAdmin(ctx, "settings.set",
                   std::string(policy::kJournalNdrToSetting), address);
        return JsonOk(200, json::object{{"ndr_to", address}});
      }));
}

}  // namespace sealpost::api
