#include "crypto/jose_json.h"

#include <boost/json.hpp>
#include <exception>
#include <utility>

namespace sealpost::crypto::jose {

namespace json = boost::json;

Result<json::object> ParseObject(std::string_view text) {
  try {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return InvalidArgumentError("malformed JSON");
    if (!v.is_object()) return InvalidArgumentError("JSON is not an object");
    return std::move(v.as_object());
  } catch (const std::exception&) {
    return InvalidArgumentError("malformed JSON");
  }
}

const json::string* GetString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v == nullptr ? nullptr : v->if_string();
}

std::string StringOr(const json::object& o, std::string_view key) {
  const json::string* s = GetString(o, key);
  return s == nullptr ? std::string() : std::string(*s);
}

}  // namespace sealpost::crypto::jose
