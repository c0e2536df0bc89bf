#include "search/text_extract.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>
#include <zip.h>

#include <algorithm>
#include <memory>

#include "base/markup.h"
#include "base/strings.h"
#include "base/thread_annotations.h"

namespace sealpost::search {

std::string OoxmlXmlText(std::string_view xml) {
  std::string out;
  bool in_text = false;
  size_t i = 0;
  while (i < xml.size() && out.size() < kMaxPartText) {
    char c = xml[i];
    if (c == '<') {
      if (xml.compare(i, 9, "<![CDATA[") == 0) {
        size_t end = xml.find("]]>", i + 9);
        size_t stop = end == std::string_view::npos ? xml.size() : end;
        if (in_text) out.append(xml.substr(i + 9, stop - i - 9));
        i = end == std::string_view::npos ? xml.size() : end + 3;
        continue;
      }
      if (xml.compare(i, 2, "<?") == 0 || xml.compare(i, 2, "<!") == 0) {
        size_t end = xml.find('>', i);
        i = end == std::string_view::npos ? xml.size() : end + 1;
        continue;
      }
      MarkupTag tag = ReadMarkupTag(xml, i);
      i = tag.end;
      if (tag.name == "t") {
        in_text = !tag.closing && !tag.empty;
      } else if ((tag.closing || tag.empty) &&
                 (tag.name == "p" || tag.name == "br" || tag.name == "tab" ||
                  tag.name == "tc" || tag.name == "c" || tag.name == "si" ||
                  tag.name == "row" || tag.name == "tr" || tag.name == "cr")) {
        out += ' ';
      }
      continue;
    }
    if (!in_text) {
      ++i;
      continue;
    }
    if (c == '&') {
      i = DecodeMarkupEntity(xml, i, &out);
      continue;
    }
    out += c;
    ++i;
  }
  if (out.size() > kMaxPartText) out.resize(kMaxPartText);
  return out;
}

namespace {

// poppler keeps global state (its error callback, font caches): one
// document at a time.
Mutex& PdfMutex() {
  static Mutex mu;
  return mu;
}

void IgnorePopplerMessage(const std::string&, void*) {}

}  // namespace

Result<std::string> PdfText(std::string_view pdf) {
  if (pdf.size() > kMaxAttachmentBytes) {
    return InvalidArgumentError("PDF too large to index");
  }
  MutexLock lock(&PdfMutex());
  // Parse errors of broken files would go to stderr otherwise.
  poppler::set_debug_error_function(IgnorePopplerMessage, nullptr);
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_raw_data(
      pdf.data(), static_cast<int>(pdf.size())));
  if (doc == nullptr || doc->is_locked()) {
    return InvalidArgumentError("not a PDF that can be read");
  }
  std::string out;
  const int pages = std::min(doc->pages(), kMaxPdfPages);
  for (int i = 0; i < pages && out.size() < kMaxPartText; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (page == nullptr) continue;
    poppler::byte_array text = page->text().to_utf8();
    out.append(text.begin(), text.end());
    out += ' ';
  }
  if (out.size() > kMaxPartText) out.resize(kMaxPartText);
  return out;
}

namespace {

bool IsTextPart(std::string_view name) {
  auto starts = [&](std::string_view p) {
    return name.substr(0, p.size()) == p;
  };
  auto ends = [&](std::string_view p) {
    return name.size() >= p.size() && name.substr(name.size() - p.size()) == p;
  };
  if (!ends(".xml") || name.find("/_rels/") != std::string_view::npos) {
    return false;
  }
  // Masters and layouts hold placeholder text, not the document's.
  if (name.find("Master") != std::string_view::npos ||
      name.find("Layout") != std::string_view::npos) {
    return false;
  }
  return starts("word/") || starts("xl/") || starts("ppt/");
}

}  // namespace

Result<std::string> OoxmlText(std::string_view bytes) {
  if (bytes.size() > kMaxAttachmentBytes) {
    return InvalidArgumentError("document too large to index");
  }
  // Smaller than an end-of-central-directory record: no archive (libzip
  // would open it as an empty one).
  if (bytes.size() < 22) return InvalidArgumentError("not a ZIP archive");
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source =
      zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) {
    zip_error_fini(&error);
    return InvalidArgumentError("not a ZIP archive");
  }
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY, &error);
  zip_error_fini(&error);
  if (archive == nullptr) {
    zip_source_free(source);
    return InvalidArgumentError("not a ZIP archive");
  }
  std::string out;
  size_t inflated = 0;
  const zip_int64_t entries =
      std::min<zip_int64_t>(zip_get_num_entries(archive, 0), kMaxZipEntries);
  std::string xml;
  char buffer[16384];
  for (zip_int64_t i = 0; i < entries && out.size() < kMaxPartText; ++i) {
    const char* name = zip_get_name(archive, static_cast<zip_uint64_t>(i), 0);
    if (name == nullptr || !IsTextPart(name)) continue;
    zip_file_t* file =
        zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
    if (file == nullptr) continue;
    xml.clear();
    // The sizes the archive states are not trusted: count what inflates.
    while (xml.size() < kMaxXmlPart && inflated < kMaxXmlTotal) {
      zip_int64_t n = zip_fread(file, buffer, sizeof buffer);
      if (n <= 0) break;
      xml.append(buffer, static_cast<size_t>(n));
      inflated += static_cast<size_t>(n);
    }
    zip_fclose(file);
    out += OoxmlXmlText(xml);
    out += ' ';
    if (inflated >= kMaxXmlTotal) break;
  }
  zip_discard(archive);  // also frees `source`
  if (out.size() > kMaxPartText) out.resize(kMaxPartText);
  return out;
}

DocumentKind KindOf(std::string_view content_type, std::string_view filename) {
  std::string type;
  for (char c : content_type) type += AsciiLowerByte(c);
  std::string name;
  for (char c : filename) name += AsciiLowerByte(c);
  auto ends = [&](std::string_view p) {
    return name.size() >= p.size() && name.substr(name.size() - p.size()) == p;
  };
  if (type == "application/pdf" || ends(".pdf")) return DocumentKind::kPdf;
  if (type.find("officedocument") != std::string::npos || ends(".docx") ||
      ends(".xlsx") || ends(".pptx")) {
    return DocumentKind::kOoxml;
  }
  return DocumentKind::kOther;
}

}  // namespace sealpost::search
