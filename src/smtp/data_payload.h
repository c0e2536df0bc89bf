// The DATA payload of a delivery (RFC 5321 §4.5.2): the message
// dot-stuffed, ending in CRLF, then "." CRLF; made a slice at a time from
// a queue::ContentReader, so that neither the message nor its stuffed copy
// is ever whole in memory (issue 14). The SMTP client sends each slice as
// it comes (smtp/client.h).
//
// Thread-safety: DataPayload is thread-compatible; the functions are pure.
#ifndef SEALPOST_SMTP_DATA_PAYLOAD_H_
#define SEALPOST_SMTP_DATA_PAYLOAD_H_

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "queue/transport.h"

namespace sealpost::smtp {

class DataPayload {
 public:
  explicit DataPayload(std::unique_ptr<queue::ContentReader> content)
      : content_(std::move(content)) {}
  // Appends the next stuffed slice to *out (the last one ends with the
  // terminator); false once all was given. An error means the message
  // could not be read whole: the DATA must not be ended.
  Result<bool> Next(std::string* out);

 private:
  std::unique_ptr<queue::ContentReader> content_;
  std::string slice_;
  bool line_start_ = true;
  bool ended_ = false;
  char last_[2] = {0, 0};  // the content's last two bytes so far
  bool empty_ = true;
};

// The DATA payload of `content` at once.
std::string DotStuff(std::string_view content);
// DotStuff a slice at a time (a large message is never copied whole):
// appends the slice `part`, stuffed, to `out`; `line_start` carries whether
// the next byte starts a line (true before the first slice).
void DotStuffSlice(std::string_view part, bool* line_start, std::string* out);
// Then the end: a CRLF if the whole `content` lacks one, and "." CRLF.
void DotStuffEnd(std::string_view content, std::string* out);

}  // namespace sealpost::smtp

#endif  // SEALPOST_SMTP_DATA_PAYLOAD_H_
