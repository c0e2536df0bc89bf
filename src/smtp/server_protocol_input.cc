// Reading the client's bytes, part of ServerProtocol (server_protocol.h):
// the loop that cuts the input into command lines, SASL responses or message
// data; line limits and bare line breaks (RFC 5321 §2.3.8, §4.5.3.1); the
// end of the data, dot-stuffing and SMTP smuggling (§4.5.2); the message
// and header section size limits.
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "base/strings.h"
#include "smtp/command.h"
#include "smtp/server_protocol.h"

namespace sealpost::smtp {
namespace {

// RFC 4954 §4: AUTH command lines and SASL responses may be this long.
constexpr size_t kAuthLineLimit = 12288;

// RFC 5321 §2.3.8: "<CR> and <LF> MUST only occur together as CRLF"; the
// reply names the stray one (Postfix says "bare <LF> received" too).
Reply BareNewlineReply(int code, char c) {
  return Reply::Make(code, "5.5.2",
                     std::string("bare ") + (c == '\r' ? "<CR>" : "<LF>") +
                         " received; use <CR><LF> line endings");
}

// The first CR or LF in `s` at or after `from`, or npos, by two memchr
// scans (string_view::find_first_of("\r\n") searches the two-byte set once
// per byte). `lf` carries the first LF found by an earlier call on the same
// `s` (s.size() for none; start with npos): data of bare CRs without an LF
// must not make every line scan the rest of the buffer again.
size_t FindLineBreak(std::string_view s, size_t from, size_t& lf) {
  if (lf == std::string_view::npos || lf < from) {
    const auto* p = static_cast<const char*>(
        std::memchr(s.data() + from, '\n', s.size() - from));
    lf = p != nullptr ? static_cast<size_t>(p - s.data()) : s.size();
  }
  if (const auto* cr = static_cast<const char*>(
          std::memchr(s.data() + from, '\r', lf - from));
      cr != nullptr) {
    return static_cast<size_t>(cr - s.data());
  }
  return lf < s.size() ? lf : std::string_view::npos;
}

}  // namespace

void ServerProtocol::Process(std::vector<Action>& out) {
  std::string line;
  while (true) {
    if (phase_ == Phase::kCommand || phase_ == Phase::kSasl) {
      const LineStatus status = NextCommandLine(line);
      if (status == LineStatus::kNone) break;
      if (status == LineStatus::kBareLf) {
        // Postfix's smtpd_forbid_bare_newline: answer and close, so that
        // nothing more of a bare-LF stream is read as commands.
        Close(out, BareNewlineReply(500, '\n'));
        break;
      }
      const bool sasl = phase_ == Phase::kSasl;
      if (status == LineStatus::kTooLong) {
        // RFC 5321 §4.5.3.1.10: "500 Line too long"; it ends an AUTH.
        phase_ = Phase::kCommand;
        sasl_user_.clear();
        Send(out, 500, "5.5.2", "Line too long");
        continue;
      }
      if (sasl) {
        OnSaslResponse(line, out);
      } else {
        HandleCommand(line, out);
      }
    } else if (phase_ == Phase::kData) {
      if (!ConsumeData()) break;
      FinishData(out);
    } else {
      break;
    }
  }
  in_.erase(0, in_pos_);
  in_pos_ = 0;
}

size_t ServerProtocol::LineLimit() const {
  const size_t auth = std::max(kAuthLineLimit, options_.max_command_line);
  if (!options_.auth_available) return options_.max_command_line;
  if (phase_ == Phase::kSasl) return auth;
  std::string_view rest(in_.data() + in_pos_,
                        std::min<size_t>(5, in_.size() - in_pos_));
  return EqualsIgnoringAsciiCase(rest, "AUTH ") ? auth
                                                : options_.max_command_line;
}

ServerProtocol::LineStatus ServerProtocol::NextCommandLine(std::string& line) {
  const size_t limit = LineLimit();
  size_t nl = in_.find('\n', in_pos_);
  if (nl == std::string::npos) {
    if (in_.size() - in_pos_ > limit) {
      // Drop the overlong line as it arrives instead of buffering it.
      discarding_line_ = true;
      in_pos_ = in_.size();
    }
    return LineStatus::kNone;
  }
  std::string_view raw(in_.data() + in_pos_, nl - in_pos_);
  in_pos_ = nl + 1;
  if (discarding_line_) {
    discarding_line_ = false;
    return LineStatus::kTooLong;
  }
  // Commands end in CRLF (RFC 5321 §2.3.8).
  if (!raw.empty() && raw.back() == '\r') {
    raw.remove_suffix(1);
  } else if (options_.bare_newline == BareNewline::kReject) {
    return LineStatus::kBareLf;
  }
  if (raw.size() + 2 > limit) return LineStatus::kTooLong;
  line.assign(raw);
  return LineStatus::kLine;
}

bool ServerProtocol::ConsumeData() {
  size_t lf = std::string_view::npos;  // FindLineBreak's; in_ stays as it is
  while (in_pos_ < in_.size()) {
    if (data_line_start_ && in_[in_pos_] == '.') {
      switch (CheckDotLine()) {
        case DotLine::kMore:
          return false;
        case DotLine::kEnd:
          return true;
        case DotLine::kSmuggling:
          data_smuggling_ = true;
          return true;
        case DotLine::kText:
          break;
      }
    }
    data_line_start_ = false;
    const std::string_view in(in_);
    const size_t brk = FindLineBreak(in, in_pos_, lf);
    if (brk == std::string::npos) {
      AppendData(in.substr(in_pos_));
      in_pos_ = in.size();
      return false;
    }
    if (in[brk] == '\r' && brk + 1 == in.size()) {
      // The CR may be the first half of a CRLF: keep it for later.
      AppendData(in.substr(in_pos_, brk - in_pos_));
      in_pos_ = brk;
      return false;
    }
    if (in[brk] == '\r' && in[brk + 1] == '\n') {
      AppendData(in.substr(in_pos_, brk + 2 - in_pos_));
      in_pos_ = brk + 2;
      StartLine(/*after_bare=*/false);
      continue;
    }
    AppendData(in.substr(in_pos_, brk - in_pos_));
    BareNewlineInData(in[brk]);
    in_pos_ = brk + 1;
    StartLine(/*after_bare=*/true);
  }
  return false;
}

ServerProtocol::DotLine ServerProtocol::CheckDotLine() {
  const size_t avail = in_.size() - in_pos_;
  if (avail < 2) return DotLine::kMore;
  const char next = in_[in_pos_ + 1];
  if (next == '\r' && avail < 3) return DotLine::kMore;
  // RFC 5321 §4.5.2: CRLF "." CRLF ends the data.
  if (next == '\r' && in_[in_pos_ + 2] == '\n' && !data_after_bare_) {
    in_pos_ += 3;
    return DotLine::kEnd;
  }
  // A "." alone between line breaks of which one is bare: where a lenient
  // next hop would end the data (SMTP smuggling). Never ours.
  if (next == '\r' || next == '\n') {
    if (data_bare_ == 0) data_bare_ = next;
    return DotLine::kSmuggling;
  }
  // RFC 5321 §4.5.2: "If the first character is a period and there are
  // other characters on the line, the first character is deleted."
  ++in_pos_;
  data_line_length_ = 1;
  return DotLine::kText;
}

void ServerProtocol::StartLine(bool after_bare) {
  data_line_start_ = true;
  data_after_bare_ = after_bare;
  data_line_length_ = 0;
}

void ServerProtocol::BareNewlineInData(char c) {
  if (data_bare_ == 0) data_bare_ = c;
  if (options_.bare_newline == BareNewline::kNormalize) {
    AppendData("\r\n");
  } else {
    AppendData(std::string_view(&c, 1));
  }
}

void ServerProtocol::AppendData(std::string_view bytes) {
  const size_t n = bytes.size();
  data_line_length_ += n;
  if (data_line_length_ > options_.max_data_line) data_line_too_long_ = true;
  if (data_too_big_ || data_header_too_big_ || data_header_line_too_long_ ||
      data_no_memory_ || data_no_space_) {
    return;
  }
  if (data_size_ + n > options_.max_message_bytes) {
    // Keep reading to the end of the data, but stop keeping it.
    data_too_big_ = true;
    DropData();
    return;
  }
  if (!data_header_.done()) {
    // The bytes as kept (unstuffed, bare newlines as configured): those
    // the protection stage reads.
    data_header_.Feed(bytes);
    if (data_header_.size() > options_.max_header_bytes) {
      // As for the size: read to the end of the data, keep nothing.
      data_header_too_big_ = true;
      DropData();
      return;
    }
    if (data_header_.longest_line() > kMaxHeaderLine) {
      // A line that GMime's parser reads cut at its 4 KiB buffer, and
      // readers after us whole, would split our view of the header from
      // theirs (kMaxHeaderLine). As for the size: read on, keep nothing.
      data_header_line_too_long_ = true;
      DropData();
      return;
    }
  }
  data_size_ += n;
  if (spool_ != nullptr) {
    if (!spool_->Append(bytes).ok()) NoSpace();
    return;
  }
  message_.append(bytes);
  if (options_.open_spool && message_.size() > options_.spool_threshold) {
    // From here on the message goes to its spool as it arrives.
    auto spool = options_.open_spool();
    if (!spool.ok() || !(*spool)->Append(message_).ok()) {
      NoSpace();
      return;
    }
    spool_ = std::move(*spool);
    std::string().swap(message_);
    return;
  }
  // What the buffer holds is its capacity; reserve ahead in steps.
  const auto held = static_cast<int64_t>(message_.capacity());
  if (held > data_reservation_.bytes() &&
      !data_reservation_.GrowTo(held + kDataMemoryStep)) {
    // Over the memory budget: read to the end of the data, keep nothing,
    // answer 452 then.
    data_no_memory_ = true;
    DropData();
  }
}

void ServerProtocol::DropData() {
  std::string().swap(message_);
  spool_.reset();
  data_reservation_.Release();
}

void ServerProtocol::NoSpace() {
  // The disk is full (or the spool directory unusable): read to the end of
  // the data, keep nothing, answer 452 then.
  data_no_space_ = true;
  DropData();
}

void ServerProtocol::FinishData(std::vector<Action>& out) {
  phase_ = Phase::kCommand;
  // Each answer here but the message handed on refuses it, for the I/O
  // layer's count (sealpost_smtp_messages_rejected_total).
  const size_t at = out.size();
  auto refuse = [&](Reply reply) {
    Send(out, std::move(reply));
    out[at].data_refused = true;
    ResetTransaction();
  };
  if (data_smuggling_) {
    // The client thinks its message has ended, or hopes a next hop will:
    // nothing after this can be trusted to be in step.
    Close(out, BareNewlineReply(550, data_bare_));
    out[at].data_refused = true;
    return;
  }
  if (data_bare_ != 0 && options_.bare_newline == BareNewline::kReject) {
    refuse(BareNewlineReply(550, data_bare_));
    return;
  }
  if (data_too_big_) {
    // RFC 1870 §6.2 / RFC 3463 X.3.4.
    refuse(Reply::Make(552, "5.3.4",
                       "Message size exceeds fixed maximum message size"));
    return;
  }
  if (data_header_too_big_) {
    // Exchange's answer over its MaxHeaderSize (RFC 3463 X.3.4, too big
    // for the system), worded as the 552 for the message size.
    refuse(Reply::Make(552, "5.3.4",
                       "Message header size exceeds fixed maximum size"));
    out[at].header_too_big = true;
    return;
  }
  if (data_header_line_too_long_) {
    // RFC 3463 X.3.4 as for the header's size: a line of the header
    // section over mime::kMaxHeaderLine.
    refuse(Reply::Make(552, "5.3.4",
                       "Message header line exceeds fixed maximum length"));
    out[at].header_line_too_long = true;
    return;
  }
  if (data_line_too_long_) {
    refuse(Reply::Make(500, "5.5.2", "Line too long"));
    return;
  }
  if (spool_ != nullptr && !spool_->Finish().ok()) NoSpace();
  if (data_no_memory_ || data_no_space_) {
    // RFC 3463 X.3.1: mail system full; nothing was kept.
    refuse(Reply::Make(452, "4.3.1",
                       "Insufficient system storage, try again later"));
    return;
  }
  Action a;
  a.kind = Action::Kind::kMessage;
  a.envelope = envelope_;
  a.message = std::move(message_);
  a.spool = std::move(spool_);
  if (a.spool != nullptr) {
    // Nothing of it is in memory any more.
    data_reservation_.Release();
  }
  a.reservation = std::move(data_reservation_);
  out.push_back(std::move(a));
  ResetTransaction();
  phase_ = Phase::kAwaitCommit;
}

}  // namespace sealpost::smtp
