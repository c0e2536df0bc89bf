#include "queue/records.h"

#include <boost/json.hpp>
#include <cstdio>

#include "base/encoding.h"
#include "base/strings.h"
#include "base/utf8.h"
#include "base/visible_text.h"
#include "crypto/master_key.h"
#include "crypto/random.h"

namespace sealpost::queue {
namespace {

namespace json = boost::json;

constexpr std::string_view kContentKeySetting = "queue.content_key";
constexpr std::string_view kContentKeyAd = "sealpost queue content key v1";

}  // namespace

std::string EnvelopeJson(const IncomingMessage& m) {
  json::object o;
  o["helo"] = m.helo;
  o["client"] = m.client;
  o["tls"] = m.tls;
  o["body"] = m.params.body_8bit ? "8BITMIME" : "";
  o["smtputf8"] = m.params.smtputf8;
  o["ret"] = m.params.ret;
  o["envid"] = m.params.envid;
  if (m.params.require_tls) o["require_tls"] = true;
  if (!m.params.verified_tls_domains.empty()) {
    json::array domains;
    for (const auto& d : m.params.verified_tls_domains) domains.emplace_back(d);
    o["verified_tls_domains"] = std::move(domains);
  }
  return json::serialize(o);
}

EnvelopeParams ParamsFromJson(std::string_view text) {
  EnvelopeParams p;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return p;
  const json::object& o = v.as_object();
  auto str = [&](const char* k) -> std::string {
    const json::value* x = o.if_contains(k);
    return x && x->is_string() ? std::string(x->as_string()) : "";
  };
  p.body_8bit = str("body") == "8BITMIME";
  if (const json::value* x = o.if_contains("smtputf8"); x && x->is_bool()) {
    p.smtputf8 = x->as_bool();
  }
  p.ret = str("ret");
  p.envid = str("envid");
  if (const json::value* x = o.if_contains("require_tls"); x && x->is_bool()) {
    p.require_tls = x->as_bool();
  }
  if (const json::value* x = o.if_contains("verified_tls_domains");
      x && x->is_array()) {
    for (const json::value& d : x->as_array()) {
      if (d.is_string()) p.verified_tls_domains.emplace_back(d.as_string());
    }
  }
  return p;
}

std::string HeaderMessageId(std::string_view content) {
  size_t end = content.find("\r\n\r\n");
  std::string_view headers =
      end == std::string_view::npos ? content : content.substr(0, end + 2);
  size_t pos = 0;
  while (pos < headers.size()) {
    size_t eol = headers.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = headers.size();
    std::string_view line = headers.substr(pos, eol - pos);
    if (line.size() > 11) {
      if (StartsWithIgnoringAsciiCase(line, "message-id:")) {
        std::string_view v = line.substr(11);
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
          v.remove_prefix(1);
        }
        // Any internet sender writes it, and `message list|trace` show it:
        // its controls and bytes that are no UTF-8 kept as visible escapes,
        // which still tell the message apart, never raw.
        return VisibleText(v.substr(0, CompleteUtf8Prefix(v, 250)));
      }
    }
    pos = eol + 2;
  }
  return "";
}

bool WantsFailureDsn(int notify) {
  if (notify == 0) return true;
  if (notify & 1) return false;  // NEVER
  return (notify & 4) != 0;      // FAILURE
}

std::string NewQueueId() {
  // Time-ordered prefix (sorts like arrival) plus 64 random bits.
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  SecretBytes r = crypto::RandomBytes(8);
  char prefix[16];
  snprintf(prefix, sizeof prefix, "%011llX",
           static_cast<unsigned long long>(ms));
  std::string id = std::string(prefix) + HexEncode(r.InsecureBytes());
  for (char& c : id) {
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  }
  return id;
}

Result<crypto::Aead> LoadOrCreateContentKey(store::Store& store,
                                            const crypto::MasterKey& master) {
  SP_ASSIGN_OR_RETURN(auto existing, store.GetSetting(kContentKeySetting));
  if (!existing.has_value()) {
    crypto::Aead fresh = crypto::Aead::Generate(1);
    SP_ASSIGN_OR_RETURN(std::string wrapped,
                        master.Wrap(fresh.KeyInsecure(), kContentKeyAd));
    // Only if there is none yet: two nodes starting together on one store
    // keep one key (was: the later write replaced the key the other node
    // had begun to seal its queue with).
    SP_ASSIGN_OR_RETURN(bool written,
                        store.PutSettingIf(kContentKeySetting, std::nullopt,
                                           Base64Encode(AsBytes(wrapped))));
    if (written) return fresh;
    SP_ASSIGN_OR_RETURN(existing, store.GetSetting(kContentKeySetting));
    if (!existing.has_value()) {
      return UnavailableError("the queue content key was not stored");
    }
  }
  SP_ASSIGN_OR_RETURN(std::string wrapped, Base64Decode(*existing));
  auto key = master.Unwrap(wrapped, kContentKeyAd);
  if (!key.ok()) {
    return FailedPreconditionError(
        "the queue content key does not unwrap under this master key "
        "(keys.master_key_file changed?)");
  }
  return crypto::Aead::FromKey(1, std::move(*key));
}

Result<std::optional<std::string>> StoredContentKey(store::Store& store) {
  SP_ASSIGN_OR_RETURN(auto existing, store.GetSetting(kContentKeySetting));
  if (!existing.has_value()) return std::optional<std::string>();
  SP_ASSIGN_OR_RETURN(std::string wrapped, Base64Decode(*existing));
  return std::optional<std::string>(std::move(wrapped));
}

}  // namespace sealpost::queue
