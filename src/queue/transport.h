// Transport: how the queue hands one delivery (one message, the recipients
// that share a next hop and TLS policy) to whatever carries it: the SMTP
// client (smtp/client.h) or the Maildir sink (queue/maildir.h). The queue
// knows nothing of sockets; a transport knows nothing of the store.
//
// Thread-safety: Deliver() may be called from any thread; `done` is called
// exactly once, on a thread of the transport's choosing.
#ifndef SEALPOST_QUEUE_TRANSPORT_H_
#define SEALPOST_QUEUE_TRANSPORT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace sealpost::queue {

// Where a route points.
struct NextHop {
  enum class Kind { kNone, kSmtp, kMaildir };
  Kind kind = Kind::kNone;
  std::string host;  // kSmtp
  uint16_t port = 25;
  std::string dir;  // kMaildir
  // "smtp:HOST:PORT", "maildir:DIR" or "none".
  std::string Text() const;
  friend bool operator==(const NextHop&, const NextHop&) = default;
};

// Per recipient domain (SPEC §4 `tls policy`): `may` is opportunistic TLS;
// `encrypt` requires STARTTLS (no certificate check); `verify` requires it
// with the chain checked against `ca_file` (or the system store) and the
// next hop's host name matched.
enum class TlsMode { kMay, kEncrypt, kVerify };
struct TlsRequirement {
  TlsMode mode = TlsMode::kMay;
  std::string ca_file;
  friend bool operator==(const TlsRequirement&,
                         const TlsRequirement&) = default;
};
const char* TlsModeName(TlsMode mode);

// The ESMTP parameters that travel with a message (RFC 6152, 6531, 3461).
struct EnvelopeParams {
  bool body_8bit = false;  // BODY=8BITMIME
  bool smtputf8 = false;
  std::string ret;    // "FULL", "HDRS" or ""
  std::string envid;  // xtext
  // A mail flow rule's "require TLS": delivered only over an encrypted
  // connection (at least TlsMode::kEncrypt), whatever the domain's policy.
  bool require_tls = false;
  // Domains (lower case) delivered to only over TLS whose server
  // certificate verifies (TlsMode::kVerify), whatever their policy: a
  // journal report's outside the organisation, whose policy was verify
  // when the rule was made and may have been removed since.
  std::vector<std::string> verified_tls_domains;
};

struct DeliveryRecipient {
  std::string address;
  int notify = 0;     // RFC 3461 bits (smtp/envelope.h)
  std::string orcpt;  // RFC 3461 ORCPT as received
};

// A message's bytes a slice at a time: how a body too large to hold whole
// reaches a transport (issue 14).
class ContentReader {
 public:
  virtual ~ContentReader() = default;
  // Appends the next slice (about 1 MiB at most) to *out; false at the end.
  // After an error what was read is not the whole message: a transport
  // must not deliver it.
  virtual Result<bool> Next(std::string* out) = 0;
};

struct DeliveryRequest {
  std::string message_id;  // the queue id, for logs
  NextHop hop;
  TlsRequirement tls;
  std::string mail_from;
  std::vector<DeliveryRecipient> recipients;
  EnvelopeParams params;
  // The RFC 5322 bytes (CRLF): `content` in memory, or else read with
  // `open_content` (a large body from its file); `size` bytes either way.
  std::shared_ptr<const std::string> content;
  std::function<Result<std::unique_ptr<ContentReader>>()> open_content;
  int64_t size = 0;
};

// The request's content a slice at a time, from memory or its file.
Result<std::unique_ptr<ContentReader>> OpenContent(const DeliveryRequest& r);

struct RecipientResult {
  int code = 0;       // SMTP reply code: 2xx delivered, 4xx retry, 5xx fail
  std::string reply;  // e.g. "250 2.0.0 Ok" or a local error text
};

struct DeliveryResult {
  std::vector<RecipientResult> recipients;  // same order as the request
  std::string tls;         // "TLSv1.3 TLS_AES_256_GCM_SHA384" or "none"
  bool cancelled = false;  // shutting down: record nothing, retry later
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual void Deliver(DeliveryRequest request,
                       std::function<void(DeliveryResult)> done) = 0;
  // Cancels deliveries in flight (they complete with `cancelled`) and
  // refuses new ones the same way.
  virtual void Shutdown() {}
};

// Every recipient with the same result.
DeliveryResult AllRecipients(size_t n, int code, const std::string& reply,
                             std::string tls = "none");

}  // namespace sealpost::queue

#endif  // SEALPOST_QUEUE_TRANSPORT_H_
