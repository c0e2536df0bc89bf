#include "smime/signed_mail.h"

#include <span>

#include "base/encoding.h"
#include "crypto/smime_cms.h"

namespace sealpost::smime {
namespace {

std::string Base64Lines(std::string_view der) {
  std::string b64 = Base64Encode(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(der.data()), der.size()));
  std::string out;
  out.reserve(b64.size() + b64.size() / 38 + 2);
  for (size_t i = 0; i < b64.size(); i += 76) {
    out.append(b64, i, 76);
    out += "\r\n";
  }
  return out;
}

}  // namespace

bool IsSevenBitClean(std::string_view entity) {
  size_t line = 0;
  for (size_t i = 0; i < entity.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(entity[i]);
    if (c == 0 || c >= 0x80) return false;
    if (c == '\r') {
      if (i + 1 >= entity.size() || entity[i + 1] != '\n') return false;
      ++i;
      line = 0;
      continue;
    }
    if (c == '\n') return false;  // bare LF
    if (++line > 998) return false;
  }
  return true;
}

Result<std::string> SignEntity(std::string_view entity,
                               const SigningIdentity& signer,
                               std::string_view boundary,
                               const SmimeOptions& options) {
  bool clear = options.clear_sign && IsSevenBitClean(entity) &&
               entity.find(boundary) == std::string_view::npos;
  SP_ASSIGN_OR_RETURN(std::string der,
                      crypto::CmsSign(entity, signer.der, signer.private_key,
                                      signer.chain, clear, options.sign));
  if (!clear) {
    return "Content-Type: application/pkcs7-mime; smime-type=signed-data;\r\n"
           " name=smime.p7m\r\n"
           "Content-Transfer-Encoding: base64\r\n"
           "Content-Disposition: attachment; filename=smime.p7m\r\n\r\n" +
           Base64Lines(der);
  }
  // RFC 1847 §2.1: the first part is the signed entity exactly; the CRLF
  // before each boundary belongs to the boundary.
  std::string b(boundary);
  std::string out =
      "Content-Type: multipart/signed; protocol=\"application/"
      "pkcs7-signature\";\r\n micalg=" +
      std::string(crypto::MicalgName(options.sign.digest)) + "; boundary=\"" +
      b + "\"\r\n\r\nThis is an S/MIME signed message.\r\n--" + b + "\r\n";
  out += entity;
  out += "\r\n--" + b +
         "\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; filename=smime.p7s\r\n\r\n" +
         Base64Lines(der) + "--" + b + "--\r\n";
  return out;
}

}  // namespace sealpost::smime
