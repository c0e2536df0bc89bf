// Internal to the store engines: a message's index terms as the one blob
// kept beside its postings (search_docs.terms), so that replacing or
// shredding a message's entries finds its postings by their primary key.
// Each term is 8 bytes, big-endian.
//
// Thread-safety: free functions.
#ifndef SEALPOST_STORE_SEARCH_TERMS_H_
#define SEALPOST_STORE_SEARCH_TERMS_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sealpost::store::internal {

inline std::string EncodeSearchTerms(const std::vector<int64_t>& terms) {
  std::string out;
  out.reserve(terms.size() * 8);
  for (int64_t t : terms) {
    uint64_t u = static_cast<uint64_t>(t);
    for (int shift = 56; shift >= 0; shift -= 8) {
      out += static_cast<char>((u >> shift) & 0xff);
    }
  }
  return out;
}

inline std::vector<int64_t> DecodeSearchTerms(std::string_view blob) {
  std::vector<int64_t> out;
  out.reserve(blob.size() / 8);
  for (size_t i = 0; i + 8 <= blob.size(); i += 8) {
    uint64_t u = 0;
    for (size_t j = 0; j < 8; ++j) {
      u = (u << 8) | static_cast<unsigned char>(blob[i + j]);
    }
    out.push_back(static_cast<int64_t>(u));
  }
  return out;
}

// Sorted, each once (a posting's primary key is (term, doc)).
inline std::vector<int64_t> UniqueSearchTerms(std::vector<int64_t> terms) {
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  return terms;
}

// ASCII lower case, as recipient lists are stored.
inline std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace sealpost::store::internal

#endif  // SEALPOST_STORE_SEARCH_TERMS_H_
