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

// An attached part's lines before its message.
std::string AttachedPartHead(std::string_view boundary, bool ascii,
                             std::string_view description,
                             std::string_view filename) {
  std::string out = "--" + std::string(boundary) + "\r\n";
  out += "Content-Type: message/rfc822\r\n";
  // message/rfc822 allows only identity encodings (RFC 2046 §5.2.1).
  out += std::string("Content-Transfer-Encoding: ") +
         (ascii ? "7bit" : "8bit") + "\r\n";
  out += "Content-Description: " + std::string(description) + "\r\n";
  out += "Content-Disposition: attachment; filename=\"" +
         std::string(filename) + "\"\r\n\r\n";
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

void AttachedScan::Update(std::string_view slice) {
  size_ += static_cast<int64_t>(slice.size());
  if (ascii_ && !IsAscii(slice)) ascii_ = false;
  if (has_delimiter_ || delimiter_.size() <= 2) {
    has_delimiter_ = true;
    return;
  }
  // A delimiter across two slices: the end of the one before in front of
  // this one's start; then this one alone (never copied whole).
  const size_t keep = delimiter_.size() - 1;
  tail_.append(slice.substr(0, keep));
  if (tail_.find(delimiter_) != std::string::npos ||
      slice.find(delimiter_) != std::string_view::npos) {
    has_delimiter_ = true;
    return;
  }
  if (slice.size() >= keep) {
    tail_.assign(slice.substr(slice.size() - keep));
  } else if (tail_.size() > keep) {
    tail_.erase(0, tail_.size() - keep);
  }
}

Result<std::vector<std::string>> JournalReportFrame(
    const JournalReportRequest& r, bool is_protected, bool attach_decrypted,
    const std::vector<AttachedScan>& scans) {
  // A decrypted copy only beside a protected one (a caller's mistake
  // otherwise): refused whether the report is built or streamed.
  if (attach_decrypted && !is_protected) {
    return InternalError("journal report: a decrypted copy of clear mail");
  }
  const size_t attached = attach_decrypted ? 2 : 1;
  if (scans.size() != attached) {
    return InternalError("journal report: a scan per attached message");
  }
  std::string delimiter = "--" + r.boundary;
  for (const auto& scan : scans) {
    if (r.boundary.empty() || scan.has_delimiter()) {
      return InvalidArgumentError("journal report boundary occurs in the mail");
    }
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
  if (is_protected) {
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
  std::vector<std::string> pieces;
  out += AttachedPartHead(r.boundary, scans[0].ascii(), kJournaledDescription,
                          "journaled.eml");
  pieces.push_back(std::move(out));
  if (attach_decrypted) {
    // The CRLF before the next delimiter belongs to the delimiter (RFC
    // 2046 §5.1.1): one more keeps the message's own last line break.
    pieces.push_back("\r\n" + AttachedPartHead(r.boundary, scans[1].ascii(),
                                               kDecryptedDescription,
                                               "decrypted.eml"));
  }
  pieces.push_back("\r\n" + delimiter + "--\r\n");
  return pieces;
}

Result<std::string> BuildJournalReport(const JournalReportRequest& r) {
  std::string_view journaled = r.journaled.empty() ? r.original : r.journaled;
  std::string_view decrypted = r.decrypted.empty() ? r.original : r.decrypted;
  const bool attach_decrypted = r.include_decrypted;
  std::vector<std::string_view> messages{journaled};
  if (attach_decrypted) messages.push_back(decrypted);
  std::vector<AttachedScan> scans;
  for (std::string_view m : messages) {
    scans.emplace_back(r.boundary);
    scans.back().Update(m);
  }
  SP_ASSIGN_OR_RETURN(
      std::vector<std::string> pieces,
      JournalReportFrame(r, !r.journaled.empty(), attach_decrypted, scans));
  std::string out = std::move(pieces[0]);
  for (size_t i = 0; i < messages.size(); ++i) {
    out += messages[i];
    out += pieces[i + 1];
  }
  return out;
}

}  // namespace sealpost::mime
