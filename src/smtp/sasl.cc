#include "smtp/sasl.h"

#include <string.h>

#include "base/encoding.h"
#include "base/strings.h"

namespace sealpost::smtp {

Result<SecretBytes> DecodeSaslResponse(std::string_view line) {
  // RFC 4954 §4: "=" is an empty response; an empty line is not base64.
  if (line == "=") return SecretBytes();
  if (line.empty()) return InvalidArgumentError("empty SASL response");
  Result<std::string> decoded = Base64Decode(line);
  if (!decoded.ok()) return decoded.status();
  SecretBytes out = SecretBytes::FromStringInsecure(*decoded);
  explicit_bzero(decoded->data(), decoded->size());
  return out;
}

Status CheckSaslUser(std::string_view user) {
  if (user.empty() || user.size() > kMaxSaslUser) {
    return InvalidArgumentError("bad SASL user name length");
  }
  for (char c : user) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return InvalidArgumentError("control character in SASL user name");
    }
  }
  return Status::Ok();
}

Result<SaslLogin> ParseSaslPlain(const SecretBytes& message) {
  std::string_view m = message.InsecureStringView();
  const size_t first = m.find('\0');
  const size_t second =
      first == std::string_view::npos ? first : m.find('\0', first + 1);
  if (second == std::string_view::npos ||
      m.find('\0', second + 1) != std::string_view::npos) {
    return InvalidArgumentError("PLAIN needs authzid NUL authcid NUL passwd");
  }
  std::string_view authzid = m.substr(0, first);
  std::string_view authcid = m.substr(first + 1, second - first - 1);
  std::string_view passwd = m.substr(second + 1);
  SP_RETURN_IF_ERROR(CheckSaslUser(authcid));
  if (passwd.empty() || passwd.size() > kMaxSaslPassword) {
    return InvalidArgumentError("bad PLAIN password length");
  }
  if (!authzid.empty() && AsciiLower(authzid) != AsciiLower(authcid)) {
    return PermissionDeniedError("authorization identity differs from login");
  }
  SaslLogin login;
  login.user = std::string(authcid);
  login.password = SecretBytes::FromStringInsecure(passwd);
  return login;
}

}  // namespace sealpost::smtp
