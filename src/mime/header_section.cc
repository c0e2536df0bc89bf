#include "mime/header_section.h"

#include <algorithm>

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

void HeaderEnd::Lead(char c) {
  if (lead_from_) return;
  const auto u = static_cast<unsigned char>(c);
  const size_t at = lead_length_++;
  if (at < sizeof(lead_)) lead_[at] = c;
  if (c == ':') {
    // A name before it (blanks allowed): a field. A colon first is none.
    section_ = at > 0 ? Section::kHeld : Section::kNone;
    return;
  }
  if (c == ' ' || c == '\t') {
    lead_blank_ = true;
    return;
  }
  if (!lead_blank_ && u >= 32 && u != 127) return;  // the name goes on
  // No field (a byte after a blank, or a control byte: the line's end at
  // the latest). GMime skips an mbox "From " line at the start of a
  // message (or a munged ">From "), and gives up the message at any
  // other.
  const std::string_view first(lead_, std::min(at, sizeof(lead_)));
  if (first.starts_with("From ") || first.starts_with(">From ")) {
    lead_from_ = true;
  } else {
    section_ = Section::kNone;
  }
}

bool HeaderEnd::Feed(std::string_view bytes) {
  if (done()) return true;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    ++examined_;
    ++line_bytes_;
    if (c == '\n') {
      longest_line_ = std::max(longest_line_, line_bytes_);
      line_bytes_ = 0;
    }
    const bool lead = section_ == Section::kUndecided;
    if (line_ == Line::kInside) {
      if (lead) Lead(c);
      if (c == '\n') {
        line_ = Line::kStart;
        lead_length_ = 0;
        lead_blank_ = lead_from_ = false;
      }
    } else if (c == '\n') {
      // The empty line: a header section (of no field, if it is first).
      if (lead) section_ = Section::kHeld;
      found_ = true;
      fed_ += i + 1;
      return true;
    } else if (c == '\r' && line_ == Line::kStart) {
      line_ = Line::kStartCr;
    } else {
      if (lead && line_ == Line::kStartCr) Lead('\r');
      if (section_ == Section::kUndecided) Lead(c);
      line_ = Line::kInside;
    }
  }
  fed_ += bytes.size();
  return done();
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

std::string_view SeparatorAfterAddedFields(std::string_view message) {
  // Fed a line at a time, to stop once it is decided.
  HeaderEnd end;
  for (size_t pos = 0; pos < message.size() && end.size() == 0 &&
                       !end.given_up() && !end.done();) {
    const std::string_view line = LineAt(message, pos);
    end.Feed(line);
    pos += line.size();
  }
  return end.size() > 0 ? "" : "\r\n";
}

size_t ReservedFieldsRegion(std::string_view message) {
  HeaderEnd end;
  end.Feed(message);
  return end.size();
}

std::optional<std::string> RemoveReservedFields(std::string_view message,
                                                bool keep_protected) {
  const std::string_view region =
      message.substr(0, ReservedFieldsRegion(message));
  std::string kept;
  bool removed = false;
  bool dropping = false;
  for (size_t pos = 0; pos < region.size();) {
    std::string_view line = LineAt(region, pos);
    pos += line.size();
    bool continuation = line[0] == ' ' || line[0] == '\t';
    if (!continuation) {
      // A line that is no field (GMime skips it) is none of ours either.
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
  return kept + std::string(message.substr(region.size()));
}

}  // namespace sealpost::mime
