#include "mime/header_section.h"

#include "base/strings.h"

namespace sealpost::mime {
namespace {

// The length of the field name when `line` starts a header field
// ("Name:" with printable US-ASCII except ':', RFC 5322 §3.6.8; spaces
// before the colon are tolerated as obsolete syntax, §4.5), else 0.
size_t FieldNameLength(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] > ' ' && line[i] < 127 && line[i] != ':') {
    ++i;
  }
  size_t name = i;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return name > 0 && i < line.size() && line[i] == ':' ? name : 0;
}

// The line at `pos` including its LF (or up to the end).
std::string_view LineAt(std::string_view s, size_t pos) {
  size_t nl = s.find('\n', pos);
  return s.substr(pos, nl == std::string_view::npos ? s.npos : nl + 1 - pos);
}

bool IsEmptyLine(std::string_view line) {
  return line == "\r\n" || line == "\n";
}

}  // namespace

bool IsReservedField(std::string_view name, bool keep_protected) {
  if (!StartsWithIgnoringAsciiCase(name, "x-sealpost-")) return false;
  if (EqualsIgnoringAsciiCase(name, "x-sealpost-template")) return false;
  return !(keep_protected &&
           EqualsIgnoringAsciiCase(name, "x-sealpost-protected"));
}

bool HeaderEnd::Feed(std::string_view bytes) {
  if (done()) return true;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    ++examined_;
    if (line_ == Line::kInside) {
      if (c == '\n') line_ = Line::kStart;
    } else if (c == '\n') {
      found_ = true;
      fed_ += i + 1;
      return true;
    } else {
      line_ =
          c == '\r' && line_ == Line::kStart ? Line::kStartCr : Line::kInside;
    }
  }
  fed_ += bytes.size();
  return done();
}

void HeaderSectionSize::Feed(std::string_view bytes) {
  // FieldNameLength's characters, one at a time.
  auto name_char = [](unsigned char c) {
    return c > ' ' && c < 127 && c != ':';
  };
  auto blank = [](unsigned char c) { return c == ' ' || c == '\t'; };
  size_t i = 0;
  while (i < bytes.size() && state_ != State::kEnded) {
    if (state_ == State::kField) {
      // The rest of a field's line: only its LF matters.
      const size_t lf = bytes.find('\n', i);
      const size_t next = lf == std::string_view::npos ? bytes.size() : lf + 1;
      line_ += next - i;
      i = next;
      if (lf != std::string_view::npos) {
        lines_ += line_;
        line_ = 0;
        state_ = State::kStart;
      }
      continue;
    }
    const auto c = static_cast<unsigned char>(bytes[i++]);
    ++line_;
    State next = State::kEnded;  // a line that is no field: not counted
    switch (state_) {
      case State::kStart:
        if (c == '\n') {
          lines_ += line_;  // the empty line (bare LF)
        } else if (c == '\r') {
          next = State::kStartCr;
        } else if (blank(c)) {
          // A continuation, but not as the first line.
          if (lines_ > 0) next = State::kField;
        } else if (name_char(c)) {
          next = State::kName;
        }
        break;
      case State::kStartCr:
        if (c == '\n') lines_ += line_;  // the empty line (CRLF)
        break;
      case State::kName:
      case State::kNameBlank:
        if (c == ':') {
          next = State::kField;
        } else if (blank(c)) {
          next = State::kNameBlank;
        } else if (name_char(c) && state_ == State::kName) {
          next = State::kName;
        }
        break;
      case State::kField:
      case State::kEnded:
        break;
    }
    state_ = next;
  }
}

HeaderSection SplitHeaderSection(std::string_view message) {
  size_t pos = 0;
  while (pos < message.size()) {
    std::string_view line = LineAt(message, pos);
    if (IsEmptyLine(line)) {
      return {message.substr(0, pos), message.substr(pos + line.size())};
    }
    bool continuation = pos > 0 && (line[0] == ' ' || line[0] == '\t');
    if (!continuation && FieldNameLength(line) == 0) {
      return {message.substr(0, pos), message.substr(pos)};
    }
    pos += line.size();
  }
  return {message, {}};
}

std::optional<std::string> RemoveReservedFields(std::string_view message,
                                                bool keep_protected) {
  HeaderSection hs = SplitHeaderSection(message);
  std::string kept;
  bool removed = false;
  bool dropping = false;
  for (size_t pos = 0; pos < hs.header.size();) {
    std::string_view line = LineAt(hs.header, pos);
    pos += line.size();
    bool continuation = line[0] == ' ' || line[0] == '\t';
    if (!continuation) {
      dropping = IsReservedField(line.substr(0, FieldNameLength(line)),
                                 keep_protected);
    }
    if (dropping) {
      removed = true;
    } else {
      kept += line;
    }
  }
  if (!removed) return std::nullopt;
  return kept + std::string(message.substr(hs.header.size()));
}

}  // namespace sealpost::mime
