#include "license/directory.h"

#include "base/strings.h"

#include <algorithm>
#include <boost/json.hpp>

#include "base/encoding.h"
#include "base/log.h"
#include "crypto/digest.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "net/client_key.h"
#include "store/update_setting.h"

namespace sealpost::license {
namespace {

namespace json = boost::json;

constexpr std::string_view kGroupsKey = "groups";
constexpr std::string_view kLicensesKey = "licenses";

std::vector<std::string> ToStrings(const json::value* v) {
  std::vector<std::string> out;
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& e : v->as_array()) {
    if (e.is_string()) out.emplace_back(e.as_string());
  }
  return out;
}

json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

Result<std::map<std::string, std::vector<std::string>>> ParseGroups(
    const std::optional<std::string>& text) {
  std::map<std::string, std::vector<std::string>> out;
  if (!text.has_value()) return out;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return DataLossError("stored groups are corrupt");
  for (const auto& [name, members] : v.as_object()) {
    out[std::string(name)] = ToStrings(&members);
  }
  return out;
}

Result<LicenseAssignments> ParseLicenses(
    const std::optional<std::string>& text) {
  LicenseAssignments out;
  if (!text.has_value()) return out;
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return DataLossError("stored licenses are corrupt");
  out.users = ToStrings(v.as_object().if_contains("users"));
  out.groups = ToStrings(v.as_object().if_contains("groups"));
  return out;
}

Status ValidGroupName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return InvalidArgumentError("group names have 1 to 64 characters");
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' &&
        c != '.' && c != ' ') {
      return InvalidArgumentError(
          "group names use letters, digits, space, '-', '_' and '.'");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> NormalizeEmail(std::string_view email) {
  std::string out = AsciiLower(email);
  auto at = out.find('@');
  if (out.size() > 254 || at == std::string::npos || at == 0 ||
      at + 1 == out.size() || out.find('@', at + 1) != std::string::npos ||
      out.find_first_of(" \t\r\n<>\",;()[]\\") != std::string::npos) {
    return InvalidArgumentError("'" + std::string(email) +
                                "' is not an e-mail address");
  }
  return out;
}

std::string HashToken(std::string_view token) {
  return crypto::Sha256Hex(token);
}

Result<std::string> Directory::CheckPassword(std::string_view email,
                                             std::string_view password,
                                             std::string_view remote_address) {
  int64_t now = clock_.NowUnix();
  std::string addr = AsciiLower(email);
  const std::string network = net::ClientKey(remote_address);
  // Counted as a failure before the (slow) check and forgiven on success:
  // parallel guesses cannot all pass the limit before any counted. The
  // same for an address that is no user's, so that neither the limits nor
  // the time taken tell which addresses exist.
  SP_RETURN_IF_ERROR(limits_.Take(addr, network, now));
  SP_ASSIGN_OR_RETURN(auto user, store_.GetUser(addr));
  // Verify against a fixed hash when the user is unknown, so that timing
  // does not reveal which addresses exist.
  static const std::string kDummy = *crypto::HashPassword("dummy-password");
  bool ok = crypto::VerifyPassword(
      password, user.has_value() ? user->password_hash : kDummy);
  if (!ok || !user.has_value() || user->disabled) {
    // What was typed as the address is sometimes a password: the record
    // names a user only when there is one (the admin page shows it).
    // (Not even a hash of it: a short one confirms dictionary guesses.)
    const std::string who = user.has_value() ? addr : "unknown address";
    store_.AppendAuditBestEffort({0, now, who, "auth.sign_in", who, "refused",
                                  "wrong address or password"});
    return UnauthenticatedError("wrong e-mail address or password");
  }
  limits_.Forgive(addr, network, now);
  return addr;
}

Result<SignInResult> Directory::SignIn(std::string_view email,
                                       std::string_view password,
                                       std::string_view remote_address,
                                       std::string_view kind) {
  // The user's epoch, read before the password is: the session is opened
  // in it, and counts only while it is still the user's (Session). A
  // reset or a removal that lands during the (slow) check moves it, so
  // the session opens nothing, in whatever order the two are stored.
  SP_ASSIGN_OR_RETURN(auto user, store_.GetUser(AsciiLower(email)));
  const int64_t epoch = user.has_value() ? user->epoch : 0;
  SP_ASSIGN_OR_RETURN(std::string addr,
                      CheckPassword(email, password, remote_address));
  return StartSession(addr, kind, epoch);
}

Result<SignInResult> Directory::OpenSession(std::string_view email,
                                            std::string_view kind) {
  return StartSession(email, kind, 0);
}

Result<SignInResult> Directory::StartSession(std::string_view email,
                                             std::string_view kind,
                                             int64_t epoch) {
  int64_t now = clock_.NowUnix();
  std::string addr = AsciiLower(email);
  if (addr == kSystemOwner) {
    // A provider that vouches for it is wrong: it is no one's address.
    return PermissionDeniedError(addr + " is reserved: no one signs in as it");
  }
  SignInResult out;
  out.token = crypto::RandomToken(32);
  out.expires_at = now + kSessionLifetime;
  SP_RETURN_IF_ERROR(
      store_.PutSession({HashToken(out.token), addr, std::string(kind), now,
                         out.expires_at, epoch}));
  store_.AppendAuditBestEffort(
      {0, now, addr, "auth.sign_in", addr, "ok", std::string(kind)});
  return out;
}

Result<store::SessionRecord> Directory::Session(std::string_view token) {
  if (token.empty()) return UnauthenticatedError("sign-in required");
  SP_ASSIGN_OR_RETURN(auto session, store_.GetSession(HashToken(token)));
  if (!session.has_value() || session->expires_at <= clock_.NowUnix()) {
    return UnauthenticatedError("session expired or unknown; sign in again");
  }
  if (session->kind == kApiSession || session->kind == kPortalSession) {
    // The user's row, read on every call anyway (removed, disabled), says
    // too whether the credentials the session proved are still theirs.
    SP_ASSIGN_OR_RETURN(auto user, store_.GetUser(session->email));
    if (!user.has_value() || user->disabled || user->epoch != session->epoch) {
      return UnauthenticatedError("session expired or unknown; sign in again");
    }
  }
  return *session;
}

Result<std::string> Directory::Authenticate(std::string_view token) {
  SP_ASSIGN_OR_RETURN(store::SessionRecord session, Session(token));
  if (session.kind != kApiSession) {
    return UnauthenticatedError(
        "not an API token: sign in with POST /api/v1/auth/token");
  }
  return session.email;
}

Status Directory::SignOut(std::string_view token) {
  return store_.DeleteSession(HashToken(token));
}

Status Directory::EndSessionsOf(std::string_view email) {
  const std::string addr = AsciiLower(email);
  // First the epoch (a user's): a sign-in under way stores its session
  // after the deletion below, in the old epoch.
  SP_RETURN_IF_ERROR(store_.BumpUserEpoch(addr));
  SP_RETURN_IF_ERROR(store_.DeleteSessionsOf(addr));
  // The view cache keeps pages per session and asks the store nothing on
  // a hit: a new generation drops them (other nodes hear of it from the
  // store's change report).
  Changed();
  return Status::Ok();
}

Result<bool> Directory::UserExists(std::string_view email) {
  SP_ASSIGN_OR_RETURN(auto user, store_.GetUser(AsciiLower(email)));
  return user.has_value() && !user->disabled;
}

Status Directory::AddUser(store::UserRecord user) {
  SP_ASSIGN_OR_RETURN(user.email, NormalizeEmail(user.email));
  if (user.email == kSystemOwner) {
    return InvalidArgumentError(
        user.email +
        " is reserved: it owns protected mail no sender of ours wrote "
        "(bounces, untrusted clients), so no one may sign in as it");
  }
  // A new account's epoch is not the one of an account removed from the
  // address: a sign-in to that one still under way opens nothing here.
  SecretBytes epoch = crypto::RandomBytes(sizeof(uint64_t));
  uint64_t bits = 0;
  for (uint8_t b : epoch.InsecureBytes()) bits = bits << 8 | b;
  user.epoch = static_cast<int64_t>(bits >> 2);  // room to count up
  // Taken or not is the store's one statement: of two adds at once, one
  // is ALREADY_EXISTS (was: both looked first, and both were told 201).
  SP_RETURN_IF_ERROR(store_.AddUser(user));
  Changed();  // the address is internal now
  return Status::Ok();
}

Status Directory::SetPassword(std::string_view email,
                              std::string_view password_hash) {
  // The hash and a new epoch, only on a user there is: NOT_FOUND, not a
  // user brought back, when a removal came first.
  SP_RETURN_IF_ERROR(store_.SetPassword(AsciiLower(email), password_hash));
  // The epoch moved with the hash: no session of the old password counts
  // any more, even if its row cannot be deleted now.
  if (Status ended = EndSessionsOf(email); !ended.ok()) {
    Changed();
    log::Warn("directory: sessions of an old password left to expire: {}",
              ended.message());
  }
  return Status::Ok();
}

Status Directory::RemoveUser(std::string_view email) {
  std::string addr = AsciiLower(email);
  SP_RETURN_IF_ERROR(store_.DeleteUser(addr));
  Changed();
  SP_RETURN_IF_ERROR(store_.DeleteSessionsOf(addr));
  SP_RETURN_IF_ERROR(EditLicenses([&](LicenseAssignments& lic) -> Status {
    std::erase(lic.users, addr);
    return Status::Ok();
  }));
  SP_RETURN_IF_ERROR(EditGroups([&](GroupMap& groups) -> Status {
    for (auto& [name, members] : groups) std::erase(members, addr);
    return Status::Ok();
  }));
  Changed();
  return Status::Ok();
}

Result<Directory::GroupMap> Directory::Groups() {
  SP_ASSIGN_OR_RETURN(auto text, store_.GetSetting(kGroupsKey));
  return ParseGroups(text);
}

Status Directory::EditGroups(const std::function<Status(GroupMap&)>& edit) {
  Status st = store::UpdateSetting(
      store_, kGroupsKey,
      [&](const std::optional<std::string>& text) -> Result<std::string> {
        SP_ASSIGN_OR_RETURN(GroupMap groups, ParseGroups(text));
        SP_RETURN_IF_ERROR(edit(groups));
        json::object o;
        for (const auto& [name, members] : groups) o[name] = ToArray(members);
        return json::serialize(o);
      });
  Changed();
  return st;
}

Result<std::vector<std::string>> Directory::GroupsOf(std::string_view email) {
  SP_ASSIGN_OR_RETURN(auto groups, Groups());
  std::vector<std::string> out;
  std::string addr = AsciiLower(email);
  for (const auto& [name, members] : groups) {
    if (std::find(members.begin(), members.end(), addr) != members.end()) {
      out.push_back(name);
    }
  }
  return out;
}

Status Directory::AddGroup(std::string_view name) {
  SP_RETURN_IF_ERROR(ValidGroupName(name));
  return EditGroups([&](GroupMap& groups) -> Status {
    if (groups.count(std::string(name))) {
      return AlreadyExistsError("group " + std::string(name) +
                                " already exists");
    }
    groups[std::string(name)] = {};
    return Status::Ok();
  });
}

Status Directory::RemoveGroup(std::string_view name) {
  return EditGroups([&](GroupMap& groups) -> Status {
    if (groups.erase(std::string(name)) == 0) {
      return NotFoundError("no group " + std::string(name));
    }
    return Status::Ok();
  });
}

Status Directory::AddMember(std::string_view group, std::string_view email) {
  SP_ASSIGN_OR_RETURN(std::string addr, NormalizeEmail(email));
  return EditGroups([&](GroupMap& groups) -> Status {
    auto it = groups.find(std::string(group));
    if (it == groups.end()) {
      return NotFoundError("no group " + std::string(group));
    }
    if (std::find(it->second.begin(), it->second.end(), addr) ==
        it->second.end()) {
      it->second.push_back(addr);
    }
    return Status::Ok();
  });
}

Status Directory::RemoveMember(std::string_view group, std::string_view email) {
  std::string addr = AsciiLower(email);
  return EditGroups([&](GroupMap& groups) -> Status {
    auto it = groups.find(std::string(group));
    if (it == groups.end()) {
      return NotFoundError("no group " + std::string(group));
    }
    if (std::erase(it->second, addr) == 0) {
      return NotFoundError(addr + " is not a member of " + std::string(group));
    }
    return Status::Ok();
  });
}

Result<LicenseAssignments> Directory::Licenses() {
  SP_ASSIGN_OR_RETURN(auto text, store_.GetSetting(kLicensesKey));
  return ParseLicenses(text);
}

Status Directory::EditLicenses(
    const std::function<Status(LicenseAssignments&)>& edit) {
  Status st = store::UpdateSetting(
      store_, kLicensesKey,
      [&](const std::optional<std::string>& text) -> Result<std::string> {
        SP_ASSIGN_OR_RETURN(LicenseAssignments lic, ParseLicenses(text));
        SP_RETURN_IF_ERROR(edit(lic));
        json::object o{{"users", ToArray(lic.users)},
                       {"groups", ToArray(lic.groups)}};
        return json::serialize(o);
      });
  Changed();
  return st;
}

Status Directory::AssignLicense(std::string_view kind, std::string_view name) {
  std::string value;
  if (kind == "user") {
    SP_ASSIGN_OR_RETURN(value, NormalizeEmail(name));
    SP_ASSIGN_OR_RETURN(auto user, store_.GetUser(value));
    if (!user.has_value()) return NotFoundError("no user " + value);
  } else if (kind == "group") {
    value = std::string(name);
    SP_ASSIGN_OR_RETURN(auto groups, Groups());
    if (!groups.count(value)) return NotFoundError("no group " + value);
  } else {
    return InvalidArgumentError("license kind must be user or group");
  }
  return EditLicenses([&](LicenseAssignments& lic) -> Status {
    auto& list = kind == "user" ? lic.users : lic.groups;
    if (std::find(list.begin(), list.end(), value) == list.end()) {
      list.push_back(value);
    }
    return Status::Ok();
  });
}

Status Directory::RemoveLicense(std::string_view kind, std::string_view name) {
  std::string value = kind == "user" ? AsciiLower(name) : std::string(name);
  return EditLicenses([&](LicenseAssignments& lic) -> Status {
    auto& list = kind == "user" ? lic.users : lic.groups;
    if (std::erase(list, value) == 0) {
      return NotFoundError("no license assigned to " + std::string(kind) + " " +
                           value);
    }
    return Status::Ok();
  });
}

Result<bool> Directory::IsLicensed(std::string_view email) {
  SP_ASSIGN_OR_RETURN(auto lic, Licenses());
  std::string addr = AsciiLower(email);
  if (std::find(lic.users.begin(), lic.users.end(), addr) != lic.users.end()) {
    return true;
  }
  SP_ASSIGN_OR_RETURN(auto groups, GroupsOf(addr));
  for (const auto& g : groups) {
    if (std::find(lic.groups.begin(), lic.groups.end(), g) !=
        lic.groups.end()) {
      return true;
    }
  }
  return false;
}

}  // namespace sealpost::license
