#include "crypto/smime_cms_stream.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "crypto/digest.h"
#include "crypto/errors.h"
#include "crypto/openssl_ptr.h"
#include "crypto/smime_cms_internal.h"

namespace sealpost::crypto {
namespace {

using cms_internal::CmsPtr;

// Everything before the encryptedContent (recipient infos for hundreds of
// recipients fit many times over) and the nesting of BER constructions.
constexpr size_t kMaxHead = 1 << 20;
constexpr int kMaxDepth = 16;
constexpr size_t kSlice = 64 << 10;

// id-envelopedData (1.2.840.113549.1.7.3) and id-ct-authEnvelopedData
// (1.2.840.113549.1.9.16.1.23), as DER OBJECT IDENTIFIERs.
constexpr std::string_view kEnvelopedOid =
    "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x03";
constexpr std::string_view kAuthEnvelopedOid =
    "\x06\x0b\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x17";

Status Malformed() { return DecryptionFailedError(); }

// `in` read forward through a small buffer, counting what was consumed.
class Reader {
 public:
  explicit Reader(ByteSource& in) : in_(in) {}

  uint64_t offset() const { return offset_; }

  // At least `n` bytes buffered; false at the end of the input.
  Result<bool> Have(size_t n) {
    while (buf_.size() - pos_ < n) {
      if (pos_ > 0) {
        buf_.erase(0, pos_);
        pos_ = 0;
      }
      SP_ASSIGN_OR_RETURN(size_t got, in_.Read(kSlice, &buf_));
      if (got == 0) return false;
    }
    return true;
  }
  // The next `n` bytes (n small, already Have()), not consumed.
  std::string_view Peek(size_t n) const {
    return std::string_view(buf_).substr(pos_, n);
  }
  // Consumes `n` bytes, appending them to *out when not null.
  Status Take(uint64_t n, std::string* out) {
    SP_ASSIGN_OR_RETURN(bool have, Have(static_cast<size_t>(n)));
    if (!have) return Malformed();
    if (out != nullptr) out->append(buf_, pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    offset_ += n;
    return Status::Ok();
  }
  // Consumes `n` bytes, handing them to `sink` a slice at a time.
  Status Pass(uint64_t n, const std::function<Status(std::string_view)>& sink) {
    while (n > 0) {
      if (pos_ == buf_.size()) {
        SP_ASSIGN_OR_RETURN(bool have, Have(1));
        if (!have) return Malformed();
      }
      size_t k = static_cast<size_t>(std::min<uint64_t>(n, buf_.size() - pos_));
      SP_RETURN_IF_ERROR(sink(std::string_view(buf_).substr(pos_, k)));
      pos_ += k;
      offset_ += k;
      n -= k;
    }
    return Status::Ok();
  }

 private:
  ByteSource& in_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t offset_ = 0;
};

// An identifier and length octets (X.690 §8.1.2, §8.1.3).
struct Tlv {
  uint8_t tag = 0;
  bool indefinite = false;
  uint64_t length = 0;
  std::string raw;  // the identifier and length octets as read
  bool constructed() const { return (tag & 0x20) != 0; }
};

Result<Tlv> ReadTlv(Reader& r) {
  Tlv t;
  SP_RETURN_IF_ERROR(r.Take(2, &t.raw));
  t.tag = static_cast<uint8_t>(t.raw[0]);
  // CMS uses no tag number above 30: the high-tag-number form is refused.
  if ((t.tag & 0x1f) == 0x1f) return Malformed();
  auto first = static_cast<uint8_t>(t.raw[1]);
  if (first < 0x80) {
    t.length = first;
  } else if (first == 0x80) {
    if (!t.constructed()) return Malformed();
    t.indefinite = true;
  } else {
    size_t n = first & 0x7f;
    if (n > 7) return Malformed();
    std::string octets;
    SP_RETURN_IF_ERROR(r.Take(n, &octets));
    for (char c : octets) t.length = (t.length << 8) | static_cast<uint8_t>(c);
    t.raw += octets;
  }
  return t;
}

// The constructions being read, each with where it ends.
struct Open {
  bool indefinite;
  uint64_t end;  // offset after its last content octet (definite)
};

// Whether the construction `o` has no more content (for an indefinite one,
// the end-of-contents octets are next and not consumed).
Result<bool> AtEnd(Reader& r, const Open& o) {
  if (!o.indefinite) {
    if (r.offset() > o.end) return Malformed();
    return r.offset() == o.end;
  }
  SP_ASSIGN_OR_RETURN(bool have, r.Have(2));
  if (!have) return Malformed();
  return r.Peek(2) == std::string_view("\0\0", 2);
}

// Ends the construction `o`: its end-of-contents octets, or its length.
Status Close(Reader& r, const Open& o) {
  SP_ASSIGN_OR_RETURN(bool end, AtEnd(r, o));
  if (!end) return Malformed();
  return o.indefinite ? r.Take(2, nullptr) : Status::Ok();
}

// Starts reading a child of `parent` (null: the top) whose header is `t`.
Result<Open> Enter(Reader& r, const Tlv& t, const Open* parent) {
  Open o{t.indefinite, r.offset() + t.length};
  if (parent != nullptr && !parent->indefinite && !t.indefinite &&
      o.end > parent->end) {
    return Malformed();
  }
  if (parent != nullptr && !parent->indefinite && t.indefinite) {
    // Checked as it is read: each child against the parent's end.
    o.end = parent->end;
  }
  return o;
}

// Reads a whole element (any form) into *raw, at most kMaxHead in all.
Status ReadElement(Reader& r, const Open& parent, int depth, std::string* raw) {
  if (depth > kMaxDepth) return Malformed();
  SP_ASSIGN_OR_RETURN(bool end, AtEnd(r, parent));
  if (end) return Malformed();
  SP_ASSIGN_OR_RETURN(Tlv t, ReadTlv(r));
  SP_ASSIGN_OR_RETURN(Open o, Enter(r, t, &parent));
  *raw += t.raw;
  if (!t.indefinite) {
    if (t.length > kMaxHead || raw->size() + t.length > kMaxHead) {
      return Malformed();
    }
    return r.Take(t.length, raw);
  }
  for (;;) {
    SP_ASSIGN_OR_RETURN(bool done, AtEnd(r, o));
    if (done) break;
    SP_RETURN_IF_ERROR(ReadElement(r, o, depth + 1, raw));
    if (raw->size() > kMaxHead) return Malformed();
  }
  if (!parent.indefinite && r.offset() + 2 > parent.end) return Malformed();
  SP_RETURN_IF_ERROR(r.Take(2, raw));
  return Status::Ok();
}

// Reads a whole element that must have tag `tag`.
Result<std::string> Expect(Reader& r, const Open& parent, uint8_t tag) {
  std::string raw;
  SP_RETURN_IF_ERROR(ReadElement(r, parent, 0, &raw));
  if (static_cast<uint8_t>(raw[0]) != tag) return Malformed();
  return raw;
}

// Enters a construction that must have tag `tag`.
Result<Open> EnterExpect(Reader& r, const Open* parent, uint8_t tag) {
  if (parent != nullptr) {
    SP_ASSIGN_OR_RETURN(bool end, AtEnd(r, *parent));
    if (end) return Malformed();
  }
  SP_ASSIGN_OR_RETURN(Tlv t, ReadTlv(r));
  if (t.tag != tag) return Malformed();
  return Enter(r, t, parent);
}

// `content` as a DER element with tag `tag`.
std::string Wrap(uint8_t tag, std::string_view content) {
  std::string out = cms_internal::DerHeader(tag, content.size());
  out += content;
  return out;
}

// The octets of the encryptedContent ([0] IMPLICIT OCTET STRING, whose
// header `t` was read), primitive or in chunks (nested at most kMaxDepth),
// handed to `sink`.
Status PassOctets(Reader& r, const Tlv& t, const Open& parent, int depth,
                  const std::function<Status(std::string_view)>& sink) {
  if (depth > kMaxDepth) return Malformed();
  SP_ASSIGN_OR_RETURN(Open o, Enter(r, t, &parent));
  if (!t.constructed()) return r.Pass(t.length, sink);
  for (;;) {
    SP_ASSIGN_OR_RETURN(bool done, AtEnd(r, o));
    if (done) break;
    SP_ASSIGN_OR_RETURN(Tlv chunk, ReadTlv(r));
    if ((chunk.tag & 0xdf) != 0x04) return Malformed();  // OCTET STRING
    SP_RETURN_IF_ERROR(PassOctets(r, chunk, o, depth + 1, sink));
  }
  if (!parent.indefinite && o.indefinite && r.offset() + 2 > parent.end) {
    return Malformed();
  }
  return Close(r, o);
}

// What comes before the encryptedContent, and the constructions still open.
struct Head {
  // The ContentInfo without its content (detached), as OpenSSL parsed it;
  // an AuthEnvelopedData's with a stand-in mac (the real one comes after
  // the content). What both the open and the check start from.
  CmsPtr cms;
  // Its content type, and its fields up to the (content-less)
  // encryptedContentInfo, without the stand-in mac.
  std::string oid, fields;
  bool authenticated = false;  // AuthEnvelopedData (RFC 5083)
  Open ci, explicit0, ed, eci;
};

// The head read from `r` and parsed by OpenSSL (Head::cms), or an error
// naming what is malformed.
Result<Head> ReadHead(Reader& r) {
  Head h;
  SP_ASSIGN_OR_RETURN(h.ci, EnterExpect(r, nullptr, 0x30));
  SP_ASSIGN_OR_RETURN(std::string oid, Expect(r, h.ci, 0x06));
  h.authenticated = oid == kAuthEnvelopedOid;
  if (oid != kEnvelopedOid && !h.authenticated) return Malformed();
  SP_ASSIGN_OR_RETURN(h.explicit0, EnterExpect(r, &h.ci, 0xa0));
  SP_ASSIGN_OR_RETURN(h.ed, EnterExpect(r, &h.explicit0, 0x30));
  std::string fields;
  SP_ASSIGN_OR_RETURN(std::string version, Expect(r, h.ed, 0x02));
  fields += version;
  std::string next;
  SP_RETURN_IF_ERROR(ReadElement(r, h.ed, 0, &next));
  if (static_cast<uint8_t>(next[0]) == 0xa0) {  // originatorInfo
    fields += next;
    next.clear();
    SP_RETURN_IF_ERROR(ReadElement(r, h.ed, 0, &next));
  }
  if (static_cast<uint8_t>(next[0]) != 0x31) return Malformed();
  fields += next;
  SP_ASSIGN_OR_RETURN(h.eci, EnterExpect(r, &h.ed, 0x30));
  SP_ASSIGN_OR_RETURN(std::string type, Expect(r, h.eci, 0x06));
  SP_ASSIGN_OR_RETURN(std::string algorithm, Expect(r, h.eci, 0x30));
  if (fields.size() + type.size() + algorithm.size() > kMaxHead) {
    return Malformed();
  }
  fields += Wrap(0x30, type + algorithm);
  h.oid = oid;
  h.fields = fields;
  if (h.authenticated) fields += Wrap(0x04, std::string(16, '\0'));
  const std::string der = Wrap(0x30, oid + Wrap(0xa0, Wrap(0x30, fields)));
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  h.cms.reset(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!h.cms) {
    ERR_clear_error();
    return Malformed();
  }
  return h;
}

// After the content of an EnvelopedData: the unprotectedAttrs, if any
// (read, bounded, parsed by OpenSSL as the whole message's would be, and
// left aside: they protect nothing and OpenSSL does not use them to
// decrypt). Of an AuthEnvelopedData: no authAttrs (they would be
// authenticated before the content, which has gone by: refused), the mac
// into *tag (12 to 16 bytes), the unauthAttrs if any, parsed and left
// aside. Then every construction closed and the input at its end.
Status ReadTail(Reader& r, const Head& h, std::string* tag) {
  SP_RETURN_IF_ERROR(Close(r, h.eci));
  if (h.authenticated) {
    SP_ASSIGN_OR_RETURN(std::string mac, Expect(r, h.ed, 0x04));
    auto first = static_cast<uint8_t>(mac[1]);
    size_t header = first < 0x80 ? 2 : 2 + (first & 0x7f);
    if (mac.size() < header + 12 || mac.size() > header + 16) {
      return Malformed();
    }
    *tag = mac.substr(header);
  }
  SP_ASSIGN_OR_RETURN(bool end, AtEnd(r, h.ed));
  if (!end) {
    SP_ASSIGN_OR_RETURN(std::string attrs,
                        Expect(r, h.ed, h.authenticated ? 0xa2 : 0xa1));
    // A SET OF Attribute, as OpenSSL reads it in the whole ContentInfo
    // (an INTEGER there is refused): parsed in one rebuilt around it.
    std::string fields = h.fields;
    if (h.authenticated) fields += Wrap(0x04, *tag);
    const std::string rebuilt =
        Wrap(0x30, h.oid + Wrap(0xa0, Wrap(0x30, fields + attrs)));
    const auto* p = reinterpret_cast<const unsigned char*>(rebuilt.data());
    CmsPtr cms(
        d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(rebuilt.size())));
    if (!cms || p != reinterpret_cast<const unsigned char*>(rebuilt.data()) +
                         rebuilt.size()) {
      ERR_clear_error();
      return Malformed();
    }
  }
  SP_RETURN_IF_ERROR(Close(r, h.ed));
  SP_RETURN_IF_ERROR(Close(r, h.explicit0));
  SP_RETURN_IF_ERROR(Close(r, h.ci));
  SP_ASSIGN_OR_RETURN(bool more, r.Have(1));
  return more ? Malformed() : Status::Ok();
}

// What follows the head: the encryptedContent ([0] IMPLICIT, either
// form) handed to `sink`, then the tail (ReadTail, the mac into *tag).
// One without an encryptedContent (detached) is Malformed() unless
// `detached_ok`: the check takes it, there is nothing to open.
Status PassContent(Reader& r, const Head& h, bool detached_ok,
                   const std::function<Status(std::string_view)>& sink,
                   std::string* tag) {
  SP_ASSIGN_OR_RETURN(bool detached, AtEnd(r, h.eci));
  if (detached && !detached_ok) return Malformed();
  if (!detached) {
    SP_ASSIGN_OR_RETURN(Tlv t, ReadTlv(r));
    if ((t.tag & 0xdf) != 0x80) return Malformed();  // [0], either form
    SP_RETURN_IF_ERROR(PassOctets(r, t, h.eci, 0, sink));
  }
  return ReadTail(r, h, tag);
}

// The content cipher of `cms` keyed by the first of `keys` that a
// RecipientInfo names (*which says which; SetNamedKey's rule); null
// when none is.
Result<BioPtr> CipherFor(CMS_ContentInfo* cms, std::span<const CmsKeyRef> keys,
                         BIO* empty, std::optional<size_t>* which) {
  SP_ASSIGN_OR_RETURN(*which, cms_internal::SetNamedKey(cms, keys));
  if (!*which) return BioPtr();
  BioPtr chain(CMS_dataInit(cms, empty));
  if (!chain) {
    ERR_clear_error();
    return Malformed();
  }
  return chain;
}

}  // namespace

Result<std::optional<size_t>> CmsDecryptStream(
    ByteSource& in, std::span<const CmsKeyRef> keys,
    const std::function<Status(std::string_view)>& out) {
  Reader r(in);
  SP_ASSIGN_OR_RETURN(Head h, ReadHead(r));
  if (CMS_is_detached(h.cms.get()) != 1) {
    ERR_clear_error();
    return Malformed();
  }
  // The content is given here, not to OpenSSL: the cipher BIO reads from
  // an empty one and only its context is used.
  BIO* empty = BIO_new(BIO_s_mem());
  if (empty == nullptr) return InternalError("out of memory");
  std::optional<size_t> which;
  auto chain = CipherFor(h.cms.get(), keys, empty, &which);
  if (!chain.ok() || !*chain) {
    BIO_free(empty);  // CMS_dataInit took it only on success
    if (!chain.ok()) return chain.status();
    return std::optional<size_t>();
  }
  // The chain (the cipher BIO, then `empty`) is freed whole.
  BIO* top = chain->get();
  EVP_CIPHER_CTX* ctx = nullptr;
  if (BIO_get_cipher_ctx(top, &ctx) != 1 || ctx == nullptr ||
      EVP_CIPHER_CTX_is_encrypting(ctx) != 0 ||
      EVP_CIPHER_CTX_get_mode(ctx) !=
          (h.authenticated ? EVP_CIPH_GCM_MODE : EVP_CIPH_CBC_MODE)) {
    ERR_clear_error();
    return Malformed();
  }
  std::vector<unsigned char> plain(kSlice + EVP_MAX_BLOCK_LENGTH);
  // The first `outl` bytes of `plain`, as the cipher gave them.
  auto emit = [&](int outl) -> Status {
    if (outl <= 0) return Status::Ok();
    return out(std::string_view(reinterpret_cast<const char*>(plain.data()),
                                static_cast<size_t>(outl)));
  };
  auto decrypt = [&](std::string_view c) -> Status {
    while (!c.empty()) {
      size_t n = std::min(c.size(), kSlice);
      int outl = 0;
      if (EVP_CipherUpdate(ctx, plain.data(), &outl,
                           reinterpret_cast<const unsigned char*>(c.data()),
                           static_cast<int>(n)) != 1) {
        ERR_clear_error();
        return Malformed();
      }
      SP_RETURN_IF_ERROR(emit(outl));
      c.remove_prefix(n);
    }
    return Status::Ok();
  };
  std::string tag;
  SP_RETURN_IF_ERROR(PassContent(r, h, /*detached_ok=*/false, decrypt, &tag));
  // GCM: the tag (OpenSSL was given a stand-in) checked by the final step.
  int outl = 0;
  if ((h.authenticated &&
       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
                           static_cast<int>(tag.size()), tag.data()) != 1) ||
      EVP_CipherFinal_ex(ctx, plain.data(), &outl) != 1) {
    ERR_clear_error();
    return Malformed();
  }
  SP_RETURN_IF_ERROR(emit(outl));
  return which;
}

Result<bool> IsCmsEnvelopedDataStream(ByteSource& in) {
  Reader r(in);
  auto walk = [&r]() -> Status {
    SP_ASSIGN_OR_RETURN(Head h, ReadHead(r));
    STACK_OF(CMS_RecipientInfo)* ris = CMS_get0_RecipientInfos(h.cms.get());
    if (ris == nullptr || sk_CMS_RecipientInfo_num(ris) <= 0) {
      ERR_clear_error();
      return Malformed();
    }
    std::string tag;
    return PassContent(
        r, h, /*detached_ok=*/true,
        [](std::string_view) { return Status::Ok(); }, &tag);
  };
  Status s = walk();
  if (s.ok()) return true;
  if (IsDecryptionFailed(s)) return false;
  return s;
}

Result<std::string> CmsSignedDataSplit(
    ByteSource& in, const std::function<Status(std::string_view)>& content) {
  Reader r(in);
  SP_ASSIGN_OR_RETURN(Open ci, EnterExpect(r, nullptr, 0x30));
  SP_ASSIGN_OR_RETURN(std::string oid, Expect(r, ci, 0x06));
  if (oid != cms_internal::kSignedDataOid) return Malformed();
  SP_ASSIGN_OR_RETURN(Open explicit0, EnterExpect(r, &ci, 0xa0));
  SP_ASSIGN_OR_RETURN(Open sd, EnterExpect(r, &explicit0, 0x30));
  SP_ASSIGN_OR_RETURN(std::string version, Expect(r, sd, 0x02));
  SP_ASSIGN_OR_RETURN(std::string digests, Expect(r, sd, 0x31));
  SP_ASSIGN_OR_RETURN(Open eci, EnterExpect(r, &sd, 0x30));
  SP_ASSIGN_OR_RETURN(std::string type, Expect(r, eci, 0x06));
  // eContent [0] EXPLICIT OCTET STRING, primitive or in chunks: given on.
  SP_ASSIGN_OR_RETURN(Open e0, EnterExpect(r, &eci, 0xa0));
  SP_ASSIGN_OR_RETURN(bool empty, AtEnd(r, e0));
  if (empty) return Malformed();
  SP_ASSIGN_OR_RETURN(Tlv octets, ReadTlv(r));
  if ((octets.tag & 0xdf) != 0x04) return Malformed();
  SP_RETURN_IF_ERROR(PassOctets(r, octets, e0, 0, content));
  SP_RETURN_IF_ERROR(Close(r, e0));
  SP_RETURN_IF_ERROR(Close(r, eci));
  // certificates, crls, signerInfos: as they came (1 MiB in all at most).
  std::string rest;
  for (;;) {
    SP_ASSIGN_OR_RETURN(bool done, AtEnd(r, sd));
    if (done) break;
    SP_RETURN_IF_ERROR(ReadElement(r, sd, 0, &rest));
  }
  SP_RETURN_IF_ERROR(Close(r, sd));
  SP_RETURN_IF_ERROR(Close(r, explicit0));
  SP_RETURN_IF_ERROR(Close(r, ci));
  SP_ASSIGN_OR_RETURN(bool more, r.Have(1));
  if (more) return Malformed();
  return Wrap(0x30, oid + Wrap(0xa0, Wrap(0x30, version + digests +
                                                    Wrap(0x30, type) + rest)));
}

}  // namespace sealpost::crypto

namespace sealpost::crypto::cms_internal {

// Whether one of the RecipientInfos of `cms` names `cert`, as
// CMS_decrypt_set1_pkey_and_peer matches it: a KeyTransRecipientInfo's
// rid, a KeyAgreeRecipientInfo's RecipientEncryptedKeys.
bool NamesRecipient(CMS_ContentInfo* cms, X509* cert) {
  STACK_OF(CMS_RecipientInfo)* ris = CMS_get0_RecipientInfos(cms);
  for (int i = 0; i < sk_CMS_RecipientInfo_num(ris); ++i) {
    CMS_RecipientInfo* ri = sk_CMS_RecipientInfo_value(ris, i);
    switch (CMS_RecipientInfo_type(ri)) {
      case CMS_RECIPINFO_TRANS:
        if (CMS_RecipientInfo_ktri_cert_cmp(ri, cert) == 0) return true;
        break;
      case CMS_RECIPINFO_AGREE: {
        STACK_OF(CMS_RecipientEncryptedKey)* reks =
            CMS_RecipientInfo_kari_get0_reks(ri);
        for (int j = 0; j < sk_CMS_RecipientEncryptedKey_num(reks); ++j) {
          if (CMS_RecipientEncryptedKey_cert_cmp(
                  sk_CMS_RecipientEncryptedKey_value(reks, j), cert) == 0) {
            return true;
          }
        }
        break;
      }
      default:
        break;
    }
  }
  ERR_clear_error();
  return false;
}

std::string DerHeader(uint8_t tag, size_t n) {
  std::string out(1, static_cast<char>(tag));
  if (n < 0x80) {
    out += static_cast<char>(n);
    return out;
  }
  std::string len;
  for (; n > 0; n >>= 8) len.insert(len.begin(), static_cast<char>(n & 0xff));
  out += static_cast<char>(0x80 | len.size());
  return out + len;
}

Result<std::optional<size_t>> SetNamedKey(CMS_ContentInfo* cms,
                                          std::span<const CmsKeyRef> keys) {
  Status unwrap_error = Status::Ok();
  for (size_t i = 0; i < keys.size(); ++i) {
    X509Ptr cert = ParseCert(keys[i].certificate);
    if (!cert || !NamesRecipient(cms, cert.get())) {
      ERR_clear_error();
      continue;
    }
    PkeyPtr key;
    if (keys[i].private_key != nullptr) {
      key = ParseKey(*keys[i].private_key);
    } else if (keys[i].unwrap) {
      // A key that no longer unwraps (its row damaged, its master key
      // gone) does not stop another named certificate's from opening.
      auto unwrapped = keys[i].unwrap();
      if (!unwrapped.ok()) {
        if (unwrap_error.ok()) unwrap_error = unwrapped.status();
        ERR_clear_error();
        continue;
      }
      key = ParseKey(*unwrapped);
    }
    // A key that is not its certificate's (a damaged row) is passed over
    // like one that does not unwrap: OpenSSL would take it with a random
    // content key (its Bleichenbacher defence), whose AES-CBC padding
    // passes about 1 in 255 (a last byte 01, or 02 02, ...: 1/256 +
    // 1/256^2 + ...), and garbage would read as decrypted.
    if (key && X509_check_private_key(cert.get(), key.get()) != 1) {
      if (unwrap_error.ok()) {
        const std::string id = Sha256Hex(keys[i].certificate);
        unwrap_error = InternalError(
            "the private key on file is not the one of certificate " + id +
            ": import the certificate again with its own key (`sealpost "
            "cert remove " +
            id +
            "`, then `sealpost cert import USER.p12 "
            "--password-file F`)");
      }
      ERR_clear_error();
      continue;
    }
    // CMS_DEBUG_DECRYPT off: an RSA key that does not unwrap the content
    // key is taken with a random one, whose content then fails to open
    // (Bleichenbacher); an EC key that does not agree is not taken.
    if (key && CMS_decrypt_set1_pkey_and_peer(cms, key.get(), cert.get(),
                                              nullptr) == 1) {
      return std::optional<size_t>(i);
    }
    ERR_clear_error();
  }
  SP_RETURN_IF_ERROR(unwrap_error);
  return std::optional<size_t>();
}

}  // namespace sealpost::crypto::cms_internal
