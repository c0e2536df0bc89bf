// The protection stage's state for one message, shared by the translation
// units of Protector (protector.cc, protector_smime.cc). Internal to
// protect/.
//
// Thread-safety: a Run belongs to one call of Protector::Process.
#ifndef SEALPOST_PROTECT_PROTECTOR_RUN_H_
#define SEALPOST_PROTECT_PROTECTOR_RUN_H_

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_spool.h"
#include "base/limits.h"
#include "base/strings.h"
#include "mime/facts.h"
#include "mime/header_section.h"
#include "mime/parsed_message.h"
#include "policy/message_facts.h"
#include "protect/protector.h"
#include "queue/dsn.h"
#include "smime/smime_config.h"

namespace sealpost::protect {

// RFC 3463 X.7.5 (cryptographic failure): protected mail that
// TransportDecryptionSetting Mandatory needs decrypted, and cannot be.
inline constexpr std::string_view kUndecryptableStatus = "5.7.5";

// What a streamed run keeps of its message's first bytes (Run::head): its
// header section and what the eDiscovery index reads of a
// large message, as the API does (api/protect_api.cc). Defined in
// base/limits.h, where it bounds smtp.max_header_bytes: SMTP never brings
// a header section longer than this.
inline constexpr size_t kStreamedHead = static_cast<size_t>(kStreamedHeadBytes);

// "a@x,b@y", for the notes.
inline std::string JoinAddresses(const std::vector<std::string>& addresses) {
  std::string out;
  for (const auto& a : addresses) out += (out.empty() ? "" : ",") + a;
  return out;
}

// The header fields of `headers`, CRLF-ended, to go in front of a message.
inline std::string HeaderFields(const std::vector<policy::Header>& headers) {
  std::string out;
  for (const auto& h : headers) out += h.name + ": " + h.value + "\r\n";
  return out;
}

// The same in front of the message that begins with `head`: followed by
// an empty line when GMime reads no header section in it (its first line
// is no field), so that the fields after such a line, which the rules
// never saw, stay body for every reader after us (issue 14). The same
// decision as GMime's for lines up to mime::kMaxHeaderLine, the longest
// the SMTP server lets into a header region.
inline std::string FieldsInFront(const std::vector<policy::Header>& headers,
                                 std::string_view head) {
  std::string fields = HeaderFields(headers);
  if (!fields.empty()) fields += mime::SeparatorAfterAddedFields(head);
  return fields;
}

// The rules' view of a message's files (`facts`' attachments, whether it
// has any, and whether the list is whole) from what was read of it: the
// mail as it travels, or the content inspection decrypted.
inline void SetFiles(const mime::MailFacts& mail, policy::MessageFacts& facts) {
  facts.attachments.clear();
  for (const auto& a : mail.attachments) {
    facts.attachments.push_back({a.name, a.size, a.other_name});
  }
  facts.has_attachment = !facts.attachments.empty();
  facts.attachments_incomplete = mail.attachments_incomplete;
}

inline std::string AddHeaders(std::string_view body,
                              const std::vector<policy::Header>& headers) {
  std::string out = FieldsInFront(headers, body);
  out.reserve(out.size() + body.size());
  out += body;
  return out;
}

// The same for a message that is ours to change: no second copy of it.
inline std::string AddHeaders(std::string&& body,
                              const std::vector<policy::Header>& headers) {
  body.insert(0, FieldsInFront(headers, body));
  return std::move(body);
}

// One message on its way through the protection stage. Not owned (the
// references, pointers and views below): the caller's message, mail and
// stager, which outlive the run.
struct Protector::Run {
  const queue::IncomingMessage& in;
  const ComposedMail* composed;               // null for SMTP mail
  const Stager* stage = nullptr;              // Apply's, if any
  const StagedReader* read_staged = nullptr;  // Apply's, if any
  // A part DecryptInbound hands back whose journal report (the decrypting
  // run's) reads its staged copies back: it stages early (StagesEarly).
  bool stage_early = false;
  // The client's bytes without the X-Sealpost-* fields it may not write
  // (`stripped` holds them only when there were such fields to remove).
  std::string_view original;
  std::string stripped;
  // The original's size in bytes (streamed or not).
  int64_t size = 0;
  // A large message from SMTP that stays in its spool file (in.spool;
  // issue 14): `original` is empty, and each step that reads the message
  // reads it from the spool a slice at a time (Protector::OpenOriginal):
  // the spool's bytes with its first `skip` bytes replaced by
  // `head_fields` (its header section without the reserved fields, when
  // it had some). `head` is its first bytes (up to kStreamedHead): the
  // header section, and what the eDiscovery index reads of it. A step that
  // needs the message in memory (S/MIME, signing, a signature check; a
  // journal report only without `read_staged`) reads it
  // whole into `loaded` first (Protector::LoadWhole), and the run goes on
  // as for a small message.
  bool streamed = false;
  std::string head;
  std::string head_fields;
  int64_t skip = 0;
  // Where the body starts in what OpenOriginal reads (and in `head`): as
  // InspectBytes splits the message once the reserved fields are removed
  // (mime::SplitHeaderSection of `head`: at the empty line, or at a line
  // that is no field), the split the S/MIME copies and checks read.
  size_t body_at = 0;
  std::string loaded;
  // The size of what OpenOriginal reads: the spool with its first `skip`
  // bytes replaced by `head_fields`.
  int64_t SpooledSize() const {
    return in.spool->size() - skip + static_cast<int64_t>(head_fields.size());
  }
  // The client's bytes parsed once (Inspect): the facts come from it, and
  // so do the index terms when `original` is those bytes (IndexProtected).
  std::optional<mime::ParsedMessage> parsed;
  // The spooled parse (InspectSpooled) found its parts' header fields over
  // the parse's budget: refused, never read whole.
  bool headers_over_limit = false;
  mime::MailFacts mail;
  // Checked, not claimed: a wrapper whose seal verifies with an org key.
  std::optional<sealed::ProtectedMarker> wrapper;
  bool smime_encrypted = false;  // the part really is CMS EnvelopedData
  // Transport decryption for inspection (TransportDecryptionSetting not
  // Disabled, protector_inspect.cc): set for SMTP mail that claims the
  // organisation's protection.
  struct Inspection {
    bool mandatory = false;
    std::string message_id;  // the container's, once opened
    // Its original, in memory only, or for a streamed run in a spool file
    // of its own (Protector::InspectSpooledWrapper): the rules read it,
    // nothing stores it (but a journal report's decrypted copy).
    std::string plain;
    std::shared_ptr<ByteSpool> plain_spool;
    mime::MailFacts facts;             // of `plain` (or `plain_spool`)
    std::vector<std::string> granted;  // lower case: the rules read it for them
    std::string reason;                // why not, for the others
    bool Granted(std::string_view address) const {
      return std::find(granted.begin(), granted.end(), AsciiLower(address)) !=
             granted.end();
    }
    // Opened, yet not to be inspected after all: the rules read none of
    // it (Mandatory rejects, as for what cannot be opened), and nothing of
    // it is kept (no journal report's decrypted copy either).
    void Withdraw(std::string why) {
      granted.clear();
      std::string().swap(plain);  // its memory too, not only its size
      plain_spool.reset();
      facts = mime::MailFacts{};
      reason = std::move(why);
    }
  };
  std::optional<Inspection> inspection;
  // That part, kept for smime.decrypt_inbound (a streamed run's is read
  // from its spool instead: Protector::DecryptSpooledFor).
  std::string smime_der;
  // What smime.decrypt_inbound opened of it (DecryptInbound): the journal
  // report's decrypted copy, in memory, or for a streamed run in its
  // spool file.
  std::string_view smime_plain;
  std::shared_ptr<ByteSpool> smime_plain_spool;
  policy::SenderChoice choice;
  bool require_pin = false;  // X-Sealpost-Pin-Required, or the compose page
  std::string subject;       // decoded; the wrapper's without the keyword
  // The eDiscovery index terms of `original`, made at the first protection
  // of the run and shared by every protected copy of it.
  std::optional<std::vector<int64_t>> index_terms;
  std::vector<queue::DsnRecipient> rejected;
  std::vector<store::AuditRecord> audit;  // Protector::Audit
  // Set-SmimeConfig, read once per message when S/MIME is at stake.
  std::optional<smime::SmimeOptions> smime_options;
  Outcome out;
  int part = 0;

  queue::IncomingMessage NewMessage(
      const std::vector<queue::DeliveryRecipient>& recipients) {
    queue::IncomingMessage msg;
    msg.id = composed != nullptr
                 ? queue::NewQueueId()
                 : in.id + (part == 0 ? "" : "-" + std::to_string(part));
    ++part;
    msg.mail_from = in.mail_from;
    msg.params = in.params;
    msg.helo = in.helo;
    msg.client = in.client;
    msg.proxy = in.proxy;
    msg.tls = in.tls;
    msg.received = in.received;
    msg.recipients = recipients;
    return msg;
  }
  // NewMessage for `addresses` of group `g`, with the group's require_tls
  // (a rule's --require-tls) on it.
  queue::IncomingMessage GroupMessage(
      const policy::RecipientGroup& g,
      const std::vector<std::string>& addresses) {
    queue::IncomingMessage msg = NewMessage(Recipients(addresses));
    msg.params.require_tls = msg.params.require_tls || g.require_tls;
    return msg;
  }
  // The envelope recipients among `addresses`, with their DSN parameters.
  std::vector<queue::DeliveryRecipient> Recipients(
      const std::vector<std::string>& addresses) const {
    std::vector<queue::DeliveryRecipient> rs;
    for (const auto& a : addresses) {
      for (const auto& r : in.recipients) {
        if (AsciiLower(r.address) == AsciiLower(a)) rs.push_back(r);
      }
    }
    return rs;
  }
};

}  // namespace sealpost::protect

#endif  // SEALPOST_PROTECT_PROTECTOR_RUN_H_
