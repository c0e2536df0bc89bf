// Pieces every GMime user in src/mime shares (internal to the module).
// g_mime_init() is not thread-safe, so every entry point calls InitGmime()
// first, and all share one std::once_flag.
#ifndef SEALPOST_MIME_GMIME_UTIL_H_
#define SEALPOST_MIME_GMIME_UTIL_H_

#include <gmime/gmime.h>

#include <string>
#include <string_view>

namespace sealpost::mime::internal {

void InitGmime();

// Owns a GMimeMessage parsed from `bytes` (null when they are not one).
class ParsedMessage {
 public:
  explicit ParsedMessage(std::string_view bytes);
  ~ParsedMessage();
  ParsedMessage(const ParsedMessage&) = delete;
  ParsedMessage& operator=(const ParsedMessage&) = delete;
  GMimeMessage* get() const { return message_; }

 private:
  GMimeMessage* message_ = nullptr;
};

// Base64 in lines of 76 characters, each ending in CRLF (RFC 2045 §6.8).
std::string WrapBase64(std::string_view data);
// An RFC 2045 token (a parameter value that needs no quotes).
bool IsToken(std::string_view s);

}  // namespace sealpost::mime::internal

#endif  // SEALPOST_MIME_GMIME_UTIL_H_
