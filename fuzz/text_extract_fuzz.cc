// libFuzzer target for the eDiscovery text extractors (search/
// text_extract.h, base/markup.h) and the tokenizer: arbitrary bytes as an HTML
// part, an OOXML part's XML, a PDF file (poppler) or a docx/xlsx/pptx ZIP
// (libzip), chosen by the first byte. Beyond "no crash": the text stays within
// its cap and every word within its length.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/markup.h"
#include "search/text_extract.h"
#include "search/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using namespace sealpost::search;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string text;
  switch (data[0] % 4) {
    case 0: {
      sealpost::HtmlText html = sealpost::HtmlToTexts(input, kMaxPartText);
      if (html.laid_out.size() > kMaxPartText ||
          html.joined.size() > kMaxPartText) {
        std::abort();
      }
      text = std::move(html.spaced);
    } break;
    case 1:
      text = OoxmlXmlText(input);
      break;
    case 2:
      if (auto t = PdfText(input); t.ok()) text = std::move(*t);
      break;
    default:
      if (auto t = OoxmlText(input); t.ok()) text = std::move(*t);
      break;
  }
  if (text.size() > kMaxPartText) std::abort();
  WordSet words;
  words.Add(text);
  words.Add(input);
  for (const std::string& w : words.words()) {
    if (w.size() < 2 || w.size() > kMaxWordBytes + 4) std::abort();
  }
  return 0;
}
