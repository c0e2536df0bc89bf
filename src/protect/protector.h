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
// Thread-safety: thread-safe; it holds no mutable state of its own.
#ifndef SEALPOST_PROTECT_PROTECTOR_H_
#define SEALPOST_PROTECT_PROTECTOR_H_

#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "branding/branding.h"
#include "license/directory.h"
#include "license/license_service.h"
#include "license/templates.h"
#include "policy/rule_store.h"
#include "policy/sender_choice.h"
#include "queue/queue.h"

namespace sealpost::protect {

struct ProtectorOptions {
  std::vector<std::string> accepted_domains;  // the organisation's domains
  std::string portal_url;                     // links in wrapper mails
  std::string hostname;                       // DSN Reporting-MTA
  policy::SenderChoiceConfig sender_choice;
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
  Result<Outcome> Apply(const queue::IncomingMessage& in);

  // A message written in the portal (reply, forward, new message): sealed
  // with `template_name` for every recipient, one outgoing message for the
  // internal and one for the external recipients, not through the rules.
  // `owner` owns the protected messages; `envelope_from` is the SMTP
  // reverse-path (our own address when the writer is from outside).
  Result<std::vector<queue::IncomingMessage>> ProtectComposed(
      std::string_view owner, std::string_view envelope_from,
      const std::vector<std::string>& recipients,
      std::string_view template_name, std::string_view branding_identity,
      std::string_view message);

  bool IsInternal(std::string_view address) const;

 private:
  // Seals `original` for `addresses` (keeping a portal copy) and builds the
  // branded wrapper mail; the protected message's rows go to `records` (to
  // commit with the wrapper), `note` gets "<template> as <id>".
  Result<std::string> SealAndWrap(
      const std::string& owner, const std::string& template_name,
      const std::string& branding_identity,
      const std::vector<std::string>& addresses, bool internal,
      std::string_view original,
      std::vector<store::NewProtectedMessage>* records, std::string* note);

  license::LicenseService& licenses_;
  license::Directory& directory_;
  license::TemplateStore& templates_;
  branding::BrandingStore& brands_;
  policy::RuleStore& rules_;
  store::Store& store_;
  const Clock& clock_;
  const ProtectorOptions options_;
};

// Splits our own Received header (the first header field, which the SMTP
// server prepends) from the bytes the client sent.
std::pair<std::string_view, std::string_view> SplitOurReceived(
    std::string_view content);

}  // namespace sealpost::protect

#endif  // SEALPOST_PROTECT_PROTECTOR_H_
