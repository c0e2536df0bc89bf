// OME branding configurations (New-/Set-/Get-/Remove-OMEConfiguration,
// ome-inventory.md §1): the texts, logo and colours of the wrapper mail and
// the portal. The default identity "OME Configuration" always exists and
// cannot be removed; custom identities are created by admins and chosen by
// mail flow rules. Field limits are Microsoft's; a bad value is refused with
// the limit named. Stored as one JSON document in the store's settings.
//
// Thread-safety: Branding is a value type; BrandingStore is thread-safe (a
// change is made to the document as stored and written only if it is
// still that, store::UpdateSetting).
#ifndef SEALPOST_BRANDING_BRANDING_H_
#define SEALPOST_BRANDING_BRANDING_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "mime/wrapper.h"
#include "store/store.h"

namespace sealpost::branding {

inline constexpr std::string_view kDefaultIdentity = "OME Configuration";
inline constexpr size_t kMaxIdentityLength = 64;
inline constexpr size_t kMaxEmailText = 1024;
inline constexpr size_t kMaxDisclaimerText = 1024;
inline constexpr size_t kMaxPortalText = 128;
inline constexpr size_t kMaxIntroductionText = 1024;
inline constexpr size_t kMaxReadButtonText = 1024;
inline constexpr size_t kMaxImageBytes = 40 * 1024;
inline constexpr int kMaxExpiryDays = 730;

struct Branding {
  std::string identity = std::string(kDefaultIdentity);
  std::string image;       // raw PNG or JPEG bytes; empty: no logo
  std::string image_type;  // "image/png" | "image/jpeg"
  std::string email_text;
  std::string disclaimer_text;
  std::string portal_text;
  std::string introduction_text = "has sent you a protected message.";
  std::string read_button_text = "Read the message";
  std::string background_color;  // "#rrggbb" or empty
  std::string privacy_statement_url;
  bool otp_enabled = true;
  bool social_id_sign_in = true;
  // Readers who sign in with a passcode or a provider must also give a
  // code from an authenticator app, enrolling at their first sign-in.
  bool require_second_factor = false;
  int external_mail_expiry_in_days = 0;  // 0: never; custom identities only
};

// The settable fields by their Microsoft names, in display order.
const std::vector<std::string_view>& FieldNames();

// Sets one field from text (the CLI and API form). Names are matched
// case-insensitively, with or without dashes ("EmailText", "email-text").
// Booleans accept True/False/$true/$false/1/0. Colours accept #RGB, #RRGGBB
// or a colour name. The image is set with SetImage instead.
Status SetField(Branding& b, std::string_view name, std::string_view value);
// Back to the default, as Microsoft's $null.
Status ResetField(Branding& b, std::string_view name);
// PNG or JPEG (checked by signature), at most 40 KB.
Status SetImage(Branding& b, std::string image);

// `Name : Value` pairs for display (the image as its type and size).
std::vector<std::pair<std::string, std::string>> Display(const Branding& b);

// The wrapper mail's look from this branding.
mime::WrapperBranding ToWrapperBranding(const Branding& b);

std::string ToJson(const Branding& b);
Result<Branding> FromJson(std::string_view json);

class BrandingStore {
 public:
  explicit BrandingStore(store::Store& store) : store_(store) {}

  // The default first, then custom identities by name.
  Result<std::vector<Branding>> List();
  // NOT_FOUND names the identity; lookup ignores case.
  Result<Branding> Get(std::string_view identity);
  Status Create(const Branding& b);
  // Changes the identity's branding with `edit` (all or nothing; it keeps
  // its identity), made to it as stored: `edit` may run more than once
  // (store::UpdateSetting). The branding as saved.
  Result<Branding> Update(std::string_view identity,
                          const std::function<Status(Branding&)>& edit);
  // The default identity cannot be removed.
  Status Remove(std::string_view identity);

 private:
  Result<std::map<std::string, Branding>> Load();
  static Result<std::map<std::string, Branding>> Parse(
      const std::optional<std::string>& text);
  // Changes the whole document with `edit` (store::UpdateSetting).
  Status Edit(
      const std::function<Status(std::map<std::string, Branding>&)>& edit);

  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
};

}  // namespace sealpost::branding

#endif  // SEALPOST_BRANDING_BRANDING_H_
