// Protection of a message by a signed-in user: the wrapper mail back, raw or
// in JSON. A raw message larger than the server holds in memory comes
// spooled (http::Request::body_source) and goes back streamed (issue 14).
// Either way the server keeps its copy of the container, as the gateway
// does (the portal shows it, eDiscovery exports it; docs/compliance.md),
// committed with the message's record before the answer.
#include "api/api_routes.h"

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "api/util.h"
#include "base/byte_source.h"
#include "base/recipient_address.h"
#include "branding/branding.h"
#include "license/license_service.h"
#include "mime/facts.h"
#include "mime/parsed_message.h"
#include "mime/wrapper.h"
#include "search/indexer.h"
#include "store/body_store.h"

namespace sealpost::api {
namespace {

// A message that came spooled (a raw body larger than the server holds in
// memory, HttpServerOptions::spooled_bodies) is indexed by its first bytes
// only (search.index_at_protection): memory that does not grow with it.
constexpr size_t kIndexedPrefix = 4 << 20;
// Its header section is looked for in its first bytes (for the Subject and
// the wrapper's From, To, Cc, Date).
constexpr size_t kMaxHeaderSection = 1 << 20;

// The request's spooled body, for a parse that reads it through and lets
// it go (mime::ParsedMessage owns the source it reads).
class SharedSource final : public ByteSource {
 public:
  explicit SharedSource(std::shared_ptr<ByteSource> source)
      : source_(std::move(source)) {}
  Status Restart() override { return source_->Restart(); }
  Result<size_t> Read(size_t max, std::string* out) override {
    return source_->Read(max, out);
  }

 private:
  std::shared_ptr<ByteSource> source_;
};

// The wrapper's options for a message just protected (without its seal).
Result<mime::WrapperOptions> WrapOptions(const ApiContext& ctx,
                                         const license::ProtectResult& sealed) {
  mime::WrapperOptions wrap{sealed.message_id, sealed.license.template_name,
                            ctx.public_url};
  if (ctx.branding != nullptr) {
    SP_ASSIGN_OR_RETURN(auto b, ctx.branding->Get(branding::kDefaultIdentity));
    wrap.branding = branding::ToWrapperBranding(b);
  }
  wrap.expires_at = sealed.license.expiry;
  return wrap;
}

// A raw message that came spooled (issue 14): read from the spool a slice
// at a time, sealed into the server's copy (the store's body file, written
// and committed by LicenseService::Protect), and the wrapper made from
// that copy as it is sent, so that neither the message, nor its container,
// nor the wrapper is ever whole in memory.
Response ProtectSpooled(Request& req, const Caller& caller,
                        const ApiContext& ctx, std::string tmpl,
                        std::vector<std::string> recipients) {
  ByteSource& source = *req.body_source;
  {
    // Its parts' header fields over the parse's budget: refused as in
    // memory, never sealed. One parse through the spool, its memory
    // bounded by that budget.
    const mime::ParsedMessage parsed(
        std::make_unique<SharedSource>(req.body_source));
    if (parsed.headers_over_limit()) {
      return Response::JsonError(400, "invalid_argument",
                                 std::string(mime::kHeadersOverLimitMessage));
    }
    if (Status st = parsed.source_status(); !st.ok()) return FromStatus(st);
  }
  if (Status st = source.Restart(); !st.ok()) return FromStatus(st);
  std::string head;
  const size_t wanted =
      ctx.indexer != nullptr ? kIndexedPrefix : kMaxHeaderSection;
  for (;;) {
    auto n = source.Read(64 << 10, &head);
    if (!n.ok()) return FromStatus(n.status());
    if (*n == 0 || head.size() >= wanted) break;
    if (ctx.indexer == nullptr && head.find("\r\n\r\n") != std::string::npos) {
      break;
    }
  }
  if (Status st = source.Restart(); !st.ok()) return FromStatus(st);
  size_t end = head.find("\r\n\r\n");
  std::string_view header_section =
      end == std::string::npos
          ? std::string_view(head).substr(0, kMaxHeaderSection)
          : std::string_view(head).substr(0, end + 4);
  license::ProtectRequest pr{caller.email, tmpl, recipients, "", ""};
  if (auto facts = mime::ExtractFacts(header_section); facts.ok()) {
    pr.subject = facts->subject;
  }
  if (ctx.indexer != nullptr) {
    auto terms = ctx.indexer->Terms(head);
    if (terms.ok()) pr.index_terms = std::move(*terms);
  }
  pr.keep_portal_copy = true;
  pr.message_source = &source;
  auto sealed = ctx.licenses->Protect(pr);
  if (!sealed.ok()) return FromStatus(sealed.status());
  store::BodyStore* bodies = store::BodyStoreOf(*ctx.store);
  if (bodies == nullptr) return FromStatus(InternalError("no body files"));
  // The reader keeps the copy's file (or chunks) for as long as the wrapper
  // is sent.
  auto container =
      bodies->OpenBody(store::BodyKind::kPortal, sealed->message_id);
  if (!container.ok()) return FromStatus(container.status());
  const auto container_size = static_cast<size_t>((*container)->size());
  auto wrap = WrapOptions(ctx, *sealed);
  if (!wrap.ok()) return FromStatus(wrap.status());
  const std::string id = sealed->message_id;
  const std::string name = sealed->license.template_name;
  wrap->seal_digest = [&ctx, id, name](std::string_view header,
                                       std::string_view digest) {
    return ctx.licenses->SealWrapperDigest(id, name, header, digest);
  };
  auto wrapper = mime::BuildWrapperStream(header_section, container_size,
                                          std::move(*container), *wrap);
  if (!wrapper.ok()) return FromStatus(wrapper.status());
  Response r;
  r.status = 201;
  r.content_type = "message/rfc822";
  r.headers = {{"X-Sealpost-Message-Id", id}, {"X-Sealpost-Template", name}};
  r.stream = std::make_shared<http::OwningBodyStream<mime::WrapperStream>>(
      std::move(*wrapper));
  return r;
}

// A message held in memory (a raw body up to server.max_request_bytes, or
// the JSON form's): sealed with the server's copy kept in the same commit
// as its record, and its wrapper mail answered raw or in JSON.
Response ProtectInMemory(const ApiContext& ctx, const Caller& caller, bool raw,
                         const std::string& tmpl,
                         std::vector<std::string> recipients,
                         const std::string& message) {
  license::ProtectRequest pr{caller.email, tmpl, std::move(recipients), "", ""};
  pr.message_ref = message;  // no copy: `message` outlives the call
  pr.keep_portal_copy = true;
  // Kept sealed for the owner's Sent page; unreadable mail has none.
  // One parse for its subject and its index terms.
  const mime::ParsedMessage parsed(message);
  if (parsed.headers_over_limit()) {
    // Its parts' header fields over the parse's budget: never sealed from
    // part of a parse.
    return Response::JsonError(400, "invalid_argument",
                               std::string(mime::kHeadersOverLimitMessage));
  }
  if (auto facts = mime::ExtractFacts(parsed); facts.ok()) {
    pr.subject = facts->subject;
  }
  if (ctx.indexer != nullptr) {
    // Indexed in the commit that protects it, as the mail flow does; a
    // message that cannot be read still gets protected.
    auto terms = ctx.indexer->Terms(parsed);
    if (terms.ok()) pr.index_terms = std::move(*terms);
  }
  auto sealed = ctx.licenses->Protect(pr);
  if (!sealed.ok()) return FromStatus(sealed.status());
  auto made = WrapOptions(ctx, *sealed);
  if (!made.ok()) return FromStatus(made.status());
  mime::WrapperOptions& wrap = *made;
  wrap.seal = [&](std::string_view header, std::string_view body) {
    return ctx.licenses->SealWrapper(
        sealed->message_id, sealed->license.template_name, header, body);
  };
  auto mail = mime::BuildWrapperMail(message, sealed->container, wrap);
  if (!mail.ok()) return FromStatus(mail.status());
  if (raw) {
    Response r;
    r.status = 201;
    r.content_type = "message/rfc822";
    r.headers = {{"X-Sealpost-Message-Id", sealed->message_id},
                 {"X-Sealpost-Template", sealed->license.template_name}};
    r.body = std::move(*mail);
    return r;
  }
  return JsonWithBase64(
      201, "mail", *mail,
      json::object{{"id", sealed->message_id},
                   {"template", sealed->license.template_name}});
}

// A 400 naming the first recipient the gateway would not send to, as SMTP
// RCPT and the portal refuse it (base/recipient_address.h); nullopt when
// all may be sent to. Its readers' passcode mails go to these addresses:
// x%competitor.test@example.com would take example.com's route to another
// domain.
std::optional<Response> RefusedRecipient(
    const ApiContext& ctx, const std::vector<std::string>& recipients) {
  if (recipients.size() > kMaxRecipients) {
    return Response::JsonError(400, "invalid_argument",
                               "at most 500 recipients");
  }
  for (const auto& r : recipients) {
    RecipientRefusal why = CheckRecipientAddress(ctx.accepted_domains, r);
    if (why != RecipientRefusal::kNone) {
      return Response::JsonError(400, "invalid_argument",
                                 "recipient " + r + " is refused: " +
                                     std::string(RecipientRefusalReason(why)));
    }
  }
  return std::nullopt;
}

// POST /api/v1/protect. Two forms: the raw message (Content-Type:
// message/rfc822, with ?template=NAME&to=A,B) answered with the raw wrapper
// mail, which spares large messages the base64 and JSON round trips; or
// JSON {template, recipients, message (base64)} answered with JSON.
Response Protect(const ApiContext& ctx, Request& req, const Caller& caller) {
  bool raw = req.Header("content-type").starts_with("message/rfc822");
  std::string tmpl;
  std::vector<std::string> recipients;
  std::string message;
  if (raw) {
    tmpl = req.QueryParam("template");
    recipients = CommaList(req.QueryParam("to"));
    if (tmpl.empty()) {
      return Response::JsonError(400, "invalid_argument",
                                 "missing query parameter 'template'");
    }
    if (req.body_source != nullptr) {
      if (auto refused = RefusedRecipient(ctx, recipients)) return *refused;
      return ProtectSpooled(req, caller, ctx, std::move(tmpl),
                            std::move(recipients));
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
  if (auto refused = RefusedRecipient(ctx, recipients)) return *refused;
  return ProtectInMemory(ctx, caller, raw, tmpl, std::move(recipients),
                         message);
}

}  // namespace

void RegisterProtectApi(http::Router& router, const ApiContext& ctx) {
  router.Add(
      "POST", "/api/v1/protect",
      SignedIn(ctx, "protect as a signed-in user, not with the admin token",
               [&ctx](Request& req, const Caller& caller) {
                 return Protect(ctx, req, caller);
               }));
}

}  // namespace sealpost::api
