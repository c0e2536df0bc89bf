#include "protect/journal.h"

#include <algorithm>

#include "base/strings.h"
#include "crypto/random.h"
#include "policy/journal_rule.h"

namespace sealpost::protect {
namespace {

bool IsInternal(const JournalContext& ctx, std::string_view address) {
  return IsAddressIn(ctx.accepted_domains, address);  // as Protector's
}

// The copy that stands for the message once Sealpost protected it: the
// sealed wrapper of our own recipients (it carries the container), else
// the portal wrapper, else an S/MIME copy. Null when nothing was protected.
const queue::IncomingMessage* ProtectedCopy(
    const std::vector<queue::IncomingMessage>& outgoing) {
  for (std::string_view prefix :
       {"sealed ", "portal ", "smime ", "smime-signed-encrypted "}) {
    for (const auto& m : outgoing) {
      if (m.treatment.starts_with(prefix)) return &m;
    }
  }
  return nullptr;
}

}  // namespace

Result<std::optional<PlannedJournalReport>> PlanJournalReport(
    const JournalContext& ctx, const JournaledMessage& m) {
  SP_ASSIGN_OR_RETURN(auto rules, ctx.store.ListJournalRules());
  return PlanJournalReport(ctx, m, rules);
}

Result<std::optional<PlannedJournalReport>> PlanJournalReport(
    const JournalContext& ctx, const JournaledMessage& m,
    const std::vector<store::JournalRuleRecord>& rules) {
  if (rules.empty()) return std::optional<PlannedJournalReport>();
  policy::JournalEnvelope envelope;
  envelope.sender = AsciiLower(m.sender);
  envelope.sender_internal = m.sender_trusted && !envelope.sender.empty() &&
                             IsInternal(ctx, envelope.sender);
  std::vector<std::string> recipients;
  for (const auto& r : m.in.recipients) {
    std::string a = AsciiLower(r.address);
    envelope.recipients.push_back({a, IsInternal(ctx, a)});
    recipients.push_back(a);
  }
  std::vector<std::string> to;
  std::vector<std::string> matched;
  for (const auto& rule : rules) {
    if (!rule.enabled ||
        !policy::JournalRuleMatches(rule.scope, rule.recipient, envelope)) {
      continue;
    }
    matched.push_back(rule.name);
    if (std::find(to.begin(), to.end(), rule.journal_address) == to.end()) {
      to.push_back(rule.journal_address);
    }
  }
  if (to.empty()) return std::optional<PlannedJournalReport>();

  PlannedJournalReport plan;
  mime::JournalReportRequest& req = plan.request;
  req.original = m.original;
  req.envelope_from = m.in.mail_from;
  req.envelope_recipients = recipients;
  req.journal_addresses = to;
  std::string domain = ctx.accepted_domains.empty()
                           ? ctx.hostname
                           : ctx.accepted_domains.front();
  req.report_from = "postmaster@" + domain;
  req.message_id = queue::NewQueueId() + "@" + ctx.hostname;
  req.boundary = "=_journal_" + crypto::RandomToken(12);
  req.now_unix = ctx.clock.NowUnix();
  std::string who;
  for (const auto& a : to) who += (who.empty() ? "" : ",") + a;
  std::string decrypted_note;
  if (m.arrived_protected) {
    // What arrived protected is journaled as it arrived; beside it, what
    // transport decryption opened of it, if anything.
    plan.is_protected = true;
    req.protected_id = m.arrived_id;
    decrypted_note = " (arrived protected: not decrypted)";
    if (!m.arrived_decrypted.empty() || m.arrived_decrypted_spooled) {
      SP_ASSIGN_OR_RETURN(license::IrmConfig irm, ctx.licenses.LoadIrm());
      req.include_decrypted = irm.GetBool("JournalReportDecryptionEnabled");
    }
  } else if (const queue::IncomingMessage* copy = ProtectedCopy(m.outgoing)) {
    plan.copy = copy;
    plan.is_protected = true;
    if (!copy->protected_records.empty()) {
      req.protected_id = copy->protected_records.front().record.id;
    }
    SP_ASSIGN_OR_RETURN(license::IrmConfig irm, ctx.licenses.LoadIrm());
    req.include_decrypted = irm.GetBool("JournalReportDecryptionEnabled");
  }
  queue::IncomingMessage& report = plan.report;
  if (req.include_decrypted) {
    // Every release of a decrypted copy is on the record, committed with
    // the report (store::QueueBatch::audit): an audit failure fails that
    // commit, and a report refused before it (451) leaves no record, nor
    // do its retries add any.
    report.audit.push_back(
        {0, ctx.clock.NowUnix(), "system", "journal.decrypt",
         req.protected_id.empty() ? m.in.id : req.protected_id, "ok",
         "decrypted copy in the journal report to " + who});
    decrypted_note = " with the decrypted copy";
  }

  report.id = (m.in.id.empty() ? queue::NewQueueId() : m.in.id) + "-journal";
  // JournalingReportNdrTo: where a bounce of the report goes ("" : nowhere),
  // never the journaled message's sender.
  SP_ASSIGN_OR_RETURN(auto ndr_to,
                      ctx.store.GetSetting(policy::kJournalNdrToSetting));
  report.mail_from = ndr_to.value_or("");
  for (const auto& a : to) {
    report.recipients.push_back({a, 0, ""});
    // Outside the organisation only over TLS whose certificate verifies:
    // the domain's policy was verify when the rule was made, and may have
    // been removed since.
    std::vector<std::string>& verified = report.params.verified_tls_domains;
    if (std::string d = AsciiLower(DomainOf(a));
        !IsInternal(ctx, a) &&
        std::find(verified.begin(), verified.end(), d) == verified.end()) {
      verified.push_back(std::move(d));
    }
  }
  // A bounce names the report but never carries it back (RFC 3461 RET).
  report.params.ret = "HDRS";
  report.params.body_8bit = m.in.params.body_8bit;
  report.params.smtputf8 = m.in.params.smtputf8;
  report.helo = m.in.helo;
  report.client = m.in.client;
  report.tls = m.in.tls;
  std::string rules_note;
  for (const auto& n : matched)
    rules_note += (rules_note.empty() ? "" : ",") + n;
  report.treatment = "journal report (" + rules_note + ")";
  plan.note = "journal report to " + who + " by " + rules_note + decrypted_note;
  return std::optional<PlannedJournalReport>(std::move(plan));
}

Result<queue::IncomingMessage> MakeJournalReport(PlannedJournalReport plan,
                                                 const JournaledMessage& m) {
  mime::JournalReportRequest& req = plan.request;
  if (plan.copy != nullptr) {
    req.journaled = plan.copy->content;
  } else if (m.arrived_protected) {
    req.journaled = m.original;
  }
  if (m.arrived_protected) req.decrypted = m.arrived_decrypted;
  // BuildJournalReport reads "protected" from a non-empty `journaled`: a
  // plan that says protected with nothing to attach is not reported as
  // unprotected mail.
  if (plan.is_protected != !req.journaled.empty()) {
    return InternalError("journal report: the protected copy is missing");
  }
  SP_ASSIGN_OR_RETURN(plan.report.content, mime::BuildJournalReport(req));
  return std::move(plan.report);
}

}  // namespace sealpost::protect
