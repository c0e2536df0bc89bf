// What GMime reads of a message where an S/MIME signature's verdict
// depends on it: the top header section's Content-Type and From fields,
// and the parts of a top-level multipart. smime/'s signature check reads
// them its own way (smime/signature_check.h) and compares: a verdict is
// given only on the message a mail client shows (GMime 3.2, the library
// that readers after us and our own portal use), never on a reading of
// our own that a client does not make.
//
// Thread-safety: pure functions of their inputs.
#ifndef SEALPOST_MIME_SIGNED_READING_H_
#define SEALPOST_MIME_SIGNED_READING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sealpost::mime {

// A message's top header section as GMime's parser reads it.
struct TopFieldsReading {
  // GMime made a message of it, within mime::ParsedMessage's budget.
  bool ok = false;
  // The fields named Content-Type and From (any case) as GMime names
  // them, over the message's and its top part's header lists.
  int content_type_fields = 0;
  int from_fields = 0;
  // The top part's Content-Type as GMime holds it (the last field's, when
  // there are several): the media type in lower case ("" without one) and
  // its parameters in order, names in lower case, values as GMime decoded
  // them (RFC 2231 sections joined; a name given twice kept twice).
  std::string media_type;
  std::vector<std::pair<std::string, std::string>> parameters;
  // The From field as GMime's message holds it: each mailbox's addr-spec,
  // and "" for each group.
  std::vector<std::string> from;
};

// `header` is a header section as mime::SplitHeaderSection gives it (its
// fields with their line ends, without the empty line).
TopFieldsReading ReadTopFieldsAsGmime(std::string_view header);

// The addr-spec of a From field's value when GMime's address parser
// (internet_address_list_parse) reads exactly one mailbox in it: a
// display name and comments are not the address ("bob@x (<eve@y>)" is
// bob@x). nullopt for none, several, a group or what it cannot parse.
std::optional<std::string> SoleMailboxAsGmime(std::string_view value);

// A message's top-level multipart as GMime's parse splits it. Offsets are
// from the message's first byte.
struct MultipartReading {
  std::string boundary;  // GMime's, from the Content-Type it took
  struct Part {
    // Where its first header field starts; -1 when it has none.
    int64_t first_field = -1;
    // A leaf's content (after its empty line, before the line break that
    // ends it); -1 for a multipart or a part without content.
    int64_t content_begin = -1;
    int64_t content_end = -1;
  };
  std::vector<Part> parts;
};

// nullopt when GMime makes no message of `message`, its parse went past
// mime::ParsedMessage's budget, or its top part is not a multipart.
std::optional<MultipartReading> ReadTopMultipartAsGmime(
    std::string_view message);

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_SIGNED_READING_H_
