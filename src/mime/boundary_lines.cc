#include "mime/boundary_lines.h"

#include <algorithm>
#include <cstring>

namespace sealpost::mime::internal {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view TrimBlanks(std::string_view line) {
  while (!line.empty() && IsBlank(line.back())) line.remove_suffix(1);
  return line;
}

// Whether `line` (blanks trimmed) may be a boundary line of a boundary
// whose "--" + boundary, blanks trimmed, `known` holds. GMime takes a line
// that starts with "--" + boundary ("--" again or not) and has only blanks
// after it (gmime-parser.c, is_boundary); a boundary may end in blanks
// itself ("b "), so both sides are compared trimmed: every such line
// matches, and a few more ("--b" for "b ") do.
template <typename Known>
bool MayBeBoundaryLine(std::string_view line, const Known& known) {
  if (known(line)) return true;
  return line.ends_with("--") &&
         known(TrimBlanks(line.substr(0, line.size() - 2)));
}

}  // namespace

int64_t BoundaryLines::Read(std::string_view slice) {
  ended_ = 0;
  const char* data = slice.data();
  const size_t n = slice.size();
  size_t i = 0;
  while (i < n) {
    if (in_line_) {
      const auto* lf =
          static_cast<const char*>(std::memchr(data + i, '\n', n - i));
      const size_t end = lf == nullptr ? n : static_cast<size_t>(lf - data);
      Take(slice.substr(i, end - i));
      if (lf == nullptr) break;
      EndLine(read_ + static_cast<int64_t>(end) + 1);
      at_line_start_ = true;
      i = end + 1;
      continue;
    }
    const auto* dash =
        static_cast<const char*>(std::memchr(data + i, '-', n - i));
    if (dash == nullptr) {
      at_line_start_ = data[n - 1] == '\n';
      break;
    }
    const size_t at = static_cast<size_t>(dash - data);
    if (at == i ? at_line_start_ : data[at - 1] == '\n') {
      in_line_ = true;
      i = at;
    } else {
      at_line_start_ = false;
      i = at + 1;
    }
  }
  read_ += static_cast<int64_t>(n);
  return ended_;
}

void BoundaryLines::Take(std::string_view part) {
  if (!may_be_) return;
  // Its first two bytes decide whether the line may be one at all.
  while (line_.size() < 2 && !part.empty()) {
    if (part[0] != '-') {
      may_be_ = false;
      line_.clear();
      return;
    }
    line_ += '-';
    part.remove_prefix(1);
  }
  const size_t kept = std::max(longest_ + 2, kWindow);
  const size_t keep =
      std::min(part.size(), kept - std::min(kept, line_.size()));
  line_.append(part.data(), keep);
  if (!std::all_of(part.begin() + static_cast<std::ptrdiff_t>(keep), part.end(),
                   IsBlank)) {
    may_be_ = false;
    line_.clear();
  }
}

void BoundaryLines::EndLine(int64_t end) {
  if (may_be_ && line_.size() >= 2) {
    const std::string_view line = TrimBlanks(line_);
    if (MayBeBoundaryLine(line, [this](std::string_view trimmed) {
          return known_.contains(trimmed);
        })) {
      ++ended_;
    }
    while (!recent_.empty() &&
           recent_.front().first < end - static_cast<int64_t>(kWindow)) {
      recent_.pop_front();
    }
    recent_.emplace_back(end, std::string(line));
  }
  in_line_ = false;
  line_.clear();
  may_be_ = true;
}

int64_t BoundaryLines::Declare(std::string_view boundary) {
  std::string dashed = "--";
  dashed += boundary;
  longest_ = std::max(longest_, dashed.size());
  const std::string_view trimmed = TrimBlanks(dashed);
  if (!known_.emplace(trimmed).second) return 0;
  int64_t lines = 0;
  for (const auto& [end, line] : recent_) {
    if (end >= read_ - static_cast<int64_t>(kWindow) &&
        MayBeBoundaryLine(line, [trimmed](std::string_view other) {
          return other == trimmed;
        })) {
      ++lines;
    }
  }
  return lines;
}

}  // namespace sealpost::mime::internal
