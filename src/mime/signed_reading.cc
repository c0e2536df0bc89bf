#include "mime/signed_reading.h"

#include <gmime/gmime.h>

#include <algorithm>

#include "base/strings.h"
#include "mime/gmime_util.h"
#include "mime/parsed_message.h"

namespace sealpost::mime {
namespace {

int CountFields(GMimeObject* object, const char* name) {
  if (object == nullptr) return 0;
  GMimeHeaderList* list = g_mime_object_get_header_list(object);
  int n = 0;
  for (int i = 0; i < g_mime_header_list_get_count(list); ++i) {
    const char* got =
        g_mime_header_get_name(g_mime_header_list_get_header_at(list, i));
    if (got != nullptr && g_ascii_strcasecmp(got, name) == 0) ++n;
  }
  return n;
}

}  // namespace

TopFieldsReading ReadTopFieldsAsGmime(std::string_view header) {
  TopFieldsReading out;
  // The header section alone, ended by its empty line: what GMime reads
  // of it does not depend on the body.
  const std::string bytes = std::string(header) + "\r\n";
  ParsedMessage parsed(bytes);
  GMimeMessage* msg = parsed.get();
  if (msg == nullptr || parsed.headers_over_limit()) return out;
  out.ok = true;
  GMimeObject* top = g_mime_message_get_mime_part(msg);
  // GMime keeps the Content-* fields with the top part, the others with
  // the message; both are counted, wherever a version puts them.
  for (GMimeObject* object : {GMIME_OBJECT(msg), top}) {
    out.content_type_fields += CountFields(object, "Content-Type");
    out.from_fields += CountFields(object, "From");
  }
  if (top != nullptr) {
    GMimeContentType* type = g_mime_object_get_content_type(top);
    if (type != nullptr) {
      char* media = g_mime_content_type_get_mime_type(type);
      out.media_type = AsciiLower(media != nullptr ? media : "");
      g_free(media);
      GMimeParamList* params = g_mime_content_type_get_parameters(type);
      for (int i = 0; params != nullptr && i < g_mime_param_list_length(params);
           ++i) {
        GMimeParam* p = g_mime_param_list_get_parameter_at(params, i);
        const char* value = g_mime_param_get_value(p);
        const char* name = g_mime_param_get_name(p);
        out.parameters.emplace_back(AsciiLower(name != nullptr ? name : ""),
                                    value != nullptr ? value : "");
      }
    }
  }
  InternetAddressList* from = g_mime_message_get_from(msg);
  for (int i = 0; from != nullptr && i < internet_address_list_length(from);
       ++i) {
    InternetAddress* a = internet_address_list_get_address(from, i);
    const char* addr =
        INTERNET_ADDRESS_IS_MAILBOX(a)
            ? internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a))
            : nullptr;
    out.from.emplace_back(addr != nullptr ? addr : "");
  }
  return out;
}

std::optional<std::string> SoleMailboxAsGmime(std::string_view value) {
  internal::InitGmime();
  // GMime recurses once per group it opens (ParsedMessage::
  // kMaxAddressGroups): a From field has none worth reading.
  if (std::ranges::count(value, ':') > ParsedMessage::kMaxAddressGroups) {
    return std::nullopt;
  }
  const std::string copy(value);
  InternetAddressList* list =
      internet_address_list_parse(nullptr, copy.c_str());
  if (list == nullptr) return std::nullopt;
  std::optional<std::string> out;
  if (internet_address_list_length(list) == 1) {
    InternetAddress* a = internet_address_list_get_address(list, 0);
    if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
      const char* addr =
          internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
      if (addr != nullptr) out = addr;
    }
  }
  g_object_unref(list);
  return out;
}

std::optional<MultipartReading> ReadTopMultipartAsGmime(
    std::string_view message) {
  ParsedMessage parsed(message);
  GMimeMessage* msg = parsed.get();
  if (msg == nullptr || parsed.headers_over_limit()) return std::nullopt;
  GMimeObject* top = g_mime_message_get_mime_part(msg);
  if (top == nullptr || !GMIME_IS_MULTIPART(top)) return std::nullopt;
  GMimeMultipart* multipart = GMIME_MULTIPART(top);
  MultipartReading out;
  if (const char* b = g_mime_multipart_get_boundary(multipart)) {
    out.boundary = b;
  }
  for (int i = 0; i < g_mime_multipart_get_count(multipart); ++i) {
    GMimeObject* part = g_mime_multipart_get_part(multipart, i);
    MultipartReading::Part p;
    GMimeHeaderList* list = g_mime_object_get_header_list(part);
    if (g_mime_header_list_get_count(list) > 0) {
      p.first_field =
          g_mime_header_get_offset(g_mime_header_list_get_header_at(list, 0));
    }
    if (GMIME_IS_PART(part)) {
      GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(part));
      GMimeStream* stream = content != nullptr
                                ? g_mime_data_wrapper_get_stream(content)
                                : nullptr;
      if (stream != nullptr) {
        p.content_begin = stream->bound_start;
        p.content_end = stream->bound_end;
      }
    }
    out.parts.push_back(p);
  }
  return out;
}

}  // namespace sealpost::mime
