#include "smime/mail_stream.h"

#include "mime/facts.h"
#include "mime/header_section.h"

namespace sealpost::smime {
namespace {

constexpr size_t kSlice = 64 << 10;

// The value of a base64 character; -1 for whitespace, -2 for '=', -3 for
// anything else.
int Sextet(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return -1;
  if (c == '=') return -2;
  return -3;
}

// What marks a NothingOpenedError, whose message ends in kNothingOpened.
enum class Refused { kNothingOpened };
constexpr std::string_view kNothingOpened = " (nothing was opened)";

Status NotBase64() {
  return NothingOpenedError("the S/MIME message's body is not valid base64");
}

}  // namespace

Status NothingOpenedError(std::string_view what) {
  return InvalidArgumentError(std::string(what) + std::string(kNothingOpened))
      .WithReason(Refused::kNothingOpened);
}

std::optional<std::string> NothingOpenedWhat(const Status& s) {
  if (s.Reason<Refused>() != Refused::kNothingOpened) return std::nullopt;
  return s.message().substr(0, s.message().size() - kNothingOpened.size());
}

Status Base64BodySource::Restart() {
  SP_RETURN_IF_ERROR(in_.Restart());
  started_ = true;
  at_end_ = padded_ = false;
  raw_.clear();
  pos_ = 0;
  quad_ = 0;
  have_ = 0;
  uint64_t skipped = 0;
  while (skipped < skip_) {
    raw_.clear();
    SP_ASSIGN_OR_RETURN(size_t n, in_.Read(kSlice, &raw_));
    if (n == 0) return NotBase64();
    size_t k = static_cast<size_t>(std::min<uint64_t>(n, skip_ - skipped));
    skipped += k;
    pos_ = k;
  }
  return Status::Ok();
}

Status Base64BodySource::Decode(size_t max, size_t start, std::string* out) {
  while (pos_ < raw_.size() && out->size() - start < max) {
    int v = Sextet(static_cast<unsigned char>(raw_[pos_++]));
    if (v == -1) continue;
    if (v == -3) return NotBase64();
    if (v == -2) {
      // "xx==" or "xxx=": the last bytes; more '=' may follow, nothing else.
      if (!padded_) {
        if (have_ < 2) return NotBase64();
        out->push_back(static_cast<char>(quad_ >> (have_ == 2 ? 4 : 10)));
        if (have_ == 3) out->push_back(static_cast<char>(quad_ >> 2));
        padded_ = true;
        have_ = 0;
      }
      continue;
    }
    if (padded_) return NotBase64();
    quad_ = (quad_ << 6) | static_cast<uint32_t>(v);
    if (++have_ == 4) {
      out->push_back(static_cast<char>(quad_ >> 16));
      out->push_back(static_cast<char>(quad_ >> 8));
      out->push_back(static_cast<char>(quad_));
      quad_ = 0;
      have_ = 0;
    }
  }
  return Status::Ok();
}

Result<size_t> Base64BodySource::Read(size_t max, std::string* out) {
  if (!started_) SP_RETURN_IF_ERROR(Restart());
  const size_t start = out->size();
  while (out->size() - start < max && !at_end_) {
    if (pos_ == raw_.size()) {
      raw_.clear();
      pos_ = 0;
      SP_ASSIGN_OR_RETURN(size_t n, in_.Read(kSlice, &raw_));
      if (n == 0) {
        at_end_ = true;
        // An unpadded end is refused: GMime, which reads the same body
        // in memory, drops it, so taking it would give the streamed read
        // bytes (a verdict: "already encrypted", "verified") the whole
        // message does not get.
        if (have_ != 0) return NotBase64();
        break;
      }
    }
    SP_RETURN_IF_ERROR(Decode(max, start, out));
  }
  return out->size() - start;
}

Status EntitySink::Decide() {
  const mime::HeaderSection hs = mime::SplitHeaderSection(held_);
  auto facts = mime::ExtractFacts(outer_ + std::string(hs.header) + "\r\n", 0);
  if (facts.ok() && (facts->claims_smime_encrypted || facts->is_signed)) {
    state_ = State::kNested;
    SP_ASSIGN_OR_RETURN(spool_, crypto::Spool::Create(spool_dir_));
    SP_RETURN_IF_ERROR(spool_->Append(outer_));
    SP_RETURN_IF_ERROR(spool_->Append(held_));
  } else {
    state_ = State::kStreaming;
    SP_RETURN_IF_ERROR(out_(outer_));
    SP_RETURN_IF_ERROR(out_(held_));
  }
  std::string().swap(held_);
  return Status::Ok();
}

Status EntitySink::Write(std::string_view bytes) {
  if (state_ == State::kStreaming) return out_(bytes);
  if (state_ == State::kNested) return spool_->Append(bytes);
  held_.append(bytes);
  if (header_end_.Feed(bytes)) {
    return Decide();
  }
  return Status::Ok();
}

Status EntitySink::Finish() {
  return state_ == State::kUndecided ? Decide() : Status::Ok();
}

Result<std::unique_ptr<SizedByteSource>> EntitySink::TakeNested() {
  if (!spool_) return InternalError("the entity was not spooled");
  SP_RETURN_IF_ERROR(spool_->Finish());
  auto reader = spool_->Open();
  spool_.reset();
  return reader;
}

}  // namespace sealpost::smime
