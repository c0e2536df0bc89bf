#include "smime/revocation.h"

#include <algorithm>

#include "base/log.h"
#include "crypto/digest.h"
#include "crypto/revocation.h"
#include "crypto/x509.h"

namespace sealpost::smime {
namespace {

constexpr size_t kMaxUrls = 2;  // of each kind
constexpr int64_t kFailureSeconds = 300;
constexpr int64_t kOcspDefaultSeconds = 3600;
// The longest a `good` OCSP answer is kept, whatever its nextUpdate says: over
// plain HTTP a responder, or anyone replaying one of its old signed answers
// while it is current, can put nextUpdate months ahead, and a `good` kept
// that long would hide a revocation for as long (docs/smime.md).
constexpr int64_t kOcspMaxCacheSeconds = 24 * 3600;
constexpr size_t kMaxOcspCache = 10000;

}  // namespace

int64_t RefetchAt(const store::SmimeCrlRecord& crl) {
  const int64_t next = crl.next_update != 0 ? crl.next_update : INT64_MAX;
  if (crl.fetched_at == 0) return next;
  return std::min(next, crl.fetched_at + kFetchedCrlMaxSeconds);
}

Status RefuseFutureCrl(int64_t this_update, int64_t now) {
  if (this_update <= now + kCrlClockSkewSeconds) return Status::Ok();
  return InvalidArgumentError(
      "the CRL is dated ahead: its thisUpdate is " +
      std::to_string(this_update - now) +
      " seconds after this server's clock (5 minutes of skew allowed)");
}

bool RevocationChecker::RecentlyFailed(const std::string& url,
                                       std::string* why) {
  MutexLock lock(&mu_);
  auto it = failures_.find(url);
  if (it == failures_.end()) return false;
  if (it->second.first <= clock_.NowUnix()) {
    failures_.erase(it);
    return false;
  }
  *why = it->second.second + " (not asked again for a few minutes)";
  return true;
}

void RevocationChecker::Failed(const std::string& url, const std::string& why) {
  log::Warn("s/mime: revocation check: {}", why);
  MutexLock lock(&mu_);
  if (failures_.size() > kMaxOcspCache) failures_.clear();
  failures_[url] = {clock_.NowUnix() + kFailureSeconds, why};
}

void RevocationChecker::FetchFailed(const std::string& url,
                                    const Status& status) {
  // Too many host lookups at once is this process's limit, not the URL's
  // failure: pausing the URL for it would make every CA look failed while
  // one CA's name hangs the resolver.
  if (status.code() == StatusCode::kResourceExhausted) {
    log::Warn("s/mime: revocation check: {}", status.message());
    return;
  }
  Failed(url, status.message());
}

int RevocationChecker::SecondsLeft(int64_t deadline) const {
  return static_cast<int>(std::max<int64_t>(
      0,
      std::min<int64_t>(limits_.request_seconds, deadline - clock_.NowUnix())));
}

OnlineRevocation RevocationChecker::FetchCrl(
    const std::vector<std::string>& urls, std::string_view issuer,
    int64_t deadline, std::string* why) {
  using Kind = OnlineRevocation::Kind;
  for (size_t i = 0; i < urls.size() && i < kMaxUrls; ++i) {
    const std::string& url = urls[i];
    if (RecentlyFailed(url, why)) continue;
    int timeout = SecondsLeft(deadline);
    if (timeout <= 0) break;
    auto body = crypto::HttpFetch(url, "", "", limits_.max_crl_bytes, timeout);
    if (!body.ok()) {
      *why = body.status().message();
      FetchFailed(url, body.status());
      continue;
    }
    auto crl = crypto::ReadCrl(*body);
    if (!crl.ok() || !crypto::CrlIssuedBy(crl->der, issuer)) {
      *why = "the CRL from " + url + " is " +
             (crl.ok() ? "not signed by the certificate's issuer"
                       : "refused: " + crl.status().message());
      Failed(url, *why);
      continue;
    }
    const int64_t now = clock_.NowUnix();
    if (crl->next_update != 0 && crl->next_update <= now) {
      *why = "the CRL from " + url + " is out of date";
      Failed(url, *why);
      continue;
    }
    if (Status future = RefuseFutureCrl(crl->this_update, now); !future.ok()) {
      *why = "the CRL from " + url + " is refused: " + future.message();
      Failed(url, *why);
      continue;
    }
    const std::string number = store::CrlNumberText(crl->number);
    store::SmimeCrlRecord record{crl->issuer,
                                 std::move(crl->der),
                                 crl->this_update,
                                 crl->next_update,
                                 0,
                                 std::move(crl->number),
                                 now};
    auto stored = store_.PutSmimeCrl(record);
    if (!stored.ok()) {
      log::Warn("s/mime: fetched CRL of {} not stored: {}", record.issuer,
                stored.status().message());
    } else if (*stored == store::CrlAge::kOlder) {
      // A replay (or a distribution point behind): the newer CRL on file
      // stays, and decides while it is current.
      *why = "the CRL from " + url + " (CRL number " + number +
             ") is older than the one of its issuer on file: refused, the "
             "one on file kept (should the CA have started its CRL numbers "
             "again, `cert crl remove` the one on file)";
      Failed(url, *why);
      continue;
    } else if (*stored == store::CrlAge::kDiffers) {
      // Not what the CA issued, one of the two: the one on file, which
      // decided so far, goes on deciding rather than the verdict flipping
      // between the two.
      *why = "the CRL from " + url + " (CRL number " + number +
             ") differs from the one of its issuer on file with the same "
             "CRL number: refused, the one on file kept";
      Failed(url, *why);
      continue;
    }
    // Kept a day at most: it is fetched again then.
    const int64_t until = RefetchAt(record);
    return {Kind::kCrl, std::move(record.der), "the CRL fetched from " + url,
            until};
  }
  return {};
}

OnlineRevocation RevocationChecker::AskOcsp(
    const std::vector<std::string>& urls, std::string_view certificate,
    std::string_view issuer, int64_t deadline, std::string* why) {
  using Kind = OnlineRevocation::Kind;
  std::string fingerprint = crypto::Sha256Hex(certificate);
  {
    MutexLock lock(&mu_);
    auto it = ocsp_.find(fingerprint);
    if (it != ocsp_.end() && it->second.until > clock_.NowUnix()) {
      return it->second.answer;
    }
  }
  for (size_t i = 0; i < urls.size() && i < kMaxUrls; ++i) {
    const std::string& url = urls[i];
    if (RecentlyFailed(url, why)) continue;
    int timeout = SecondsLeft(deadline);
    if (timeout <= 0) break;
    auto request = crypto::MakeOcspRequest(certificate, issuer);
    if (!request.ok()) {
      *why = request.status().message();
      continue;
    }
    auto body = crypto::HttpFetch(url, *request, "application/ocsp-request",
                                  RevocationLimits::kMaxOcspBytes, timeout);
    if (!body.ok()) {
      *why = body.status().message();
      FetchFailed(url, body.status());
      continue;
    }
    auto answer =
        crypto::CheckOcspResponse(*body, *request, certificate, issuer);
    if (!answer.ok()) {
      *why = "OCSP " + url + ": " + answer.status().message();
      Failed(url, *why);
      continue;
    }
    if (answer->status == crypto::OcspAnswer::Status::kUnknown) {
      *why = "OCSP " + url + ": " + answer->reason;
      Failed(url, *why);
      continue;
    }
    bool good = answer->status == crypto::OcspAnswer::Status::kGood;
    const int64_t now = clock_.NowUnix();
    // Only a `good` is capped: a `revoked` is kept until its nextUpdate, so
    // that a blocked re-fetch cannot make the certificate usable again. A
    // certificateHold a CA lifts reads as revoked until then too (the
    // answer's reason is not read here): errs towards refusing.
    const int64_t until =
        answer->next_update == 0 ? now + kOcspDefaultSeconds
        : good ? std::min(answer->next_update, now + kOcspMaxCacheSeconds)
               : answer->next_update;
    OnlineRevocation out{
        good ? Kind::kGood : Kind::kRevoked, "",
        "OCSP " + url + ": " + (good ? std::string("good") : answer->reason),
        until};
    MutexLock lock(&mu_);
    if (ocsp_.size() > kMaxOcspCache) ocsp_.clear();
    ocsp_[fingerprint] = {out, until};
    return out;
  }
  return {};
}

OnlineRevocation RevocationChecker::Check(std::string_view certificate,
                                          std::string_view issuer,
                                          int64_t deadline) {
  crypto::RevocationPointers urls = crypto::RevocationPointersOf(certificate);
  if (urls.crl_urls.empty() && urls.ocsp_urls.empty()) return {};
  std::string why;
  // The CRL first: once stored it answers for every certificate of the
  // issuer until its nextUpdate.
  OnlineRevocation crl = FetchCrl(urls.crl_urls, issuer, deadline, &why);
  if (crl.kind != OnlineRevocation::Kind::kNone) return crl;
  OnlineRevocation ocsp =
      AskOcsp(urls.ocsp_urls, certificate, issuer, deadline, &why);
  if (ocsp.kind != OnlineRevocation::Kind::kNone) return ocsp;
  if (why.empty()) why = "no time left to ask";
  // A failed URL is not asked again before its pause ends.
  return {OnlineRevocation::Kind::kUnavailable, "", why,
          clock_.NowUnix() + kFailureSeconds};
}

}  // namespace sealpost::smime
