// Tests only: ParseForReading with the fast path's differential check
// (view_internal.h): wherever the fast path reads a message, its view must
// be the GMime parse's, field for field.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_MIME_VIEW_CHECK_FOR_TESTING_H_
#define SEALPOST_MIME_VIEW_CHECK_FOR_TESTING_H_

#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "mime/view.h"
#include "mime/view_internal.h"

namespace sealpost::testing {

// The fields in which `a` and `b` differ, with both values; "" when none.
inline std::string ViewDiff(const mime::MessageView& a,
                            const mime::MessageView& b) {
  std::ostringstream out;
  auto field = [&](const char* name, const auto& x, const auto& y) {
    if (x != y) out << name << ": [" << x << "] vs [" << y << "]\n";
  };
  auto list = [&](const char* name, const std::vector<std::string>& x,
                  const std::vector<std::string>& y) {
    if (x == y) return;
    out << name << ":";
    for (const auto& s : x) out << " [" << s << "]";
    out << " vs";
    for (const auto& s : y) out << " [" << s << "]";
    out << "\n";
  };
  field("subject", a.subject, b.subject);
  field("from", a.from, b.from);
  field("from_address", a.from_address, b.from_address);
  list("to", a.to, b.to);
  list("cc", a.cc, b.cc);
  list("to_addresses", a.to_addresses, b.to_addresses);
  list("cc_addresses", a.cc_addresses, b.cc_addresses);
  list("reply_to_addresses", a.reply_to_addresses, b.reply_to_addresses);
  field("date", a.date, b.date);
  field("date_unix", a.date_unix, b.date_unix);
  field("message_id", a.message_id, b.message_id);
  field("references", a.references, b.references);
  field("text", a.text, b.text);
  field("html", a.html, b.html);
  field("body_truncated", a.body_truncated, b.body_truncated);
  if (a.parts != b.parts) out << "parts differ\n";
  return out.str();
}

// Whether the fast path read `message`; fails the test when its view is not
// the GMime parse's.
inline bool ExpectFastMatchesGmime(
    std::string_view message, size_t max_body = mime::kDefaultMaxViewBody) {
  std::optional<mime::MessageView> fast =
      mime::internal::FastView(message, max_body);
  if (!fast) return false;
  auto gmime = mime::internal::GmimeView(message, max_body);
  EXPECT_TRUE(gmime.ok()) << "the fast path read what GMime refuses:\n"
                          << message;
  if (gmime.ok()) {
    EXPECT_TRUE(*fast == *gmime) << "fast vs GMime:\n"
                                 << ViewDiff(*fast, *gmime) << "message:\n"
                                 << message;
  }
  return true;
}

// ParseForReading, after the differential check on `message`.
inline Result<mime::MessageView> CheckedParse(
    std::string_view message, size_t max_body = mime::kDefaultMaxViewBody) {
  ExpectFastMatchesGmime(message, max_body);
  return mime::ParseForReading(message, max_body);
}

}  // namespace sealpost::testing

#endif  // SEALPOST_MIME_VIEW_CHECK_FOR_TESTING_H_
