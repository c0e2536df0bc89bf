#include "search/indexer.h"

#include "base/markup.h"
#include "mime/view.h"
#include "search/text_extract.h"

namespace sealpost::search {

WordSet MessageWords(std::string_view message) {
  return MessageWords(mime::ParsedMessage(message));
}

WordSet MessageWords(const mime::ParsedMessage& message) {
  WordSet words;
  auto view = mime::ParseForReading(message, kMaxPartText);
  if (!view.ok()) return words;
  words.Add(view->subject);
  words.Add(view->text);
  if (!view->html.empty()) {
    // Every form (base/markup.h): "con<b>fid</b>ential" is found as
    // "confidential", words in two paragraphs as two words.
    HtmlText html = HtmlToTexts(view->html, kMaxPartText);
    words.Add(html.spaced);
    words.Add(html.laid_out);
    words.Add(html.joined);
  }
  bool attachment = false;
  for (const mime::ViewPart& part : view->parts) {
    if (part.is_inline) continue;  // a picture in the HTML
    attachment = true;
    words.Add(part.filename);
    DocumentKind kind = KindOf(part.content_type, part.filename);
    if (kind == DocumentKind::kOther || words.full() ||
        part.size > static_cast<int64_t>(kMaxAttachmentBytes)) {
      continue;
    }
    auto data = mime::PartContent(message, part.index);
    if (!data.ok()) continue;
    auto text = kind == DocumentKind::kPdf ? PdfText(data->bytes)
                                           : OoxmlText(data->bytes);
    if (text.ok()) words.Add(*text);
  }
  if (attachment) words.AddWord(kHasAttachmentWord);
  return words;
}

Result<std::vector<int64_t>> Indexer::Terms(std::string_view message) {
  return Terms(mime::ParsedMessage(message));
}

Result<std::vector<int64_t>> Indexer::Terms(
    const mime::ParsedMessage& message) {
  SP_ASSIGN_OR_RETURN(auto key, keys_.IndexKey());
  return key->Terms(MessageWords(message).words());
}

Result<std::vector<int64_t>> Indexer::QueryTerms(std::string_view query,
                                                 bool has_attachment) {
  std::vector<std::string> words = QueryWords(query);
  if (words.empty()) {
    return InvalidArgumentError(
        "the query has no word to search for (words have 2 characters or "
        "more)");
  }
  if (has_attachment) words.emplace_back(kHasAttachmentWord);
  SP_ASSIGN_OR_RETURN(auto key, keys_.IndexKey());
  return key->Terms(words);
}

}  // namespace sealpost::search
