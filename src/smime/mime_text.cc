#include "smime/mime_text.h"

#include <cstdint>

namespace sealpost::smime {

namespace {

constexpr char kBase64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

void AppendEnvelopedFields(std::string* out, bool authenticated) {
  out->append("Content-Type: application/pkcs7-mime; smime-type=");
  out->append(authenticated ? "authEnveloped-data" : "enveloped-data");
  out->append(
      ";\r\n"
      " name=smime.p7m\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename=smime.p7m\r\n"
      "Content-Description: S/MIME Encrypted Message\r\n"
      "\r\n");
}

void AppendBase64Lines(std::string* out, std::string_view der) {
  const size_t lines = (der.size() + 56) / 57;
  const size_t start = out->size();
  out->resize(start + (der.size() + 2) / 3 * 4 + lines * 2);
  char* w = out->data() + start;
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  size_t left = der.size();
  while (left > 0) {
    size_t n = left < 57 ? left : 57;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
      uint32_t v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
      *w++ = kBase64[(v >> 18) & 63];
      *w++ = kBase64[(v >> 12) & 63];
      *w++ = kBase64[(v >> 6) & 63];
      *w++ = kBase64[v & 63];
    }
    if (i < n) {
      uint32_t v = in[i] << 16;
      if (n - i == 2) v |= in[i + 1] << 8;
      *w++ = kBase64[(v >> 18) & 63];
      *w++ = kBase64[(v >> 12) & 63];
      *w++ = n - i == 2 ? kBase64[(v >> 6) & 63] : '=';
      *w++ = '=';
    }
    *w++ = '\r';
    *w++ = '\n';
    in += n;
    left -= n;
  }
}

void Base64LineStream::Add(std::string_view bytes, std::string* out) {
  // Whole lines of 57 bytes are encoded as they come, the bytes short of a
  // line wait for the next.
  if (carry_.empty()) {
    const size_t whole = bytes.size() / 57 * 57;
    AppendBase64Lines(out, bytes.substr(0, whole));
    carry_.assign(bytes.substr(whole));
    return;
  }
  carry_ += bytes;
  const size_t whole = carry_.size() / 57 * 57;
  if (whole == 0) return;
  AppendBase64Lines(out, std::string_view(carry_).substr(0, whole));
  carry_.erase(0, whole);
}

void Base64LineStream::Finish(std::string* out) {
  AppendBase64Lines(out, carry_);
  carry_.clear();
}

std::string ClearSignedHead(std::string_view boundary,
                            crypto::CmsDigest digest) {
  std::string b(boundary);
  return "Content-Type: multipart/signed; protocol=\"application/"
         "pkcs7-signature\";\r\n micalg=" +
         std::string(crypto::MicalgName(digest)) + "; boundary=\"" + b +
         "\"\r\n\r\nThis is an S/MIME signed message.\r\n--" + b + "\r\n";
}

std::string ClearSignedTail(std::string_view boundary, std::string_view der) {
  std::string b(boundary);
  std::string out =
      "\r\n--" + b +
      "\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename=smime.p7s\r\n\r\n";
  AppendBase64Lines(&out, der);
  out += "--" + b + "--\r\n";
  return out;
}

}  // namespace sealpost::smime
