// The reading view's two parses (internal to src/mime). GmimeView builds
// GMime's object graph and reads any message; FastView reads the common
// case, a single-part text/plain or text/html message, without it (issue
// 14: the graph's build and tear-down were ~11% of the server's CPU per
// portal first open). FastView splits the header section and the body
// itself and decodes with GMime's standalone utilities (address lists,
// RFC 2047 text, dates, message ids, Content-Type, transfer encodings) and
// the same charset conversion, so that its view is GmimeView's, field for
// field; whatever it is not sure to read the same way (multipart, message/*,
// attachments, duplicate or malformed structural fields, NULs, ...) it
// leaves to GmimeView. view_fast_test.cc and fuzz/mime_fuzz.cc check the two
// agree.
//
// Thread-safety: free functions, safe from any thread.
#ifndef SEALPOST_MIME_VIEW_INTERNAL_H_
#define SEALPOST_MIME_VIEW_INTERNAL_H_

#include <gmime/gmime.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "mime/view.h"

namespace sealpost::mime::internal {

// The view of `message` when it is a message the fast path reads exactly as
// GMime does; nullopt when it is not (then use GmimeView).
std::optional<MessageView> FastView(std::string_view message, size_t max_body);
// The view from GMime's parse (ParseForReading without the fast path).
Result<MessageView> GmimeView(std::string_view message, size_t max_body);

// Pieces both share (view.cc).
// One line of display text: folding and control characters removed, tabs as
// spaces, valid UTF-8, trimmed.
std::string CleanLine(std::string_view v);
// The mailboxes of `list` (groups flattened) as display forms and lower-case
// addresses; either output may be null.
void CollectMailboxes(InternetAddressList* list, int depth,
                      std::vector<std::string>* display,
                      std::vector<std::string>* addresses);
// v->from and v->from_address from the From field's parsed `list`; false
// when nothing could be shown from it (the caller then sets v->from to
// FromText of the field's raw value, read only then).
bool SetFrom(InternetAddressList* list, MessageView* v);
// A From field's `raw` value as shown when no mailbox could be made out of
// it: cleaned and RFC 2047 decoded.
std::string FromText(std::string_view raw);
// A References field's raw value as "<a@x> <b@y>".
std::string JoinReferences(std::string_view raw);
// A text body's decoded bytes in `charset` (null for none) as UTF-8, cut at
// `max` bytes (setting `truncated`), without NULs.
std::string BodyToUtf8(std::string bytes, const char* charset, size_t max,
                       bool& truncated);
// "\r\n" and a lone "\r" as "\n"; the runs between them copied whole (this
// runs over every text body shown).
std::string ToLf(std::string_view s);

}  // namespace sealpost::mime::internal

#endif  // SEALPOST_MIME_VIEW_INTERNAL_H_
