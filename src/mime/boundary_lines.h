// The lines of a message that end a MIME part (issue 14): GMime builds an
// object graph for each part, whether or not it has a header, about 1.3 KB
// (100,000 header-less parts in 700 KB of text held 131 MB), so
// mime::ParsedMessage prices each such line in its budget.
//
// A line is a boundary as GMime 3.2 reads one (gmime-parser.c,
// is_boundary): "--" and a boundary, then "--" or not, then only blanks
// (space, tab, CR); lines and boundaries are compared with their trailing
// blanks trimmed (a boundary may end in one), which takes a few lines
// GMime does not. Every boundary declared so far counts, not only those
// of the multiparts around the line as in GMime: more lines, never fewer.
// The bytes come a slice at a time as GMime's parser reads them, and the
// boundaries as it meets each Content-Type field, which is after it read
// on a little (its 4 KB read-ahead): the lines starting "--" that ended in
// the last kWindow bytes are kept, and a boundary newly declared is looked
// for again among them. A line looked at is one starting "--", found by
// looking for '-' (a base64 body has none): the rest of a message costs a
// memchr.
//
// Thread-safety: not thread-safe; one parse's, one thread at a time.
#ifndef SEALPOST_MIME_BOUNDARY_LINES_H_
#define SEALPOST_MIME_BOUNDARY_LINES_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace sealpost::mime::internal {

class BoundaryLines {
 public:
  static constexpr size_t kWindow = 16 * 1024;

  // The next slice of the message; returns the boundary lines it ends.
  int64_t Read(std::string_view slice);
  // A Content-Type's boundary parameter (without the "--"); returns the
  // boundary lines of it among the last kWindow bytes read (0 if it was
  // declared before: those were counted as they were read).
  int64_t Declare(std::string_view boundary);

 private:
  void Take(std::string_view part);
  void EndLine(int64_t end);

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>{}(s);
    }
  };
  // "--" + each boundary, trailing blanks trimmed.
  std::unordered_set<std::string, Hash, std::equal_to<>> known_;
  size_t longest_ = 0;  // of known_
  int64_t read_ = 0;    // bytes before the slice
  int64_t ended_ = 0;   // by the slice being read
  bool at_line_start_ = true;
  // In a line that starts with '-': its first bytes (as many as the
  // longest boundary and a final "--" take, kWindow at least), and whether
  // it may still be a boundary ("--", then only blanks past what is kept).
  bool in_line_ = false;
  std::string line_;
  bool may_be_ = true;
  // The lines starting "--" (blanks trimmed) and where each ended, the
  // last kWindow bytes' and a few older ones.
  std::deque<std::pair<int64_t, std::string>> recent_;
};

}  // namespace sealpost::mime::internal

#endif  // SEALPOST_MIME_BOUNDARY_LINES_H_
