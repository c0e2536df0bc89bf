#include "portal/sanitize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace sealpost::portal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Clean(std::string_view html, SanitizeOptions options = {}) {
  return SanitizeHtml(html, options).html;
}

TEST(SanitizeTest, KeepsFormattingAndEscapesText) {
  EXPECT_EQ(Clean("<p>Hello <b>bold</b> &amp; <i>it</i><br>x</p>"),
            "<p>Hello <b>bold</b> &amp; <i>it</i><br>x</p>");
  EXPECT_EQ(Clean("a &lt;script&gt; \"q\" 'a' > b"),
            "a &lt;script&gt; &quot;q&quot; &#39;a&#39; &gt; b");
  EXPECT_EQ(Clean("<hr><img src=\"data:image/png;base64,iVBO\" alt='a\"b'>"),
            "<hr><img src=\"data:image/png;base64,iVBO\" alt=\"a&quot;b\">");
}

TEST(SanitizeTest, DropsScriptsWithTheirContent) {
  std::string out =
      Clean("a<script>alert(1)</script>b<SCRIPT SRC=x></SCRIPT>c");
  EXPECT_EQ(out, "abc");
  EXPECT_EQ(Clean("a<noscript><p>x</p></noscript>y"), "ay");
  EXPECT_EQ(Clean("<iframe src=\"https://evil\">t</iframe><object data=x>"
                  "o</object><embed src=x>e"),
            "e");
}

TEST(SanitizeTest, DropsEventHandlers) {
  std::string out = Clean(
      "<img src=\"data:image/gif;base64,R0lG\" onerror=\"alert(1)\">"
      "<body onload=alert(1)><div ONCLICK=\"x()\" title=t>d</div>");
  EXPECT_THAT(out, Not(HasSubstr("onerror")));
  EXPECT_THAT(out, Not(HasSubstr("onload")));
  EXPECT_THAT(out, Not(HasSubstr("onclick")));
  EXPECT_THAT(out, Not(HasSubstr("alert")));
  EXPECT_THAT(out, HasSubstr("<div title=\"t\">d</div>"));
}

TEST(SanitizeTest, LinksOnlyWithSafeSchemes) {
  EXPECT_EQ(Clean("<a href=\"https://example.com/?a=1&amp;b=2\">x</a>"),
            "<a href=\"https://example.com/?a=1&amp;b=2\" target=\"_blank\" "
            "rel=\"noopener noreferrer\">x</a>");
  EXPECT_EQ(Clean("<a href=\" MAILTO:bob@example.com \">m</a>"),
            "<a href=\"MAILTO:bob@example.com\" target=\"_blank\" "
            "rel=\"noopener noreferrer\">m</a>");
  for (const char* bad : {
           "<a href=\"javascript:alert(1)\">x</a>",
           "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
           "<a href=\"&#106;avascript:alert(1)\">x</a>",
           "<a href=\"&#x6A;avascript&colon;alert(1)\">x</a>",
           "<a href=\"java\tscript:alert(1)\">x</a>",
           "<a href=\"java&#x09;script:alert(1)\">x</a>",
           "<a href=\"  \x01javascript:alert(1)\">x</a>",
           "<a href=\"vbscript:msgbox(1)\">x</a>",
           "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>",
           "<a href=\"/logout\">x</a>",
           "<a href=\"ftp://example.com/\">x</a>",
       }) {
    EXPECT_EQ(Clean(bad), "<a>x</a>") << bad;
  }
  // href belongs to links only.
  EXPECT_EQ(Clean("<div href=\"https://x\">d</div>"), "<div>d</div>");
  // Authors' own target and rel are replaced, not kept.
  EXPECT_THAT(
      Clean("<a href=\"http://x\" target=\"_top\" rel=\"opener\">x</a>"),
      Not(HasSubstr("_top")));
}

TEST(SanitizeTest, FiltersInlineStyle) {
  EXPECT_EQ(Clean("<p style=\"color: red; POSITION: fixed; font-size:12px\">"
                  "x</p>"),
            "<p style=\"color: red; font-size: 12px\">x</p>");
  EXPECT_EQ(Clean("<p style=\"width: expression(alert(1))\">x</p>"),
            "<p>x</p>");
  EXPECT_EQ(
      Clean("<p style=\"background: url(https://t.example/p.gif)\">x</p>"),
      "<p>x</p>");
  EXPECT_EQ(Clean("<p style=\"background:u\\72l(https://t.example/)\">x</p>"),
            "<p>x</p>");
  EXPECT_EQ(Clean("<p style=\"color:red/**/;behavior:url(x.htc)\">x</p>"),
            "<p>x</p>");
  EXPECT_EQ(Clean("<p style=\"-moz-binding:url(x)\">x</p>"), "<p>x</p>");
  EXPECT_EQ(Clean("<p style=\"background-image: image-set('a.png' 1x)\">x</p>"),
            "<p>x</p>");
  EXPECT_EQ(Clean("<p style=\"color: rgb(1, 2, 3); display: none\">x</p>"),
            "<p style=\"color: rgb(1, 2, 3); display: none\">x</p>");
  EXPECT_EQ(Clean("<p style=\"display: -webkit-box\">x</p>"), "<p>x</p>");
  EXPECT_EQ(Clean("<p style=\"border-left-color: red; margin-expression(: 1;"
                  "border-left-x: 1; padding-top: 2px\">x</p>"),
            "<p style=\"border-left-color: red; padding-top: 2px\">x</p>");
  // Declarations are re-serialized one by one, each with balanced quotes,
  // so an open quote cannot swallow (or smuggle) the next one.
  EXPECT_EQ(Clean("<p style='font-family: \"a; background: red'>x</p>"),
            "<p style=\"background: red\">x</p>");
  EXPECT_EQ(Clean("<p style='font-family: \"a;b\"'>x</p>"), "<p>x</p>");
  EXPECT_EQ(Clean("<p style='font-family: \"Times New Roman\", serif'>x</p>"),
            "<p style=\"font-family: &quot;Times New Roman&quot;, serif\">"
            "x</p>");
}

TEST(SanitizeTest, DropsStyleBlocksAndHeadContent) {
  std::string out = Clean(
      "<html><head><title>T</title><base href=\"https://evil/\">"
      "<meta http-equiv=\"refresh\" content=\"0;url=https://evil/\">"
      "<link rel=stylesheet href=\"https://evil/s.css\">"
      "<style>body{background:url(https://evil/)}</style></head>"
      "<body><style>p{color:red}</style><p>text</p>"
      "<base href=\"https://evil/\"><meta http-equiv=refresh content=0>"
      "</body></html>");
  EXPECT_EQ(out, "<p>text</p>");
}

TEST(SanitizeTest, RemoteImagesBlockedAndCountedUnlessAllowed) {
  std::string html =
      "<img src=\"https://t.example/a.png\" width=\"10\">"
      "<img src=\"http://t.example/b.png\"><img src=\"//t.example/c.png\">";
  SanitizeResult blocked = SanitizeHtml(html, {});
  EXPECT_EQ(blocked.html, "");
  EXPECT_EQ(blocked.blocked_images, 3);

  SanitizeOptions allow;
  allow.allow_remote_images = true;
  SanitizeResult shown = SanitizeHtml(html, allow);
  EXPECT_EQ(shown.blocked_images, 0);
  EXPECT_EQ(shown.html,
            "<img src=\"https://t.example/a.png\" width=\"10\">"
            "<img src=\"http://t.example/b.png\">"
            "<img src=\"https://t.example/c.png\">");
  // Other schemes are never images, whatever the option says.
  EXPECT_EQ(Clean("<img src=\"javascript:alert(1)\"><img src=\"file:///etc/"
                  "passwd\"><img src=\"data:image/svg+xml;base64,PHN2Zz4=\">"
                  "<img src=\"data:image/png,raw\"><img src=\"rel.png\"><img>",
                  allow),
            "");
}

TEST(SanitizeTest, CidImagesGoThroughTheResolver) {
  SanitizeOptions options;
  std::vector<std::string> asked;
  options.resolve_cid = [&asked](std::string_view id) -> std::string {
    asked.emplace_back(id);
    if (id == "logo@x") return "/m/abc/part/2";
    return "";
  };
  SanitizeResult r = SanitizeHtml(
      "<img src=\"cid:logo%40x\" alt=\"Logo\"><img src=\"CID:missing\">",
      options);
  EXPECT_EQ(r.html, "<img src=\"/m/abc/part/2\" alt=\"Logo\">");
  EXPECT_EQ(r.blocked_images, 0);
  EXPECT_EQ(asked, (std::vector<std::string>{"logo@x", "missing"}));
  // Without a resolver, cid images go.
  EXPECT_EQ(Clean("<img src=\"cid:logo@x\">"), "");
}

TEST(SanitizeTest, DropsForeignContent) {
  EXPECT_EQ(Clean("a<svg><script>alert(1)</script><a xlink:href=\"javascript:"
                  "x\">l</a><foreignObject><p>f</p></foreignObject></svg>b"),
            "ab");
  EXPECT_EQ(Clean("a<math><mi xlink:href=\"javascript:alert(1)\">x</mi>"
                  "<mtext><script>alert(1)</script></mtext></math>b"),
            "ab");
  // The classic mutation-XSS shape: whatever the tree, no markup survives
  // that the sanitizer did not write.
  std::string out =
      Clean("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>");
  EXPECT_THAT(out, Not(HasSubstr("<img")));
  EXPECT_THAT(out, Not(HasSubstr("onerror=")));
}

TEST(SanitizeTest, FormsLoseTheirControlsAndAction) {
  EXPECT_EQ(Clean("<form action=\"https://evil/\" method=post>Name: "
                  "<input name=n><textarea>t</textarea><select><option>o"
                  "</select><button>Go</button></form>"),
            "Name: ");
  EXPECT_EQ(Clean("<custom-tag x=1><marquee>moving</marquee></custom-tag>"),
            "moving");
}

TEST(SanitizeTest, KeepsNestedTables) {
  std::string html =
      "<table border=\"0\" cellpadding=\"2\" width=\"100%\" bgcolor=\"#fff\">"
      "<caption>c</caption><colgroup><col span=\"2\"></colgroup>"
      "<thead><tr><th colspan=\"2\">h</th></tr></thead>"
      "<tbody><tr><td valign=\"top\"><table><tbody><tr><td rowspan=\"2\">"
      "inner</td></tr></tbody></table></td><td>x</td></tr></tbody></table>";
  EXPECT_EQ(Clean(html), html);
  EXPECT_EQ(Clean("<table><tr><td background=\"https://t/\">x</td></tr>"
                  "</table>"),
            "<table><tbody><tr><td>x</td></tr></tbody></table>");
}

TEST(SanitizeTest, FontAndLegacyFormatting) {
  EXPECT_EQ(Clean("<center><font color=\"red\" face=\"Arial\" size=\"2\" "
                  "class=\"c\" id=\"i\">f</font></center><u>u</u><s>s</s>"),
            "<center><font color=\"red\" face=\"Arial\" size=\"2\">f</font>"
            "</center><u>u</u><s>s</s>");
  EXPECT_EQ(Clean("<pre>\n\nindented</pre>"), "<pre>\n\nindented</pre>");
}

TEST(SanitizeTest, MalformedHtml) {
  EXPECT_EQ(Clean("<p>one<p>two"), "<p>one</p><p>two</p>");
  EXPECT_EQ(Clean("<b><i>x</b>y</i>"), "<b><i>x</i></b><i>y</i>");
  EXPECT_EQ(Clean("<div <p>>x</div>"), "<div>&gt;x</div>");
  // As in a browser, "<script" is an attribute name here, not a tag.
  EXPECT_EQ(Clean("<a href=\"https://x/\"<script>alert(1)</script>"),
            "<a href=\"https://x/\" target=\"_blank\" "
            "rel=\"noopener noreferrer\">alert(1)</a>");
  EXPECT_EQ(Clean("text <!-- <script>alert(1)</script> --> more"),
            "text  more");
  // Outside SVG and MathML, CDATA is a bogus comment ending at the first '>'.
  EXPECT_EQ(Clean("<![CDATA[<script>]]>x"), "]]&gt;x");
  EXPECT_EQ(Clean(std::string_view("a\0b", 3)), "ab");
  EXPECT_EQ(Clean("\xff\xfe<p>\xc3"),
            "\xef\xbf\xbd\xef\xbf\xbd<p>\xef\xbf\xbd</p>");
}

TEST(SanitizeTest, DeepNestingIsFlattened) {
  std::string html;
  for (int i = 0; i < 10000; ++i) html += "<div>";
  html += "deep";
  SanitizeResult r = SanitizeHtml(html, {});
  EXPECT_TRUE(r.complete);
  EXPECT_THAT(r.html, HasSubstr("deep"));
  size_t divs = 0;
  for (size_t pos = r.html.find("<div>"); pos != std::string::npos;
       pos = r.html.find("<div>", pos + 1)) {
    ++divs;
  }
  EXPECT_EQ(divs, 200u);
}

TEST(SanitizeTest, TagLimitCutsTheInput) {
  SanitizeOptions options;
  options.max_tags = 4;
  SanitizeResult r = SanitizeHtml("<p>a</p><p>b</p><p>c</p>", options);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.html, "<p>a</p><p>b</p>");
  // A '<' that starts no tag is text, and does not count.
  r = SanitizeHtml("1 < 2 <3 <p>a</p> <= <p>b</p>", options);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.html, "1 &lt; 2 &lt;3 <p>a</p> &lt;= <p>b</p>");
}

// "Reconstruct the active formatting elements" clones every open formatting
// element for each text run: 68 KB of this took gumbo 3.4 GB and 22 s before
// the memory limit.
TEST(SanitizeTest, FormattingElementCloneBombIsStopped) {
  std::string html = "<div>";
  for (int i = 0; i < 3000; ++i) html += "<b id=" + std::to_string(i) + ">";
  html += "</div>";
  for (int i = 0; i < 3000; ++i) html += "<div>x</div>";
  SanitizeOptions options;
  options.max_parse_memory = 16 << 20;
  SanitizeResult r = SanitizeHtml(html, options);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.html, "");
  // The same limit leaves an ordinary message alone.
  std::string table = "<table>";
  for (int i = 0; i < 2000; ++i) {
    table += "<tr><td style=\"color:red\">cell</td><td><b>b</b></td></tr>";
  }
  table += "</table>";
  r = SanitizeHtml(table, options);
  EXPECT_TRUE(r.complete);
  EXPECT_THAT(r.html, HasSubstr("<td style=\"color: red\">cell</td>"));
}

}  // namespace
}  // namespace sealpost::portal
