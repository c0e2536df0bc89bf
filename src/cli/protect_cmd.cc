// `sealpost protect`: protects a message through the API as a signed-in
// user, the message sent and the protected mail written a slice at a time.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "base/visible_text.h"
#include "cli/cli.h"
#include "cli/message_files.h"
#include "cli/streamed_call.h"

namespace sealpost::cli {
namespace {

struct Args {
  std::string file, user, out, from, tmpl;
  std::vector<std::string> to;
  bool smime = false, sign = false;
};

// `sealpost protect` through POST /api/v1/protect (or /api/v1/smime/protect):
// the message is sent from its file a slice at a time and the protected
// mail written to --out (renamed into place once all of it arrived) or
// stdout a slice at a time, so neither is ever whole in memory here.
void Protect(Globals& g, const Args& a) {
  std::string user = a.user.empty() ? a.from : a.user;
  if (!a.from.empty() && !a.user.empty() && a.from != a.user) {
    std::fprintf(stderr,
                 "sealpost: --from must be the signed-in user "
                 "(--user)\n");
    g.exit_code = kExitLocal;
    return;
  }
  if (a.smime == !a.tmpl.empty() || (a.sign && !a.smime)) {
    std::fprintf(stderr,
                 "sealpost: give --template T or --smime (--sign goes "
                 "with --smime)\n");
    g.exit_code = kExitLocal;
    return;
  }
  Input in;
  std::unique_ptr<FileReader> body = in.Open(a.file);
  if (body == nullptr) {
    g.exit_code = kExitLocal;
    return;
  }
  ClientOptions client;
  if (!SignIn(g, user, &client)) return;
  std::string to;
  for (const auto& t : a.to) {
    if (!t.empty()) to += (to.empty() ? "" : ",") + t;  // "a,b" works too
  }
  std::string target = a.smime
                           ? "/api/v1/smime/protect?to=" + UrlEncode(to) +
                                 (a.sign ? "&sign=true" : "")
                           : "/api/v1/protect?template=" + UrlEncode(a.tmpl) +
                                 "&to=" + UrlEncode(to);
  Output out(a.out);
  if (!out.ok()) {
    std::fprintf(stderr, "sealpost: cannot write %s\n", a.out.c_str());
    g.exit_code = kExitLocal;
    return;
  }
  bool write_failed = false;
  auto res = CallStreamed(
      client, {"POST", target, "message/rfc822", body.get(), body->size()},
      [](const ApiResponse& head) {
        return head.status >= 200 && head.status < 300;
      },
      [&](std::string_view slice) {
        if (out.Write(slice)) return Status::Ok();
        write_failed = true;
        return InternalError(
            "cannot write " +
            (a.out.empty() ? std::string("standard output") : a.out));
      });
  if (!res.ok()) {
    std::fprintf(stderr, "sealpost: %s\n", res.status().message().c_str());
    g.exit_code = write_failed || res.status().code() == StatusCode::kDataLoss
                      ? kExitLocal
                      : kExitServer;
    return;
  }
  if (res->status < 200 || res->status >= 300) {
    std::fprintf(stderr, "sealpost: server refused: %s\n",
                 RefusalOf(*res).c_str());
    g.exit_code = kExitServer;
    return;
  }
  if (a.smime) {
    std::string signer = res->Header("x-sealpost-smime-signer");
    std::fprintf(
        stderr, "S/MIME:   encrypted to certificates %s\n",
        VisibleText(res->Header("x-sealpost-smime-certificates")).c_str());
    if (!signer.empty()) {
      std::fprintf(stderr, "Signed:   with your certificate %s\n",
                   VisibleText(signer).c_str());
    } else if (std::string note = res->Header("x-sealpost-smime-note");
               !note.empty()) {
      std::fprintf(stderr, "Note:     %s\n", VisibleText(note).c_str());
    }
  } else {
    std::fprintf(stderr, "Protected as %s with template %s\n",
                 VisibleText(res->Header("x-sealpost-message-id")).c_str(),
                 VisibleText(res->Header("x-sealpost-template")).c_str());
  }
  if (!out.Commit()) {
    std::fprintf(stderr, "sealpost: cannot write %s\n", a.out.c_str());
    g.exit_code = kExitLocal;
  }
}

}  // namespace

void RegisterProtect(CLI::App& app, Globals& g) {
  auto a = std::make_shared<Args>();
  auto* protect = app.add_subcommand(
      "protect",
      "Protect a message through the API as a signed-in licensed user and "
      "write the protected mail (wrapper + message.sealed), or with --smime "
      "the S/MIME message made by the server from the certificates on "
      "file. The message is sent, and the protected mail written, a slice "
      "at a time (standard input is first copied to an unlinked temporary "
      "file in TMPDIR); --out appears only once all of it arrived.");
  protect->add_option("file", a->file, "The message (.eml) or - for stdin")
      ->required();
  protect->add_option("--template", a->tmpl,
                      "Template: Encrypt, \"Do Not Forward\", ... (or "
                      "--smime)");
  protect->add_flag("--smime", a->smime,
                    "S/MIME instead of a template: encrypted to every "
                    "recipient's certificate on file (and yours), one "
                    "message for all; fails naming each recipient without "
                    "a usable certificate");
  protect->add_flag("--sign", a->sign,
                    "With --smime: signed with your own key on file first");
  protect->add_option("--to", a->to, "Recipient, repeatable")->required();
  protect->add_option("--from", a->from,
                      "Sender; must be the signed-in user (default --user)");
  protect->add_option("--user", a->user, "Your address")
      ->envname("SEALPOST_USER");
  protect->add_option("--out", a->out, "Write the protected mail here");
  protect->footer("The password comes from SEALPOST_PASSWORD or a prompt.");
  protect->callback([&g, a] { Protect(g, *a); });
}

}  // namespace sealpost::cli
