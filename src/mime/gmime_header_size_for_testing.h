// What GMime's parser holds as the header section of a message, for the
// tests and fuzz targets that check mime::HeaderEnd::size() (the SMTP
// server's smtp.max_header_bytes) against the parser itself.
//
// Thread-safety: a pure function (GMime initialized once).
#ifndef SEALPOST_MIME_GMIME_HEADER_SIZE_FOR_TESTING_H_
#define SEALPOST_MIME_GMIME_HEADER_SIZE_FOR_TESTING_H_

#include <gmime/gmime.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mime/gmime_util.h"

namespace sealpost::mime {

// `message` parsed as mime::ParsedMessage parses it: its headers to their
// end (g_mime_parser_get_headers_end) and the empty line there; all of it
// when there is no empty line and GMime kept a field; nothing when GMime
// makes no message of it, or one of no field and no empty line (only mbox
// "From " lines: GMime makes an empty message and holds no header).
inline size_t GMimeHeaderSize(std::string_view message) {
  internal::InitGmime();
  GMimeStream* stream =
      g_mime_stream_mem_new_with_buffer(message.data(), message.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  g_object_unref(stream);
  GMimeMessage* parsed = g_mime_parser_construct_message(parser, nullptr);
  const gint64 end = g_mime_parser_get_headers_end(parser);
  g_object_unref(parser);
  if (parsed == nullptr) return 0;
  const int fields = g_mime_header_list_get_count(
      g_mime_object_get_header_list(GMIME_OBJECT(parsed)));
  g_object_unref(parsed);
  if (end < 0) return fields == 0 ? 0 : message.size();
  const std::string_view rest = message.substr(static_cast<size_t>(end));
  const size_t empty_line = rest.starts_with("\r\n") ? 2
                            : rest.starts_with("\n") ? 1
                                                     : 0;
  return static_cast<size_t>(end) + empty_line;
}

// The names of the header fields GMime holds of `message`, in order (none
// when it makes no message of it): what a GMime reader after us (the next
// hop, the dev mailbox) takes for fields.
inline std::vector<std::string> GMimeFieldNames(std::string_view message) {
  internal::InitGmime();
  GMimeStream* stream =
      g_mime_stream_mem_new_with_buffer(message.data(), message.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  g_object_unref(stream);
  GMimeMessage* parsed = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  std::vector<std::string> names;
  if (parsed == nullptr) return names;
  GMimeHeaderList* list = g_mime_object_get_header_list(GMIME_OBJECT(parsed));
  for (int i = 0; i < g_mime_header_list_get_count(list); ++i) {
    names.emplace_back(
        g_mime_header_get_name(g_mime_header_list_get_header_at(list, i)));
  }
  g_object_unref(parsed);
  return names;
}

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_GMIME_HEADER_SIZE_FOR_TESTING_H_
