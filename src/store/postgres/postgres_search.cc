// PostgresStore: the eDiscovery blind index (docs/compliance.md), the
// statements under the logic both engines share (store/search_index.h).
#include "base/strings.h"
#include "store/postgres/pg_listener.h"
#include "store/postgres/postgres_store.h"
#include "store/record_rows.h"
#include "store/search_index.h"

namespace sealpost::store {

using internal::IndexedDoc;
using internal::PgParams;
using internal::PgResult;
using internal::SearchSegment;

namespace {

// The advisory lock merges and removals take (pg_advisory_xact_lock):
// "sp-index" in ASCII.
constexpr int64_t kMergeLock = 0x73702d696e646578;

// A bigint[] literal: "{1,-2,3}".
std::string ArrayText(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(values[i]);
  }
  return out + "}";
}

// On one connection, inside a transaction for writes.
class PostgresSearchTables : public internal::SearchTables {
 public:
  explicit PostgresSearchTables(internal::PgConn& c) : c_(c) {}

  Status LockMerges() override {
    return c_.Run("SELECT pg_advisory_xact_lock($1)",
                  PgParams().Int(kMergeLock));
  }

  Result<std::optional<IndexedDoc>> FindDoc(
      std::string_view message_id) override {
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c_.Query("SELECT doc, terms FROM search_docs WHERE message_id = $1",
                 PgParams().Text(message_id)));
    if (r.rows() == 0) return std::optional<IndexedDoc>();
    return std::optional<IndexedDoc>(IndexedDoc{r.Int(0, 0), r.Blob(0, 1)});
  }

  Result<int64_t> AddDoc(std::string_view message_id,
                         std::string_view terms) override {
    return c_.QueryInt(
        "WITH d AS (INSERT INTO search_docs (message_id, terms) VALUES ($1, "
        "$2) RETURNING doc) INSERT INTO search_pending (doc) SELECT doc FROM "
        "d RETURNING doc",
        PgParams().Text(message_id).Blob(terms));
  }

  Result<bool> DropDoc(int64_t doc) override {
    SP_ASSIGN_OR_RETURN(PgResult r,
                        c_.Query("DELETE FROM search_pending WHERE doc = $1",
                                 PgParams().Int(doc)));
    SP_RETURN_IF_ERROR(
        c_.Run("DELETE FROM search_docs WHERE doc = $1", PgParams().Int(doc)));
    return r.affected() > 0;
  }

  Result<std::vector<IndexedDoc>> PendingDocs(int limit) override {
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c_.Query("SELECT d.doc, d.terms FROM search_pending p JOIN search_docs "
                 "d ON d.doc = p.doc ORDER BY p.doc LIMIT $1",
                 limit > 0 ? PgParams().Int(limit) : PgParams().Null()));
    std::vector<IndexedDoc> out;
    for (int i = 0; i < r.rows(); ++i)
      out.push_back({r.Int(i, 0), r.Blob(i, 1)});
    return out;
  }

  Result<int64_t> CountPending(int limit) override {
    return c_.QueryInt(
        "SELECT COUNT(*) FROM (SELECT 1 FROM search_pending LIMIT $1) p",
        limit > 0 ? PgParams().Int(limit) : PgParams().Null());
  }

  Status Unpend(const std::vector<int64_t>& docs) override {
    return c_.Run("DELETE FROM search_pending WHERE doc = ANY($1::bigint[])",
                  PgParams().Text(ArrayText(docs)));
  }

  Status AddBatch(int64_t batch, int64_t last_doc,
                  const std::vector<SearchSegment>& segments) override {
    SP_RETURN_IF_ERROR(
        c_.Run("INSERT INTO search_batches (batch, last_doc) VALUES ($1, $2)",
               PgParams().Int(batch).Int(last_doc)));
    // Many rows a statement: one round trip each would dominate a merge.
    constexpr size_t kRows = 1000;
    for (size_t start = 0; start < segments.size(); start += kRows) {
      const size_t end = std::min(segments.size(), start + kRows);
      std::string sql =
          "INSERT INTO search_segments (batch, term, docs) VALUES ";
      PgParams params;
      for (size_t i = start; i < end; ++i) {
        const int n = static_cast<int>(i - start) * 3;
        sql += (i > start ? ",($" : "($") + std::to_string(n + 1) +
               "::bigint,$" + std::to_string(n + 2) + "::bigint,$" +
               std::to_string(n + 3) + ")";
        params.Int(segments[i].batch)
            .Int(segments[i].term)
            .Blob(segments[i].docs);
      }
      SP_RETURN_IF_ERROR(c_.Run(sql, std::move(params)));
    }
    return Status::Ok();
  }

  Result<std::vector<SearchSegment>> SegmentsAround(int64_t term,
                                                    int64_t doc) override {
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c_.Query("SELECT s.batch, s.term, s.docs FROM search_batches b JOIN "
                 "search_segments s ON s.batch = b.batch AND s.term = $1 "
                 "WHERE b.batch <= $2 AND b.last_doc >= $2",
                 PgParams().Int(term).Int(doc)));
    std::vector<SearchSegment> out;
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({r.Int(i, 0), r.Int(i, 1), r.Blob(i, 2)});
    }
    return out;
  }

  Status ReplaceSegment(const SearchSegment& g) override {
    if (g.docs.empty()) {
      return c_.Run(
          "DELETE FROM search_segments WHERE batch = $1 AND term = $2",
          PgParams().Int(g.batch).Int(g.term));
    }
    return c_.Run(
        "UPDATE search_segments SET docs = $3 WHERE batch = $1 AND term = $2",
        PgParams().Int(g.batch).Int(g.term).Blob(g.docs));
  }

  Result<std::vector<std::string>> SegmentDocs(int64_t term) override {
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c_.Query("SELECT s.docs FROM search_batches b JOIN search_segments s "
                 "ON s.batch = b.batch AND s.term = $1",
                 PgParams().Int(term)));
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.Blob(i, 0));
    return out;
  }

  Result<std::vector<std::pair<int64_t, std::string>>> Filter(
      const std::vector<int64_t>& docs, const SearchQuery& q) override {
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c_.Query(
            "SELECT d.doc, d.message_id FROM search_docs d JOIN "
            "protected_messages m ON m.id = d.message_id WHERE d.doc = "
            "ANY($6::bigint[]) AND ($1::text = '' OR m.owner = $1) AND "
            "($2::text = '' OR strpos(lower(m.recipients_json), $2) > 0) AND "
            "m.created_at >= $3::bigint AND m.created_at < $4::bigint AND "
            "($5::text = '' OR m.template_id = $5) ORDER BY d.doc DESC",
            PgParams()
                .Text(q.owner)
                .Text(AsciiLower(q.recipient))
                .Int(q.after)
                .Int(q.before > 0 ? q.before : INT64_MAX)
                .Text(q.template_id)
                .Text(ArrayText(docs))));
    std::vector<std::pair<int64_t, std::string>> out;
    for (int i = 0; i < r.rows(); ++i)
      out.emplace_back(r.Int(i, 0), r.Text(i, 1));
    return out;
  }

 private:
  internal::PgConn& c_;  // not owned: must outlive this object
};

}  // namespace

Status PostgresStore::DeleteSearchTerms(Conn& c, std::string_view message_id) {
  PostgresSearchTables tables(c);
  return internal::RemoveSearchDoc(tables, message_id);
}

Status PostgresStore::InsertSearchTerms(Conn& c, std::string_view message_id,
                                        const std::vector<int64_t>& terms) {
  PostgresSearchTables tables(c);
  return internal::AddNewSearchDoc(tables, message_id, terms);
}

Status PostgresStore::PutSearchTerms(std::string_view message_id,
                                     const std::vector<int64_t>& terms) {
  return InTransaction([&](Conn& c) {
    PostgresSearchTables tables(c);
    return internal::PutSearchDoc(tables, message_id, terms);
  });
}

Result<int64_t> PostgresStore::MergeSearchIndex(int min_docs, int max_docs) {
  return InTransactionValue([&](Conn& c) {
    PostgresSearchTables tables(c);
    return internal::MergeSearchDocs(tables, min_docs, max_docs);
  });
}

Result<std::vector<std::string>> PostgresStore::SearchMessages(
    const SearchQuery& q) {
  std::vector<std::string> out;
  SP_RETURN_IF_ERROR(With([&](Conn& c) -> Status {
    PostgresSearchTables tables(c);
    SP_ASSIGN_OR_RETURN(out, internal::SearchDocs(tables, q));
    return Status::Ok();
  }));
  return out;
}

Result<Store::SearchIndexSize> PostgresStore::CountSearchIndex() {
  SP_ASSIGN_OR_RETURN(
      auto row,
      SelectFirst("SELECT (SELECT COUNT(*) FROM search_docs), (SELECT "
                  "COUNT(*) FROM search_pending)",
                  PgParams(), [](const PgResult& r, int i) {
                    return SearchIndexSize{r.Int(i, 0), r.Int(i, 1)};
                  }));
  return row.value_or(SearchIndexSize{});
}

Result<int64_t> PostgresStore::ShredProtectedMessage(std::string_view id,
                                                     const AuditRecord& audit) {
  static const std::string kFamily =
      internal::ForPostgres(internal::kProtectedFamily);
  std::vector<AuditRecord> audits;
  SP_RETURN_IF_ERROR(InTransaction([&](Conn& c) -> Status {
    // Waits for a record being made of one of them to commit, so that the
    // walk below finds it, and keeps new ones out until this commits
    // (InsertProtectedMessage): READ COMMITTED alone would let a forward
    // committed during the walk outlive its original.
    SP_RETURN_IF_ERROR(
        c.Run("SELECT pg_advisory_xact_lock($1)", PgParams().Int(kShredLock)));
    SP_ASSIGN_OR_RETURN(PgResult r, c.Query(kFamily, PgParams().Text(id)));
    if (r.rows() == 0) {
      return NotFoundError("no protected message " + std::string(id));
    }
    std::vector<std::string> family;
    for (int i = 0; i < r.rows(); ++i) family.push_back(r.Text(i, 0));
    for (const std::string& m : family) {
      for (std::string_view sql : internal::kShreddedRows) {
        SP_RETURN_IF_ERROR(
            c.Run(internal::ForPostgres(sql), PgParams().Text(m)));
      }
      SP_RETURN_IF_ERROR(DropBody(c, BodyKind::kPortal, m));
      SP_RETURN_IF_ERROR(DeleteSearchTerms(c, m));
    }
    audits = internal::ShredAudits(id, family, audit);
    for (const AuditRecord& a : audits) SP_RETURN_IF_ERROR(InsertAudit(c, a));
    // Every node's cached decisions and pages of them must go.
    return internal::NotifyChange(c, "protected_messages");
  }));
  for (const AuditRecord& a : audits) CountAudited(a);
  return static_cast<int64_t>(audits.size()) - 1;
}

}  // namespace sealpost::store
