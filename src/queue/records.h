// The queue's records: the envelope as the store keeps it (JSON of the
// ESMTP parameters and the client), the Message-ID for the trace, and what
// RFC 3461 NOTIFY asks for. Used by the committer (queue.cc) and by the
// judging of delivery results (queue_results.cc).
//
// Thread-safety: pure functions.
#ifndef SEALPOST_QUEUE_RECORDS_H_
#define SEALPOST_QUEUE_RECORDS_H_

#include <string>
#include <string_view>

#include "queue/queue.h"

namespace sealpost::queue {

// The envelope_json of a stored message.
std::string EnvelopeJson(const IncomingMessage& m);
// Its parameters back (defaults for anything missing or malformed).
EnvelopeParams ParamsFromJson(std::string_view text);
// The Message-ID header field of the header section, for the trace: its
// first 250 bytes (no character cut) as VisibleText.
std::string HeaderMessageId(std::string_view content);
// RFC 3461 §4.1: a failure DSN unless NOTIFY excludes FAILURE.
bool WantsFailureDsn(int notify);

}  // namespace sealpost::queue

#endif  // SEALPOST_QUEUE_RECORDS_H_
