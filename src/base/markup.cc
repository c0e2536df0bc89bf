#include "base/markup.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <unordered_map>
#include <utility>

#include "base/strings.h"
#include "base/utf8.h"

namespace sealpost {
namespace {

void AppendCodePoint(uint32_t c, std::string* out) {
  if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) c = ' ';
  AppendUtf8(c, *out);
}

bool IsAsciiAlnum(char c) { return IsAsciiAlpha(c) || (c >= '0' && c <= '9'); }

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

// HTML 4's character entity references (and &apos;), sorted by name.
constexpr std::pair<std::string_view, uint32_t> kNamed[] = {
    {"AElig", 0xC6},
    {"Aacute", 0xC1},
    {"Acirc", 0xC2},
    {"Agrave", 0xC0},
    {"Alpha", 0x391},
    {"Aring", 0xC5},
    {"Atilde", 0xC3},
    {"Auml", 0xC4},
    {"Beta", 0x392},
    {"Ccedil", 0xC7},
    {"Chi", 0x3A7},
    {"Dagger", 0x2021},
    {"Delta", 0x394},
    {"ETH", 0xD0},
    {"Eacute", 0xC9},
    {"Ecirc", 0xCA},
    {"Egrave", 0xC8},
    {"Epsilon", 0x395},
    {"Eta", 0x397},
    {"Euml", 0xCB},
    {"Gamma", 0x393},
    {"Iacute", 0xCD},
    {"Icirc", 0xCE},
    {"Igrave", 0xCC},
    {"Iota", 0x399},
    {"Iuml", 0xCF},
    {"Kappa", 0x39A},
    {"Lambda", 0x39B},
    {"Mu", 0x39C},
    {"Ntilde", 0xD1},
    {"Nu", 0x39D},
    {"OElig", 0x152},
    {"Oacute", 0xD3},
    {"Ocirc", 0xD4},
    {"Ograve", 0xD2},
    {"Omega", 0x3A9},
    {"Omicron", 0x39F},
    {"Oslash", 0xD8},
    {"Otilde", 0xD5},
    {"Ouml", 0xD6},
    {"Phi", 0x3A6},
    {"Pi", 0x3A0},
    {"Prime", 0x2033},
    {"Psi", 0x3A8},
    {"Rho", 0x3A1},
    {"Scaron", 0x160},
    {"Sigma", 0x3A3},
    {"THORN", 0xDE},
    {"Tau", 0x3A4},
    {"Theta", 0x398},
    {"Uacute", 0xDA},
    {"Ucirc", 0xDB},
    {"Ugrave", 0xD9},
    {"Upsilon", 0x3A5},
    {"Uuml", 0xDC},
    {"Xi", 0x39E},
    {"Yacute", 0xDD},
    {"Yuml", 0x178},
    {"ZeroWidthSpace", 0x200B},
    {"Zeta", 0x396},
    {"aacute", 0xE1},
    {"acirc", 0xE2},
    {"acute", 0xB4},
    {"aelig", 0xE6},
    {"agrave", 0xE0},
    {"alefsym", 0x2135},
    {"alpha", 0x3B1},
    {"amp", 0x26},
    {"and", 0x2227},
    {"ang", 0x2220},
    {"apos", 0x27},
    {"aring", 0xE5},
    {"asymp", 0x2248},
    {"atilde", 0xE3},
    {"auml", 0xE4},
    {"bdquo", 0x201E},
    {"beta", 0x3B2},
    {"brvbar", 0xA6},
    {"bull", 0x2022},
    {"cap", 0x2229},
    {"ccedil", 0xE7},
    {"cedil", 0xB8},
    {"cent", 0xA2},
    {"chi", 0x3C7},
    {"circ", 0x2C6},
    {"clubs", 0x2663},
    {"cong", 0x2245},
    {"copy", 0xA9},
    {"crarr", 0x21B5},
    {"cup", 0x222A},
    {"curren", 0xA4},
    {"dArr", 0x21D3},
    {"dagger", 0x2020},
    {"darr", 0x2193},
    {"deg", 0xB0},
    {"delta", 0x3B4},
    {"diams", 0x2666},
    {"divide", 0xF7},
    {"eacute", 0xE9},
    {"ecirc", 0xEA},
    {"egrave", 0xE8},
    {"empty", 0x2205},
    {"emsp", 0x2003},
    {"ensp", 0x2002},
    {"epsilon", 0x3B5},
    {"equiv", 0x2261},
    {"eta", 0x3B7},
    {"eth", 0xF0},
    {"euml", 0xEB},
    {"euro", 0x20AC},
    {"exist", 0x2203},
    {"fnof", 0x192},
    {"forall", 0x2200},
    {"frac12", 0xBD},
    {"frac14", 0xBC},
    {"frac34", 0xBE},
    {"frasl", 0x2044},
    {"gamma", 0x3B3},
    {"ge", 0x2265},
    {"gt", 0x3E},
    {"hArr", 0x21D4},
    {"harr", 0x2194},
    {"hearts", 0x2665},
    {"hellip", 0x2026},
    {"iacute", 0xED},
    {"icirc", 0xEE},
    {"iexcl", 0xA1},
    {"igrave", 0xEC},
    {"image", 0x2111},
    {"infin", 0x221E},
    {"int", 0x222B},
    {"iota", 0x3B9},
    {"iquest", 0xBF},
    {"isin", 0x2208},
    {"iuml", 0xEF},
    {"kappa", 0x3BA},
    {"lArr", 0x21D0},
    {"lambda", 0x3BB},
    {"lang", 0x2329},
    {"laquo", 0xAB},
    {"larr", 0x2190},
    {"lceil", 0x2308},
    {"ldquo", 0x201C},
    {"le", 0x2264},
    {"lfloor", 0x230A},
    {"lowast", 0x2217},
    {"loz", 0x25CA},
    {"lrm", 0x200E},
    {"lsaquo", 0x2039},
    {"lsquo", 0x2018},
    {"lt", 0x3C},
    {"macr", 0xAF},
    {"mdash", 0x2014},
    {"micro", 0xB5},
    {"middot", 0xB7},
    {"minus", 0x2212},
    {"mu", 0x3BC},
    {"nabla", 0x2207},
    {"nbsp", 0xA0},
    {"ndash", 0x2013},
    {"ne", 0x2260},
    {"ni", 0x220B},
    {"not", 0xAC},
    {"notin", 0x2209},
    {"nsub", 0x2284},
    {"ntilde", 0xF1},
    {"nu", 0x3BD},
    {"oacute", 0xF3},
    {"ocirc", 0xF4},
    {"oelig", 0x153},
    {"ograve", 0xF2},
    {"oline", 0x203E},
    {"omega", 0x3C9},
    {"omicron", 0x3BF},
    {"oplus", 0x2295},
    {"or", 0x2228},
    {"ordf", 0xAA},
    {"ordm", 0xBA},
    {"oslash", 0xF8},
    {"otilde", 0xF5},
    {"otimes", 0x2297},
    {"ouml", 0xF6},
    {"para", 0xB6},
    {"part", 0x2202},
    {"permil", 0x2030},
    {"perp", 0x22A5},
    {"phi", 0x3C6},
    {"pi", 0x3C0},
    {"piv", 0x3D6},
    {"plusmn", 0xB1},
    {"pound", 0xA3},
    {"prime", 0x2032},
    {"prod", 0x220F},
    {"prop", 0x221D},
    {"psi", 0x3C8},
    {"quot", 0x22},
    {"rArr", 0x21D2},
    {"radic", 0x221A},
    {"rang", 0x232A},
    {"raquo", 0xBB},
    {"rarr", 0x2192},
    {"rceil", 0x2309},
    {"rdquo", 0x201D},
    {"real", 0x211C},
    {"reg", 0xAE},
    {"rfloor", 0x230B},
    {"rho", 0x3C1},
    {"rlm", 0x200F},
    {"rsaquo", 0x203A},
    {"rsquo", 0x2019},
    {"sbquo", 0x201A},
    {"scaron", 0x161},
    {"sdot", 0x22C5},
    {"sect", 0xA7},
    {"shy", 0xAD},
    {"sigma", 0x3C3},
    {"sigmaf", 0x3C2},
    {"sim", 0x223C},
    {"spades", 0x2660},
    {"sub", 0x2282},
    {"sube", 0x2286},
    {"sum", 0x2211},
    {"sup", 0x2283},
    {"sup1", 0xB9},
    {"sup2", 0xB2},
    {"sup3", 0xB3},
    {"supe", 0x2287},
    {"szlig", 0xDF},
    {"tau", 0x3C4},
    {"there4", 0x2234},
    {"theta", 0x3B8},
    {"thetasym", 0x3D1},
    {"thinsp", 0x2009},
    {"thorn", 0xFE},
    {"tilde", 0x2DC},
    {"times", 0xD7},
    {"trade", 0x2122},
    {"uArr", 0x21D1},
    {"uacute", 0xFA},
    {"uarr", 0x2191},
    {"ucirc", 0xFB},
    {"ugrave", 0xF9},
    {"uml", 0xA8},
    {"upsih", 0x3D2},
    {"upsilon", 0x3C5},
    {"uuml", 0xFC},
    {"weierp", 0x2118},
    {"xi", 0x3BE},
    {"yacute", 0xFD},
    {"yen", 0xA5},
    {"yuml", 0xFF},
    {"zeta", 0x3B6},
    {"zwj", 0x200D},
    {"zwnj", 0x200C},
};

static_assert(std::is_sorted(std::begin(kNamed), std::end(kNamed),
                             [](const auto& a, const auto& b) {
                               return a.first < b.first;
                             }));

// Elements that break the line where they are, in a page with no style
// (HTML's block and table elements, line and rule breaks), sorted.
bool BreaksTheLine(std::string_view name) {
  static constexpr std::string_view kBreaks[] = {
      "address", "article", "aside", "blockquote", "body",       "br",
      "caption", "center",  "dd",    "details",    "dialog",     "dir",
      "div",     "dl",      "dt",    "fieldset",   "figcaption", "figure",
      "footer",  "form",    "frame", "h1",         "h2",         "h3",
      "h4",      "h5",      "h6",    "head",       "header",     "hr",
      "html",    "legend",  "li",    "main",       "menu",       "nav",
      "ol",      "option",  "p",     "pre",        "section",    "summary",
      "table",   "tbody",   "td",    "tfoot",      "th",         "thead",
      "tr",      "ul"};
  static_assert(std::is_sorted(std::begin(kBreaks), std::end(kBreaks)));
  return std::binary_search(std::begin(kBreaks), std::end(kBreaks), name);
}

// Elements whose content is text to the closing tag, markup and all
// (<plaintext> has none: to the end).
bool HoldsRawText(std::string_view name) {
  return name == "xmp" || name == "textarea" || name == "plaintext" ||
         name == "listing";
}

// Elements whose content is never shown as the page's text.
bool HidesContent(std::string_view name) {
  return name == "script" || name == "style" || name == "title" ||
         name == "template";
}

// The index after the comment that starts at s[i] ("<!--"): "<!-->" and
// "<!--->" end at once, as do "-->" and "--!>" (HTML's comment states).
size_t CommentEnd(std::string_view s, size_t i) {
  size_t j = i + 4;
  if (s.compare(j, 1, ">") == 0) return j + 1;
  if (s.compare(j, 2, "->") == 0) return j + 2;
  for (size_t k = s.find("--", j); k != std::string_view::npos;
       k = s.find("--", k + 1)) {
    if (s.compare(k + 2, 1, ">") == 0) return k + 3;
    if (s.compare(k + 2, 2, "!>") == 0) return k + 4;
  }
  return s.size();
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
  while (j < s.size() && s[j] != '>' && s[j] != '/' && !IsSpace(s[j])) ++j;
  std::string_view name = s.substr(name_start, j - name_start);
  for (char c : name.substr(0, 32)) t.qualified += AsciiLowerByte(c);
  if (size_t colon = name.rfind(':'); colon != std::string_view::npos) {
    name = name.substr(colon + 1);
  }
  for (char c : name.substr(0, 32)) t.name += AsciiLowerByte(c);
  // The attributes, as HTML's tokenizer reads them: a quote opens a value
  // only as the first character after an attribute name's '=' (spaces
  // between); anywhere else it is part of a name or an unquoted value.
  enum {
    kBeforeName,
    kName,
    kAfterName,
    kBeforeValue,
    kUnquoted
  } state = kBeforeName;
  while (j < s.size() && s[j] != '>') {
    char c = s[j];
    switch (state) {
      case kBeforeName:
        if (!IsSpace(c) && c != '/') state = kName;
        break;
      case kName:
        if (c == '=') {
          state = kBeforeValue;
        } else if (IsSpace(c) || c == '/') {
          state = kAfterName;
        }
        break;
      case kAfterName:
        if (c == '=') {
          state = kBeforeValue;
        } else if (!IsSpace(c) && c != '/') {
          state = kName;
        }
        break;
      case kBeforeValue:
        if (c == '"' || c == '\'') {
          size_t close = s.find(c, j + 1);
          j = close == std::string_view::npos ? s.size() : close + 1;
          state = kBeforeName;
          continue;
        }
        if (!IsSpace(c)) state = kUnquoted;
        break;
      case kUnquoted:
        if (IsSpace(c)) state = kBeforeName;
        break;
    }
    ++j;
  }
  if (j >= s.size()) {
    t.end = s.size();
    return t;
  }
  t.empty = j > i && s[j - 1] == '/';
  t.end = j + 1;
  return t;
}

size_t DecodeMarkupEntity(std::string_view s, size_t i, std::string* out) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '#') {
    ++j;
    bool hex = j < s.size() && (s[j] == 'x' || s[j] == 'X');
    if (hex) ++j;
    size_t digits = j;
    uint32_t c = 0;
    for (; j < s.size(); ++j) {
      char d = s[j];
      int v = d >= '0' && d <= '9'          ? d - '0'
              : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
              : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10
                                            : -1;
      if (v < 0) break;
      // Past the last code point it stays past it (then a space).
      if (c <= 0x10ffff) c = c * (hex ? 16 : 10) + static_cast<uint32_t>(v);
    }
    if (j == digits) {
      *out += '&';
      return i + 1;
    }
    AppendCodePoint(c, out);
    return j < s.size() && s[j] == ';' ? j + 1 : j;
  }
  auto find = [](std::string_view name)
      -> const std::pair<std::string_view, uint32_t>* {
    auto it = std::lower_bound(
        std::begin(kNamed), std::end(kNamed), name,
        [](const auto& entry, std::string_view n) { return entry.first < n; });
    return it != std::end(kNamed) && it->first == name ? &*it : nullptr;
  };
  // A name: at most 14 letters or digits (ZeroWidthSpace), then ';'.
  while (j < s.size() && j - i <= 15 && IsAsciiAlnum(s[j])) ++j;
  if (j < s.size() && s[j] == ';') {
    if (const auto* entry = find(s.substr(i + 1, j - i - 1))) {
      AppendCodePoint(entry->second, out);
      return j + 1;
    }
  }
  // Without ';': the longest of the names browsers still read so (HTML's
  // legacy ones: Latin-1's, and &amp; &lt; &gt; &quot;), whatever follows
  // ("Gesch&aumlftsgeheimnis").
  for (size_t k = std::min(j, i + 7); k > i + 1; --k) {
    const auto* entry = find(s.substr(i + 1, k - i - 1));
    if (entry != nullptr && entry->second < 0x100 && entry->first != "apos") {
      AppendCodePoint(entry->second, out);
      return k;
    }
  }
  *out += '&';
  return i + 1;
}

HtmlText HtmlToTexts(std::string_view html, size_t max) {
  HtmlText t;
  // Text goes to every form; the spaced one is the longest.
  std::string& spaced = t.spaced;
  auto text = [&](std::string_view run) {
    t.laid_out.append(run);
    spaced.append(run);
    t.joined.append(run);
  };
  // What a tag becomes; `breaks`: it breaks the line in a page with no
  // style.
  auto tag_text = [&](bool breaks) {
    spaced += ' ';
    if (breaks) t.laid_out += ' ';
  };
  auto skip_to_closing = [&](size_t from, std::string_view name) {
    std::string closing = "</" + std::string(name);
    size_t j = from;
    while (j < html.size() &&
           !StartsWithIgnoringAsciiCase(html.substr(j), closing)) {
      j = html.find('<', j + 1);
      if (j == std::string_view::npos) j = html.size();
    }
    return j;
  };
  // Whether a tag breaks the line as browsers build the page: an end tag
  // of an element not open (</div> with no <div>) and a table's tags
  // outside a table are dropped; </p> and </br> are not (browsers make a
  // paragraph, a break of them).
  std::unordered_map<std::string, int> open;
  auto breaks_line = [&](const std::string& name, bool closing, bool empty) {
    if (!BreaksTheLine(name)) return false;
    bool in_table = name == "td" || name == "th" || name == "tr" ||
                    name == "tbody" || name == "thead" || name == "tfoot" ||
                    name == "caption";
    if (in_table && open["table"] == 0) return false;
    if (!closing) {
      if (!empty && name != "br" && name != "hr") ++open[name];
      return true;
    }
    if (name == "p" || name == "br") return true;
    int& count = open[name];
    if (count == 0) return false;
    --count;
    return true;
  };
  std::string decoded;
  size_t i = 0;
  while (i < html.size() && spaced.size() < max) {
    char c = html[i];
    if (c == '&') {
      decoded.clear();
      i = DecodeMarkupEntity(html, i, &decoded);
      text(decoded);
      continue;
    }
    if (c != '<') {
      // The run of text to the next reference or tag, at once.
      size_t stop = html.find_first_of("&<", i);
      if (stop == std::string_view::npos) stop = html.size();
      text(html.substr(i, std::min(stop - i, max - spaced.size())));
      i = stop;
      continue;
    }
    // A '<' that opens no tag (one not followed by a letter, '/', '!' or
    // '?': "a < b") is text, as browsers read it.
    char next = i + 1 < html.size() ? html[i + 1] : '\0';
    if (!(IsAsciiAlpha(next) || next == '/' || next == '!' || next == '?')) {
      text("<");
      ++i;
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      tag_text(false);
      if (html.compare(i + 4, 3, "[if") == 0) {
        // Outlook's conditional comment: only its opening is markup.
        size_t end = html.find('>', i + 4);
        i = end == std::string_view::npos ? html.size() : end + 1;
      } else {
        i = CommentEnd(html, i);
      }
      continue;
    }
    char after = i + 2 < html.size() ? html[i + 2] : '\0';
    if (next == '!' || next == '?' || (next == '/' && !IsAsciiAlpha(after))) {
      // A bogus comment (<!DOCTYPE>, <?xml?>, </ 1>): to the first '>'.
      tag_text(false);
      size_t end = html.find('>', i + 1);
      i = end == std::string_view::npos ? html.size() : end + 1;
      continue;
    }
    MarkupTag tag = ReadMarkupTag(html, i);
    i = tag.end;
    // Browsers know elements by their whole name: <x:style> is not a
    // style, <o:p> no paragraph.
    const std::string& name = tag.qualified;
    tag_text(breaks_line(name, tag.closing, tag.empty));
    if (tag.closing || tag.empty) continue;
    if (HidesContent(name)) {
      i = skip_to_closing(i, name);
    } else if (HoldsRawText(name)) {
      size_t end = name == "plaintext" ? html.size() : skip_to_closing(i, name);
      size_t room = spaced.size() < max ? max - spaced.size() : 0;
      text(html.substr(i, std::min(end - i, room)));
      i = end;
    }
  }
  // Never inside a character: a decoded reference (up to 4 bytes) or a
  // character copied as it came may have been cut at the cap.
  TruncateUtf8(t.laid_out, max);
  TruncateUtf8(spaced, max);
  TruncateUtf8(t.joined, max);
  return t;
}

}  // namespace sealpost
