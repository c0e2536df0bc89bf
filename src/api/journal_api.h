// The journaling endpoints under /api/v1/journal (admin token), for
// `sealpost journal ...` (docs/compliance.md; New-JournalRule,
// JournalingReportNdrTo):
//   GET    /api/v1/journal/rules
//   POST   /api/v1/journal/rules        {"name", "scope", "recipient",
//                                         "journal_address"}
//   GET    /api/v1/journal/rules/:id    id or name (case-insensitive)
//   PATCH  /api/v1/journal/rules/:id    {"enabled": bool}
//   DELETE /api/v1/journal/rules/:id
//   GET    /api/v1/journal              {"ndr_to"}
//   PUT    /api/v1/journal              {"ndr_to"} ("" clears it)
// A journal address must be the organisation's (smtp.accepted_domains) or
// in a domain whose TLS policy is `verify`: reports carry the mail.
//
// Thread-safety: handlers are safe to call concurrently.
#ifndef SEALPOST_API_JOURNAL_API_H_
#define SEALPOST_API_JOURNAL_API_H_

#include "api/api.h"
#include "http/http.h"

namespace sealpost::api {

void RegisterJournalApi(http::Router& router, const ApiContext& context);

}  // namespace sealpost::api

#endif  // SEALPOST_API_JOURNAL_API_H_
