// Indexer: a message's terms for the eDiscovery blind index
// (docs/compliance.md). The words of its subject, text and HTML parts,
// attachment names, and the text of PDF and Office Open XML attachments
// (text_extract.h), each turned into a keyed hash under the organisation's
// index key (crypto/blind_index_key.h): no word is ever written anywhere.
//
// Thread-safety: thread-safe (the key service guards its key).
#ifndef SEALPOST_SEARCH_INDEXER_H_
#define SEALPOST_SEARCH_INDEXER_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "license/key_service.h"
#include "mime/parsed_message.h"
#include "search/tokenizer.h"

namespace sealpost::search {

// The pseudo-word of a message with an attachment (`--has-attachment`):
// never a word of text (it holds a control character).
inline constexpr std::string_view kHasAttachmentWord = "\x01has-attachment";

// The words of an RFC 5322 message; empty for bytes that are no message.
WordSet MessageWords(std::string_view message);
// The same from a parse another reader made already (the protection stage
// reads the message's facts from it): one GMime parse less per message.
WordSet MessageWords(const mime::ParsedMessage& message);

class Indexer {
 public:
  explicit Indexer(license::KeyService& keys) : keys_(keys) {}

  // The terms of a message (MessageWords, hashed).
  Result<std::vector<int64_t>> Terms(std::string_view message);
  Result<std::vector<int64_t>> Terms(const mime::ParsedMessage& message);
  // The terms of a query's words, and of kHasAttachmentWord when asked.
  // INVALID_ARGUMENT when the query holds no word of 2 characters or more.
  Result<std::vector<int64_t>> QueryTerms(std::string_view query,
                                          bool has_attachment);

 private:
  // Not owned: must outlive this object.
  license::KeyService& keys_;
};

}  // namespace sealpost::search

#endif  // SEALPOST_SEARCH_INDEXER_H_
