#include "policy/text_match.h"

#include "base/strings.h"

namespace sealpost::policy {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
         c == '\v';
}

// RE2 keeps a pattern's compiled program within this budget (default 8 MiB);
// 300 rules with a few patterns each stay small.
constexpr int64_t kPatternMaxMem = int64_t{2} << 20;

}  // namespace

std::string_view TrimWhitespace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

bool DomainMatches(std::string_view domain, std::string_view value) {
  value = TrimWhitespace(value);
  if (value.starts_with('@')) value.remove_prefix(1);
  if (value.starts_with("*.")) value.remove_prefix(2);
  if (value.empty()) return false;
  if (EqualsIgnoringAsciiCase(domain, value)) return true;
  return domain.size() > value.size() &&
         domain[domain.size() - value.size() - 1] == '.' &&
         EqualsIgnoringAsciiCase(domain.substr(domain.size() - value.size()),
                                 value);
}

bool GlobMatch(std::string_view text, std::string_view glob) {
  // Greedy matching with one backtrack point: O(text * glob) worst case.
  size_t t = 0, g = 0;
  size_t star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (g < glob.size() && (glob[g] == '?' || AsciiLowerByte(glob[g]) ==
                                                  AsciiLowerByte(text[t]))) {
      ++t;
      ++g;
    } else if (g < glob.size() && glob[g] == '*') {
      star = g++;
      mark = t;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

bool AttachmentNameMatches(std::string_view name, std::string_view value) {
  // As Windows saves it: without its trailing dots and spaces ("evil.exe."
  // is evil.exe, whose extension is exe).
  while (!name.empty() && (name.back() == '.' || name.back() == ' ')) {
    name.remove_suffix(1);
  }
  value = TrimWhitespace(value);
  if (value.empty()) return false;
  // "*.pdf" is an extension; other globs match the whole name.
  if (value.starts_with("*.") &&
      value.substr(2).find_first_of("*?.") == std::string_view::npos) {
    value.remove_prefix(2);
  } else if (value.find_first_of("*?") != std::string_view::npos) {
    return GlobMatch(name, value);
  } else if (value.starts_with('.')) {
    value.remove_prefix(1);
  } else if (value.find('.') != std::string_view::npos) {
    return EqualsIgnoringAsciiCase(name, value);
  }
  const size_t dot = name.rfind('.');
  return dot != std::string_view::npos &&
         EqualsIgnoringAsciiCase(name.substr(dot + 1), value);
}

RE2::Options PatternOptions() {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_case_sensitive(false);
  options.set_log_errors(false);
  options.set_max_mem(kPatternMaxMem);
  return options;
}

Result<std::shared_ptr<const RE2>> CompilePattern(std::string_view pattern) {
  auto re = std::make_shared<const RE2>(
      re2::StringPiece(pattern.data(), pattern.size()), PatternOptions());
  if (!re->ok()) return InvalidArgumentError("invalid pattern: " + re->error());
  return std::shared_ptr<const RE2>(std::move(re));
}

Result<std::shared_ptr<const RE2>> CompileWordList(
    const std::vector<std::string>& words) {
  // A word that starts (ends) with a word character must not be preceded
  // (followed) by one. RE2 has no look-behind, so the boundary consumes the
  // neighbouring character; that is fine for a yes/no match.
  static constexpr std::string_view kBefore = R"((?:^|[^\pL\pN_]))";
  static constexpr std::string_view kAfter = R"((?:$|[^\pL\pN_]))";
  std::string pattern = "(?s:";
  bool first = true;
  for (const std::string& word : words) {
    std::string_view w = TrimWhitespace(word);
    if (w.empty()) continue;
    if (!first) pattern += '|';
    first = false;
    pattern += "(?:";
    if (IsWordByte(w.front())) pattern += kBefore;
    // Whitespace inside a phrase matches any run of whitespace.
    size_t i = 0;
    bool first_part = true;
    while (i < w.size()) {
      size_t j = i;
      while (j < w.size() && !IsSpace(w[j])) ++j;
      if (!first_part) pattern += R"(\s+)";
      first_part = false;
      pattern += RE2::QuoteMeta(re2::StringPiece(w.data() + i, j - i));
      i = j;
      while (i < w.size() && IsSpace(w[i])) ++i;
    }
    if (IsWordByte(w.back())) pattern += kAfter;
    pattern += ')';
  }
  if (first) return InvalidArgumentError("no words");
  pattern += ')';
  return CompilePattern(pattern);
}

}  // namespace sealpost::policy
