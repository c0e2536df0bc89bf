// A message parsed once with GMime, for the readers that each need a part
// of it: the protection stage reads its facts (facts.h) and the eDiscovery
// indexer its words (view.h) from one parse instead of one each (issue 14:
// the second parse was an eighth of the gateway's CPU for 64 KB mail).
// The bytes are not copied: they must outlive this object, whose parts
// read their content through them.
//
// The header fields of every part are bounded over the whole message
// (issue 14: smtp.max_header_bytes counts the top-level header section
// only, and GMime keeps an object per field): past kMaxHeaderFields
// fields or kMaxHeaderBytes (parts priced in too), the parse reads no
// more of the message, and headers_over_limit() says so. Such a parse holds
// part of the message only: the readers refuse it (mime::ExtractFacts,
// mime::ParseForReading).
//
// Thread-safety: not thread-safe (GMime objects are not); one thread at a
// time may use an object, and moving it leaves the parse where it was.
#ifndef SEALPOST_MIME_PARSED_MESSAGE_H_
#define SEALPOST_MIME_PARSED_MESSAGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/status.h"

// GMime's own declaration (gmime/gmime-message.h); its header stays out of
// the modules that only hand a parse from one reader to another.
typedef struct _GMimeMessage GMimeMessage;

namespace sealpost::mime {
namespace internal {
class SourceCursor;  // mime/source_stream.h
}  // namespace internal

// The error of a reader given a parse over the header budget: the text
// SMTP answers such a message with (552 5.3.4, as smtp.max_header_bytes).
inline constexpr std::string_view kHeadersOverLimitMessage =
    "Message header size exceeds fixed maximum size";
// INVALID_ARGUMENT with that text: what a reader gives for such a parse.
inline Status HeadersOverLimitError() {
  return InvalidArgumentError(std::string(kHeadersOverLimitMessage));
}

class ParsedMessage {
 public:
  // The budget, over the header fields of all parts (top level, parts,
  // message/rfc822 bodies), as Exchange's MimeLimits bounds its MIME
  // reader's MaxHeaders and MaxHeaderBytes. A field costs its name, its
  // raw value and kHeaderFieldCost: what GMime 3.2 keeps per field beyond
  // its text (its GMimeHeader, the parser's copy, the list's slots),
  // measured at about 400 bytes. Each item GMime builds an object for
  // costs kFieldItemCost more. In the fields GMime builds objects from
  // (From, Sender, Reply-To, To, Cc, Bcc, Content-Type,
  // Content-Disposition) an item is each ',' ';' '<' '=' (each ':' two:
  // a group and its list) or each '@', whichever is more, and at least
  // one per 3 bytes of the value, since GMime needs no separator between
  // items ("<x><x>" is two mailboxes, "a=1 a=1" two parameters); in any
  // other field, each ',' or ';', or each '@'. GMime 3.2.13 holds 291
  // bytes per address of a message/rfc822 part's To:, 135 per parameter
  // (and up to about 320 at the parse's peak), at most about 195 per
  // byte of an address field (parsed_message.cc). A field past the
  // budget, and the rest of its header block, is not built into objects
  // at all. So the header objects a parse holds stay near
  // kMaxHeaderBytes (16 MiB, well under SPEC §5's 64 MB): tiny fields
  // reach the count first, larger ones the bytes. Each part costs
  // kPartCost more, header or not: GMime 3.2.13 holds about 1.3 KB for
  // one without a header ("--b" and an empty line: 100,000 of them in
  // 700 KB held 131 MB before they were priced); what is counted is each
  // line that is a boundary some Content-Type declared (boundary_lines.h).
  // A digest of 500 messages of 25 fields each costs 12,500 fields and
  // about 7 MiB.
  static constexpr int kMaxHeaderFields = 40'000;
  // An address field opening more groups than this is over the budget:
  // GMime 3.2.13 recurses once per group (parsed_message.cc).
  static constexpr int64_t kMaxAddressGroups = 1000;
  static constexpr int64_t kMaxHeaderBytes = int64_t{16} << 20;
  static constexpr int64_t kHeaderFieldCost = 400;
  static constexpr int64_t kFieldItemCost = 320;
  static constexpr int64_t kPartCost = 1400;

  explicit ParsedMessage(std::string_view bytes);
  // The same over a message read a slice at a time (issue 14: a large
  // message in its SMTP spool file, mime/source_stream.h): bytes() is
  // empty, and the parts read their content through `source`, restarting
  // it to go back. A source that fails (a changed spool file) or is read
  // back too often shows in source_status(): what was read from such a
  // parse is not to be trusted.
  explicit ParsedMessage(std::unique_ptr<ByteSource> source);
  ~ParsedMessage();
  ParsedMessage(ParsedMessage&&) noexcept;
  ParsedMessage& operator=(ParsedMessage&&) noexcept;
  ParsedMessage(const ParsedMessage&) = delete;
  ParsedMessage& operator=(const ParsedMessage&) = delete;

  // False when the bytes are no message GMime can read.
  bool ok() const { return get() != nullptr; }
  std::string_view bytes() const { return bytes_; }
  // OK, or the first fault of the source (a parse over bytes has none).
  Status source_status() const;
  // The source's length once its end was read (-1 before, and for bytes).
  int64_t source_size() const;
  // True when the header fields went over the budget above: the parse
  // stopped there and holds the message up to about that point only.
  bool headers_over_limit() const;
  // The offset in the message where the parse was stopped (-1 if not).
  int64_t stopped_at() const;
  // The lines priced as parts (kPartCost each), for tests and mime_fuzz:
  // never fewer than the parts of multiparts GMime built.
  int64_t part_lines() const;
  // The parse, for the readers in mime/ (null when !ok()).
  GMimeMessage* get() const;
  // The cursor a parse over a source reads through, for the readers in
  // mime/ that outlive this object or its moves (null for bytes).
  std::shared_ptr<internal::SourceCursor> source_cursor() const;

 private:
  struct Impl;  // the GMime objects, at an address that moves do not change
  std::string_view bytes_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_PARSED_MESSAGE_H_
