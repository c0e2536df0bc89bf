// Journal reports (Exchange's envelope journaling, docs/compliance.md):
// the protection stage plans one report per accepted message that an
// enabled journal rule matches, to every matching rule's journal address,
// and queues it in the same acceptance as the message (so 250 means both
// are durable). Reports bypass the mail flow rules: they are never
// protected by a rule nor journaled again. Their reverse-path is
// JournalingReportNdrTo, so a bounce never reaches the journaled sender.
//
// Thread-safety: a pure planning function over thread-safe services.
#ifndef SEALPOST_PROTECT_JOURNAL_H_
#define SEALPOST_PROTECT_JOURNAL_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "license/license_service.h"
#include "mime/journal_report.h"
#include "queue/queue.h"
#include "store/store.h"

namespace sealpost::protect {

// Not owned (every reference below): the protector's, which outlive it.
struct JournalContext {
  store::Store& store;
  license::LicenseService& licenses;  // JournalReportDecryptionEnabled
  const Clock& clock;
  const std::vector<std::string>& accepted_domains;
  std::string hostname;  // the report's Message-ID
};

// One accepted message as the protection stage saw it.
// Not owned (`in`, `original`): the message being accepted, which
// outlives the journal report built from it.
struct JournaledMessage {
  const queue::IncomingMessage& in;
  std::string sender;         // lower-case; the portal's writer for its mail
  std::string_view original;  // as received (before protection)
  // It arrived already protected by this organisation (a verified wrapper)
  // or S/MIME encrypted: journaled as received.
  bool arrived_protected = false;
  std::string arrived_id;  // the wrapper's message id, if any
  // What transport decryption opened of what arrived protected (its
  // container's original, in memory only; empty: nothing): the decrypted
  // copy, with JournalReportDecryptionEnabled.
  std::string_view arrived_decrypted;
  // What the stage queues for the message: the protected copies among them
  // are what the report attaches in place of the original.
  const std::vector<queue::IncomingMessage>& outgoing;
  // The decrypted copy is not in memory but in a file the caller streams
  // it from (a large S/MIME message decrypted from its spool).
  bool arrived_decrypted_spooled = false;
  // Whether the sender may count as the organisation's (the SMTP session
  // trusted it; the portal's writer is an org user): a MAIL FROM in our
  // domain from anyone else is outside mail, as for the rules.
  bool sender_trusted = false;
};

// A report planned, before any byte of what it attaches is read (a large
// message's report streams them: protect/journal_stream.cc).
struct PlannedJournalReport {
  // Its envelope, id and treatment; no content yet.
  queue::IncomingMessage report;
  // Its fields; `journaled` and `decrypted` are left empty.
  mime::JournalReportRequest request;
  // What it attaches: the protected copy (one of `outgoing`), or when null
  // the message as received (`original`); then, with
  // request.include_decrypted, `arrived_decrypted`, or when that is empty
  // `original` again.
  const queue::IncomingMessage* copy = nullptr;
  bool is_protected = false;  // the copy, or what arrived protected
  std::string note;           // for the run's notes once the report is made
};

// The report to queue with the message, planned: nullopt when no enabled
// rule matches. The decrypted copy's audit record ("journal.decrypt") is on
// the report's `audit`, committed with it: a report that fails before its
// commit (451) leaves none; an audit failure fails the commit (deferred).
Result<std::optional<PlannedJournalReport>> PlanJournalReport(
    const JournalContext& context, const JournaledMessage& message);
// The same with the journal rules the caller read already (one store read
// per message).
Result<std::optional<PlannedJournalReport>> PlanJournalReport(
    const JournalContext& context, const JournaledMessage& message,
    const std::vector<store::JournalRuleRecord>& rules);

// The planned report made in memory: `message`'s bytes (its original, the
// protected copy's content, the decrypted copy) attached. INTERNAL when
// the plan is protected and there is no protected copy to attach.
Result<queue::IncomingMessage> MakeJournalReport(
    PlannedJournalReport plan, const JournaledMessage& message);

}  // namespace sealpost::protect

#endif  // SEALPOST_PROTECT_JOURNAL_H_
