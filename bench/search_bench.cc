// eDiscovery index benchmark (docs/compliance.md, "Cost"):
//  1. the cost of indexing at protection time: the protection stage
//     (Protector::Apply: facts, rules, sealing, wrapper) plus the commit of
//     the protected message's rows (record, portal copy, audit, and with
//     the index its one pending doc row) for a 4 KB message, with and
//     without the indexer, alternating rounds in one process; then the
//     background merge of those messages (the IndexMerger's batches), per
//     message and per batch (how long one holds the store's writer);
//  2. the index's size per message and
//  3. the latency of a one-word query, both over N messages (default
//     100,000) merged in batches of 1,000 plus a pending tail of 999 (the
//     most the merger leaves) in a SQLite store, each message a 4 KB text
//     of the same word distribution (Zipf over a 20,000-word vocabulary).
// Output: one "key value" per line.
// Usage: search_bench [MESSAGES]
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "base/clock.h"
#include "protect/test_gateway_for_testing.h"
#include "search/index_merger.h"
#include "search/indexer.h"
#include "search/tokenizer.h"

namespace sealpost {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Words "w0".."w19999" made pronounceable; Zipf(1.0) ranks.
class Text {
 public:
  explicit Text(uint32_t seed) : rng_(seed) {
    double sum = 0;
    for (int i = 1; i <= kVocabulary; ++i) {
      sum += 1.0 / i;
      cdf_.push_back(sum);
    }
    for (double& c : cdf_) c /= sum;
  }
  static std::string Word(int rank) {
    static const char* kSyllables[] = {"ka", "lo", "mi", "ne", "ru", "sa",
                                       "te", "vo", "zu", "pi", "do", "fe"};
    std::string w;
    int r = rank + 12;
    while (r > 0) {
      w += kSyllables[r % 12];
      r /= 12;
    }
    return w;
  }
  int Rank() {
    double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    return static_cast<int>(std::lower_bound(cdf_.begin(), cdf_.end(), u) -
                            cdf_.begin());
  }
  std::string Of(size_t bytes) {
    std::string out;
    while (out.size() < bytes) {
      out += Word(Rank());
      out += out.size() % 80 < 8 ? "\r\n" : " ";
    }
    return out;
  }

 private:
  static constexpr int kVocabulary = 20000;
  std::mt19937 rng_;
  std::vector<double> cdf_;
};

std::string Mail(Text& text, int n) {
  return "From: alice@example.com\r\nTo: bob@partner.test\r\nSubject: "
         "Figures " +
         std::to_string(n) +
         "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; "
         "charset=utf-8\r\n\r\n" +
         text.Of(4096) + "\r\n";
}

// Seconds per message for `n` protections (Apply + commit of its rows).
double ProtectRound(protect::Protector& p, store::Store& store,
                    const std::vector<std::string>& mails, int* next,
                    double* apply_seconds) {
  auto start = Clock::now();
  double apply = 0;
  for (const std::string& mail : mails) {
    queue::IncomingMessage in;
    in.id = "b" + std::to_string((*next)++);
    in.trusted_sender = true;
    in.mail_from = "alice@example.com";
    in.recipients.push_back({"bob@partner.test", 0, ""});
    in.content = mail;
    auto a = Clock::now();
    auto out = p.Apply(in);
    apply += Since(a);
    if (!out.ok()) {
      std::fprintf(stderr, "%s\n", out.status().ToString().c_str());
      std::abort();
    }
    for (auto& m : out->messages) {
      for (auto& r : m.protected_records) {
        if (!store.AddProtectedMessage(r).ok()) std::abort();
      }
    }
  }
  *apply_seconds = apply / mails.size();
  return Since(start) / mails.size();
}

void IndexingCost() {
  SystemClock clock;
  protect::testing::TestGateway gw(clock, "bench");
  gw.AddRule(R"({"name": "ext", "conditions": [{"kind": "recipient_scope",
      "scope": "not_in_organization"}], "actions": [{"kind":
      "apply_template", "template": "Encrypt"}]})");
  search::Indexer indexer(gw.org.keys);
  protect::ProtectorOptions options{
      {"example.com"}, "https://portal.test", "gw.test", {}};
  options.indexer = &indexer;
  protect::Protector indexed(gw.org.licenses, gw.org.directory,
                             gw.org.templates, gw.brands, gw.rules,
                             gw.org.store, clock, options);
  Text text(1);
  std::vector<std::string> mails;
  for (int i = 0; i < 100; ++i) mails.push_back(Mail(text, i));
  std::printf("index_terms_per_4k_message %zu\n",
              search::MessageWords(mails[0]).words().size());
  int next = 0;
  double plain_apply = 0, indexed_apply = 0, a = 0;
  std::vector<double> plain, with_index, plain_a, with_index_a;
  ProtectRound(*gw.protector, gw.org.store, mails, &next, &a);  // warm up
  ProtectRound(indexed, gw.org.store, mails, &next, &a);
  for (int round = 0; round < 5; ++round) {
    plain.push_back(
        ProtectRound(*gw.protector, gw.org.store, mails, &next, &plain_apply));
    plain_a.push_back(plain_apply);
    with_index.push_back(
        ProtectRound(indexed, gw.org.store, mails, &next, &indexed_apply));
    with_index_a.push_back(indexed_apply);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  double p = median(plain), w = median(with_index);
  double pa = median(plain_a), wa = median(with_index_a);
  std::printf("protect_apply_ms %.3f\n", pa * 1e3);
  std::printf("protect_apply_indexed_ms %.3f\n", wa * 1e3);
  std::printf("protect_apply_index_overhead_pct %.1f\n", (wa / pa - 1) * 100);
  std::printf("protect_and_commit_ms %.3f\n", p * 1e3);
  std::printf("protect_and_commit_indexed_ms %.3f\n", w * 1e3);
  std::printf("protect_and_commit_index_overhead_pct %.1f\n",
              (w / p - 1) * 100);
  // The merger's work for what was just indexed, in its batch size.
  auto pending = gw.org.store.CountSearchIndex();
  if (!pending.ok()) std::abort();
  double longest = 0, all = 0;
  int64_t merged = 0;
  for (;;) {
    auto t = Clock::now();
    auto n =
        gw.org.store.MergeSearchIndex(1, search::IndexMergerOptions().batch);
    const double took = Since(t);
    if (!n.ok()) std::abort();
    if (*n == 0) break;
    merged += *n;
    all += took;
    longest = std::max(longest, took);
  }
  std::printf("merge_messages %lld\n", static_cast<long long>(merged));
  std::printf("merge_ms_per_message %.3f\n", all / merged * 1e3);
  std::printf("merge_longest_batch_ms %.1f\n", longest * 1e3);
  std::printf("protect_commit_and_merge_index_overhead_pct %.1f\n",
              ((w + all / merged) / p - 1) * 100);
}

int64_t TableBytes(const std::string& path, const char* like) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    return -1;
  }
  sqlite3_stmt* s = nullptr;
  int64_t bytes = -1;
  std::string sql = std::string(
                        "SELECT SUM(pgsize) FROM dbstat WHERE name "
                        "LIKE '") +
                    like + "'";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    bytes = sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return bytes;
}

// Commits `count` indexed messages from `*done` on, 1,000 a transaction;
// returns the seconds the merges after each took.
double AddMessages(license::testing::TestOrg& org, Text& text,
                   const crypto::BlindIndexKey& key, int count, int* done,
                   bool merge, int64_t* terms) {
  double merging = 0;
  for (const int end = *done + count; *done < end;) {
    store::QueueBatch batch;
    for (int i = 0; i < 1000 && *done < end; ++i, ++*done) {
      store::NewProtectedMessage m;
      m.record.id = "m" + std::to_string(*done);
      m.record.owner = "alice@example.com";
      m.record.template_id = "encrypt";
      m.record.recipients_json = "[\"bob@partner.test\"]";
      m.record.grants_json = "[]";
      m.record.created_at = 1'700'000'000 + *done;
      m.audit = {0,    0, "alice@example.com", "message.protect", m.record.id,
                 "ok", ""};
      search::WordSet words;
      words.Add(text.Of(4096));
      m.index_terms = key.Terms(words.words());
      *terms += static_cast<int64_t>(m.index_terms.size());
      batch.protected_messages.push_back(std::move(m));
    }
    if (Status st = org.store.CommitQueueBatch(batch); !st.ok()) {
      std::fprintf(stderr, "%s\n", st.ToString().c_str());
      std::abort();
    }
    if (merge) {
      auto t = Clock::now();
      if (!org.store.MergeSearchIndex(1000, 1000).ok()) std::abort();
      merging += Since(t);
    }
  }
  return merging;
}

void QueryLatency(int messages) {
  SystemClock clock;
  license::testing::TestOrg org(clock, "bench-index");
  search::Indexer indexer(org.keys);
  auto key = org.keys.IndexKey();
  if (!key.ok()) std::abort();
  Text text(2);
  auto start = Clock::now();
  int64_t terms = 0;
  int done = 0;
  const double merging =
      AddMessages(org, text, **key, messages, &done, true, &terms);
  AddMessages(org, text, **key, 999, &done, false, &terms);
  std::printf("index_build_%d_seconds %.1f\n", messages, Since(start));
  std::printf("index_merge_%d_seconds %.1f\n", messages, merging);
  auto size = org.store.CountSearchIndex();
  if (!size.ok()) std::abort();
  std::printf("index_pending_at_query %lld\n",
              static_cast<long long>(size->pending));
  std::printf("index_terms_per_message %.1f\n",
              static_cast<double>(terms) / done);
  const std::string path = org.temp.dir.File("s.db");
  int64_t index_bytes = TableBytes(path, "search_%") +
                        TableBytes(path, "sqlite_autoindex_search_%");
  std::printf("index_bytes_per_message %.0f\n",
              static_cast<double>(index_bytes) / done);
  // One word: rare (rank ~15,000), middling (~1,000), common (rank 5: in
  // nearly every message; the newest 100 are returned).
  for (int rank : {15000, 1000, 5}) {
    std::vector<double> ms;
    size_t hits = 0;
    for (int i = 0; i < 21; ++i) {
      store::SearchQuery q;
      q.terms = {(*key)->Term(Text::Word(rank))};
      q.limit = 100;
      auto t = Clock::now();
      auto found = org.store.SearchMessages(q);
      ms.push_back(Since(t) * 1e3);
      if (!found.ok()) std::abort();
      hits = found->size();
    }
    std::sort(ms.begin(), ms.end());
    std::printf("query_one_word_rank_%d_ms_median %.2f\n", rank, ms[10]);
    std::printf("query_one_word_rank_%d_ms_max %.2f\n", rank, ms.back());
    std::printf("query_one_word_rank_%d_hits %zu\n", rank, hits);
  }
}

}  // namespace
}  // namespace sealpost

int main(int argc, char** argv) {
  int messages = argc > 1 ? std::atoi(argv[1]) : 100000;
  sealpost::IndexingCost();
  sealpost::QueryLatency(messages);
  return 0;
}
