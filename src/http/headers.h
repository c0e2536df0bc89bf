// Header fields as the plain HTTP values hold them: (name, value) pairs
// with the names in lower case, for a request (http.h) and for the CLI's
// responses (cli/client.h).
//
// Thread-safety: pure functions.
#ifndef SEALPOST_HTTP_HEADERS_H_
#define SEALPOST_HTTP_HEADERS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sealpost::http {

// The value of the first field named `lower_name`; empty when absent.
std::string_view HeaderValue(
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view lower_name);

}  // namespace sealpost::http

#endif  // SEALPOST_HTTP_HEADERS_H_
