#include "store/search_index.h"

#include <algorithm>
#include <utility>

namespace sealpost::store::internal {
namespace {

int64_t TermAt(std::string_view terms_blob, size_t i) {
  uint64_t u = 0;
  for (size_t j = 0; j < 8; ++j) {
    u = (u << 8) | static_cast<unsigned char>(terms_blob[i * 8 + j]);
  }
  return static_cast<int64_t>(u);
}

}  // namespace

std::string EncodeSearchTerms(const std::vector<int64_t>& terms) {
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

std::vector<int64_t> DecodeSearchTerms(std::string_view blob) {
  std::vector<int64_t> out;
  out.reserve(blob.size() / 8);
  for (size_t i = 0; i < blob.size() / 8; ++i) out.push_back(TermAt(blob, i));
  return out;
}

std::vector<int64_t> UniqueSearchTerms(std::vector<int64_t> terms) {
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  return terms;
}

std::string EncodeDocList(const std::vector<int64_t>& ascending) {
  std::string out;
  out.reserve(ascending.size() * 2 + 8);
  int64_t previous = 0;
  for (int64_t doc : ascending) {
    uint64_t gap = static_cast<uint64_t>(doc - previous);
    previous = doc;
    while (gap >= 0x80) {
      out += static_cast<char>((gap & 0x7f) | 0x80);
      gap >>= 7;
    }
    out += static_cast<char>(gap);
  }
  return out;
}

std::vector<int64_t> DecodeDocList(std::string_view blob) {
  std::vector<int64_t> out;
  uint64_t previous = 0, gap = 0;
  int shift = 0;
  for (char c : blob) {
    const auto byte = static_cast<unsigned char>(c);
    if (shift < 64) gap |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (byte & 0x80) {
      shift += 7;
      continue;
    }
    previous += gap;
    out.push_back(static_cast<int64_t>(previous));
    gap = 0;
    shift = 0;
  }
  return out;
}

namespace {

bool HoldsTerm(std::string_view terms_blob, int64_t term) {
  // Sorted 8-byte terms: a binary search without decoding the blob.
  size_t lo = 0, hi = terms_blob.size() / 8;
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    const int64_t t = TermAt(terms_blob, mid);
    if (t == term) return true;
    if (t < term) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return false;
}

// Every doc holding `term`: its segments and the pending docs, ascending.
Result<std::vector<int64_t>> DocsWith(SearchTables& t, int64_t term,
                                      const std::vector<IndexedDoc>& pending) {
  SP_ASSIGN_OR_RETURN(std::vector<std::string> lists, t.SegmentDocs(term));
  std::vector<int64_t> docs;
  for (const std::string& list : lists) {
    std::vector<int64_t> part = DecodeDocList(list);
    docs.insert(docs.end(), part.begin(), part.end());
  }
  for (const IndexedDoc& p : pending) {
    if (HoldsTerm(p.terms, term)) docs.push_back(p.doc);
  }
  // A merge between the pending read and this one lists a doc twice.
  return UniqueSearchTerms(std::move(docs));
}

}  // namespace

Status RemoveSearchDoc(SearchTables& t, std::string_view message_id) {
  SP_ASSIGN_OR_RETURN(std::optional<IndexedDoc> doc, t.FindDoc(message_id));
  if (!doc.has_value()) return Status::Ok();
  // A merge folding this doc right now would write its postings after we
  // looked: wait for it, then look again.
  SP_RETURN_IF_ERROR(t.LockMerges());
  SP_ASSIGN_OR_RETURN(doc, t.FindDoc(message_id));
  if (!doc.has_value()) return Status::Ok();
  SP_ASSIGN_OR_RETURN(bool was_pending, t.DropDoc(doc->doc));
  if (was_pending) return Status::Ok();
  for (int64_t term : DecodeSearchTerms(doc->terms)) {
    SP_ASSIGN_OR_RETURN(auto segments, t.SegmentsAround(term, doc->doc));
    for (SearchSegment& s : segments) {
      std::vector<int64_t> docs = DecodeDocList(s.docs);
      auto it = std::find(docs.begin(), docs.end(), doc->doc);
      if (it == docs.end()) continue;
      docs.erase(it);
      s.docs = EncodeDocList(docs);
      SP_RETURN_IF_ERROR(t.ReplaceSegment(s));
    }
  }
  return Status::Ok();
}

Status PutSearchDoc(SearchTables& t, std::string_view message_id,
                    const std::vector<int64_t>& terms) {
  const std::string blob = EncodeSearchTerms(UniqueSearchTerms(terms));
  SP_ASSIGN_OR_RETURN(std::optional<IndexedDoc> old, t.FindDoc(message_id));
  if (old.has_value()) {
    if (old->terms == blob) return Status::Ok();
    SP_RETURN_IF_ERROR(RemoveSearchDoc(t, message_id));
  }
  if (terms.empty()) return Status::Ok();
  return t.AddDoc(message_id, blob).status();
}

Status AddNewSearchDoc(SearchTables& t, std::string_view message_id,
                       const std::vector<int64_t>& terms) {
  if (terms.empty()) return Status::Ok();
  return t.AddDoc(message_id, EncodeSearchTerms(UniqueSearchTerms(terms)))
      .status();
}

Result<int64_t> MergeSearchDocs(SearchTables& t, int min_docs, int max_docs) {
  SP_ASSIGN_OR_RETURN(int64_t waiting, t.CountPending(min_docs));
  if (waiting == 0 || waiting < min_docs) return 0;
  SP_RETURN_IF_ERROR(t.LockMerges());
  SP_ASSIGN_OR_RETURN(std::vector<IndexedDoc> pending, t.PendingDocs(max_docs));
  if (pending.empty()) return 0;
  std::vector<std::pair<int64_t, int64_t>> postings;  // (term, doc)
  std::vector<int64_t> docs;
  for (const IndexedDoc& p : pending) {
    docs.push_back(p.doc);
    for (int64_t term : DecodeSearchTerms(p.terms)) {
      postings.emplace_back(term, p.doc);
    }
  }
  std::sort(postings.begin(), postings.end());
  std::vector<SearchSegment> segments;
  for (size_t i = 0; i < postings.size();) {
    size_t end = i;
    std::vector<int64_t> list;
    for (; end < postings.size() && postings[end].first == postings[i].first;
         ++end) {
      list.push_back(postings[end].second);
    }
    segments.push_back({docs.front(), postings[i].first, EncodeDocList(list)});
    i = end;
  }
  SP_RETURN_IF_ERROR(t.AddBatch(docs.front(), docs.back(), segments));
  SP_RETURN_IF_ERROR(t.Unpend(docs));
  return static_cast<int64_t>(docs.size());
}

Result<std::vector<std::string>> SearchDocs(SearchTables& t,
                                            const SearchQuery& q) {
  if (q.terms.empty()) return InvalidArgumentError("a search needs a term");
  // Pending first: a merge in between moves docs into segments read after
  // it, so none is missed.
  SP_ASSIGN_OR_RETURN(std::vector<IndexedDoc> pending, t.PendingDocs(0));
  std::vector<int64_t> matches;
  bool first = true;
  for (int64_t term : UniqueSearchTerms(q.terms)) {
    SP_ASSIGN_OR_RETURN(std::vector<int64_t> docs, DocsWith(t, term, pending));
    if (!first) {
      std::vector<int64_t> both;
      std::set_intersection(matches.begin(), matches.end(), docs.begin(),
                            docs.end(), std::back_inserter(both));
      docs = std::move(both);
    }
    matches = std::move(docs);
    first = false;
    if (matches.empty()) return std::vector<std::string>{};
  }
  std::reverse(matches.begin(), matches.end());
  // The records' filters, on growing chunks of the newest matches: a
  // query without filters reads one chunk.
  std::vector<std::string> out;
  const size_t limit = static_cast<size_t>(std::max(q.limit, 0));
  size_t chunk = std::max<size_t>(limit, 64);
  for (size_t pos = 0; pos < matches.size() && out.size() < limit;) {
    const size_t end = std::min(matches.size(), pos + chunk);
    std::vector<int64_t> part(matches.begin() + static_cast<ptrdiff_t>(pos),
                              matches.begin() + static_cast<ptrdiff_t>(end));
    SP_ASSIGN_OR_RETURN(auto passed, t.Filter(part, q));
    for (auto& [doc, id] : passed) {
      if (out.size() < limit) out.push_back(std::move(id));
    }
    pos = end;
    chunk = std::min<size_t>(chunk * 4, 16384);
  }
  return out;
}

std::vector<AuditRecord> ShredAudits(std::string_view id,
                                     const std::vector<std::string>& family,
                                     const AuditRecord& audit) {
  std::vector<AuditRecord> out{audit};
  for (const std::string& other : family) {
    if (other == id) continue;
    AuditRecord a = audit;
    a.object = other;
    a.detail = "made of " + std::string(id) + ", shredded with it";
    out.push_back(std::move(a));
  }
  if (out.size() > 1) {
    out.front().detail +=
        "; and the " + std::to_string(out.size() - 1) + " made of it";
  }
  return out;
}

}  // namespace sealpost::store::internal
