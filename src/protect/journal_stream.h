// A journal report made a slice at a time (issue 14): its header, text
// part and boundaries in memory, the messages it attaches read from where
// they already are (a spool file, a staged body file) as the queue reads
// the report into its own body file. The same bytes as
// mime::BuildJournalReport for the same messages. Internal to protect/.
//
// Thread-safety: one thread at a time.
#ifndef SEALPOST_PROTECT_JOURNAL_STREAM_H_
#define SEALPOST_PROTECT_JOURNAL_STREAM_H_

#include <functional>
#include <memory>
#include <vector>

#include "base/byte_source.h"
#include "base/status.h"
#include "protect/journal.h"

namespace sealpost::protect {

// Opens one attached message from its first byte.
using OpenAttached = std::function<Result<std::unique_ptr<ByteSource>>()>;

// Sets plan->report.content_source and content_size: the report around
// `attached` (the journaled message, then the decrypted copy when
// plan->request.include_decrypted). Each is read once here (its size, 7bit or
// 8bit, the boundary not in it) and again by whoever reads the report,
// scanned again then; a source that fails, or reads back another size,
// 8bit where it was 7bit (or the reverse) or the boundary where it had
// none the second time, fails that read (INTERNAL: the message is
// deferred, never a report with a message cut short or a frame made for
// other bytes). INVALID_ARGUMENT as mime::BuildJournalReport.
Status StreamJournalReport(PlannedJournalReport* plan,
                           std::vector<OpenAttached> attached);

}  // namespace sealpost::protect

#endif  // SEALPOST_PROTECT_JOURNAL_STREAM_H_
