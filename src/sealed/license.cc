#include "sealed/license.h"

#include <utility>

#include "crypto/aead.h"
#include "crypto/key_hierarchy.h"

namespace sealpost::sealed {
namespace {

enum Tag : uint8_t {
  kIssuer = 1,
  kKeyVersion = 2,
  kMessageId = 3,
  kOwner = 4,
  kTemplate = 5,
  kIssuedAt = 6,
  kExpiry = 7,
  kGrant = 8,
  kWrappedContentKey = 9,
};
enum GrantTag : uint8_t { kPrincipal = 1, kRight = 2 };

constexpr size_t kWrappedContentKeySize =
    crypto::Aead::kOverhead + crypto::KeyHierarchy::kContentKeySize;

void PutField(std::string* out, uint8_t tag, std::string_view value) {
  *out += static_cast<char>(tag);
  uint32_t n = static_cast<uint32_t>(value.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    *out += static_cast<char>((n >> shift) & 0xff);
  }
  out->append(value);
}

std::string BigEndian(uint64_t v, int bytes) {
  std::string s;
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    s += static_cast<char>((v >> shift) & 0xff);
  }
  return s;
}

uint64_t ReadBigEndian(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

Status CheckString(std::string_view name, std::string_view value,
                   bool required) {
  if (required && value.empty()) {
    return InvalidArgumentError(std::string(name) + " is required");
  }
  if (value.size() > kMaxLicenseStringSize) {
    return InvalidArgumentError(std::string(name) + " is longer than " +
                                std::to_string(kMaxLicenseStringSize) +
                                " bytes");
  }
  return Status::Ok();
}

// Checks shared by serialize and parse, so neither accepts what the other
// refuses.
Status Validate(const PublishingLicense& l) {
  SP_RETURN_IF_ERROR(CheckString("issuer", l.issuer, true));
  if (l.key_version == 0) return InvalidArgumentError("key_version is 0");
  SP_RETURN_IF_ERROR(CheckString("message_id", l.message_id, true));
  SP_RETURN_IF_ERROR(CheckString("owner", l.owner, true));
  SP_RETURN_IF_ERROR(CheckString("template_name", l.template_name, false));
  if (l.issued_at < 0) return InvalidArgumentError("issued_at is negative");
  if (l.expiry < 0) return InvalidArgumentError("expiry is negative");
  if (l.grants.size() > kMaxGrants) {
    return InvalidArgumentError("more than " + std::to_string(kMaxGrants) +
                                " grants");
  }
  for (const Grant& g : l.grants) {
    SP_RETURN_IF_ERROR(CheckString("grant principal", g.principal, true));
    if (g.rights.size() > kMaxRightsPerGrant) {
      return InvalidArgumentError("more than " +
                                  std::to_string(kMaxRightsPerGrant) +
                                  " rights in a grant");
    }
    for (const std::string& r : g.rights) {
      SP_RETURN_IF_ERROR(CheckString("right", r, true));
    }
  }
  auto id = crypto::Aead::CiphertextKeyId(l.wrapped_content_key);
  if (l.wrapped_content_key.size() != kWrappedContentKeySize || !id.ok() ||
      *id != l.key_version) {
    return InvalidArgumentError(
        "wrapped_content_key is not a content key wrapped under key_version");
  }
  return Status::Ok();
}

// Reads TLV fields from a buffer, refusing anything non-canonical.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool done() const { return in_.empty(); }
  // The next field's tag, without consuming it; 0 at the end.
  uint8_t PeekTag() const {
    return in_.empty() ? 0 : static_cast<uint8_t>(in_[0]);
  }
  bool Next(uint8_t want, std::string_view* value) {
    if (in_.size() < 5 || static_cast<uint8_t>(in_[0]) != want) return false;
    uint64_t n = ReadBigEndian(in_.substr(1, 4));
    if (n > in_.size() - 5) return false;
    *value = in_.substr(5, n);
    in_.remove_prefix(5 + n);
    return true;
  }

 private:
  std::string_view in_;
};

Status Malformed(std::string_view what) {
  return InvalidArgumentError("malformed publishing license: " +
                              std::string(what));
}

}  // namespace

Result<std::string> SerializeLicense(const PublishingLicense& l) {
  SP_RETURN_IF_ERROR(Validate(l).WithContext("publishing license"));
  std::string out;
  PutField(&out, kIssuer, l.issuer);
  PutField(&out, kKeyVersion, BigEndian(l.key_version, 4));
  PutField(&out, kMessageId, l.message_id);
  PutField(&out, kOwner, l.owner);
  PutField(&out, kTemplate, l.template_name);
  PutField(&out, kIssuedAt, BigEndian(static_cast<uint64_t>(l.issued_at), 8));
  PutField(&out, kExpiry, BigEndian(static_cast<uint64_t>(l.expiry), 8));
  for (const Grant& g : l.grants) {
    std::string grant;
    PutField(&grant, kPrincipal, g.principal);
    for (const std::string& r : g.rights) PutField(&grant, kRight, r);
    PutField(&out, kGrant, grant);
  }
  PutField(&out, kWrappedContentKey, l.wrapped_content_key);
  if (out.size() > kMaxLicenseSize) {
    return InvalidArgumentError("publishing license is larger than 1 MiB");
  }
  return out;
}

Result<PublishingLicense> ParseLicense(std::string_view bytes) {
  if (bytes.size() > kMaxLicenseSize) return Malformed("too large");
  Reader r(bytes);
  PublishingLicense l;
  std::string_view v;
  if (!r.Next(kIssuer, &v)) return Malformed("issuer");
  l.issuer = std::string(v);
  if (!r.Next(kKeyVersion, &v) || v.size() != 4) {
    return Malformed("key_version");
  }
  l.key_version = static_cast<uint32_t>(ReadBigEndian(v));
  if (!r.Next(kMessageId, &v)) return Malformed("message_id");
  l.message_id = std::string(v);
  if (!r.Next(kOwner, &v)) return Malformed("owner");
  l.owner = std::string(v);
  if (!r.Next(kTemplate, &v)) return Malformed("template_name");
  l.template_name = std::string(v);
  if (!r.Next(kIssuedAt, &v) || v.size() != 8) return Malformed("issued_at");
  l.issued_at = static_cast<int64_t>(ReadBigEndian(v));
  if (!r.Next(kExpiry, &v) || v.size() != 8) return Malformed("expiry");
  l.expiry = static_cast<int64_t>(ReadBigEndian(v));
  while (r.PeekTag() == kGrant) {
    if (l.grants.size() >= kMaxGrants) return Malformed("too many grants");
    if (!r.Next(kGrant, &v)) return Malformed("grant");
    Reader g(v);
    Grant grant;
    std::string_view p;
    if (!g.Next(kPrincipal, &p)) return Malformed("grant principal");
    grant.principal = std::string(p);
    while (!g.done()) {
      if (grant.rights.size() >= kMaxRightsPerGrant) {
        return Malformed("too many rights");
      }
      if (!g.Next(kRight, &p)) return Malformed("grant right");
      grant.rights.emplace_back(p);
    }
    l.grants.push_back(std::move(grant));
  }
  if (!r.Next(kWrappedContentKey, &v)) return Malformed("wrapped_content_key");
  l.wrapped_content_key = std::string(v);
  if (!r.done()) return Malformed("trailing bytes");
  Status s = Validate(l);
  if (!s.ok()) return Malformed(s.message());
  return l;
}

}  // namespace sealpost::sealed
