#include "smime/enveloped_mail.h"

#include <cstdint>
#include <span>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/smime_cms.h"
#include "mime/facts.h"
#include "mime/header_section.h"
#include "smime/mime_text.h"

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
  // The BER comes in slices of any length; the base64 lines are the same.
  Base64LineStream base64;
  auto encode = [&](std::string_view ber) -> Status {
    text.clear();
    base64.Add(ber, &text);
    return text.empty() ? Status::Ok() : out(text);
  };
  SP_RETURN_IF_ERROR(
      crypto::CmsEncryptStream(parts, rest, recipients, cipher, encode));
  text.clear();
  base64.Finish(&text);
  return text.empty() ? Status::Ok() : out(text);
}

}  // namespace sealpost::smime
