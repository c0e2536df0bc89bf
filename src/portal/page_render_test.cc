#include "portal/page_render.h"

#include <gtest/gtest.h>

#include <kainjow/mustache.hpp>
#include <random>
#include <set>

#include "mime/wrapper_templates.h"
#include "portal/admin_templates.h"
#include "portal/page_templates.h"
#include "portal/second_factor_templates.h"

namespace sealpost::portal {
namespace {

using Kainjow = kainjow::mustache::data;

struct Named {
  const char* name;
  std::string_view source;
};

// Every template of the portal and the wrapper mail.
const Named kTemplates[] = {
    {"layout", kLayoutPage},
    {"sign-in", kSignInPage},
    {"otp", kOtpPage},
    {"notice", kNoticePage},
    {"message", kMessagePage},
    {"compose", kComposePage},
    {"sent", kSentPage},
    {"org sign-in", kOrgSignInPage},
    {"mailbox", kMailboxPage},
    {"mail", kMailPage},
    {"admin", kAdminPage},
    {"admin message", kAdminMessagePage},
    {"chart", kChartSvg},
    {"second factor", kSecondFactorPage},
    {"pin", kPinPage},
    {"wrapper text", mime::kTextTemplate},
    {"wrapper html", mime::kHtmlTemplate},
};

static_assert(PageTemplate::Check(kLayoutPage).empty());
static_assert(PageTemplate::Check(kMessagePage).empty());
static_assert(PageTemplate::Check(kNoticePage).empty());

// The names a template uses (variables and sections).
std::vector<std::string> NamesOf(std::string_view source) {
  std::set<std::string> names;
  internal::ParseTemplate(source, [&](TemplateOp op, std::string_view text) {
    if (op != TemplateOp::kText && op != TemplateOp::kNewline) {
      names.emplace(text);
    }
  });
  return {names.begin(), names.end()};
}

const std::string_view kValues[] = {
    "",
    "plain",
    "  ",
    "\t",
    "<script>alert('x')</script>",
    "a & b \"quoted\" 'single' <tag>",
    "{{content}} {{{content}}} {{#user}}x{{/user}}",
    "two\nlines",
    "\r\n",
    "&amp; already escaped",
    "ünïcödé — 漢字",
    "x\">< img src=x onerror=alert(1)>",
};

// Fills `ours` and `theirs` alike with random values for `names`, lists
// nested up to `depth`.
void Fill(std::mt19937& rng, const std::vector<std::string>& names, int depth,
          PageData& ours, Kainjow& theirs) {
  for (const std::string& name : names) {
    const DataKey key = DataKey::Unchecked(name);
    switch (rng() % 7) {
      case 0:
      case 1:
        break;  // absent
      case 2:
      case 3: {
        std::string_view v = kValues[rng() % std::size(kValues)];
        ours.Set(key, std::string(v));
        theirs.set(name, std::string(v));
        break;
      }
      case 4:
        ours.SetFlag(key);
        theirs.set(name, Kainjow::type::bool_true);
        break;
      case 5:
        ours.SetList(key);
        theirs.set(name, Kainjow{Kainjow::type::list});
        break;
      case 6: {
        if (depth == 0) break;
        Kainjow list{Kainjow::type::list};
        ours.SetList(key);
        for (unsigned n = 1 + rng() % 3; n > 0; --n) {
          Kainjow item;
          Fill(rng, names, depth - 1, ours.AddItem(key), item);
          list.push_back(item);
        }
        theirs.set(name, list);
        break;
      }
    }
  }
}

TEST(PageRenderTest, EveryTemplateCompiles) {
  for (const auto& t : kTemplates) {
    EXPECT_EQ(PageTemplate::Check(t.source), "") << t.name;
  }
}

// The renderer against kainjow, byte for byte, on every template with
// random data: absent names, texts with <>&"' and {{ inside, blank texts
// (kainjow's blank-line rule), flags, empty lists, nested lists.
TEST(PageRenderTest, RendersWhatKainjowRenders) {
  std::mt19937 rng(20261204);
  for (const auto& t : kTemplates) {
    const PageTemplate ours(t.source);
    kainjow::mustache::mustache theirs{std::string(t.source)};
    ASSERT_TRUE(theirs.is_valid()) << t.name;
    const std::vector<std::string> names = NamesOf(t.source);
    for (int round = 0; round < 400; ++round) {
      PageData d;
      Kainjow k;
      Fill(rng, names, 2, d, k);
      ASSERT_EQ(ours.Render(d), theirs.render(k))
          << t.name << " round " << round;
    }
    // Everything set: every section renders.
    PageData all;
    Kainjow k;
    for (const std::string& name : names) {
      all.Set(DataKey::Unchecked(name), "v<" + name + ">");
      k.set(name, "v<" + name + ">");
    }
    EXPECT_EQ(ours.Render(all), theirs.render(k)) << t.name;
    EXPECT_EQ(ours.Render(PageData{}), theirs.render(Kainjow{})) << t.name;
  }
}

// Mustache's standalone-line cases as kainjow treats them.
TEST(PageRenderTest, BlankLinesAsKainjow) {
  const std::string_view sources[] = {
      "a\n{{#s}}\nb\n{{/s}}\nc\n",
      "{{#s}}  {{/s}}\n{{^s}}\t{{/s}}\r\nx\r",
      "{{#l}}{{v}}\n{{/l}}end",
      " {{#l}} {{/l}} ",
      "{{! comment }}\n{{#s}}{{v}}{{/s}}\n",
      "{{{v}}}\n{{&v}}|{{ v }}|{{{ v }}}",
      "{{#s}}{{#l}}[{{v}}{{s}}]{{/l}}{{/s}}\n{{^l}}none{{/l}}",
  };
  std::mt19937 rng(7);
  const std::vector<std::string> names = {"s", "l", "v"};  // the keys' text
  for (std::string_view src : sources) {
    ASSERT_EQ(PageTemplate::Check(src), "") << src;
    const PageTemplate ours(src);
    kainjow::mustache::mustache theirs{std::string(src)};
    for (int round = 0; round < 300; ++round) {
      PageData d;
      Kainjow k;
      Fill(rng, names, 2, d, k);
      ASSERT_EQ(ours.Render(d), theirs.render(k)) << src;
    }
  }
}

TEST(PageRenderTest, RefusesWhatItDoesNotRender) {
  for (std::string_view bad :
       {"{{x", "{{{x}}", "{{#a}}", "{{/a}}", "{{#a}}{{/b}}", "{{>p}}",
        "{{=<% %>=}}", "{{a.b}}", "{{.}}", "{{}}", "{{#}}{{/}}"}) {
    EXPECT_NE(PageTemplate::Check(bad), "") << bad;
    EXPECT_EQ(PageTemplate(bad).Render(PageData{}), "") << bad;
  }
}

// XSS: every {{name}} of every template stays escaped. Each name holds a
// payload; only the names the template writes raw ({{{name}}}) may show it.
TEST(PageRenderTest, EscapedVariablesStayEscaped) {
  constexpr std::string_view kPayload = "<x-evil a=\"q1z\" b='q2z'>&";
  for (const auto& t : kTemplates) {
    std::set<std::string> raw;
    internal::ParseTemplate(t.source,
                            [&](TemplateOp op, std::string_view text) {
                              if (op == TemplateOp::kRawVariable) {
                                raw.emplace(text);
                              }
                            });
    PageData d;
    const std::vector<std::string> names = NamesOf(t.source);
    for (const std::string& name : names) {
      d.Set(DataKey::Unchecked(name),
            raw.contains(name) ? "raw" : std::string(kPayload));
    }
    const std::string page = PageTemplate(t.source).Render(d);
    EXPECT_EQ(page.find("<x-evil"), std::string::npos) << t.name;
    EXPECT_EQ(page.find("'q2z'"), std::string::npos) << t.name;
    EXPECT_EQ(page.find("\"q1z\""), std::string::npos) << t.name;
  }
}

TEST(PageRenderTest, EscapesAsKainjow) {
  std::string out;
  AppendMustacheEscaped(out, "a<b>c&d\"e'f");
  EXPECT_EQ(out, "a&lt;b&gt;c&amp;d&quot;e&apos;f");
  EXPECT_EQ(out, kainjow::mustache::html_escape<std::string>("a<b>c&d\"e'f"));
  out.clear();
  AppendMustacheEscaped(out, "no specials");
  EXPECT_EQ(out, "no specials");
}

// Random texts of every length around the eight-byte steps, specials at
// every position.
TEST(PageRenderTest, EscapesRandomTextsAsKainjow) {
  std::mt19937 rng(3);
  constexpr std::string_view kAlphabet = "ab &<>\"'\x80\xff\0{";
  for (int round = 0; round < 20000; ++round) {
    std::string text(rng() % 40, ' ');
    for (char& c : text) c = kAlphabet[rng() % kAlphabet.size()];
    std::string out = "prefix";
    AppendMustacheEscaped(out, text);
    ASSERT_EQ(out, "prefix" + kainjow::mustache::html_escape(text)) << text;
  }
}

// The layout's content rendered in the same buffer is the content
// rendered alone and written raw.
TEST(PageRenderTest, NestedPageIsTheSameAsItsRenderWrittenRaw) {
  const PageTemplate layout(kLayoutPage);
  const PageTemplate notice(kNoticePage);
  PageData content;
  content.Set("heading", "It <failed>");
  content.Set("text", "  ");
  PageData a;
  a.Set("title", "T");
  a.SetFlag("user");
  a.SetPage("content", notice, content);
  PageData b;
  b.Set("title", "T");
  b.SetFlag("user");
  b.Set("content", notice.Render(content));
  EXPECT_EQ(layout.Render(a), layout.Render(b));
  EXPECT_NE(layout.Render(a).find("<h1>It &lt;failed&gt;</h1>"),
            std::string::npos);
}

TEST(PageRenderTest, SettingAgainReplaces) {
  const PageTemplate t("{{a}}{{#l}}[{{a}}]{{/l}}");
  PageData d;
  d.Set("a", "1");
  d.Set("a", "2");
  d.AddItem("l").Set("a", "3");
  d.AddItem("l");
  EXPECT_EQ(t.Render(d), "2[3][2]");
}

}  // namespace
}  // namespace sealpost::portal
