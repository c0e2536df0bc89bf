// The protection stage's envelope journal report (journal.h,
// docs/compliance.md): made in memory for a message in memory, or, when
// the run's messages went to their body files as they were made (issue
// 14), streamed into its own from the spool and from those files
// (journal_stream.h), never with the message read whole.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_spool.h"
#include "base/string_source.h"
#include "protect/journal.h"
#include "protect/journal_stream.h"
#include "protect/protector.h"
#include "protect/protector_run.h"

namespace sealpost::protect {
Status Protector::AddJournalReport(Run& run) {
  // Streamed into its own body file as the copies went into theirs
  // (journal_stream.h): the message from its spool or memory, a staged
  // protected copy read back from its file.
  const bool stream =
      run.read_staged != nullptr && (run.streamed || StagesEarly(run));
  // Read here only for a streamed run that cannot stream its report,
  // else by PlanJournalReport: once per message either way.
  std::optional<std::vector<store::JournalRuleRecord>> rules;
  if (run.streamed && !stream) {
    // No journal rule was enabled when the run began (StagesEarly) and no
    // staged message can be read back: one enabled since reports the
    // message whole. This read decides, and PlanJournalReport plans from
    // it: with none enabled there is no report.
    SP_ASSIGN_OR_RETURN(rules, store_.ListJournalRules());
    if (std::none_of(rules->begin(), rules->end(),
                     [](const auto& r) { return r.enabled; })) {
      return Status::Ok();
    }
    SP_RETURN_IF_ERROR(LoadWhole(run));
    if (run.streamed) {
      return InternalError("journal report: the message is not read whole");
    }
  }
  // A decrypted copy in its spool file: S/MIME's, or what the inspection
  // of a large wrapper opened. An empty one is none, as an empty string
  // in memory is: no decrypted copy attached, no journal.decrypt record.
  std::shared_ptr<ByteSpool> decrypted_spool =
      run.inspection ? run.inspection->plain_spool : run.smime_plain_spool;
  if (decrypted_spool != nullptr && decrypted_spool->size() == 0) {
    decrypted_spool.reset();
  }
  JournalContext ctx{store_, licenses_, clock_, options_.accepted_domains,
                     options_.hostname};
  JournaledMessage m{
      run.in,
      run.composed != nullptr ? run.composed->Writer() : run.in.Sender(),
      // A streamed run's header section (as InspectSpooled split it, in
      // either line end): what the report's text reads.
      run.streamed ? std::string_view(run.head).substr(0, run.body_at)
                   : run.original,
      run.wrapper.has_value() || run.smime_encrypted,
      run.wrapper ? run.wrapper->id : std::string(),
      run.inspection ? std::string_view(run.inspection->plain)
                     : run.smime_plain,
      run.out.messages, decrypted_spool != nullptr,
      run.composed != nullptr ? run.composed->writer_internal
                              : run.in.trusted_sender};
  SP_ASSIGN_OR_RETURN(std::optional<PlannedJournalReport> plan,
                      rules.has_value() ? PlanJournalReport(ctx, m, *rules)
                                        : PlanJournalReport(ctx, m));
  if (!plan.has_value()) return Status::Ok();
  const queue::IncomingMessage* copy = plan->copy;
  if (!stream) {
    if (copy != nullptr && (copy->staged || copy->content_source != nullptr)) {
      return InternalError("journal report: the protected copy is staged");
    }
    std::string note = std::move(plan->note);
    // A decrypted copy in its spool file: in memory as the message is.
    std::string decrypted;
    if (plan->request.include_decrypted && decrypted_spool != nullptr) {
      SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source,
                          decrypted_spool->Open());
      SP_ASSIGN_OR_RETURN(decrypted,
                          ReadSourceWhole(*source, decrypted_spool->size()));
      m.arrived_decrypted = decrypted;
    }
    SP_ASSIGN_OR_RETURN(queue::IncomingMessage report,
                        MakeJournalReport(std::move(*plan), m));
    run.out.notes.push_back(std::move(note));
    run.out.messages.push_back(std::move(report));
    return Status::Ok();
  }
  OpenAttached original = [this,
                           &run]() -> Result<std::unique_ptr<ByteSource>> {
    if (run.streamed) return OpenOriginal(run, std::string());
    return std::unique_ptr<ByteSource>(
        std::make_unique<StringSource>(run.original));
  };
  std::vector<OpenAttached> attached;
  if (copy == nullptr) {
    attached.push_back(original);
  } else if (copy->staged) {
    attached.push_back([&run, copy] { return (*run.read_staged)(*copy); });
  } else if (copy->content_source != nullptr) {
    return InternalError("journal report: the protected copy is not staged");
  } else {
    attached.push_back([copy]() -> Result<std::unique_ptr<ByteSource>> {
      return std::unique_ptr<ByteSource>(
          std::make_unique<StringSource>(copy->content));
    });
  }
  if (plan->request.include_decrypted) {
    if (m.arrived_protected && decrypted_spool != nullptr) {
      std::shared_ptr<ByteSpool> spool = decrypted_spool;
      attached.push_back([spool]() -> Result<std::unique_ptr<ByteSource>> {
        return spool->Open();
      });
    } else if (m.arrived_protected && !m.arrived_decrypted.empty()) {
      std::string_view plain = m.arrived_decrypted;
      attached.push_back([plain]() -> Result<std::unique_ptr<ByteSource>> {
        return std::unique_ptr<ByteSource>(
            std::make_unique<StringSource>(plain));
      });
    } else {
      attached.push_back(original);
    }
  }
  SP_RETURN_IF_ERROR(StreamJournalReport(&*plan, std::move(attached)));
  // Read into its body file now, while what it attaches is where it was.
  SP_RETURN_IF_ERROR((*run.stage)(plan->report));
  if (plan->report.content_source != nullptr) {
    return InternalError("journal report: not read by the stager");
  }
  run.out.notes.push_back(std::move(plan->note));
  run.out.messages.push_back(std::move(plan->report));
  return Status::Ok();
}

}  // namespace sealpost::protect
