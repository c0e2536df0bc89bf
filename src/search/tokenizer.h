// Words for the eDiscovery index and its queries (docs/compliance.md): text
// (UTF-8) split at everything that is not a letter or digit, lower-cased
// (ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic capitals), words of
// at least 2 characters and at most kMaxWordBytes bytes. Bad UTF-8 splits
// words; it never stops the rest.
//
// Thread-safety: a WordSet is used by one thread at a time.
#ifndef SEALPOST_SEARCH_TOKENIZER_H_
#define SEALPOST_SEARCH_TOKENIZER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace sealpost::search {

inline constexpr size_t kMaxWordBytes = 64;
// Distinct words kept per message: the rest are not indexed.
inline constexpr size_t kMaxTermsPerMessage = 5000;

// The distinct words of everything added, up to a cap.
class WordSet {
 public:
  explicit WordSet(size_t cap = kMaxTermsPerMessage) : cap_(cap) {}
  void Add(std::string_view text);
  // A word as is (a pseudo-word such as kHasAttachmentWord), within the cap.
  void AddWord(std::string_view word);
  bool full() const { return words_.size() >= cap_; }
  // In the order first seen.
  const std::vector<std::string>& words() const { return order_; }

 private:
  size_t cap_;
  std::unordered_set<std::string> words_;
  std::vector<std::string> order_;
};

// The words of a query, in order, each once.
std::vector<std::string> QueryWords(std::string_view query);

}  // namespace sealpost::search

#endif  // SEALPOST_SEARCH_TOKENIZER_H_
