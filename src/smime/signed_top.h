// The top of a message as the S/MIME signature check reads it
// (smime/signature_check.h), in memory and streamed alike: its header
// fields, its Content-Type by RFC 2045's grammar, its From address, each
// compared with GMime's reading (mime/signed_reading.h), so that a
// verdict is only given on the message a mail client shows.
//
// Thread-safety: pure functions of their inputs.
#ifndef SEALPOST_SMIME_SIGNED_TOP_H_
#define SEALPOST_SMIME_SIGNED_TOP_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "smime/signature_check.h"

namespace sealpost::smime {

// The unfolded values of every field `name` (any case) in the header
// section `header`, in order. A verdict reads a field only when it is
// there once: readers differ on which of two they take (GMime the last).
std::vector<std::string> HeaderFieldValues(std::string_view header,
                                           std::string_view name);

// A Content-Type field's value read by RFC 2045 §5.1's grammar (RFC 822's
// lexical tokens: comments and blanks between them, quoted strings with
// backslash escapes): "type/subtype" and its parameters.
struct ContentType {
  std::string media_type;  // lower case: "multipart/signed"
  // In order; names in lower case as written (RFC 2231's "boundary*0"
  // kept so), values unquoted.
  std::vector<std::pair<std::string, std::string>> parameters;
  // The value of parameter `name` (lower case); nullopt when absent.
  std::optional<std::string> Param(std::string_view name) const;
};
// INVALID_ARGUMENT saying what is wrong: no type/subtype, a parameter
// that is not attribute=value or has text after its value, an unclosed
// quoted string or comment, a parameter given twice (any case; RFC 2231's
// sections and extended form count as the name: "boundary*0" and
// "boundary*" are "boundary"), and boundary, protocol or smime-type in
// RFC 2231's forms (readers that do not join them read another value).
Result<ContentType> ParseContentType(std::string_view value);

// How a message whose Content-Type is `type` is signed at its top, as
// CheckSignature reads it: clear (multipart/signed, protocol
// ...pkcs7-signature), opaque (application/pkcs7-mime;
// smime-type=signed-data), or not at all.
enum class SignedForm { kNone, kClear, kOpaque };
SignedForm SignedFormOf(const ContentType& type);

// The top of a message as CheckSignature and CheckSignatureStream read it
// first, from its header section `header`: its SignedForm (kNone also
// when it has no Content-Type), a clear signature's boundary, and
// `refused`, the verdict (not verified) when the header alone shows that
// no verdict can be given on what a reader sees. Both answer `refused` at
// once when the form is kNone (nullopt) or it is set.
//
// The form is kNone when no reading takes the message for S/MIME signed:
// neither ours of any Content-Type field (nor a lenient one of a field
// that does not parse) nor GMime's (mime::ReadTopFieldsAsGmime). When one
// does, `refused` says why the verdict is not given: two Content-Type
// fields, or one that does not parse (ParseContentType), or that GMime
// reads otherwise (another media type, boundary, protocol or
// smime-type, or a parameter twice); From fields that name two
// addresses, or that GMime reads otherwise (ReadFrom); a multipart/signed
// without a boundary, or whose
// boundary has a control character or ends in a blank (RFC 2046 §5.1.1).
struct SignedTop {
  SignedForm form = SignedForm::kNone;
  std::string boundary;
  std::optional<SignatureCheck> refused;
};
SignedTop SignedTopOf(std::string_view header);

// The From address of the header section `header` as a reader shows it:
// the addr-spec of the one mailbox of its From field, as GMime reads it
// (mime::SoleMailboxAsGmime: a display name and comments are not the
// address, "bob@x (<eve@y>)" is bob@x). Several From fields are read
// only when each is that same one mailbox (a layer unwrapped from
// openssl's sign-then-encrypt has the message's and the entity's own).
// Otherwise `address` is empty and `problem` says why ("two From
// fields": two addresses; "the From field is not one address"; "... reads
// otherwise in GMime"), or both are empty when there is no From field.
struct FromReading {
  std::string address;
  std::string problem;
};
FromReading ReadFrom(std::string_view header);

// The addr-spec of a From field's value as GMime reads it ("Bob <bob@x>"
// -> "bob@x"); "" unless it is one mailbox with an '@'.
std::string FromAddress(std::string_view from_value);

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_SIGNED_TOP_H_
