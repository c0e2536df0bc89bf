#include "smime/signature_check.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/smime_cms.h"
#include "crypto/x509.h"
#include "mime/header_section.h"

namespace sealpost::smime {

std::optional<std::string> HeaderField(std::string_view header,
                                       std::string_view name) {
  std::string want = AsciiLower(name);
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = pos;
    do {
      size_t nl = header.find('\n', end);
      end = nl == std::string_view::npos ? header.size() : nl + 1;
    } while (end < header.size() &&
             (header[end] == ' ' || header[end] == '\t'));
    std::string_view field = header.substr(pos, end - pos);
    pos = end;
    size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    if (AsciiLower(TrimBlanks(field.substr(0, colon))) != want) continue;
    std::string value;
    for (char c : field.substr(colon + 1)) {
      if (c != '\r' && c != '\n') value += c;
    }
    return std::string(Trim(value));
  }
  return std::nullopt;
}

std::string MediaType(std::string_view ct) {
  return AsciiLower(Trim(ct.substr(0, ct.find(';'))));
}

std::string ContentTypeParam(std::string_view ct, std::string_view name) {
  std::string lower = AsciiLower(ct);
  std::string key = AsciiLower(name) + "=";
  size_t pos = 0;
  while ((pos = lower.find(key, pos)) != std::string::npos) {
    bool starts = pos > 0 && (lower[pos - 1] == ';' || lower[pos - 1] == ' ' ||
                              lower[pos - 1] == '\t');
    pos += key.size();
    if (!starts) continue;
    std::string_view v = std::string_view(ct).substr(pos);
    if (!v.empty() && v.front() == '"') {
      size_t close = v.find('"', 1);
      return std::string(v.substr(1, close == std::string_view::npos
                                         ? std::string_view::npos
                                         : close - 1));
    }
    return std::string(Trim(v.substr(0, v.find(';'))));
  }
  return "";
}

SignedForm SignedFormOf(std::string_view content_type) {
  const std::string type = MediaType(content_type);
  if (type == "multipart/signed" &&
      AsciiLower(ContentTypeParam(content_type, "protocol"))
          .ends_with("pkcs7-signature")) {
    return SignedForm::kClear;
  }
  if (type == "application/pkcs7-mime" &&
      AsciiLower(ContentTypeParam(content_type, "smime-type")) ==
          "signed-data") {
    return SignedForm::kOpaque;
  }
  return SignedForm::kNone;
}

SignedTop SignedTopOf(std::string_view header) {
  SignedTop top;
  std::optional<std::string> ct = HeaderField(header, "Content-Type");
  if (!ct) return top;
  top.form = SignedFormOf(*ct);
  if (top.form != SignedForm::kClear) return top;
  top.boundary = ContentTypeParam(*ct, "boundary");
  if (top.boundary.empty()) {
    top.refused.emplace().reason = "multipart/signed without a boundary";
  }
  return top;
}

Result<std::string> Base64Body(std::string_view body) {
  std::string b64;
  for (char c : body) {
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') b64 += c;
  }
  return Base64Decode(b64);
}

namespace {

// Printable ASCII without quotes and backslashes, at most 200 characters.
std::string Clean(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (out.size() >= 200) break;
    out += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? c : ' ';
  }
  return out;
}

}  // namespace

bool HeaderEndsAtJunk(std::string_view after) {
  return !after.empty() && !after.starts_with("\r\n") &&
         !after.starts_with("\n");
}

std::string FromAddress(std::string_view v) {
  size_t lt = v.rfind('<');
  if (lt != std::string_view::npos) {
    size_t gt = v.find('>', lt);
    if (gt != std::string_view::npos) {
      return std::string(Trim(v.substr(lt + 1, gt - lt - 1)));
    }
  }
  v = Trim(v);
  return v.find('@') != std::string_view::npos &&
                 v.find_first_of(" \t,;") == std::string_view::npos
             ? std::string(v)
             : std::string();
}

std::string SignatureCheck::StampValue() const {
  std::string out = "signed; verified=";
  out += verified ? "yes" : "no";
  if (!signer.empty()) out += "; signer=" + Clean(signer);
  if (!verified) out += "; reason=\"" + Clean(reason) + "\"";
  return out;
}

Result<std::optional<SignatureCheck>> CheckSignature(
    CertificateDirectory& certs, std::string_view message) {
  mime::HeaderSection hs = mime::SplitHeaderSection(message);
  if (HeaderEndsAtJunk(message.substr(hs.header.size()))) {
    return std::optional<SignatureCheck>();
  }
  SignedTop top = SignedTopOf(hs.header);
  if (top.form == SignedForm::kNone || top.refused) {
    return std::move(top.refused);
  }
  std::string der, detached;
  SignatureCheck check;
  if (top.form == SignedForm::kClear) {
    std::string delim = "--" + top.boundary;
    std::string_view body = hs.body;
    // RFC 2046 §5.1.1: a delimiter starts a line; the CRLF before it
    // belongs to it.
    // (A body that starts with CRLF and the delimiter has it at 0 too:
    // the line's end is looked for after the delimiter either way.)
    const bool at_top = body.starts_with(delim);
    size_t first = at_top ? 0 : body.find("\r\n" + delim);
    if (first == std::string_view::npos) {
      check.reason = "no signed part";
      return std::optional<SignatureCheck>(check);
    }
    size_t start = body.find("\r\n", first + (at_top ? 0 : 2));
    size_t next = start == std::string_view::npos
                      ? std::string_view::npos
                      : body.find("\r\n" + delim, start + 2);
    if (next == std::string_view::npos) {
      check.reason = "no signature part";
      return std::optional<SignatureCheck>(check);
    }
    detached = std::string(body.substr(start + 2, next - start - 2));
    check.content = detached;
    size_t sig_start = body.find("\r\n", next + 2);
    size_t sig_end = sig_start == std::string_view::npos
                         ? std::string_view::npos
                         : body.find("\r\n" + delim, sig_start);
    if (sig_end == std::string_view::npos) {
      check.reason = "the signature part does not end";
      return std::optional<SignatureCheck>(check);
    }
    mime::HeaderSection sig = mime::SplitHeaderSection(
        body.substr(sig_start + 2, sig_end - sig_start - 2));
    auto decoded = Base64Body(sig.body);
    if (!decoded.ok()) {
      check.reason = "the signature is not base64";
      return std::optional<SignatureCheck>(check);
    }
    der = std::move(*decoded);
  } else {
    auto decoded = Base64Body(hs.body);
    if (!decoded.ok()) {
      check.reason = "the signed data is not base64";
      return std::optional<SignatureCheck>(check);
    }
    der = std::move(*decoded);
  }
  crypto::CmsSignature sig = crypto::CmsVerifySignature(der, detached);
  if (detached.empty()) check.content = std::move(sig.content);
  SP_ASSIGN_OR_RETURN(SignatureCheck judged,
                      JudgeSignature(certs, hs.header, std::move(sig)));
  judged.content = std::move(check.content);
  return std::optional<SignatureCheck>(std::move(judged));
}

Result<SignatureCheck> JudgeSignature(CertificateDirectory& certs,
                                      std::string_view header,
                                      crypto::CmsSignature sig) {
  SignatureCheck check;
  std::string from = FromAddress(HeaderField(header, "From").value_or(""));
  bool can_sign = false;
  if (!sig.signer.empty()) {
    auto info = crypto::InspectCertificate(sig.signer);
    if (info.ok()) {
      can_sign = info->can_sign;
      for (const auto& e : info->emails) {
        if (!from.empty() && EmailMatches(e, from)) check.signer = e;
      }
      if (check.signer.empty() && !info->emails.empty()) {
        check.signer = info->emails.front();
      }
    }
  }
  if (!sig.verified) {
    check.reason = sig.reason;
    return check;
  }
  SP_ASSIGN_OR_RETURN(CertView view,
                      certs.EvaluateSigner(sig.signer, sig.certificates));
  if (view.status != CertStatus::kValid &&
      view.status != CertStatus::kWrongKeyUsage) {
    check.reason = "the signer's certificate is " +
                   std::string(CertStatusName(view.status)) + ": " +
                   view.reason;
    return check;
  }
  if (!can_sign) {
    check.reason = "the signer's certificate may not sign mail";
    return check;
  }
  if (from.empty() || check.signer.empty() ||
      !EmailMatches(check.signer, from)) {
    check.reason = "the signer's certificate does not name the From address";
    return check;
  }
  check.verified = true;
  check.signer_certificate = std::move(sig.signer);
  return check;
}

}  // namespace sealpost::smime
