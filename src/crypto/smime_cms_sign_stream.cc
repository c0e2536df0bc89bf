// CmsStreamWriter, CmsEncryptStream and CmsSignStream (smime_cms.h): CMS
// made a slice at a time, for mail too large to hold (issue 14).
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>

#include "crypto/smime_cms.h"
#include "crypto/smime_cms_internal.h"

namespace sealpost::crypto {
namespace {

using cms_internal::CmsPtr;

// Appends what OpenSSL wrote into the memory BIO `mem` to *out, and
// empties it.
void Drain(BIO* mem, std::string* out) {
  char* data = nullptr;
  long n = BIO_get_mem_data(mem, &data);
  if (n > 0) out->append(data, static_cast<size_t>(n));
  (void)BIO_reset(mem);
}

}  // namespace

// Two ways to make the ContentInfo:
// - streamed (`mem` set): CMS_STREAM, and BIO_new_NDEF puts the encoder
//   before `mem` (what i2d_CMS_bio_stream does with an input BIO); `mem`
//   gets the header at once, the content (encrypted, or as it is inside a
//   SignedData) a slice at a time, and the rest (the signer infos) at the
//   flush;
// - detached: CMS_dataInit's digest BIOs over a null BIO (what CMS_final
//   does), then CMS_dataFinal signs and the DER is made.
// - made already (Signed): nothing of OpenSSL; `head` before the first
//   content, each slice of it as an OCTET STRING chunk, `tail` at Finish.
struct CmsStreamWriter::State {
  CmsPtr cms;
  BioPtr mem;         // streamed only
  BIO* in = nullptr;  // where the content is written
  bool finished = false;
  bool made = false;    // Signed
  bool chunks = false;  // Signed, opaque: the content goes in
  std::string head, tail;

  ~State() {
    if (mem) {
      // Frees the BIOs BIO_new_NDEF put before `mem`, as
      // i2d_ASN1_bio_stream does; `mem` is freed by its owner.
      BIO* b = in;
      while (b != nullptr && b != mem.get()) {
        BIO* next = BIO_pop(b);
        BIO_free(b);
        b = next;
      }
    } else if (in != nullptr) {
      BIO_free_all(in);
    }
    ERR_clear_error();
  }
};

CmsStreamWriter::CmsStreamWriter(std::unique_ptr<State> state)
    : s_(std::move(state)) {}
CmsStreamWriter::~CmsStreamWriter() = default;

namespace {

// Puts the NDEF encoder of `cms` in front of a new memory BIO `*mem`.
bool StartStreamed(CMS_ContentInfo* cms, BioPtr* mem, BIO** in) {
  mem->reset(BIO_new(BIO_s_mem()));
  if (!*mem) return false;
  *in = BIO_new_NDEF(mem->get(), reinterpret_cast<ASN1_VALUE*>(cms),
                     ASN1_ITEM_rptr(CMS_ContentInfo));
  return *in != nullptr;
}

}  // namespace

Result<std::unique_ptr<CmsStreamWriter>> CmsStreamWriter::Encrypt(
    const std::vector<std::string>& recipients, CmsCipher cipher) {
  SP_ASSIGN_OR_RETURN(X509StackPtr certs,
                      cms_internal::RecipientStack(recipients));
  auto s = std::make_unique<State>();
  // CMS_BINARY: the content is MIME already (CRLF); nothing is translated.
  s->cms.reset(CMS_encrypt(certs.get(), nullptr, cms_internal::CipherOf(cipher),
                           CMS_BINARY | CMS_PARTIAL | CMS_STREAM));
  if (!s->cms || !StartStreamed(s->cms.get(), &s->mem, &s->in)) {
    ERR_clear_error();
    return InternalError("CMS encryption failed");
  }
  return std::unique_ptr<CmsStreamWriter>(new CmsStreamWriter(std::move(s)));
}

Result<std::unique_ptr<CmsStreamWriter>> CmsStreamWriter::Sign(
    std::string_view certificate, const SecretBytes& private_key,
    const std::vector<std::string>& chain, bool detached,
    const CmsSignOptions& options) {
  SP_ASSIGN_OR_RETURN(
      cms_internal::Signer signer,
      cms_internal::ParseSigner(certificate, private_key, chain));
  auto s = std::make_unique<State>();
  s->cms = cms_internal::StartSignedData(
      signer, detached ? CMS_DETACHED : CMS_STREAM, options);
  bool ok = s->cms != nullptr;
  if (ok && detached) {
    s->in = CMS_dataInit(s->cms.get(), nullptr);
    ok = s->in != nullptr;
  } else if (ok) {
    ok = StartStreamed(s->cms.get(), &s->mem, &s->in);
  }
  if (!ok) {
    ERR_clear_error();
    return InternalError("CMS signing failed");
  }
  return std::unique_ptr<CmsStreamWriter>(new CmsStreamWriter(std::move(s)));
}

namespace {

// One DER element of `der` from *at (definite length, low tag number).
struct Element {
  uint8_t tag = 0;
  std::string_view whole, content;
};
bool NextElement(std::string_view der, size_t* at, Element* e) {
  if (der.size() < 2 || *at > der.size() - 2) return false;
  e->tag = static_cast<uint8_t>(der[*at]);
  if ((e->tag & 0x1f) == 0x1f) return false;
  size_t i = *at + 1;
  const auto first = static_cast<uint8_t>(der[i++]);
  size_t len = first;
  if (first >= 0x80) {
    const size_t n = first & 0x7f;
    if (n == 0 || n > 4 || n > der.size() - i) return false;
    len = 0;
    for (size_t k = 0; k < n; ++k)
      len = (len << 8) | static_cast<uint8_t>(der[i++]);
  }
  if (len > der.size() - i) return false;
  e->whole = der.substr(*at, i + len - *at);
  e->content = der.substr(i, len);
  *at = i + len;
  return true;
}

// The only element of `der`, which must have tag `tag`.
bool OnlyElement(std::string_view der, uint8_t tag, Element* e) {
  size_t at = 0;
  return NextElement(der, &at, e) && e->tag == tag && at == der.size();
}

}  // namespace

Result<std::unique_ptr<CmsStreamWriter>> CmsStreamWriter::Signed(
    std::string detached_der, bool detached) {
  auto s = std::make_unique<State>();
  s->made = true;
  if (detached) {
    s->tail = std::move(detached_der);
    return std::unique_ptr<CmsStreamWriter>(new CmsStreamWriter(std::move(s)));
  }
  // ContentInfo { signedData, [0] SignedData { version, digestAlgorithms,
  // encapContentInfo { eContentType }, certificates, crls, signerInfos } }
  // again with indefinite lengths and the eContent inserted: the signature
  // (over the signed attributes, which hold the content's digest) is the
  // same (RFC 5652 §5.4).
  const std::string_view der = detached_der;
  Element ci, oid, e0, sd, version, digests, eci, type;
  size_t at = 0;
  bool ok = OnlyElement(der, 0x30, &ci) && NextElement(ci.content, &at, &oid) &&
            oid.whole == cms_internal::kSignedDataOid &&
            NextElement(ci.content, &at, &e0) && e0.tag == 0xa0 &&
            at == ci.content.size() && OnlyElement(e0.content, 0x30, &sd);
  at = 0;
  ok = ok && NextElement(sd.content, &at, &version) && version.tag == 0x02 &&
       NextElement(sd.content, &at, &digests) && digests.tag == 0x31 &&
       NextElement(sd.content, &at, &eci) && eci.tag == 0x30 &&
       OnlyElement(eci.content, 0x06, &type);
  if (!ok) return InvalidArgumentError("not a detached CMS SignedData");
  const std::string_view rest = sd.content.substr(at);
  const std::string_view eoc("\0\0", 2);
  s->chunks = true;
  s->head = std::string("\x30\x80") + std::string(oid.whole) + "\xa0\x80" +
            "\x30\x80" + std::string(version.whole) +
            std::string(digests.whole) + "\x30\x80" + std::string(type.whole) +
            "\xa0\x80" + "\x24\x80";
  // The eContent's chunks, [0], encapContentInfo; then the rest of the
  // SignedData, which ends with [0] and the ContentInfo.
  for (int i = 0; i < 3; ++i) s->tail += eoc;
  s->tail += rest;
  for (int i = 0; i < 3; ++i) s->tail += eoc;
  return std::unique_ptr<CmsStreamWriter>(new CmsStreamWriter(std::move(s)));
}

Status CmsStreamWriter::Write(std::string_view content, std::string* out) {
  if (s_->finished) return FailedPreconditionError("CMS already finished");
  if (s_->made) {
    if (!s_->chunks) return Status::Ok();
    out->append(s_->head);
    s_->head.clear();
    if (!content.empty()) {
      out->append(cms_internal::DerHeader(0x04, content.size()));
      out->append(content);
    }
    return Status::Ok();
  }
  if (!cms_internal::WriteAll(s_->in, content)) {
    ERR_clear_error();
    return InternalError("CMS encoding failed");
  }
  if (s_->mem) Drain(s_->mem.get(), out);
  return Status::Ok();
}

Status CmsStreamWriter::Finish(std::string* out) {
  if (s_->finished) return FailedPreconditionError("CMS already finished");
  s_->finished = true;
  if (s_->made) {
    out->append(s_->head);
    out->append(s_->tail);
    return Status::Ok();
  }
  if (s_->mem) {
    if (BIO_flush(s_->in) != 1) {
      ERR_clear_error();
      return InternalError("CMS encoding failed");
    }
    Drain(s_->mem.get(), out);
    return Status::Ok();
  }
  if (BIO_flush(s_->in) != 1 || CMS_dataFinal(s_->cms.get(), s_->in) != 1) {
    ERR_clear_error();
    return InternalError("CMS signing failed");
  }
  SP_ASSIGN_OR_RETURN(std::string der, cms_internal::Der(s_->cms.get()));
  out->append(der);
  return Status::Ok();
}

Status CmsEncryptStream(std::span<const std::string_view> parts,
                        ByteSource& rest,
                        const std::vector<std::string>& recipients,
                        CmsCipher cipher,
                        const std::function<Status(std::string_view)>& out) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<CmsStreamWriter> w,
                      CmsStreamWriter::Encrypt(recipients, cipher));
  std::string made;
  for (std::string_view part : parts) {
    SP_RETURN_IF_ERROR(w->Write(part, &made));
    if (!made.empty()) SP_RETURN_IF_ERROR(out(made));
    made.clear();
  }
  std::string slice;
  for (;;) {
    slice.clear();
    SP_ASSIGN_OR_RETURN(size_t n, rest.Read(256 << 10, &slice));
    if (n == 0) break;
    SP_RETURN_IF_ERROR(w->Write(slice, &made));
    if (!made.empty()) SP_RETURN_IF_ERROR(out(made));
    made.clear();
  }
  SP_RETURN_IF_ERROR(w->Finish(&made));
  return made.empty() ? Status::Ok() : out(made);
}

Result<std::string> CmsSignStream(ByteSource& content,
                                  std::string_view certificate,
                                  const SecretBytes& private_key,
                                  const std::vector<std::string>& chain,
                                  const CmsSignOptions& options) {
  SP_ASSIGN_OR_RETURN(
      std::unique_ptr<CmsStreamWriter> w,
      CmsStreamWriter::Sign(certificate, private_key, chain, true, options));
  SP_RETURN_IF_ERROR(content.Restart());
  std::string slice, none;
  for (;;) {
    slice.clear();
    SP_ASSIGN_OR_RETURN(size_t n, content.Read(256 << 10, &slice));
    if (n == 0) break;
    SP_RETURN_IF_ERROR(w->Write(slice, &none));
  }
  std::string der;
  SP_RETURN_IF_ERROR(w->Finish(&der));
  return der;
}

}  // namespace sealpost::crypto
