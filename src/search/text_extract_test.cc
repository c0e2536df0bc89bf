#include "search/text_extract.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "search/indexer.h"

namespace sealpost::search {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A one-page PDF 1.4 that shows `text` in Helvetica, with a right xref.
std::string MinimalPdf(const std::string& text) {
  std::string stream = "BT /F1 12 Tf 72 720 Td (" + text + ") Tj ET";
  std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
      "/Resources << /Font << /F1 5 0 R >> >> >>",
      "<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream +
          "\nendstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) +
         "\n0000000000 65535 f \n";
  for (size_t off : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

// The words of an HTML body in every form (base/markup.h): a word split by
// an inline tag (laid out), by a stray end tag (every tag nothing), two
// words split by a tag styled as a block (every tag a space).
TEST(TextExtractTest, HtmlWordsInEveryForm) {
  WordSet words = MessageWords(
      "Subject: s\r\nContent-Type: text/html\r\n\r\n"
      "<p>con<b>fid</b>ential</p><p>secret</p>PRI</div>VATE "
      "top<span style='display:block'></span>most");
  const std::vector<std::string>& all = words.words();
  for (const char* w : {"confidential", "secret", "private", "top"}) {
    EXPECT_NE(std::find(all.begin(), all.end(), w), all.end())
        << w << " in " << ::testing::PrintToString(all);
  }
}

TEST(TextExtractTest, OoxmlTextJoinsRunsAndSplitsParagraphs) {
  std::string text = OoxmlXmlText(
      "<?xml version=\"1.0\"?><w:document><w:body><w:p><w:r><w:t>Hel</w:t>"
      "</w:r><w:r><w:t xml:space=\"preserve\">lo</w:t></w:r></w:p><w:p>"
      "<w:r><w:rPr><w:b/></w:rPr><w:t>World &amp; co</w:t></w:r></w:p>"
      "</w:body></w:document>");
  EXPECT_THAT(text, HasSubstr("Hello"));
  EXPECT_THAT(text, HasSubstr("World & co"));
  EXPECT_EQ(text.find("Hello World"), text.find("Hello"));
}

TEST(TextExtractTest, PdfTextComesFromPoppler) {
  auto text = PdfText(MinimalPdf("quarterly zanzibar figures"));
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_THAT(*text, HasSubstr("zanzibar"));
}

TEST(TextExtractTest, BadDocumentsAreErrorsNotCrashes) {
  EXPECT_FALSE(PdfText("not a pdf").ok());
  EXPECT_FALSE(PdfText(MinimalPdf("x").substr(0, 40)).ok());
  EXPECT_FALSE(OoxmlText("PK\x03\x04 broken").ok());
  EXPECT_FALSE(OoxmlText("").ok());
}

TEST(TextExtractTest, KindByTypeOrName) {
  EXPECT_EQ(KindOf("application/pdf", "x"), DocumentKind::kPdf);
  EXPECT_EQ(KindOf("application/octet-stream", "A.PDF"), DocumentKind::kPdf);
  EXPECT_EQ(KindOf("application/vnd.openxmlformats-officedocument."
                   "wordprocessingml.document",
                   "x"),
            DocumentKind::kOoxml);
  EXPECT_EQ(KindOf("application/octet-stream", "b.xlsx"), DocumentKind::kOoxml);
  EXPECT_EQ(KindOf("text/plain", "c.txt"), DocumentKind::kOther);
}

}  // namespace
}  // namespace sealpost::search
