// Routes: which next hop serves a recipient domain. A default next hop
// (smtp.next_hop) plus optional per-domain entries (smtp.routes,
// "domain=HOST:PORT,..."). A next hop is "HOST:PORT", "[V6]:PORT" or
// "maildir:DIR" (the dev sink).
//
// Thread-safety: immutable after Parse; safe to share.
#ifndef SEALPOST_QUEUE_ROUTES_H_
#define SEALPOST_QUEUE_ROUTES_H_

#include <map>
#include <string>
#include <string_view>

#include "base/status.h"
#include "queue/transport.h"

namespace sealpost::queue {

Result<NextHop> ParseNextHop(std::string_view text);

class Routes {
 public:
  static Result<Routes> Parse(std::string_view default_hop,
                              std::string_view per_domain);
  // The route of `domain` (lower-case), else the default (kind kNone when
  // no default is configured).
  const NextHop& For(std::string_view domain) const;
  const NextHop& default_hop() const { return default_; }

 private:
  NextHop default_;
  std::map<std::string, NextHop, std::less<>> domains_;
};

}  // namespace sealpost::queue

#endif  // SEALPOST_QUEUE_ROUTES_H_
