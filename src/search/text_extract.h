// Text of what a message carries, for the eDiscovery index (docs/
// compliance.md): the text of PDF files (poppler's C++ library) and of
// Office Open XML files (docx, xlsx, pptx: a ZIP of XML parts, read with
// libzip); HTML's is base/markup.h's. Every input is untrusted (fuzz/
// text_extract_fuzz.cc): sizes are capped before and after decompression,
// and a file that does not parse gives an error, never a crash.
//
// Thread-safety: free functions, safe from any thread (PDF extraction is
// serialised inside: poppler keeps global state).
#ifndef SEALPOST_SEARCH_TEXT_EXTRACT_H_
#define SEALPOST_SEARCH_TEXT_EXTRACT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sealpost::search {

// At most this much text from one part; the rest is not indexed.
inline constexpr size_t kMaxPartText = 1 << 20;
// Larger attachments are indexed by name only.
inline constexpr size_t kMaxAttachmentBytes = 16 << 20;
// PDF pages read, at most.
inline constexpr int kMaxPdfPages = 200;
// OOXML: entries looked at, and the bytes one XML part (or all of them)
// may inflate to.
inline constexpr int kMaxZipEntries = 2000;
inline constexpr size_t kMaxXmlPart = 8 << 20;
inline constexpr size_t kMaxXmlTotal = 32 << 20;

// The character data of the XML text elements of an OOXML part (w:t, a:t,
// t), a space after each paragraph, cell or break.
std::string OoxmlXmlText(std::string_view xml);

// INVALID_ARGUMENT when `pdf` is not a PDF poppler can read (or is
// encrypted with a password).
Result<std::string> PdfText(std::string_view pdf);

// INVALID_ARGUMENT when `zip` is not a ZIP archive; the text of its
// word/, xl/ and ppt/ XML parts.
Result<std::string> OoxmlText(std::string_view zip);

// Which extractor a part goes to, by its type or else its file name.
enum class DocumentKind { kOther, kPdf, kOoxml };
DocumentKind KindOf(std::string_view content_type, std::string_view filename);

}  // namespace sealpost::search

#endif  // SEALPOST_SEARCH_TEXT_EXTRACT_H_
