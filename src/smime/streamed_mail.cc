#include "smime/streamed_mail.h"

#include <algorithm>

#include "smime/mime_text.h"
#include "smime/signed_mail.h"

namespace sealpost::smime {
namespace {

constexpr size_t kSlice = 256 << 10;

// One layer: its head (prefix and the entity's fields), then what its CMS
// makes of the entity inside (in base64), or, clear-signed, the entity as
// it is and the signature part after it.
class LayerSource final : public ByteSource {
 public:
  enum class Kind { kClearSigned, kBase64 };

  LayerSource(std::unique_ptr<ByteSource> entity,
              std::unique_ptr<crypto::CmsStreamWriter> cms, Kind kind,
              std::string head, std::string boundary)
      : entity_(std::move(entity)),
        cms_(std::move(cms)),
        kind_(kind),
        boundary_(std::move(boundary)),
        pending_(std::move(head)) {}

  Status Restart() override {
    if (!started_) return Status::Ok();
    return UnimplementedError("an S/MIME layer is made once");
  }

  Result<size_t> Read(size_t max, std::string* out) override {
    started_ = true;
    while (pending_at_ == pending_.size() && !ended_) {
      pending_.clear();
      pending_at_ = 0;
      SP_RETURN_IF_ERROR(Fill());
    }
    const size_t n = std::min(max, pending_.size() - pending_at_);
    out->append(pending_, pending_at_, n);
    pending_at_ += n;
    return n;
  }

 private:
  // The next bytes of the layer into `pending_`.
  Status Fill() {
    std::string slice, cms;
    SP_ASSIGN_OR_RETURN(size_t n, entity_->Read(kSlice, &slice));
    if (n > 0) {
      SP_RETURN_IF_ERROR(cms_->Write(slice, &cms));
      if (kind_ == Kind::kClearSigned) {
        pending_ = std::move(slice);
      } else {
        base64_.Add(cms, &pending_);
      }
      return Status::Ok();
    }
    SP_RETURN_IF_ERROR(cms_->Finish(&cms));
    ended_ = true;
    if (kind_ == Kind::kClearSigned) {
      pending_ = ClearSignedTail(boundary_, cms);
    } else {
      base64_.Add(cms, &pending_);
      base64_.Finish(&pending_);
    }
    return Status::Ok();
  }

  std::unique_ptr<ByteSource> entity_;
  std::unique_ptr<crypto::CmsStreamWriter> cms_;
  const Kind kind_;
  const std::string boundary_;
  std::string pending_;  // made, not yet read from `pending_at_`
  size_t pending_at_ = 0;
  Base64LineStream base64_;
  bool started_ = false;
  bool ended_ = false;
};

// ClearSignable's question asked of bytes as they are given, however they
// are cut: 7-bit clean (SevenBitCheck) and without `boundary`, a boundary
// across two slices found too.
class ClearSignCheck {
 public:
  explicit ClearSignCheck(std::string_view boundary) : boundary_(boundary) {}

  void Add(std::string_view bytes) {
    if (!clean_ || bytes.empty()) return;
    seven_bit_.Add(bytes);
    clean_ = seven_bit_.clean_so_far();
    if (!clean_ || boundary_.empty()) return;
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
  // Whether it may be clear-signed, once every byte was added.
  bool Finish() const { return clean_ && seven_bit_.Finish(); }
  bool clean_so_far() const { return clean_; }
  // Forgets what was added (the bytes are given again from the first).
  void Reset() { *this = ClearSignCheck(boundary_); }

 private:
  std::string_view boundary_;
  SevenBitCheck seven_bit_;
  std::string tail_;  // the last bytes added, fewer than a boundary
  bool clean_ = true;
};

// `in` as it is read, each byte given to `check` too (from the first again
// after Restart).
class CheckedSource final : public ByteSource {
 public:
  CheckedSource(ByteSource& in, ClearSignCheck* check)
      : in_(in), check_(check) {}

  Status Restart() override {
    check_->Reset();
    return in_.Restart();
  }
  Result<size_t> Read(size_t max, std::string* out) override {
    const size_t before = out->size();
    SP_ASSIGN_OR_RETURN(size_t n, in_.Read(max, out));
    check_->Add(std::string_view(*out).substr(before, n));
    return n;
  }

 private:
  ByteSource& in_;
  ClearSignCheck* check_;
};

}  // namespace

Result<SigningForm> SigningFormOf(ByteSource& entity,
                                  const SmimeOptions& options) {
  SigningForm form{NewSignedBoundary()};
  SP_ASSIGN_OR_RETURN(form.clear,
                      ClearSignable(entity, form.boundary, options));
  return form;
}

Result<bool> ClearSignable(ByteSource& entity, std::string_view boundary,
                           const SmimeOptions& options) {
  if (!options.clear_sign) return false;
  SP_RETURN_IF_ERROR(entity.Restart());
  ClearSignCheck check(boundary);
  std::string slice;
  for (;;) {
    slice.clear();
    SP_ASSIGN_OR_RETURN(size_t n, entity.Read(kSlice, &slice));
    if (n == 0) break;
    check.Add(slice);
    if (!check.clean_so_far()) return false;
  }
  return check.Finish();
}

Result<PresignedEntity> PresignEntity(ByteSource& entity,
                                      const SigningIdentity& signer,
                                      std::string boundary,
                                      const SmimeOptions& options) {
  PresignedEntity p;
  p.form.boundary = std::move(boundary);
  ClearSignCheck check(p.form.boundary);
  // Read once, by the signer; the check sees the same bytes (OWAClearSign
  // off: none is needed, as ClearSignable reads nothing then).
  CheckedSource checked(entity, &check);
  ByteSource& read =
      options.clear_sign ? static_cast<ByteSource&>(checked) : entity;
  SP_ASSIGN_OR_RETURN(
      p.signature, crypto::CmsSignStream(read, signer.der, signer.private_key,
                                         signer.chain, options.sign));
  p.form.clear = options.clear_sign && check.Finish();
  return p;
}

namespace {

// The signed layer of `entity` whose CMS `cms` makes (SignEntity's form:
// clear-signed under `boundary` when `clear`, else opaque).
std::unique_ptr<ByteSource> SignedLayer(
    std::unique_ptr<ByteSource> entity,
    std::unique_ptr<crypto::CmsStreamWriter> cms, std::string_view boundary,
    bool clear, const SmimeOptions& options, std::string prefix) {
  if (clear) {
    prefix += ClearSignedHead(boundary, options.sign.digest);
  } else {
    prefix += kOpaqueSignedFields;
  }
  return std::make_unique<LayerSource>(
      std::move(entity), std::move(cms),
      clear ? LayerSource::Kind::kClearSigned : LayerSource::Kind::kBase64,
      std::move(prefix), std::string(boundary));
}

}  // namespace

Result<std::unique_ptr<ByteSource>> SignedEntityStream(
    std::unique_ptr<ByteSource> entity, const SigningIdentity& signer,
    std::string_view boundary, bool clear, const SmimeOptions& options,
    std::string prefix) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<crypto::CmsStreamWriter> cms,
                      crypto::CmsStreamWriter::Sign(
                          signer.der, signer.private_key, signer.chain,
                          /*detached=*/clear, options.sign));
  return SignedLayer(std::move(entity), std::move(cms), boundary, clear,
                     options, std::move(prefix));
}

Result<std::unique_ptr<ByteSource>> PresignedEntityStream(
    std::unique_ptr<ByteSource> entity, std::string signature,
    std::string_view boundary, bool clear, const SmimeOptions& options,
    std::string prefix) {
  SP_ASSIGN_OR_RETURN(
      std::unique_ptr<crypto::CmsStreamWriter> cms,
      crypto::CmsStreamWriter::Signed(std::move(signature), clear));
  return SignedLayer(std::move(entity), std::move(cms), boundary, clear,
                     options, std::move(prefix));
}

Result<std::unique_ptr<ByteSource>> EnvelopedStream(
    std::unique_ptr<ByteSource> entity,
    const std::vector<std::string>& recipients, crypto::CmsCipher cipher,
    std::string prefix) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<crypto::CmsStreamWriter> cms,
                      crypto::CmsStreamWriter::Encrypt(recipients, cipher));
  AppendEnvelopedFields(&prefix, cipher == crypto::CmsCipher::kAes256Gcm);
  return std::unique_ptr<ByteSource>(std::make_unique<LayerSource>(
      std::move(entity), std::move(cms), LayerSource::Kind::kBase64,
      std::move(prefix), std::string()));
}

Result<std::unique_ptr<ByteSource>> SmimeMailStream(
    std::unique_ptr<ByteSource> entity,
    const std::vector<std::string>& recipients, const SigningIdentity* signer,
    std::string_view boundary, bool clear, const SmimeOptions& options,
    std::string prefix) {
  if (signer != nullptr) {
    SP_ASSIGN_OR_RETURN(entity, SignedEntityStream(std::move(entity), *signer,
                                                   boundary, clear, options));
  }
  return EncryptedMailStream(std::move(entity), recipients, signer, options,
                             std::move(prefix));
}

Result<std::unique_ptr<ByteSource>> EncryptedMailStream(
    std::unique_ptr<ByteSource> entity,
    const std::vector<std::string>& recipients, const SigningIdentity* signer,
    const SmimeOptions& options, std::string prefix) {
  if (signer == nullptr || !options.triple_wrap) {
    return EnvelopedStream(std::move(entity), recipients, options.cipher,
                           std::move(prefix));
  }
  SP_ASSIGN_OR_RETURN(
      entity, EnvelopedStream(std::move(entity), recipients, options.cipher));
  // An encrypted entity is 7-bit clean (base64 lines) and holds no
  // boundary of ours ('_' is not base64): clear-signed whenever
  // OWAClearSign says so, as SignEntity decides for it in memory.
  return SignedEntityStream(std::move(entity), *signer, NewSignedBoundary(),
                            options.clear_sign, options, std::move(prefix));
}

Status CopySource(ByteSource& source,
                  const std::function<Status(std::string_view)>& out) {
  std::string slice;
  for (;;) {
    slice.clear();
    SP_ASSIGN_OR_RETURN(size_t n, source.Read(kSlice, &slice));
    if (n == 0) return Status::Ok();
    SP_RETURN_IF_ERROR(out(slice));
  }
}

}  // namespace sealpost::smime
