#include "queue/routes.h"

#include <algorithm>

#include "base/enum_names.h"

#include "base/config.h"
#include "base/strings.h"

namespace sealpost::queue {

const char* TlsModeName(TlsMode mode) {
  static constexpr NameTable<TlsMode, 3> kNames = {{
      {TlsMode::kMay, "may"},
      {TlsMode::kEncrypt, "encrypt"},
      {TlsMode::kVerify, "verify"},
  }};
  return NameOf(kNames, mode, "may").data();
}

std::string NextHop::Text() const {
  switch (kind) {
    case Kind::kSmtp:
      return "smtp:" +
             (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
             ":" + std::to_string(port);
    case Kind::kMaildir:
      return "maildir:" + dir;
    case Kind::kNone:
      break;
  }
  return "none";
}

namespace {

// Slices of a message held in memory.
class MemoryContentReader final : public ContentReader {
 public:
  explicit MemoryContentReader(std::shared_ptr<const std::string> content)
      : content_(std::move(content)) {}
  Result<bool> Next(std::string* out) override {
    constexpr size_t kSlice = 1 << 20;
    if (at_ >= content_->size()) return false;
    const size_t n = std::min(kSlice, content_->size() - at_);
    out->append(*content_, at_, n);
    at_ += n;
    return true;
  }

 private:
  std::shared_ptr<const std::string> content_;
  size_t at_ = 0;
};

}  // namespace

Result<std::unique_ptr<ContentReader>> OpenContent(const DeliveryRequest& r) {
  if (r.content != nullptr) {
    return std::unique_ptr<ContentReader>(new MemoryContentReader(r.content));
  }
  if (!r.open_content) return InternalError("delivery without content");
  return r.open_content();
}

DeliveryResult AllRecipients(size_t n, int code, const std::string& reply,
                             std::string tls) {
  DeliveryResult r;
  r.recipients.assign(n, RecipientResult{code, reply});
  r.tls = std::move(tls);
  return r;
}

Result<NextHop> ParseNextHop(std::string_view text) {
  text = TrimBlanks(text);
  NextHop hop;
  if (text.starts_with("maildir:")) {
    hop.kind = NextHop::Kind::kMaildir;
    hop.dir = std::string(text.substr(8));
    if (hop.dir.empty()) {
      return InvalidArgumentError("maildir: needs a directory");
    }
    return hop;
  }
  if (text.starts_with("smtp:")) text.remove_prefix(5);
  SP_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(text));
  if (hp.host.empty() || hp.port == 0) {
    return InvalidArgumentError("next hop must be HOST:PORT, got '" +
                                std::string(text) + "'");
  }
  hop.kind = NextHop::Kind::kSmtp;
  hop.host = hp.host;
  hop.port = hp.port;
  return hop;
}

Result<Routes> Routes::Parse(std::string_view default_hop,
                             std::string_view per_domain) {
  Routes r;
  if (!TrimBlanks(default_hop).empty()) {
    auto hop = ParseNextHop(default_hop);
    if (!hop.ok()) return hop.status().WithContext("smtp.next_hop");
    r.default_ = *hop;
  }
  while (!TrimBlanks(per_domain).empty()) {
    size_t comma = per_domain.find(',');
    std::string_view item = TrimBlanks(per_domain.substr(0, comma));
    per_domain = comma == std::string_view::npos ? std::string_view()
                                                 : per_domain.substr(comma + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return InvalidArgumentError(
          "smtp.routes: expected domain=HOST:PORT, "
          "got '" +
          std::string(item) + "'");
    }
    auto hop = ParseNextHop(item.substr(eq + 1));
    if (!hop.ok()) return hop.status().WithContext("smtp.routes");
    r.domains_[AsciiLower(TrimBlanks(item.substr(0, eq)))] = *hop;
  }
  return r;
}

const NextHop& Routes::For(std::string_view domain) const {
  auto it = domains_.find(domain);
  return it == domains_.end() ? default_ : it->second;
}

}  // namespace sealpost::queue
