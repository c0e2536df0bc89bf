// The wrapper mail (SPEC §3): what a recipient of protected mail receives.
// multipart/mixed holding a multipart/alternative (text + HTML) with a "Read
// the message" link to the portal, and (for internal recipients) the sealed
// container as the attachment message.sealed, plus the header
// `X-Sealpost-Protected: v1; id=<id>; template=<name>; k=..; seal=..` whose
// seal (sealed/wrapper_seal.h) proves the body is ours and unchanged. The
// original's From, To, Cc, Subject and Date are carried over as they were
// (raw, so encoded words stay valid); a message with no header section gets
// From and To from the envelope. Parsing uses GMime; GMime stays inside this
// module.
//
// Thread-safety: free functions, safe from any thread.
#ifndef SEALPOST_MIME_WRAPPER_H_
#define SEALPOST_MIME_WRAPPER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_source.h"
#include "base/status.h"

namespace sealpost::mime {

// The look of the wrapper (from the OME branding configuration).
struct WrapperBranding {
  std::string introduction_text = "has sent you a protected message.";
  std::string read_button_text = "Read the message";
  std::string email_text;
  std::string disclaimer_text;
  std::string privacy_statement_url;
  std::string background_color;  // "#rrggbb" or empty
  std::string logo;              // PNG/JPEG bytes or empty
  std::string logo_type;         // "image/png" | "image/jpeg"
};

struct WrapperOptions {
  std::string message_id;     // protected message id
  std::string template_name;  // "Do Not Forward"
  std::string portal_url;     // https://host:port (no trailing slash)
  WrapperBranding branding;
  int64_t expires_at = 0;  // unix seconds; 0: no expiry shown
  // Attach the container as message.sealed: for internal recipients, who
  // can open it with `sealpost open`. External recipients read in the
  // portal, which keeps its own copy, so their wrapper stays small.
  bool attach_container = true;
  // The wrapper's Subject (UTF-8), e.g. without the sender's keyword; unset:
  // the original's, as it was.
  std::optional<std::string> subject;
  // Used when the original has no From, or neither To nor Cc (mail with no
  // header section at all is protected too, as bytes).
  std::string envelope_from;
  std::vector<std::string> envelope_to;
  // Signs the wrapper: called with the finished header fields and body,
  // returns what to append to the X-Sealpost-Protected value
  // ("; k=1; seal=..."). Unset: no seal (tests only; the mail flow does not
  // recognise an unsealed wrapper as protected).
  std::function<Result<std::string>(std::string_view header,
                                    std::string_view body)>
      seal;
  // The same for a wrapper made a slice at a time (BuildWrapperStream):
  // called with the header fields and the body's canonical digest
  // (sealed::CanonicalBodyHasher).
  std::function<Result<std::string>(std::string_view header,
                                    std::string_view body_digest)>
      seal_digest;
};

// Builds the wrapper around `container` for the original message `original`.
Result<std::string> BuildWrapperMail(std::string_view original,
                                     std::string_view container,
                                     const WrapperOptions& options);

// The same with the container read a slice at a time from `container`
// (issue 14: the portal copy in its body file), so that it is not held
// whole beside the wrapper being built. It is read only when
// options.attach_container is set (then null is INTERNAL), from where it
// stands, and must give `container_size` bytes in all (INTERNAL otherwise).
Result<std::string> BuildWrapperMail(std::string_view original,
                                     size_t container_size,
                                     ByteSource* container,
                                     const WrapperOptions& options);

// The wrapper mail made a slice at a time as it is sent (issue 14: a
// large message protected through the API), never whole in memory.
class WrapperStream {
 public:
  virtual ~WrapperStream() = default;
  // Its size in bytes, known before the first.
  virtual int64_t size() const = 0;
  // Appends up to `max` bytes to *out; 0 at the end. INTERNAL when the
  // container read again is not the one sealed.
  virtual Result<size_t> Next(size_t max, std::string* out) = 0;
};

// The wrapper mail for a container of `container_size` bytes read from
// `container` (a file, a spool): once here for the seal
// (options.seal_digest; options.seal is refused), and again from its first
// byte (Restart) by the stream as it is sent. Only the header section of
// the original is needed (`original_head`; more is ignored).
Result<std::unique_ptr<WrapperStream>> BuildWrapperStream(
    std::string_view original_head, size_t container_size,
    std::unique_ptr<ByteSource> container, const WrapperOptions& options);

// The decoded bytes of the first application/vnd.sealpost.sealed part of a
// mail; NOT_FOUND when there is none, INVALID_ARGUMENT when it is not MIME
// or its parse goes over ParsedMessage's budget (HeadersOverLimitError).
Result<std::string> ExtractSealedAttachment(std::string_view mail);

// The decoded content of the first part of type `mime_type` ("text/html").
Result<std::string> ExtractPart(std::string_view mail,
                                std::string_view mime_type);

// Raw (unfolded-as-received) value of the first header `name` of a message,
// without the leading space and the final CRLF; empty when absent.
Result<std::string> RawHeader(std::string_view mail, std::string_view name);

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_WRAPPER_H_
