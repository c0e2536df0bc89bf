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
// not (`back`: where signing in returns to).
std::variant<Opened, http::Response> OpenFor(const PortalServices& s,
                                             const http::Request& req,
                                             const std::string& id,
                                             const Portal::Visitor& v,
                                             const std::string& back);

// The subject as the recipients were shown it; `parsed` is the original's.
std::string ShownSubject(const PortalServices& s, const Opened& o,
                         const std::string& parsed);

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_OPENED_H_
