// PostgresStore: the eDiscovery blind index (docs/compliance.md), the
// statements of sqlite_search.cc in PostgreSQL's words; a message's
// postings go in and out as one array each.
#include "store/postgres/pg_listener.h"
#include "store/postgres/postgres_store.h"
#include "store/search_terms.h"

namespace sealpost::store {

using internal::PgParams;
using internal::PgResult;

namespace {

// A bigint[] literal: "{1,-2,3}".
std::string ArrayText(const std::vector<int64_t>& terms) {
  std::string out = "{";
  for (size_t i = 0; i < terms.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(terms[i]);
  }
  return out + "}";
}

}  // namespace

Status PostgresStore::DeleteSearchTerms(Conn& c, std::string_view message_id) {
  SP_ASSIGN_OR_RETURN(
      PgResult r,
      c.Query("SELECT doc, terms FROM search_docs WHERE message_id = $1",
              PgParams().Text(message_id)));
  if (r.rows() == 0) return Status::Ok();
  const int64_t doc = r.Int(0, 0);
  SP_RETURN_IF_ERROR(
      c.Run("DELETE FROM search_postings WHERE doc = $1 AND term = "
            "ANY($2::bigint[])",
            PgParams().Int(doc).Text(
                ArrayText(internal::DecodeSearchTerms(r.Blob(0, 1))))));
  return c.Run("DELETE FROM search_docs WHERE doc = $1", PgParams().Int(doc));
}

Status PostgresStore::InsertSearchTerms(Conn& c, std::string_view message_id,
                                        const std::vector<int64_t>& terms) {
  SP_RETURN_IF_ERROR(DeleteSearchTerms(c, message_id));
  if (terms.empty()) return Status::Ok();
  std::vector<int64_t> unique = internal::UniqueSearchTerms(terms);
  SP_ASSIGN_OR_RETURN(
      int64_t doc,
      c.QueryInt("INSERT INTO search_docs (message_id, terms) VALUES ($1, $2) "
                 "RETURNING doc",
                 PgParams()
                     .Text(message_id)
                     .Blob(internal::EncodeSearchTerms(unique))));
  return c.Run(
      "INSERT INTO search_postings (term, doc) SELECT unnest($1::bigint[]), "
      "$2::bigint",
      PgParams().Text(ArrayText(unique)).Int(doc));
}

Status PostgresStore::PutSearchTerms(std::string_view message_id,
                                     const std::vector<int64_t>& terms) {
  return InTransaction(
      [&](Conn& c) { return InsertSearchTerms(c, message_id, terms); });
}

Result<std::vector<std::string>> PostgresStore::SearchMessages(
    const SearchQuery& q) {
  if (q.terms.empty()) return InvalidArgumentError("a search needs a term");
  std::string sql =
      "SELECT d.message_id FROM search_docs d JOIN protected_messages m ON "
      "m.id = d.message_id WHERE ($1::text = '' OR m.owner = $1) AND "
      "($2::text = '' OR strpos(lower(m.recipients_json), $2) > 0) AND "
      "m.created_at >= $3::bigint AND m.created_at < $4::bigint AND "
      "($5::text = '' OR m.template_id = $5)";
  for (size_t i = 0; i < q.terms.size(); ++i) {
    sql += " AND d.doc IN (SELECT doc FROM search_postings WHERE term = $" +
           std::to_string(7 + i) + "::bigint)";
  }
  sql += " ORDER BY d.doc DESC LIMIT $6";
  PgParams params;
  params.Text(q.owner)
      .Text(internal::LowerAscii(q.recipient))
      .Int(q.after)
      .Int(q.before > 0 ? q.before : INT64_MAX)
      .Text(q.template_id)
      .Int(q.limit);
  for (int64_t term : q.terms) params.Int(term);
  return SelectAll(sql, std::move(params),
                   [](const PgResult& r, int i) { return r.Text(i, 0); });
}

Result<Store::SearchIndexSize> PostgresStore::CountSearchIndex() {
  SP_ASSIGN_OR_RETURN(
      auto row,
      SelectFirst("SELECT (SELECT COUNT(*) FROM search_docs), (SELECT "
                  "COUNT(*) FROM search_postings)",
                  PgParams(), [](const PgResult& r, int i) {
                    return SearchIndexSize{r.Int(i, 0), r.Int(i, 1)};
                  }));
  return row.value_or(SearchIndexSize{});
}

Status PostgresStore::ShredProtectedMessage(std::string_view id,
                                            const AuditRecord& audit) {
  SP_RETURN_IF_ERROR(InTransaction([&](Conn& c) -> Status {
    SP_RETURN_IF_ERROR(c.RunOrNotFound(
        "DELETE FROM protected_messages WHERE id = $1", PgParams().Text(id),
        "no protected message " + std::string(id)));
    SP_RETURN_IF_ERROR(
        c.Run("DELETE FROM portal_copies WHERE id = $1", PgParams().Text(id)));
    SP_RETURN_IF_ERROR(c.Run("DELETE FROM portal_otps WHERE message_id = $1",
                             PgParams().Text(id)));
    SP_RETURN_IF_ERROR(DeleteSearchTerms(c, id));
    SP_RETURN_IF_ERROR(InsertAudit(c, audit));
    // Every node's cached decisions and pages of it must go.
    return internal::NotifyChange(c, "protected_messages");
  }));
  CountAudited(audit);
  return Status::Ok();
}

}  // namespace sealpost::store
