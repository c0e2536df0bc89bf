// CallStreamed: one HTTPS request to the server's API whose bodies need not
// fit in memory (issue 14: `sealpost protect` and `open` of large
// messages). The request body is read from a ByteSource (a FileReader) a
// slice at a time and sent with its Content-Length; the response body is handed
// to a sink a slice at a time as it arrives. Same TLS checks as Call
// (cli/client.h). Kept out of client.h so that the CLI's other commands do
// not see it.
//
// Thread-safety: a free function; each call opens its own connection.
#ifndef SEALPOST_CLI_STREAMED_CALL_H_
#define SEALPOST_CLI_STREAMED_CALL_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/status.h"
#include "cli/client.h"

namespace sealpost::cli {

struct StreamedRequest {
  std::string method;  // "POST"
  std::string target;  // "/api/v1/protect?template=..."
  std::string content_type;
  // The request body: exactly `body_size` bytes read from `body` from where
  // it stands; the caller owns it and it outlives the call. Null: no body.
  ByteSource* body = nullptr;
  int64_t body_size = 0;
  std::string accept;  // the Accept field; empty: none
};

// Answers kept whole (errors, or ones the caller does not stream) stop at
// this size: a larger one is an error.
inline constexpr size_t kMaxKeptBody = 1 << 20;

// Sends `request`. Once the answer's status and header fields are read,
// `stream_if` is asked (with ApiResponse::body empty): true, each slice of
// the body goes to `sink` as it arrives (an error from `sink` ends the call
// with that error); false, the body is kept in ApiResponse::body. A body
// cut short of its Content-Length is an error, so a sink that saw no error
// and a call that returns OK together mean the whole body arrived.
// Network and TLS failures are UNAVAILABLE with a one-line reason; a body
// that fails to read or gives fewer than body_size bytes is DATA_LOSS.
Result<ApiResponse> CallStreamed(
    const ClientOptions& options, const StreamedRequest& request,
    const std::function<bool(const ApiResponse& head)>& stream_if,
    const std::function<Status(std::string_view slice)>& sink);

}  // namespace sealpost::cli

#endif  // SEALPOST_CLI_STREAMED_CALL_H_
