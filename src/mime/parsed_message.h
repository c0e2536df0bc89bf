// A message parsed once with GMime, for the readers that each need a part
// of it: the protection stage reads its facts (facts.h) and the eDiscovery
// indexer its words (view.h) from one parse instead of one each (issue 14:
// the second parse was an eighth of the gateway's CPU for 64 KB mail).
// The bytes are not copied: they must outlive this object, whose parts
// read their content through them.
//
// Thread-safety: not thread-safe (GMime objects are not); one thread at a
// time may use an object, and moving it leaves the parse where it was.
#ifndef SEALPOST_MIME_PARSED_MESSAGE_H_
#define SEALPOST_MIME_PARSED_MESSAGE_H_

#include <memory>
#include <string_view>

// GMime's own declaration (gmime/gmime-message.h); its header stays out of
// the modules that only hand a parse from one reader to another.
typedef struct _GMimeMessage GMimeMessage;

namespace sealpost::mime {

class ParsedMessage {
 public:
  explicit ParsedMessage(std::string_view bytes);
  ~ParsedMessage();
  ParsedMessage(ParsedMessage&&) noexcept;
  ParsedMessage& operator=(ParsedMessage&&) noexcept;
  ParsedMessage(const ParsedMessage&) = delete;
  ParsedMessage& operator=(const ParsedMessage&) = delete;

  // False when the bytes are no message GMime can read.
  bool ok() const { return get() != nullptr; }
  std::string_view bytes() const { return bytes_; }
  // The parse, for the readers in mime/ (null when !ok()).
  GMimeMessage* get() const;

 private:
  struct Impl;  // the GMime objects, at an address that moves do not change
  std::string_view bytes_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_PARSED_MESSAGE_H_
