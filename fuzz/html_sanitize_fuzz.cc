// libFuzzer target for the portal's HTML sanitizer: arbitrary message HTML.
// Beyond "no crash", it re-parses the output as a browser would and aborts if
// any element, attribute or link outside the allow-list comes back: markup
// that changes shape when parsed again (mutation XSS) is caught here.
#include <gumbo.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "portal/sanitize.h"

namespace {

void Fail(const char* what, const std::string& html) {
  std::fprintf(stderr, "sanitizer output invariant broken: %s\n%s\n", what,
               html.c_str());
  std::abort();
}

bool HasPrefixNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

void CheckReparsed(const std::string& html) {
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;
  GumboOutput* output =
      gumbo_parse_with_options(&options, html.data(), html.size());
  std::vector<const GumboNode*> stack = {output->root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (node->type != GUMBO_NODE_ELEMENT) continue;
    const GumboElement& e = node->v.element;
    if (e.tag_namespace != GUMBO_NAMESPACE_HTML) Fail("foreign element", html);
    switch (e.tag) {
      case GUMBO_TAG_SCRIPT:
      case GUMBO_TAG_STYLE:
      case GUMBO_TAG_IFRAME:
      case GUMBO_TAG_OBJECT:
      case GUMBO_TAG_EMBED:
      case GUMBO_TAG_FORM:
      case GUMBO_TAG_INPUT:
      case GUMBO_TAG_BASE:
      case GUMBO_TAG_META:
      case GUMBO_TAG_LINK:
      case GUMBO_TAG_TEMPLATE:
      case GUMBO_TAG_UNKNOWN:
        Fail("element outside the allow-list", html);
      default:
        break;
    }
    for (unsigned int i = 0; i < e.attributes.length; ++i) {
      const auto* attr =
          static_cast<const GumboAttribute*>(e.attributes.data[i]);
      std::string_view name = attr->name;
      std::string_view value = attr->value;
      if (HasPrefixNoCase(name, "on")) Fail("event handler", html);
      if (name == "href" && !HasPrefixNoCase(value, "http:") &&
          !HasPrefixNoCase(value, "https:") &&
          !HasPrefixNoCase(value, "mailto:")) {
        Fail("link scheme", html);
      }
      if (name == "src" && !HasPrefixNoCase(value, "https:") &&
          !HasPrefixNoCase(value, "http:") &&
          !HasPrefixNoCase(value, "data:image/") &&
          !HasPrefixNoCase(value, "/cid/")) {
        Fail("image source", html);
      }
      if (name == "style" && (value.find("url(") != value.npos ||
                              value.find("expression") != value.npos)) {
        Fail("style", html);
      }
    }
    for (unsigned int i = 0; i < e.children.length; ++i) {
      stack.push_back(static_cast<const GumboNode*>(e.children.data[i]));
    }
  }
  gumbo_destroy_output(&options, output);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  sealpost::portal::SanitizeOptions options;
  options.allow_remote_images = (data[0] & 1) != 0;
  if ((data[0] & 2) != 0) {
    options.resolve_cid = [](std::string_view id) -> std::string {
      return id.size() % 2 == 0 ? "/cid/" + std::string(id) : "";
    };
  }
  std::string_view html(reinterpret_cast<const char*>(data) + 1, size - 1);
  sealpost::portal::SanitizeResult result =
      sealpost::portal::SanitizeHtml(html, options);
  if (result.blocked_images < 0) std::abort();
  CheckReparsed(result.html);
  return 0;
}
