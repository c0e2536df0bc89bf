#include "smime/signed_stream.h"

#include <algorithm>

#include "crypto/errors.h"
#include "crypto/smime_cms.h"
#include "crypto/smime_cms_stream.h"
#include "crypto/spool.h"
#include "mime/header_section.h"
#include "smime/mail_stream.h"
#include "smime/signed_top.h"

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
      content_(std::move(content)),
      max_signature_(max_signature) {}

Status ClearSignedScanner::Write(std::string_view bytes) {
  if (state_ == State::kEpilogue) return Status::Ok();
  buf_.append(bytes);
  return Scan(/*last=*/false);
}

char ClearSignedScanner::Before(size_t at, size_t back) const {
  if (at >= back) return buf_[at - back];
  const size_t into = back - at;  // 1 or 2 bytes before buf_
  return dropped_ >= into ? last_two_[2 - into] : '\0';
}

Result<ClearSignedScanner::Line> ClearSignedScanner::LineAt(size_t at,
                                                            bool last,
                                                            size_t* end) const {
  // A line starts at the body's first byte or after CRLF. After a bare LF
  // or CR, or inside a line, the delimiter string is a delimiter to some
  // readers and text to others.
  const bool line_start = (dropped_ == 0 && at == 0) ||
                          (Before(at, 2) == '\r' && Before(at, 1) == '\n');
  if (!line_start) {
    return Malformed(
        "its boundary appears inside a line, or after a bare CR or LF");
  }
  const size_t n = buf_.size();
  size_t i = at + delim_.size();
  bool close = false;
  if (i < n && buf_[i] == '-') {
    if (i + 1 == n) {
      if (!last) return Line::kUndecided;
    } else if (buf_[i + 1] == '-') {
      close = true;
      i += 2;
    }
  }
  while (i < n && (buf_[i] == ' ' || buf_[i] == '\t')) ++i;
  if (i - at > kMaxDelimiterLine) {
    return Malformed("a delimiter line is over " +
                     std::to_string(kMaxDelimiterLine) + " bytes");
  }
  if (i == n || (buf_[i] == '\r' && i + 1 == n)) {
    if (!last) return Line::kUndecided;
    if (i == n && close) {
      *end = n;
      return Line::kClose;
    }
    if (i == n) return Malformed("its last delimiter line does not end");
  } else if (buf_[i] == '\r' && buf_[i + 1] == '\n') {
    *end = i + 2;
    return close ? Line::kClose : Line::kDelimiter;
  }
  return Malformed("a line that starts with its boundary is no delimiter");
}

Status ClearSignedScanner::Release(size_t n) {
  if (n == 0) return Status::Ok();
  const std::string_view bytes = std::string_view(buf_).substr(0, n);
  if (state_ == State::kContent) {
    SP_RETURN_IF_ERROR(content_(bytes));
    content_size_ += n;
  } else if (state_ == State::kSignature) {
    if (signature_.size() + n > max_signature_) {
      return Malformed("its signature part is over " +
                       std::to_string(max_signature_ >> 10) + " KiB");
    }
    signature_.append(bytes);
  }
  Drop(n);
  return Status::Ok();
}

void ClearSignedScanner::Drop(size_t n) {
  if (n == 0) return;
  if (n >= 2) {
    last_two_[0] = buf_[n - 2];
  } else {
    last_two_[0] = last_two_[1];
  }
  last_two_[1] = buf_[n - 1];
  dropped_ += n;
  buf_.erase(0, n);
  searched_ = searched_ > n ? searched_ - n : 0;
}

Status ClearSignedScanner::EndPart(size_t at, Line line, size_t end) {
  // The CRLF before the delimiter line is the line's: the part ends before
  // it (at == 0: that CRLF ended the delimiter line before, the part is
  // empty).
  const size_t part_end = at >= 2 ? at - 2 : 0;
  switch (state_) {
    case State::kPreamble:
      if (line == Line::kClose) {
        return Malformed("no signed part (it closes before its first part)");
      }
      Drop(end);
      state_ = State::kContent;
      content_begin_ = dropped_;
      return Status::Ok();
    case State::kContent:
      SP_RETURN_IF_ERROR(Release(part_end));
      if (content_size_ == 0) return Malformed("its signed part is empty");
      if (line == Line::kClose) {
        return Malformed("no signature part (it closes after the signed part)");
      }
      Drop(end - part_end);
      state_ = State::kSignature;
      signature_begin_ = dropped_;
      return Status::Ok();
    case State::kSignature:
      SP_RETURN_IF_ERROR(Release(part_end));
      if (signature_.empty()) return Malformed("its signature part is empty");
      if (line == Line::kDelimiter) {
        return Malformed("a third part after the signature part");
      }
      state_ = State::kEpilogue;
      std::string().swap(buf_);
      return Status::Ok();
    case State::kEpilogue:
      break;
  }
  return Status::Ok();
}

// Every start of the delimiter string up to the close delimiter is looked
// at once, in order; the bytes before it that no later start can claim
// (the two before a start are its line end) go to their part as they
// come.
Status ClearSignedScanner::Scan(bool last) {
  while (state_ != State::kEpilogue) {
    const size_t at = buf_.find(delim_, searched_);
    if (at == std::string::npos) {
      // No start before here; a later one needs the two bytes before it.
      searched_ =
          buf_.size() >= delim_.size() ? buf_.size() - delim_.size() + 1 : 0;
      return Release(last ? buf_.size() : (searched_ >= 2 ? searched_ - 2 : 0));
    }
    size_t end = 0;
    SP_ASSIGN_OR_RETURN(Line line, LineAt(at, last, &end));
    if (line == Line::kUndecided) {
      searched_ = at;
      return Release(at >= 2 ? at - 2 : 0);
    }
    SP_RETURN_IF_ERROR(EndPart(at, line, end));
  }
  buf_.clear();
  return Status::Ok();
}

Status ClearSignedScanner::Finish() {
  SP_RETURN_IF_ERROR(Scan(/*last=*/true));
  switch (state_) {
    case State::kPreamble:
      return Malformed("no signed part (its boundary never comes)");
    case State::kContent:
      return Malformed("no signature part (the signed part never ends)");
    case State::kSignature:
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
