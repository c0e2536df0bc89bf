// Text matching shared by the rule engine, validation and sender choice:
// ASCII case folding, address/domain and attachment-name matching, and RE2
// compilation with the options every rule pattern uses. Internal to policy/.
//
// Thread-safety: pure functions; the compiled RE2 objects are immutable and
// RE2 allows concurrent matching on one object.
#ifndef SEALPOST_POLICY_TEXT_MATCH_H_
#define SEALPOST_POLICY_TEXT_MATCH_H_

#include <re2/re2.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sealpost::policy {

std::string_view TrimWhitespace(std::string_view s);
// UTF-8 code points: bytes that are not continuation bytes.
size_t CodePoints(std::string_view s);

// `domain` equals `value` or is a subdomain of it, ignoring case and a
// leading '@' or "*." on `value`.
bool DomainMatches(std::string_view domain, std::string_view value);

// Letters, digits, '_' and any non-ASCII byte (part of a UTF-8 letter, most
// likely): the word characters of whole-word matching.
inline bool IsWordByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') ||
         (u >= 'A' && u <= 'Z') || c == '_';
}

// Glob with '*' (any run) and '?' (one byte), case-insensitive.
bool GlobMatch(std::string_view text, std::string_view glob);
// The attachment-name rule value semantics of ConditionKind::kAttachmentNameIs,
// on `name` without its trailing dots and spaces (Windows drops them).
bool AttachmentNameMatches(std::string_view name, std::string_view value);

// Patterns: UTF-8, case-insensitive, bounded memory, errors not logged.
RE2::Options PatternOptions();
// The compiled pattern, or InvalidArgument carrying RE2's error text.
Result<std::shared_ptr<const RE2>> CompilePattern(std::string_view pattern);
// One regex that finds any of `words` as whole words or phrases (see
// ConditionKind::kSubjectContainsWords).
Result<std::shared_ptr<const RE2>> CompileWordList(
    const std::vector<std::string>& words);

}  // namespace sealpost::policy

#endif  // SEALPOST_POLICY_TEXT_MATCH_H_
