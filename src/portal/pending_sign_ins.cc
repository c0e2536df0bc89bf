#include "portal/pending_sign_ins.h"

#include <boost/json.hpp>

#include "base/log.h"
#include "crypto/digest.h"

namespace sealpost::portal {
namespace json = boost::json;

void PendingSignIns::Put(Entry entry) {
  if (shared_ != nullptr) return PutShared(entry);
  MutexLock lock(&mu_);
  const int64_t now = entry.created_at;
  const std::string state = entry.start.state;
  const std::string browser = entry.browser;
  Remove(state);  // put back, or a state made twice: one copy
  const Place place{entry.created_at, puts_++};
  by_state_.emplace(state, Kept{std::move(entry), place});
  order_.emplace(place, state);
  by_browser_[browser].emplace(place, state);
  // Each turn removes one sign-in, so both loops end; the browser's list
  // keeps at least the kMaxPerBrowser newest, so it is not erased under
  // the first.
  while (by_browser_.at(browser).size() > kMaxPerBrowser) {
    Remove(by_browser_.at(browser).begin()->second);
  }
  while (!order_.empty() && (now - order_.begin()->first.first > kLifetime ||
                             by_state_.size() > max_total_)) {
    Remove(order_.begin()->second);
  }
}

std::optional<PendingSignIns::Entry> PendingSignIns::Take(
    const std::string& state, int64_t now) {
  std::optional<Entry> out;
  if (shared_ != nullptr) {
    out = TakeShared(state);
  } else {
    MutexLock lock(&mu_);
    out = Remove(state);
  }
  if (!out.has_value() || now - out->created_at > kLifetime) {
    return std::nullopt;
  }
  return out;
}

// The store keeps the state's hash (the lookup key, like a session's) and
// the rest as JSON.
void PendingSignIns::PutShared(const Entry& entry) {
  json::object o;
  o["nonce"] = entry.start.nonce;
  o["code_verifier"] = entry.start.code_verifier;
  o["message_id"] = entry.message_id;
  o["provider"] = entry.provider;
  o["issuer"] = entry.issuer;
  Status st = shared_->PutPendingSignIn(
      {crypto::Sha256Hex(entry.start.state), entry.browser, json::serialize(o),
       entry.created_at},
      static_cast<int>(kMaxPerBrowser), static_cast<int>(max_total_),
      entry.created_at - kLifetime);
  // The callback then finds nothing and says the sign-in expired.
  if (!st.ok()) log::Warn("portal: oidc sign-in not kept: {}", st.message());
}

std::optional<PendingSignIns::Entry> PendingSignIns::TakeShared(
    const std::string& state) {
  auto taken = shared_->TakePendingSignIn(crypto::Sha256Hex(state));
  if (!taken.ok()) {
    log::Warn("portal: oidc sign-in not read: {}", taken.status().message());
    return std::nullopt;
  }
  if (!taken->has_value()) return std::nullopt;
  const store::PendingSignInRecord& r = **taken;
  boost::system::error_code ec;
  json::value v = json::parse(r.data, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  auto text = [&](std::string_view key) -> std::string {
    const json::value* f = o != nullptr ? o->if_contains(key) : nullptr;
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : "";
  };
  Entry out;
  out.start.state = state;
  out.start.nonce = text("nonce");
  out.start.code_verifier = text("code_verifier");
  out.message_id = text("message_id");
  out.provider = text("provider");
  out.issuer = text("issuer");
  // One kept by an older version names its provider by position: it is
  // treated as expired.
  if (out.provider.empty() || out.issuer.empty()) return std::nullopt;
  out.browser = r.browser;
  out.created_at = r.created_at;
  return out;
}

size_t PendingSignIns::size() const {
  MutexLock lock(&mu_);
  return by_state_.size();
}

std::optional<PendingSignIns::Entry> PendingSignIns::Remove(
    const std::string& state) {
  auto node = by_state_.extract(state);
  if (node.empty()) return std::nullopt;
  // `state` may be a copy held by one of the indexes (Put's loops pass
  // one): it is not read again. What the node holds stays valid.
  Kept& kept = node.mapped();
  order_.erase(kept.place);
  auto b = by_browser_.find(kept.entry.browser);
  if (b != by_browser_.end()) {
    b->second.erase(kept.place);
    if (b->second.empty()) by_browser_.erase(b);
  }
  return std::move(kept.entry);
}

OidcClient* ProviderOf(
    const PendingSignIns::Entry& entry,
    const std::vector<std::unique_ptr<OidcClient>>& providers) {
  for (const auto& client : providers) {
    if (client->config().name == entry.provider) {
      return client->config().issuer == entry.issuer ? client.get() : nullptr;
    }
  }
  return nullptr;
}

InFlightLimit::Slot InFlightLimit::TryAcquire() {
  // Compare-and-swap, not add-then-undo: a refused caller never counts, so
  // it cannot make another caller be refused while it backs out.
  int held = held_.load();
  while (held < max_) {
    if (held_.compare_exchange_weak(held, held + 1)) return Slot(this);
  }
  return Slot();
}

void InFlightLimit::Slot::Release() {
  if (limit_ != nullptr) {
    limit_->held_.fetch_sub(1);
    limit_ = nullptr;
  }
}

}  // namespace sealpost::portal
