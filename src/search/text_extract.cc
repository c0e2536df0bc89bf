#include "search/text_extract.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>
#include <zip.h>

#include <algorithm>
#include <memory>

#include "base/strings.h"
#include "base/thread_annotations.h"
#include "base/utf8.h"

namespace sealpost::search {
namespace {

void AppendCodePoint(uint32_t c, std::string* out) {
  if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) c = ' ';
  AppendUtf8(c, *out);
}

// Decodes the entity at s[i] == '&' into `out`; returns the index after it
// (or after the '&' alone when it is not one we know).
size_t DecodeEntity(std::string_view s, size_t i, std::string* out) {
  size_t end = s.find(';', i);
  if (end == std::string_view::npos || end - i > 12) {
    *out += '&';
    return i + 1;
  }
  std::string_view name = s.substr(i + 1, end - i - 1);
  if (!name.empty() && name[0] == '#') {
    uint32_t c = 0;
    bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 7) {
      *out += '&';
      return i + 1;
    }
    for (char d : digits) {
      int v = d >= '0' && d <= '9'          ? d - '0'
              : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
              : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10
                                            : -1;
      if (v < 0) {
        *out += '&';
        return i + 1;
      }
      c = c * (hex ? 16 : 10) + static_cast<uint32_t>(v);
    }
    AppendCodePoint(c, out);
    return end + 1;
  }
  static constexpr std::pair<std::string_view, uint32_t> kNamed[] = {
      {"amp", '&'},     {"lt", '<'},      {"gt", '>'},      {"quot", '"'},
      {"apos", '\''},   {"nbsp", ' '},    {"eacute", 0xe9}, {"egrave", 0xe8},
      {"agrave", 0xe0}, {"ccedil", 0xe7}, {"uuml", 0xfc},   {"ouml", 0xf6},
      {"auml", 0xe4},   {"szlig", 0xdf}};
  for (const auto& [n, c] : kNamed) {
    if (name == n) {
      AppendCodePoint(c, out);
      return end + 1;
    }
  }
  *out += '&';
  return i + 1;
}

// The tag at s[i] == '<': its local name (lower case, without prefix),
// whether it closes (</x>) or is empty (<x/>), and the index after '>'.
struct Tag {
  std::string name;
  bool closing = false;
  bool empty = false;
  size_t end = 0;
};

Tag ReadTag(std::string_view s, size_t i) {
  Tag t;
  size_t j = i + 1;
  if (j < s.size() && s[j] == '/') {
    t.closing = true;
    ++j;
  }
  size_t name_start = j;
  while (j < s.size() && s[j] != '>' && s[j] != '/' && s[j] != ' ' &&
         s[j] != '\t' && s[j] != '\r' && s[j] != '\n') {
    ++j;
  }
  std::string_view name = s.substr(name_start, j - name_start);
  if (size_t colon = name.rfind(':'); colon != std::string_view::npos) {
    name = name.substr(colon + 1);
  }
  for (char c : name.substr(0, 32)) t.name += AsciiLowerByte(c);
  size_t close = s.find('>', j);
  if (close == std::string_view::npos) {
    t.end = s.size();
    return t;
  }
  t.empty = close > i && s[close - 1] == '/';
  t.end = close + 1;
  return t;
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  std::string out;
  size_t i = 0;
  while (i < html.size() && out.size() < kMaxPartText) {
    char c = html[i];
    if (c == '&') {
      i = DecodeEntity(html, i, &out);
      continue;
    }
    if (c != '<') {
      out += c;
      ++i;
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      out += ' ';
      continue;
    }
    Tag tag = ReadTag(html, i);
    i = tag.end;
    out += ' ';
    if (!tag.closing && !tag.empty &&
        (tag.name == "script" || tag.name == "style")) {
      // Their content is code, not text: skip to the closing tag.
      std::string closing = "</" + tag.name;
      size_t j = i;
      while (j < html.size() &&
             !StartsWithIgnoringAsciiCase(html.substr(j), closing)) {
        j = html.find('<', j + 1);
        if (j == std::string_view::npos) j = html.size();
      }
      i = j;
    }
  }
  if (out.size() > kMaxPartText) out.resize(kMaxPartText);
  return out;
}

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
      Tag tag = ReadTag(xml, i);
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
      i = DecodeEntity(xml, i, &out);
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
