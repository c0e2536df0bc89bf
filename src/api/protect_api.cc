// Protection of a message by a signed-in user: the wrapper mail back, raw or
// in JSON.
#include "api/api_routes.h"

#include <boost/json.hpp>

#include "api/util.h"
#include "base/encoding.h"
#include "branding/branding.h"
#include "license/license_service.h"
#include "mime/facts.h"
#include "mime/wrapper.h"
#include "search/indexer.h"

namespace sealpost::api {
namespace {

constexpr size_t kMaxRecipients = 500;

}  // namespace

void RegisterProtectApi(http::Router& router, const ApiContext& ctx) {
  router.Add(
      "POST", "/api/v1/protect",
      SignedIn(
          ctx, "protect as a signed-in user, not with the admin token",
          [&ctx](Request& req, const Caller& caller) -> Response {
            // Two forms: the raw message (Content-Type: message/rfc822, with
            // ?template=NAME&to=A,B) answered with the raw wrapper mail, which
            // spares large messages the base64 and JSON round trips; or JSON
            // {template, recipients, message (base64)} answered with JSON.
            bool raw = req.Header("content-type").starts_with("message/rfc822");
            std::string tmpl;
            std::vector<std::string> recipients;
            std::string message;
            if (raw) {
              tmpl = req.QueryParam("template");
              std::string to = req.QueryParam("to");
              size_t start = 0;
              while (start < to.size()) {
                size_t comma = to.find(',', start);
                if (comma == std::string::npos) comma = to.size();
                if (comma > start)
                  recipients.push_back(to.substr(start, comma - start));
                start = comma + 1;
              }
              if (tmpl.empty()) {
                return Response::JsonError(
                    400, "invalid_argument",
                    "missing query parameter 'template'");
              }
              message = std::move(req.body);
            } else {
              auto body = ParseObject(req);
              if (!body.ok()) return FromStatus(body.status());
              auto t = StringField(*body, "template", true);
              if (!t.ok()) return FromStatus(t.status());
              tmpl = *t;
              auto r = StringList(*body, "recipients");
              if (!r.ok()) return FromStatus(r.status());
              recipients = std::move(*r);
              auto m = Base64Field(*body, "message");
              if (!m.ok()) return FromStatus(m.status());
              message = std::move(*m);
            }
            if (recipients.size() > kMaxRecipients) {
              return Response::JsonError(400, "invalid_argument",
                                         "at most 500 recipients");
            }
            license::ProtectRequest pr{caller.email, tmpl, recipients, message,
                                       ""};
            // Kept sealed for the owner's Sent page; unreadable mail has none.
            // One parse for its subject and its index terms.
            const mime::ParsedMessage parsed(message);
            if (auto facts = mime::ExtractFacts(parsed); facts.ok()) {
              pr.subject = facts->subject;
            }
            if (ctx.indexer != nullptr) {
              // Indexed in the commit that protects it, as the mail flow does;
              // a message that cannot be read still gets protected.
              auto terms = ctx.indexer->Terms(parsed);
              if (terms.ok()) pr.index_terms = std::move(*terms);
            }
            auto sealed = ctx.licenses->Protect(pr);
            if (!sealed.ok()) return FromStatus(sealed.status());
            mime::WrapperOptions wrap{sealed->message_id,
                                      sealed->license.template_name,
                                      ctx.public_url};
            if (ctx.branding != nullptr) {
              auto b = ctx.branding->Get(branding::kDefaultIdentity);
              if (!b.ok()) return FromStatus(b.status());
              wrap.branding = branding::ToWrapperBranding(*b);
            }
            wrap.expires_at = sealed->license.expiry;
            wrap.seal = [&](std::string_view header, std::string_view body) {
              return ctx.licenses->SealWrapper(sealed->message_id,
                                               sealed->license.template_name,
                                               header, body);
            };
            auto mail =
                mime::BuildWrapperMail(message, sealed->container, wrap);
            if (!mail.ok()) return FromStatus(mail.status());
            if (raw) {
              Response r;
              r.status = 201;
              r.content_type = "message/rfc822";
              r.headers = {
                  {"X-Sealpost-Message-Id", sealed->message_id},
                  {"X-Sealpost-Template", sealed->license.template_name}};
              r.body = std::move(*mail);
              return r;
            }
            return JsonOk(
                201, json::object{{"id", sealed->message_id},
                                  {"template", sealed->license.template_name},
                                  {"mail", Base64Encode(AsBytes(*mail))}});
          }));
}

}  // namespace sealpost::api
