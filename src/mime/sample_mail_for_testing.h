// Tests only: the mails the mime/ tests parse, put together from their parts
// so that a test spells out only what it is about (a part's header fields
// and body), not the boundary lines around it (RFC 2046 §5.1.1).
//
// Thread-safety: pure functions.
#ifndef SEALPOST_MIME_SAMPLE_MAIL_FOR_TESTING_H_
#define SEALPOST_MIME_SAMPLE_MAIL_FOR_TESTING_H_

#include <initializer_list>
#include <string>
#include <string_view>

namespace sealpost::testing {

// Header fields that use every field the reading view shows: an encoded
// display name in mixed case, a group, a folded encoded Subject, Date,
// Message-ID and a folded References with junk (each line ending in CRLF).
inline constexpr std::string_view kRichHeaderFields =
    "From: =?UTF-8?Q?Ren=C3=A9e?= Dupont <Renee@Example.COM>\r\n"
    "To: Bob <bob@example.org>, carol@example.net\r\n"
    "Cc: Team: dave@example.org, erin@example.org;\r\n"
    "Reply-To: replies@example.com\r\n"
    "Subject: =?UTF-8?B?w6l0w6k=?=\r\n  plans\r\n"
    "Date: Mon, 01 Jan 2024 12:00:00 +0100\r\n"
    "Message-ID: <abc.123@example.com>\r\n"
    "References: <a@x>\r\n <b@y> junk\r\n";

// A mail of one part: "Subject: x", MIME-Version, then `content_type` and
// `transfer_encoding` as header fields (each left out where empty), a blank
// line and `body`.
inline std::string SinglePartMail(std::string_view content_type,
                                  std::string_view transfer_encoding,
                                  std::string_view body) {
  std::string mail = "Subject: x\r\nMIME-Version: 1.0\r\n";
  if (!content_type.empty()) {
    mail.append("Content-Type: ").append(content_type).append("\r\n");
  }
  if (!transfer_encoding.empty()) {
    mail.append("Content-Transfer-Encoding: ")
        .append(transfer_encoding)
        .append("\r\n");
  }
  return mail.append("\r\n").append(body);
}

// A multipart/`subtype` mail with boundary `boundary` (given quoted in the
// Content-Type, as mail clients do): `headers` (each line ending in CRLF),
// MIME-Version and the Content-Type, then each of `parts` (its header fields,
// a blank line and its body) between boundary lines. `subtype` may carry
// parameters other than the boundary: "signed; protocol=...".
inline std::string MultipartMail(
    std::string_view headers, std::string_view subtype,
    std::string_view boundary, std::initializer_list<std::string_view> parts) {
  std::string mail(headers);
  mail.append("MIME-Version: 1.0\r\nContent-Type: multipart/")
      .append(subtype)
      .append("; boundary=\"")
      .append(boundary)
      .append("\"\r\n\r\n");
  for (std::string_view part : parts) {
    mail.append("--").append(boundary).append("\r\n").append(part).append(
        "\r\n");
  }
  return mail.append("--").append(boundary).append("--\r\n");
}

}  // namespace sealpost::testing

#endif  // SEALPOST_MIME_SAMPLE_MAIL_FOR_TESTING_H_
