#include "smime/enveloped_mail.h"

#include <cstdint>
#include <span>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/smime_cms.h"
#include "mime/facts.h"
#include "mime/header_section.h"

namespace sealpost::smime {
namespace {

// The field's name, lower case ("" for a malformed line).
std::string FieldName(std::string_view field) {
  size_t colon = field.find(':');
  if (colon == std::string_view::npos) return "";
  return AsciiLower(TrimBlanks(field.substr(0, colon)));
}

}  // namespace

EntitySplit SplitEntity(std::string_view message,
                        const std::optional<std::string>& subject, bool join) {
  mime::HeaderSection hs = mime::SplitHeaderSection(message);
  EntitySplit out;
  std::string content_fields;
  bool has_content_type = false;
  std::string_view h = hs.header;
  while (!h.empty()) {
    // One field: its first line and the continuation lines (RFC 5322
    // §2.2.3: a line starting with WSP continues the field).
    size_t end = 0;
    do {
      size_t nl = h.find('\n', end);
      end = nl == std::string_view::npos ? h.size() : nl + 1;
    } while (end < h.size() && (h[end] == ' ' || h[end] == '\t'));
    std::string_view field = h.substr(0, end);
    h.remove_prefix(end);
    std::string name = FieldName(field);
    if (name == "mime-version") continue;
    if (name == "subject" && subject) {
      out.outer_fields += "Subject: " + mime::EncodeSubject(*subject) + "\r\n";
      continue;
    }
    if (name.starts_with("content-")) {
      if (name == "content-type") has_content_type = true;
      content_fields += field;
      if (!field.ends_with("\n")) content_fields += "\r\n";
    } else {
      out.outer_fields += field;
      if (!field.ends_with("\n")) out.outer_fields += "\r\n";
    }
  }
  if (!has_content_type) {
    content_fields =
        "Content-Type: text/plain; charset=us-ascii\r\n" + content_fields;
  }
  out.head = std::move(content_fields);
  out.head += "\r\n";
  out.body = hs.body;
  if (join) {
    out.entity.reserve(out.head.size() + out.body.size());
    out.entity = out.head;
    out.entity += out.body;
  }
  return out;
}

namespace {

constexpr char kBase64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The application/pkcs7-mime entity's header fields and the empty line.
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

// Appends `der` in base64 to `out`, 76 characters a line (57 bytes), the
// last line shorter, written straight into `out` without an intermediate
// copy (a 1 MB message's CMS is 1.4 MB of base64; the copies and their
// page faults cost more than the encoding).
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

// Appends the application/pkcs7-mime entity to `out`: its fields, then the
// DER in base64.
void AppendEnvelopedEntity(std::string* out, std::string_view der,
                           bool authenticated) {
  AppendEnvelopedFields(out, authenticated);
  AppendBase64Lines(out, der);
}

size_t EnvelopedSize(size_t der) {
  return 300 + (der + 2) / 3 * 4 + (der + 56) / 57 * 2;
}

}  // namespace

std::string EnvelopedEntity(std::string_view enveloped_der,
                            bool authenticated) {
  std::string out;
  out.reserve(EnvelopedSize(enveloped_der.size()));
  AppendEnvelopedEntity(&out, enveloped_der, authenticated);
  return out;
}

std::string BuildEnvelopedMail(std::string_view outer_fields,
                               std::string_view enveloped_der,
                               bool authenticated) {
  std::string out;
  out.reserve(outer_fields.size() + 20 + EnvelopedSize(enveloped_der.size()));
  out += outer_fields;
  out += "MIME-Version: 1.0\r\n";
  AppendEnvelopedEntity(&out, enveloped_der, authenticated);
  return out;
}

Result<std::string> EncryptToEntity(std::string_view entity,
                                    const std::vector<std::string>& recipients,
                                    crypto::CmsCipher cipher) {
  SP_ASSIGN_OR_RETURN(std::string der,
                      crypto::CmsEncrypt(entity, recipients, cipher));
  return EnvelopedEntity(der, cipher == crypto::CmsCipher::kAes256Gcm);
}

Result<std::string> EncryptEntity(std::string_view outer_fields,
                                  std::span<const std::string_view> parts,
                                  const std::vector<std::string>& recipients,
                                  crypto::CmsCipher cipher) {
  SP_ASSIGN_OR_RETURN(std::string der,
                      crypto::CmsEncrypt(parts, recipients, cipher));
  return BuildEnvelopedMail(outer_fields, der,
                            cipher == crypto::CmsCipher::kAes256Gcm);
}

Result<std::string> EncryptMail(std::string_view message,
                                const std::vector<std::string>& recipients,
                                const std::optional<std::string>& subject) {
  // The body is encrypted from `message` itself: no copy of a large one.
  EntitySplit split = SplitEntity(message, subject, /*join=*/false);
  return EncryptEntity(split.outer_fields, split.Parts(), recipients);
}

Status EncryptMailStream(std::string_view outer_fields,
                         std::span<const std::string_view> parts,
                         ByteSource& rest,
                         const std::vector<std::string>& recipients,
                         crypto::CmsCipher cipher,
                         const std::function<Status(std::string_view)>& out) {
  std::string text(outer_fields);
  text += "MIME-Version: 1.0\r\n";
  AppendEnvelopedFields(&text, cipher == crypto::CmsCipher::kAes256Gcm);
  SP_RETURN_IF_ERROR(out(text));
  // The BER comes in slices of any length: whole lines of 57 bytes are
  // encoded as they come, the bytes short of a line wait for the next.
  std::string carry;
  auto encode = [&](std::string_view ber) -> Status {
    carry += ber;
    const size_t whole = carry.size() / 57 * 57;
    if (whole == 0) return Status::Ok();
    text.clear();
    AppendBase64Lines(&text, std::string_view(carry).substr(0, whole));
    carry.erase(0, whole);
    return out(text);
  };
  SP_RETURN_IF_ERROR(
      crypto::CmsEncryptStream(parts, rest, recipients, cipher, encode));
  if (carry.empty()) return Status::Ok();
  text.clear();
  AppendBase64Lines(&text, carry);
  return out(text);
}

}  // namespace sealpost::smime
