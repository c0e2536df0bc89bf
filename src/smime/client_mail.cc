#include "smime/client_mail.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "base/prefixed_source.h"
#include "base/strings.h"
#include "crypto/errors.h"
#include "mime/facts.h"
#include "mime/header_section.h"
#include "smime/enveloped_mail.h"
#include "smime/mail_stream.h"
#include "smime/signed_mail.h"
#include "smime/signed_stream.h"
#include "smime/signed_top.h"
#include "smime/streamed_mail.h"

namespace sealpost::smime {
namespace {

// Sign, encrypt, sign again: three layers at most are made here (triple
// wrap), so four are plenty to open; more is someone's attempt to make the
// server work.
constexpr int kMaxLayers = 4;

Status NoKeyOpens(std::string_view address) {
  return PermissionDeniedError(
      "no private key of " + std::string(address) +
      " on file opens this message (it was not encrypted to your "
      "certificate, or your key is not on file)");
}

// The length of an mbox "From " line that starts `head` (through its LF),
// or 0: mail saved from an mbox opens as the message after that line, in
// memory and streamed alike, with its own fields kept outside. Any other
// line that is no field ends the header section, in both (a field after
// it is never judged as the message's). A line longer than kMaxMboxLine
// is not one, in memory as streamed.
constexpr size_t kMaxMboxLine = 4096;
size_t MboxLineSize(std::string_view head) {
  if (!head.starts_with("From ")) return 0;
  const size_t lf = head.substr(0, kMaxMboxLine).find('\n');
  return lf == std::string_view::npos ? 0 : lf + 1;
}

}  // namespace

Result<OpenedMail> OpenMail(CertificateDirectory& certs,
                            std::string_view message,
                            std::string_view address) {
  message.remove_prefix(MboxLineSize(message));
  OpenedMail out;
  // The original's fields stay outside every layer (RFC 8551 §3.1).
  const std::string outer =
      SplitEntity(message).outer_fields + "MIME-Version: 1.0\r\n";
  std::string current(message);
  int layers = 0;
  for (; layers < kMaxLayers; ++layers) {
    auto facts = mime::ExtractFacts(current, 0);
    if (!facts.ok()) break;
    if (facts->claims_smime_encrypted) {
      SP_ASSIGN_OR_RETURN(std::optional<Decrypted> d,
                          certs.DecryptFor(address, facts->smime_content));
      if (!d) return NoKeyOpens(address);
      out.certificate_id = d->certificate_id;
      current = outer + d->content;
      continue;
    }
    SP_ASSIGN_OR_RETURN(std::optional<SignatureCheck> check,
                        CheckSignature(certs, current));
    if (!check) break;
    std::string content = std::move(check->content);
    out.signatures.push_back(std::move(*check));
    // A signature that does not verify leaves its layer as it came.
    if (content.empty()) break;
    current = outer + content;
  }
  if (layers == 0 && out.signatures.empty()) {
    return InvalidArgumentError(
        "not S/MIME mail (no application/pkcs7-mime or multipart/signed "
        "at the top)");
  }
  out.message = std::move(current);
  return out;
}

namespace {

// What a protection uses, all decided before a byte of the message is
// read: the certificates it is encrypted to and the signer, if any.
struct Plan {
  SmimeMail mail;  // without its message
  std::vector<std::string> ders;
  std::optional<SigningIdentity> signer;
};

Result<Plan> PlanMail(CertificateDirectory& certs, std::string_view sender,
                      const std::vector<std::string>& recipients, bool sign,
                      const SmimeOptions& options) {
  if (recipients.empty()) return InvalidArgumentError("no recipient");
  SP_ASSIGN_OR_RETURN(std::vector<Lookup> lookups,
                      certs.ForRecipients(recipients));
  Plan plan;
  SmimeMail& out = plan.mail;
  std::vector<std::string>& ders = plan.ders;
  std::string missing;
  for (size_t i = 0; i < recipients.size(); ++i) {
    if (!lookups[i].certificate) {
      missing += (missing.empty() ? "" : "; ") + lookups[i].reason;
      continue;
    }
    ders.push_back(lookups[i].certificate->der);
    out.certificate_ids.push_back(lookups[i].certificate->id);
  }
  if (!missing.empty()) {
    return FailedPreconditionError(
        "no usable S/MIME certificate for every recipient, nothing was "
        "made: " +
        missing);
  }
  SP_ASSIGN_OR_RETURN(auto own, certs.ForRecipients({std::string(sender)}));
  if (own.front().certificate &&
      std::find(ders.begin(), ders.end(), own.front().certificate->der) ==
          ders.end()) {
    ders.push_back(own.front().certificate->der);
    out.certificate_ids.push_back(own.front().certificate->id);
  }
  if (sign || options.always_sign) {
    auto id = certs.SigningIdentityFor(sender, options.chain);
    if (id.ok()) {
      plan.signer = std::move(*id);
      out.signer_id = plan.signer->id;
    } else if (id.status().code() != StatusCode::kNotFound) {
      return id.status();
    } else if (sign) {
      return FailedPreconditionError("cannot sign as " + std::string(sender) +
                                     ": " + id.status().message());
    } else {
      out.note = "not signed: " + id.status().message();
    }
  }
  return plan;
}

// The message that goes out for `original` under `plan`.
Result<std::string> MakeMail(const Plan& plan, std::string_view original,
                             const SmimeOptions& options) {
  EntitySplit split = SplitEntity(original);
  std::string entity = std::move(split.entity);
  if (plan.signer) {
    SP_ASSIGN_OR_RETURN(
        entity, SignEntity(entity, *plan.signer, NewSignedBoundary(), options));
  }
  SP_ASSIGN_OR_RETURN(entity,
                      EncryptToEntity(entity, plan.ders, options.cipher));
  if (plan.signer && options.triple_wrap) {
    SP_ASSIGN_OR_RETURN(
        entity, SignEntity(entity, *plan.signer, NewSignedBoundary(), options));
  }
  return split.outer_fields + "MIME-Version: 1.0\r\n" + entity;
}

// The header section of a streamed message is looked for in this many
// first bytes at most.
constexpr size_t kMaxHeaderSection = 1 << 20;

// Reads `source` from its first byte until the empty line that ends the
// header section (or its end): *prefix holds those bytes and maybe some of
// the body after them.
Status ReadHeaderSection(ByteSource& source, std::string* prefix,
                         bool* at_end) {
  SP_RETURN_IF_ERROR(source.Restart());
  *at_end = false;
  mime::HeaderEnd end(kMaxHeaderSection);
  while (!end.done()) {
    const size_t from = prefix->size();
    SP_ASSIGN_OR_RETURN(size_t n, source.Read(64 << 10, prefix));
    if (n == 0) {
      *at_end = true;
      break;
    }
    end.Feed(std::string_view(*prefix).substr(from));
  }
  return Status::Ok();
}

}  // namespace

Result<SmimeMail> ProtectMail(CertificateDirectory& certs,
                              std::string_view original,
                              std::string_view sender,
                              const std::vector<std::string>& recipients,
                              bool sign, const SmimeOptions& options) {
  SP_ASSIGN_OR_RETURN(Plan plan,
                      PlanMail(certs, sender, recipients, sign, options));
  SP_ASSIGN_OR_RETURN(plan.mail.message, MakeMail(plan, original, options));
  return std::move(plan.mail);
}

Result<SmimeMail> ProtectMailStream(
    CertificateDirectory& certs, ByteSource& original, std::string_view sender,
    const std::vector<std::string>& recipients, bool sign,
    const SmimeOptions& options,
    const std::function<Status(std::string_view)>& out) {
  SP_ASSIGN_OR_RETURN(Plan plan,
                      PlanMail(certs, sender, recipients, sign, options));
  std::string prefix;
  bool at_end = false;
  SP_RETURN_IF_ERROR(ReadHeaderSection(original, &prefix, &at_end));
  const mime::HeaderSection hs = mime::SplitHeaderSection(prefix);
  if (!at_end && hs.header.size() == prefix.size()) {
    return InvalidArgumentError(
        "no end of the header section in the message's first 1 MiB");
  }
  // The header section alone splits as the message would: the fields
  // outside, the Content-* fields that start the entity.
  EntitySplit split = SplitEntity(
      std::string_view(prefix).substr(0, prefix.size() - hs.body.size()),
      std::nullopt, /*join=*/false);
  if (plan.signer) {
    // Signed a slice at a time (issue 14): the entity is read once to
    // decide clear or opaque signing, then once more as it is signed and
    // encrypted.
    auto entity = std::make_unique<EntitySource>(
        std::move(split.head),
        static_cast<int64_t>(prefix.size() - hs.body.size()), original);
    SP_ASSIGN_OR_RETURN(SigningForm form, SigningFormOf(*entity, options));
    SP_RETURN_IF_ERROR(entity->Restart());
    SP_ASSIGN_OR_RETURN(
        std::unique_ptr<ByteSource> mail,
        SmimeMailStream(std::move(entity), plan.ders, &*plan.signer,
                        form.boundary, form.clear, options,
                        split.outer_fields + "MIME-Version: 1.0\r\n"));
    SP_RETURN_IF_ERROR(CopySource(*mail, out));
    return std::move(plan.mail);
  }
  const std::string_view parts[] = {split.head, hs.body};
  SP_RETURN_IF_ERROR(EncryptMailStream(split.outer_fields, parts, original,
                                       plan.ders, options.cipher, out));
  return std::move(plan.mail);
}

}  // namespace sealpost::smime

namespace sealpost::smime {
namespace {

// What a layer is, from its header section, read once (MIME facts, then
// the signature's top as CheckSignature reads it): what OpenMailStream
// does with it. `after` is what follows the header section as
// mime::SplitHeaderSection ends it (HeaderEndsAtJunk).
struct Layer {
  enum Kind {
    kEnvelopedBase64,  // encrypted, in base64: streamed
    kEnvelopedOther,   // encrypted, another encoding: opened whole
    kClearSigned,      // multipart/signed (boundary below)
    kOpaqueSigned,     // application/pkcs7-mime; smime-type=signed-data
    kRefusedSigned,    // signed, its verdict given from the header alone
    kNone,             // not S/MIME: the message as this layer gave it
  } kind = kNone;
  std::string boundary;
  std::optional<SignatureCheck> refused;  // kRefusedSigned's verdict
};

Layer LayerOf(std::string_view header, std::string_view after) {
  auto facts = mime::ExtractFacts(header, 0);
  if (facts.ok() && facts->claims_smime_encrypted) {
    // The top-level Content-Transfer-Encoding field (GMime keeps it with
    // the part, not the message); two are left to OpenMail, which reads
    // them as GMime does.
    const std::vector<std::string> cte =
        HeaderFieldValues(header, "Content-Transfer-Encoding");
    return {cte.size() == 1 && AsciiLower(cte[0]) == "base64"
                ? Layer::kEnvelopedBase64
                : Layer::kEnvelopedOther,
            "", std::nullopt};
  }
  // No verdict past a line that is no field, as CheckSignature gives none.
  if (HeaderEndsAtJunk(after)) return {};
  SignedTop top = SignedTopOf(header);
  if (top.refused) {
    return {Layer::kRefusedSigned, "", std::move(top.refused)};
  }
  switch (top.form) {
    case SignedForm::kClear:
      return {Layer::kClearSigned, std::move(top.boundary), std::nullopt};
    case SignedForm::kOpaque:
      return {Layer::kOpaqueSigned, "", std::nullopt};
    case SignedForm::kNone:
      break;
  }
  return {};
}

// What is still opened whole (encrypted mail that is not in base64): at
// most what the server held in memory before streaming.
constexpr size_t kMaxOpenedWhole = size_t{72} << 20;

// The layer `current` (and any inside it) opened by OpenMail, read whole
// (72 MiB at most), into `opened` (after the `layers` streamed before it)
// and `out`.
Status OpenRestWhole(CertificateDirectory& certs, ByteSource& current,
                     std::string_view address, int layers,
                     const std::function<Status(std::string_view)>& out,
                     OpenedMail* opened) {
  SP_RETURN_IF_ERROR(current.Restart());
  std::string whole;
  for (;;) {
    SP_ASSIGN_OR_RETURN(size_t n, current.Read(1 << 20, &whole));
    if (n == 0) break;
    if (whole.size() > kMaxOpenedWhole) {
      return FailedPreconditionError(
          "this S/MIME message (or a layer inside it) is encrypted data not "
          "in base64, which is opened whole and may then be at most 72 MiB "
          "(signed and base64 encrypted mail of any size streams)");
    }
  }
  auto inner = OpenMail(certs, whole, address);
  if (!inner.ok() && layers > 0 &&
      inner.status().code() == StatusCode::kInvalidArgument) {
    // Not S/MIME after all (OpenMail would stop at it): as it came.
    inner = OpenedMail{std::move(whole), "", {}};
  }
  if (!inner.ok()) return inner.status();
  std::string().swap(whole);
  if (!inner->certificate_id.empty()) {
    opened->certificate_id = std::move(inner->certificate_id);
  }
  for (auto& check : inner->signatures) {
    opened->signatures.push_back(std::move(check));
  }
  return out(inner->message);
}

}  // namespace

Result<OpenedMail> OpenMailStream(
    CertificateDirectory& certs, ByteSource& message, std::string_view address,
    const std::function<Status(std::string_view)>& out,
    const std::string& spool_dir) {
  OpenedMail opened;
  // The original's fields stay outside every layer (RFC 8551 §3.1), as in
  // OpenMail.
  std::string outer;
  // The layer being opened: `message`, then what the last layer opened to
  // (a spool: nothing of the message is held whole).
  ByteSource* current = &message;
  std::unique_ptr<ByteSource> owned;
  {
    std::string head;
    SP_RETURN_IF_ERROR(message.Restart());
    while (head.size() < kMaxMboxLine) {
      SP_ASSIGN_OR_RETURN(size_t n,
                          message.Read(kMaxMboxLine - head.size(), &head));
      if (n == 0 || head.find('\n') != std::string::npos) break;
    }
    if (const size_t mbox = MboxLineSize(head); mbox > 0) {
      owned = std::make_unique<PrefixedSource>("", static_cast<int64_t>(mbox),
                                               message);
      current = owned.get();
    }
  }
  int layers = 0;
  for (; layers < kMaxLayers; ++layers) {
    std::string prefix;
    bool at_end = false;
    SP_RETURN_IF_ERROR(ReadHeaderSection(*current, &prefix, &at_end));
    const mime::HeaderSection hs = mime::SplitHeaderSection(prefix);
    const size_t header_size = prefix.size() - hs.body.size();
    const std::string header = prefix.substr(0, header_size);
    const bool header_ends = at_end || hs.header.size() != prefix.size();
    if (layers == 0) {
      outer = SplitEntity(header, std::nullopt, /*join=*/false).outer_fields +
              "MIME-Version: 1.0\r\n";
    }
    if (!header_ends) {
      // No end of the header section in its first MiB.
      SP_RETURN_IF_ERROR(
          OpenRestWhole(certs, *current, address, layers, out, &opened));
      return opened;
    }
    std::unique_ptr<ByteSource> next;
    Layer layer =
        LayerOf(header, std::string_view(prefix).substr(hs.header.size()));
    if (layer.kind == Layer::kEnvelopedBase64) {
      EntitySink sink(outer, out, spool_dir);
      Base64BodySource body(*current, header_size);
      auto id = certs.DecryptStreamFor(
          address, body, [&sink](std::string_view b) { return sink.Write(b); });
      if (!id.ok() && crypto::IsDecryptionFailed(id.status())) {
        return InvalidArgumentError(
            "the S/MIME message is damaged or cut short: its encrypted "
            "content does not open (nothing of it is given)");
      }
      if (!id.ok()) return id.status();
      if (!*id) return NoKeyOpens(address);
      opened.certificate_id = std::move(**id);
      SP_RETURN_IF_ERROR(sink.Finish());
      // Not S/MIME inside: it went to `out` as it was decrypted.
      if (!sink.nested()) return opened;
      SP_ASSIGN_OR_RETURN(next, sink.TakeNested());
    } else if (layer.kind == Layer::kClearSigned) {
      // Clear-signed: the signed part spooled and checked as it is read
      // back; a signature that does not verify still unwraps its layer,
      // as in OpenMail.
      SP_ASSIGN_OR_RETURN(
          StreamedSignature signed_layer,
          OpenClearSignedStream(certs, *current, header, header_size,
                                layer.boundary, spool_dir));
      opened.signatures.push_back(std::move(signed_layer.check));
      next = std::make_unique<EntitySource>(outer, 0,
                                            std::move(signed_layer.content));
    } else if (layer.kind == Layer::kOpaqueSigned) {
      // Opaque signed-data: its content spooled from the SignedData as it
      // is read. One that does not verify is left as it came, as in
      // OpenMail (its content is not trusted to be the message).
      SP_ASSIGN_OR_RETURN(StreamedSignature signed_layer,
                          OpenOpaqueSignedStream(certs, *current, header,
                                                 header_size, spool_dir));
      const bool verified = signed_layer.check.verified;
      opened.signatures.push_back(std::move(signed_layer.check));
      if (!verified) break;
      next = std::make_unique<EntitySource>(outer, 0,
                                            std::move(signed_layer.content));
    } else if (layer.kind == Layer::kRefusedSigned) {
      // Not verified from its header alone (two Content-Type fields, ...):
      // as it came, with that verdict, as in OpenMail.
      opened.signatures.push_back(std::move(*layer.refused));
      break;
    } else if (layer.kind == Layer::kEnvelopedOther) {
      // What OpenMail opens and the stream does not: encrypted data not
      // in base64.
      SP_RETURN_IF_ERROR(
          OpenRestWhole(certs, *current, address, layers, out, &opened));
      return opened;
    } else {
      // Anything else (a PGP signature) OpenMail leaves as it came, and
      // so does the stream.
      break;  // not S/MIME: the message as this layer gave it
    }
    owned = std::move(next);
    current = owned.get();
  }
  if (layers == 0 && opened.signatures.empty()) {
    return InvalidArgumentError(
        "not S/MIME mail (no application/pkcs7-mime or multipart/signed "
        "at the top)");
  }
  SP_RETURN_IF_ERROR(current->Restart());
  SP_RETURN_IF_ERROR(CopySource(*current, out));
  return opened;
}

}  // namespace sealpost::smime
