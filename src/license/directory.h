// Directory: the organisation's users (authentication, sessions), groups,
// and license assignments (who may protect). Users live in the store's users
// table; groups and license assignments are small JSON documents in settings.
//
// Sign-in is rate limited per address and per client address: after 5
// failures in 15 minutes further attempts are refused until the window ends.
//
// Thread-safety: thread-safe; the rate limiter and settings updates are
// guarded by one mutex.
#ifndef SEALPOST_LICENSE_DIRECTORY_H_
#define SEALPOST_LICENSE_DIRECTORY_H_

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "store/store.h"

namespace sealpost::license {

struct SignInResult {
  std::string token;  // bearer token, shown once
  int64_t expires_at = 0;
};

struct LicenseAssignments {
  std::vector<std::string> users;
  std::vector<std::string> groups;
};

class Directory {
 public:
  static constexpr int kMaxFailures = 5;
  static constexpr int64_t kFailureWindow = 15 * 60;
  static constexpr int64_t kSessionLifetime = 12 * 3600;

  Directory(store::Store& store, const Clock& clock)
      : store_(store), clock_(clock) {}

  // Checks the password under the sign-in limits (per address and per
  // client address); returns the lower-case address. Wrong address, wrong
  // password and a disabled user give the same UNAUTHENTICATED error;
  // RESOURCE_EXHAUSTED when throttled. Opens no session (SMTP AUTH).
  Result<std::string> CheckPassword(std::string_view email,
                                    std::string_view password,
                                    std::string_view remote_address);
  // CheckPassword, then opens a session.
  Result<SignInResult> SignIn(std::string_view email, std::string_view password,
                              std::string_view remote_address,
                              std::string_view kind = "cli");
  // Opens a session for an address proved another way (a one-time passcode
  // or an OpenID Connect provider, `kind` says which); audited.
  Result<SignInResult> OpenSession(std::string_view email,
                                   std::string_view kind);
  // The signed-in address for a bearer token, or UNAUTHENTICATED.
  Result<std::string> Authenticate(std::string_view token);
  // The whole session (its kind tells how it signed in).
  Result<store::SessionRecord> Session(std::string_view token);
  Status SignOut(std::string_view token);

  Result<bool> UserExists(std::string_view email);

  Result<std::map<std::string, std::vector<std::string>>> Groups();
  Result<std::vector<std::string>> GroupsOf(std::string_view email);
  Status AddGroup(std::string_view name);
  Status RemoveGroup(std::string_view name);
  Status AddMember(std::string_view group, std::string_view email);
  Status RemoveMember(std::string_view group, std::string_view email);

  Result<LicenseAssignments> Licenses();
  // kind is "user" or "group".
  Status AssignLicense(std::string_view kind, std::string_view name);
  Status RemoveLicense(std::string_view kind, std::string_view name);
  // Directly or through a group.
  Result<bool> IsLicensed(std::string_view email);

 private:
  Status SaveGroups(const std::map<std::string, std::vector<std::string>>& g);
  bool Throttled(const std::string& key, int64_t now);
  void RecordFailure(const std::string& key, int64_t now);

  store::Store& store_;
  const Clock& clock_;
  std::mutex mu_;
  // key -> failure times within the window; guarded by mu_.
  std::map<std::string, std::vector<int64_t>> failures_;
};

// Lower-cases and checks the shape of an address.
Result<std::string> NormalizeEmail(std::string_view email);
// SHA-256 of a token, hex: what the store keeps instead of the token.
std::string HashToken(std::string_view token);

}  // namespace sealpost::license

#endif  // SEALPOST_LICENSE_DIRECTORY_H_
