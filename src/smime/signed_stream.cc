#include "smime/signed_stream.h"

#include <algorithm>

#include "crypto/errors.h"
#include "crypto/smime_cms.h"
#include "crypto/smime_cms_stream.h"
#include "crypto/spool.h"
#include "mime/header_section.h"
#include "smime/mail_stream.h"

namespace sealpost::smime {
namespace {

constexpr size_t kSlice = 64 << 10;

Status Malformed(std::string_view what) {
  return NothingOpenedError("the multipart/signed message is malformed: " +
                            std::string(what));
}

}  // namespace

ClearSignedScanner::ClearSignedScanner(
    std::string_view boundary, std::function<Status(std::string_view)> content,
    size_t max_signature)
    : delim_("--" + std::string(boundary)),
      pattern_("\r\n" + delim_),
      content_(std::move(content)),
      max_signature_(max_signature) {}

Status ClearSignedScanner::Write(std::string_view bytes) {
  if (state_ == State::kEpilogue) return Status::Ok();
  buf_.append(bytes);
  return Scan(/*last=*/false);
}

// Each state looks at buf_, which starts where CheckSignature's next
// search starts; what can no longer start a match is dropped (or given).
Status ClearSignedScanner::Scan(bool last) {
  const size_t hold = pattern_.size() - 1;
  for (;;) {
    switch (state_) {
      case State::kPreamble: {
        if (at_start_) {
          // A body that starts with the delimiter (no CRLF before it).
          if (buf_.size() < delim_.size() && !last &&
              std::string_view(delim_).starts_with(buf_)) {
            return Status::Ok();
          }
          at_start_ = false;
          if (buf_.starts_with(delim_)) {
            state_ = State::kDelimLine;
            continue;
          }
        }
        size_t pos = buf_.find(pattern_);
        if (pos != std::string::npos) {
          buf_.erase(0, pos + 2);
          state_ = State::kDelimLine;
          continue;
        }
        if (buf_.size() > hold) buf_.erase(0, buf_.size() - hold);
        return Status::Ok();
      }
      case State::kDelimLine:
      case State::kSigDelimLine: {
        // The rest of the delimiter line, up to its CRLF.
        size_t pos = buf_.find("\r\n");
        if (pos == std::string::npos) {
          if (buf_.size() > 1) buf_.erase(0, buf_.size() - 1);
          return Status::Ok();
        }
        if (state_ == State::kDelimLine) {
          buf_.erase(0, pos + 2);
          state_ = State::kContent;
        } else {
          // The signature part's end is looked for from this CRLF on.
          buf_.erase(0, pos);
          state_ = State::kSig;
        }
        continue;
      }
      case State::kContent: {
        size_t pos = buf_.find(pattern_);
        if (pos != std::string::npos) {
          SP_RETURN_IF_ERROR(content_(std::string_view(buf_).substr(0, pos)));
          buf_.erase(0, pos + 2);
          state_ = State::kSigDelimLine;
          continue;
        }
        if (buf_.size() > hold) {
          const size_t give = buf_.size() - hold;
          SP_RETURN_IF_ERROR(content_(std::string_view(buf_).substr(0, give)));
          buf_.erase(0, give);
        }
        return Status::Ok();
      }
      case State::kSig: {
        size_t pos = buf_.find(pattern_);
        if (pos == 0) return Malformed("its signature part is empty");
        const size_t held = pos == std::string::npos ? buf_.size() : pos - 2;
        if (held > max_signature_ + (pos == std::string::npos ? hold + 2 : 0)) {
          return Malformed("its signature part is over " +
                           std::to_string(max_signature_ >> 10) + " KiB");
        }
        if (pos != std::string::npos) {
          signature_ = buf_.substr(2, pos - 2);
          std::string().swap(buf_);
          state_ = State::kEpilogue;
          return Status::Ok();
        }
        return Status::Ok();
      }
      case State::kEpilogue:
        buf_.clear();
        return Status::Ok();
    }
  }
}

Status ClearSignedScanner::Finish() {
  SP_RETURN_IF_ERROR(Scan(/*last=*/true));
  switch (state_) {
    case State::kPreamble:
    case State::kDelimLine:
      return Malformed("no signed part (its boundary never comes)");
    case State::kContent:
    case State::kSigDelimLine:
      return Malformed("no signature part (the signed part never ends)");
    case State::kSig:
      return Malformed("the signature part does not end");
    case State::kEpilogue:
      return Status::Ok();
  }
  return Status::Ok();
}

namespace {

// The verdict on `sig` (as OpenMail gives it) and the signed content from
// its start, to be written out once the verdict is known.
Result<StreamedSignature> Judged(CertificateDirectory& certs,
                                 std::string_view header,
                                 crypto::CmsSignature sig,
                                 std::unique_ptr<SizedByteSource> content) {
  StreamedSignature out;
  SP_ASSIGN_OR_RETURN(out.check, JudgeSignature(certs, header, std::move(sig)));
  SP_RETURN_IF_ERROR(content->Restart());
  out.content = std::move(content);
  return out;
}

}  // namespace

Result<StreamedSignature> OpenClearSignedStream(CertificateDirectory& certs,
                                                ByteSource& message,
                                                std::string_view header,
                                                size_t header_size,
                                                std::string_view boundary,
                                                const std::string& spool_dir) {
  if (boundary.empty()) return Malformed("it has no boundary");
  SP_ASSIGN_OR_RETURN(std::shared_ptr<crypto::Spool> spool,
                      crypto::Spool::Create(spool_dir));
  ClearSignedScanner scanner(
      boundary, [&spool](std::string_view b) { return spool->Append(b); });
  SP_RETURN_IF_ERROR(message.Restart());
  uint64_t at = 0;
  std::string slice;
  for (;;) {
    slice.clear();
    SP_ASSIGN_OR_RETURN(size_t n, message.Read(kSlice, &slice));
    if (n == 0) break;
    // The header section is skipped: the scan starts at the body.
    const size_t from =
        at >= header_size ? 0 : std::min<uint64_t>(n, header_size - at);
    at += n;
    if (from < n) {
      SP_RETURN_IF_ERROR(scanner.Write(std::string_view(slice).substr(from)));
    }
  }
  if (at < header_size) return Malformed("it ends in its header section");
  SP_RETURN_IF_ERROR(scanner.Finish());
  SP_RETURN_IF_ERROR(spool->Finish());
  if (spool->size() == 0) return Malformed("its signed part is empty");
  SP_ASSIGN_OR_RETURN(std::unique_ptr<SizedByteSource> content, spool->Open());
  crypto::CmsSignature sig;
  // The signature part's body, in base64 as CheckSignature decodes it.
  mime::HeaderSection part = mime::SplitHeaderSection(scanner.signature_part());
  auto der = Base64Body(part.body);
  if (!der.ok()) {
    sig.reason = "the signature is not base64";
  } else {
    SP_ASSIGN_OR_RETURN(sig, crypto::CmsVerifyDetachedStream(*der, *content));
  }
  return Judged(certs, header, std::move(sig), std::move(content));
}

Result<StreamedSignature> OpenOpaqueSignedStream(CertificateDirectory& certs,
                                                 ByteSource& message,
                                                 std::string_view header,
                                                 size_t header_size,
                                                 const std::string& spool_dir) {
  SP_ASSIGN_OR_RETURN(std::shared_ptr<crypto::Spool> spool,
                      crypto::Spool::Create(spool_dir));
  Base64BodySource body(message, header_size);
  SP_RETURN_IF_ERROR(body.Restart());
  auto der = crypto::CmsSignedDataSplit(
      body, [&spool](std::string_view b) { return spool->Append(b); });
  if (!der.ok() && crypto::IsDecryptionFailed(der.status())) {
    return NothingOpenedError(
        "the opaque signed S/MIME message is malformed or cut short");
  }
  if (!der.ok()) return der.status();
  SP_RETURN_IF_ERROR(spool->Finish());
  SP_ASSIGN_OR_RETURN(std::unique_ptr<SizedByteSource> content, spool->Open());
  crypto::CmsSignature sig;
  if (content->size() == 0) {
    sig.reason = "the signed content is empty";
  } else {
    SP_ASSIGN_OR_RETURN(sig, crypto::CmsVerifyDetachedStream(*der, *content));
  }
  return Judged(certs, header, std::move(sig), std::move(content));
}

namespace {

// `in` as it is, keeping its first error: a failure of the message itself
// (a spool that does not read back) is told apart from a malformed layer.
class Watched final : public ByteSource {
 public:
  explicit Watched(ByteSource& in) : in_(in) {}
  const Status& error() const { return error_; }
  Status Restart() override {
    Status s = in_.Restart();
    Keep(s);
    return s;
  }
  Result<size_t> Read(size_t max, std::string* out) override {
    Result<size_t> n = in_.Read(max, out);
    if (!n.ok()) Keep(n.status());
    return n;
  }

 private:
  void Keep(const Status& s) {
    if (!s.ok() && error_.ok()) error_ = s;
  }
  ByteSource& in_;
  Status error_ = Status::Ok();
};

// The first two bytes of `in` after its first `header_bytes` (fewer at
// its end): HeaderEndsAtJunk's `after`.
Result<std::string> BytesAfterHeader(ByteSource& in, size_t header_bytes) {
  SP_RETURN_IF_ERROR(in.Restart());
  std::string head;
  while (head.size() < header_bytes + 2) {
    SP_ASSIGN_OR_RETURN(size_t n,
                        in.Read(header_bytes + 2 - head.size(), &head));
    if (n == 0) break;
  }
  return head.size() > header_bytes ? head.substr(header_bytes) : std::string();
}

}  // namespace

Result<std::optional<SignatureCheck>> CheckSignatureStream(
    CertificateDirectory& certs, ByteSource& message, std::string_view header,
    size_t header_size, const std::string& spool_dir) {
  SignedTop top = SignedTopOf(header);
  if (top.form == SignedForm::kNone || top.refused) {
    return std::move(top.refused);
  }
  Watched in(message);
  Result<std::string> after = BytesAfterHeader(in, header.size());
  if (!after.ok()) return after.status();
  if (HeaderEndsAtJunk(*after)) return std::optional<SignatureCheck>();
  Result<StreamedSignature> opened =
      top.form == SignedForm::kClear
          ? OpenClearSignedStream(certs, in, header, header_size, top.boundary,
                                  spool_dir)
          : OpenOpaqueSignedStream(certs, in, header, header_size, spool_dir);
  if (!in.error().ok()) return in.error();
  if (!opened.ok()) {
    if (opened.status().code() != StatusCode::kInvalidArgument) {
      return opened.status();
    }
    // Its words, without the opener's "(nothing was opened)".
    SignatureCheck check;
    check.reason =
        NothingOpenedWhat(opened.status()).value_or(opened.status().message());
    return std::optional<SignatureCheck>(check);
  }
  return std::optional<SignatureCheck>(std::move(opened->check));
}

}  // namespace sealpost::smime
