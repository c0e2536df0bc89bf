// Helpers shared by the JSON API handlers: Status -> HTTP error mapping,
// JSON body parsing with precise errors, and authentication wrappers.
//
// Thread-safety: free functions.
#ifndef SEALPOST_API_UTIL_H_
#define SEALPOST_API_UTIL_H_

#include <boost/json/fwd.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "base/status.h"
#include "http/http.h"

namespace sealpost::license {
class PropertySet;
}  // namespace sealpost::license

namespace sealpost::api {

// The names every handler file uses.
namespace json = boost::json;
using http::Request;
using http::Response;

// 400/401/403/404/409/429/503 with {"error": {code, message}}; 500 hides the
// message (logged instead).
http::Response FromStatus(const Status& s);
// `status` with `v` as its body, UTF-8 whatever bytes its strings hold
// (each byte that is no UTF-8 sent as U+FFFD, as in the error bodies).
http::Response JsonOk(int status, const boost::json::value& v);
// `status` with {key: base64 of `bytes`, the members of `rest`...}: the
// base64 (which needs no escaping) written straight into the body, so that
// the bytes are held once more, in base64, and not again as a JSON string
// and as its serialization (72 MiB: 96 MiB more, not 288). `rest` holding
// `key` is a caller's bug: a 500, logged, not an object naming it twice.
http::Response JsonWithBase64(int status, std::string_view key,
                              std::string_view bytes,
                              const boost::json::object& rest);
// The audit record of a change the admin made that went through: `action`
// on `object`, with a `detail` that is never a secret.
void AuditAdmin(const ApiContext& ctx, std::string action, std::string object,
                std::string detail = "");
// 200 with {key: [item(0), ..., item(n - 1)]}.
http::Response JsonItems(std::string_view key, size_t n,
                         const std::function<boost::json::value(size_t)>& item);
// 200 with {key: [to_json(x) for each x of the list]}, or the list's error.
template <typename T, typename ToJson>
http::Response ListJson(const Result<std::vector<T>>& list,
                        std::string_view key, ToJson to_json) {
  if (!list.ok()) return FromStatus(list.status());
  return JsonItems(key, list->size(),
                   [&](size_t i) { return to_json((*list)[i]); });
}

// The request body as a JSON object; a wrong Content-Type or bad JSON is an
// INVALID_ARGUMENT that says what is wrong.
Result<boost::json::object> ParseObject(const http::Request& req);
Result<std::string> StringField(const boost::json::object& o,
                                std::string_view key, bool required);
// An optional string field that people are shown as it is (a label in
// the audit log): "" when absent or null; INVALID_ARGUMENT naming the
// field when it is no string, has more than `max_chars` characters, or
// holds a control character (base/visible_text.h: C0, DEL, C1, a
// bidirectional override) or bytes that are no UTF-8.
Result<std::string> PrintableField(const boost::json::object& o,
                                   std::string_view key, size_t max_chars);
// An optional integer field: 0 when absent or null; INVALID_ARGUMENT naming
// the field when it is no integer or does not fit in 64 bits (Boost.JSON
// reads 2^63 to 2^64 - 1 as uint64 and larger ones as double).
Result<int64_t> IntField(const boost::json::object& o, std::string_view key);
// A required array of strings.
Result<std::vector<std::string>> StringList(const boost::json::object& o,
                                            std::string_view key);
// The items of a comma-separated query parameter ("a,b"; empty items are
// dropped): the recipients of a protect request with a raw body.
std::vector<std::string> CommaList(std::string_view list);
// The most recipients one protect request may name.
inline constexpr size_t kMaxRecipients = 500;
// A required string field holding base64, decoded.
Result<std::string> Base64Field(const boost::json::object& o,
                                std::string_view key);

// The text a settings field takes from a JSON value: a string as it is, a
// boolean as "True"/"False" (PowerShell's spelling, which the stores keep),
// an integer only where `allow_int`.
Result<std::string> SettingText(std::string_view key,
                                const boost::json::value& v, bool allow_int);

// Sets each property of a PATCH body (strings or booleans) on `set`, all
// or nothing: the first bad value is the error and `set` is then not to be
// saved. Returns "Name=Value,..." for the audit.
Result<std::string> SetProperties(license::PropertySet& set,
                                  const boost::json::object& body);

// Who is calling: the admin token, or a signed-in user's session token.
struct Caller {
  bool admin = false;
  std::string email;  // set for users
};
Result<Caller> Authenticate(const http::Request& req, const ApiContext& ctx);

// The handlers below may return a Status instead of a Response: it is
// answered as FromStatus says, so a handler can use SP_ASSIGN_OR_RETURN and
// SP_RETURN_IF_ERROR.
using Inner = std::function<Result<http::Response>(http::Request&)>;
using CallerInner =
    std::function<Result<http::Response>(http::Request&, const Caller&)>;

// Wraps a handler that needs no authentication.
http::Handler Public(Inner inner);
// Wraps a handler that needs the admin token.
http::Handler Admin(const ApiContext& ctx, Inner inner);
// Wraps a handler that needs a signed-in user or the admin token.
http::Handler Authed(const ApiContext& ctx, CallerInner inner);
// Wraps a handler for signed-in users only: the admin token gets 403
// with `admin_refusal` as the message (it holds no one's keys or licenses).
http::Handler SignedIn(const ApiContext& ctx, std::string admin_refusal,
                       CallerInner inner);

}  // namespace sealpost::api

#endif  // SEALPOST_API_UTIL_H_
