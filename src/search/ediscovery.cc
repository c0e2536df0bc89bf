#include "search/ediscovery.h"

#include <algorithm>

#include "base/strings.h"

namespace sealpost::search {

Result<std::vector<SearchHit>> EDiscovery::Search(
    std::string_view email, const SearchRequest& request) {
  SP_RETURN_IF_ERROR(licenses_.CheckEDiscovery(email));
  store::SearchQuery q;
  SP_ASSIGN_OR_RETURN(
      q.terms, indexer_.QueryTerms(request.query, request.has_attachment));
  q.owner = AsciiLower(request.from);
  q.recipient = request.to;
  q.after = request.after;
  q.before = request.before;
  q.limit = std::clamp(request.limit, 1, 1000);
  if (!request.template_name.empty()) {
    auto t = templates_.Find(request.template_name);
    if (!t.ok()) {
      return InvalidArgumentError("no template " + request.template_name);
    }
    q.template_id = t->id;
  }
  SP_ASSIGN_OR_RETURN(std::vector<std::string> ids, store_.SearchMessages(q));
  std::vector<SearchHit> hits;
  std::vector<store::ProtectedMessageRecord> records;
  for (const std::string& id : ids) {
    auto state = licenses_.GetState(id);
    if (!state.ok()) continue;  // shredded since
    // A forward whose original was shredded carries its text: not found.
    SP_ASSIGN_OR_RETURN(bool orphan,
                        licenses_.OutlivedItsOriginal(state->record));
    if (orphan) continue;
    records.push_back(state->record);
    hits.push_back({std::move(state->record), "", std::move(state->state)});
  }
  SP_ASSIGN_OR_RETURN(std::vector<std::string> subjects,
                      licenses_.SubjectsForEDiscovery(email, records));
  for (size_t i = 0; i < hits.size() && i < subjects.size(); ++i) {
    hits[i].subject = std::move(subjects[i]);
  }
  return hits;
}

Result<license::EDiscoveryRelease> EDiscovery::Export(
    std::string_view email, std::string_view message_id) {
  return licenses_.ReleaseForEDiscovery(email, message_id, "export");
}

Result<ReindexProgress> EDiscovery::Reindex(std::string_view cursor,
                                            int limit) {
  store::ProtectedMessageQuery q;
  q.limit = std::clamp(limit, 1, 1000) + 1;
  if (!cursor.empty()) {
    size_t dot = cursor.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot > 18 ||
        !std::all_of(cursor.begin(), cursor.begin() + dot,
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return InvalidArgumentError("the cursor is the `next` of a batch");
    }
    q.before_created_at = std::stoll(std::string(cursor.substr(0, dot)));
    q.before_id = std::string(cursor.substr(dot + 1));
  }
  SP_ASSIGN_OR_RETURN(auto records, store_.QueryProtectedMessages(q));
  ReindexProgress progress;
  if (records.size() == static_cast<size_t>(q.limit)) {
    records.pop_back();
    progress.next =
        std::to_string(records.back().created_at) + "." + records.back().id;
  }
  for (const auto& r : records) {
    auto original = licenses_.OpenForIndexing(r.id);
    if (!original.ok()) {
      if (original.status().code() != StatusCode::kNotFound) {
        return original.status();
      }
      ++progress.skipped;
      continue;
    }
    SP_ASSIGN_OR_RETURN(auto terms, indexer_.Terms(*original));
    SP_RETURN_IF_ERROR(store_.PutSearchTerms(r.id, terms));
    ++progress.indexed;
  }
  return progress;
}

}  // namespace sealpost::search
