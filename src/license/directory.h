// Directory: the organisation's users (authentication, sessions), groups,
// and license assignments (who may protect). Users live in the store's users
// table; groups and license assignments are small JSON documents in settings.
//
// Sign-in is rate limited per client network first, then per address over
// all networks (SignInLimits: one network cannot lock an address out, and
// an address takes at most 100 wrong passwords a day).
//
// A change of the groups or license assignments is made to the document
// as stored and written only if it is still that (store::UpdateSetting),
// so that changes at once, on one node or several, all hold.
//
// Thread-safety: thread-safe; SignInLimits guards itself.
#ifndef SEALPOST_LICENSE_DIRECTORY_H_
#define SEALPOST_LICENSE_DIRECTORY_H_

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "license/sign_in_limits.h"
#include "store/store.h"

namespace sealpost::license {

// How a session signed in (store::SessionRecord::kind). Only API sessions
// are API bearer tokens; the portal's live in a cookie and open the portal
// only. Organisation sessions (API, portal password) end when their user
// goes; passcode and OpenID Connect sessions belong to any recipient.
inline constexpr std::string_view kApiSession = "cli";
inline constexpr std::string_view kPortalSession = "portal";
inline constexpr std::string_view kPortalOtpSession = "portal-otp";
inline constexpr std::string_view kPortalOidcSession = "portal-oidc";

// The owner of what a rule protects of mail no sender of ours wrote: a
// bounce (the null reverse-path), or an address of ours from a client
// outside smtp.client_networks (protect/protector.cc). An owner lists,
// opens, revokes and re-dates its mail, so this is an address in the
// .invalid TLD (RFC 2606 §2), no mailbox, which the directory refuses as a
// user (AddUser) and a session (OpenSession): no one signs in as it, and
// the admin revokes such mail.
inline constexpr std::string_view kSystemOwner = "system@invalid";

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
  static constexpr int64_t kSessionLifetime = 12 * 3600;

  Directory(store::Store& store, const Clock& clock)
      : store_(store),
        clock_(clock),
        limits_(store, store.Engine() != "sqlite") {}

  // Checks the password under the sign-in limits (SignInLimits: per client
  // network, then per address); returns the lower-case address. Wrong
  // address, wrong password and a disabled user give the same
  // UNAUTHENTICATED error, counted and timed alike whether the address is
  // a user's or not; RESOURCE_EXHAUSTED, saying which limit, when
  // throttled. Opens no session (SMTP AUTH).
  Result<std::string> CheckPassword(std::string_view email,
                                    std::string_view password,
                                    std::string_view remote_address);
  // CheckPassword, then opens a session.
  Result<SignInResult> SignIn(std::string_view email, std::string_view password,
                              std::string_view remote_address,
                              std::string_view kind = kApiSession);
  // Opens a session for an address proved another way (a one-time passcode
  // or an OpenID Connect provider, `kind` says which); audited. Never for
  // kSystemOwner (PERMISSION_DENIED).
  Result<SignInResult> OpenSession(std::string_view email,
                                   std::string_view kind);
  // The signed-in address for an API bearer token (a session of kind
  // kApiSession), or UNAUTHENTICATED: a portal cookie is no API token.
  Result<std::string> Authenticate(std::string_view token);
  // The whole session (its kind tells how it signed in); UNAUTHENTICATED
  // when unknown, expired, or an organisation session whose user is gone
  // or disabled, or whose credentials changed since it signed in (its
  // epoch is no longer the user's); checked on every call, so a removal
  // or a reset takes effect at once, a sign-in under way included.
  Result<store::SessionRecord> Session(std::string_view token);
  Status SignOut(std::string_view token);
  // Ends every session of an address, of every kind (API tokens and portal
  // sessions), and the portal pages cached for them (Generation moves): a
  // password or an authenticator app reset by an admin. A user's epoch
  // moves first, so a password sign-in under way ends too.
  Status EndSessionsOf(std::string_view email);
  // A new password (its hash) for a user, and the end of every session
  // of theirs and of every sign-in under way with the old one (the epoch
  // moves with the hash, then EndSessionsOf). NOT_FOUND when there is no
  // such user: a removal that came first stays.
  Status SetPassword(std::string_view email, std::string_view password_hash);

  Result<bool> UserExists(std::string_view email);
  // Adds a user (the address normalized, not kSystemOwner) with an epoch
  // of its own; ALREADY_EXISTS when the address is taken.
  Status AddUser(store::UserRecord user);
  // Removes a user and, at once, every session of theirs (portal and API),
  // their license assignment and their group memberships, so that a new
  // account at the same address starts with nothing.
  Status RemoveUser(std::string_view email);

  // Moves on every change to users, groups or license assignments: who may
  // read or protect may have changed, so cached decisions must go.
  uint64_t Generation() const {
    return generation_.load(std::memory_order_acquire);
  }

  using GroupMap = std::map<std::string, std::vector<std::string>>;
  Result<GroupMap> Groups();
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
  // Changes the groups or the license assignments with `edit`
  // (store::UpdateSetting: it may run more than once; an error stops the
  // change).
  Status EditGroups(const std::function<Status(GroupMap&)>& edit);
  Status EditLicenses(const std::function<Status(LicenseAssignments&)>& edit);
  // A session of `kind` for `email`, opened in the user's `epoch` (0: a
  // reader's).
  Result<SignInResult> StartSession(std::string_view email,
                                    std::string_view kind, int64_t epoch);
  void Changed() { generation_.fetch_add(1, std::memory_order_acq_rel); }

  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  const Clock& clock_;
  SignInLimits limits_;
  std::atomic<uint64_t> generation_{0};
};

// Lower-cases and checks the shape of an address.
Result<std::string> NormalizeEmail(std::string_view email);
// SHA-256 of a token, hex: what the store keeps instead of the token.
std::string HashToken(std::string_view token);

}  // namespace sealpost::license

#endif  // SEALPOST_LICENSE_DIRECTORY_H_
