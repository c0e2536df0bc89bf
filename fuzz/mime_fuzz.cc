// libFuzzer target for the MIME readers that run on untrusted mail: message
// facts (GMime), the sealed attachment extraction, the portal's reading
// view with every part it lists fetched back, and the byte-level header
// section (split, reserved fields removed) and X-Sealpost-Protected parser
// the mail flow runs before it trusts anything. The reading view's fast
// path (mime/view_internal.h) must give GMime's view, field for field, on
// any input it accepts. A claim of S/MIME encryption's content read a
// slice at a time through a parse over a source (OpenTopLevelContent, the
// gateway's large-message path) must be what the in-memory facts decode.
// The header budget (mime::ParsedMessage) holds the same way in memory and
// over a source, and no parse holds more fields than it allows, nor more
// parts than the lines it priced as their boundaries. Files found inside
// text are the same whatever slices the text comes in.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <gmime/gmime.h>

#include "base/string_source.h"
#include "base/strings.h"
#include "base/utf8.h"
#include "mime/embedded_files.h"
#include "mime/facts.h"
#include "mime/header_section.h"
#include "mime/parsed_message.h"
#include "mime/part_stream.h"
#include "mime/view.h"
#include "mime/view_internal.h"
#include "mime/wrapper.h"
#include "sealed/wrapper_seal.h"

namespace {

// No X-Sealpost-* field but the sender's template request survives.
void CheckNoReservedField(std::string_view message) {
  std::string_view header = sealpost::mime::SplitHeaderSection(message).header;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t nl = header.find('\n', pos);
    std::string line = sealpost::AsciiLower(header.substr(pos, 20));
    if (line.starts_with("x-sealpost-") &&
        !line.starts_with("x-sealpost-template")) {
      __builtin_trap();
    }
    pos = nl == std::string_view::npos ? header.size() : nl + 1;
  }
}

void CheckHeaderSection(std::string_view input) {
  auto hs = sealpost::mime::SplitHeaderSection(input);
  if (!input.starts_with(hs.header) || !input.ends_with(hs.body) ||
      hs.header.size() + hs.body.size() > input.size()) {
    __builtin_trap();
  }
  auto stripped = sealpost::mime::RemoveReservedFields(input, false);
  std::string_view out = stripped ? std::string_view(*stripped) : input;
  CheckNoReservedField(out);
  if (sealpost::mime::RemoveReservedFields(out, false).has_value()) {
    __builtin_trap();  // removal is idempotent
  }
  auto marker = sealpost::sealed::ParseProtectedHeader(input);
  sealpost::sealed::CanonicalBodyHasher body;
  body.Update(hs.body);
  (void)sealpost::sealed::WrapperSealInputWithDigest(
      marker.id, marker.template_name, hs.header, body.Finish());
}

// Wherever the fast path reads a message, its view is GMime's; and the
// public entry point gives that same view.
void CheckFastView(std::string_view input, size_t max_body) {
  auto fast = sealpost::mime::internal::FastView(input, max_body);
  if (!fast) return;
  auto gmime = sealpost::mime::internal::GmimeView(input, max_body);
  if (!gmime.ok() || !(*fast == *gmime)) __builtin_trap();
}

// The S/MIME content through a parse over a source, read in slices of
// `slice` bytes, is MailFacts::smime_content.
void CheckTopLevelContent(std::string_view input, size_t slice) {
  auto facts = sealpost::mime::ExtractFacts(input, 4096);
  if (!facts.ok() || !facts->claims_smime_encrypted) return;
  sealpost::mime::ParsedMessage parsed(
      std::make_unique<sealpost::StringSource>(input, slice));
  auto content = sealpost::mime::OpenTopLevelContent(parsed);
  if (!content.ok()) __builtin_trap();  // a leaf in memory, one here
  std::string got;
  for (;;) {
    auto n = (*content)->Read(slice, &got);
    if (!n.ok()) __builtin_trap();  // the source never fails
    if (*n == 0) break;
  }
  if (got != facts->smime_content) __builtin_trap();
}

// What the rules read of a message is the same from a parse over a source
// (a spooled message) as from memory: its text within its cap and valid
// UTF-8, its attachments named and sized alike. Not compared: a parse over
// a source that went back too often (the protection stage reads such a
// message whole: the facts from memory).
void CheckFacts(std::string_view input, size_t slice) {
  auto in_memory = sealpost::mime::ExtractFacts(input, 4096);
  if (in_memory.ok()) {
    const std::string& text = in_memory->body_text;
    if (text.size() > sealpost::mime::kMaxMessageBodyText) __builtin_trap();
    for (size_t i = 0; i < text.size();) {
      size_t n = sealpost::Utf8SequenceAt(text, i);
      if (n == 0) __builtin_trap();
      i += n;
    }
  }
  sealpost::mime::ParsedMessage parsed(
      std::make_unique<sealpost::StringSource>(input, slice));
  auto spooled = sealpost::mime::ExtractFacts(parsed, 4096);
  if (!parsed.source_status().ok()) return;
  if (in_memory.ok() != spooled.ok()) __builtin_trap();
  if (!in_memory.ok()) return;
  if (spooled->body_text != in_memory->body_text) __builtin_trap();
  if (spooled->attachments.size() != in_memory->attachments.size()) {
    __builtin_trap();
  }
  for (size_t i = 0; i < in_memory->attachments.size(); ++i) {
    if (spooled->attachments[i].name != in_memory->attachments[i].name ||
        spooled->attachments[i].size != in_memory->attachments[i].size) {
      __builtin_trap();
    }
  }
}

// The header fields `object` and its parts hold (message/rfc822 bodies
// included).
int FieldsHeld(GMimeObject* object) {
  if (object == nullptr) return 0;
  int n = g_mime_header_list_get_count(g_mime_object_get_header_list(object));
  if (GMIME_IS_MESSAGE(object)) {
    return n + FieldsHeld(g_mime_message_get_mime_part(GMIME_MESSAGE(object)));
  }
  if (GMIME_IS_MESSAGE_PART(object)) {
    return n + FieldsHeld(GMIME_OBJECT(g_mime_message_part_get_message(
                   GMIME_MESSAGE_PART(object))));
  }
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    for (int i = 0; i < g_mime_multipart_get_count(multipart); ++i) {
      n += FieldsHeld(g_mime_multipart_get_part(multipart, i));
    }
  }
  return n;
}

// A multipart without a boundary parameter (no boundary has a NUL).
const std::string kNoBoundary(1, '\0');

// The parts GMime built under each multipart, by boundary.
void CountChildren(GMimeObject* object, std::map<std::string, int>* children) {
  if (object == nullptr) return;
  if (GMIME_IS_MESSAGE(object)) {
    CountChildren(g_mime_message_get_mime_part(GMIME_MESSAGE(object)),
                  children);
  } else if (GMIME_IS_MESSAGE_PART(object)) {
    CountChildren(GMIME_OBJECT(g_mime_message_part_get_message(
                      GMIME_MESSAGE_PART(object))),
                  children);
  } else if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    const char* boundary =
        g_mime_object_get_content_type_parameter(object, "boundary");
    (*children)[boundary == nullptr ? kNoBoundary : boundary] +=
        g_mime_multipart_get_count(multipart);
    for (int i = 0; i < g_mime_multipart_get_count(multipart); ++i) {
      CountChildren(g_mime_multipart_get_part(multipart, i), children);
    }
  }
}

// Each part of a multipart starts after a line that is its boundary: the
// budget priced at least as many lines (part_lines()) as GMime built parts,
// and a multipart with no boundary has none.
void CheckPartsWerePriced(const sealpost::mime::ParsedMessage& parsed) {
  std::map<std::string, int> children;
  CountChildren(GMIME_OBJECT(parsed.get()), &children);
  int64_t parts = 0;
  for (const auto& [boundary, n] : children) {
    if (boundary == kNoBoundary && n > 0) __builtin_trap();
    parts += n;
  }
  if (parts > parsed.part_lines()) __builtin_trap();
}

// In memory and over a source the budget ends the parse alike; what a
// parse holds is within it, but for the fields in the parser's read-ahead
// when it ran out (4 KB, a field at least 3 bytes).
void CheckHeaderBudget(std::string_view input, size_t slice) {
  using sealpost::mime::ParsedMessage;
  ParsedMessage in_memory(input);
  ParsedMessage over_source(
      std::make_unique<sealpost::StringSource>(input, slice));
  if (in_memory.headers_over_limit() != over_source.headers_over_limit()) {
    __builtin_trap();
  }
  const int held = FieldsHeld(GMIME_OBJECT(in_memory.get()));
  if (held > ParsedMessage::kMaxHeaderFields + 4096 / 3 + 1) __builtin_trap();
  CheckPartsWerePriced(in_memory);
  CheckPartsWerePriced(over_source);
}

}  // namespace

// Files inside text: the same files, names and completeness whether the
// part is fed whole or in slices of `slice` bytes (a CRLF split between
// two slices is one line end), and never more than the budget.
void CheckEmbeddedFiles(std::string_view input, size_t slice) {
  using sealpost::mime::internal::EmbeddedFiles;
  constexpr size_t kMaxFiles = 8;
  EmbeddedFiles whole(kMaxFiles);
  whole.Feed(input);
  auto one = whole.Finish();
  EmbeddedFiles sliced(kMaxFiles);
  for (size_t at = 0; at < input.size(); at += slice) {
    sliced.Feed(input.substr(at, slice));
  }
  auto many = sliced.Finish();
  if (one.size() > kMaxFiles || one.size() != many.size() ||
      whole.incomplete() != sliced.incomplete()) {
    __builtin_trap();
  }
  for (size_t i = 0; i < one.size(); ++i) {
    if (one[i].name != many[i].name || one[i].size != many[i].size ||
        one[i].name.size() >
            EmbeddedFiles::kMaxLine + EmbeddedFiles::kMaxLineTail) {
      __builtin_trap();
    }
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckHeaderSection(input);
  CheckFacts(input, size == 0 ? 1 : 1 + data[0] % 97);
  (void)sealpost::mime::ExtractSealedAttachment(input);
  (void)sealpost::mime::RawHeader(input, "Subject");
  CheckFastView(input, 4096);
  CheckFastView(input, size > 8 ? size / 2 : 3);  // cuts inside the body
  CheckTopLevelContent(input, size == 0 ? 1 : 1 + data[0] % 97);
  CheckHeaderBudget(input, size == 0 ? 1 : 1 + data[0] % 97);
  CheckEmbeddedFiles(input, size == 0 ? 1 : 1 + data[0] % 7);
  auto view = sealpost::mime::ParseForReading(input, 4096);
  if (view.ok()) {
    for (const sealpost::mime::ViewPart& part : view->parts) {
      auto content = sealpost::mime::PartContent(input, part.index);
      // The listing and the fetch agree on what a part is.
      if (!content.ok() || content->filename != part.filename ||
          static_cast<int64_t>(content->bytes.size()) != part.size) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
