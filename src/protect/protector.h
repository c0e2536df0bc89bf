// Protector: the mail flow's protection stage (SPEC §3: policy → per-
// recipient plan → protect / wrapper), between SMTP acceptance and the
// queue. For each accepted message it extracts the facts, runs the mail
// flow rules and the sender's own choice ([encrypt] in the subject, or
// X-Sealpost-Template), and turns the message into one outgoing message per
// treatment group: delivered as is, or sealed (the original bytes exactly as
// received) inside a branded wrapper mail. Recipients a rule rejects get a
// DSN. When protection is required but cannot be applied the whole message
// is refused with a temporary error: never sent in clear.
//
// Nothing a client writes is trusted as a fact: a message counts as already
// protected only when its wrapper seal verifies with an org key (or its
// S/MIME part really is CMS EnvelopedData), X-Sealpost-* fields from clients
// are removed, and "remove protection" decrypts only a container that
// travels in the mail, for the recipients its license grants.
//
// Thread-safety: thread-safe; it holds no mutable state of its own.
#ifndef SEALPOST_PROTECT_PROTECTOR_H_
#define SEALPOST_PROTECT_PROTECTOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_source.h"
#include "base/byte_spool.h"
#include "base/clock.h"
#include "base/status.h"
#include "branding/branding.h"
#include "license/directory.h"
#include "license/license_service.h"
#include "license/templates.h"
#include "mime/parsed_message.h"
#include "mime/wrapper.h"
#include "policy/rule_store.h"
#include "policy/sender_choice.h"
#include "protect/smime_treatment.h"
#include "queue/queue.h"
#include "search/indexer.h"
#include "smime/certificate_directory.h"
#include "smime/signature_check.h"

namespace sealpost::protect {

struct ProtectorOptions {
  std::vector<std::string> accepted_domains;  // the organisation's domains
  std::string portal_url;                     // links in wrapper mails
  std::string hostname;                       // DSN Reporting-MTA
  policy::SenderChoiceConfig sender_choice;
  // S/MIME certificates on file (null: none): the fallback ladder's first
  // rung for external recipients (smime_treatment.h, docs/smime.md).
  // Not owned: must outlive the protector.
  smime::CertificateDirectory* certificates = nullptr;
  bool smime_prefer_when_certificate = true;  // smime.prefer_when_certificate
  bool smime_harvest = true;                  // smime.harvest
  bool smime_decrypt_inbound = false;         // smime.decrypt_inbound
  // The eDiscovery index (null: messages are not indexed when protected):
  // each protected message's terms commit with its record. Not owned: must
  // outlive the protector.
  search::Indexer* indexer = nullptr;
  // Where the check of a large signed message from outside spools its
  // signed part, and smime.decrypt_inbound a large message's decrypted
  // copy (encrypted, unnamed; "" = /tmp): the data directory's spool/,
  // which start-up empties of what a crash left.
  std::string spool_dir;
};

// A message written in the portal (reply, forward, new message). It goes
// through the same mail flow rules as SMTP mail (reject, require TLS, a
// rule's template wins), and whatever no rule protects is protected with
// `template_name`: the portal never sends in clear. A forward (`parent_id`)
// stays in the portal: it never takes the ladder's S/MIME rung, and a
// recipient a `--require-smime` rule covers is refused (docs/smime.md).
struct ComposedMail {
  // Owns the protected messages (the license record): a forward's is the
  // original's owner, never the forwarder.
  std::string owner;
  // Who wrote it, the signed-in user or reader ("": `owner`): the sender
  // the rules and journal reports see, and for S/MIME the one whose key
  // signs and whose certificate each copy is encrypted to.
  std::string writer;
  std::string envelope_from;     // SMTP reverse-path (ours for outside writers)
  bool writer_internal = false;  // an org user wrote it
  std::vector<std::string> recipients;
  std::string template_name;
  std::string branding;      // OME branding identity; empty: the default
  std::string parent_id;     // a forward: the message it forwards
  int64_t expires_at = 0;    // a forward: the original's expiry (0: none)
  std::string message;       // RFC 5322 bytes
  bool require_pin = false;  // a PIN for this message (the compose page)

  const std::string& Writer() const { return writer.empty() ? owner : writer; }
};

// What happened to one message, for the trace and the SMTP reply.
struct Outcome {
  std::vector<queue::IncomingMessage> messages;  // to queue (DSNs included)
  std::vector<std::string> notes;  // "r1: protect bob@… Encrypt"
};

class Protector {
 public:
  Protector(license::LicenseService& licenses, license::Directory& directory,
            license::TemplateStore& templates, branding::BrandingStore& brands,
            policy::RuleStore& rules, store::Store& store, const Clock& clock,
            ProtectorOptions options)
      : licenses_(licenses),
        directory_(directory),
        templates_(templates),
        brands_(brands),
        rules_(rules),
        store_(store),
        clock_(clock),
        options_(std::move(options)) {}

  // Errors for the SMTP reply: UNAVAILABLE/FAILED_PRECONDITION/INTERNAL →
  // 451 (try again later); PERMISSION_DENIED → 550 5.7.1 with the message
  // (every recipient rejected, or an unknown template asked by the sender).
  // `stage` (the queue's Acceptor::Stage), when set, is given each outgoing
  // message as soon as the stage has made it, so that a large one goes to
  // its body file before the next treatment group is sealed (issue 14).
  // `read_staged` (the queue's Acceptor::OpenStaged) reads a staged
  // message back: with it, a journal report attaches a staged protected
  // copy from its body file, and is staged itself (issue 14); without it,
  // nothing is staged early while a journal rule is enabled.
  using Stager = std::function<Status(queue::IncomingMessage&)>;
  using StagedReader = std::function<Result<std::unique_ptr<ByteSource>>(
      const queue::IncomingMessage&)>;
  Result<Outcome> Apply(const queue::IncomingMessage& in,
                        const Stager& stage = nullptr,
                        const StagedReader& read_staged = nullptr);

  // The outgoing messages of a portal-written message. PERMISSION_DENIED
  // with the rule's text when a rule rejects a recipient.
  Result<std::vector<queue::IncomingMessage>> ProtectComposed(
      const ComposedMail& mail);

  bool IsInternal(std::string_view address) const;

 private:
  struct Run;  // one message on its way through (protector.cc)
  struct SealSpec {
    std::string owner;
    std::string template_name;
    std::string branding;
    std::vector<std::string> addresses;
    bool internal = false;
    std::string parent_id;
    std::string writer;  // a forward's writer (its owner's own, too)
    int64_t expires_at = 0;
    std::optional<std::string> subject;  // the wrapper's, if not the original's
    std::string shown_subject;  // as recipients see it: kept for the owner
    bool require_pin = false;   // the sender's PIN for this message
  };

  // `may_decrypt`: false for what DecryptInbound hands back. It has two
  // effects: the run does not decrypt again (once only), and it makes no
  // journal report: the run that decrypted makes the one report for the
  // whole message (AddJournalReport in DecryptInbound). `stage_early`:
  // what it hands back goes to its body files as it is made whatever the
  // journal rules, the decrypting run's report reading it back from them.
  Result<Outcome> Process(const queue::IncomingMessage& in,
                          const ComposedMail* composed, bool may_decrypt = true,
                          const Stager* stage = nullptr,
                          const StagedReader* read_staged = nullptr,
                          bool stage_early = false);
  // Whether the run's outgoing messages may go to their body files as they
  // are made: large mail, and either a staged message can be read back for
  // a journal report (`read_staged`, or the decrypting run's: `stage_early`)
  // or no journal rule is enabled.
  bool StagesEarly(const Run& run);
  Result<Outcome> ProcessRun(Run& run, bool may_decrypt);
  // An audit record of what the run decided: it commits with the first
  // message the run queues (queue::IncomingMessage::audit), in the queue's
  // group commit, so the 250 waits for no fsync of its own; when the run
  // queues nothing it is written at once (best effort).
  void Audit(Run& run, std::string action, std::string result,
             std::string detail);
  // smime.decrypt_inbound: S/MIME mail that the key on file of one or more
  // of our recipients opens is processed again, decrypted, for them (and as
  // is for the others); nullopt when no key opens it. A streamed run's is
  // decrypted from its spool into another (DecryptSpooledFor), never whole
  // in memory (issue 14).
  Result<std::optional<Outcome>> DecryptInbound(Run& run);
  // One recipient's open of a streamed run's EnvelopedData, its content
  // read from the spool through a parse of it, decoded as EnvelopedInSpool
  // read it (CertificateDirectory::DecryptStreamFor, the key rule of
  // DecryptFor): the id of the certificate whose key opened
  // it, nullopt when no key on file for `address` does. With `into`, the
  // plain message (`outer`, then the decrypted entity) is written into a
  // new encrypted spool file there, kept only when it opened; without, the
  // content is checked and thrown away. DecryptionFailedError() when it
  // does not open; INTERNAL when the spool does not read back. *sha256:
  // the SHA-256 of the decrypted entity (each RecipientInfo may wrap
  // another content key: DecryptInbound compares the opens).
  Result<std::optional<std::string>> DecryptSpooledFor(
      const Run& run, std::string_view address, std::string_view outer,
      std::shared_ptr<ByteSpool>* into, std::string* sha256) const;
  // The message's facts, from the client's bytes, or from a GMime parse
  // over its spool file for a large message (InspectSpooled); INTERNAL
  // when the spool does not read back intact.
  Status Inspect(Run& run);
  void InspectBytes(Run& run, std::string_view client_bytes);
  // The streamed path's Inspect: false (nothing set) when the message is
  // to be read whole instead: a header section longer than the run's
  // head (never from SMTP, which refuses it: smtp.max_header_bytes), a
  // parse the spool could not give (read back too often), a journal rule
  // enabled, or a store that keeps bodies in its rows.
  Result<bool> InspectSpooled(Run& run);
  // For a large message with an X-Sealpost-Protected field: run.wrapper
  // when its seal verifies over the body read from the spool (the seal
  // covers `header`, the spool's header section, its first `header_size`
  // bytes, and its body's digest). INTERNAL when the spool does not read
  // back; a seal that does not verify is not an error.
  Status VerifySpooledWrapper(Run& run, std::string_view header,
                              size_t header_size);
  // For a large message whose top-level part claims S/MIME encryption:
  // whether its content, as GMime decodes it in memory (any transfer
  // encoding, the body GMime found), read through `parsed`, the parse
  // over the spool, is CMS EnvelopedData (crypto::IsCmsEnvelopedDataStream:
  // the verdict of crypto::IsCmsEnvelopedData in memory). INTERNAL when
  // the spool does not read back.
  static Result<bool> EnvelopedInSpool(const mime::ParsedMessage& parsed);
  // OK, or the fault of the spool a parse reads (`parsed.source_status()`)
  // as INTERNAL: the client's 451, whatever code the reader gave it.
  static Status SpoolReadBack(const mime::ParsedMessage& parsed);
  // Reads a streamed run's message whole into run.loaded, and makes it an
  // ordinary run (run.original).
  Status LoadWhole(Run& run);
  // A streamed run's message from its first byte, after `prefix`.
  Result<std::unique_ptr<ByteSource>> OpenOriginal(const Run& run,
                                                   std::string prefix) const;
  // TransportDecryptionSetting Optional or Mandatory: opens the container
  // of the organisation's protected mail for the rules, on behalf of the
  // recipients its license grants (protector_inspect.cc). A refusal
  // (LicenseService::IsTransportRefusal) leaves the message uninspected;
  // any other error, such as an audit record that cannot be written, is
  // returned (a 451).
  Status InspectProtected(Run& run);
  // Its release for a streamed run's verified wrapper (issue 14): the
  // container found in the spool and decoded as it is read, its plaintext
  // written to a spool file of its own (Run::Inspection::plain_spool),
  // the facts read from there; never the message whole in memory. The
  // spool's own failures (a file that does not read back, a full disk)
  // are returned (451, or 452 for a full disk), the release's outcome
  // kept as InspectProtected's.
  Status InspectSpooledWrapper(Run& run,
                               const std::vector<std::string>& addresses);
  // What a streamed run's verified wrapper released (ReleaseSpooledWrapper).
  struct SpooledRelease {
    // False when no container travels in the mail; `released` says why,
    // as mime::ExtractSealedAttachment would.
    bool carried = false;
    Result<license::TransportDecryption> released =
        InternalError("nothing released");
    // The plaintext, finished: none when nothing was released or the
    // original is empty.
    std::shared_ptr<ByteSpool> plain;
  };
  // A release of a container read a slice at a time, its plaintext given
  // to `plain` and made whole by `plain_done` before the release is
  // recorded (LicenseService::TransportInspectStreamed,
  // TransportDecryptStreamed).
  using ReleaseFrom = std::function<Result<license::TransportDecryption>(
      const std::function<Result<size_t>(size_t, std::string*)>& read,
      const std::function<Status(std::string_view)>& plain,
      const std::function<Status()>& plain_done)>;
  // The container of a streamed run's verified wrapper found in the spool
  // and decoded as it is read, opened by `release` into a spool file of
  // its own (`what` names it in the log), never the message whole in
  // memory (issue 14). The spools' own failures (a file that does not read
  // back, a full disk) are returned (451, or 452 for a full disk); the
  // release's outcome is kept in SpooledRelease::released.
  Result<SpooledRelease> ReleaseSpooledWrapper(const Run& run, std::string what,
                                               const ReleaseFrom& release);
  // TransportInspect's outcome for the run: true when it opened the
  // wrapper's own container (the release refuses another; the granted
  // recipients and message id kept); false with the reason of a refusal
  // (LicenseService::IsTransportRefusal); any other error returned, to try
  // again later (451).
  Result<bool> TakeRelease(Run& run,
                           Result<license::TransportDecryption> opened);
  // The rules' plan: for recipients granted the inspection the rules read
  // the decrypted subject, body and attachments; for the others the mail
  // as it travels.
  policy::Plan EvaluateRules(const policy::RuleSet& rules, const Run& run,
                             const policy::MessageFacts& facts) const;
  // Mandatory: every recipient for whom the mail could not be inspected
  // is rejected (RFC 3463 5.7.5), naming the reason.
  void RejectUninspected(Run& run, policy::Plan& plan) const;
  // The trace's word on each copy of an inspected (or uninspected) message.
  void LabelInspection(Run& run) const;
  Result<policy::MessageFacts> FactsOf(const Run& run);
  Result<policy::Plan> PlanFor(Run& run, const policy::MessageFacts& facts);
  Status TreatGroup(Run& run, const policy::RecipientGroup& group);
  // A rule's remove-protection (protector_remove.cc): the original for
  // the recipients its license grants, the wrapper as it came for the
  // others; a streamed run's from its spool files. Still protected only
  // after a refusal (LicenseService::IsTransportRefusal); any other error
  // (the release's record not written, the store, the spools) returned
  // (451).
  Status RemoveProtection(Run& run, const policy::RecipientGroup& group,
                          queue::IncomingMessage msg);
  // `m`'s content: the mail as it came, with the group's added header
  // fields in front; a streamed run's read from its spool by the queue
  // (Acceptor::Stage), another's in memory.
  Status CopyAsItCame(const Run& run, const policy::RecipientGroup& group,
                      queue::IncomingMessage& m) const;
  Status ProtectGroup(Run& run, const policy::RecipientGroup& group,
                      queue::IncomingMessage msg);
  // The S/MIME copies of a group (smime_treatment.h); returns the
  // addresses left for the portal wrapper.
  Result<std::vector<std::string>> SmimeRung(
      Run& run, const policy::RecipientGroup& group);
  // SmimeRung for a portal forward: every address left for the portal
  // wrapper (noted and audited), or under `--require-smime` refused.
  std::vector<std::string> KeepForwardInPortal(
      Run& run, const policy::RecipientGroup& group);
  // A streamed run's S/MIME copies (PlanSmimeGroupStream): each made from
  // the spool as the queue reads it, never whole in memory (issue 14).
  Result<SmimeGroupPlan> StreamedSmimeGroup(
      Run& run, const policy::RecipientGroup& group,
      const std::optional<std::string>& subject,
      const smime::SigningIdentity* signer, const smime::SmimeOptions& options);
  // Under a `sign` rule, the copy of `msg` signed by the sender's key:
  // a streamed run's made from the spool as the queue reads it
  // (msg.content_source, the group's added fields in front), another's in
  // *signed_mail (SignMail); false when the sender has no key to sign.
  Result<bool> SignedCopy(Run& run, const policy::RecipientGroup& group,
                          queue::IncomingMessage& msg,
                          std::string* signed_mail);
  // The organisation's sender of the message ("" for none): the sender
  // whose certificate joins S/MIME copies and whose key signs (portal
  // mail's writer, ComposedMail::Writer, never its owner).
  std::string OrgSender(const Run& run) const;
  // Checks a signed message from outside and adds X-Sealpost-Smime with
  // the verdict to every recipient's copy (smime/signature_check.h); a
  // verified signer's certificate is harvested (smime.harvest). A
  // streamed run's is checked from the spool (smime::CheckSignatureStream,
  // the same verdict), never read whole.
  void StampSignature(Run& run, const policy::MessageFacts& facts,
                      policy::Plan& plan);
  // Keeps a verified signer's certificate on file, audited.
  void Harvest(Run& run, const smime::SignatureCheck& check);
  // The sender's signing identity for a `sign` group, or nullopt (noted
  // and audited: no key on file, not an organisation's sender).
  std::optional<smime::SigningIdentity> SignerFor(Run& run);
  // The S/MIME settings (Set-SmimeConfig), loaded once per message; the
  // defaults when they cannot be read (logged).
  const smime::SmimeOptions& SmimeOptionsFor(Run& run);
  void AddRejectionDsn(Run& run);
  // Gives a newly protected message its eDiscovery index terms.
  void IndexProtected(Run& run, store::NewProtectedMessage& record);
  // The envelope journal report of the message, when an enabled journal
  // rule matches (journal.h, docs/compliance.md).
  Status AddJournalReport(Run& run);

  // Seals `original` for spec.addresses (keeping a portal copy) and builds
  // the branded, sealed wrapper mail; the protected message's rows go to
  // `records` (to commit with the wrapper), `note` gets "<template> as <id>".
  Result<std::string> SealAndWrap(
      const SealSpec& spec, std::string_view original,
      std::string_view envelope_from,
      std::vector<store::NewProtectedMessage>* records, std::string* note);

  // SealAndWrap for a streamed run: the container sealed from the spool
  // straight into the portal copy's body file, and the wrapper (with
  // `added` header fields in front) made a slice at a time as the queue
  // reads it into its own body file (msg->content_source).
  Status SealAndWrapStreamed(const SealSpec& spec, Run& run,
                             const std::vector<policy::Header>& added,
                             queue::IncomingMessage* msg, std::string* note);
  // The request and the wrapper's options SealAndWrap and
  // SealAndWrapStreamed share.
  Result<license::ProtectRequest> ProtectRequestFor(
      const SealSpec& spec, branding::Branding* brand) const;
  mime::WrapperOptions WrapOptionsFor(const SealSpec& spec,
                                      const branding::Branding& brand,
                                      const license::ProtectResult& sealed,
                                      std::string_view envelope_from) const;

  // Not owned (references and pointers below): must outlive this object.
  license::LicenseService& licenses_;
  license::Directory& directory_;
  license::TemplateStore& templates_;
  branding::BrandingStore& brands_;
  policy::RuleStore& rules_;
  store::Store& store_;
  const Clock& clock_;
  const ProtectorOptions options_;
};

}  // namespace sealpost::protect

#endif  // SEALPOST_PROTECT_PROTECTOR_H_
