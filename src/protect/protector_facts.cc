// What the protection stage reads of a message before it plans anything:
// its facts for the mail flow rules (Protector::Inspect), from the bytes
// in memory or, for a large message that arrived into a spool file, from
// one GMime parse over the spool (issue 14: never read whole), with the
// fall-back that reads it whole when a step needs the bytes.
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/byte_spool.h"
#include "base/log.h"
#include "base/prefixed_source.h"
#include "base/strings.h"
#include "crypto/cms.h"
#include "crypto/smime_cms_stream.h"
#include "mime/facts.h"
#include "mime/header_section.h"
#include "mime/parsed_message.h"
#include "mime/part_stream.h"
#include "policy/evaluate.h"
#include "protect/protector.h"
#include "protect/protector_run.h"
#include "protect/streamed_copy.h"
#include "queue/queue.h"
#include "sealed/wrapper_seal.h"
#include "smime/streamed_mail.h"
#include "store/body_store.h"

namespace sealpost::protect {

namespace {

// A message whose parts' header fields are over the parse's budget
// (mime::ParsedMessage): refused before anything is planned or queued,
// with SMTP's answer to a top-level header over smtp.max_header_bytes.
// One line, none of the header itself.
Status HeadersOverLimit(std::string_view id) {
  log::Warn(
      "mail flow: {} header fields over the limit ({} fields or {} "
      "bytes in all its parts, each part {} bytes more, or {} address "
      "groups in a field): refused",
      id, mime::ParsedMessage::kMaxHeaderFields,
      mime::ParsedMessage::kMaxHeaderBytes, mime::ParsedMessage::kPartCost,
      mime::ParsedMessage::kMaxAddressGroups);
  return mime::HeadersOverLimitError().WithReason(
      queue::AcceptRefusal::kHeaderTooBig);
}

}  // namespace

Status Protector::Inspect(Run& run) {
  if (run.in.spool == nullptr || !run.in.content.empty()) {
    InspectBytes(run, run.in.content);
  } else {
    SP_ASSIGN_OR_RETURN(bool streamed, InspectSpooled(run));
    if (streamed) return Status::Ok();
    if (run.headers_over_limit) return HeadersOverLimit(run.in.id);
    SP_RETURN_IF_ERROR(LoadWhole(run));
    InspectBytes(run, run.loaded);
  }
  if (run.parsed->headers_over_limit()) return HeadersOverLimit(run.in.id);
  return Status::Ok();
}

Result<bool> Protector::InspectSpooled(Run& run) {
  ByteSpool& spool = *run.in.spool;
  run.size = spool.size();
  if (run.composed != nullptr || store::BodyStoreOf(store_) == nullptr ||
      !StagesEarly(run)) {
    return false;
  }
  // Its first bytes: the header section, and what the index reads. SMTP
  // brings none whose header section as GMime holds it (HeaderEnd::size(),
  // its empty line included) is longer than smtp.max_header_bytes, at most
  // kStreamedHead: so kStreamedHead bytes hold all of it, up to the LF that
  // ends it (never between its CR and LF).
  std::string raw;
  mime::HeaderEnd header_end;
  {
    SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> first,
                        OpenOriginal(run, std::string()));
    SP_RETURN_IF_ERROR(ReadSourceUpTo(*first, kStreamedHead, &raw));
    header_end.Feed(raw);
    // Only mbox "From " lines so far (GMime holds nothing yet): whether a
    // field follows them, the rest looked at a slice at a time, none kept.
    std::string more;
    while (!header_end.found() && !header_end.given_up() &&
           header_end.size() == 0) {
      more.clear();
      SP_ASSIGN_OR_RETURN(const size_t read, first->Read(kStreamedHead, &more));
      if (read == 0) break;
      header_end.Feed(more);
    }
  }
  const bool ends_in_head =
      header_end.found() && header_end.size() <= raw.size();
  if (static_cast<int64_t>(raw.size()) < run.size && header_end.size() > 0 &&
      !ends_in_head) {
    // A header section (as GMime holds it) longer than kStreamedHead: read
    // whole. SMTP refuses such a message before (552 5.3.4), and SMTP is
    // the only way client-written mail reaches this stage: the API's
    // /api/v1/protect and /api/v1/smime/protect seal without queueing, the
    // portal's mail is ours (run.composed, never streamed). One exception,
    // a known gap (docs/security.md "Header section size"): with
    // smime.decrypt_inbound on, DecryptInbound runs the decrypted copy
    // through Process again, its header the outer fields plus the inner
    // part's, which SMTP never measured; a sender can make it pass 4 MiB
    // here, bounded by smtp.max_message_bytes. Nothing held (only "From "
    // lines, or a first line GMime gives up on) is streamed.
    return false;
  }
  // The split that a wrapper's seal covers (as InspectBytes splits it).
  mime::HeaderSection hs = mime::SplitHeaderSection(raw);
  {
    // One GMime parse over the spool (mime/source_stream.h): the parts
    // stay ranges of it, read again only for the attachments' sizes, the
    // text that the rules read and a claim of S/MIME encryption.
    SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> whole,
                        OpenOriginal(run, std::string()));
    mime::ParsedMessage parsed(std::move(whole));
    if (parsed.headers_over_limit()) {
      // Never read whole: Inspect refuses it.
      run.headers_over_limit = true;
      return false;
    }
    auto mail = mime::ExtractFacts(parsed);
    if (!parsed.source_status().ok()) {
      // Read whole instead, where a spool that does not read back
      // intact fails as such.
      log::Warn("mail flow: {} parsed from its spool: {}; read whole",
                run.in.id, parsed.source_status().ToString());
      return false;
    }
    if (mail.ok()) {
      run.mail = std::move(*mail);
    } else {
      run.mail.body_text = raw.substr(0, mime::kMaxBodyText);
    }
    if (run.mail.claims_smime_encrypted) {
      // Whether it really is CMS EnvelopedData: its content as GMime
      // decodes it in memory, read through this parse, in any transfer
      // encoding and from the body GMime found, never whole.
      SP_ASSIGN_OR_RETURN(run.smime_encrypted, EnvelopedInSpool(parsed));
    }
  }
  if (!run.mail.protected_header.empty()) {
    // Claims to be our wrapper: its seal checked over the body read from
    // the spool.
    SP_RETURN_IF_ERROR(
        VerifySpooledWrapper(run, hs.header, raw.size() - hs.body.size()));
  }
  // The client may not write X-Sealpost-* fields: the header section as
  // GMime reads it (past lines that are no field, its empty line included:
  // mime::ReservedFieldsRegion, all in `raw`) is rewritten without them,
  // and the rest read from the spool as it is.
  const size_t region = header_end.size();
  const size_t body_size = raw.size() - region;
  if (auto stripped =
          mime::RemoveReservedFields(raw, run.wrapper.has_value())) {
    run.skip = static_cast<int64_t>(region);
    run.head_fields = stripped->substr(0, stripped->size() - body_size);
    run.head = std::move(*stripped);
  } else {
    run.head = std::move(raw);
  }
  // Where the body starts as InspectBytes splits it (the stripped message
  // in memory), which the S/MIME copies and checks read from.
  run.body_at =
      run.head.size() - mime::SplitHeaderSection(run.head).body.size();
  run.size = run.SpooledSize();
  run.streamed = true;
  return true;
}

Status Protector::VerifySpooledWrapper(Run& run, std::string_view header,
                                       size_t header_size) {
  Status read = Status::Ok();
  // The body's digest, read from the spool past its header section: any
  // error is the spool's (hashing fails on nothing).
  auto body_digest = [&]() -> Result<std::string> {
    SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> spool,
                        OpenOriginal(run, std::string()));
    PrefixedSource body("", static_cast<int64_t>(header_size),
                        std::move(spool));
    sealed::CanonicalBodyHasher hasher;
    SP_RETURN_IF_ERROR(smime::CopySource(body, [&](std::string_view slice) {
      hasher.Update(slice);
      return Status::Ok();
    }));
    return hasher.Finish();
  };
  auto digest = [&]() -> Result<std::string> {
    Result<std::string> d = body_digest();
    if (!d.ok()) read = d.status();
    return d;
  };
  auto marker =
      licenses_.VerifyWrapperDigest(run.mail.protected_header, header, digest);
  // A spool that does not open or read back: 451. Anything else: not
  // ours.
  SP_RETURN_IF_ERROR(read);
  if (marker.ok()) run.wrapper = std::move(*marker);
  return Status::Ok();
}

Result<bool> Protector::EnvelopedInSpool(const mime::ParsedMessage& parsed) {
  SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> der,
                      mime::OpenTopLevelContent(parsed));
  Result<bool> enveloped = crypto::IsCmsEnvelopedDataStream(*der);
  // A spool that does not read back (whatever the reader made of it) is
  // no verdict: 451, never "not EnvelopedData" (protected, or delivered).
  // That includes the source read back too often (the cursor's
  // kMaxRestarts, mime/source_stream.h): INTERNAL here, a 451 on every
  // retry, where the facts' pass (InspectSpooled) reads whole instead.
  // It cannot happen: the facts' reads took at most one restart of the
  // parse's source and this read takes one more (two of eight); were it
  // to, the message would wait in the client's queue until it gave up,
  // never judged.
  SP_RETURN_IF_ERROR(SpoolReadBack(parsed));
  // The source read back, yet its content did not (GMime's stream over
  // it failed): still the spool side, never a verdict or a 5xx.
  if (!enveloped.ok()) {
    return SpoolFileError(enveloped.status());
  }
  return enveloped;
}

Status Protector::SpoolReadBack(const mime::ParsedMessage& parsed) {
  Status s = parsed.source_status();
  if (s.ok() || s.code() == StatusCode::kInternal) return s;
  return SpoolFileError(s);
}

Result<std::unique_ptr<ByteSource>> Protector::OpenOriginal(
    const Run& run, std::string prefix) const {
  if (run.in.spool == nullptr) return InternalError("no spool file");
  return OpenSpooled(*run.in.spool, std::move(prefix) + run.head_fields,
                     run.skip);
}

Status Protector::LoadWhole(Run& run) {
  if (!run.loaded.empty() || run.in.spool == nullptr) return Status::Ok();
  SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source,
                      OpenOriginal(run, std::string()));
  SP_ASSIGN_OR_RETURN(run.loaded, ReadSourceWhole(*source, run.SpooledSize()));
  run.original = run.loaded;
  run.size = static_cast<int64_t>(run.loaded.size());
  run.streamed = false;
  std::string().swap(run.head);
  return Status::Ok();
}

void Protector::InspectBytes(Run& run, std::string_view client_bytes) {
  // Mail with no header section, or none GMime can read, has no facts but
  // its size and bytes: rules on the envelope still apply, and it is
  // protected as bytes when they say so (issue 11 #16).
  run.parsed.emplace(client_bytes);
  auto mail = mime::ExtractFacts(*run.parsed);
  if (mail.ok()) {
    run.mail = std::move(*mail);
  } else {
    run.mail.body_text =
        std::string(client_bytes.substr(0, mime::kMaxBodyText));
  }
  if (!run.mail.protected_header.empty()) {
    mime::HeaderSection hs = mime::SplitHeaderSection(client_bytes);
    auto marker =
        licenses_.VerifyWrapper(run.mail.protected_header, hs.header, hs.body);
    if (marker.ok()) run.wrapper = std::move(*marker);
  }
  run.smime_encrypted = run.mail.claims_smime_encrypted &&
                        crypto::IsCmsEnvelopedData(run.mail.smime_content);
  if (run.smime_encrypted && options_.smime_decrypt_inbound) {
    run.smime_der = std::move(run.mail.smime_content);
  }
  std::string().swap(run.mail.smime_content);
  if (auto stripped =
          mime::RemoveReservedFields(client_bytes, run.wrapper.has_value())) {
    run.stripped = std::move(*stripped);
    run.original = run.stripped;
  } else {
    run.original = client_bytes;
  }
  run.size = static_cast<int64_t>(run.original.size());
}

Result<policy::MessageFacts> Protector::FactsOf(const Run& run) {
  const mime::MailFacts& mf = run.mail;
  policy::MessageFacts facts;
  // A logged-in session's null sender is still its user's mail: rules on
  // the sender see the login (was: no sender, so no sender rule matched).
  facts.sender = AsciiLower(run.in.Sender());
  if (run.composed != nullptr) {
    // Its writer, not its owner: a forward stays the original's owner's,
    // yet the forwarder sends it (was: rules saw the owner as its sender).
    facts.sender = AsciiLower(run.composed->Writer());
    facts.sender_internal = run.composed->writer_internal;
  } else {
    // Internal only from client_networks or an authenticated session: a
    // MAIL FROM in our domain is a name, not a credential (issue 11 #6).
    facts.sender_internal = run.in.trusted_sender && !facts.sender.empty() &&
                            IsInternal(facts.sender);
  }
  if (facts.sender_internal) {
    SP_ASSIGN_OR_RETURN(facts.sender_licensed,
                        directory_.IsLicensed(facts.sender));
    SP_ASSIGN_OR_RETURN(facts.sender_groups, directory_.GroupsOf(facts.sender));
  }
  for (const auto& r : run.in.recipients) {
    facts.recipients.push_back({r.address, IsInternal(r.address)});
  }
  facts.subject = mf.subject;
  facts.subject_text = mf.subject_text;
  facts.body_text = mf.body_text;
  for (const auto& [k, v] : mf.headers) {
    // Rules see the message as it leaves: without the reserved fields a
    // client wrote (mime::RemoveReservedFields).
    if (mime::IsReservedField(k, run.wrapper.has_value())) continue;
    facts.headers.push_back({k, v});
    if (AsciiLower(k) == "sensitivity") {
      // Several fields (a reader may show any one): the most restrictive
      // is the message's, and a condition matches any of them.
      const policy::Sensitivity s =
          policy::ParseSensitivity(v).value_or(policy::Sensitivity::kNormal);
      facts.sensitivity = std::max(facts.sensitivity, s);
      facts.sensitivities.push_back(s);
    }
  }
  SetFiles(mf, facts);
  facts.size = run.size;
  facts.is_protected = run.wrapper.has_value();
  facts.protected_by_our_org = run.wrapper.has_value();
  if (run.wrapper) facts.protected_template = run.wrapper->template_name;
  facts.is_smime_encrypted = run.smime_encrypted;
  facts.is_signed = mf.is_signed;
  return facts;
}

}  // namespace sealpost::protect
