// The portal's page renderer (portal/page_render.h) against kainjow on
// arbitrary template text: whatever PageTemplate::Check accepts must render
// byte for byte what kainjow renders, with data that has texts full of
// markup, flags, empty and nested lists. The pages are constants today;
// this keeps the renderer honest if one ever comes from elsewhere.
#include <cstdlib>
#include <kainjow/mustache.hpp>
#include <string>
#include <string_view>

#include "portal/page_render.h"

namespace {

using sealpost::portal::DataKey;
using sealpost::portal::PageData;
using sealpost::portal::PageTemplate;
using Kainjow = kainjow::mustache::data;

void Fill(PageData& ours, Kainjow& theirs, int depth) {
  ours.Set("a", "<b>&\"x'</b>");
  theirs.set("a", "<b>&\"x'</b>");
  ours.Set("b", "  ");
  theirs.set("b", "  ");
  ours.Set("c", "");
  theirs.set("c", "");
  ours.SetFlag("f");
  theirs.set("f", Kainjow::type::bool_true);
  ours.SetList("e");
  theirs.set("e", Kainjow{Kainjow::type::list});
  if (depth == 0) return;
  Kainjow list{Kainjow::type::list};
  for (int i = 0; i < 2; ++i) {
    Kainjow item;
    PageData& ours_item = ours.AddItem("l");
    ours_item.Set("i", std::to_string(i));
    item.set("i", std::to_string(i));
    if (i == 1) Fill(ours_item, item, depth - 1);
    list.push_back(item);
  }
  theirs.set("l", list);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string source(reinterpret_cast<const char*>(data), size);
  if (!PageTemplate::Check(source).empty()) {
    if (!PageTemplate(source).Render(PageData{}).empty()) std::abort();
    return 0;
  }
  kainjow::mustache::mustache theirs{source};
  if (!theirs.is_valid()) std::abort();  // Check accepted it
  PageData ours;
  Kainjow k;
  Fill(ours, k, 2);
  if (PageTemplate(source).Render(ours) != theirs.render(k)) std::abort();
  return 0;
}
