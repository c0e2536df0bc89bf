#include "api/api_routes.h"

#include <boost/json.hpp>

#include "api/util.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "base/secret_bytes.h"
#include "smime/certificate_directory.h"

namespace sealpost::api {
namespace {

json::object CertJson(const smime::CertView& v) {
  json::array emails;
  for (const auto& e : v.record.emails) emails.emplace_back(e);
  return {{"id", v.record.id},
          {"kind", v.record.kind},
          {"emails", emails},
          {"subject", v.record.subject},
          {"issuer", v.record.issuer},
          {"serial", v.record.serial},
          {"not_before", v.record.not_before},
          {"not_after", v.record.not_after},
          {"key_type", v.key_type},
          {"has_private_key", v.has_private_key},
          {"status", smime::CertStatusName(v.status)},
          {"reason", v.reason},
          {"source", v.record.source},
          {"created_at", v.record.created_at}};
}

json::object ImportJson(const smime::ImportResult& r) {
  json::array certs;
  for (const auto& v : r.certificates) certs.push_back(CertJson(v));
  json::array unrefused;
  for (const auto& id : r.unrefused) unrefused.emplace_back(id);
  return {
      {"format", r.format}, {"certificates", certs}, {"unrefused", unrefused}};
}

json::object RefusedJson(const smime::RefusedCert& c) {
  json::array emails;
  for (const auto& e : c.record.emails) emails.emplace_back(e);
  return {{"id", c.record.id},
          {"kind", c.record.kind},
          {"emails", emails},
          {"subject", c.record.subject},
          {"issuer", c.record.issuer},
          {"serial", c.record.serial},
          {"not_before", c.record.not_before},
          {"not_after", c.record.not_after},
          {"refused_at", c.refused_at}};
}

// The "file" field: base64 of the file's bytes.
Result<std::string> FileField(const json::object& body) {
  SP_ASSIGN_OR_RETURN(std::string text, StringField(body, "file", true));
  auto bytes = Base64Decode(text);
  if (!bytes.ok()) return InvalidArgumentError("file: not base64");
  return std::move(*bytes);
}

// The "file" field of the request's JSON body.
Result<std::string> FileOf(const Request& req) {
  SP_ASSIGN_OR_RETURN(json::object body, ParseObject(req));
  return FileField(body);
}

Response CertList(const Result<std::vector<smime::CertView>>& list) {
  return ListJson(list, "certificates", CertJson);
}

// The answer to a DELETE: the id removed, audited as `action` with
// `detail`.
Response Removed(const ApiContext& ctx, const Result<std::string>& id,
                 std::string_view action, std::string detail = "") {
  if (!id.ok()) return FromStatus(id.status());
  AuditAdmin(ctx, std::string(action), *id, std::move(detail));
  return JsonOk(200, json::object{{"removed", *id}});
}

std::string Ids(const smime::ImportResult& r) {
  std::string out;
  for (const auto& v : r.certificates) {
    out += (out.empty() ? "" : ",") + v.record.id.substr(0, 16);
  }
  return out;
}

}  // namespace

void RegisterCertApi(http::Router& router, const ApiContext& ctx) {
  if (ctx.certificates == nullptr) return;
  smime::CertificateDirectory& certs = *ctx.certificates;

  router.Add(
      "POST", "/api/v1/smime/certs",
      Admin(ctx, [&ctx, &certs](Request& req) -> Result<Response> {
        SP_ASSIGN_OR_RETURN(json::object body, ParseObject(req));
        SP_ASSIGN_OR_RETURN(std::string file, FileField(body));
        SP_ASSIGN_OR_RETURN(std::string pw,
                            StringField(body, "password", false));
        SecretBytes password = SecretBytes::FromStringInsecure(pw);
        auto r = certs.Import(file, password);
        if (!r.ok()) {
          ctx.store->AppendAuditBestEffort({0, 0, "admin", "cert.import", "",
                                            "refused", r.status().message()});
          return FromStatus(r.status());
        }
        std::string detail = r->format;
        for (const auto& id : r->unrefused) {
          detail += "; " + id.substr(0, 16) + " no longer refused";
        }
        AuditAdmin(ctx, "cert.import", Ids(*r), detail);
        return JsonOk(201, ImportJson(*r));
      }));

  router.Add("GET", "/api/v1/smime/certs",
             Admin(ctx, [&certs](Request& req) -> Response {
               return CertList(certs.List(req.QueryParam("email")));
             }));

  router.Add("GET", "/api/v1/smime/certs/:id",
             Admin(ctx, [&certs](Request& req) -> Result<Response> {
               SP_ASSIGN_OR_RETURN(auto v, certs.Get(req.params["id"]));
               return JsonOk(200, CertJson(v));
             }));

  // Removing refuses: harvesting never stores it again.
  router.Add("DELETE", "/api/v1/smime/certs/:id",
             Admin(ctx, [&ctx, &certs](Request& req) -> Response {
               return Removed(ctx, certs.Remove(req.params["id"]),
                              "cert.remove", "refused");
             }));

  router.Add("GET", "/api/v1/smime/refused",
             Admin(ctx, [&certs](Request& req) -> Response {
               return ListJson(certs.Refused(req.QueryParam("email")),
                               "refused", RefusedJson);
             }));

  router.Add("POST", "/api/v1/smime/trust",
             Admin(ctx, [&ctx, &certs](Request& req) -> Result<Response> {
               SP_ASSIGN_OR_RETURN(std::string file, FileOf(req));
               SP_ASSIGN_OR_RETURN(auto r, certs.TrustImport(file));
               AuditAdmin(ctx, "cert.trust.import", Ids(r), r.format);
               return JsonOk(201, ImportJson(r));
             }));

  router.Add("GET", "/api/v1/smime/trust",
             Admin(ctx, [&certs](Request&) -> Response {
               return CertList(certs.TrustList());
             }));

  router.Add("DELETE", "/api/v1/smime/trust/:id",
             Admin(ctx, [&ctx, &certs](Request& req) -> Response {
               return Removed(ctx, certs.TrustRemove(req.params["id"]),
                              "cert.trust.remove");
             }));

  router.Add(
      "POST", "/api/v1/smime/crls",
      Admin(ctx, [&ctx, &certs](Request& req) -> Result<Response> {
        SP_ASSIGN_OR_RETURN(std::string file, FileOf(req));
        SP_ASSIGN_OR_RETURN(auto crl, certs.CrlImport(file));
        AuditAdmin(ctx, "cert.crl.import", crl.issuer,
                   std::to_string(crl.revoked) + " revoked");
        return JsonOk(
            201, json::object{{"issuer", crl.issuer},
                              {"this_update", crl.this_update},
                              {"next_update", crl.next_update},
                              {"revoked", static_cast<int64_t>(crl.revoked)}});
      }));

  router.Add("DELETE", "/api/v1/smime/crls/:issuer",
             Admin(ctx, [&ctx, &certs](Request& req) -> Response {
               auto removed = certs.CrlRemove(req.params["issuer"]);
               if (!removed.ok()) return FromStatus(removed.status());
               // What was given up: an older CRL may go on file next.
               AuditAdmin(
                   ctx, "cert.crl.remove", removed->issuer,
                   "CRL number " + store::CrlNumberText(removed->number) +
                       ", thisUpdate " + FormatRfc3339(removed->this_update));
               return JsonOk(200, json::object{{"removed", removed->issuer}});
             }));

  router.Add("GET", "/api/v1/smime/crls",
             Admin(ctx, [&certs](Request&) -> Response {
               return ListJson(certs.Crls(), "crls", [](const auto& c) {
                 // fetched_at 0: imported. refetch_at: when a certificate
                 // of the issuer next asks the network (0: at nextUpdate
                 // only, none given).
                 const int64_t refetch = smime::RefetchAt(c);
                 return json::object{
                     {"issuer", c.issuer},
                     {"this_update", c.this_update},
                     {"next_update", c.next_update},
                     {"crl_number", c.number},
                     {"created_at", c.created_at},
                     {"fetched_at", c.fetched_at},
                     {"refetch_at", refetch == INT64_MAX ? 0 : refetch}};
               });
             }));
}

}  // namespace sealpost::api
