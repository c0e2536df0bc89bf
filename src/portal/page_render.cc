#include "portal/page_render.h"

#include "portal/html_scan.h"

namespace sealpost::portal {

PageData::Value& PageData::Slot(std::string_view name, Value::Kind kind) {
  for (Value& v : values_) {
    if (v.name == name) {
      v = Value{};
      v.name = name;
      v.kind = kind;
      return v;
    }
  }
  if (values_.empty()) values_.reserve(16);
  Value& v = values_.emplace_back();
  v.name = name;
  v.kind = kind;
  return v;
}

void PageData::Set(DataKey key, std::string value) {
  Slot(key.name(), Value::Kind::kText).owned = std::move(value);
}

void PageData::SetView(DataKey key, std::string_view value) {
  Slot(key.name(), Value::Kind::kView).view = value;
}

void PageData::SetFlag(DataKey key) { Slot(key.name(), Value::Kind::kFlag); }

void PageData::SetPage(DataKey key, const PageTemplate& page,
                       const PageData& data) {
  Value& v = Slot(key.name(), Value::Kind::kPage);
  v.page = &page;
  v.page_data = &data;
}

void PageData::SetList(DataKey key) { Slot(key.name(), Value::Kind::kList); }

PageData& PageData::AddItem(DataKey key) {
  for (Value& v : values_) {
    if (v.name == key.name() && v.kind == Value::Kind::kList) {
      return v.items.emplace_back();
    }
  }
  Value& v = Slot(key.name(), Value::Kind::kList);
  return v.items.emplace_back();
}

size_t PageData::TextSize() const {
  size_t n = 0;
  for (const Value& v : values_) {
    n += v.text().size();
    for (const PageData& item : v.items) n += item.TextSize();
  }
  return n;
}

void AppendMustacheEscaped(std::string& out, std::string_view text) {
  internal::AppendEscaped(out, text, "&apos;");
}

PageTemplate::PageTemplate(std::string_view source) {
  if (!Check(source).empty()) return;
  std::vector<uint32_t> open;
  internal::ParseTemplate(source, [&](TemplateOp op, std::string_view text) {
    if (op == TemplateOp::kSectionEnd) {
      ops_[open.back()].end = static_cast<uint32_t>(ops_.size());
      open.pop_back();
      return;
    }
    if (op == TemplateOp::kSection || op == TemplateOp::kInvertedSection) {
      open.push_back(static_cast<uint32_t>(ops_.size()));
    }
    if (op == TemplateOp::kText || op == TemplateOp::kNewline) {
      literal_size_ += text.size();
    }
    ops_.push_back({op, 0, text});
  });
}

// One render of a template: the output buffer and kainjow's line state.
// A line that a rendered section touched and that ended up blank (spaces
// and tabs only) is dropped with its line end, as kainjow drops it.
class PageRenderer {
 public:
  explicit PageRenderer(std::string& out)
      : out_(out), line_start_(out.size()) {}

  void Render(const PageTemplate& t, const PageData& data) {
    const Scope root{&data, nullptr};
    Range(t.ops_, 0, static_cast<uint32_t>(t.ops_.size()), &root);
    if (line_had_section_ && Blank()) out_.resize(line_start_);
  }

 private:
  struct Scope {
    const PageData* data;  // null: a section over a non-list value
    const Scope* outer;
  };
  using Op = PageTemplate::Op;
  using Value = PageData::Value;

  static const Value* Lookup(const Scope* s, std::string_view name) {
    for (; s != nullptr; s = s->outer) {
      if (s->data == nullptr) continue;
      if (const Value* v = s->data->Find(name)) return v;
    }
    return nullptr;
  }

  bool Blank() const {
    for (size_t i = line_start_; i < out_.size(); ++i) {
      if (out_[i] != ' ' && out_[i] != '\t') return false;
    }
    return true;
  }

  void EndLine(std::string_view line_end) {
    if (line_had_section_ && Blank()) {
      out_.resize(line_start_);
    } else {
      out_.append(line_end);
    }
    line_start_ = out_.size();
    line_had_section_ = false;
  }

  void Write(const Value& v, bool escape) {
    switch (v.kind) {
      case Value::Kind::kText:
      case Value::Kind::kView:
        if (escape) {
          AppendMustacheEscaped(out_, v.text());
        } else {
          out_.append(v.text());
        }
        return;
      case Value::Kind::kPage:
        if (escape) {
          AppendMustacheEscaped(out_, v.page->Render(*v.page_data));
        } else {
          // Its own line state, as kainjow renders it on its own first.
          PageRenderer nested(out_);
          nested.Render(*v.page, *v.page_data);
        }
        return;
      case Value::Kind::kFlag:
      case Value::Kind::kList:
        return;  // kainjow writes nothing for them
    }
  }

  // One pass over a section's ops in `inner`; a line holding a section
  // tag is marked before and after it (kainjow's blank-line rule).
  void Section(const std::vector<Op>& ops, uint32_t begin, uint32_t end,
               const Scope& inner) {
    line_had_section_ = true;
    Range(ops, begin, end, &inner);
    line_had_section_ = true;
  }

  void Range(const std::vector<Op>& ops, uint32_t begin, uint32_t end,
             const Scope* scope) {
    for (uint32_t i = begin; i < end; ++i) {
      const Op& op = ops[i];
      switch (op.kind) {
        case TemplateOp::kText:
          out_.append(op.text);
          break;
        case TemplateOp::kNewline:
          EndLine(op.text);
          break;
        case TemplateOp::kVariable:
        case TemplateOp::kRawVariable:
          if (const Value* v = Lookup(scope, op.text)) {
            Write(*v, op.kind == TemplateOp::kVariable);
          }
          break;
        case TemplateOp::kSection: {
          const Value* v = Lookup(scope, op.text);
          if (v != nullptr && v->kind == Value::Kind::kList) {
            for (const PageData& item : v->items) {
              Section(ops, i + 1, op.end, {&item, scope});
            }
          } else if (v != nullptr) {
            Section(ops, i + 1, op.end, {nullptr, scope});
          }
          i = op.end - 1;
          break;
        }
        case TemplateOp::kInvertedSection: {
          const Value* v = Lookup(scope, op.text);
          if (v == nullptr ||
              (v->kind == Value::Kind::kList && v->items.empty())) {
            Section(ops, i + 1, op.end, {nullptr, scope});
          }
          i = op.end - 1;
          break;
        }
        case TemplateOp::kSectionEnd:
          break;  // not kept
      }
    }
  }

  std::string& out_;
  size_t line_start_;
  bool line_had_section_ = false;
};

void PageTemplate::RenderInto(const PageData& data, std::string& out) const {
  out.reserve(out.size() + literal_size_ + 2048);
  PageRenderer(out).Render(*this, data);
}

std::string PageTemplate::Render(const PageData& data) const {
  std::string out;
  RenderInto(data, out);
  return out;
}

}  // namespace sealpost::portal
