// SqliteStore: the eDiscovery blind index (docs/compliance.md), the
// statements under the logic both engines share (store/search_index.h).
#include <sqlite3.h>

#include "base/strings.h"
#include "store/record_rows.h"
#include "store/search_index.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {

using internal::IndexedDoc;
using internal::ReadText;
using internal::RunStmt;
using internal::SearchSegment;
using internal::Stmt;
using internal::StmtCache;

namespace {

// On the writer inside its transaction, or on a read-only connection.
class SqliteSearchTables : public internal::SearchTables {
 public:
  explicit SqliteSearchTables(StmtCache& stmts) : stmts_(stmts) {}

  // The writer is one connection behind one mutex: merges never overlap.
  Status LockMerges() override { return Status::Ok(); }

  Result<std::optional<IndexedDoc>> FindDoc(
      std::string_view message_id) override {
    Stmt s(stmts_, "SELECT doc, terms FROM search_docs WHERE message_id = ?");
    s.Bind(1, message_id);
    return s.First("finding index terms", [](const Stmt& s) {
      return IndexedDoc{s.Int(0), s.Blob(1)};
    });
  }

  Result<int64_t> AddDoc(std::string_view message_id,
                         std::string_view terms) override {
    Stmt doc(stmts_,
             "INSERT INTO search_docs (message_id, terms) VALUES (?, ?)");
    doc.Bind(1, message_id).BindBlobNoCopy(2, terms);
    SP_RETURN_IF_ERROR(doc.Run());
    const int64_t id = sqlite3_last_insert_rowid(stmts_.db());
    SP_RETURN_IF_ERROR(
        RunStmt(stmts_, "INSERT INTO search_pending (doc) VALUES (?)", id));
    return id;
  }

  Result<bool> DropDoc(int64_t doc) override {
    SP_RETURN_IF_ERROR(
        RunStmt(stmts_, "DELETE FROM search_pending WHERE doc = ?", doc));
    const bool was_pending = sqlite3_changes(stmts_.db()) > 0;
    SP_RETURN_IF_ERROR(
        RunStmt(stmts_, "DELETE FROM search_docs WHERE doc = ?", doc));
    return was_pending;
  }

  Result<std::vector<IndexedDoc>> PendingDocs(int limit) override {
    Stmt s(stmts_,
           "SELECT d.doc, d.terms FROM search_pending p JOIN search_docs d ON "
           "d.doc = p.doc ORDER BY p.doc LIMIT ?");
    s.Bind(1, int64_t{limit > 0 ? limit : -1});
    return s.All("reading pending index docs", [](const Stmt& s) {
      return IndexedDoc{s.Int(0), s.Blob(1)};
    });
  }

  Result<int64_t> CountPending(int limit) override {
    Stmt s(stmts_,
           "SELECT COUNT(*) FROM (SELECT 1 FROM search_pending LIMIT ?)");
    s.Bind(1, int64_t{limit > 0 ? limit : -1});
    return s.Count("counting pending index docs");
  }

  Status Unpend(const std::vector<int64_t>& docs) override {
    Stmt s(stmts_, "DELETE FROM search_pending WHERE doc = ?");
    SP_RETURN_IF_ERROR(s.status());
    for (int64_t doc : docs) {
      s.Bind(1, doc);
      SP_RETURN_IF_ERROR(s.Run());
      s.Reset();
    }
    return Status::Ok();
  }

  Status AddBatch(int64_t batch, int64_t last_doc,
                  const std::vector<SearchSegment>& segments) override {
    SP_RETURN_IF_ERROR(RunStmt(
        stmts_, "INSERT INTO search_batches (batch, last_doc) VALUES (?, ?)",
        batch, last_doc));
    Stmt s(stmts_,
           "INSERT INTO search_segments (batch, term, docs) VALUES (?, ?, ?)");
    SP_RETURN_IF_ERROR(s.status());
    for (const SearchSegment& g : segments) {
      s.Bind(1, g.batch).Bind(2, g.term).BindBlobNoCopy(3, g.docs);
      SP_RETURN_IF_ERROR(s.Run());
      s.Reset();
    }
    return Status::Ok();
  }

  Result<std::vector<SearchSegment>> SegmentsAround(int64_t term,
                                                    int64_t doc) override {
    Stmt s(stmts_,
           "SELECT s.batch, s.term, s.docs FROM search_batches b CROSS JOIN "
           "search_segments s ON s.batch = b.batch AND s.term = ?1 WHERE "
           "b.batch <= ?2 AND b.last_doc >= ?2");
    s.Bind(1, term).Bind(2, doc);
    return s.All("reading index segments", [](const Stmt& s) {
      return SearchSegment{s.Int(0), s.Int(1), s.Blob(2)};
    });
  }

  Status ReplaceSegment(const SearchSegment& g) override {
    if (g.docs.empty()) {
      return RunStmt(stmts_,
                     "DELETE FROM search_segments WHERE batch = ? AND term = ?",
                     g.batch, g.term);
    }
    Stmt s(stmts_,
           "UPDATE search_segments SET docs = ? WHERE batch = ? AND term = ?");
    s.BindBlobNoCopy(1, g.docs).Bind(2, g.batch).Bind(3, g.term);
    return s.Run();
  }

  Result<std::vector<std::string>> SegmentDocs(int64_t term) override {
    // One probe a batch: the batches outside, the segments' key inside.
    Stmt s(stmts_,
           "SELECT s.docs FROM search_batches b CROSS JOIN search_segments s "
           "ON s.batch = b.batch AND s.term = ?");
    s.Bind(1, term);
    return s.All("reading index segments",
                 [](const Stmt& s) { return s.Blob(0); });
  }

  Result<std::vector<std::pair<int64_t, std::string>>> Filter(
      const std::vector<int64_t>& docs, const SearchQuery& q) override {
    std::string list = "[";
    for (int64_t doc : docs) {
      if (list.size() > 1) list += ',';
      list += std::to_string(doc);
    }
    list += ']';
    Stmt s(stmts_,
           "SELECT d.doc, d.message_id FROM search_docs d JOIN "
           "protected_messages m ON m.id = d.message_id WHERE d.doc IN "
           "(SELECT value FROM json_each(?6)) AND (?1 = '' OR m.owner = ?1) "
           "AND (?2 = '' OR instr(lower(m.recipients_json), ?2) > 0) AND "
           "m.created_at >= ?3 AND m.created_at < ?4 AND (?5 = '' OR "
           "m.template_id = ?5) ORDER BY d.doc DESC");
    s.Bind(1, q.owner)
        .Bind(2, AsciiLower(q.recipient))
        .Bind(3, q.after)
        .Bind(4, q.before > 0 ? q.before : INT64_MAX)
        .Bind(5, q.template_id)
        .Bind(6, list);
    return s.All("searching the index", [](const Stmt& s) {
      return std::pair<int64_t, std::string>(s.Int(0), s.Text(1));
    });
  }

 private:
  StmtCache& stmts_;  // not owned: must outlive this object
};

}  // namespace

Status SqliteStore::DeleteSearchTerms(std::string_view message_id) {
  SqliteSearchTables tables(stmts_);
  return internal::RemoveSearchDoc(tables, message_id);
}

Status SqliteStore::InsertSearchTerms(std::string_view message_id,
                                      const std::vector<int64_t>& terms) {
  SqliteSearchTables tables(stmts_);
  return internal::AddNewSearchDoc(tables, message_id, terms);
}

Status SqliteStore::PutSearchTerms(std::string_view message_id,
                                   const std::vector<int64_t>& terms) {
  return WriteTransaction([&]() SP_REQUIRES(mu_) {
    SqliteSearchTables tables(stmts_);
    return internal::PutSearchDoc(tables, message_id, terms);
  });
}

Result<int64_t> SqliteStore::MergeSearchIndex(int min_docs, int max_docs) {
  {
    // Most calls find too few waiting: the reader says so without the
    // writer's lock.
    internal::ReaderLease lease(*readers_);
    SqliteSearchTables reader(lease.stmts());
    SP_ASSIGN_OR_RETURN(int64_t waiting, reader.CountPending(min_docs));
    if (waiting == 0 || waiting < min_docs) return 0;
  }
  MutexLock lock(&mu_);
  int64_t merged = 0;
  SP_RETURN_IF_ERROR(InTransaction([&]() SP_REQUIRES(mu_) -> Status {
    SqliteSearchTables tables(stmts_);
    SP_ASSIGN_OR_RETURN(merged,
                        internal::MergeSearchDocs(tables, min_docs, max_docs));
    return Status::Ok();
  }));
  return merged;
}

Result<std::vector<std::string>> SqliteStore::SearchMessages(
    const SearchQuery& q) {
  // The reader: a query never holds up a protected message's commit.
  internal::ReaderLease reader(*readers_);
  SqliteSearchTables tables(reader.stmts());
  return internal::SearchDocs(tables, q);
}

Result<Store::SearchIndexSize> SqliteStore::CountSearchIndex() {
  internal::ReaderLease reader(*readers_);
  Stmt s(reader.stmts(),
         "SELECT (SELECT COUNT(*) FROM search_docs), (SELECT COUNT(*) FROM "
         "search_pending)");
  SP_ASSIGN_OR_RETURN(auto row,
                      s.First("counting the index", [](const Stmt& s) {
                        return SearchIndexSize{s.Int(0), s.Int(1)};
                      }));
  return row.value_or(SearchIndexSize{});
}

Result<int64_t> SqliteStore::ShredProtectedMessage(std::string_view id,
                                                   const AuditRecord& audit) {
  MutexLock lock(&mu_);
  std::vector<AuditRecord> audits;
  SP_RETURN_IF_ERROR(InTransactionWithFiles(
      [&](internal::BodyFileChanges* changes) SP_REQUIRES(mu_) -> Status {
        Stmt s(stmts_, internal::kProtectedFamily);
        s.Bind(1, id);
        SP_ASSIGN_OR_RETURN(
            std::vector<std::string> family,
            s.All("reading what is made of a message", ReadText<Stmt>));
        if (family.empty()) {
          return NotFoundError("no protected message " + std::string(id));
        }
        for (const std::string& m : family) {
          for (std::string_view sql : internal::kShreddedRows) {
            SP_RETURN_IF_ERROR(RunStmt(stmts_, sql, m));
          }
          SP_RETURN_IF_ERROR(DeleteSearchTerms(m));
          // A large copy's body file (body_files.h) goes after the commit.
          if (bodies_.enabled()) {
            changes->dropped.emplace_back(internal::BodyKind::kPortal, m);
          }
        }
        audits = internal::ShredAudits(id, family, audit);
        for (const AuditRecord& a : audits) SP_RETURN_IF_ERROR(InsertAudit(a));
        return Status::Ok();
      }));
  for (const AuditRecord& a : audits) CountAudited(a);
  return static_cast<int64_t>(audits.size()) - 1;
}

}  // namespace sealpost::store
