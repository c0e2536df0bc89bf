// Protector's S/MIME steps (docs/smime.md): the ladder's S/MIME rung, the
// sender's signing identity, and the check of a signature from outside.
#include <optional>

#include "base/log.h"
#include "crypto/digest.h"
#include "crypto/errors.h"
#include "mime/header_section.h"
#include "mime/parsed_message.h"
#include "mime/part_stream.h"
#include "protect/protector.h"
#include "protect/protector_run.h"
#include "protect/smime_treatment.h"
#include "protect/streamed_copy.h"
#include "queue/spool_file.h"
#include "smime/enveloped_mail.h"
#include "smime/signature_check.h"
#include "smime/signed_stream.h"
#include "smime/streamed_mail.h"

namespace sealpost::protect {

Result<std::vector<std::string>> Protector::SmimeRung(
    Run& run, const policy::RecipientGroup& g) {
  smime::CertificateDirectory* certs = options_.certificates;
  if (!g.require_smime &&
      (certs == nullptr || !options_.smime_prefer_when_certificate)) {
    return g.addresses;
  }
  if (run.composed != nullptr && !run.composed->parent_id.empty()) {
    return KeepForwardInPortal(run, g);
  }
  // The sender's own certificate joins each copy: only an organisation's
  // sender, as decided for the rules (never a name in MAIL FROM alone).
  std::string sender = OrgSender(run);
  const smime::SmimeOptions& options = SmimeOptionsFor(run);
  std::optional<smime::SigningIdentity> signer;
  // OWAAlwaysSign: every S/MIME copy from one of ours, as with `--sign`.
  if (g.sign || (options.always_sign && !sender.empty())) {
    signer = SignerFor(run);
  }
  SmimeGroupPlan plan;
  if (certs == nullptr) {
    for (const auto& a : g.addresses) {
      plan.refused.push_back({a, "no S/MIME certificates are configured"});
    }
  } else {
    std::optional<std::string> subject;
    if (run.subject != run.mail.subject) subject = run.subject;
    if (run.streamed) {
      SP_ASSIGN_OR_RETURN(
          plan, StreamedSmimeGroup(run, g, subject, signer ? &*signer : nullptr,
                                   options));
    } else {
      SP_ASSIGN_OR_RETURN(
          plan, PlanSmimeGroup(*certs, run.original, g.addresses, sender,
                               g.require_smime, subject,
                               signer ? &*signer : nullptr, options));
    }
  }
  for (auto& copy : plan.copies) {
    queue::IncomingMessage msg = run.GroupMessage(g, {copy.address});
    if (copy.source != nullptr) {
      // Made from the spool as the queue reads it into its body file (the
      // added fields are in front already).
      msg.content_source = std::move(copy.source);
      msg.content_size = queue::IncomingMessage::kUnknownSize;
    } else {
      msg.content = AddHeaders(std::move(copy.content), g.added_headers);
    }
    std::string id = copy.certificate_id.substr(0, 16);
    msg.treatment = std::string(signer ? "smime-signed-encrypted" : "smime") +
                    " certificate=" + id;
    run.out.notes.push_back("s/mime " + copy.address + " with certificate " +
                            id);
    Audit(run, "smime.encrypt", "ok", copy.address + ": certificate " + id);
    run.out.messages.push_back(std::move(msg));
  }
  std::vector<std::string> rest;
  for (const auto& left : plan.portal) {
    run.out.notes.push_back("portal for " + left.address + " (" + left.reason +
                            ")");
    Audit(run, "smime.fallback", "portal", left.address + ": " + left.reason);
    rest.push_back(left.address);
  }
  for (const auto& left : plan.refused) {
    std::string why = "S/MIME required: " + left.reason;
    run.rejected.push_back({left.address, "", "5.7.1", "", why});
    run.out.notes.push_back("refuse " + left.address + ": " + why);
    Audit(run, "smime.required", "refused", left.address + ": " + left.reason);
  }
  return rest;
}

std::vector<std::string> Protector::KeepForwardInPortal(
    Run& run, const policy::RecipientGroup& g) {
  // A forward is the original passed on, by a reader who may hold no
  // EXTRACT right: as S/MIME its attachments would leave decrypted, beyond
  // the original's expiry and revocation, for whoever holds the
  // certificate's key. It stays a portal message linked to the original.
  if (!g.require_smime) {
    for (const auto& a : g.addresses) {
      run.out.notes.push_back("portal for " + a + " (a forward)");
      Audit(run, "smime.fallback", "portal", a + ": a forward");
    }
    return g.addresses;
  }
  // Neither the portal nor S/MIME: the forwarder sees why on the page.
  for (const auto& a : g.addresses) {
    std::string why = "S/MIME required: a forward stays in the portal";
    run.rejected.push_back({a, "", "5.7.1", "", why});
    run.out.notes.push_back("refuse " + a + ": " + why);
    Audit(run, "smime.required", "refused", a + ": a forward");
  }
  return {};
}

namespace {

using Opener = std::function<Result<std::unique_ptr<ByteSource>>()>;

// A streamed run's entity, as its S/MIME and signed copies are made of it.
struct SpooledEntity {
  // Opens it afresh: the Content-* fields of the run's header section,
  // then its body read from the spool where it starts.
  Opener open;
  // What a copy starts with: `added` (a rule's fields), the fields that
  // stay outside the entity, MIME-Version.
  std::string prefix;
};

// The entity of the run whose header section is the first `body_at`
// bytes of `head` (Subject replaced by `subject` when set), over what
// `open_original` opens (the spool, from its first byte).
SpooledEntity SpooledEntityOf(std::string_view head, size_t body_at,
                              const std::optional<std::string>& subject,
                              std::string_view added, Opener open_original) {
  smime::EntitySplit split =
      smime::SplitEntity(head.substr(0, body_at), subject, /*join=*/false);
  SpooledEntity e;
  e.prefix = std::string(added) + split.outer_fields + "MIME-Version: 1.0\r\n";
  e.open = [fields = std::move(split.head), body_at,
            open_original = std::move(
                open_original)]() -> Result<std::unique_ptr<ByteSource>> {
    SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> message, open_original());
    return std::unique_ptr<ByteSource>(std::make_unique<smime::EntitySource>(
        fields, static_cast<int64_t>(body_at), std::move(message)));
  };
  return e;
}

}  // namespace

Result<SmimeGroupPlan> Protector::StreamedSmimeGroup(
    Run& run, const policy::RecipientGroup& g,
    const std::optional<std::string>& subject,
    const smime::SigningIdentity* signer, const smime::SmimeOptions& options) {
  // A streamed run's S/MIME copies are made from its spool (issue 14).
  const SpooledEntity e = SpooledEntityOf(
      run.head, run.body_at, subject, HeaderFields(g.added_headers),
      [&] { return OpenOriginal(run, std::string()); });
  return PlanSmimeGroupStream(*options_.certificates, e.open, e.prefix,
                              g.addresses, OrgSender(run), g.require_smime,
                              signer, options);
}

Result<bool> Protector::SignedCopy(Run& run, const policy::RecipientGroup& g,
                                   queue::IncomingMessage& msg,
                                   std::string* signed_mail) {
  std::optional<smime::SigningIdentity> signer = SignerFor(run);
  if (!signer) return false;
  std::optional<std::string> subject;
  if (run.subject != run.mail.subject) subject = run.subject;
  const smime::SmimeOptions& options = SmimeOptionsFor(run);
  msg.treatment = "smime-signed certificate=" + signer->id.substr(0, 16);
  if (!run.streamed) {
    SP_ASSIGN_OR_RETURN(*signed_mail,
                        SignMail(run.original, *signer, subject, options));
    return true;
  }
  // Signed from the spool as the queue reads it (issue 14): read once
  // here to decide clear or opaque, as SignEntity decides, then once more
  // as the queue reads the copy.
  const SpooledEntity e = SpooledEntityOf(
      run.head, run.body_at, subject, HeaderFields(g.added_headers),
      [&] { return OpenOriginal(run, std::string()); });
  SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> entity, e.open());
  SP_ASSIGN_OR_RETURN(smime::SigningForm form,
                      smime::SigningFormOf(*entity, options));
  SP_RETURN_IF_ERROR(entity->Restart());
  SP_ASSIGN_OR_RETURN(
      msg.content_source,
      smime::SignedEntityStream(std::move(entity), *signer, form.boundary,
                                form.clear, options, e.prefix));
  msg.content_size = queue::IncomingMessage::kUnknownSize;
  return true;
}

void Protector::StampSignature(Run& run, const policy::MessageFacts& facts,
                               policy::Plan& plan) {
  // Mail from outside only: what a partner signed, checked here, stamped
  // for our recipients. A client's own X-Sealpost-Smime field was removed
  // with the other reserved fields (Inspect).
  if (options_.certificates == nullptr || facts.sender_internal ||
      !run.mail.is_signed) {
    return;
  }
  Result<std::optional<smime::SignatureCheck>> check =
      std::optional<smime::SignatureCheck>();
  if (run.streamed) {
    // From the spool a slice at a time (issue 14), the verdict
    // JudgeSignature's as CheckSignature's; run.head holds the whole
    // header section (InspectSpooled).
    const mime::HeaderSection hs = mime::SplitHeaderSection(run.head);
    auto message = OpenOriginal(run, std::string());
    check = message.ok() ? smime::CheckSignatureStream(
                               *options_.certificates, **message, hs.header,
                               run.body_at, options_.spool_dir)
                         : message.status();
  } else {
    check = smime::CheckSignature(*options_.certificates, run.original);
  }
  if (!check.ok()) {
    log::Warn("s/mime: signature of {} not checked: {}", run.in.id,
              check.status().message());
    return;
  }
  if (!check->has_value()) return;
  if ((*check)->verified && options_.smime_harvest) {
    Harvest(run, **check);
  }
  std::string stamp = (*check)->StampValue();
  run.out.notes.push_back("s/mime signature: " + stamp);
  for (auto& r : plan.recipients) {
    r.added_headers.push_back({"X-Sealpost-Smime", stamp});
  }
}

void Protector::Harvest(Run& run, const smime::SignatureCheck& check) {
  auto stored = options_.certificates->Harvest(check.signer_certificate);
  if (!stored.ok()) {
    log::Warn("s/mime: certificate of {} not harvested: {}", check.signer,
              stored.status().message());
    return;
  }
  if (!*stored) return;
  std::string id = crypto::Sha256Hex(check.signer_certificate).substr(0, 16);
  run.out.notes.push_back("s/mime: harvested certificate " + id + " of " +
                          check.signer);
  store_.AppendAuditBestEffort({0, clock_.NowUnix(), "system", "smime.harvest",
                                run.in.id, "ok",
                                check.signer + ": certificate " + id});
}

Result<std::optional<Outcome>> Protector::DecryptInbound(Run& run) {
  // Only our recipients, each with their own key: a recipient whose key
  // does not open it (not among its RecipientInfos) gets it as it came.
  // The plain message is the original's fields outside, the decrypted
  // entity inside (RFC 8551 §3.1: what the sender encrypted is a MIME
  // entity): in memory, or for a streamed run in a spool file of its own,
  // written as it is decrypted from the run's spool (issue 14).
  // Its fields outside: the original's but Content-* (the entity's), the
  // same for every open, made once.
  const std::string_view header =
      run.streamed ? std::string_view(run.head).substr(0, run.body_at)
                   : run.original;
  const std::string outer =
      smime::SplitEntity(header, std::nullopt, /*join=*/false).outer_fields +
      "MIME-Version: 1.0\r\n";
  std::vector<std::string> opened, rest;
  // What the first open gave (its SHA-256, and in memory the entity):
  // each RecipientInfo may wrap another content key, so a later open
  // that gives other content (a RecipientInfo added to someone else's
  // AES-CBC mail, its key chosen until the padding passes) must not get
  // the first one's plaintext: that recipient gets it as it came.
  std::optional<std::string> entity, digest;
  std::shared_ptr<ByteSpool> spooled;
  std::vector<store::AuditRecord> audit;  // into run.audit once known
  for (const auto& r : run.in.recipients) {
    std::optional<std::string> id;
    if (IsInternal(r.address)) {
      // Each open checked with the recipient's own key; the first that
      // opens gives the plain message.
      Result<std::optional<std::string>> decrypted =
          std::optional<std::string>();
      bool same = true;
      std::string sha256;  // of what this open gave, both ways
      if (run.streamed) {
        decrypted =
            DecryptSpooledFor(run, r.address, outer,
                              spooled == nullptr ? &spooled : nullptr, &sha256);
      } else {
        auto d = options_.certificates->DecryptFor(r.address, run.smime_der);
        if (!d.ok()) {
          decrypted = d.status();
        } else if (*d) {
          sha256 = crypto::Sha256((*d)->content);
          if (!entity) entity = std::move((*d)->content);
          decrypted =
              std::optional<std::string>(std::move((*d)->certificate_id));
        }
      }
      if (decrypted.ok() && *decrypted) {
        if (!digest) digest = sha256;
        same = sha256 == *digest;
      }
      // Content that does not open with the recipient's key (damaged, or
      // a key on file that is not the certificate's) is delivered as it
      // came, as mail none of the keys opens: the recipient's own client
      // answers for it, nothing is lost.
      if (!decrypted.ok() && crypto::IsDecryptionFailed(decrypted.status())) {
        log::Warn("s/mime: {} does not open for {}: delivered as it came",
                  run.in.id, r.address);
      } else if (decrypted.ok() && !same) {
        log::Warn(
            "s/mime: {} opens for {} to other content than the decrypted "
            "copy's (a RecipientInfo with another content key): delivered "
            "as it came",
            run.in.id, r.address);
      } else {
        if (!decrypted.ok() &&
            decrypted.status().code() == StatusCode::kInternal) {
          // Every recipient's copy waits (451) until it is fixed: said
          // as an error, with what to do (a key on file that is not its
          // certificate's says which and how).
          log::Error(
              "s/mime: {} deferred (451) for all its recipients: {} "
              "(opening for {})",
              run.in.id, decrypted.status().message(), r.address);
        }
        SP_RETURN_IF_ERROR(decrypted.status());
        id = std::move(*decrypted);
      }
    }
    if (!id) {
      rest.push_back(r.address);
      continue;
    }
    opened.push_back(r.address);
    audit.push_back(
        {0, clock_.NowUnix(), "system", "smime.decrypt", run.in.id, "ok",
         r.address + ": private key of certificate " + id->substr(0, 16)});
  }
  if (opened.empty()) return std::optional<Outcome>();
  queue::IncomingMessage plain = run.in;
  plain.id = run.in.id + "-d";
  plain.recipients = run.Recipients(opened);
  plain.params.ret = "HDRS";  // a bounce must not carry it back in clear
  // A streamed run's parts are staged as they are made, as its own would
  // be (the stager reads each from its spool into its body file).
  const Stager* stage = run.streamed ? run.stage : nullptr;
  // The parts make no journal report (Process with may_decrypt false):
  // this run's report reads their staged copies back (AddJournalReport
  // below), so they stream and stage even while a journal rule is enabled.
  const bool stage_early = run.streamed && run.read_staged != nullptr;
  if (run.streamed) {
    plain.content.clear();
    plain.spool = std::move(spooled);
  } else {
    plain.content = outer + *entity;
  }
  SP_ASSIGN_OR_RETURN(Outcome out,
                      Process(plain, nullptr, /*may_decrypt=*/false, stage,
                              /*read_staged=*/nullptr, stage_early));
  out.notes.insert(out.notes.begin(),
                   "s/mime: decrypted for " + JoinAddresses(opened));
  if (!rest.empty()) {
    queue::IncomingMessage as_is = run.in;
    as_is.recipients = run.Recipients(rest);
    Result<Outcome> other =
        Process(as_is, nullptr, /*may_decrypt=*/false, stage,
                /*read_staged=*/nullptr, stage_early);
    if (!other.ok()) {
      // Nothing of this run commits.
      queue::DiscardStagedBodies(store_, out.messages);
      return other.status();
    }
    for (auto& m : other->messages) out.messages.push_back(std::move(m));
    for (auto& n : other->notes) out.notes.push_back(std::move(n));
  }
  // One journal report for the message (its parts journal none): as
  // received, with the decrypted copy when JournalReportDecryptionEnabled
  // (docs/compliance.md). Its messages are the run's now, discarded with
  // it if the report fails.
  run.out = std::move(out);
  if (run.streamed) {
    run.smime_plain_spool = plain.spool;
  } else {
    run.smime_plain = plain.content;
  }
  Status journaled = AddJournalReport(run);
  // `plain` goes with this call: neither view nor spool outlives it.
  run.smime_plain = std::string_view();
  run.smime_plain_spool.reset();
  SP_RETURN_IF_ERROR(journaled);
  // The opens are audited with the outcome (Process commits the run's
  // records with its first message): a message refused after them (451)
  // leaves none, and its retries add none.
  for (auto& a : audit) run.audit.push_back(std::move(a));
  return std::optional<Outcome>(std::move(run.out));
}

Result<std::optional<std::string>> Protector::DecryptSpooledFor(
    const Run& run, std::string_view address, std::string_view outer,
    std::shared_ptr<ByteSpool>* into, std::string* sha256) const {
  // The spool as it came (the fields InspectSpooled parsed, reserved ones
  // included), parsed again: the content is what EnvelopedInSpool found
  // to be EnvelopedData, decoded the same way.
  SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> message,
                      OpenSpooled(*run.in.spool, std::string(), 0));
  mime::ParsedMessage parsed(std::move(message));
  SP_RETURN_IF_ERROR(SpoolReadBack(parsed));
  if (parsed.headers_over_limit()) {
    // Within the header budget when InspectSpooled parsed it: a spool
    // that no longer reads as it did (451), never a content opened from
    // part of a parse.
    return SpoolFileError(mime::HeadersOverLimitError());
  }
  Result<std::unique_ptr<ByteSource>> der = mime::OpenTopLevelContent(parsed);
  if (!der.ok()) {  // it was a leaf when EnvelopedInSpool read it
    return SpoolFileError(der.status());
  }
  // Made at the first decrypted byte; let go (its file with it) unless
  // the whole content opened: an AES-GCM content is not the content
  // until its tag is checked at the end.
  std::unique_ptr<queue::SpoolFile> plain;
  auto start = [&]() -> Status {
    SP_ASSIGN_OR_RETURN(
        plain, queue::SpoolFile::Create(
                   options_.spool_dir,
                   "s/mime: writing the decrypted copy of " + run.in.id));
    return plain->Append(outer);
  };
  crypto::Sha256Hasher hasher;
  auto out = [&](std::string_view bytes) -> Status {
    hasher.Update(bytes);
    if (into == nullptr) return Status::Ok();
    if (plain == nullptr) SP_RETURN_IF_ERROR(start());
    return plain->Append(bytes);
  };
  Result<std::optional<std::string>> id =
      options_.certificates->DecryptStreamFor(address, **der, out);
  // A spool that does not read back is no verdict on the content (not a
  // key that does not open it: delivered as it came), whatever the
  // decryption made of it.
  SP_RETURN_IF_ERROR(SpoolReadBack(parsed));
  if (id.status().code() == StatusCode::kDataLoss) {
    // The source read back, yet its content did not (GMime's stream over
    // it failed: OpenTopLevelContent's only fault of its own): the spool
    // side, 451.
    return SpoolFileError(id.status());
  }
  SP_RETURN_IF_ERROR(id.status());
  *sha256 = hasher.Finish();
  if (*id && into != nullptr) {
    if (plain == nullptr) SP_RETURN_IF_ERROR(start());  // an empty entity
    SP_RETURN_IF_ERROR(plain->Finish());
    *into = std::move(plain);
  }
  return id;
}

std::string Protector::OrgSender(const Run& run) const {
  bool trusted = run.composed != nullptr ? run.composed->writer_internal
                                         : run.in.trusted_sender;
  // Portal mail's writer, never its owner: a forward is owned by the
  // original's sender, whose key must not sign what the forwarder wrote.
  std::string sender = AsciiLower(
      run.composed != nullptr ? run.composed->Writer() : run.in.Sender());
  return trusted && IsInternal(sender) ? sender : std::string();
}

std::optional<smime::SigningIdentity> Protector::SignerFor(Run& run) {
  std::string sender = OrgSender(run);
  Result<smime::SigningIdentity> signer =
      options_.certificates == nullptr
          ? NotFoundError("no S/MIME certificates are configured")
      : sender.empty()
          ? NotFoundError("the sender is not one of the organisation's")
          : options_.certificates->SigningIdentityFor(
                sender, SmimeOptionsFor(run).chain);
  if (!signer.ok()) {
    // Signing proves who wrote; without a key the mail goes unsigned
    // (its confidentiality is not at stake), and the trace says so.
    run.out.notes.push_back("not signed: " + signer.status().message());
    Audit(run, "smime.sign", "skipped", signer.status().message());
    return std::nullopt;
  }
  Audit(run, "smime.sign", "ok",
        sender + ": certificate " + signer->id.substr(0, 16));
  return std::move(*signer);
}

const smime::SmimeOptions& Protector::SmimeOptionsFor(Run& run) {
  if (!run.smime_options) {
    // The directory keeps them with its trust material (dropped when
    // they change).
    Result<smime::SmimeOptions> options = smime::SmimeConfig().Options();
    if (options_.certificates != nullptr) {
      options = options_.certificates->Options();
    } else if (auto config = smime::SmimeConfig::Load(store_); config.ok()) {
      options = config->Options();
    } else {
      options = config.status();
    }
    if (!options.ok()) {
      log::Warn("s/mime: settings not read, using the defaults: {}",
                options.status().message());
    }
    run.smime_options =
        options.ok() ? *options : smime::SmimeConfig().Options();
  }
  return *run.smime_options;
}

}  // namespace sealpost::protect
