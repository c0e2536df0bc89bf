// Limits that more than one module holds to and that the configuration is
// checked against (base/config.cc), so that neither has to include the
// other: the protection stage's streamed head bounds smtp.max_header_bytes.
//
// Thread-safety: constants only.
#ifndef SEALPOST_BASE_LIMITS_H_
#define SEALPOST_BASE_LIMITS_H_

#include <cstdint>

namespace sealpost {

// The first bytes of a message arriving into a spool that the protection
// stage holds in memory while it streams the rest (protect::kStreamedHead
// is this): the most that smtp.max_header_bytes may be (issue 14). That
// limit counts the header section with its empty line (mime::HeaderEnd),
// so the largest one SMTP accepts ends inside these bytes, at its LF.
inline constexpr int64_t kStreamedHeadBytes = int64_t{4} << 20;

}  // namespace sealpost

#endif  // SEALPOST_BASE_LIMITS_H_
