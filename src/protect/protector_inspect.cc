// Transport decryption for inspection (Exchange's TransportDecryptionSetting,
// docs/compliance.md): the mail flow rules read the content of the
// organisation's own protected mail arriving at the gateway, which is then
// delivered still protected, byte for byte as it came (unless a rule says
// otherwise). Only a verified wrapper's own container that travels in the
// mail is opened (never the server's copy named by an id), through
// LicenseService::TransportInspect: audited, for the recipients its
// license grants, never for a revoked or expired message. Optional: what
// cannot be opened goes on uninspected, and the trace says so; Mandatory:
// it is rejected with the reason (RFC 3463 5.7.5). A large wrapper is
// opened from its spool file into another, never whole in memory (issue
// 14).
#include <algorithm>

#include "base/byte_spool.h"
#include "base/strings.h"
#include "mime/facts.h"
#include "mime/parsed_message.h"
#include "mime/part_stream.h"
#include "mime/wrapper.h"
#include "protect/protector.h"
#include "protect/protector_run.h"
#include "protect/streamed_copy.h"
#include "queue/spool_file.h"

namespace sealpost::protect {

namespace {

// The media type of our container, looked for anywhere in the mail (any
// case): a cheap look before a MIME parse of every message.
constexpr std::string_view kContainerType = "application/vnd.sealpost.sealed";

}  // namespace

Status Protector::InspectProtected(Run& run) {
  // What claims to be ours: our marker (verified or not), or a part typed
  // as our container. Anything else is plain mail the rules read as is.
  bool mentions = false;
  if (run.streamed) {
    // Looked for in the spool, a slice at a time.
    SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> mail,
                        OpenOriginal(run, std::string()));
    SP_ASSIGN_OR_RETURN(mentions, SourceMentions(*mail, kContainerType));
  } else {
    mentions = ContainsIgnoringAsciiCase(run.original, kContainerType);
  }
  if (!run.wrapper && run.mail.protected_header.empty() && !mentions) {
    return Status::Ok();
  }
  SP_ASSIGN_OR_RETURN(std::shared_ptr<const license::IrmConfig> irm,
                      licenses_.CurrentIrm());
  const std::string mode = irm->GetText("TransportDecryptionSetting");
  if (!irm->Enabled() || mode == "Disabled") return Status::Ok();
  // Not emplace(): clang sees the nested struct's default member
  // initialisers too late for std::optional's constructibility check.
  run.inspection = Run::Inspection{};
  Run::Inspection& inspection = *run.inspection;
  inspection.mandatory = mode == "Mandatory";
  if (!run.wrapper) {
    // A changed container breaks the seal too (it covers the body).
    inspection.reason =
        run.mail.protected_header.empty()
            ? "it carries a container part without the organisation's seal"
            : "its seal does not verify (changed on the way, or not ours)";
    return Status::Ok();
  }
  std::vector<std::string> addresses;
  for (const auto& r : run.in.recipients) addresses.push_back(r.address);
  // A large wrapper stays in its spool (issue 14).
  if (run.streamed) return InspectSpooledWrapper(run, addresses);
  SP_RETURN_IF_ERROR(LoadWhole(run));
  Result<std::string> container = mime::ExtractSealedAttachment(run.original);
  if (!container.ok()) {
    // A portal wrapper: the content is on the server, and transport
    // decryption never reads the server's copy.
    inspection.reason = "its container does not travel in the mail";
    return Status::Ok();
  }
  SP_ASSIGN_OR_RETURN(
      bool opened,
      TakeRelease(run, licenses_.TransportInspect(*container, run.wrapper->id,
                                                  run.in.id, addresses)));
  if (!opened) return Status::Ok();
  // The parse borrows `plain`, which Withdraw frees: it ends first.
  bool over_limit = false;
  {
    const mime::ParsedMessage parsed(inspection.plain);
    over_limit = parsed.headers_over_limit();
    if (!over_limit) {
      auto facts = mime::ExtractFacts(parsed);
      if (facts.ok()) {
        inspection.facts = std::move(*facts);
      } else {
        inspection.facts.body_text =
            inspection.plain.substr(0, mime::kMaxBodyText);
      }
    }
  }
  if (over_limit) {
    // Its facts would be those of part of it (mime::ParsedMessage).
    inspection.Withdraw("its content's header fields are over the limit");
  }
  return Status::Ok();
}

Result<Protector::SpooledRelease> Protector::ReleaseSpooledWrapper(
    const Run& run, std::string what, const ReleaseFrom& release) {
  SpooledRelease out;
  // Found by one GMime parse over the spool, its base64 decoded as it is
  // read (mime/part_stream.h), as `sealpost open` reads a large wrapper.
  SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> mail,
                      OpenOriginal(run, std::string()));
  auto part = mime::OpenSealedAttachment(std::move(mail));
  if (part.status().code() == StatusCode::kNotFound ||
      part.status().code() == StatusCode::kInvalidArgument) {
    out.released = part.status();
    return out;
  }
  SP_RETURN_IF_ERROR(part.status());  // the spool's: 451
  out.carried = true;
  // The plaintext's spool file, made at its first byte: none for a
  // release refused before it, nor for an empty original (as memory's
  // empty string, neither attached to a journal report nor recorded as
  // decrypted).
  std::unique_ptr<queue::SpoolFile> plain;
  Status spool = Status::Ok();  // the first failure of either spool
  auto read = [&](size_t max, std::string* bytes) -> Result<size_t> {
    Result<size_t> n = (*part)->Read(max, bytes);
    if (!n.ok() && spool.ok()) spool = n.status();
    return n;
  };
  auto write = [&](std::string_view bytes) -> Status {
    if (bytes.empty()) return Status::Ok();
    if (plain == nullptr) {
      auto made = queue::SpoolFile::Create(options_.spool_dir, what);
      if (!made.ok()) {
        spool = made.status();
        return spool;
      }
      plain = std::move(*made);
    }
    Status appended = plain->Append(bytes);
    if (!appended.ok()) spool = appended;
    return appended;
  };
  // The plaintext finished before the release's record is written, so
  // that its failure leaves no record of a release nobody got.
  auto done = [&]() -> Status {
    if (plain == nullptr) return Status::Ok();
    Status finished = plain->Finish();
    if (!finished.ok()) spool = finished;
    return finished;
  };
  out.released = release(read, write, done);
  // Not the release's outcome: retried (451) as a spool that fails
  // anywhere else in the run.
  SP_RETURN_IF_ERROR(spool);
  if (!out.released.ok()) return out;
  out.plain = std::move(plain);
  return out;
}

Status Protector::InspectSpooledWrapper(
    Run& run, const std::vector<std::string>& addresses) {
  Run::Inspection& inspection = *run.inspection;
  SP_ASSIGN_OR_RETURN(
      SpooledRelease release,
      ReleaseSpooledWrapper(
          run,
          "transport decryption: writing the inspected copy of " + run.in.id,
          [&](const auto& read, const auto& write, const auto& done) {
            return licenses_.TransportInspectStreamed(
                read, run.wrapper->id, run.in.id, addresses, write, done);
          }));
  if (!release.carried) {
    inspection.reason = "its container does not travel in the mail";
    return Status::Ok();
  }
  SP_ASSIGN_OR_RETURN(bool opened,
                      TakeRelease(run, std::move(release.released)));
  if (!opened) return Status::Ok();
  if (release.plain == nullptr) {
    // An empty original: its facts as in memory.
    auto facts = mime::ExtractFacts(std::string());
    if (facts.ok()) inspection.facts = std::move(*facts);
    return Status::Ok();
  }
  inspection.plain_spool = std::move(release.plain);
  // Its facts as a streamed run's (InspectSpooled): one GMime parse over
  // the spool file, whose parts stay ranges of it. Read back as the run's
  // own spool is: a file that does not read back intact is INTERNAL
  // (451), never the generic decryption error (a 5xx).
  SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source,
                      OpenSpooled(*inspection.plain_spool, std::string()));
  // The parse reads `plain_spool`, which Withdraw frees: it ends first.
  bool over_limit = false;
  bool has_facts = false;
  {
    mime::ParsedMessage parsed(std::move(source));
    auto facts = mime::ExtractFacts(parsed);
    SP_RETURN_IF_ERROR(parsed.source_status());
    over_limit = parsed.headers_over_limit();
    if (!over_limit && facts.ok()) {
      inspection.facts = std::move(*facts);
      has_facts = true;
    }
  }
  if (over_limit) {
    // Its facts would be those of part of it (mime::ParsedMessage).
    inspection.Withdraw("its content's header fields are over the limit");
    return Status::Ok();
  }
  if (has_facts) return Status::Ok();
  // No facts GMime can read: its first bytes are the body's text, as in
  // memory.
  SP_ASSIGN_OR_RETURN(source,
                      OpenSpooled(*inspection.plain_spool, std::string()));
  return ReadSourceUpTo(*source, mime::kMaxBodyText,
                        &inspection.facts.body_text);
}

Result<bool> Protector::TakeRelease(
    Run& run, Result<license::TransportDecryption> opened) {
  Run::Inspection& inspection = *run.inspection;
  // A container other than the wrapper's was refused by the release
  // itself ("its container is not the wrapper's"), before its record.
  if (!opened.ok()) {
    // Uninspected (or, Mandatory, rejected) only when refused; anything
    // else (the release allowed but not put on the record, the store or
    // the keys failing) is tried again later (451) rather than inspect
    // unaudited, skip the rules or reject for good. One rule with
    // RemoveProtection's.
    if (!license::LicenseService::IsTransportRefusal(opened.status())) {
      return opened.status();
    }
    inspection.reason = opened.status().message();
    return false;
  }
  inspection.message_id = opened->message_id;
  inspection.granted = std::move(opened->granted);
  inspection.plain = std::move(opened->original);
  inspection.reason = "not granted to this recipient";
  return true;
}

policy::Plan Protector::EvaluateRules(const policy::RuleSet& rules,
                                      const Run& run,
                                      const policy::MessageFacts& facts) const {
  if (!run.inspection || run.inspection->granted.empty()) {
    return rules.Evaluate(facts);
  }
  const Run::Inspection& inspection = *run.inspection;
  // The content as its sender wrote it; the envelope, the header fields
  // and the size as the mail travels.
  policy::MessageFacts seen = facts;
  seen.subject = inspection.facts.subject;
  seen.body_text = inspection.facts.body_text;
  SetFiles(inspection.facts, seen);
  seen.recipients.clear();
  policy::MessageFacts unseen = facts;
  unseen.recipients.clear();
  for (const auto& r : facts.recipients) {
    (inspection.Granted(r.address) ? seen : unseen).recipients.push_back(r);
  }
  policy::Plan plan = rules.Evaluate(seen);
  if (unseen.recipients.empty()) return plan;
  policy::Plan other = rules.Evaluate(unseen);
  // One plan again, recipients in the envelope's order.
  std::vector<policy::RecipientPlan> merged;
  size_t a = 0, b = 0;
  for (const auto& r : facts.recipients) {
    if (inspection.Granted(r.address)) {
      if (a < plan.recipients.size()) merged.push_back(plan.recipients[a++]);
    } else if (b < other.recipients.size()) {
      merged.push_back(other.recipients[b++]);
    }
  }
  plan.recipients = std::move(merged);
  for (auto& id : other.fired_rules) {
    if (std::find(plan.fired_rules.begin(), plan.fired_rules.end(), id) ==
        plan.fired_rules.end()) {
      plan.fired_rules.push_back(std::move(id));
    }
  }
  for (auto& e : other.audit) plan.audit.push_back(std::move(e));
  for (auto& e : other.errors) plan.errors.push_back(std::move(e));
  return plan;
}

void Protector::RejectUninspected(Run& run, policy::Plan& plan) const {
  if (!run.inspection || !run.inspection->mandatory) return;
  const Run::Inspection& inspection = *run.inspection;
  const std::string text =
      "protected message cannot be decrypted for inspection "
      "(TransportDecryptionSetting is Mandatory): " +
      inspection.reason;
  for (auto& r : plan.recipients) {
    if (inspection.Granted(r.address)) continue;
    r.treatment = policy::Treatment{};
    r.treatment.kind = policy::Treatment::Kind::kReject;
    r.treatment.reject_text = text;
    r.treatment.enhanced_status = std::string(kUndecryptableStatus);
    r.treatment.decided_by = "TransportDecryptionSetting";
  }
}

void Protector::LabelInspection(Run& run) const {
  if (!run.inspection) return;
  const Run::Inspection& inspection = *run.inspection;
  for (auto& m : run.out.messages) {
    bool all = true, none = true;
    for (const auto& r : m.recipients) {
      (inspection.Granted(r.address) ? none : all) = false;
    }
    std::string label =
        all    ? "inspected by transport decryption of " + inspection.message_id
        : none ? "uninspected (" + inspection.reason + ")"
               : "inspected for some recipients, uninspected for the others (" +
                     inspection.reason + ")";
    m.treatment += (m.treatment.empty() ? "" : "; ") + label;
  }
  run.out.notes.push_back(
      inspection.granted.empty()
          ? "transport decryption: not inspected: " + inspection.reason
          : "transport decryption: inspected " + inspection.message_id +
                " for " + JoinAddresses(inspection.granted));
}

}  // namespace sealpost::protect
