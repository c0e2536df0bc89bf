// HTML sanitizer for message bodies shown in the portal. The page renders the
// result inside a sandboxed iframe under a script-free CSP; this is the first
// line of defence and works by allow-list only: elements, attributes, URL
// schemes and CSS properties not named in sanitize_policy.cc are removed.
// The input is parsed by gumbo exactly as an HTML5 browser would parse it,
// and the output is re-serialized from the tree with every text and
// attribute value escaped, so no markup survives that the sanitizer did not
// write itself.
//
// Thread-safety: SanitizeHtml is a pure function; it may run on any thread
// (resolve_cid is called on the calling thread).
#ifndef SEALPOST_PORTAL_SANITIZE_H_
#define SEALPOST_PORTAL_SANITIZE_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace sealpost::portal {

struct SanitizeOptions {
  // http(s) <img src> kept only when true.
  bool allow_remote_images = false;
  // Maps a cid: reference (without "cid:", percent-decoded per RFC 2392 §2)
  // to a URL on our origin, or "" to drop the image. Unset drops them all.
  std::function<std::string(std::string_view content_id)> resolve_cid;
  // Parser limits. gumbo (like the HTML5 tree builder it implements) is
  // quadratic on hostile input: deep nesting costs O(depth) per tag, and the
  // "reconstruct the active formatting elements" step can clone thousands of
  // elements per tag. Input after the max_tags-th tag is cut off, and a parse
  // that needs more than max_parse_memory bytes is abandoned.
  size_t max_tags = 16384;
  size_t max_parse_memory = size_t{96} << 20;
};

struct SanitizeResult {
  std::string html;        // a safe document body fragment (serialized)
  int blocked_images = 0;  // remote images removed ("Show images")
  // False when a parser limit cut the message short: html holds the part
  // that fit (possibly nothing), and the page should offer the original.
  bool complete = true;
};

SanitizeResult SanitizeHtml(std::string_view html,
                            const SanitizeOptions& options);

// Appends `text` with &, <, >, " and ' escaped: safe in HTML text and in
// quoted attribute values.
void AppendHtmlEscaped(std::string& out, std::string_view text);

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_SANITIZE_H_
