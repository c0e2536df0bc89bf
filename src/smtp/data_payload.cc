#include "smtp/data_payload.h"

namespace sealpost::smtp {

Result<bool> DataPayload::Next(std::string* out) {
  if (ended_) return false;
  slice_.clear();
  SP_ASSIGN_OR_RETURN(bool more, content_->Next(&slice_));
  if (more) {
    DotStuffSlice(slice_, &line_start_, out);
    if (slice_.size() >= 2) {
      last_[0] = slice_[slice_.size() - 2];
    } else if (!slice_.empty()) {
      last_[0] = last_[1];
    }
    if (!slice_.empty()) {
      last_[1] = slice_.back();
      empty_ = false;
    }
    return true;
  }
  ended_ = true;
  // DotStuffEnd on the last two bytes: all it looks at.
  DotStuffEnd(empty_ ? std::string_view() : std::string_view(last_, 2), out);
  return true;
}

std::string DotStuff(std::string_view content) {
  std::string out;
  bool line_start = true;
  DotStuffSlice(content, &line_start, &out);
  DotStuffEnd(content, &out);
  return out;
}

void DotStuffSlice(std::string_view part, bool* line_start, std::string* out) {
  out->reserve(out->size() + part.size() + part.size() / 64 + 8);
  bool start = *line_start;
  for (char c : part) {
    if (start && c == '.') *out += '.';
    *out += c;
    // After a bare CR or LF too: a next hop that ends lines there must never
    // see a lone "." (SMTP smuggling, RFC 5321 §2.3.8); a strict one just
    // keeps one more dot in such malformed mail.
    start = c == '\n' || c == '\r';
  }
  *line_start = start;
}

void DotStuffEnd(std::string_view content, std::string* out) {
  // The terminator needs a CRLF before it, not a bare CR or LF.
  if (!content.empty() && !content.ends_with("\r\n")) *out += "\r\n";
  *out += ".\r\n";
}

}  // namespace sealpost::smtp
