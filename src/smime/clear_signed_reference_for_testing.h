// Tests only: a multipart/signed body split whole, a CRLF line at a time,
// by the rules ClearSignedScanner (signed_stream.h) applies a slice at a
// time, written as plainly as they read: the reference the scanner is
// checked against by its unit tests and by the signed_scan_fuzz target.
//
// Thread-safety: a pure function.
#ifndef SEALPOST_SMIME_CLEAR_SIGNED_REFERENCE_FOR_TESTING_H_
#define SEALPOST_SMIME_CLEAR_SIGNED_REFERENCE_FOR_TESTING_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace sealpost::smime::testing {

struct ReferenceSplit {
  bool ok = false;
  std::string content, signature;
  size_t content_begin = 0, signature_begin = 0;
};

inline ReferenceSplit SplitClearSignedWhole(std::string_view body,
                                            std::string_view boundary,
                                            size_t max_signature) {
  const std::string delim = "--" + std::string(boundary);
  ReferenceSplit out;
  enum { kPreamble, kContent, kSignature } state = kPreamble;
  size_t part_begin = 0;
  for (size_t pos = 0; pos <= body.size();) {
    const size_t crlf = body.find("\r\n", pos);
    const bool last = crlf == std::string_view::npos;
    const std::string_view line =
        body.substr(pos, last ? std::string_view::npos : crlf - pos);
    const size_t next = last ? body.size() + 1 : crlf + 2;
    const size_t found = line.find(delim);
    if (found == std::string_view::npos) {
      pos = next;
      continue;
    }
    // Only at a line's start, only exactly a delimiter line.
    if (found != 0 || line.size() > 998) return out;
    std::string_view rest = line.substr(delim.size());
    const bool close = rest.starts_with("--");
    if (close) rest.remove_prefix(2);
    if (rest.find_first_not_of(" \t") != std::string_view::npos) return out;
    if (last && !close) return out;
    // The part before ends at the CRLF before this line.
    const std::string_view part =
        pos >= part_begin + 2 ? body.substr(part_begin, pos - 2 - part_begin)
                              : std::string_view();
    switch (state) {
      case kPreamble:
        if (close) return out;
        state = kContent;
        break;
      case kContent:
        if (close || part.empty()) return out;
        out.content = std::string(part);
        out.content_begin = part_begin;
        state = kSignature;
        break;
      case kSignature:
        if (!close || part.empty() || part.size() > max_signature) return out;
        out.signature = std::string(part);
        out.signature_begin = part_begin;
        out.ok = true;
        return out;
    }
    part_begin = next;
    pos = next;
  }
  out.content.clear();
  return out;
}

}  // namespace sealpost::smime::testing

#endif  // SEALPOST_SMIME_CLEAR_SIGNED_REFERENCE_FOR_TESTING_H_
