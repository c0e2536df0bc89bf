// What the mail flow needs to know about a message, read with GMime without
// changing a byte of it: decoded subject, headers, plain-text body (capped),
// attachments, and whether it is already protected, S/MIME-encrypted or
// signed.
//
// Thread-safety: free functions, safe from any thread.
#ifndef SEALPOST_MIME_FACTS_H_
#define SEALPOST_MIME_FACTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sealpost::mime {

struct MailFacts {
  std::string subject;      // decoded (RFC 2047), unfolded
  std::string raw_subject;  // as in the message, unfolded
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded
  std::string body_text;  // first text/plain part, decoded, capped
  struct Attachment {
    std::string name;
    int64_t size = 0;  // decoded bytes
  };
  std::vector<Attachment> attachments;
  bool is_protected = false;  // X-Sealpost-Protected or a message.sealed
  std::string protected_id;
  std::string protected_template;
  bool is_smime_encrypted = false;
  bool is_signed = false;
};

// INVALID_ARGUMENT when the bytes are not a message at all.
Result<MailFacts> ExtractFacts(std::string_view message,
                               size_t max_body_text = 256 * 1024);

// "Subject: ..." header value for `subject`: kept raw when ASCII, else an
// RFC 2047 encoded word (UTF-8, base64), folded.
std::string EncodeSubject(std::string_view subject);

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_FACTS_H_
