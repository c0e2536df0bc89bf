#include "protect/protector.h"

#include "base/strings.h"

#include <algorithm>

#include "base/log.h"
#include "crypto/random.h"
#include "mime/facts.h"
#include "mime/wrapper.h"
#include "policy/evaluate.h"
#include "queue/dsn.h"

namespace sealpost::protect {
namespace {

std::string DomainOf(std::string_view address) {
  auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string()
                                      : AsciiLower(address.substr(at + 1));
}

// Replaces the Subject field of a wrapper (the wrapper keeps the original's
// raw Subject; the sender's keyword is taken out here).
std::string ReplaceSubject(std::string mail, std::string_view subject) {
  size_t header_end = mail.find("\r\n\r\n");
  size_t pos = 0;
  while (pos < header_end) {
    if (mail.compare(pos, 8, "Subject:") == 0) {
      size_t end = pos;
      do {
        end = mail.find("\r\n", end) + 2;
      } while (end < header_end && (mail[end] == ' ' || mail[end] == '\t'));
      mail.replace(pos, end - pos,
                   "Subject: " + mime::EncodeSubject(subject) + "\r\n");
      return mail;
    }
    pos = mail.find("\r\n", pos) + 2;
  }
  return mail;
}

std::string AddHeaders(std::string_view received, std::string_view body,
                       const std::vector<policy::Header>& headers) {
  std::string out(received);
  for (const auto& h : headers) out += h.name + ": " + h.value + "\r\n";
  out += body;
  return out;
}

}  // namespace

std::pair<std::string_view, std::string_view> SplitOurReceived(
    std::string_view content) {
  if (!content.starts_with("Received:")) return {{}, content};
  size_t end = 0;
  do {
    size_t nl = content.find("\r\n", end);
    if (nl == std::string_view::npos) return {{}, content};
    end = nl + 2;
  } while (end < content.size() &&
           (content[end] == ' ' || content[end] == '\t'));
  return {content.substr(0, end), content.substr(end)};
}

bool Protector::IsInternal(std::string_view address) const {
  std::string d = DomainOf(address);
  return std::find(options_.accepted_domains.begin(),
                   options_.accepted_domains.end(),
                   d) != options_.accepted_domains.end();
}

Result<std::string> Protector::SealAndWrap(
    const std::string& owner, const std::string& template_name,
    const std::string& branding_identity,
    const std::vector<std::string>& addresses, bool internal,
    std::string_view original, std::vector<store::NewProtectedMessage>* records,
    std::string* note) {
  const std::string identity = branding_identity.empty()
                                   ? std::string(branding::kDefaultIdentity)
                                   : branding_identity;
  SP_ASSIGN_OR_RETURN(branding::Branding brand, brands_.Get(identity));
  license::ProtectRequest req{owner, template_name, addresses,
                              std::string(original), ""};
  req.authorized_by_policy = true;
  req.defer_write = true;  // committed with the wrapper, before 250
  req.branding = identity;
  req.keep_portal_copy = true;
  if (!internal && brand.external_mail_expiry_in_days > 0) {
    req.expires_at =
        clock_.NowUnix() + int64_t{brand.external_mail_expiry_in_days} * 86400;
  }
  auto sealed = licenses_.Protect(req);
  if (!sealed.ok()) {
    return sealed.status().code() == StatusCode::kInvalidArgument
               ? sealed.status()
               : FailedPreconditionError(
                     "protection required but not available: " +
                     sealed.status().message());
  }
  mime::WrapperOptions wrap{
      sealed->message_id, sealed->license.template_name, options_.portal_url,
      branding::ToWrapperBranding(brand), sealed->license.expiry};
  wrap.attach_container = internal;
  if (note != nullptr) {
    *note = sealed->license.template_name + " as " + sealed->message_id;
  }
  SP_ASSIGN_OR_RETURN(std::string mail, mime::BuildWrapperMail(
                                            original, sealed->container, wrap));
  records->push_back(std::move(*sealed->write));
  return mail;
}

Result<std::vector<queue::IncomingMessage>> Protector::ProtectComposed(
    std::string_view owner, std::string_view envelope_from,
    const std::vector<std::string>& recipients, std::string_view template_name,
    std::string_view branding_identity, std::string_view message) {
  std::vector<std::string> internal, external;
  for (const auto& r : recipients) {
    (IsInternal(r) ? internal : external).push_back(AsciiLower(r));
  }
  std::vector<queue::IncomingMessage> out;
  for (const auto* group : {&internal, &external}) {
    if (group->empty()) continue;
    queue::IncomingMessage msg;
    msg.id = queue::NewQueueId();
    msg.mail_from = AsciiLower(envelope_from);
    msg.helo = "portal";
    msg.client = "portal";
    for (const auto& a : *group) msg.recipients.push_back({a, 0, ""});
    SP_ASSIGN_OR_RETURN(
        msg.content,
        SealAndWrap(AsciiLower(owner), std::string(template_name),
                    std::string(branding_identity), *group, group == &internal,
                    message, &msg.protected_records, nullptr));
    out.push_back(std::move(msg));
  }
  return out;
}

Result<Outcome> Protector::Apply(const queue::IncomingMessage& in) {
  auto [received, original] = SplitOurReceived(in.content);
  SP_ASSIGN_OR_RETURN(mime::MailFacts mf, mime::ExtractFacts(original));

  policy::MessageFacts facts;
  facts.sender = AsciiLower(in.mail_from);
  facts.sender_internal =
      in.trusted_sender && !facts.sender.empty() && IsInternal(facts.sender);
  if (facts.sender_internal) {
    SP_ASSIGN_OR_RETURN(facts.sender_licensed,
                        directory_.IsLicensed(facts.sender));
    SP_ASSIGN_OR_RETURN(facts.sender_groups, directory_.GroupsOf(facts.sender));
  }
  for (const auto& r : in.recipients) {
    facts.recipients.push_back({r.address, IsInternal(r.address)});
  }
  facts.subject = mf.subject;
  facts.body_text = mf.body_text;
  for (const auto& [k, v] : mf.headers) {
    facts.headers.push_back({k, v});
    if (AsciiLower(k) == "sensitivity") {
      facts.sensitivity =
          policy::ParseSensitivity(v).value_or(policy::Sensitivity::kNormal);
    }
  }
  for (const auto& a : mf.attachments) {
    facts.attachments.push_back({a.name, a.size});
  }
  facts.size = static_cast<int64_t>(original.size());
  facts.has_attachment = !mf.attachments.empty();
  facts.is_protected = mf.is_protected;
  facts.is_smime_encrypted = mf.is_smime_encrypted;
  facts.is_signed = mf.is_signed;
  if (mf.is_protected && !mf.protected_id.empty()) {
    SP_ASSIGN_OR_RETURN(auto ours, store_.GetProtectedMessage(mf.protected_id));
    facts.protected_by_our_org = ours.has_value();
  }
  facts.protected_template = mf.protected_template;

  SP_ASSIGN_OR_RETURN(auto rules, rules_.Compiled());
  policy::Plan plan = rules->Evaluate(facts);
  if (!plan.errors.empty()) {
    // A rule that cannot run might have required protection: defer.
    return FailedPreconditionError("mail flow rules cannot be evaluated: " +
                                   plan.errors.front());
  }
  SP_ASSIGN_OR_RETURN(auto templates, templates_.List());
  std::vector<std::string> known;
  for (const auto& t : templates) {
    if (!t.archived) {
      known.push_back(t.name);
      known.push_back(t.id);
    }
  }
  policy::SenderChoice choice =
      policy::ParseSenderChoice(facts, options_.sender_choice, known);
  if (choice.outcome == policy::SenderChoice::Outcome::kUnknownTemplate) {
    return PermissionDeniedError(choice.error);
  }
  plan = policy::ApplySenderChoice(std::move(plan), choice);

  Outcome out;
  for (const auto& a : plan.audit) {
    log::Info("rule audit: {} ({}) would {} for {}", a.rule_name, a.rule_id,
              a.description, a.recipient);
    (void)store_.AppendAudit(
        {0, clock_.NowUnix(), "system", "rule.audit", in.id, "audit",
         a.rule_name + ": " + a.description + " for " + a.recipient});
  }

  std::vector<queue::DsnRecipient> rejected;
  auto group_recipients = [&](const std::vector<std::string>& addresses) {
    std::vector<queue::DeliveryRecipient> rs;
    for (const auto& a : addresses) {
      for (const auto& r : in.recipients) {
        if (AsciiLower(r.address) == AsciiLower(a)) rs.push_back(r);
      }
    }
    return rs;
  };
  int part = 0;
  for (const policy::RecipientGroup& g : policy::GroupByTreatment(plan)) {
    using Kind = policy::Treatment::Kind;
    queue::IncomingMessage msg;
    msg.id = in.id + (part++ == 0 ? "" : "-" + std::to_string(part));
    msg.mail_from = in.mail_from;
    msg.params = in.params;
    msg.helo = in.helo;
    msg.client = in.client;
    msg.tls = in.tls;
    msg.recipients = group_recipients(g.addresses);
    msg.params.require_tls = msg.params.require_tls || g.require_tls;
    std::string who;
    for (const auto& a : g.addresses) who += (who.empty() ? "" : ",") + a;

    switch (g.treatment.kind) {
      case Kind::kReject:
        for (const auto& a : g.addresses) {
          rejected.push_back({a, "", g.treatment.enhanced_status, "",
                              g.treatment.reject_text});
        }
        out.notes.push_back("reject " + who + ": " + g.treatment.reject_text);
        --part;
        continue;
      case Kind::kDeliver:
        msg.content = AddHeaders(received, original, g.added_headers);
        out.notes.push_back("deliver " + who);
        break;
      case Kind::kRemoveProtection: {
        // Only our own organisation's protected mail; anything else is
        // delivered as it came (still protected, never weakened).
        // External recipients' wrappers carry no message.sealed: the
        // portal copy is the container then.
        Result<std::string> container = mime::ExtractSealedAttachment(original);
        if (!container.ok() && facts.protected_by_our_org) {
          auto copy = store_.GetPortalCopy(mf.protected_id);
          if (copy.ok() && copy->has_value()) container = std::move(**copy);
        }
        if (!facts.protected_by_our_org || !container.ok()) {
          msg.content = AddHeaders(received, original, g.added_headers);
          out.notes.push_back("deliver (not ours to decrypt) " + who);
          break;
        }
        auto plain =
            licenses_.TransportDecrypt(*container, g.treatment.decided_by);
        if (!plain.ok()) {
          // e.g. TransportDecryptionSetting Disabled: it stays protected.
          msg.content = AddHeaders(received, original, g.added_headers);
          out.notes.push_back("deliver still protected (" +
                              plain.status().message() + ") " + who);
          break;
        }
        msg.content = AddHeaders(received, *plain, g.added_headers);
        out.notes.push_back("remove protection for " + who);
        break;
      }
      case Kind::kProtect: {
        if (facts.is_protected || facts.is_smime_encrypted) {
          // Never sealed twice.
          msg.content = AddHeaders(received, original, g.added_headers);
          out.notes.push_back("deliver (already protected) " + who);
          break;
        }
        // A rule may protect mail from outside too (the organisation's key
        // protects it; the sender is the license's owner). A bounce has no
        // sender: the postmaster of our first domain owns it.
        std::string owner = facts.sender;
        if (owner.empty()) {
          owner = "postmaster@" + (options_.accepted_domains.empty()
                                       ? options_.hostname
                                       : options_.accepted_domains.front());
        }
        std::string note;
        SP_ASSIGN_OR_RETURN(
            std::string mail,
            SealAndWrap(owner, g.treatment.template_name, g.treatment.branding,
                        g.addresses, g.internal, original,
                        &msg.protected_records, &note));
        if (choice.outcome == policy::SenderChoice::Outcome::kProtect &&
            choice.subject != facts.subject) {
          mail = ReplaceSubject(std::move(mail), choice.subject);
        }
        msg.content = AddHeaders(received, mail, g.added_headers);
        out.notes.push_back("protect " + who + " with " + note);
        break;
      }
    }
    out.messages.push_back(std::move(msg));
  }

  if (!rejected.empty()) {
    if (out.messages.empty()) {
      return PermissionDeniedError(rejected.front().diagnostic);
    }
    if (!in.mail_from.empty()) {
      queue::DsnInput dsn;
      dsn.reporting_mta = options_.hostname;
      dsn.original_id = in.id;
      dsn.envid = in.params.envid;
      dsn.arrival_unix = clock_.NowUnix();
      dsn.sender = in.mail_from;
      dsn.recipients = rejected;
      dsn.original = original;
      dsn.headers_only = true;
      dsn.now_unix = clock_.NowUnix();
      dsn.boundary = "=_dsn_" + crypto::RandomToken(12);
      dsn.message_id = queue::NewQueueId() + "@" + options_.hostname;
      queue::IncomingMessage bounce;
      bounce.id = in.id + "-dsn";
      bounce.mail_from = "";
      bounce.recipients = {{in.mail_from, 0, ""}};
      bounce.content = queue::BuildDsn(dsn);
      out.messages.push_back(std::move(bounce));
    }
  }
  return out;
}

}  // namespace sealpost::protect
