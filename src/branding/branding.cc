#include "branding/branding.h"

#include <boost/json.hpp>

#include "base/encoding.h"
#include "store/update_setting.h"

namespace sealpost::branding {
namespace {

namespace json = boost::json;

constexpr std::string_view kSettingsKey = "branding";

std::string Canon(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '-' || c == '_') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Characters, not bytes: UTF-8 continuation bytes are not counted.
size_t CharCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

Status CheckText(std::string_view field, std::string_view v, size_t limit) {
  if (CharCount(v) > limit) {
    return InvalidArgumentError(std::string(field) + " is limited to " +
                                std::to_string(limit) + " characters (got " +
                                std::to_string(CharCount(v)) + ")");
  }
  return Status::Ok();
}

Result<bool> ParseBool(std::string_view field, std::string_view v) {
  std::string l = Canon(v);
  if (l == "true" || l == "$true" || l == "1") return true;
  if (l == "false" || l == "$false" || l == "0") return false;
  return InvalidArgumentError(std::string(field) + " must be True or False");
}

Result<std::string> ParseColor(std::string_view v) {
  static const std::map<std::string, std::string, std::less<>> kNames = {
      {"black", "#000000"},      {"white", "#ffffff"},
      {"red", "#ff0000"},        {"green", "#008000"},
      {"blue", "#0000ff"},       {"yellow", "#ffff00"},
      {"orange", "#ffa500"},     {"purple", "#800080"},
      {"gray", "#808080"},       {"grey", "#808080"},
      {"silver", "#c0c0c0"},     {"maroon", "#800000"},
      {"olive", "#808000"},      {"lime", "#00ff00"},
      {"aqua", "#00ffff"},       {"teal", "#008080"},
      {"navy", "#000080"},       {"fuchsia", "#ff00ff"},
      {"pink", "#ffc0cb"},       {"gold", "#ffd700"},
      {"lightblue", "#add8e6"},  {"lightgray", "#d3d3d3"},
      {"lightgreen", "#90ee90"}, {"beige", "#f5f5dc"},
      {"ivory", "#fffff0"},      {"brown", "#a52a2a"}};
  std::string l = Canon(v);
  if (auto it = kNames.find(l); it != kNames.end()) return it->second;
  auto hex = [](std::string_view s) {
    for (char c : s) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
  };
  if (l.size() == 7 && l[0] == '#' && hex(std::string_view(l).substr(1))) {
    return l;
  }
  if (l.size() == 4 && l[0] == '#' && hex(std::string_view(l).substr(1))) {
    return std::string{'#', l[1], l[1], l[2], l[2], l[3], l[3]};
  }
  return InvalidArgumentError(
      "BackgroundColor must be #RRGGBB, #RGB or a colour name such as "
      "yellow, got '" +
      std::string(v) + "'");
}

Status CheckUrl(std::string_view v) {
  if (v.empty()) return Status::Ok();
  if (!(v.starts_with("https://") || v.starts_with("http://")) ||
      v.size() > 2048 ||
      v.find_first_of(" \"<>\r\n") != std::string_view::npos) {
    return InvalidArgumentError(
        "PrivacyStatementUrl must be an http(s) URL of at most 2048 "
        "characters");
  }
  return Status::Ok();
}

Status CheckIdentity(std::string_view id) {
  if (id.empty()) return InvalidArgumentError("the identity needs a name");
  SP_RETURN_IF_ERROR(CheckText("Identity", id, kMaxIdentityLength));
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f || c == '/') {
      return InvalidArgumentError(
          "Identity may not hold control characters or '/'");
    }
  }
  return Status::Ok();
}

bool IsDefault(std::string_view identity) {
  return Canon(identity) == Canon(kDefaultIdentity);
}

}  // namespace

const std::vector<std::string_view>& FieldNames() {
  static const std::vector<std::string_view> names = {
      "EmailText",
      "DisclaimerText",
      "PortalText",
      "IntroductionText",
      "ReadButtonText",
      "BackgroundColor",
      "PrivacyStatementUrl",
      "OTPEnabled",
      "SocialIdSignIn",
      "RequireSecondFactor",
      "ExternalMailExpiryInDays",
      "Image"};
  return names;
}

Status SetField(Branding& b, std::string_view name, std::string_view v) {
  std::string n = Canon(name);
  if (n == "emailtext") {
    SP_RETURN_IF_ERROR(CheckText("EmailText", v, kMaxEmailText));
    b.email_text = v;
  } else if (n == "disclaimertext") {
    SP_RETURN_IF_ERROR(CheckText("DisclaimerText", v, kMaxDisclaimerText));
    b.disclaimer_text = v;
  } else if (n == "portaltext") {
    SP_RETURN_IF_ERROR(CheckText("PortalText", v, kMaxPortalText));
    b.portal_text = v;
  } else if (n == "introductiontext") {
    SP_RETURN_IF_ERROR(CheckText("IntroductionText", v, kMaxIntroductionText));
    b.introduction_text = v;
  } else if (n == "readbuttontext") {
    SP_RETURN_IF_ERROR(CheckText("ReadButtonText", v, kMaxReadButtonText));
    if (v.empty())
      return InvalidArgumentError("ReadButtonText cannot be empty");
    b.read_button_text = v;
  } else if (n == "backgroundcolor") {
    if (v.empty()) {
      b.background_color.clear();
    } else {
      SP_ASSIGN_OR_RETURN(b.background_color, ParseColor(v));
    }
  } else if (n == "privacystatementurl") {
    SP_RETURN_IF_ERROR(CheckUrl(v));
    b.privacy_statement_url = v;
  } else if (n == "otpenabled") {
    SP_ASSIGN_OR_RETURN(b.otp_enabled, ParseBool("OTPEnabled", v));
  } else if (n == "socialidsignin") {
    SP_ASSIGN_OR_RETURN(b.social_id_sign_in, ParseBool("SocialIdSignIn", v));
  } else if (n == "requiresecondfactor") {
    SP_ASSIGN_OR_RETURN(b.require_second_factor,
                        ParseBool("RequireSecondFactor", v));
  } else if (n == "externalmailexpiryindays") {
    int days = -1;
    try {
      size_t used = 0;
      days = std::stoi(std::string(v), &used);
      if (used != v.size()) days = -1;
    } catch (const std::exception&) {
      days = -1;
    }
    if (days < 0 || days > kMaxExpiryDays) {
      return InvalidArgumentError(
          "ExternalMailExpiryInDays must be 0 (never) to 730");
    }
    if (days != 0 && IsDefault(b.identity)) {
      return InvalidArgumentError(
          "ExternalMailExpiryInDays cannot be set on the default \"OME "
          "Configuration\"; create a custom branding with `sealpost branding "
          "new`");
    }
    b.external_mail_expiry_in_days = days;
  } else if (n == "image") {
    return InvalidArgumentError("set the image from a file with --image");
  } else {
    std::string known;
    for (auto f : FieldNames())
      known += (known.empty() ? "" : ", ") + std::string(f);
    return InvalidArgumentError("unknown branding field '" + std::string(name) +
                                "' (fields: " + known + ")");
  }
  return Status::Ok();
}

Status ResetField(Branding& b, std::string_view name) {
  Branding d;
  std::string n = Canon(name);
  if (n == "image") {
    b.image.clear();
    b.image_type.clear();
    return Status::Ok();
  }
  if (n == "emailtext")
    b.email_text = d.email_text;
  else if (n == "disclaimertext")
    b.disclaimer_text = d.disclaimer_text;
  else if (n == "portaltext")
    b.portal_text = d.portal_text;
  else if (n == "introductiontext")
    b.introduction_text = d.introduction_text;
  else if (n == "readbuttontext")
    b.read_button_text = d.read_button_text;
  else if (n == "backgroundcolor")
    b.background_color = d.background_color;
  else if (n == "privacystatementurl")
    b.privacy_statement_url = d.privacy_statement_url;
  else if (n == "otpenabled")
    b.otp_enabled = d.otp_enabled;
  else if (n == "socialidsignin")
    b.social_id_sign_in = d.social_id_sign_in;
  else if (n == "requiresecondfactor")
    b.require_second_factor = false;
  else if (n == "externalmailexpiryindays")
    b.external_mail_expiry_in_days = 0;
  else
    return SetField(b, name, "");  // the unknown-field error
  return Status::Ok();
}

Status SetImage(Branding& b, std::string image) {
  if (image.size() > kMaxImageBytes) {
    return InvalidArgumentError("Image is limited to 40 KB (got " +
                                std::to_string(image.size() / 1024) +
                                " KB); it is shown at 170x70 pixels");
  }
  if (image.starts_with("\x89PNG\r\n\x1a\n")) {
    b.image_type = "image/png";
  } else if (image.starts_with("\xff\xd8\xff")) {
    b.image_type = "image/jpeg";
  } else {
    return InvalidArgumentError("Image must be a PNG or JPEG file");
  }
  b.image = std::move(image);
  return Status::Ok();
}

std::vector<std::pair<std::string, std::string>> Display(const Branding& b) {
  auto yes = [](bool v) { return std::string(v ? "True" : "False"); };
  return {
      {"Identity", b.identity},
      {"Image",
       b.image.empty()
           ? ""
           : b.image_type + ", " + std::to_string(b.image.size()) + " bytes"},
      {"EmailText", b.email_text},
      {"DisclaimerText", b.disclaimer_text},
      {"PortalText", b.portal_text},
      {"IntroductionText", b.introduction_text},
      {"ReadButtonText", b.read_button_text},
      {"BackgroundColor", b.background_color},
      {"PrivacyStatementUrl", b.privacy_statement_url},
      {"OTPEnabled", yes(b.otp_enabled)},
      {"SocialIdSignIn", yes(b.social_id_sign_in)},
      {"RequireSecondFactor", yes(b.require_second_factor)},
      {"ExternalMailExpiryInterval",
       std::to_string(b.external_mail_expiry_in_days) + " days"},
  };
}

mime::WrapperBranding ToWrapperBranding(const Branding& b) {
  mime::WrapperBranding w;
  w.introduction_text = b.introduction_text;
  w.read_button_text = b.read_button_text;
  w.email_text = b.email_text;
  w.disclaimer_text = b.disclaimer_text;
  w.privacy_statement_url = b.privacy_statement_url;
  w.background_color = b.background_color;
  w.logo = b.image;
  w.logo_type = b.image_type;
  return w;
}

std::string ToJson(const Branding& b) {
  return json::serialize(json::object{
      {"identity", b.identity},
      {"image", Base64Encode(AsBytes(b.image))},
      {"image_type", b.image_type},
      {"email_text", b.email_text},
      {"disclaimer_text", b.disclaimer_text},
      {"portal_text", b.portal_text},
      {"introduction_text", b.introduction_text},
      {"read_button_text", b.read_button_text},
      {"background_color", b.background_color},
      {"privacy_statement_url", b.privacy_statement_url},
      {"otp_enabled", b.otp_enabled},
      {"social_id_sign_in", b.social_id_sign_in},
      {"require_second_factor", b.require_second_factor},
      {"external_mail_expiry_in_days", b.external_mail_expiry_in_days}});
}

Result<Branding> FromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return DataLossError("stored branding is corrupt");
  const auto& o = v.as_object();
  auto str = [&](std::string_view k) -> std::string {
    const json::value* x = o.if_contains(k);
    return x && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  auto boolean = [&](std::string_view k, bool d) {
    const json::value* x = o.if_contains(k);
    return x && x->is_bool() ? x->as_bool() : d;
  };
  Branding b;
  b.identity = str("identity");
  auto image = Base64Decode(str("image"));
  if (!image.ok()) return DataLossError("stored branding image is corrupt");
  b.image = *image;
  b.image_type = str("image_type");
  b.email_text = str("email_text");
  b.disclaimer_text = str("disclaimer_text");
  b.portal_text = str("portal_text");
  b.introduction_text = str("introduction_text");
  b.read_button_text = str("read_button_text");
  b.background_color = str("background_color");
  b.privacy_statement_url = str("privacy_statement_url");
  b.otp_enabled = boolean("otp_enabled", true);
  b.social_id_sign_in = boolean("social_id_sign_in", true);
  b.require_second_factor = boolean("require_second_factor", false);
  if (const json::value* x = o.if_contains("external_mail_expiry_in_days");
      x && x->is_int64()) {
    b.external_mail_expiry_in_days = static_cast<int>(x->as_int64());
  }
  return b;
}

Result<std::map<std::string, Branding>> BrandingStore::Load() {
  SP_ASSIGN_OR_RETURN(auto text, store_.GetSetting(kSettingsKey));
  return Parse(text);
}

Result<std::map<std::string, Branding>> BrandingStore::Parse(
    const std::optional<std::string>& text) {
  std::map<std::string, Branding> all;
  if (text.has_value()) {
    boost::system::error_code ec;
    json::value v = json::parse(*text, ec);
    if (ec || !v.is_array()) return DataLossError("stored branding is corrupt");
    for (const auto& e : v.as_array()) {
      SP_ASSIGN_OR_RETURN(Branding b, FromJson(json::serialize(e)));
      all[Canon(b.identity)] = std::move(b);
    }
  }
  if (!all.count(Canon(kDefaultIdentity))) {
    all[Canon(kDefaultIdentity)] = Branding();
  }
  return all;
}

Status BrandingStore::Edit(
    const std::function<Status(std::map<std::string, Branding>&)>& edit) {
  return store::UpdateSetting(
      store_, kSettingsKey,
      [&](const std::optional<std::string>& text) -> Result<std::string> {
        SP_ASSIGN_OR_RETURN(auto all, Parse(text));
        SP_RETURN_IF_ERROR(edit(all));
        json::array a;
        for (const auto& [k, b] : all) a.push_back(json::parse(ToJson(b)));
        return json::serialize(a);
      });
}

Result<std::vector<Branding>> BrandingStore::List() {
  SP_ASSIGN_OR_RETURN(auto all, Load());
  std::vector<Branding> out;
  out.push_back(all.at(Canon(kDefaultIdentity)));
  for (const auto& [k, b] : all) {
    if (!IsDefault(b.identity)) out.push_back(b);
  }
  return out;
}

Result<Branding> BrandingStore::Get(std::string_view identity) {
  SP_ASSIGN_OR_RETURN(auto all, Load());
  auto it = all.find(Canon(identity));
  if (it == all.end()) {
    return NotFoundError("no branding named '" + std::string(identity) +
                         "' (see `sealpost branding get`)");
  }
  return it->second;
}

Status BrandingStore::Create(const Branding& b) {
  SP_RETURN_IF_ERROR(CheckIdentity(b.identity));
  return Edit([&](std::map<std::string, Branding>& all) -> Status {
    if (all.count(Canon(b.identity))) {
      return AlreadyExistsError("branding '" + b.identity + "' already exists");
    }
    all[Canon(b.identity)] = b;
    return Status::Ok();
  });
}

Result<Branding> BrandingStore::Update(
    std::string_view identity, const std::function<Status(Branding&)>& edit) {
  Branding updated;
  SP_RETURN_IF_ERROR(Edit([&](std::map<std::string, Branding>& all) -> Status {
    auto it = all.find(Canon(identity));
    if (it == all.end()) {
      return NotFoundError("no branding named '" + std::string(identity) + "'");
    }
    // A copy: all or nothing, and the identity stays.
    Branding b = it->second;
    SP_RETURN_IF_ERROR(edit(b));
    b.identity = it->second.identity;
    it->second = updated = std::move(b);
    return Status::Ok();
  }));
  return updated;
}

Status BrandingStore::Remove(std::string_view identity) {
  if (IsDefault(identity)) {
    return FailedPreconditionError(
        "the default \"OME Configuration\" cannot be removed; reset its "
        "fields instead");
  }
  return Edit([&](std::map<std::string, Branding>& all) -> Status {
    if (all.erase(Canon(identity)) == 0) {
      return NotFoundError("no branding named '" + std::string(identity) + "'");
    }
    return Status::Ok();
  });
}

}  // namespace sealpost::branding
