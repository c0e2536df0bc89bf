// The sanitizer's allow-lists (sanitize_policy.h): elements, attributes,
// URL schemes, images and inline CSS.
#include "portal/sanitize_policy.h"

#include <optional>
#include <string>
#include <string_view>

#include "base/encoding.h"
#include "base/split.h"
#include "base/strings.h"

namespace sealpost::portal::sanitize_internal {

namespace {

bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

// ---------------------------------------------------------------------------
// Element and attribute allow-lists.

Action ElementAction(const GumboElement& element) {
  // SVG and MathML have their own script and link elements (and <style>
  // parses differently there): none of it is wanted.
  if (element.tag_namespace != GUMBO_NAMESPACE_HTML) return Action::kDrop;
  switch (element.tag) {
    case GUMBO_TAG_A:
    case GUMBO_TAG_ABBR:
    case GUMBO_TAG_ACRONYM:
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_B:
    case GUMBO_TAG_BDI:
    case GUMBO_TAG_BDO:
    case GUMBO_TAG_BIG:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_CENTER:
    case GUMBO_TAG_CITE:
    case GUMBO_TAG_CODE:
    case GUMBO_TAG_COL:
    case GUMBO_TAG_COLGROUP:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DEL:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_DFN:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_EM:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FONT:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_HGROUP:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_I:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_INS:
    case GUMBO_TAG_KBD:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_MARK:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_P:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_Q:
    case GUMBO_TAG_RP:
    case GUMBO_TAG_RT:
    case GUMBO_TAG_RUBY:
    case GUMBO_TAG_S:
    case GUMBO_TAG_SAMP:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_SMALL:
    case GUMBO_TAG_SPAN:
    case GUMBO_TAG_STRIKE:
    case GUMBO_TAG_STRONG:
    case GUMBO_TAG_SUB:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_SUP:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TIME:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TT:
    case GUMBO_TAG_U:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_VAR:
    case GUMBO_TAG_WBR:
      return Action::kKeep;
    // Active content, document metadata, raw-text elements, form controls
    // and media: removed with everything inside.
    case GUMBO_TAG_APPLET:
    case GUMBO_TAG_AREA:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_BASEFONT:
    case GUMBO_TAG_BGSOUND:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_DATALIST:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_ISINDEX:
    case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_MAP:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_META:
    case GUMBO_TAG_METER:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_OPTGROUP:
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_OUTPUT:
    case GUMBO_TAG_PARAM:
    case GUMBO_TAG_PLAINTEXT:
    case GUMBO_TAG_PROGRESS:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_TRACK:
    case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_XMP:
      return Action::kDrop;
    default:
      // Unknown and harmless-but-unwanted elements (form, label, marquee,
      // custom elements, ...): their text stays readable.
      return Action::kUnwrap;
  }
}

bool IsVoid(GumboTag tag) {
  return tag == GUMBO_TAG_BR || tag == GUMBO_TAG_HR || tag == GUMBO_TAG_IMG ||
         tag == GUMBO_TAG_COL || tag == GUMBO_TAG_WBR;
}

namespace {

template <size_t N>
bool OneOf(std::string_view name, const std::string_view (&names)[N]) {
  for (std::string_view n : names) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace

// Plain attributes (no URLs, no CSS) allowed on a kept element. href, src and
// style have their own checks below.
bool PlainAttributeAllowed(GumboTag tag, std::string_view name) {
  static constexpr std::string_view kGlobal[] = {"dir", "lang", "title",
                                                 "align"};
  static constexpr std::string_view kImg[] = {"alt",    "width",  "height",
                                              "border", "hspace", "vspace"};
  static constexpr std::string_view kTable[] = {
      "width",       "height",  "border", "cellpadding",
      "cellspacing", "bgcolor", "summary"};
  static constexpr std::string_view kRow[] = {"valign", "bgcolor", "height"};
  static constexpr std::string_view kCell[] = {"colspan", "rowspan", "width",
                                               "height",  "bgcolor", "valign",
                                               "nowrap",  "scope"};
  static constexpr std::string_view kCol[] = {"span", "width", "valign"};
  static constexpr std::string_view kFont[] = {"color", "face", "size"};
  static constexpr std::string_view kOl[] = {"start", "type", "reversed"};
  static constexpr std::string_view kLi[] = {"value", "type"};
  static constexpr std::string_view kHr[] = {"width", "size", "noshade",
                                             "color"};
  static constexpr std::string_view kDatetime[] = {"datetime"};
  if (OneOf(name, kGlobal)) return true;
  switch (tag) {
    case GUMBO_TAG_IMG:
      return OneOf(name, kImg);
    case GUMBO_TAG_TABLE:
      return OneOf(name, kTable);
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TFOOT:
      return OneOf(name, kRow);
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
      return OneOf(name, kCell);
    case GUMBO_TAG_COL:
    case GUMBO_TAG_COLGROUP:
      return OneOf(name, kCol);
    case GUMBO_TAG_FONT:
      return OneOf(name, kFont);
    case GUMBO_TAG_OL:
      return OneOf(name, kOl);
    case GUMBO_TAG_UL:
      return name == "type";
    case GUMBO_TAG_LI:
      return OneOf(name, kLi);
    case GUMBO_TAG_HR:
      return OneOf(name, kHr);
    case GUMBO_TAG_DEL:
    case GUMBO_TAG_INS:
    case GUMBO_TAG_TIME:
      return OneOf(name, kDatetime);
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------
// URLs.

namespace {

// What a browser's URL parser does first (URL Standard §4.4 "basic URL
// parser"): strip leading and trailing C0 controls and spaces, remove every
// tab and newline. "java\tscript:" must be seen as "javascript:".
std::string CleanUrl(std::string_view url) {
  while (!url.empty() && static_cast<unsigned char>(url.front()) <= 0x20) {
    url.remove_prefix(1);
  }
  while (!url.empty() && static_cast<unsigned char>(url.back()) <= 0x20) {
    url.remove_suffix(1);
  }
  std::string out;
  out.reserve(url.size());
  for (char c : url) {
    if (c != '\t' && c != '\n' && c != '\r') out += c;
  }
  return out;
}

// The lower-cased scheme of a cleaned URL, or nullopt for a relative one
// (URL Standard §4.4 "scheme start state" / "scheme state").
std::optional<std::string> UrlScheme(std::string_view url) {
  if (url.empty() || !IsAsciiAlpha(url[0])) return std::nullopt;
  for (size_t i = 1; i < url.size(); ++i) {
    char c = url[i];
    if (c == ':') return AsciiLower(url.substr(0, i));
    if (!IsAsciiAlpha(c) && !IsAsciiDigit(c) && c != '+' && c != '-' &&
        c != '.') {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

// A link target the browser may follow: http, https or mailto only. Relative
// links would resolve against the portal itself, so they go too.
std::optional<std::string> SafeLinkUrl(std::string_view href) {
  std::string url = CleanUrl(href);
  std::optional<std::string> scheme = UrlScheme(url);
  if (!scheme ||
      (*scheme != "http" && *scheme != "https" && *scheme != "mailto")) {
    return std::nullopt;
  }
  return url;
}

namespace {

// Inline images: raster formats only (an SVG image is a document of its own)
// and base64 only, so the payload is plain characters.
std::optional<std::string> SafeDataImage(std::string_view url) {
  static constexpr std::string_view kPrefixes[] = {
      "data:image/png;base64,", "data:image/jpeg;base64,",
      "data:image/gif;base64,", "data:image/webp;base64,"};
  for (std::string_view prefix : kPrefixes) {
    if (url.size() < prefix.size() ||
        AsciiLower(url.substr(0, prefix.size())) != prefix) {
      continue;
    }
    std::string_view payload = url.substr(prefix.size());
    for (char c : payload) {
      if (!IsAsciiAlpha(c) && !IsAsciiDigit(c) && c != '+' && c != '/' &&
          c != '=') {
        return std::nullopt;
      }
    }
    return std::string(prefix) + std::string(payload);
  }
  return std::nullopt;
}

}  // namespace

ImageVerdict JudgeImage(std::string_view src, const SanitizeOptions& options,
                        std::string* url_out) {
  std::string url = CleanUrl(src);
  if (url.starts_with("//")) url.insert(0, "https:");  // scheme-relative
  std::optional<std::string> scheme = UrlScheme(url);
  if (!scheme) return ImageVerdict::kDrop;
  if (*scheme == "cid") {
    if (!options.resolve_cid) return ImageVerdict::kDrop;
    // RFC 2392 §2: a cid URL is a percent-encoded addr-spec.
    std::string resolved = options.resolve_cid(
        DecodePercentEscapes(std::string_view(url).substr(4)));
    if (resolved.empty()) return ImageVerdict::kDrop;
    *url_out = std::move(resolved);
    return ImageVerdict::kKeep;
  }
  if (*scheme == "data") {
    std::optional<std::string> data = SafeDataImage(url);
    if (!data) return ImageVerdict::kDrop;
    *url_out = std::move(*data);
    return ImageVerdict::kKeep;
  }
  if (*scheme == "http" || *scheme == "https") {
    if (!options.allow_remote_images) return ImageVerdict::kBlockRemote;
    *url_out = std::move(url);
    return ImageVerdict::kKeep;
  }
  return ImageVerdict::kDrop;
}

// ---------------------------------------------------------------------------
// Inline CSS.

namespace {

bool CssPropertyAllowed(std::string_view name) {
  static constexpr std::string_view kExact[] = {
      "color",           "background-color",
      "background",      "font",
      "font-family",     "font-size",
      "font-style",      "font-weight",
      "font-variant",    "text-align",
      "text-decoration", "text-transform",
      "text-indent",     "letter-spacing",
      "word-spacing",    "white-space",
      "word-wrap",       "word-break",
      "overflow-wrap",   "width",
      "height",          "min-width",
      "max-width",       "min-height",
      "max-height",      "line-height",
      "vertical-align",  "display",
      "list-style-type", "list-style-position",
      "table-layout",    "direction",
      "float",           "clear",
      "margin",          "padding",
      "border",          "border-collapse",
      "border-spacing",  "border-color",
      "border-style",    "border-width",
      "border-radius"};
  static constexpr std::string_view kSides[] = {"top", "right", "bottom",
                                                "left"};
  static constexpr std::string_view kBorderParts[] = {"color", "style",
                                                      "width"};
  if (OneOf(name, kExact)) return true;
  // margin-<side>, padding-<side>, border-<side>[-<part>]
  for (std::string_view family : {"margin-", "padding-", "border-"}) {
    if (!name.starts_with(family)) continue;
    std::string_view rest = name.substr(family.size());
    for (std::string_view side : kSides) {
      if (rest == side) return true;
      if (family == "border-" && rest.starts_with(side) &&
          rest.size() > side.size() + 1 && rest[side.size()] == '-' &&
          OneOf(rest.substr(side.size() + 1), kBorderParts)) {
        return true;
      }
    }
  }
  return false;
}

// A declaration value is allowed when every '(' opens one of these colour
// functions (so no url(), expression(), image-set(), var(), ...), its quotes
// are balanced (a value cannot reach into the next declaration), and it
// holds none of the old tricks the brief names, checked again as a backstop.
bool CssValueAllowed(std::string_view name, std::string_view value) {
  static constexpr std::string_view kFunctions[] = {"rgb", "rgba", "hsl",
                                                    "hsla"};
  static constexpr std::string_view kForbidden[] = {
      "expression", "url(",         "javascript:", "vbscript:", "@import",
      "behavior",   "-moz-binding", "<",           ">",         "{",
      "}",          "\\",           "/*",          "*/"};
  static constexpr std::string_view kDisplay[] = {
      "none",  "block",     "inline",     "inline-block",
      "table", "table-row", "table-cell", "list-item"};
  if (value.empty()) return false;
  std::string lower = AsciiLower(value);
  for (std::string_view bad : kForbidden) {
    if (lower.find(bad) != std::string::npos) return false;
  }
  if (name == "display") return OneOf(std::string_view(lower), kDisplay);
  char quote = 0;
  size_t ident_start = 0;
  for (size_t i = 0; i < lower.size(); ++i) {
    char c = lower[i];
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '(') {
      if (!OneOf(std::string_view(lower).substr(ident_start, i - ident_start),
                 kFunctions)) {
        return false;
      }
    }
    if (!IsAsciiAlpha(c) && c != '-') ident_start = i + 1;
  }
  return quote == 0;
}

std::string_view TrimCss(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

// Keeps the allowed declarations of a style attribute, re-serialized as
// "name: value; name: value". Line breaks inside a value become spaces.
std::string FilterStyle(std::string_view style) {
  std::string out;
  while (!style.empty()) {
    std::string_view decl = TakeField(style, ";");
    size_t colon = decl.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = AsciiLower(TrimCss(decl.substr(0, colon)));
    std::string value(TrimCss(decl.substr(colon + 1)));
    for (char& c : value) {
      if (c == '\t' || c == '\n' || c == '\r' || c == '\f') c = ' ';
    }
    if (!CssPropertyAllowed(name) || !CssValueAllowed(name, value)) continue;
    if (!out.empty()) out += "; ";
    out += name;
    out += ": ";
    out += value;
  }
  return out;
}

}  // namespace sealpost::portal::sanitize_internal
