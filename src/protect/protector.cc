#include "protect/protector.h"

#include <algorithm>
#include <optional>

#include "base/log.h"
#include "base/strings.h"
#include "crypto/random.h"
#include "mime/header_section.h"
#include "mime/wrapper.h"
#include "policy/evaluate.h"
#include "protect/protector_run.h"
#include "protect/smime_treatment.h"
#include "protect/streamed_copy.h"
#include "queue/dsn.h"
#include "store/body_store.h"

namespace sealpost::protect {

bool Protector::IsInternal(std::string_view address) const {
  // (One the next hop may route out by its local part is not ours: the
  // gateway refuses it, the API's and portal's ways in are kept safe.)
  return IsAddressIn(options_.accepted_domains, address);
}

Result<license::ProtectRequest> Protector::ProtectRequestFor(
    const SealSpec& spec, branding::Branding* brand) const {
  const std::string identity = spec.branding.empty()
                                   ? std::string(branding::kDefaultIdentity)
                                   : spec.branding;
  SP_ASSIGN_OR_RETURN(*brand, brands_.Get(identity));
  license::ProtectRequest req{spec.owner, spec.template_name, spec.addresses,
                              "", ""};
  req.authorized_by_policy = true;
  req.defer_write = true;  // committed with the wrapper, before 250
  req.branding = identity;
  req.keep_portal_copy = true;
  req.parent_id = spec.parent_id;
  req.writer = spec.writer;
  req.expires_at = spec.expires_at;
  req.subject = spec.shown_subject;
  req.require_pin = spec.require_pin;
  if (!spec.internal && brand->external_mail_expiry_in_days > 0) {
    int64_t external =
        clock_.NowUnix() + int64_t{brand->external_mail_expiry_in_days} * 86400;
    if (req.expires_at == 0 || external < req.expires_at) {
      req.expires_at = external;
    }
    // The admin's, not the sender's to lift or extend (was: written as an
    // ordinary expiry, which the sender could remove), even when an
    // earlier one (a forward's original's) is the one kept.
    req.expiry_by_policy = true;
  }
  return req;
}

mime::WrapperOptions Protector::WrapOptionsFor(
    const SealSpec& spec, const branding::Branding& brand,
    const license::ProtectResult& sealed,
    std::string_view envelope_from) const {
  mime::WrapperOptions wrap{
      sealed.message_id, sealed.license.template_name, options_.portal_url,
      branding::ToWrapperBranding(brand), sealed.license.expiry};
  wrap.attach_container = spec.internal;
  wrap.subject = spec.subject;
  wrap.envelope_from = std::string(envelope_from);
  wrap.envelope_to = spec.addresses;
  return wrap;
}

namespace {

// Protect's error as the mail flow reports it: a message it refuses as
// such (INVALID_ARGUMENT), else a temporary failure (never sent in clear).
Status ProtectionFailed(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument
             ? s
             : FailedPreconditionError(
                   "protection required but not available: " + s.message());
}

// What the wrapper reads of a streamed message: its header section (the
// head's first 1 MiB when it has none a parser can find).
std::string_view WrapperHead(std::string_view head) {
  size_t end = head.find("\r\n\r\n");
  return end == std::string_view::npos ? head.substr(0, 1 << 20)
                                       : head.substr(0, end + 4);
}

}  // namespace

Result<std::string> Protector::SealAndWrap(
    const SealSpec& spec, std::string_view original,
    std::string_view envelope_from,
    std::vector<store::NewProtectedMessage>* records, std::string* note) {
  branding::Branding brand;
  SP_ASSIGN_OR_RETURN(license::ProtectRequest req,
                      ProtectRequestFor(spec, &brand));
  req.message_ref = original;  // no copy: `original` outlives the call
  auto sealed = licenses_.Protect(req);
  if (!sealed.ok()) return ProtectionFailed(sealed.status());
  mime::WrapperOptions wrap =
      WrapOptionsFor(spec, brand, *sealed, envelope_from);
  wrap.seal = [&](std::string_view header, std::string_view body) {
    return licenses_.SealWrapper(sealed->message_id,
                                 sealed->license.template_name, header, body);
  };
  if (note != nullptr) {
    *note = sealed->license.template_name + " as " + sealed->message_id;
  }
  // keep_portal_copy with defer_write: the container is the portal copy.
  store::NewProtectedMessage record = std::move(*sealed->write);
  store::BodyStore* bodies = store::BodyStoreOf(store_);
  if (bodies == nullptr || !store_.StagesBodies(record.portal_copy.size())) {
    SP_ASSIGN_OR_RETURN(
        std::string mail,
        mime::BuildWrapperMail(original, record.portal_copy, wrap));
    records->push_back(std::move(record));
    return mail;
  }
  // A large copy goes to disk first (issue 14), and the wrapper's base64
  // of it is read back from there a slice at a time: the container is not
  // held beside the wrapper, nor waits in memory for the commit.
  const size_t size = record.portal_copy.size();
  SP_RETURN_IF_ERROR(store_.StageBody(store::BodyKind::kPortal,
                                      record.record.id, record.portal_copy));
  std::string().swap(record.portal_copy);
  record.portal_copy_staged = true;
  std::string id = record.record.id;
  records->push_back(std::move(record));
  std::unique_ptr<store::BodyReader> file;
  if (wrap.attach_container) {
    SP_ASSIGN_OR_RETURN(file, bodies->OpenBody(store::BodyKind::kPortal, id));
  }
  auto mail = mime::BuildWrapperMail(original, size, file.get(), wrap);
  if (!mail.ok()) bodies->DiscardBody(store::BodyKind::kPortal, id);
  return mail;
}

Status Protector::SealAndWrapStreamed(const SealSpec& spec, Run& run,
                                      const std::vector<policy::Header>& added,
                                      queue::IncomingMessage* msg,
                                      std::string* note) {
  store::BodyStore* bodies = store::BodyStoreOf(store_);
  if (bodies == nullptr) return InternalError("no body files to stream into");
  branding::Branding brand;
  SP_ASSIGN_OR_RETURN(license::ProtectRequest req,
                      ProtectRequestFor(spec, &brand));
  // Sealed from the spool into the portal copy's file as it is made: the
  // container is never whole in memory, nor is the message.
  SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source,
                      OpenOriginal(run, std::string()));
  std::unique_ptr<store::BodyWriter> file;
  size_t container_size = 0;
  req.message_source = source.get();
  req.container_begin = [&](std::string_view id) -> Status {
    SP_ASSIGN_OR_RETURN(file, bodies->StartBody(store::BodyKind::kPortal, id));
    return Status::Ok();
  };
  req.container_out = [&](std::string_view bytes) -> Status {
    if (file == nullptr) return InternalError("container before its file");
    container_size += bytes.size();
    return file->Append(bytes);
  };
  auto sealed = licenses_.Protect(req);
  // Until Finish, a file that is let go leaves nothing behind.
  if (!sealed.ok()) return ProtectionFailed(sealed.status());
  if (file == nullptr) return InternalError("no container was written");
  SP_RETURN_IF_ERROR(file->Finish());
  file.reset();
  source.reset();
  const std::string id = sealed->message_id;
  const std::string name = sealed->license.template_name;
  store::NewProtectedMessage record = std::move(*sealed->write);
  record.portal_copy_staged = true;
  msg->protected_records.push_back(std::move(record));
  if (note != nullptr) *note = name + " as " + id;
  mime::WrapperOptions wrap =
      WrapOptionsFor(spec, brand, *sealed, run.in.mail_from);
  // One pass over the wrapper's body for its digest (the container read
  // from its file), then the queue reads it again into its body file.
  wrap.seal_digest = [&](std::string_view header, std::string_view digest) {
    return licenses_.SealWrapperDigest(id, name, header, digest);
  };
  // Read from the portal copy's file twice: for the digest, then rewound
  // (Restart) as the queue reads the wrapper.
  SP_ASSIGN_OR_RETURN(std::unique_ptr<store::BodyReader> container,
                      bodies->OpenBody(store::BodyKind::kPortal, id));
  auto wrapper = mime::BuildWrapperStream(WrapperHead(run.head), container_size,
                                          std::move(container), wrap);
  // Process removes the copy (queue::DiscardStagedBodies).
  if (!wrapper.ok()) return wrapper.status();
  auto mail =
      std::make_shared<WrapperSource>(HeaderFields(added), std::move(*wrapper));
  msg->content_size = mail->size();
  msg->content_source = std::move(mail);
  return Status::Ok();
}

Result<std::vector<queue::IncomingMessage>> Protector::ProtectComposed(
    const ComposedMail& mail) {
  queue::IncomingMessage in;
  in.mail_from = AsciiLower(mail.envelope_from);
  in.helo = "portal";
  in.client = "portal";
  for (const auto& r : mail.recipients) {
    in.recipients.push_back({AsciiLower(r), 0, ""});
  }
  in.content = mail.message;
  SP_ASSIGN_OR_RETURN(Outcome out, Process(in, &mail));
  for (const auto& note : out.notes) log::Info("portal mail: {}", note);
  return std::move(out.messages);
}

Result<Outcome> Protector::Apply(const queue::IncomingMessage& in,
                                 const Stager& stage,
                                 const StagedReader& read_staged) {
  return Process(in, nullptr, true, stage ? &stage : nullptr,
                 read_staged ? &read_staged : nullptr);
}

bool Protector::StagesEarly(const Run& run) {
  if (run.stage == nullptr ||
      !store_.StagesBodies(static_cast<size_t>(run.size))) {
    return false;
  }
  // A journal report reads a staged copy back from its file, and is
  // streamed into its own (AddJournalReport): this run's, or for a part
  // DecryptInbound hands back, the decrypting run's.
  if (run.read_staged != nullptr || run.stage_early) return true;
  auto rules = store_.ListJournalRules();
  if (!rules.ok()) return false;  // AddJournalReport says why
  return std::none_of(rules->begin(), rules->end(),
                      [](const auto& r) { return r.enabled; });
}

Result<policy::Plan> Protector::PlanFor(Run& run,
                                        const policy::MessageFacts& facts) {
  SP_ASSIGN_OR_RETURN(auto rules, rules_.Compiled());
  policy::Plan plan = EvaluateRules(*rules, run, facts);
  // The log says when the rules failed closed on files not all read, a
  // refused message too (its notes are not logged).
  std::string incomplete = facts.attachments_incomplete;
  if (incomplete.empty() && run.inspection &&
      !run.inspection->granted.empty()) {
    incomplete = run.inspection->facts.attachments_incomplete;
  }
  if (!incomplete.empty()) {
    log::Info(
        "mail flow: {}: files not all read ({}): attachment conditions "
        "hold, attachment exceptions do not",
        run.in.id, incomplete);
  }
  if (!plan.errors.empty()) {
    // A rule that cannot run might have required protection: defer.
    return FailedPreconditionError("mail flow rules cannot be evaluated: " +
                                   plan.errors.front());
  }
  run.subject = facts.subject;
  if (run.composed != nullptr) {
    // The portal's protection covers what no rule protects.
    run.choice.outcome = policy::SenderChoice::Outcome::kProtect;
    run.choice.template_name = run.composed->template_name;
    run.choice.subject = facts.subject;
    run.require_pin = run.composed->require_pin;
    return policy::ApplySenderChoice(std::move(plan), run.choice);
  }
  SP_ASSIGN_OR_RETURN(auto templates, templates_.List());
  std::vector<std::string> known;
  for (const auto& t : templates) {
    if (!t.archived) {
      known.push_back(t.name);
      known.push_back(t.id);
    }
  }
  run.choice = policy::ParseSenderChoice(facts, options_.sender_choice, known);
  if (run.choice.outcome == policy::SenderChoice::Outcome::kUnknownTemplate) {
    return PermissionDeniedError(run.choice.error);
  }
  if (run.choice.outcome == policy::SenderChoice::Outcome::kProtect) {
    run.subject = run.choice.subject;
  }
  // A sender's-choice header: honoured only for whom the template header is.
  run.require_pin = facts.sender_internal && facts.sender_licensed &&
                    policy::PinRequested(run.mail.headers);
  for (const auto& a : plan.audit) {
    log::Info("rule audit: {} ({}) would {} for {}", a.rule_name, a.rule_id,
              a.description, a.recipient);
    Audit(run, "rule.audit", "audit",
          a.rule_name + ": " + a.description + " for " + a.recipient);
  }
  return policy::ApplySenderChoice(std::move(plan), run.choice);
}

Result<Outcome> Protector::Process(const queue::IncomingMessage& in,
                                   const ComposedMail* composed,
                                   bool may_decrypt, const Stager* stage,
                                   const StagedReader* read_staged,
                                   bool stage_early) {
  Run run{in, composed, stage, read_staged, stage_early};
  Result<Outcome> out = ProcessRun(run, may_decrypt);
  if (!out.ok()) queue::DiscardStagedBodies(store_, run.out.messages);
  if (out.ok() && !out->messages.empty()) {
    auto& first = out->messages.front().audit;
    for (auto& r : run.audit) first.push_back(std::move(r));
  } else {
    for (auto& r : run.audit) store_.AppendAuditBestEffort(std::move(r));
  }
  return out;
}

void Protector::Audit(Run& run, std::string action, std::string result,
                      std::string detail) {
  run.audit.push_back({0, clock_.NowUnix(), "system", std::move(action),
                       run.in.id, std::move(result), std::move(detail)});
}

Result<Outcome> Protector::ProcessRun(Run& run, bool may_decrypt) {
  const ComposedMail* composed = run.composed;
  SP_RETURN_IF_ERROR(Inspect(run));
  if (run.smime_encrypted && may_decrypt && composed == nullptr &&
      options_.smime_decrypt_inbound && options_.certificates != nullptr) {
    SP_ASSIGN_OR_RETURN(std::optional<Outcome> opened, DecryptInbound(run));
    if (opened) return std::move(*opened);
  }
  if (composed == nullptr) SP_RETURN_IF_ERROR(InspectProtected(run));
  SP_ASSIGN_OR_RETURN(policy::MessageFacts facts, FactsOf(run));
  SP_ASSIGN_OR_RETURN(policy::Plan plan, PlanFor(run, facts));
  RejectUninspected(run, plan);
  StampSignature(run, facts, plan);
  // Each large message to its body file as soon as it is made: the first
  // group's wrapper is not held while the next is sealed (issue 14).
  // A streamed run's messages are read into their files here, always.
  const bool stage = run.streamed || StagesEarly(run);
  for (const policy::RecipientGroup& g : policy::GroupByTreatment(plan)) {
    const size_t before = run.out.messages.size();
    SP_RETURN_IF_ERROR(TreatGroup(run, g));
    for (size_t i = before; stage && i < run.out.messages.size(); ++i) {
      SP_RETURN_IF_ERROR((*run.stage)(run.out.messages[i]));
    }
  }
  LabelInspection(run);
  if (!run.rejected.empty()) {
    if (run.out.messages.empty() || composed != nullptr) {
      // Every recipient refused, or a portal writer, who sees the reason
      // on the page instead of a bounce.
      Status refused = PermissionDeniedError(run.rejected.front().diagnostic);
      if (run.rejected.front().status == kUndecryptableStatus) {
        refused =
            refused.WithReason(queue::AcceptRefusal::kCryptographicFailure);
      }
      return refused;
    }
    AddRejectionDsn(run);
  }
  // What DecryptInbound hands back is journaled once, by the run that
  // decrypted it: the message as received (AddJournalReport there).
  if (may_decrypt) SP_RETURN_IF_ERROR(AddJournalReport(run));
  return std::move(run.out);
}

Status Protector::TreatGroup(Run& run, const policy::RecipientGroup& g) {
  using Kind = policy::Treatment::Kind;
  std::string who = JoinAddresses(g.addresses);
  if (g.treatment.kind == Kind::kReject) {
    for (const auto& a : g.addresses) {
      run.rejected.push_back(
          {a, "", g.treatment.enhanced_status, "", g.treatment.reject_text});
    }
    run.out.notes.push_back("reject " + who + ": " + g.treatment.reject_text);
    return Status::Ok();
  }
  queue::IncomingMessage msg = run.GroupMessage(g, g.addresses);
  if (g.require_smime && g.treatment.kind != Kind::kRemoveProtection) {
    // S/MIME or a DSN, whatever else the rules said (but Reject).
    return ProtectGroup(run, g, std::move(msg));
  }
  switch (g.treatment.kind) {
    case Kind::kRemoveProtection:
      return RemoveProtection(run, g, std::move(msg));
    case Kind::kProtect:
      return ProtectGroup(run, g, std::move(msg));
    case Kind::kDeliver:
    case Kind::kReject:
      break;
  }
  std::string signed_mail;
  if (g.sign && !run.wrapper && !run.smime_encrypted) {
    SP_ASSIGN_OR_RETURN(bool made, SignedCopy(run, g, msg, &signed_mail));
    if (made) who += " signed";
  }
  if (msg.content_source != nullptr) {
    // Made as the queue reads it (the added fields are in front already).
  } else if (signed_mail.empty()) {
    SP_RETURN_IF_ERROR(CopyAsItCame(run, g, msg));
  } else {
    msg.content = AddHeaders(signed_mail, g.added_headers);
  }
  run.out.notes.push_back("deliver " + who);
  run.out.messages.push_back(std::move(msg));
  return Status::Ok();
}

Status Protector::CopyAsItCame(const Run& run, const policy::RecipientGroup& g,
                               queue::IncomingMessage& m) const {
  if (!run.streamed) {
    m.content = AddHeaders(run.original, g.added_headers);
    return Status::Ok();
  }
  // Read from the spool into its queue body file (Acceptor::Stage).
  std::string fields = FieldsInFront(g.added_headers, run.head);
  m.content_size = run.size + static_cast<int64_t>(fields.size());
  SP_ASSIGN_OR_RETURN(m.content_source, OpenOriginal(run, std::move(fields)));
  return Status::Ok();
}

Status Protector::ProtectGroup(Run& run, const policy::RecipientGroup& g,
                               queue::IncomingMessage msg) {
  std::string who = JoinAddresses(g.addresses);
  if (run.wrapper || run.smime_encrypted) {
    // Never sealed twice: it is verifiably protected already.
    SP_RETURN_IF_ERROR(CopyAsItCame(run, g, msg));
    run.out.notes.push_back("deliver (already protected) " + who);
    run.out.messages.push_back(std::move(msg));
    return Status::Ok();
  }
  std::vector<std::string> addresses = g.addresses;
  if (!g.internal || g.require_smime) {
    SP_ASSIGN_OR_RETURN(addresses, SmimeRung(run, g));
    if (addresses.empty()) return Status::Ok();
    msg.recipients = run.Recipients(addresses);
    who = JoinAddresses(addresses);
  }
  SealSpec spec;
  // A rule may protect mail from outside too (the organisation's key
  // protects it; the sender is the license's owner). A bounce has no
  // sender: kSystemOwner owns it, an address no one signs in as, since an
  // owner lists, opens, revokes and re-dates its mail (a postmaster@ of
  // ours can be a user).
  spec.owner = run.composed != nullptr ? AsciiLower(run.composed->owner)
                                       : AsciiLower(run.in.Sender());
  // An address of ours from an untrusted client (smtp.forged_internal_sender
  // = external) neither owns what a rule protects nor is named its sender.
  if (run.composed == nullptr && !run.in.trusted_sender &&
      IsInternal(spec.owner)) {
    spec.owner.clear();
  }
  if (spec.owner.empty()) spec.owner = license::kSystemOwner;
  spec.template_name = g.treatment.template_name;
  spec.branding = g.treatment.branding;
  if (run.composed != nullptr) {
    if (spec.branding.empty()) spec.branding = run.composed->branding;
    spec.parent_id = run.composed->parent_id;
    if (!spec.parent_id.empty()) {
      spec.writer = AsciiLower(run.composed->Writer());
    }
    spec.expires_at = run.composed->expires_at;
  }
  spec.addresses = addresses;
  spec.internal = g.internal;
  if (run.subject != run.mail.subject) spec.subject = run.subject;
  spec.shown_subject = run.subject;
  spec.require_pin = run.require_pin;
  std::string note;
  if (run.streamed) {
    SP_RETURN_IF_ERROR(
        SealAndWrapStreamed(spec, run, g.added_headers, &msg, &note));
    IndexProtected(run, msg.protected_records.back());
  } else {
    SP_ASSIGN_OR_RETURN(std::string mail,
                        SealAndWrap(spec, run.original, run.in.mail_from,
                                    &msg.protected_records, &note));
    IndexProtected(run, msg.protected_records.back());
    msg.content = AddHeaders(std::move(mail), g.added_headers);
  }
  // The ladder's other rungs, for the trace: the wrapper for readers in
  // the portal, the wrapper with its container for our own recipients.
  msg.treatment = std::string(g.internal ? "sealed " : "portal ") + note;
  run.out.notes.push_back("protect " + who + " with " + note);
  run.out.messages.push_back(std::move(msg));
  return Status::Ok();
}

void Protector::IndexProtected(Run& run, store::NewProtectedMessage& record) {
  if (options_.indexer == nullptr) return;
  if (!run.index_terms.has_value()) {
    // The words of what is protected: the client's bytes, parsed once
    // already for the facts, unless reserved fields were removed from them.
    const bool same_bytes = run.parsed.has_value() &&
                            run.parsed->bytes().data() == run.original.data() &&
                            run.parsed->bytes().size() == run.original.size();
    // A streamed message: its first bytes only (kStreamedHead), as the
    // API indexes a large message (search.index_at_protection).
    auto terms = run.streamed ? options_.indexer->Terms(run.head)
                 : same_bytes ? options_.indexer->Terms(*run.parsed)
                              : options_.indexer->Terms(run.original);
    if (!terms.ok()) {
      // The mail still goes; `sealpost search reindex` catches it up.
      log::Warn("message {} not indexed for eDiscovery: {}", run.in.id,
                terms.status().message());
    }
    run.index_terms = terms.ok() ? std::move(*terms) : std::vector<int64_t>();
  }
  record.index_terms = *run.index_terms;
}

void Protector::AddRejectionDsn(Run& run) {
  const queue::IncomingMessage& in = run.in;
  if (in.mail_from.empty()) return;
  queue::DsnInput dsn;
  dsn.reporting_mta = options_.hostname;
  dsn.original_id = in.id;
  dsn.envid = in.params.envid;
  dsn.arrival_unix = clock_.NowUnix();
  dsn.sender = in.mail_from;
  dsn.recipients = run.rejected;
  // Its header section only: a streamed run's head holds it.
  dsn.original = run.streamed ? std::string_view(run.head) : run.original;
  dsn.headers_only = true;
  dsn.now_unix = clock_.NowUnix();
  dsn.boundary = "=_dsn_" + crypto::RandomToken(12);
  dsn.message_id = queue::NewQueueId() + "@" + options_.hostname;
  queue::IncomingMessage bounce;
  bounce.id = in.id + "-dsn";
  bounce.mail_from = "";
  bounce.recipients = {{in.mail_from, 0, ""}};
  bounce.content = queue::BuildDsn(dsn);
  run.out.messages.push_back(std::move(bounce));
}

}  // namespace sealpost::protect
