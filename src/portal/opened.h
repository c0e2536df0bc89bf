// A protected message opened for a signed-in portal visitor: what the
// reading pages (reading.cc) and replying and forwarding (reply.cc) share.
// Every open is a license request, checked and audited.
//
// Thread-safety: value types and functions of their arguments.
#ifndef SEALPOST_PORTAL_OPENED_H_
#define SEALPOST_PORTAL_OPENED_H_

#include <string>
#include <variant>

#include "branding/branding.h"
#include "http/http.h"
#include "license/license_service.h"
#include "portal/portal.h"
#include "portal/web.h"
#include "store/store.h"

namespace sealpost::portal {

struct Opened {
  store::ProtectedMessageRecord record;
  branding::Branding brand;
  license::UseLicense license;
  std::string original;
};

// The message `id` for the signed-in visitor, or the page that says why
// not (`back`: where signing in returns to). Without `decrypt`, every check
// and the key release (audited) are made, `original` stays empty and the
// container in the store (a download reads it from there: download.cc).
std::variant<Opened, http::Response> OpenFor(
    const PortalServices& s, const http::Request& req, const std::string& id,
    const Portal::Visitor& v, const std::string& back, bool decrypt = true);

// Whether `o`'s attachments are given decrypted (else sealed on their own).
bool DecryptedDownloads(const PortalServices& s, const Opened& o);

// The header of `id`'s portal copy (for its license request), read from
// its body file when it has one; nullopt when no copy was kept.
Result<std::optional<std::string>> PortalCopyHeader(store::Store& store,
                                                    const std::string& id);

// The subject as the recipients were shown it; `parsed` is the original's.
std::string ShownSubject(const PortalServices& s, const Opened& o,
                         const std::string& parsed);

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_OPENED_H_
