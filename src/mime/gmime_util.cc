#include "mime/gmime_util.h"

#include <mutex>

#include "base/encoding.h"

namespace sealpost::mime::internal {

void InitGmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

ParsedMessage::ParsedMessage(std::string_view bytes) {
  InitGmime();
  GMimeStream* stream =
      g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  message_ = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  g_object_unref(stream);
}

ParsedMessage::~ParsedMessage() {
  if (message_ != nullptr) g_object_unref(message_);
}

std::string WrapBase64(std::string_view data) {
  std::string b64 = Base64Encode(AsBytes(data));
  std::string out;
  out.reserve(b64.size() + b64.size() / 76 * 2 + 2);
  for (size_t i = 0; i < b64.size(); i += 76) {
    out.append(b64, i, 76);
    out += "\r\n";
  }
  return out;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u >= 0x7F ||
        std::string_view("()<>@,;:\\\"/[]?=").find(c) !=
            std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace sealpost::mime::internal
