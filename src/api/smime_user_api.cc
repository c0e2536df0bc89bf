// S/MIME for signed-in users (`sealpost open`, `sealpost protect --smime`;
// api_routes.h lists the endpoints). A user's private key is used here, on
// the server, for that user only: the caller's address comes from their
// session, never from the request, the admin token is refused (the admin
// is no one's key holder), and every use and refusal is audited with the
// user as the actor, as a license acquisition is. A message to protect
// larger than the server holds in memory comes spooled
// (http::Request::body_source) and its S/MIME mail goes back from a second
// spool a slice at a time (issue 14); so does a message to open, whose
// opened message goes back the same way.
#include <algorithm>

#include <boost/json.hpp>

#include "api/api_routes.h"
#include "api/util.h"
#include "base/encoding.h"
#include "crypto/spool.h"
#include "smime/certificate_directory.h"
#include "smime/client_mail.h"
#include "smime/smime_config.h"

namespace sealpost::api {
namespace {

// SignedIn's refusal of the admin token.
std::string AsUser(std::string_view what) {
  return std::string(what) +
         " as a signed-in user: the admin token holds no one's key";
}

// The answer to a protection: the certificates and signer in its fields,
// audited with the user as the actor.
Response Protected(const ApiContext& ctx, const Caller& caller,
                   const std::string& recipients, const smime::SmimeMail& made,
                   Response r) {
  std::string ids;
  for (const auto& id : made.certificate_ids) {
    ids += (ids.empty() ? "" : ",") + id.substr(0, 16);
  }
  ctx.store->AppendAuditBestEffort({0, 0, caller.email, "smime.protect",
                                    recipients, "ok",
                                    "encrypted to certificates " + ids});
  if (!made.signer_id.empty()) {
    ctx.store->AppendAuditBestEffort(
        {0, 0, caller.email, "smime.sign", recipients, "ok",
         "signed with the private key of certificate " +
             made.signer_id.substr(0, 16)});
  }
  r.status = 201;
  r.content_type = "message/rfc822";
  r.headers = {{"X-Sealpost-Smime-Certificates", ids},
               {"X-Sealpost-Smime-Signer", made.signer_id.substr(0, 16)},
               {"X-Sealpost-Smime-Note", made.note}};
  return r;
}

// An opening audited with the user as the actor: refused (another's mail)
// or done with the key of a certificate.
void AuditOpen(const ApiContext& ctx, const Caller& caller,
               const Result<smime::OpenedMail>& opened) {
  if (!opened.ok()) {
    if (opened.status().code() == StatusCode::kPermissionDenied) {
      ctx.store->AppendAuditBestEffort({0, 0, caller.email, "smime.open", "",
                                        "refused", opened.status().message()});
    }
    return;
  }
  if (!opened->certificate_id.empty()) {
    ctx.store->AppendAuditBestEffort(
        {0, 0, caller.email, "smime.open", opened->certificate_id.substr(0, 16),
         "ok",
         "decrypted with the private key of certificate " +
             opened->certificate_id.substr(0, 16)});
  }
}

// `cap`: the longest signer and reason given (the header form's; the
// signer is a name in a certificate the sender chose).
json::array SignaturesJson(const smime::OpenedMail& opened,
                           size_t cap = std::string::npos) {
  json::array signatures;
  for (const auto& s : opened.signatures) {
    signatures.push_back(json::object{{"verified", s.verified},
                                      {"signer", s.signer.substr(0, cap)},
                                      {"reason", s.reason.substr(0, cap)},
                                      {"stamp", s.StampValue()}});
  }
  return signatures;
}

// The JSON answer of an opening: the message in base64, whole
// (JsonWithBase64: held once more, in base64, not three times).
Response OpenedJson(const smime::OpenedMail& opened, std::string_view message) {
  return JsonWithBase64(200, "message", message,
                        json::object{{"certificate", opened.certificate_id},
                                     {"signatures", SignaturesJson(opened)}});
}

// The answer for `Accept: message/rfc822`, without its body: the
// certificate and signatures in header fields.
Response OpenedRaw(const smime::OpenedMail& opened) {
  Response r;
  r.status = 200;
  r.content_type = "message/rfc822";
  r.headers = {
      {"X-Sealpost-Smime-Certificate", opened.certificate_id},
      // Signer and reason cut at 200 bytes (as in the stamp), so that a
      // certificate with a huge e-mail name cannot push the header past
      // what clients read (Beast's 8 KiB by default, the CLI's).
      {"X-Sealpost-Smime-Signatures",
       Base64Encode(AsBytes(json::serialize(SignaturesJson(opened, 200))))}};
  return r;
}

// Whether the client asked for the opened message itself (`sealpost open`).
bool WantsRaw(Request& req) {
  return req.Header("accept").find("message/rfc822") != std::string::npos;
}

// The largest opened message the JSON answer holds (in base64, a third
// more): what the server held in memory before streaming.
constexpr size_t kMaxOpenedJson = size_t{72} << 20;

// The message as large as it comes spooled (issue 14). With `Accept:
// message/rfc822` (`sealpost open`): opened into a second spool, a slice
// at a time, and answered only once that succeeded (a damaged message
// never starts an answer), the message itself streaming back, the
// certificate and signatures in header fields. Otherwise the JSON answer,
// whole, as for a message held in memory: opened into memory, and refused
// (413) as soon as it passes 72 MiB, never holding more.
Response OpenSpooled(const ApiContext& ctx, smime::CertificateDirectory& certs,
                     Request& req, const Caller& caller) {
  if (!WantsRaw(req)) {
    std::string message;
    bool too_large = false;
    auto opened = smime::OpenMailStream(
        certs, *req.body_source, caller.email,
        [&](std::string_view bytes) {
          if (bytes.size() > kMaxOpenedJson - message.size()) {
            too_large = true;
            return ResourceExhaustedError("the opened message is too large");
          }
          // Grown by doubling up to the limit, never past it.
          if (message.size() + bytes.size() > message.capacity()) {
            message.reserve(std::min(kMaxOpenedJson,
                                     std::max(2 * message.capacity(),
                                              message.size() + bytes.size())));
          }
          message.append(bytes);
          return Status::Ok();
        },
        ctx.spool_dir);
    if (too_large) {
      std::string().swap(message);
      // The user's key was used (the content did open, in part): audited.
      ctx.store->AppendAuditBestEffort(
          {0, 0, caller.email, "smime.open", "", "refused",
           "the opened message is over 72 MiB (asked for as JSON)"});
      return Response::JsonError(
          413, "too_large",
          "the opened message is over 72 MiB: ask for it as message/rfc822 "
          "(Accept), as `sealpost open` does");
    }
    AuditOpen(ctx, caller, opened);
    if (!opened.ok()) return FromStatus(opened.status());
    return OpenedJson(*opened, message);
  }
  auto spool = crypto::Spool::Create(ctx.spool_dir);
  if (!spool.ok()) return FromStatus(spool.status());
  std::shared_ptr<crypto::Spool> out = std::move(*spool);
  auto opened = smime::OpenMailStream(
      certs, *req.body_source, caller.email,
      [&out](std::string_view bytes) { return out->Append(bytes); },
      ctx.spool_dir);
  AuditOpen(ctx, caller, opened);
  if (!opened.ok()) return FromStatus(opened.status());
  if (Status st = out->Finish(); !st.ok()) return FromStatus(st);
  auto reader = out->Open();
  if (!reader.ok()) return FromStatus(reader.status());
  Response r = OpenedRaw(*opened);
  // The reader keeps the spool (its file) while it is sent.
  r.stream = std::make_shared<http::OwningBodyStream<SizedByteSource>>(
      std::move(*reader));
  return r;
}

}  // namespace

void RegisterSmimeUserApi(http::Router& router, const ApiContext& ctx) {
  if (ctx.certificates == nullptr) return;
  smime::CertificateDirectory& certs = *ctx.certificates;
  router.Add(
      "POST", "/api/v1/smime/open",
      SignedIn(ctx, AsUser("open S/MIME mail"),
               [&ctx, &certs](Request& req, const Caller& caller) -> Response {
                 if (req.body_source != nullptr) {
                   return OpenSpooled(ctx, certs, req, caller);
                 }
                 auto opened = smime::OpenMail(certs, req.body, caller.email);
                 AuditOpen(ctx, caller, opened);
                 if (!opened.ok()) return FromStatus(opened.status());
                 if (!WantsRaw(req))
                   return OpenedJson(*opened, opened->message);
                 Response r = OpenedRaw(*opened);
                 r.body = std::move(opened->message);
                 return r;
               }));
  router.Add(
      "POST", "/api/v1/smime/protect",
      SignedIn(
          ctx, AsUser("protect with S/MIME"),
          [&ctx, &certs](Request& req, const Caller& caller) -> Response {
            if (!req.Header("content-type").starts_with("message/rfc822")) {
              return Response::JsonError(400, "invalid_argument",
                                         "send the message as message/rfc822");
            }
            std::vector<std::string> to = CommaList(req.QueryParam("to"));
            if (to.empty() || to.size() > kMaxRecipients) {
              return Response::JsonError(
                  400, "invalid_argument",
                  "between 1 and 500 recipients (to=A,B)");
            }
            bool sign = req.QueryParam("sign") == "true";
            auto config = smime::SmimeConfig::Load(*ctx.store);
            if (!config.ok()) return FromStatus(config.status());
            std::string recipients;
            for (const auto& t : to)
              recipients += (recipients.empty() ? "" : ",") + t;
            auto refused = [&](const Status& st) {
              ctx.store->AppendAuditBestEffort({0, 0, caller.email,
                                                "smime.protect", recipients,
                                                "refused", st.message()});
              return FromStatus(st);
            };
            if (req.body_source != nullptr) {
              // Spooled (issue 14): read and made a slice at a time.
              auto spool = crypto::Spool::Create(ctx.spool_dir);
              if (!spool.ok()) return FromStatus(spool.status());
              std::shared_ptr<crypto::Spool> out = std::move(*spool);
              auto made = smime::ProtectMailStream(
                  certs, *req.body_source, caller.email, to, sign,
                  config->Options(), [&out](std::string_view bytes) {
                    return out->Append(bytes);
                  });
              if (!made.ok()) return refused(made.status());
              if (Status st = out->Finish(); !st.ok()) return FromStatus(st);
              auto reader = out->Open();
              if (!reader.ok()) return FromStatus(reader.status());
              Response r;
              // The reader keeps the spool (its file) while it is sent.
              r.stream =
                  std::make_shared<http::OwningBodyStream<SizedByteSource>>(
                      std::move(*reader));
              return Protected(ctx, caller, recipients, *made, std::move(r));
            }
            auto made = smime::ProtectMail(certs, req.body, caller.email, to,
                                           sign, config->Options());
            if (!made.ok()) return refused(made.status());
            Response r;
            r.body = std::move(made->message);
            return Protected(ctx, caller, recipients, *made, std::move(r));
          }));
}

}  // namespace sealpost::api
