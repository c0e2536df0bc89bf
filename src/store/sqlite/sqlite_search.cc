// SqliteStore: the eDiscovery blind index (docs/compliance.md). Postings
// are (term, doc) in a WITHOUT ROWID table, so each is stored once; a
// message's doc row keeps its term list to find them again.
#include <sqlite3.h>

#include "store/search_terms.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {

using internal::Stmt;

Status SqliteStore::DeleteSearchTerms(std::string_view message_id) {
  Stmt find(stmts_, "SELECT doc, terms FROM search_docs WHERE message_id = ?");
  find.Bind(1, message_id);
  struct Doc {
    int64_t doc;
    std::string terms;
  };
  SP_ASSIGN_OR_RETURN(std::optional<Doc> doc,
                      find.First("finding index terms", [](const Stmt& s) {
                        return Doc{s.Int(0), s.Blob(1)};
                      }));
  find.Reset();
  if (!doc.has_value()) return Status::Ok();
  for (int64_t term : internal::DecodeSearchTerms(doc->terms)) {
    Stmt del(stmts_, "DELETE FROM search_postings WHERE term = ? AND doc = ?");
    del.Bind(1, term).Bind(2, doc->doc);
    SP_RETURN_IF_ERROR(del.Run());
  }
  Stmt del(stmts_, "DELETE FROM search_docs WHERE doc = ?");
  del.Bind(1, doc->doc);
  return del.Run();
}

Status SqliteStore::InsertSearchTerms(std::string_view message_id,
                                      const std::vector<int64_t>& terms) {
  SP_RETURN_IF_ERROR(DeleteSearchTerms(message_id));
  if (terms.empty()) return Status::Ok();
  std::vector<int64_t> unique = internal::UniqueSearchTerms(terms);
  Stmt doc(stmts_, "INSERT INTO search_docs (message_id, terms) VALUES (?, ?)");
  doc.Bind(1, message_id).BindBlob(2, internal::EncodeSearchTerms(unique));
  SP_RETURN_IF_ERROR(doc.Run());
  const int64_t id = sqlite3_last_insert_rowid(db_);
  Stmt post(stmts_, "INSERT INTO search_postings (term, doc) VALUES (?, ?)");
  SP_RETURN_IF_ERROR(post.status());
  for (int64_t term : unique) {
    post.Bind(1, term).Bind(2, id);
    SP_RETURN_IF_ERROR(post.Run());
    post.Reset();
  }
  return Status::Ok();
}

Status SqliteStore::PutSearchTerms(std::string_view message_id,
                                   const std::vector<int64_t>& terms) {
  MutexLock lock(&mu_);
  return InTransaction(
      [&]() SP_REQUIRES(mu_) { return InsertSearchTerms(message_id, terms); });
}

Result<std::vector<std::string>> SqliteStore::SearchMessages(
    const SearchQuery& q) {
  if (q.terms.empty()) return InvalidArgumentError("a search needs a term");
  // One statement per number of terms (cached): each term narrows the docs
  // through its postings' primary key; the filters read the record.
  std::string sql =
      "SELECT d.message_id FROM search_docs d JOIN protected_messages m ON "
      "m.id = d.message_id WHERE (?1 = '' OR m.owner = ?1) AND (?2 = '' OR "
      "instr(lower(m.recipients_json), ?2) > 0) AND m.created_at >= ?3 AND "
      "m.created_at < ?4 AND (?5 = '' OR m.template_id = ?5)";
  for (size_t i = 0; i < q.terms.size(); ++i) {
    sql += " AND d.doc IN (SELECT doc FROM search_postings WHERE term = ?" +
           std::to_string(7 + i) + ")";
  }
  sql += " ORDER BY d.doc DESC LIMIT ?6";
  MutexLock lock(&mu_);
  Stmt s(stmts_, sql);
  s.Bind(1, q.owner)
      .Bind(2, internal::LowerAscii(q.recipient))
      .Bind(3, q.after)
      .Bind(4, q.before > 0 ? q.before : INT64_MAX)
      .Bind(5, q.template_id)
      .Bind(6, int64_t{q.limit});
  for (size_t i = 0; i < q.terms.size(); ++i) {
    s.Bind(static_cast<int>(7 + i), q.terms[i]);
  }
  return s.All("searching the index", [](const Stmt& s) { return s.Text(0); });
}

Result<Store::SearchIndexSize> SqliteStore::CountSearchIndex() {
  MutexLock lock(&mu_);
  Stmt s(stmts_,
         "SELECT (SELECT COUNT(*) FROM search_docs), (SELECT COUNT(*) FROM "
         "search_postings)");
  SP_ASSIGN_OR_RETURN(auto row,
                      s.First("counting the index", [](const Stmt& s) {
                        return SearchIndexSize{s.Int(0), s.Int(1)};
                      }));
  return row.value_or(SearchIndexSize{});
}

Status SqliteStore::ShredProtectedMessage(std::string_view id,
                                          const AuditRecord& audit) {
  MutexLock lock(&mu_);
  SP_RETURN_IF_ERROR(InTransaction([&]() SP_REQUIRES(mu_) -> Status {
    Stmt record(stmts_, "DELETE FROM protected_messages WHERE id = ?");
    record.Bind(1, id);
    SP_RETURN_IF_ERROR(
        record.RunOrNotFound("no protected message " + std::string(id)));
    Stmt copy(stmts_, "DELETE FROM portal_copies WHERE id = ?");
    copy.Bind(1, id);
    SP_RETURN_IF_ERROR(copy.Run());
    Stmt otps(stmts_, "DELETE FROM portal_otps WHERE message_id = ?");
    otps.Bind(1, id);
    SP_RETURN_IF_ERROR(otps.Run());
    SP_RETURN_IF_ERROR(DeleteSearchTerms(id));
    return InsertAudit(audit);
  }));
  // A large copy's body file (body_files.h) goes with its row.
  if (bodies_.enabled()) bodies_.Remove(internal::BodyKind::kPortal, id);
  CountAudited(audit);
  return Status::Ok();
}

}  // namespace sealpost::store
