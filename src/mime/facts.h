// What the mail flow needs to know about a message, read with GMime without
// changing a byte of it: decoded subject, headers, the text and the files a
// reader is shown (text capped), and what the message claims to be: a
// Sealpost wrapper (the X-Sealpost-Protected value), S/MIME-encrypted (the
// part's bytes, for crypto/cms.h to check), signed. Claims are only names:
// the protection stage verifies them (SPEC §3: nothing is trusted because a
// mail says so).
//
// Thread-safety: free functions, safe from any thread.
#ifndef SEALPOST_MIME_FACTS_H_
#define SEALPOST_MIME_FACTS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "mime/parsed_message.h"

namespace sealpost::mime {

// The most of a message's text the mail flow rules read: of each part a
// reader is shown as text (MailFacts::body_text), or when no facts can be
// read, of its first bytes; and of all its parts together.
inline constexpr size_t kMaxBodyText = 256 * 1024;
inline constexpr size_t kMaxMessageBodyText = 2 * 1024 * 1024;

struct MailFacts {
  std::string subject;      // decoded (RFC 2047), unfolded
  std::string raw_subject;  // as in the message, unfolded
  // What the rules read as the subject: every Subject field (a reader may
  // show any one of them; GMime's `subject` is the last, readers mostly
  // the first), decoded, characters that show nothing dropped, one a line.
  std::string subject_text;
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded
  // What a reader is shown as text, as UTF-8, each part after the last on
  // a line of its own: every text part that is no attachment (plain, and
  // format=flowed text with its lines joined too; HTML without its markup
  // in base/markup.h's three forms; each alternative), decoded and in its
  // charset, kMaxBodyText of each (form); the prologue of a multipart with
  // no part (its boundary never came). Characters that show nothing
  // dropped. kMaxMessageBodyText in all (docs/mail-flow.md).
  std::string body_text;
  // Every file a reader is shown, in order: a part marked "attachment",
  // or named, or not text (an inline picture or PDF); an attached message
  // (one in base64 or quoted-printable decoded and read, its text too);
  // a file inside the lines of text shown as text (uuencode, BinHex,
  // yEnc: embedded_files.h).
  struct Attachment {
    std::string name;  // "" when it has none
    // Decoded bytes; of an attached message, as GMime writes it (0 for one
    // inside another attached message: the outer one holds it).
    int64_t size = 0;
    // Content-Type's name when Content-Disposition's filename (`name`)
    // differs from it: readers save the file under one or the other.
    std::string other_name;
  };
  std::vector<Attachment> attachments;
  // Why `attachments` may miss a file a reader is shown, or "" when it is
  // whole: a cap on what is read was reached (files inside text, encoded
  // attached messages' bytes or depth, an encoded message's header
  // fields), or a file's name could not be read (BinHex). Memory stays
  // bounded; the rules fail closed instead: every attachment condition
  // holds, no attachment exception applies (docs/mail-flow.md).
  std::string attachments_incomplete;
  // The first X-Sealpost-Protected value, unfolded; empty when absent.
  std::string protected_header;
  // The top-level part says application/pkcs7-mime and not signed-data:
  // its decoded bytes, to be checked as CMS EnvelopedData (empty from a
  // parse over a ByteSource: the caller reads them through the parse,
  // mime::OpenTopLevelContent).
  bool claims_smime_encrypted = false;
  std::string smime_content;
  bool is_signed = false;
};

// INVALID_ARGUMENT when the bytes are not a message at all.
Result<MailFacts> ExtractFacts(std::string_view message,
                               size_t max_body_text = kMaxBodyText);
// The same from a parse that other readers share (parsed_message.h).
Result<MailFacts> ExtractFacts(const ParsedMessage& parsed,
                               size_t max_body_text = kMaxBodyText);

// "Subject: ..." header value for `subject`: kept raw when ASCII, else an
// RFC 2047 encoded word (UTF-8, base64), folded.
std::string EncodeSubject(std::string_view subject);

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_FACTS_H_
