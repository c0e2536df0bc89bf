// Text of HTML and XML: the tags, entities and comments of markup read
// without a parser, for whoever needs the words a reader sees (the mail flow
// rules' body text, mime/facts.h; the eDiscovery index, search/
// text_extract.h). Every input is untrusted: one pass, no recursion, output
// capped.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_BASE_MARKUP_H_
#define SEALPOST_BASE_MARKUP_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace sealpost {

// The tag at s[i] == '<': its local name (lower case, without prefix, at
// most 32 bytes), whether it closes (</x>) or is empty (<x/>), and the
// index after its '>' (s.size() when there is none).
struct MarkupTag {
  std::string name;
  bool closing = false;
  bool empty = false;
  size_t end = 0;
};
MarkupTag ReadMarkupTag(std::string_view s, size_t i);

// Decodes the character reference at s[i] == '&' (numeric, or one of the
// common named ones) into `out`; returns the index after it, or after the
// '&' alone (appended as it is) when it is not one we know.
size_t DecodeMarkupEntity(std::string_view s, size_t i, std::string* out);

// The text of an HTML document as a browser lays it out, at most `max`
// bytes: entities decoded; comments, <script> and <style> dropped; a space
// where a tag that breaks the text was (a paragraph, a line break, a cell,
// anything not known to be inline), nothing where a tag that runs inline
// was (<b>, <span>, <a>, <font>...), so that "con<b>fid</b>ential" reads
// "confidential" as it shows.
std::string HtmlToText(std::string_view html, size_t max);

}  // namespace sealpost

#endif  // SEALPOST_BASE_MARKUP_H_
