// EDiscovery: search over protected mail for members of the eDiscovery
// Manager group while the IRM setting EDiscoverySuperUserEnabled is True
// (docs/compliance.md), for the API (`sealpost search`) and the portal's
// /search page. A query's words become keyed hashes and meet the blind
// index; the records narrow the hits; every subject shown and every message
// exported is an audited eDiscovery release (license/ediscovery.cc).
// Revoked and expired mail is found and exported (legal hold); shredded
// mail is gone.
//
// Thread-safety: thread-safe (its parts are).
#ifndef SEALPOST_SEARCH_EDISCOVERY_H_
#define SEALPOST_SEARCH_EDISCOVERY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "license/license_service.h"
#include "license/templates.h"
#include "search/indexer.h"
#include "store/store.h"

namespace sealpost::search {

struct SearchRequest {
  std::string query;          // words, all of which must be in a message
  std::string from;           // the sender (owner), "" for any
  std::string to;             // part of a recipient address, "" for any
  int64_t after = 0;          // protected at or after (unix seconds; 0: any)
  int64_t before = 0;         // protected before (0: any)
  std::string template_name;  // a template's name or id, "" for any
  bool has_attachment = false;
  int limit = 100;  // 1 to 1000
};

struct SearchHit {
  store::ProtectedMessageRecord record;
  std::string subject;  // "" when none was kept
  std::string state;    // active | revoked | expired
};

struct ReindexProgress {
  int64_t indexed = 0;  // messages indexed in this batch
  int64_t skipped = 0;  // without a server copy: kept as indexed before
  std::string next;     // the cursor of the next batch; "" when done
};

class EDiscovery {
 public:
  EDiscovery(store::Store& store, license::LicenseService& licenses,
             license::TemplateStore& templates, Indexer& indexer)
      : store_(store),
        licenses_(licenses),
        templates_(templates),
        indexer_(indexer) {}

  // PERMISSION_DENIED unless `email` may search (LicenseService::
  // CheckEDiscovery); INVALID_ARGUMENT for a query without a word.
  Result<std::vector<SearchHit>> Search(std::string_view email,
                                        const SearchRequest& request);
  // The original of one message (an audited release).
  Result<license::EDiscoveryRelease> Export(std::string_view email,
                                            std::string_view message_id);
  // Indexes again up to `limit` messages, newest first, after `cursor`
  // (the `next` of the previous batch; "" to start).
  Result<ReindexProgress> Reindex(std::string_view cursor, int limit);

 private:
  // Not owned: must outlive this object.
  store::Store& store_;
  license::LicenseService& licenses_;
  license::TemplateStore& templates_;
  Indexer& indexer_;
};

}  // namespace sealpost::search

#endif  // SEALPOST_SEARCH_EDISCOVERY_H_
