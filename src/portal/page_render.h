// The portal's page renderer: a Mustache subset compiled once into a flat
// list of ops (text, line end, escaped or raw variable, section, inverted
// section), rendered into one caller's buffer with data looked up in flat
// name/value lists (no maps, no per-call contexts). It renders exactly what
// kainjow::mustache renders for the templates it accepts (page_render_test
// compares the two on every portal template, page_render_fuzz on any
// input), including kainjow's rule for lines left blank by sections.
//
// Templates are the constants of page_templates.h: branding texts and
// everything a user typed are data, never template source. Not accepted
// (Check says why): partials, set-delimiter tags, dotted names, {{.}},
// empty names, sections nested deeper than kMaxDepth.
//
// {{name}} is HTML-escaped as kainjow escapes it (& < > " ' become &amp;
// &lt; &gt; &quot; &apos;); {{{name}}} and {{&name}} are not.
//
// Thread-safety: a compiled PageTemplate is immutable (shared freely); a
// PageData belongs to one thread.
#ifndef SEALPOST_PORTAL_PAGE_RENDER_H_
#define SEALPOST_PORTAL_PAGE_RENDER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sealpost::portal {

// A name in a page's data: a string literal (enforced at compile time), so
// the data keeps a view of it.
class DataKey {
 public:
  template <size_t N>
  consteval DataKey(const char (&name)[N])  // NOLINT: implicit by design
      : name_(name, N - 1) {}
  // A name made at run time (tests, the fuzz target): the caller keeps it
  // alive as long as the data.
  static DataKey Unchecked(std::string_view name) { return DataKey(name, 0); }
  std::string_view name() const { return name_; }

 private:
  DataKey(std::string_view name, int) : name_(name) {}
  std::string_view name_;
};

class PageTemplate;

// A page's data: names and values in a flat list (setting a name again
// replaces its value). Sections look a name up in the innermost list item
// first, then outwards, as Mustache does.
class PageData {
 public:
  // A text: {{name}} writes it escaped, {{{name}}} as it is; a section over
  // it renders once (even when empty, as in kainjow).
  void Set(DataKey key, std::string value);
  // The same for a text the caller keeps alive until the render ends.
  void SetView(DataKey key, std::string_view value);
  // True: its sections render once, its inverted sections not.
  void SetFlag(DataKey key);
  // `page` rendered with `data` where the name is written (the layout's
  // content), straight into the same buffer; both kept alive by the caller.
  void SetPage(DataKey key, const PageTemplate& page, const PageData& data);
  // An empty list: its sections render nothing, its inverted sections once.
  void SetList(DataKey key);
  // A new last item of the list `key` (made when missing); the reference is
  // good until the next AddItem on this list.
  PageData& AddItem(DataKey key);
  // The length of its texts, list items' included (a buffer's reservation).
  size_t TextSize() const;

  struct Value {
    enum class Kind : uint8_t { kText, kView, kFlag, kPage, kList };
    std::string_view name;
    Kind kind = Kind::kFlag;
    std::string owned;                   // kText
    std::string_view view;               // kView
    const PageTemplate* page = nullptr;  // kPage
    const PageData* page_data = nullptr;
    std::vector<PageData> items;  // kList
    std::string_view text() const {
      return kind == Kind::kText ? std::string_view(owned) : view;
    }
  };
  const Value* Find(std::string_view name) const {
    for (const Value& v : values_) {
      if (v.name == name) return &v;
    }
    return nullptr;
  }

 private:
  Value& Slot(std::string_view name, Value::Kind kind);
  std::vector<Value> values_;
};

// What the parser reports, in template order (PageTemplate's compiler and
// Check are its two sinks).
enum class TemplateOp : uint8_t {
  kText,
  kNewline,
  kVariable,
  kRawVariable,
  kSection,
  kInvertedSection,
  kSectionEnd,
};

namespace internal {

constexpr bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

constexpr std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Parses `src` as kainjow's parser does with the default delimiters, calling
// sink(op, text) for each piece (kText runs are as long as possible); the
// error ("" when none) for what is malformed or outside the subset.
template <class Sink>
constexpr std::string_view ParseTemplate(std::string_view src, Sink&& sink) {
  constexpr size_t kMaxDepth = 32;
  std::string_view open[kMaxDepth] = {};
  size_t depth = 0;
  size_t text_start = 0;
  size_t pos = 0;
  auto flush = [&](size_t end) {
    if (end > text_start) {
      sink(TemplateOp::kText, src.substr(text_start, end - text_start));
    }
  };
  while (pos < src.size()) {
    if (src[pos] == '\r' || src[pos] == '\n') {
      flush(pos);
      size_t n = src.substr(pos).starts_with("\r\n") ? 2 : 1;
      sink(TemplateOp::kNewline, src.substr(pos, n));
      pos += n;
      text_start = pos;
      continue;
    }
    if (!src.substr(pos).starts_with("{{")) {
      ++pos;
      continue;
    }
    flush(pos);
    size_t contents = pos + 2;
    const bool unescaped = contents < src.size() && src[contents] == '{';
    if (unescaped) ++contents;
    const std::string_view end_delim = unescaped ? "}}}" : "}}";
    const size_t end = src.find(end_delim, contents);
    if (end == std::string_view::npos) return "unclosed tag";
    const std::string_view tag = Trim(src.substr(contents, end - contents));
    pos = end + end_delim.size();
    text_start = pos;
    if (tag.starts_with('=')) return "set-delimiter tags are not supported";
    TemplateOp op = TemplateOp::kVariable;
    std::string_view name = tag;
    if (unescaped) {
      op = TemplateOp::kRawVariable;
    } else if (!tag.empty()) {
      switch (tag[0]) {
        case '#':
          op = TemplateOp::kSection;
          break;
        case '^':
          op = TemplateOp::kInvertedSection;
          break;
        case '/':
          op = TemplateOp::kSectionEnd;
          break;
        case '&':
          op = TemplateOp::kRawVariable;
          break;
        case '!':
          continue;  // a comment: renders nothing
        case '>':
          return "partials are not supported";
        default:
          break;
      }
      if (op != TemplateOp::kVariable) name = Trim(tag.substr(1));
    }
    if (name.empty()) return "a tag without a name";
    if (name.find('.') != std::string_view::npos) {
      return "dotted names and {{.}} are not supported";
    }
    if (op == TemplateOp::kSection || op == TemplateOp::kInvertedSection) {
      if (depth == kMaxDepth) return "sections nested too deep";
      open[depth++] = name;
    } else if (op == TemplateOp::kSectionEnd) {
      if (depth == 0) return "a section closed that was not opened";
      if (open[--depth] != name) return "a section closed with another name";
    }
    sink(op, name);
  }
  flush(pos);
  if (depth != 0) return "a section not closed";
  return "";
}

}  // namespace internal

class PageTemplate {
 public:
  // Why `source` cannot be compiled, "" when it can; usable in
  // static_assert on the page constants.
  static constexpr std::string_view Check(std::string_view source) {
    return internal::ParseTemplate(source, [](TemplateOp, std::string_view) {});
  }
  // `source` must pass Check (an invalid one renders nothing) and outlive
  // the template: the ops keep views of it.
  explicit PageTemplate(std::string_view source);

  // Appends the page to `out` (after reserving room for it).
  void RenderInto(const PageData& data, std::string& out) const;
  std::string Render(const PageData& data) const;
  // The template's literal text: a lower bound of a page's size.
  size_t literal_size() const { return literal_size_; }

 private:
  friend class PageRenderer;
  struct Op {
    TemplateOp kind;
    uint32_t end = 0;       // sections: the index after their last op
    std::string_view text;  // the text, line end or name
  };
  std::vector<Op> ops_;
  size_t literal_size_ = 0;
};

// Appends `text` escaped as kainjow escapes ({{name}}), copying the runs
// without special characters whole.
void AppendMustacheEscaped(std::string& out, std::string_view text);

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_PAGE_RENDER_H_
