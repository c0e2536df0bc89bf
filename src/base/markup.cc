#include "base/markup.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "base/strings.h"
#include "base/utf8.h"

namespace sealpost {
namespace {

void AppendCodePoint(uint32_t c, std::string* out) {
  if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) c = ' ';
  AppendUtf8(c, *out);
}

// Elements a browser lays out inside the line they are in: their tags
// split no word. Any other tag (a paragraph, a break, a cell, one we do
// not know) is a space.
bool RunsInline(std::string_view name) {
  static constexpr std::string_view kInline[] = {
      "a",    "abbr", "b",      "bdi",  "bdo",    "big",  "cite",
      "code", "data", "del",    "dfn",  "em",     "font", "i",
      "ins",  "kbd",  "mark",   "q",    "s",      "samp", "small",
      "span", "strike", "strong", "sub", "sup",   "time", "tt",
      "u",    "var",  "wbr"};
  return std::find(std::begin(kInline), std::end(kInline), name) !=
         std::end(kInline);
}

}  // namespace

MarkupTag ReadMarkupTag(std::string_view s, size_t i) {
  MarkupTag t;
  size_t j = i + 1;
  if (j < s.size() && s[j] == '/') {
    t.closing = true;
    ++j;
  }
  size_t name_start = j;
  while (j < s.size() && s[j] != '>' && s[j] != '/' && s[j] != ' ' &&
         s[j] != '\t' && s[j] != '\r' && s[j] != '\n') {
    ++j;
  }
  std::string_view name = s.substr(name_start, j - name_start);
  if (size_t colon = name.rfind(':'); colon != std::string_view::npos) {
    name = name.substr(colon + 1);
  }
  for (char c : name.substr(0, 32)) t.name += AsciiLowerByte(c);
  size_t close = s.find('>', j);
  if (close == std::string_view::npos) {
    t.end = s.size();
    return t;
  }
  t.empty = close > i && s[close - 1] == '/';
  t.end = close + 1;
  return t;
}

size_t DecodeMarkupEntity(std::string_view s, size_t i, std::string* out) {
  size_t end = s.find(';', i);
  if (end == std::string_view::npos || end - i > 12) {
    *out += '&';
    return i + 1;
  }
  std::string_view name = s.substr(i + 1, end - i - 1);
  if (!name.empty() && name[0] == '#') {
    uint32_t c = 0;
    bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 7) {
      *out += '&';
      return i + 1;
    }
    for (char d : digits) {
      int v = d >= '0' && d <= '9'          ? d - '0'
              : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
              : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10
                                            : -1;
      if (v < 0) {
        *out += '&';
        return i + 1;
      }
      c = c * (hex ? 16 : 10) + static_cast<uint32_t>(v);
    }
    AppendCodePoint(c, out);
    return end + 1;
  }
  static constexpr std::pair<std::string_view, uint32_t> kNamed[] = {
      {"amp", '&'},     {"lt", '<'},      {"gt", '>'},      {"quot", '"'},
      {"apos", '\''},   {"nbsp", ' '},    {"eacute", 0xe9}, {"egrave", 0xe8},
      {"agrave", 0xe0}, {"ccedil", 0xe7}, {"uuml", 0xfc},   {"ouml", 0xf6},
      {"auml", 0xe4},   {"szlig", 0xdf}};
  for (const auto& [n, c] : kNamed) {
    if (name == n) {
      AppendCodePoint(c, out);
      return end + 1;
    }
  }
  *out += '&';
  return i + 1;
}

std::string HtmlToText(std::string_view html, size_t max) {
  std::string out;
  size_t i = 0;
  while (i < html.size() && out.size() < max) {
    char c = html[i];
    if (c == '&') {
      i = DecodeMarkupEntity(html, i, &out);
      continue;
    }
    if (c != '<') {
      out += c;
      ++i;
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      // Shows nothing, and splits no word.
      size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    MarkupTag tag = ReadMarkupTag(html, i);
    i = tag.end;
    if (!RunsInline(tag.name)) out += ' ';
    if (!tag.closing && !tag.empty &&
        (tag.name == "script" || tag.name == "style")) {
      // Their content is code, not text: skip to the closing tag.
      std::string closing = "</" + tag.name;
      size_t j = i;
      while (j < html.size() &&
             !StartsWithIgnoringAsciiCase(html.substr(j), closing)) {
        j = html.find('<', j + 1);
        if (j == std::string_view::npos) j = html.size();
      }
      i = j;
    }
  }
  if (out.size() > max) out.resize(max);
  return out;
}

}  // namespace sealpost
