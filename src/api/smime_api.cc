// The S/MIME settings (Get-/Set-SmimeConfig) and `smime test`, admin
// token (api_api_routes.h lists the endpoints).
#include <boost/json.hpp>

#include "api/api_routes.h"
#include "api/util.h"
#include "smime/certificate_directory.h"
#include "smime/recipient_check.h"
#include "smime/smime_config.h"

namespace sealpost::api {
namespace {

// The settings, and SMIMECertificateIssuingCA: the trusted CA collection.
Response ConfigJson(const smime::SmimeConfig& c,
                    smime::CertificateDirectory& certs) {
  auto anchors = certs.TrustList();
  if (!anchors.ok()) return FromStatus(anchors.status());
  json::object props;
  for (const auto& [k, v] : c.Display()) props[k] = v;
  json::array cas;
  for (const auto& a : *anchors) cas.emplace_back(a.record.subject);
  return JsonOk(200, json::object{{"Identity", "SmimeConfig"},
                                  {"properties", props},
                                  {"SMIMECertificateIssuingCA", cas}});
}

}  // namespace

void RegisterSmimeConfigApi(http::Router& router, const ApiContext& ctx) {
  if (ctx.certificates == nullptr) return;
  smime::CertificateDirectory& certs = *ctx.certificates;
  router.Add("GET", "/api/v1/smime/config",
             Admin(ctx, [&ctx, &certs](Request&) -> Response {
               auto c = smime::SmimeConfig::Load(*ctx.store);
               if (!c.ok()) return FromStatus(c.status());
               return ConfigJson(*c, certs);
             }));
  router.Add(
      "PATCH", "/api/v1/smime/config",
      Admin(ctx, [&ctx, &certs](Request& req) -> Response {
        auto body = ParseObject(req);
        if (!body.ok()) return FromStatus(body.status());
        if (body->contains("SMIMECertificateIssuingCA")) {
          return FromStatus(InvalidArgumentError(
              "SMIMECertificateIssuingCA is the trusted CA collection: "
              "`sealpost cert trust import FILE` adds to it"));
        }
        // All or nothing: nothing is saved if any value is bad.
        // Made to the stored settings, again if another change
        // came first, so that both hold.
        std::string changed;
        bool refused = false;
        auto c = certs.UpdateConfig([&](smime::SmimeConfig& config) -> Status {
          auto set = SetProperties(config, *body);
          refused = !set.ok();
          SP_RETURN_IF_ERROR(set.status());
          changed = *set;
          return Status::Ok();
        });
        if (!c.ok()) {
          if (refused) {
            ctx.store->AppendAuditBestEffort({0, 0, "admin", "smime.set",
                                              "smime", "refused",
                                              c.status().message()});
          }
          return FromStatus(c.status());
        }
        AuditAdmin(ctx, "smime.set", "smime", changed);
        return ConfigJson(*c, certs);
      }));
  router.Add(
      "POST", "/api/v1/smime/test",
      Admin(ctx, [&ctx, &certs](Request& req) -> Response {
        auto body = ParseObject(req);
        if (!body.ok()) return FromStatus(body.status());
        auto recipient = StringField(*body, "recipient", true);
        if (!recipient.ok()) return FromStatus(recipient.status());
        auto c = smime::SmimeConfig::Load(*ctx.store);
        if (!c.ok()) return FromStatus(c.status());
        auto steps = smime::TestRecipient(certs, *recipient, c->Options());
        if (!steps.ok()) return FromStatus(steps.status());
        json::array out;
        bool pass = !steps->empty();
        bool decrypted = false;
        for (const auto& s : *steps) {
          pass = pass && s.pass;
          decrypted = decrypted ||
                      (s.step == "Decrypt the probe" && s.pass && !s.skipped);
          out.push_back(json::object{{"step", s.step},
                                     {"pass", s.pass},
                                     {"skipped", s.skipped},
                                     {"detail", s.detail}});
        }
        // A probe opened with a user's key is a use of that key.
        ctx.store->AppendAuditBestEffort(
            {0, 0, "admin", "smime.test", *recipient, pass ? "pass" : "fail",
             decrypted ? "private key used to decrypt the probe" : ""});
        return JsonOk(200, json::object{{"checks", out}, {"pass", pass}});
      }));
}

}  // namespace sealpost::api
