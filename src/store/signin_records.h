// The records of signing in: users, sessions, portal passcodes, second
// factors and OpenID Connect sign-ins under way (SignInStore,
// signin_store.h).
#ifndef SEALPOST_STORE_SIGNIN_RECORDS_H_
#define SEALPOST_STORE_SIGNIN_RECORDS_H_

#include <cstdint>
#include <string>

namespace sealpost::store {

struct UserRecord {
  std::string email;          // lower-case, primary key
  std::string password_hash;  // Argon2id encoded string
  std::string display_name;
  int64_t created_at = 0;
  bool disabled = false;
  // The user's credential epoch: moves with every change of what proves
  // them (SignInStore::SetPassword, BumpUserEpoch), and a new account at
  // an address starts at another (Directory::AddUser draws it at random).
  // A session is good only under the epoch it was opened in
  // (SessionRecord::epoch), so a sign-in under way when the password was
  // reset or the user removed opens nothing usable.
  int64_t epoch = 0;
};

// A one-time passcode for the portal (stored hashed, never the code).
struct OtpRecord {
  std::string message_id;
  std::string email;
  std::string code_hash;  // Argon2id encoded
  std::string reference;  // shown in the mail and on the page
  int64_t created_at = 0;
  int64_t expires_at = 0;
  int failures = 0;  // tries taken (TakeOtpTry), the right one included
  bool used = false;
};

// A portal reader's authenticator app (RFC 6238 TOTP): the shared secret
// sealed by the key service (never in clear), and the newest 30-second
// step whose code was accepted, so no code opens twice.
struct SecondFactorRecord {
  std::string email;
  std::string secret_sealed;
  int64_t enrolled_at = 0;  // 0: shown to the reader, not yet confirmed
  int64_t last_step = 0;
};

// An OpenID Connect sign-in begun and not yet finished
// (portal/pending_sign_ins.h), kept where every node finds it.
struct PendingSignInRecord {
  std::string state_hash;  // SHA-256 of the state, hex (the lookup key)
  std::string browser;     // hash of the browser cookie that began it
  std::string data;        // the rest, opaque to the store
  int64_t created_at = 0;  // unix seconds
};

struct SessionRecord {
  std::string token_hash;  // SHA-256 of the bearer token, hex
  std::string email;
  std::string kind;  // "cli", "portal"
  int64_t created_at = 0;
  int64_t expires_at = 0;
  // An organisation session's: its user's epoch when the password it
  // signed in with was read (UserRecord::epoch); 0 for readers.
  int64_t epoch = 0;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_SIGNIN_RECORDS_H_
