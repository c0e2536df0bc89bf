// Text of HTML and XML: the tags, character references and comments of
// markup read without a parser, for whoever needs the words a reader sees
// (the mail flow rules' body text, mime/facts.h; the eDiscovery index,
// search/). Every input is untrusted: one pass, no recursion, linear time,
// output capped and never cut inside a UTF-8 character.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_BASE_MARKUP_H_
#define SEALPOST_BASE_MARKUP_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace sealpost {

// The tag at s[i] == '<': its local name (lower case, without prefix, at
// most 32 bytes; `qualified` with it), whether it closes (</x>) or is empty
// (<x/>), and the index after its '>' (s.size() when there is none). A '>'
// inside a quoted attribute value (title=">") does not end it.
struct MarkupTag {
  std::string name;
  std::string qualified;  // with its prefix ("o:p"), lower case
  bool closing = false;
  bool empty = false;
  size_t end = 0;
};
MarkupTag ReadMarkupTag(std::string_view s, size_t i);

// Decodes the character reference at s[i] == '&' into `out`: numeric
// (decimal or hex, any number of digits, the ';' optional; 128 to 159 are
// not mapped to windows-1252 as browsers map them), or one of HTML 4's 253
// names or &ZeroWidthSpace; followed by ';', or a Latin-1 one without it.
// Returns the index after it, or after the '&' alone (appended as it is)
// when it is none. Looks at most a few bytes ahead of i besides the
// digits it takes.
size_t DecodeMarkupEntity(std::string_view s, size_t i, std::string* out);

// The text of an HTML document in three forms, at most `max` bytes each,
// read in one pass (until the longest, `spaced`, reaches `max`; never cut
// inside a UTF-8 character): character references decoded; comments (and
// <!...>, <?...>) and the content of <script>, <style>, <title> and
// <template> dropped, that of <xmp>, <textarea>, <listing> and <plaintext>
// kept as it is. Elements are known by their whole name (<x:style> is not
// a style). Outlook's conditional comments (<!--[if mso]>...<![endif]-->)
// are read as markup: Outlook shows what they hold. Whether a tag breaks a
// word depends on its style, so a reader that must find every word a
// browser could show reads all three forms.
struct HtmlText {
  // As browsers lay out a page with no style: a tag that breaks the line
  // by default (a paragraph, a break, a cell, a list item...) a space, any
  // other (<b>, <span>, <a>, <img>, one we do not know) and a comment
  // nothing, so "con<b>fid</b>ential</p><p>x" reads "confidential x"; an
  // end tag of an element not open and a table's tags outside a table
  // nothing, as browsers drop them.
  std::string laid_out;
  // Every tag and comment a space: words in two paragraphs or cells stay
  // two words, and so do words split by a tag styled as a block.
  std::string spaced;
  // Every tag and comment nothing: what a stray tag that browsers ignore
  // (a </div> with no <div>, a <td> outside a table) or a block styled
  // inline split.
  std::string joined;
};
HtmlText HtmlToTexts(std::string_view html, size_t max);

}  // namespace sealpost

#endif  // SEALPOST_BASE_MARKUP_H_
