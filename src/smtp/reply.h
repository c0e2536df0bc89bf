// Reply: one SMTP server reply (RFC 5321 §4.2) with its enhanced status code
// (RFC 3463, announced by ENHANCEDSTATUSCODES, RFC 2034), and its wire form.
//
// Thread-safety: value type.
#ifndef SEALPOST_SMTP_REPLY_H_
#define SEALPOST_SMTP_REPLY_H_

#include <string>
#include <string_view>
#include <vector>

namespace sealpost::smtp {

struct Reply {
  int code = 250;
  // "2.1.0". Empty for the replies RFC 2034 §3 exempts: the greeting, the
  // replies to HELO and EHLO, and 3xx (which is not 2xx, 4xx or 5xx).
  std::string enhanced;
  // One entry per line of a multiline reply (RFC 5321 §4.2.1); at least one.
  std::vector<std::string> lines;

  // A one-line reply.
  static Reply Make(int code, std::string_view enhanced, std::string_view text);

  // "250-first\r\n250 last\r\n", each line carrying the enhanced code as
  // RFC 2034 §3 asks. CR, LF and NUL in the text become spaces, so text that
  // came from elsewhere can never inject a reply line.
  std::string Wire() const;

  bool IsPositive() const { return code >= 200 && code < 400; }
  bool IsTransient() const { return code >= 400 && code < 500; }
  bool IsPermanent() const { return code >= 500; }

  friend bool operator==(const Reply&, const Reply&) = default;
};

}  // namespace sealpost::smtp

#endif  // SEALPOST_SMTP_REPLY_H_
