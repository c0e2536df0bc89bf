#include "server/dev.h"

#include <stdlib.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "base/files.h"
#include "crypto/dev_ca.h"
#include "crypto/password.h"
#include "crypto/random.h"

namespace sealpost::server {
namespace {

namespace json = boost::json;

constexpr const char* kDevUsers[] = {"alice@example.com", "bob@example.com"};

// Passwords of an earlier run on the same directory, from its dev.json.
std::vector<DevUser> PreviousUsers(const std::string& dir) {
  std::vector<DevUser> out;
  auto text = ReadFile(dir + "/dev.json");
  if (!text.ok()) return out;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return out;
  const json::value* users = v.as_object().if_contains("users");
  if (users == nullptr || !users->is_array()) return out;
  for (const auto& u : users->as_array()) {
    if (!u.is_object()) continue;
    const auto* e = u.as_object().if_contains("email");
    const auto* p = u.as_object().if_contains("password");
    if (e && p && e->is_string() && p->is_string()) {
      out.push_back({std::string(e->as_string()), std::string(p->as_string())});
    }
  }
  return out;
}

}  // namespace

Result<DevState> PrepareDev(Config& config) {
  // SPEC §4: a submission listener too, so that AUTH can be tried at once.
  if (config.submission_listen.empty()) {
    config.submission_listen = "127.0.0.1:0";
  }
  for (const auto* listen : {&config.https_listen, &config.smtp_listen,
                             &config.submission_listen, &config.admin_listen}) {
    if (listen->empty()) continue;  // admin_listen: on https_listen
    SP_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(*listen));
    if (!IsLoopbackHost(hp.host)) {
      return InvalidArgumentError("dev mode listens on loopback only; '" +
                                  *listen +
                                  "' is not a loopback address (use "
                                  "127.0.0.1)");
    }
  }
  DevState state;
  if (config.data_dir.empty()) {
    char tmpl[] = "/tmp/sealpost-dev-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      return InternalError("cannot create a temporary data directory");
    }
    config.data_dir = tmpl;
  }
  SP_RETURN_IF_ERROR(MakeDirs(config.data_dir));
  state.data_dir = config.data_dir;
  // SPEC §4: outbound mail goes to a Maildir unless --next-hop says
  // otherwise; mail for example.com is accepted from any client.
  if (config.smtp_next_hop.empty()) {
    config.smtp_next_hop = "maildir:" + config.data_dir + "/mailbox";
  }
  if (config.smtp_accepted_domains.empty()) {
    config.smtp_accepted_domains = "example.com";
  }
  state.ca_cert = config.data_dir + "/ca.pem";
  if (!FileExists(state.ca_cert) ||
      !FileExists(config.data_dir + "/server.pem")) {
    SP_RETURN_IF_ERROR(crypto::CreateDevCa(config.data_dir).status());
  }
  if (config.tls_cert_file.empty()) {
    config.tls_cert_file = config.data_dir + "/server.pem";
  }
  if (config.tls_key_file.empty()) {
    config.tls_key_file = config.data_dir + "/server.key";
  }
  state.users = PreviousUsers(config.data_dir);
  return state;
}

Status SeedDevUsers(DevState& state, store::Store& store) {
  for (const char* email : kDevUsers) {
    SP_ASSIGN_OR_RETURN(auto existing, store.GetUser(email));
    bool known = false;
    for (const auto& u : state.users) known |= u.email == email;
    if (existing.has_value() && known) continue;
    std::string password = crypto::GeneratePassword();
    SP_ASSIGN_OR_RETURN(std::string hash, crypto::HashPassword(password));
    std::string name(email, std::string_view(email).find('@'));
    name[0] = static_cast<char>(std::toupper(name[0]));
    SP_RETURN_IF_ERROR(existing.has_value()
                           ? store.SetPassword(email, hash)
                           : store.AddUser({email, hash, name, 0, false}));
    std::erase_if(state.users,
                  [&](const DevUser& u) { return u.email == email; });
    state.users.push_back({email, password});
  }
  return Status::Ok();
}

Status SetUpDevRights(const DevState& state, license::KeyService& keys,
                      license::Directory& directory) {
  if (!keys.active()) SP_RETURN_IF_ERROR(keys.Activate());
  SP_ASSIGN_OR_RETURN(auto licenses, directory.Licenses());
  for (const auto& u : state.users) {
    if (std::find(licenses.users.begin(), licenses.users.end(), u.email) ==
        licenses.users.end()) {
      SP_RETURN_IF_ERROR(directory.AssignLicense("user", u.email));
    }
  }
  return Status::Ok();
}

Status WriteDevJson(const DevState& state, const std::string& smtp,
                    const std::string& submission, const std::string& url,
                    const std::string& api_url) {
  json::array users;
  for (const auto& u : state.users) {
    users.push_back({{"email", u.email}, {"password", u.password}});
  }
  json::object o;
  if (!smtp.empty()) o["smtp"] = smtp;
  if (!submission.empty()) o["submission"] = submission;
  o["url"] = url;
  o["api_url"] = api_url;
  o["ca_cert"] = state.ca_cert;
  o["admin_token"] = state.admin_token;
  o["data_dir"] = state.data_dir;
  o["mailbox"] = state.data_dir + "/mailbox";
  o["users"] = users;
  o["pid"] = static_cast<int64_t>(getpid());
  return WriteFileAtomic(state.data_dir + "/dev.json",
                         json::serialize(o) + "\n", 0600);
}

std::string DevBanner(const DevState& state, const std::string& smtp,
                      const std::string& submission, const std::string& url,
                      const std::string& api_url) {
  std::string b;
  b += "\n==> Sealpost dev server is running (loopback only; do not use in "
       "production)\n\n";
  if (api_url == url) {
    b += "    Portal and API:  " + url + "\n";
  } else {
    b += "    Portal:          " + url + "\n";
    b += "    Admin API:       " + api_url + "  (and /metrics)\n";
  }
  b += "    Dev mailbox:     " + url + "/dev/mailbox\n";
  if (!smtp.empty()) b += "    SMTP gateway:    " + smtp + "\n";
  if (!submission.empty()) {
    b += "    SMTP submission: " + submission +
         "  (STARTTLS, then AUTH as a user below)\n";
  }
  b += "    Data directory:  " + state.data_dir + "\n";
  b += "    CA certificate:  " + state.ca_cert + "\n";
  b += "    Admin token:     " + state.admin_token + "\n";
  for (const auto& u : state.users) {
    b += "    User:            " + u.email + "  password: " + u.password + "\n";
  }
  b += "\n    Use the CLI against it:\n";
  b += "      export SEALPOST_ADDR=" + api_url + "\n";
  b += "      export SEALPOST_TOKEN=" + state.admin_token + "\n";
  b += "      export SEALPOST_CACERT=" + state.ca_cert + "\n";
  b += "      sealpost status\n\n";
  b += "    Everything above is also in " + state.data_dir + "/dev.json\n\n";
  return b;
}

}  // namespace sealpost::server
