// Client verbs: `sealpost open` reads protected mail as a signed-in user
// (acquiring a use license from the server, then decrypting locally), and
// `sealpost protect` protects a message through the API.
// Long: open and protect share the streamed input and output files
// (InputFile, Output) and sign-in; to be split into a file per verb with
// those in a header of their own (issue 17).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>

#include "base/byte_source.h"
#include "base/encoding.h"
#include "base/files.h"
#include "cli/cli.h"
#include "cli/local_config.h"
#include "cli/streamed_call.h"
#include "crypto/signature.h"
#include "mime/facts.h"
#include "mime/part_stream.h"
#include "mime/wrapper.h"
#include "sealed/container.h"
#include "sealed/seal.h"
#include "sealed/sealed_reader.h"
#include "sealed/wrapper_seal.h"

namespace sealpost::cli {
namespace {

namespace json = boost::json;

bool ReadInput(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "sealpost: cannot read %s\n", path.c_str());
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// A temporary file removed from its directory as soon as it is made: what
// is written to it disappears when the descriptor closes, however the
// process ends. In TMPDIR (default /tmp), mode 0600.
int AnonymousTempFile() {
  const char* dir = std::getenv("TMPDIR");
  std::string name =
      std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") +
      "/sealpost-XXXXXX";
  int fd = mkstemp(name.data());
  if (fd >= 0) unlink(name.c_str());
  return fd;
}

// Copies `from` to the end of `to`; false (errno set) on a failure.
bool CopyFd(int from, int to) {
  std::string buf(256 * 1024, '\0');
  for (;;) {
    ssize_t n = read(from, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(to, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return false;
      done += w;
    }
  }
}

// The message a command reads, as a file it can read again from the start
// and whose size is known (issue 14: never whole in memory): the file
// named, or standard input ("-"), read in place when they are a regular
// file, else (a pipe, a FIFO) copied first to an anonymous temporary file.
// `path` names it for the code that opens it again (/proc/self/fd/N for
// a copy); `name` is what messages call it.
class Input {
 public:
  ~Input() {
    if (fd_ > STDIN_FILENO) close(fd_);
  }
  // False after printing why.
  bool Open(const std::string& name) {
    name_ = name == "-" ? "standard input" : name;
    int source =
        name == "-" ? STDIN_FILENO : open(name.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (source < 0 || fstat(source, &st) != 0) {
      std::fprintf(stderr, "sealpost: cannot read %s: %s\n", name_.c_str(),
                   std::strerror(errno));
      if (source > STDIN_FILENO) close(source);
      return false;
    }
    if (S_ISREG(st.st_mode) &&
        (source != STDIN_FILENO || lseek(source, 0, SEEK_CUR) == 0)) {
      fd_ = source;
      path_ = name == "-" ? "/proc/self/fd/0" : name;
      size_ = st.st_size;
      return true;
    }
    // A pipe, a terminal or a FIFO: copied first, so that it can be read
    // again and its size is known.
    fd_ = AnonymousTempFile();
    bool copied = fd_ >= 0 && CopyFd(source, fd_) && fstat(fd_, &st) == 0 &&
                  lseek(fd_, 0, SEEK_SET) == 0;
    int saved = errno;
    if (source > STDIN_FILENO) close(source);
    if (!copied) {
      std::fprintf(stderr,
                   "sealpost: cannot copy %s to a temporary file in "
                   "TMPDIR: %s\n",
                   name_.c_str(), std::strerror(saved));
      return false;
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
    size_ = st.st_size;
    return true;
  }
  int fd() const { return fd_; }
  int64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }

 private:
  int fd_ = -1;
  int64_t size_ = 0;
  std::string path_, name_;
};

// The error message of an API answer that is not a success.
std::string RefusalOf(const ApiResponse& res) {
  std::string reason = "HTTP " + std::to_string(res.status);
  boost::system::error_code ec;
  json::value v = json::parse(res.body, ec);
  if (!ec && v.is_object()) {
    if (const auto* e = v.as_object().if_contains("error");
        e != nullptr && e->is_object()) {
      if (const auto* m = e->as_object().if_contains("message");
          m != nullptr && m->is_string()) {
        reason = std::string(m->as_string());
      }
    }
  }
  return reason;
}

}  // namespace

bool SignIn(Globals& g, const std::string& user, ClientOptions* client) {
  if (user.empty()) {
    std::fprintf(stderr,
                 "sealpost: who are you? pass --user EMAIL (or set "
                 "SEALPOST_USER)\n");
    g.exit_code = kExitLocal;
    return false;
  }
  std::string password =
      ReadPassword("Password for " + user + ": ", "SEALPOST_PASSWORD");
  Globals anon = g;
  anon.client.token.clear();
  std::string body;
  if (!CallApi(anon, "POST", "/api/v1/auth/token",
               json::serialize(
                   json::object{{"email", user}, {"password", password}}),
               &body)) {
    g.exit_code = anon.exit_code;
    return false;
  }
  *client = WithLocalDefaults(g.client);
  client->token = std::string(json::parse(body).at("token").as_string());
  return true;
}

namespace {

struct Args {
  std::string file, user, out, from, tmpl;
  std::vector<std::string> to;
  bool smime = false, sign = false;
};

// Output that only appears when complete: a temporary file renamed over
// --out on success, or standard output (which cannot be taken back, so a
// failure after the first bytes is reported and the exit code says so).
// Where plaintext goes: stdout, or a regular file written beside itself and
// renamed into place only when complete (no half-written plaintext under
// the final name). A path that exists and is not a regular file (a device
// such as /dev/null, a FIFO) is written in place: renaming over it would
// replace the device with a file.
class Output {
 public:
  explicit Output(const std::string& path) : path_(path) {
    struct stat st;
    if (path_.empty() || path_ == "-") {
      file_ = stdout;
    } else if (stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      file_ = std::fopen(path_.c_str(), "wb");
      in_place_ = true;
    } else {
      tmp_ = path_ + ".sealpost-tmp";
      file_ = std::fopen(tmp_.c_str(), "wb");
    }
  }
  ~Output() {
    if (file_ != nullptr && file_ != stdout) {
      std::fclose(file_);
      if (!in_place_) std::remove(tmp_.c_str());
    }
  }
  bool ok() const { return file_ != nullptr; }
  bool Write(std::string_view data) {
    return data.empty() ||
           std::fwrite(data.data(), 1, data.size(), file_) == data.size();
  }
  bool Commit() {
    if (file_ == stdout) return std::fflush(stdout) == 0;
    bool ok =
        std::fflush(file_) == 0 && (in_place_ || fsync(fileno(file_)) == 0);
    ok = std::fclose(file_) == 0 && ok;
    file_ = nullptr;
    if (in_place_) return ok;
    return ok && std::rename(tmp_.c_str(), path_.c_str()) == 0;
  }

 private:
  std::string path_, tmp_;
  FILE* file_ = nullptr;
  bool in_place_ = false;  // path_ is a device or FIFO, written directly
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
  auto res = Call(client, "POST", "/api/v1/licenses", json::serialize(req));
  if (!res.ok()) {
    std::fprintf(stderr, "sealpost: %s\n", res.status().message().c_str());
    return kExitServer;
  }
  boost::system::error_code ec;
  json::value v = json::parse(res->body, ec);
  if (res->status != 200 || ec || !v.is_object()) {
    std::string reason = "HTTP " + std::to_string(res->status);
    if (!ec && v.is_object() && v.as_object().contains("error")) {
      reason = std::string(v.at("error").at("message").as_string());
    }
    std::fprintf(stderr, "sealpost: cannot open %s: %s\n", a.file.c_str(),
                 reason.c_str());
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
               std::string(v.at("message_id").as_string()).c_str(),
               std::string(v.at("template").as_string()).c_str(),
               std::string(v.at("owner").as_string()).c_str(), rights.c_str());
  return kExitOk;
}

int Damaged(const Args& a) {
  std::fprintf(stderr, "sealpost: %s: the protected content is damaged\n",
               a.file.c_str());
  return kExitLocal;
}

// Appends up to `max` container bytes to *out; 0 at the end.
using ReadFn = std::function<Result<size_t>(size_t max, std::string* out)>;

// A container read a slice at a time, streamed: memory stays flat whatever
// its size, and the plaintext goes to a file renamed into place only once
// the last segment authenticated.
int OpenSealedStream(Globals& g, const Args& a, const ReadFn& read,
                     ClientOptions* session = nullptr) {
  std::string head;
  size_t needed = sealed::kPrefixSize;
  Result<sealed::SealedHeader> header = DataLossError("");
  for (;;) {
    header = sealed::ParseSealedHeader(head, &needed);
    if (header.ok()) break;
    if (!sealed::IsIncompleteHeader(header.status())) return Damaged(a);
    auto n = read(needed - head.size(), &head);
    if (!n.ok() || *n == 0) return Damaged(a);
  }
  License lic;
  if (int rc =
          AcquireLicense(g, a, head.substr(0, header->size), &lic, session);
      rc != kExitOk) {
    return rc;
  }
  sealed::SealedReader reader;
  Output out(a.out);
  if (!out.ok()) {
    std::fprintf(stderr, "sealpost: cannot write %s\n", a.out.c_str());
    return kExitLocal;
  }
  if (!reader.Update(head).ok() ||
      !reader.VerifySignature(*lic.verifier).ok() ||
      !reader.SetContentKey(lic.content_key).ok()) {
    return Damaged(a);
  }
  std::string chunk;
  for (;;) {
    chunk.clear();
    auto n = read(1 << 20, &chunk);
    if (!n.ok()) return Damaged(a);
    if (*n == 0) break;
    if (!reader.Update(chunk).ok() || !out.Write(reader.TakeOutput())) {
      return Damaged(a);
    }
  }
  if (!reader.Finish().ok() || !out.Write(reader.TakeOutput())) {
    return Damaged(a);
  }
  return out.Commit() ? kExitOk : kExitLocal;
}

// A file read again from its start on Restart().
class FileSource : public ByteSource {
 public:
  explicit FileSource(std::string path) : path_(std::move(path)) {}
  Status Restart() override {
    SP_ASSIGN_OR_RETURN(file_, FileReader::Open(path_));
    return Status::Ok();
  }
  Result<size_t> Read(size_t max, std::string* out) override {
    if (file_ == nullptr) SP_RETURN_IF_ERROR(Restart());
    return file_->Read(max, out);
  }

 private:
  std::string path_;
  std::unique_ptr<FileReader> file_;
};

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
// CAs on file; the verdicts go to stderr.
int OpenSmime(Globals& g, const Args& a, const std::string& mail) {
  ClientOptions session;
  if (!SignIn(g, a.user, &session)) return g.exit_code;
  Globals as_user = g;
  as_user.client = session;
  ApiResponse res;
  if (!CallApiRaw(as_user, "POST", "/api/v1/smime/open", mail, "message/rfc822",
                  &res)) {
    return as_user.exit_code;
  }
  boost::system::error_code ec;
  json::value v = json::parse(res.body, ec);
  Result<std::string> message = DataLossError("");
  if (!ec && v.is_object() && v.at("message").is_string()) {
    message = Base64Decode(v.at("message").as_string());
  }
  if (!message.ok()) {
    std::fprintf(stderr, "sealpost: malformed answer from the server\n");
    return kExitServer;
  }
  std::string cert(v.at("certificate").as_string());
  if (!cert.empty()) {
    std::fprintf(stderr, "S/MIME:   decrypted with your certificate %s\n",
                 cert.substr(0, 16).c_str());
  }
  for (const auto& s : v.at("signatures").as_array()) {
    std::fprintf(stderr, "Signature: %s\n",
                 std::string(s.at("stamp").as_string()).c_str());
  }
  Output out(a.out);
  if (!out.ok() || !out.Write(*message) || !out.Commit()) {
    std::fprintf(stderr, "sealpost: cannot write %s\n", a.out.c_str());
    return kExitLocal;
  }
  return kExitOk;
}

// Reads forward from `fd` (its current offset).
ReadFn FdReader(int fd) {
  return [fd](size_t max, std::string* out) -> Result<size_t> {
    size_t old = out->size();
    out->resize(old + max);
    ssize_t n;
    do {
      n = read(fd, out->data() + old, max);
    } while (n < 0 && errno == EINTR);
    out->resize(old + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    if (n < 0) return DataLossError("read");
    return static_cast<size_t>(n);
  };
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
        for (size_t done = 0; done < slice.size();) {
          ssize_t w = write(fd, slice.data() + done, slice.size() - done);
          if (w < 0 && errno == EINTR) continue;
          if (w < 0) {
            written = false;
            return InternalError(std::string("cannot write a temporary "
                                             "file: ") +
                                 std::strerror(errno));
          }
          done += static_cast<size_t>(w);
        }
        return Status::Ok();
      });
  if (!res.ok() || res->status != 200) {
    std::fprintf(
        stderr, "sealpost: cannot open %s: %s\n", a.file.c_str(),
        res.ok() ? RefusalOf(*res).c_str() : res.status().message().c_str());
    return res.ok() || written ? kExitServer : kExitLocal;
  }
  if (lseek(fd, 0, SEEK_SET) != 0) return kExitLocal;
  return OpenSealedStream(g, a, FdReader(fd), &session);
}

int OpenProtected(Globals& g, const Args& a) {
  // A file, or standard input copied to an anonymous temporary file: read
  // from there a slice at a time, never whole in memory (issue 14).
  Input in;
  if (!in.Open(a.file)) return kExitLocal;
  char magic[16] = {};
  ssize_t n = pread(in.fd(), magic, sizeof magic, 0);
  if (n > 0 && sealed::LooksSealed(std::string_view(magic, n))) {
    return OpenSealedStream(g, a, FdReader(in.fd()));
  }
  // A wrapper mail with its message.sealed: found by GMime in the file
  // and read from there a slice at a time (the file is read three times:
  // docs/cli.md).
  auto part =
      mime::OpenSealedAttachment(std::make_unique<FileSource>(in.path()));
  if (part.ok()) {
    return OpenSealedStream(g, a, [&part](size_t max, std::string* out) {
      return (*part)->Read(max, out);
    });
  }
  // Otherwise parsed whole by the MIME layer: a wrapper without
  // message.sealed (small: the server keeps the container), S/MIME mail,
  // or something that is not protected mail at all.
  std::string input;
  if (!ReadInput(in.path(), &input)) return kExitLocal;
  auto extracted = mime::ExtractSealedAttachment(input);
  std::string id;
  if (!extracted.ok() && extracted.status().code() == StatusCode::kNotFound) {
    id = ProtectedId(input);
    if (id.empty() && LooksSmime(input)) return OpenSmime(g, a, input);
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
  const std::string& container = *extracted;
  size_t at = 0;
  return OpenSealedStream(g, a, [&](size_t max, std::string* out) {
    size_t take = std::min(max, container.size() - at);
    out->append(container, at, take);
    at += take;
    return Result<size_t>(take);
  });
}

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
  if (!in.Open(a.file)) {
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
      client, {"POST", target, "message/rfc822", in.fd(), in.size()},
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
    std::fprintf(stderr, "S/MIME:   encrypted to certificates %s\n",
                 res->Header("x-sealpost-smime-certificates").c_str());
    if (!signer.empty()) {
      std::fprintf(stderr, "Signed:   with your certificate %s\n",
                   signer.c_str());
    } else if (std::string note = res->Header("x-sealpost-smime-note");
               !note.empty()) {
      std::fprintf(stderr, "Note:     %s\n", note.c_str());
    }
  } else {
    std::fprintf(stderr, "Protected as %s with template %s\n",
                 res->Header("x-sealpost-message-id").c_str(),
                 res->Header("x-sealpost-template").c_str());
  }
  if (!out.Commit()) {
    std::fprintf(stderr, "sealpost: cannot write %s\n", a.out.c_str());
    g.exit_code = kExitLocal;
  }
}

}  // namespace

void RegisterOpen(CLI::App& app, Globals& g) {
  auto a = std::make_shared<Args>();

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
  open->add_option("file", a->file,
                   "Protected mail (.eml), message.sealed, "
                   "or - for standard input")
      ->required();
  open->add_option("--user", a->user, "Your address")->envname("SEALPOST_USER");
  open->add_option("--out", a->out,
                   "Write the message here instead of "
                   "standard output");
  open->footer("The password comes from SEALPOST_PASSWORD or a prompt.");
  open->callback([&g, a] { g.exit_code = OpenProtected(g, *a); });

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
