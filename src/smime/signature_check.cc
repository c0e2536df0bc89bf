#include "smime/signature_check.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/smime_cms.h"
#include "crypto/x509.h"
#include "mime/header_section.h"
#include "mime/signed_reading.h"
#include "smime/mail_stream.h"
#include "smime/signed_stream.h"
#include "smime/signed_top.h"

namespace sealpost::smime {

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

std::string SignatureCheck::StampValue() const {
  std::string out = "signed; verified=";
  out += verified ? "yes" : "no";
  if (!signer.empty()) out += "; signer=" + Clean(signer);
  if (!verified) out += "; reason=\"" + Clean(reason) + "\"";
  return out;
}

namespace {

// Whether GMime's parse of `message` (its body at `body_at`) splits its
// top-level multipart into the two parts `scanner` found, `content` the
// first: each begins where ours does (at its first field, or past the
// empty line it starts with), and the first, a leaf, ends where ours
// does. (The signature part's end is not compared: GMime keeps the CR of
// a close delimiter that ends the message without a line end.)
bool SplitAsGmime(std::string_view message, size_t body_at,
                  std::string_view boundary, const ClearSignedScanner& scanner,
                  std::string_view content) {
  const std::optional<mime::MultipartReading> gmime =
      mime::ReadTopMultipartAsGmime(message);
  if (!gmime || gmime->boundary != boundary || gmime->parts.size() != 2) {
    return false;
  }
  const auto begins = [](const mime::MultipartReading::Part& part, int64_t at,
                         std::string_view bytes) {
    return part.first_field >= 0
               ? part.first_field == at
               : bytes.starts_with("\r\n") && part.content_begin == at + 2;
  };
  const mime::MultipartReading::Part& first = gmime->parts[0];
  const auto content_at =
      static_cast<int64_t>(body_at + scanner.content_begin());
  return begins(first, content_at, content) &&
         (first.content_begin < 0 ||
          first.content_end ==
              content_at + static_cast<int64_t>(content.size())) &&
         begins(gmime->parts[1],
                static_cast<int64_t>(body_at + scanner.signature_begin()),
                scanner.signature_part());
}

}  // namespace

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
    // Split as CheckSignatureStream splits it a slice at a time.
    ClearSignedScanner scanner(top.boundary, [&detached](std::string_view b) {
      detached.append(b);
      return Status::Ok();
    });
    Status split = scanner.Write(hs.body);
    if (split.ok()) split = scanner.Finish();
    if (!split.ok()) {
      check.reason = NothingOpenedWhat(split).value_or(split.message());
      return std::optional<SignatureCheck>(check);
    }
    if (!SplitAsGmime(message, message.size() - hs.body.size(), top.boundary,
                      scanner, detached)) {
      check.reason = "GMime splits the multipart/signed message otherwise";
      return std::optional<SignatureCheck>(check);
    }
    check.content = detached;
    mime::HeaderSection sig =
        mime::SplitHeaderSection(scanner.signature_part());
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
  const FromReading from = ReadFrom(header);
  bool can_sign = false;
  std::string key_problem;
  if (!sig.signer.empty()) {
    auto info = crypto::InspectCertificate(sig.signer);
    if (info.ok()) {
      can_sign = info->can_sign;
      key_problem = info->key_problem;
      for (const auto& e : info->emails) {
        if (!from.address.empty() && EmailMatches(e, from.address)) {
          check.signer = e;
        }
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
  // kWrongKeyUsage is a certificate that may not encrypt, which a signer's
  // need not; a weak key is not enough for either.
  if (!key_problem.empty()) {
    check.reason = "the signer's certificate is refused: " + key_problem;
    return check;
  }
  if (!can_sign) {
    check.reason = "the signer's certificate may not sign mail";
    return check;
  }
  if (!from.problem.empty()) {
    check.reason = from.problem;
    return check;
  }
  if (from.address.empty() || check.signer.empty() ||
      !EmailMatches(check.signer, from.address)) {
    check.reason = "the signer's certificate does not name the From address";
    return check;
  }
  check.verified = true;
  check.signer_certificate = std::move(sig.signer);
  return check;
}

}  // namespace sealpost::smime
