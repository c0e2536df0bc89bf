// Transport decryption for inspection (Exchange's TransportDecryptionSetting,
// docs/compliance.md): the mail flow rules read the content of the
// organisation's own protected mail arriving at the gateway, which is then
// delivered still protected, byte for byte as it came (unless a rule says
// otherwise). Only a verified wrapper's own container that travels in the
// mail is opened (never the server's copy named by an id), through
// LicenseService::TransportInspect: audited, for the recipients its
// license grants, never for a revoked or expired message. Optional: what
// cannot be opened goes on uninspected, and the trace says so; Mandatory:
// it is rejected with the reason (RFC 3463 5.7.5).
#include <algorithm>

#include "base/strings.h"
#include "mime/wrapper.h"
#include "protect/protector.h"
#include "protect/protector_run.h"
#include "protect/streamed_copy.h"

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
  // What follows reads the message in memory: our verified wrapper, whose
  // container transport decryption opens.
  SP_RETURN_IF_ERROR(LoadWhole(run));
  Result<std::string> container = mime::ExtractSealedAttachment(run.original);
  if (!container.ok()) {
    // A portal wrapper: the content is on the server, and transport
    // decryption never reads the server's copy.
    inspection.reason = "its container does not travel in the mail";
    return Status::Ok();
  }
  std::vector<std::string> addresses;
  for (const auto& r : run.in.recipients) addresses.push_back(r.address);
  auto opened = licenses_.TransportInspect(*container, run.in.id, addresses);
  if (opened.ok() && opened->message_id != run.wrapper->id) {
    opened = InvalidArgumentError("its container is not the wrapper's");
  }
  if (!opened.ok()) {
    // The release was allowed but could not be put on the record: try
    // again later rather than inspect unaudited or skip the rules.
    if (opened.status().code() == StatusCode::kUnavailable) {
      return opened.status();
    }
    inspection.reason = opened.status().message();
    return Status::Ok();
  }
  inspection.message_id = opened->message_id;
  inspection.granted = std::move(opened->granted);
  inspection.plain = std::move(opened->original);
  auto facts = mime::ExtractFacts(inspection.plain);
  if (facts.ok()) {
    inspection.facts = std::move(*facts);
  } else {
    inspection.facts.body_text = inspection.plain.substr(0, 256 * 1024);
  }
  inspection.reason = "not granted to this recipient";
  return Status::Ok();
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
  seen.attachments.clear();
  for (const auto& a : inspection.facts.attachments) {
    seen.attachments.push_back({a.name, a.size});
  }
  seen.has_attachment = !seen.attachments.empty();
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
