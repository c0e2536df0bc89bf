// `sealpost cert import|list|get|remove`, `cert trust import|list|remove`,
// `cert crl import|list|remove`: S/MIME certificates on file, the trusted CAs
// and revocation lists (SPEC §4; docs/smime.md). The file is read here and sent
// to the server, which parses it (as untrusted input) and keeps it. `cert
// remove` refuses the certificate too (never harvested again; `cert list
// --refused` lists them) until `cert import` of it takes it back.
#include <CLI/CLI.hpp>
#include <array>
#include <boost/json.hpp>
#include <iomanip>
#include <iostream>
#include <span>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/files.h"
#include "base/visible_text.h"
#include "cli/cli.h"

namespace sealpost::cli {
namespace {

namespace json = boost::json;

constexpr size_t kMaxFileBytes = 1 << 20;  // crypto::kMaxCertificateFileBytes

std::string Emails(const json::object& o) {
  std::string out;
  for (const auto& e : o.at("emails").as_array()) {
    out += (out.empty() ? "" : ", ") + std::string(e.as_string());
  }
  return out;
}

std::string Date(const json::object& o, std::string_view key) {
  return FormatRfc3339(o.at(key).to_number<int64_t>());
}

void PrintCert(const json::object& o) {
  PrintProperties({
      {"Id", JsonStr(o, "id")},
      {"Kind", JsonStr(o, "kind")},
      {"Email", Emails(o)},
      {"Subject", JsonStr(o, "subject")},
      {"Issuer", JsonStr(o, "issuer")},
      {"SerialNumber", JsonStr(o, "serial")},
      {"NotBefore", Date(o, "not_before")},
      {"NotAfter", Date(o, "not_after")},
      {"KeyType", JsonStr(o, "key_type")},
      {"HasPrivateKey", JsonText(o.at("has_private_key"))},
      {"Status", JsonStr(o, "status")},
      {"Reason", JsonStr(o, "reason")},
      {"Source", JsonStr(o, "source")},  // import, or harvest (smime.harvest)
  });
}

// A certificate's addresses, or a CA's kind and name (it has no address).
std::string EmailOrCa(const json::object& o) {
  if (JsonStr(o, "kind") == "user") return Emails(o);
  return "(" + JsonStr(o, "kind") + ") " + JsonStr(o, "subject");
}

// Rows of 5 columns, the first a header, the first 4 aligned; each cell
// shown as VisibleText.
void PrintRows(std::vector<std::array<std::string, 5>> rows) {
  std::array<size_t, 4> width{};
  for (auto& r : rows) {
    for (std::string& cell : r) cell = VisibleText(cell);
    for (size_t i = 0; i < width.size(); ++i) {
      width[i] = std::max(width[i], r[i].size());
    }
  }
  for (const auto& r : rows) {
    for (size_t i = 0; i < width.size(); ++i) {
      std::cout << std::left << std::setw(static_cast<int>(width[i]) + 2)
                << r[i];
    }
    std::cout << r[4] << "\n";
  }
}

// One line per certificate, under a header: what `cert list` shows.
void PrintTable(const json::array& certs) {
  std::vector<std::array<std::string, 5>> rows = {
      {"Id", "Email (or CA)", "Status", "NotAfter", "Reason"}};
  for (const auto& c : certs) {
    const auto& o = c.as_object();
    rows.push_back({JsonStr(o, "id").substr(0, 16), EmailOrCa(o),
                    JsonStr(o, "status"), Date(o, "not_after").substr(0, 10),
                    JsonStr(o, "reason")});
  }
  PrintRows(rows);
}

// What `cert list --refused` shows.
void PrintRefused(const json::array& refused) {
  std::vector<std::array<std::string, 5>> rows = {
      {"Id", "Email (or CA)", "NotAfter", "RefusedAt", "Subject"}};
  for (const auto& c : refused) {
    const auto& o = c.as_object();
    rows.push_back({JsonStr(o, "id").substr(0, 16), EmailOrCa(o),
                    Date(o, "not_after").substr(0, 10), Date(o, "refused_at"),
                    JsonStr(o, "subject")});
  }
  PrintRows(rows);
}

// {"file": base64} from a local file, or false with a message printed.
bool FileBody(Globals& g, const std::string& path, json::object* body) {
  auto bytes = ReadFile(path);
  if (!bytes.ok()) {
    std::cerr << "sealpost: cannot read " << path << ": "
              << bytes.status().message() << "\n";
    g.exit_code = kExitLocal;
    return false;
  }
  if (bytes->size() > kMaxFileBytes) {
    std::cerr << "sealpost: " << path << " is larger than 1 MiB\n";
    g.exit_code = kExitLocal;
    return false;
  }
  (*body)["file"] = Base64Encode(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()));
  return true;
}

void PrintImported(const json::value& v) {
  const json::object& o = v.as_object();
  const auto& certs = o.at("certificates").as_array();
  std::cout << "Imported " << certs.size() << " certificate"
            << (certs.size() == 1 ? "" : "s") << " ("
            << VisibleText(JsonStr(o, "format")) << ")\n\n";
  for (const auto& c : certs) {
    PrintCert(c.as_object());
    std::cout << "\n";
  }
  // `cert remove` had refused them; this import takes them back.
  if (const json::value* unrefused = o.if_contains("unrefused")) {
    for (const auto& id : unrefused->as_array()) {
      std::cout << "No longer refused: " << VisibleText(id.as_string()) << "\n";
    }
  }
}

// `PARENT import FILE`: the file posted to `target`, the answer printed by
// `print`.
void AddImport(CLI::App& parent, Globals& g, const std::string& help,
               const std::string& file_help, const std::string& target,
               const std::function<void(const json::value&)>& print) {
  auto file = std::make_shared<std::string>();
  auto* import = parent.add_subcommand("import", help);
  import->add_option("file", *file, file_help)->required();
  import->callback([file, &g, target, print] {
    json::object req;
  if (!FileBody(g, *file, &req)) return;
  CallAndPrint(g, "POST", target, json::serialize(req), print);
});
}  // namespace

// `PARENT remove ID`: DELETE `target` + ID, then "`removed` ID`after`".
void AddRemove(CLI::App& parent, Globals& g, const std::string& help,
               const std::string& target, const std::string& removed,
               const std::string& after = "") {
  auto id = std::make_shared<std::string>();
  auto* remove = parent.add_subcommand("remove", help);
  remove->add_option("id", *id, "Id (8+ hex digits)")->required();
  remove->callback([id, &g, target, removed, after] {
    CallAndPrint(g, "DELETE", target + UrlEncode(*id), "",
                 [&removed, &after](const json::value& v) {
                   std::cout << removed
                             << VisibleText(v.at("removed").as_string())
                             << after << "\n";
                 });
  });
}

// The answer's `key` list as a table made by `print`, `none` when empty.
void PrintList(Globals& g, const std::string& body, const char* none,
               const char* key = "certificates",
               void (*print)(const json::array&) = PrintTable) {
  if (g.json) {
    std::cout << JsonForTerminal(body) << "\n";
    return;
  }
  auto v = ParseAnswer(g, body);
  if (!v) return;
  const auto& certs = v->at(key).as_array();
  if (certs.empty()) {
    std::cout << none << "\n";
    return;
  }
  print(certs);
}

}  // namespace sealpost::cli

void RegisterCert(CLI::App& app, Globals& g) {
  auto* cert = app.add_subcommand(
      "cert", "S/MIME certificates on file, trusted CAs and CRLs");
  cert->require_subcommand(1);
  struct Args {
    std::string file, password_file, email, id;
    bool refused = false;
  };
  auto a = std::make_shared<Args>();

  auto* import = cert->add_subcommand(
      "import",
      "Import certificates: PEM, DER, PKCS#7 (.p7b) or PKCS#12 (.p12/.pfx, "
      "with the private key of one of our own users)");
  import->add_option("file", a->file, "Certificate file")->required();
  import
      ->add_option("--password-file", a->password_file,
                   "File holding the PKCS#12 password (first line)")
      ->envname("SEALPOST_CERT_PASSWORD_FILE");
  import->callback([a, &g] {
    json::object req;
  if (!FileBody(g, a->file, &req)) return;
  if (!a->password_file.empty()) {
    auto pw = ReadFile(a->password_file);
    if (!pw.ok()) {
      std::cerr << "sealpost: cannot read " << a->password_file << ": "
                << pw.status().message() << "\n";
      g.exit_code = kExitLocal;
      return;
    }
    std::string line = pw->substr(0, pw->find_first_of("\r\n"));
    req["password"] = line;
  }
  CallAndPrint(g, "POST", "/api/v1/smime/certs", json::serialize(req),
               PrintImported);
});

auto* list = cert->add_subcommand(
    "list",
    "List certificates with their status (valid, expired, not yet "
    "valid, revoked, untrusted, wrong key usage) and why");
list->add_option("--email", a->email, "Only the certificates of an address")
    ->envname("SEALPOST_CERT_EMAIL");
list->add_flag("--refused", a->refused,
               "List the certificates `cert remove` refused instead: "
               "harvesting never stores them again; `cert import` of one "
               "takes it back");
list->callback([a, &g] {
  std::string body;
  std::string target =
      a->refused ? "/api/v1/smime/refused" : "/api/v1/smime/certs";
  if (!a->email.empty()) target += "?email=" + UrlEncode(a->email);
  if (!CallApi(g, "GET", target, "", &body)) return;
  if (a->refused) {
    PrintList(g, body, "No refused certificates.", "refused", PrintRefused);
    return;
  }
  PrintList(g, body, "No certificates on file.");
});

auto* get = cert->add_subcommand("get", "Show one certificate");
get->add_option("id", a->id, "Id (SHA-256 fingerprint, 8+ hex digits)")
    ->required();
get->callback([a, &g] {
  CallAndPrint(g, "GET", "/api/v1/smime/certs/" + UrlEncode(a->id), "",
               [](const json::value& v) { PrintCert(v.as_object()); });
});

AddRemove(*cert, g,
          "Remove a certificate and refuse it: harvesting from signed mail "
          "never stores it again (`cert list --refused`); `cert import` of "
          "it takes it back",
          "/api/v1/smime/certs/", "Removed certificate ",
          " (refused: not harvested again; `cert import` takes it back)");

auto* trust = cert->add_subcommand(
    "trust", "Trusted CAs (Set-SmimeConfig -SMIMECertificateIssuingCA)");
trust->require_subcommand(1);
AddImport(*trust, g, "Trust the CA certificates in a file (PEM, DER, PKCS#7)",
          "CA certificate file", "/api/v1/smime/trust", PrintImported);
trust->add_subcommand("list", "List the trusted CAs")->callback([&g] {
  std::string body;
  if (!CallApi(g, "GET", "/api/v1/smime/trust", "", &body)) return;
  PrintList(g, body, "No trusted CAs: no certificate can be used to encrypt.");
});
AddRemove(*trust, g, "Stop trusting a CA", "/api/v1/smime/trust/",
          "Removed trusted CA ");

auto* crl = cert->add_subcommand("crl", "Certificate revocation lists");
crl->require_subcommand(1);
AddImport(*crl, g,
          "Import a full CRL (PEM or DER) signed by a CA on file; one older "
          "than the CRL on file is refused (`cert crl remove` first)",
          "CRL file", "/api/v1/smime/crls", [](const json::value& v) {
            const json::object& o = v.as_object();
            PrintProperties({{"Issuer", JsonStr(o, "issuer")},
                             {"ThisUpdate", Date(o, "this_update")},
                             {"NextUpdate", Date(o, "next_update")},
                             {"Revoked", JsonText(o.at("revoked"))}});
          });
{
  auto issuer = std::make_shared<std::string>();
  auto* remove = crl->add_subcommand(
      "remove", "Remove the CRL of an issuer (before importing an older one)");
  remove->add_option("issuer", *issuer, "Its issuer, as `cert crl list` shows")
      ->required();
  remove->callback([issuer, &g] {
    CallAndPrint(g, "DELETE", "/api/v1/smime/crls/" + UrlEncode(*issuer), "",
                 [](const json::value& v) {
                   std::cout << "Removed the CRL of "
                             << VisibleText(JsonStr(v.as_object(), "removed"))
                             << "\n";
                 });
  });
}
crl->add_subcommand("list", "List the CRLs on file")->callback([&g] {
  CallAndPrint(g, "GET", "/api/v1/smime/crls", "", [](const json::value& v) {
    for (const auto& c : v.at("crls").as_array()) {
      const auto& o = c.as_object();
      // A fetched CRL is fetched again after a day (docs/smime.md).
      const bool fetched = o.at("fetched_at").to_number<int64_t>() != 0;
      PrintProperties(
          {{"Issuer", JsonStr(o, "issuer")},
           {"CrlNumber", JsonStr(o, "crl_number")},
           {"ThisUpdate", Date(o, "this_update")},
           {"NextUpdate", Date(o, "next_update")},
           {"Source", fetched ? "fetched " + Date(o, "fetched_at") +
                                    ", refreshed after " + Date(o, "refetch_at")
                              : std::string("imported")}});
      std::cout << "\n";
    }
  });
});
}  // namespace sealpost::cli

}  // namespace sealpost::cli
