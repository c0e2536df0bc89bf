// Internal to the HTML sanitizer (sanitize.cc): its allow-lists, which say
// what survives. Elements are kept, unwrapped (their children kept) or
// dropped; attributes, link and image URLs and inline CSS are kept only when
// named here.
//
// Thread-safety: pure functions (JudgeImage calls options.resolve_cid on the
// calling thread).
#ifndef SEALPOST_PORTAL_SANITIZE_POLICY_H_
#define SEALPOST_PORTAL_SANITIZE_POLICY_H_

#include <gumbo.h>

#include <optional>
#include <string>
#include <string_view>

#include "portal/sanitize.h"

namespace sealpost::portal::sanitize_internal {

enum class Action {
  kKeep,    // the element, its allowed attributes and its children
  kUnwrap,  // only the children
  kDrop,    // nothing
};

Action ElementAction(const GumboElement& element);
// Elements without an end tag among those kept.
bool IsVoid(GumboTag tag);
// Plain attributes (no URLs, no CSS) allowed on a kept element. href, src and
// style have their own checks.
bool PlainAttributeAllowed(GumboTag tag, std::string_view name);

// An <a href> to keep, cleaned as a browser would read it; nullopt drops it.
std::optional<std::string> SafeLinkUrl(std::string_view href);

enum class ImageVerdict { kKeep, kDrop, kBlockRemote };
// What to do with an <img src>; for kKeep, the URL to write in *url_out.
ImageVerdict JudgeImage(std::string_view src, const SanitizeOptions& options,
                        std::string* url_out);

// The allowed declarations of a style attribute ("" when none is left).
std::string FilterStyle(std::string_view style);

}  // namespace sealpost::portal::sanitize_internal

#endif  // SEALPOST_PORTAL_SANITIZE_POLICY_H_
