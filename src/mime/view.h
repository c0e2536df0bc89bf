// A received message read for display in the portal: decoded headers, the
// text and HTML bodies converted to UTF-8, and the other leaf parts
// (attachments, inline images) listed so that one can be fetched by index.
// Never fails on a bad charset or a broken encoding: it falls back and shows
// what it can; only bytes that are not a message at all are refused.
//
// Thread-safety: free functions, safe from any thread.
#ifndef SEALPOST_MIME_VIEW_H_
#define SEALPOST_MIME_VIEW_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "mime/parsed_message.h"

namespace sealpost::mime {

// A leaf part that is not the displayed body.
struct ViewPart {
  // Stable index for PartContent(): counts every leaf part (the body parts
  // too) in document order, so it has gaps where the bodies are.
  int index = 0;
  // Decoded (RFC 2231/2047), without path or control characters;
  // "attachment-N.ext" (N counts `parts` from 1) when the message names none.
  std::string filename;
  std::string content_type;  // "image/png": lower-case type/subtype only
  int64_t size = 0;          // decoded bytes
  std::string content_id;    // without <>, empty when none
  // Has a Content-ID and is inline (explicitly, or by default inside a
  // multipart/related): an image the HTML references as cid:.
  bool is_inline = false;

  bool operator==(const ViewPart&) const = default;
};

struct MessageView {
  std::string subject;              // decoded UTF-8, unfolded
  std::string from;                 // display form "Name <addr>", decoded
  std::string from_address;         // lower-case addr-spec of the first mailbox
  std::vector<std::string> to, cc;  // display forms
  std::vector<std::string> to_addresses, cc_addresses,
      reply_to_addresses;  // lower-case addr-specs
  std::string date;        // Date header as received (unfolded)
  int64_t date_unix = 0;   // 0 when absent or unparseable
  std::string message_id;  // "<id@host>", empty when none
  std::string references;  // "<a@x> <b@y>": the parsed ids, space-separated
  // First text/plain part that is not an attachment, in UTF-8 with "\n" line
  // endings.
  std::string text;
  // First text/html part that is not an attachment, in UTF-8 (unsanitized).
  std::string html;
  bool body_truncated = false;  // text or html was cut at the cap
  // Every other leaf: attachments, inline images, a message/rfc822 as one
  // "*.eml" attachment (not descended into).
  std::vector<ViewPart> parts;

  bool operator==(const MessageView&) const = default;
};

inline constexpr size_t kDefaultMaxViewBody = 4 * 1024 * 1024;

// INVALID_ARGUMENT when `message` is not a message. `text` and `html` are
// each cut to at most `max_body` bytes (on a UTF-8 character boundary).
Result<MessageView> ParseForReading(std::string_view message,
                                    size_t max_body = kDefaultMaxViewBody);
// The same from a parse that other readers share (parsed_message.h).
Result<MessageView> ParseForReading(const ParsedMessage& parsed,
                                    size_t max_body = kDefaultMaxViewBody);

struct PartData {
  std::string filename;      // as in ViewPart
  std::string content_type;  // as in ViewPart
  std::string bytes;         // decoded content; a whole message for .eml
};

// The decoded bytes of leaf part `index` (as numbered in
// MessageView::parts[].index); NOT_FOUND when there is no such leaf,
// INVALID_ARGUMENT when `message` is not a message.
Result<PartData> PartContent(std::string_view message, int index);
Result<PartData> PartContent(const ParsedMessage& parsed, int index);

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_VIEW_H_
