#include "smime/signed_mail.h"

#include <algorithm>

#include "crypto/random.h"
#include "crypto/smime_cms.h"
#include "smime/mime_text.h"

namespace sealpost::smime {
void SevenBitCheck::Add(std::string_view bytes) {
  for (size_t i = 0; clean_ && i < bytes.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (cr_) {
      cr_ = false;
      line_ = 0;
      if (c != '\n') clean_ = false;
      continue;
    }
    if (c == 0 || c >= 0x80 || c == '\n') {  // a LF here is a bare LF
      clean_ = false;
    } else if (c == '\r') {
      cr_ = true;
    } else if (++line_ > 998) {
      clean_ = false;
    }
  }
}

void ClearSignCheck::Add(std::string_view bytes) {
  if (!clean_ || bytes.empty()) return;
  seven_bit_.Add(bytes);
  clean_ = seven_bit_.clean_so_far();
  if (!clean_) return;
  // The end of the bytes before (less than a boundary) with the start of
  // these, then these.
  const size_t keep = boundary_.size() - 1;
  std::string seam = tail_;
  seam.append(bytes.substr(0, std::min(bytes.size(), keep)));
  if (seam.find(boundary_) != std::string::npos ||
      bytes.find(boundary_) != std::string::npos) {
    clean_ = false;
    return;
  }
  if (bytes.size() >= keep) {
    tail_.assign(bytes.substr(bytes.size() - keep));
  } else {
    tail_.append(bytes);
    tail_.erase(0, tail_.size() > keep ? tail_.size() - keep : 0);
  }
}

Result<std::string> SignEntity(std::string_view entity,
                               const SigningIdentity& signer,
                               std::string_view boundary,
                               const SmimeOptions& options) {
  bool clear = false;
  if (options.clear_sign) {  // an opaque sign has nothing to scan
    ClearSignCheck check(boundary);
    check.Add(entity);
    clear = check.Finish();
  }
  SP_ASSIGN_OR_RETURN(std::string der,
                      crypto::CmsSign(entity, signer.der, signer.private_key,
                                      signer.chain, clear, options.sign));
  if (!clear) {
    std::string out(kOpaqueSignedFields);
    AppendBase64Lines(&out, der);
    return out;
  }
  // RFC 1847 §2.1: the first part is the signed entity exactly; the CRLF
  // before each boundary belongs to the boundary.
  std::string out = ClearSignedHead(boundary, options.sign.digest);
  out += entity;
  out += ClearSignedTail(boundary, der);
  return out;
}

std::string NewSignedBoundary() {
  return "=_sp_signed_" + crypto::RandomToken(12);
}

}  // namespace sealpost::smime
