// The sanitizer's walk: gumbo parsing under a memory limit, and the
// serializer that writes back what the allow-lists (sanitize_policy.h) keep.
#include "portal/sanitize.h"

#include <gumbo.h>

#include <csetjmp>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "portal/html_scan.h"
#include "portal/sanitize_policy.h"

namespace sealpost::portal {
namespace {

using sanitize_internal::Action;
using sanitize_internal::ElementAction;
using sanitize_internal::FilterStyle;
using sanitize_internal::ImageVerdict;
using sanitize_internal::IsVoid;
using sanitize_internal::JudgeImage;
using sanitize_internal::PlainAttributeAllowed;
using sanitize_internal::SafeLinkUrl;

// Elements nested deeper than this in the output are unwrapped (their text is
// kept), so a hostile message cannot make the browser build a deep tree.
constexpr int kMaxOutputDepth = 200;

bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// ---------------------------------------------------------------------------
// Parsing under a memory limit.
//
// gumbo takes an allocator; this one links every block into a list, so when
// the limit is hit it can longjmp out of the parser and free everything gumbo
// had allocated. gumbo is C: the frames skipped by the longjmp hold no C++
// objects, and the only frame that does (Parse) sets up the jump with none
// live. The list also frees a finished tree without gumbo_destroy_output,
// which recurses once per nesting level.

struct alignas(alignof(std::max_align_t)) BlockHeader {
  BlockHeader* prev;
  BlockHeader* next;
  size_t size;
};

class ParseArena {
 public:
  explicit ParseArena(size_t limit) : limit_(limit) {
    head_.prev = head_.next = &head_;
  }
  ~ParseArena() { FreeAll(); }
  ParseArena(const ParseArena&) = delete;
  ParseArena& operator=(const ParseArena&) = delete;

  // Parses html; nullptr when the memory limit was reached.
  GumboOutput* Parse(std::string_view html) {
    GumboOptions options = kGumboDefaultOptions;
    options.allocator = &ParseArena::Allocate;
    options.deallocator = &ParseArena::Deallocate;
    options.userdata = this;
    // Recorded errors copy the stack of open elements: quadratic memory.
    options.max_errors = 0;
    std::jmp_buf escape;
    escape_ = &escape;
    if (setjmp(escape) != 0) {
      escape_ = nullptr;
      FreeAll();
      return nullptr;
    }
    GumboOutput* output =
        gumbo_parse_with_options(&options, html.data(), html.size());
    escape_ = nullptr;
    return output;
  }

 private:
  static void* Allocate(void* userdata, size_t size) {
    auto* arena = static_cast<ParseArena*>(userdata);
    if (arena->escape_ != nullptr && size > arena->limit_ - arena->live_) {
      std::longjmp(*arena->escape_, 1);
    }
    void* raw = std::malloc(sizeof(BlockHeader) + size);
    if (raw == nullptr) {
      if (arena->escape_ != nullptr) std::longjmp(*arena->escape_, 1);
      std::abort();  // gumbo cannot handle a failed allocation
    }
    auto* block = new (raw) BlockHeader{&arena->head_, arena->head_.next, size};
    block->next->prev = block;
    arena->head_.next = block;
    arena->live_ += size;
    return block + 1;
  }

  static void Deallocate(void* userdata, void* ptr) {
    if (ptr == nullptr) return;
    auto* arena = static_cast<ParseArena*>(userdata);
    auto* block = static_cast<BlockHeader*>(ptr) - 1;
    block->prev->next = block->next;
    block->next->prev = block->prev;
    arena->live_ -= block->size;
    std::free(block);
  }

  void FreeAll() {
    BlockHeader* block = head_.next;
    while (block != &head_) {
      BlockHeader* next = block->next;
      std::free(block);
      block = next;
    }
    head_.prev = head_.next = &head_;
    live_ = 0;
  }

  const size_t limit_;
  size_t live_ = 0;
  BlockHeader head_{};
  // Not owned: the frame of the Parse call running, null outside it.
  std::jmp_buf* escape_ = nullptr;
};

// Length of the prefix of html holding at most max_tags tags. A tag, end tag,
// comment or doctype is a '<' followed by a letter, '/', '!' or '?' (HTML
// §13.2.5.6 "tag open state"); any other '<' is text.
size_t PrefixWithinTagLimit(std::string_view html, size_t max_tags) {
  size_t tags = 0;
  for (size_t pos = html.find('<'); pos != std::string_view::npos;
       pos = html.find('<', pos + 1)) {
    char next = pos + 1 < html.size() ? html[pos + 1] : '\0';
    if (!IsAsciiAlpha(next) && next != '/' && next != '!' && next != '?') {
      continue;
    }
    if (++tags > max_tags) return pos;
  }
  return html.size();
}

// ---------------------------------------------------------------------------
// Serialization.

void AppendAttribute(std::string& out, std::string_view name,
                     std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  AppendHtmlEscaped(out, value);
  out += '"';
}

class Serializer {
 public:
  Serializer(const SanitizeOptions& options, SanitizeResult& result)
      : options_(options), result_(result) {}

  // Writes the children of body, walking with an explicit stack: gumbo trees
  // can be thousands of levels deep.
  void Run(const GumboNode& body) {
    stack_.push_back({&body.v.element.children, 0, nullptr});
    while (!stack_.empty()) {
      Frame& frame = stack_.back();
      if (frame.next == frame.children->length) {
        if (frame.close_tag != nullptr) {
          out() += "</";
          out() += frame.close_tag;
          out() += '>';
          --depth_;
        }
        stack_.pop_back();
        continue;
      }
      const auto* node =
          static_cast<const GumboNode*>(frame.children->data[frame.next++]);
      Visit(*node);  // may push: frame is not used after this
    }
  }

 private:
  struct Frame {
    const GumboVector* children;
    unsigned int next;
    const char* close_tag;  // nullptr for an unwrapped element
  };

  std::string& out() { return result_.html; }

  void Visit(const GumboNode& node) {
    switch (node.type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_WHITESPACE:
      case GUMBO_NODE_CDATA:
        AppendHtmlEscaped(out(), node.v.text.text);
        return;
      case GUMBO_NODE_ELEMENT:
        VisitElement(node.v.element);
        return;
      case GUMBO_NODE_COMMENT:   // may hide conditional comments
      case GUMBO_NODE_TEMPLATE:  // inert content, never shown
      case GUMBO_NODE_DOCUMENT:
        return;
    }
  }

  void VisitElement(const GumboElement& element) {
    Action action = ElementAction(element);
    if (action == Action::kKeep && depth_ >= kMaxOutputDepth) {
      action = Action::kUnwrap;
    }
    std::string image_url;
    if (action == Action::kKeep && element.tag == GUMBO_TAG_IMG) {
      const GumboAttribute* src =
          gumbo_get_attribute(&element.attributes, "src");
      ImageVerdict verdict = src == nullptr
                                 ? ImageVerdict::kDrop
                                 : JudgeImage(src->value, options_, &image_url);
      if (verdict == ImageVerdict::kBlockRemote) ++result_.blocked_images;
      if (verdict != ImageVerdict::kKeep) return;
    }
    if (action == Action::kDrop) return;
    if (action == Action::kUnwrap) {
      stack_.push_back({&element.children, 0, nullptr});
      return;
    }
    const char* tag_name = gumbo_normalized_tagname(element.tag);
    out() += '<';
    out() += tag_name;
    if (element.tag == GUMBO_TAG_IMG) AppendAttribute(out(), "src", image_url);
    WriteAttributes(element);
    out() += '>';
    if (IsVoid(element.tag)) return;
    // The parser drops a newline right after <pre> (HTML §13.2.6.4.7), so a
    // body that starts with one needs another (HTML §13.3 serializing).
    if (element.tag == GUMBO_TAG_PRE && element.children.length > 0) {
      const auto* first =
          static_cast<const GumboNode*>(element.children.data[0]);
      if ((first->type == GUMBO_NODE_TEXT ||
           first->type == GUMBO_NODE_WHITESPACE) &&
          first->v.text.text[0] == '\n') {
        out() += '\n';
      }
    }
    ++depth_;
    stack_.push_back({&element.children, 0, tag_name});
  }

  void WriteAttributes(const GumboElement& element) {
    bool safe_link = false;
    for (unsigned int i = 0; i < element.attributes.length; ++i) {
      const auto* attr =
          static_cast<const GumboAttribute*>(element.attributes.data[i]);
      if (attr->attr_namespace != GUMBO_ATTR_NAMESPACE_NONE) continue;
      std::string name = AsciiLower(attr->name);
      if (name == "style") {
        std::string css = FilterStyle(attr->value);
        if (!css.empty()) AppendAttribute(out(), "style", css);
      } else if (name == "href") {
        if (element.tag != GUMBO_TAG_A) continue;
        std::optional<std::string> url = SafeLinkUrl(attr->value);
        if (!url) continue;
        AppendAttribute(out(), "href", *url);
        safe_link = true;
      } else if (name != "src" && PlainAttributeAllowed(element.tag, name)) {
        AppendAttribute(out(), name, attr->value);
      }
    }
    if (safe_link) {
      out() += R"( target="_blank" rel="noopener noreferrer")";
    }
  }

  // Not owned: the caller's, which must outlive this object.
  const SanitizeOptions& options_;
  SanitizeResult& result_;
  std::vector<Frame> stack_;
  int depth_ = 0;
};

const GumboNode* FindBody(const GumboOutput& output) {
  const GumboNode* root = output.root;
  if (root == nullptr || root->type != GUMBO_NODE_ELEMENT) return nullptr;
  const GumboVector& children = root->v.element.children;
  for (unsigned int i = 0; i < children.length; ++i) {
    const auto* child = static_cast<const GumboNode*>(children.data[i]);
    if (child->type == GUMBO_NODE_ELEMENT &&
        child->v.element.tag == GUMBO_TAG_BODY) {
      return child;
    }
  }
  return nullptr;  // a frameset document
}

}  // namespace

SanitizeResult SanitizeHtml(std::string_view html,
                            const SanitizeOptions& options) {
  SanitizeResult result;
  size_t keep = PrefixWithinTagLimit(html, options.max_tags);
  if (keep < html.size()) {
    result.complete = false;
    html = html.substr(0, keep);
  }
  ParseArena arena(options.max_parse_memory);
  GumboOutput* output = arena.Parse(html);
  if (output == nullptr) {
    result.complete = false;
    return result;
  }
  if (const GumboNode* body = FindBody(*output)) {
    Serializer(options, result).Run(*body);
  }
  return result;  // ~ParseArena frees the tree
}

void AppendHtmlEscaped(std::string& out, std::string_view text) {
  internal::AppendEscaped(out, text, "&#39;");
}

}  // namespace sealpost::portal
