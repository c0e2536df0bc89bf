#include "mime/journal_report.h"

#include <algorithm>

#include "base/clock.h"
#include "base/strings.h"
#include "mime/facts.h"
#include "mime/gmime_util.h"

namespace sealpost::mime {
namespace {

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 128;
  });
}

// Lower-case addresses of one address field of `msg`.
std::vector<std::string> AddressesOf(GMimeMessage* msg, GMimeAddressType type) {
  std::vector<std::string> out;
  InternetAddressList* list = g_mime_message_get_addresses(msg, type);
  if (list == nullptr) return out;
  // Groups hold mailboxes of their own (RFC 5322 §3.4): walk them too.
  std::vector<InternetAddressList*> todo{list};
  while (!todo.empty()) {
    InternetAddressList* l = todo.back();
    todo.pop_back();
    for (int i = 0; i < internet_address_list_length(l); ++i) {
      InternetAddress* a = internet_address_list_get_address(l, i);
      if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
        const char* addr =
            internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
        if (addr != nullptr) out.push_back(AsciiLower(addr));
      } else if (INTERNET_ADDRESS_IS_GROUP(a)) {
        todo.push_back(
            internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)));
      }
    }
  }
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A header field's value as text: one line, no CR or LF.
std::string OneLine(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

std::string AttachedPart(std::string_view boundary, std::string_view bytes,
                         std::string_view description,
                         std::string_view filename) {
  std::string out = "--" + std::string(boundary) + "\r\n";
  out += "Content-Type: message/rfc822\r\n";
  // message/rfc822 allows only identity encodings (RFC 2046 §5.2.1).
  out += std::string("Content-Transfer-Encoding: ") +
         (IsAscii(bytes) ? "7bit" : "8bit") + "\r\n";
  out += "Content-Description: " + std::string(description) + "\r\n";
  out += "Content-Disposition: attachment; filename=\"" +
         std::string(filename) + "\"\r\n\r\n";
  out += bytes;
  // The CRLF before the next delimiter belongs to the delimiter (RFC 2046
  // §5.1.1): one more keeps the message's own last line break.
  out += "\r\n";
  return out;
}

}  // namespace

std::vector<JournalRecipient> ClassifyRecipients(
    std::string_view original, const std::vector<std::string>& envelope) {
  std::vector<std::string> to, cc;
  internal::ParsedMessage parsed(original);
  if (parsed.get() != nullptr) {
    to = AddressesOf(parsed.get(), GMIME_ADDRESS_TYPE_TO);
    cc = AddressesOf(parsed.get(), GMIME_ADDRESS_TYPE_CC);
  }
  std::vector<JournalRecipient> out;
  for (const auto& r : envelope) {
    std::string a = AsciiLower(r);
    out.push_back({Contains(to, a) ? "To" : Contains(cc, a) ? "Cc" : "Bcc", a});
  }
  return out;
}

Result<std::string> BuildJournalReport(const JournalReportRequest& r) {
  std::string_view journaled = r.journaled.empty() ? r.original : r.journaled;
  std::string_view decrypted = r.decrypted.empty() ? r.original : r.decrypted;
  std::string delimiter = "--" + r.boundary;
  if (r.boundary.empty() ||
      journaled.find(delimiter) != std::string_view::npos ||
      (r.include_decrypted &&
       decrypted.find(delimiter) != std::string_view::npos)) {
    return InvalidArgumentError("journal report boundary occurs in the mail");
  }
  std::string subject, message_id;
  {
    internal::ParsedMessage parsed(r.original);
    if (parsed.get() != nullptr) {
      if (const char* s = g_mime_message_get_subject(parsed.get())) {
        subject = OneLine(s);
      }
      if (const char* id = g_mime_message_get_message_id(parsed.get())) {
        message_id = "<" + OneLine(id) + ">";
      }
    }
  }

  // The body, as Exchange's envelope journal report lays it out.
  std::string body = "Sender: " +
                     (r.envelope_from.empty() ? std::string("<>")
                                              : AsciiLower(r.envelope_from)) +
                     "\r\n";
  body += "Subject: " + subject + "\r\n";
  body += "Message-Id: " + message_id + "\r\n";
  for (const auto& rc : ClassifyRecipients(r.original, r.envelope_recipients)) {
    body += rc.field + ": " + rc.address + "\r\n";
  }
  if (!r.journaled.empty()) {
    body += "Protected: " +
            (r.protected_id.empty() ? std::string("yes") : r.protected_id) +
            "\r\n";
    body += std::string("Decrypted-Copy: ") +
            (r.include_decrypted ? "attached" : "no") + "\r\n";
  }

  std::string out;
  out += "From: " + r.report_from + "\r\n";
  std::string to;
  for (const auto& a : r.journal_addresses) to += (to.empty() ? "" : ", ") + a;
  out += "To: " + to + "\r\n";
  out += "Subject: " + EncodeSubject(subject) + "\r\n";
  out += "Date: " + Rfc5322Date(r.now_unix) + "\r\n";
  out += "Message-ID: <" + r.message_id + ">\r\n";
  out += "X-Sealpost-Journal-Report: envelope\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/mixed; boundary=\"" + r.boundary + "\"\r\n";
  out += "\r\n";
  out += "This is an envelope journal report.\r\n";
  out += delimiter + "\r\n";
  out += "Content-Type: text/plain; charset=utf-8\r\n";
  if (IsAscii(body)) {
    out += "Content-Transfer-Encoding: 7bit\r\n\r\n" + body;
  } else {
    out += "Content-Transfer-Encoding: base64\r\n\r\n" +
           internal::WrapBase64(body);
  }
  out += AttachedPart(r.boundary, journaled, kJournaledDescription,
                      "journaled.eml");
  if (r.include_decrypted && !r.journaled.empty()) {
    out += AttachedPart(r.boundary, decrypted, kDecryptedDescription,
                        "decrypted.eml");
  }
  out += delimiter + "--\r\n";
  return out;
}

}  // namespace sealpost::mime
