// `sealpost open`: reads protected mail as a signed-in user, acquiring a
// use license from the server, then decrypting locally a slice at a time
// (the wrapper's container, a bare message.sealed, or the copy the server
// keeps); S/MIME mail is opened by the server with the user's own key.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/encoding.h"
#include "base/files.h"
#include "base/string_source.h"
#include "base/visible_text.h"
#include "cli/cli.h"
#include "cli/message_files.h"
#include "cli/streamed_call.h"
#include "crypto/signature.h"
#include "mime/facts.h"
#include "mime/header_section.h"
#include "mime/part_stream.h"
#include "mime/wrapper.h"
#include "sealed/container.h"
#include "sealed/sealed_reader.h"
#include "sealed/wrapper_seal.h"

namespace sealpost::cli {
namespace {

namespace json = boost::json;

struct Args {
  std::string file, user, out, pin;
};

struct License {
  SecretBytes content_key;
  std::optional<crypto::Verifier> verifier;
};

// Acquires a use license for `header`; prints the granted rights on stderr.
// `session`, when it already holds a signed-in client, is used as is.
int AcquireLicense(Globals& g, const Args& a, std::string_view header,
                   License* out, ClientOptions* session = nullptr) {
  ClientOptions client;
  if (session != nullptr && !session->token.empty()) {
    client = *session;
  } else if (!SignIn(g, a.user, &client)) {
    return g.exit_code;
  }
  json::object req{{"header", Base64Encode(AsBytes(header))},
                   {"client", "sealpost open"}};
  if (!a.pin.empty()) req["pin"] = a.pin;
  auto res = Call(client, "POST", "/api/v1/licenses", json::serialize(req));
  if (!res.ok()) {
    std::fprintf(stderr, "sealpost: %s\n", res.status().message().c_str());
    return kExitServer;
  }
  boost::system::error_code ec;
  json::value v = json::parse(res->body, ec);
  if (res->status != 200 || ec || !v.is_object()) {
    std::fprintf(stderr, "sealpost: cannot open %s: %s\n", a.file.c_str(),
                 RefusalOf(*res).c_str());
    return kExitServer;
  }
  auto key = Base64Decode(v.at("content_key").as_string());
  auto pub = Base64Decode(v.at("signing_public_key").as_string());
  std::optional<crypto::Verifier> verifier;
  if (pub.ok()) {
    auto parsed = crypto::Verifier::FromPublicKey(*pub);
    if (parsed.ok()) verifier = std::move(*parsed);
  }
  if (!key.ok() || !verifier.has_value()) {
    std::fprintf(stderr, "sealpost: malformed license from the server\n");
    return kExitServer;
  }
  out->content_key = SecretBytes::FromStringInsecure(*key);
  std::fill(key->begin(), key->end(), '\0');
  out->verifier = std::move(verifier);
  std::string rights;
  for (const auto& r : v.at("rights").as_array()) {
    rights += (rights.empty() ? "" : ", ") + std::string(r.as_string());
  }
  std::fprintf(stderr,
               "Message:  %s\nTemplate: %s\nSender:   %s\nRights:   %s\n",
               VisibleText(v.at("message_id").as_string()).c_str(),
               VisibleText(v.at("template").as_string()).c_str(),
               VisibleText(v.at("owner").as_string()).c_str(),
               VisibleText(rights).c_str());
  return kExitOk;
}

int Damaged(const Args& a) {
  std::fprintf(stderr, "sealpost: %s: the protected content is damaged\n",
               a.file.c_str());
  return kExitLocal;
}

// What --out names, in messages.
std::string OutName(const Args& a) {
  return a.out.empty() || a.out == "-" ? "stdout" : a.out;
}

int CannotWrite(const Args& a, const std::string& why) {
  std::fprintf(stderr, "sealpost: cannot write %s: %s\n", OutName(a).c_str(),
               why.c_str());
  return kExitLocal;
}

using sealed::ReadFn;

// Why a read failed, without the path it was made through: FileReader's
// "reading /proc/self/fd/N: Input/output error" gives the last part.
std::string ReadFailure(const Status& st) {
  const std::string& m = st.message();
  const size_t colon = m.rfind(": ");
  return colon == std::string::npos ? m : m.substr(colon + 2);
}

// A container read a slice at a time, streamed: memory stays flat whatever
// its size, and the plaintext goes to a file renamed into place only once
// the last segment authenticated. `source` names what `read` reads, in
// messages.
int OpenSealedStream(Globals& g, const Args& a, const std::string& source,
                     const ReadFn& read, ClientOptions* session = nullptr) {
  License lic;
  std::optional<Output> out;
  int refused = kExitOk;  // no license, or no --out: said already
  sealed::StreamedOpen open;
  open.verifier = [&](const sealed::PublishingLicense&,
                      std::string_view header) -> Result<crypto::Verifier> {
    refused = AcquireLicense(g, a, header, &lic, session);
    if (refused != kExitOk) return FailedPreconditionError("no license");
    out.emplace(a.out);
    if (!out->ok()) {
      refused = CannotWrite(a, std::strerror(errno));
      return FailedPreconditionError("no output");
    }
    return *lic.verifier;
  };
  open.content_key = [&](const sealed::PublishingLicense&) {
    return Result<SecretBytes>(lic.content_key);
  };
  std::string write_error;  // why --out could not be written, once it failed
  open.plaintext = [&](std::string_view plaintext) {
    if (out->Write(plaintext)) return Status::Ok();
    write_error = std::strerror(errno);
    return InternalError("write");
  };
  open.slice = 1 << 20;
  // Only a fault of the container is "damaged": a failed read of the input
  // (or of the server's copy) or a full disk under --out is said as such.
  const Status st = sealed::OpenStreamed(read, open);
  if (refused != kExitOk) return refused;
  if (sealed::IsContainerFault(st)) return Damaged(a);
  if (!write_error.empty()) return CannotWrite(a, write_error);
  if (!st.ok()) {
    std::fprintf(stderr, "sealpost: cannot read %s: %s\n", source.c_str(),
                 ReadFailure(st).c_str());
    return kExitLocal;
  }
  if (!out->Commit()) return CannotWrite(a, std::strerror(errno));
  return kExitOk;
}

// The id in a wrapper's "X-Sealpost-Protected: v1; id=...; ..." header.
// Only a name: the server releases nothing without a license check.
std::string ProtectedId(std::string_view mail) {
  auto v = mime::RawHeader(mail, sealed::kProtectedHeader);
  return v.ok() ? sealed::ParseProtectedHeader(*v).id : "";
}

// True when the top of `mail` is S/MIME: application/pkcs7-mime (encrypted
// or opaque-signed) or multipart/signed.
bool LooksSmime(std::string_view mail) {
  auto facts = mime::ExtractFacts(mail, 0);
  return facts.ok() && (facts->claims_smime_encrypted || facts->is_signed);
}

// S/MIME mail: the server opens it with the signed-in user's own key on
// file (the key never leaves it) and checks each signature against the
// CAs on file; the verdicts go to stderr. The file is sent and the opened
// message written a slice at a time (issue 14); --out appears only once
// all of it arrived, and the server answers only once all of it opened.
int OpenSmime(Globals& g, const Args& a, FileReader& file) {
  ClientOptions session;
  if (!SignIn(g, a.user, &session)) return g.exit_code;
  Output out(a.out);
  if (!out.ok()) return CannotWrite(a, std::strerror(errno));
  if (!file.Restart().ok()) {
    std::fprintf(stderr, "sealpost: cannot read %s\n", a.file.c_str());
    return kExitLocal;
  }
  bool write_failed = false;
  auto res = CallStreamed(
      session,
      {"POST", "/api/v1/smime/open", "message/rfc822", &file, file.size(),
       "message/rfc822"},
      [](const ApiResponse& head) {
        return head.status == 200 &&
               head.Header("content-type").starts_with("message/rfc822");
      },
      [&](std::string_view slice) {
        if (out.Write(slice)) return Status::Ok();
        write_failed = true;
        return InternalError("cannot write " + OutName(a) + ": " +
                             std::strerror(errno));
      });
  if (!res.ok()) {
    std::fprintf(stderr, "sealpost: %s\n", res.status().message().c_str());
    return write_failed || res.status().code() == StatusCode::kDataLoss
               ? kExitLocal
               : kExitServer;
  }
  if (res->status != 200) {
    std::fprintf(stderr, "sealpost: server refused: %s\n",
                 RefusalOf(*res).c_str());
    return kExitServer;
  }
  // The message itself (this server), or the JSON answer of a server that
  // predates Accept: message/rfc822 (a small message: kept whole).
  const bool raw = res->Header("content-type").starts_with("message/rfc822");
  std::string cert = res->Header("x-sealpost-smime-certificate");
  auto signatures = Base64Decode(res->Header("x-sealpost-smime-signatures"));
  boost::system::error_code ec;
  json::value v = json::parse(raw && signatures.ok() ? *signatures : "", ec);
  if (!raw) {
    json::value answer = json::parse(res->body, ec);
    Result<std::string> message = DataLossError("");
    if (!ec && answer.is_object() && answer.as_object().contains("message") &&
        answer.at("message").is_string()) {
      message = Base64Decode(answer.at("message").as_string());
    }
    if (!message.ok() || !out.Write(*message)) {
      std::fprintf(stderr, "sealpost: malformed answer from the server\n");
      return kExitServer;
    }
    const auto& o = answer.as_object();
    if (o.contains("certificate") && o.at("certificate").is_string()) {
      cert = std::string(o.at("certificate").as_string());
    }
    v = o.contains("signatures") ? o.at("signatures") : json::value();
  }
  if (!cert.empty()) {
    std::fprintf(stderr, "S/MIME:   decrypted with your certificate %s\n",
                 VisibleText(cert.substr(0, 16)).c_str());
  }
  if ((raw && ec) || !v.is_array()) {
    std::fprintf(stderr, "sealpost: malformed answer from the server\n");
    return kExitServer;
  }
  for (const auto& s : v.as_array()) {
    if (!s.is_object() || !s.as_object().contains("stamp") ||
        !s.at("stamp").is_string()) {
      continue;
    }
    // The signer's names come from a certificate an outsider made.
    std::fprintf(stderr, "Signature: %s\n",
                 VisibleText(s.at("stamp").as_string()).c_str());
  }
  if (!out.Commit()) return CannotWrite(a, std::strerror(errno));
  return kExitOk;
}

// The header section of `file` as it is, its empty line included (its
// first MiB at most), read from its first byte; the file is left to be
// restarted. Its fields are left to GMime, as the whole file's would be:
// a line that is no field (an mbox "From " line, 8-bit names) does not
// end them.
std::string HeaderSectionOf(FileReader& file) {
  std::string head;
  mime::HeaderEnd end(1 << 20);
  while (!end.done()) {
    const size_t from = head.size();
    auto n = file.Read(64 << 10, &head);
    if (!n.ok() || *n == 0) break;
    end.Feed(std::string_view(head).substr(from));
  }
  if (end.found()) head.resize(end.end());
  return head;
}

// The container the server keeps for message `id` (a wrapper sent to an
// external address carries none), downloaded a slice at a time to an
// anonymous temporary file (it is ciphertext) and opened from there.
int OpenServerCopy(Globals& g, const Args& a, const std::string& id) {
  ClientOptions session;
  if (!SignIn(g, a.user, &session)) return g.exit_code;
  int fd = AnonymousTempFile();
  if (fd < 0) {
    std::fprintf(stderr,
                 "sealpost: cannot make a temporary file in TMPDIR: %s\n",
                 std::strerror(errno));
    return kExitLocal;
  }
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  bool written = true;
  auto res = CallStreamed(
      session, {"GET", "/api/v1/protected/" + UrlEncode(id) + "/sealed"},
      [](const ApiResponse& head) { return head.status == 200; },
      [&](std::string_view slice) {
        if (WriteAll(fd, slice)) return Status::Ok();
        written = false;
        return InternalError(std::string("cannot write a temporary file: ") +
                             std::strerror(errno));
      });
  if (!res.ok() || res->status != 200) {
    std::fprintf(
        stderr, "sealpost: cannot open %s: %s\n", a.file.c_str(),
        res.ok() ? RefusalOf(*res).c_str() : res.status().message().c_str());
    return res.ok() || written ? kExitServer : kExitLocal;
  }
  auto copy = FileReader::Open("/proc/self/fd/" + std::to_string(fd));
  if (!copy.ok()) {
    std::fprintf(stderr, "sealpost: cannot read a temporary file: %s\n",
                 copy.status().message().c_str());
    return kExitLocal;
  }
  return OpenSealedStream(g, a, "the server's copy (a temporary file)",
                          sealed::ReadOf(**copy), &session);
}

int OpenProtected(Globals& g, const Args& a) {
  // A file, or standard input copied to an anonymous temporary file: read
  // from there a slice at a time, never whole in memory (issue 14).
  Input in;
  std::unique_ptr<FileReader> file = in.Open(a.file);
  if (file == nullptr) return kExitLocal;
  std::string magic;
  if (!file->Read(16, &magic).ok() || !file->Restart().ok()) {
    std::fprintf(stderr, "sealpost: cannot read %s\n", in.name().c_str());
    return kExitLocal;
  }
  if (sealed::LooksSealed(magic)) {
    return OpenSealedStream(g, a, in.name(), sealed::ReadOf(*file));
  }
  // S/MIME (no wrapper's X-Sealpost-Protected field): sent as it is read.
  // The one place S/MIME is recognised (GMime's reading of the header, as
  // for the whole file); a header section over 1 MiB is not.
  std::string head = HeaderSectionOf(*file);
  if (ProtectedId(head).empty() && LooksSmime(head)) {
    return OpenSmime(g, a, *file);
  }
  if (!file->Restart().ok()) {
    std::fprintf(stderr, "sealpost: cannot read %s\n", in.name().c_str());
    return kExitLocal;
  }
  // A wrapper mail with its message.sealed: found by GMime in the file
  // and read from there a slice at a time (the file is read three times:
  // docs/rights.md).
  auto part = mime::OpenSealedAttachment(std::move(file));
  if (part.ok()) {
    return OpenSealedStream(g, a, in.name(),
                            [&part](size_t max, std::string* out) {
                              return (*part)->Read(max, out);
                            });
  }
  // Otherwise parsed whole by the MIME layer: a wrapper without
  // message.sealed (small: the server keeps the container) or something
  // that is not protected mail at all.
  auto read = ReadFile(in.path());
  if (!read.ok()) {
    std::fprintf(stderr, "sealpost: cannot read %s\n", in.name().c_str());
    return kExitLocal;
  }
  std::string input = std::move(*read);
  auto extracted = mime::ExtractSealedAttachment(input);
  std::string id;
  if (!extracted.ok() && extracted.status().code() == StatusCode::kNotFound) {
    id = ProtectedId(input);
  }
  if (!extracted.ok() && id.empty()) {
    std::fprintf(stderr, "sealpost: %s is not protected mail: %s\n",
                 a.file.c_str(), extracted.status().message().c_str());
    return kExitLocal;
  }
  if (!extracted.ok()) {
    std::string().swap(input);
    return OpenServerCopy(g, a, id);
  }
  std::string().swap(input);
  StringSource container(*extracted);
  return OpenSealedStream(g, a, in.name(), sealed::ReadOf(container));
}

}  // namespace

void RegisterOpen(CLI::App& app, Globals& g) {
  auto* open = app.add_subcommand(
      "open",
      "Read protected mail (a wrapper .eml or a bare message.sealed) as a "
      "signed-in user: acquires a use license, writes the original message "
      "byte for byte, prints the granted rights on stderr. A wrapper without "
      "message.sealed (sent to an external address) is opened from the copy "
      "the server keeps. Exit 2 with the reason when you have no rights "
      "(revoked, expired, not a recipient, org-only). S/MIME mail (encrypted, "
      "opaque-signed or clear-signed) is opened by the server with your own "
      "private key on file (`cert import` of your PKCS#12) and its "
      "signatures checked: stderr says `Signature: signed; verified=yes|no; "
      "signer=...`.");
  auto& a = RunWithArgs<Args>(
      open, g, [&g](const Args& args) { return OpenProtected(g, args); });
  open->add_option("file", a.file,
                   "Protected mail (.eml), message.sealed, "
                   "or - for standard input")
      ->required();
  open->add_option("--user", a.user, "Your address")->envname("SEALPOST_USER");
  open->add_option("--out", a.out,
                   "Write the message here instead of "
                   "standard output");
  open->add_option("--pin", a.pin,
                   "The PIN its sender gave you, for a message that asks "
                   "for one (5 wrong tries per 15 minutes)")
      ->envname("SEALPOST_PIN");
  open->footer(
      "The password comes from SEALPOST_PASSWORD or a prompt. A PIN on the "
      "command line is seen by other users of this machine: SEALPOST_PIN "
      "is not.");
}

}  // namespace sealpost::cli
