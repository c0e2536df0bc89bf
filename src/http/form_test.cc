#include "http/form.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace sealpost::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr std::string_view kUrlEncoded = "application/x-www-form-urlencoded";

TEST(FormTest, UrlEncodedBasics) {
  Result<Form> form =
      ParseForm(kUrlEncoded, "a=1&b=x+y%2Bz&&c&a=2&empty=&=novalue");
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_THAT(
      form->fields,
      ElementsAre(Pair("a", "1"), Pair("b", "x y+z"), Pair("c", ""),
                  Pair("a", "2"), Pair("empty", ""), Pair("", "novalue")));
  EXPECT_EQ(form->Get("a"), "1");
  EXPECT_EQ(form->Get("missing"), "");
  EXPECT_THAT(form->GetAll("a"), ElementsAre("1", "2"));
  EXPECT_TRUE(form->files.empty());
  // Parameters and case in the media type do not matter.
  EXPECT_TRUE(
      ParseForm("Application/X-WWW-Form-URLEncoded; charset=UTF-8", "x=1")
          .ok());
  EXPECT_TRUE(ParseForm(kUrlEncoded, "")->fields.empty());
}

TEST(FormTest, UrlEncodedUtf8Escapes) {
  Result<Form> form =
      ParseForm(kUrlEncoded, "name=J%C3%BCrgen&%E2%82%AC=%f0%9f%94%92");
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(form->Get("name"), "J\xc3\xbcrgen");
  EXPECT_EQ(form->Get("\xe2\x82\xac"), "\xf0\x9f\x94\x92");
}

TEST(FormTest, UrlEncodedBadEscapes) {
  for (const char* body : {"a=%zz", "a=%4", "a=%", "a%g1=1", "a=1&b=%2"}) {
    Result<Form> form = ParseForm(kUrlEncoded, body);
    ASSERT_FALSE(form.ok()) << body;
    EXPECT_EQ(form.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(form.status().message(), HasSubstr("bad percent escape"));
  }
  EXPECT_EQ(ParseForm(kUrlEncoded, "a=%zz").status().message(),
            "bad percent escape in form field \"a\" at offset 0");
}

TEST(FormTest, UnsupportedContentType) {
  for (const char* type :
       {"text/plain", "application/json", "", "multipart/mixed; boundary=x"}) {
    Result<Form> form = ParseForm(type, "a=1");
    ASSERT_FALSE(form.ok());
    EXPECT_EQ(form.status().message(), "unsupported form content type");
  }
}

TEST(FormTest, Limits) {
  FormLimits limits{.max_fields = 2, .max_files = 1, .max_field_bytes = 4};
  EXPECT_TRUE(ParseForm(kUrlEncoded, "a=1&b=1234", limits).ok());
  EXPECT_EQ(ParseForm(kUrlEncoded, "a=1&b=2&c=3", limits).status().message(),
            "too many form fields (limit 2)");
  EXPECT_EQ(ParseForm(kUrlEncoded, "a=12345", limits).status().message(),
            "form field exceeds 4 bytes");
  // The limit is on decoded bytes.
  EXPECT_TRUE(ParseForm(kUrlEncoded, "a=%41%42%43%44", limits).ok());

  std::string two_files =
      "--b\r\n"
      "Content-Disposition: form-data; name=\"f\"; filename=\"1.txt\"\r\n"
      "\r\n1\r\n"
      "--b\r\n"
      "Content-Disposition: form-data; name=\"f\"; filename=\"2.txt\"\r\n"
      "\r\n2\r\n"
      "--b--\r\n";
  EXPECT_EQ(ParseForm("multipart/form-data; boundary=b", two_files, limits)
                .status()
                .message(),
            "too many files in form (limit 1)");
  std::string long_field =
      "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n12345\r\n"
      "--b--";
  EXPECT_EQ(ParseForm("multipart/form-data; boundary=b", long_field, limits)
                .status()
                .message(),
            "form field exceeds 4 bytes");
}

// A file part whose data holds CRLF, "--", and the boundary text not at the
// start of a line: only CRLF "--" boundary ends a part.
TEST(FormTest, MultipartFieldsAndBinaryFile) {
  std::string data("\x89PNG\r\n\x1a\n\0\r\n--\r\n--AaB0\r\n-AaB03x--x\xff", 32);
  std::string body =
      "preamble to ignore\r\n"
      "--AaB03x\r\n"
      "Content-Disposition: form-data; name=\"subject\"\r\n"
      "\r\n"
      "Hello\r\nworld\r\n"
      "--AaB03x\r\n"
      "content-disposition: form-data; name=\"to\"\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "bob@example.com\r\n"
      "--AaB03x  \r\n"
      "Content-Disposition: form-data; name=\"attachment\"; "
      "filename=\"pic.png\"\r\n"
      "Content-Type: image/png\r\n"
      "\r\n" +
      data +
      "\r\n"
      "--AaB03x\r\n"
      "Content-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n"
      "Content-Type: application/octet-stream\r\n"
      "\r\n"
      "\r\n"
      "--AaB03x--\r\n"
      "epilogue";
  Result<Form> form = ParseForm("multipart/form-data; boundary=AaB03x", body);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_THAT(form->fields, ElementsAre(Pair("subject", "Hello\r\nworld"),
                                        Pair("to", "bob@example.com")));
  ASSERT_EQ(form->files.size(), 1u);  // the empty file input is skipped
  EXPECT_EQ(form->files[0].first, "attachment");
  EXPECT_EQ(form->files[0].second.filename, "pic.png");
  EXPECT_EQ(form->files[0].second.content_type, "image/png");
  EXPECT_EQ(form->files[0].second.data, data);
}

TEST(FormTest, MultipartQuotedBoundaryAndEmptyValues) {
  std::string body =
      "--a b:c\r\n"
      "Content-Disposition: form-data; name=\"x\"\r\n"
      "\r\n"
      "\r\n"
      "--a b:c\r\n"
      "Content-Disposition: form-data; name=\"f\"; filename=\"\"\r\n"
      "\r\n"
      "not empty\r\n"
      "--a b:c--";
  Result<Form> form =
      ParseForm("multipart/form-data; boundary=\"a b:c\"", body);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_THAT(form->fields, ElementsAre(Pair("x", "")));
  // An empty filename with data is still a file.
  ASSERT_EQ(form->files.size(), 1u);
  EXPECT_EQ(form->files[0].second.filename, "");
  EXPECT_EQ(form->files[0].second.content_type, "application/octet-stream");
  EXPECT_EQ(form->files[0].second.data, "not empty");
}

TEST(FormTest, MultipartFilenames) {
  auto filename = [](std::string_view disposition) -> std::string {
    std::string body = "--b\r\nContent-Disposition: form-data; name=\"f\"; " +
                       std::string(disposition) + "\r\n\r\nx\r\n--b--";
    Result<Form> form = ParseForm("multipart/form-data; boundary=b", body);
    if (!form.ok()) return "error: " + form.status().message();
    if (form->files.size() != 1) return "no file";
    return form->files[0].second.filename;
  };
  EXPECT_EQ(filename("filename=\"C:\\Users\\bob\\report.pdf\""), "report.pdf");
  EXPECT_EQ(filename("filename=\"../../etc/passwd\""), "passwd");
  EXPECT_EQ(filename("filename=\"dir/sub\\\\x.txt\""), "x.txt");
  EXPECT_EQ(filename("filename=\"say \\\"hi\\\".txt\""), "say \"hi\".txt");
  EXPECT_EQ(filename("filename=plain.txt"), "plain.txt");
  EXPECT_EQ(filename("filename=\"fallback.txt\"; "
                     "filename*=UTF-8''%E2%82%AC%20rates.txt"),
            "\xe2\x82\xac rates.txt");
  EXPECT_EQ(filename("filename*=iso-8859-1'de'M%FCller.txt"),
            "M\xc3\xbcller.txt");
  EXPECT_EQ(filename("filename*=UTF-8''..%2F..%2Fx"), "x");
  EXPECT_EQ(filename("filename*=UTF-8''%zz"),
            "error: bad percent escape in filename* parameter at offset 0");
  EXPECT_EQ(filename("filename*=koi8-r''x"),
            "error: unsupported charset in filename* parameter: koi8-r");
  EXPECT_EQ(filename("filename=\"open"),
            "error: unterminated quoted string in Content-Disposition");
}

TEST(FormTest, MultipartMalformed) {
  constexpr std::string_view kType = "multipart/form-data; boundary=b";
  auto error = [](std::string_view type, std::string_view body) {
    Result<Form> form = ParseForm(type, body);
    EXPECT_FALSE(form.ok()) << body;
    if (form.ok()) return std::string();
    EXPECT_EQ(form.status().code(), StatusCode::kInvalidArgument);
    return form.status().message();
  };
  const std::string part =
      "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1";
  EXPECT_EQ(error("multipart/form-data", part + "\r\n--b--"),
            "multipart/form-data without a boundary");
  EXPECT_EQ(error("multipart/form-data; boundary=\"\"", part),
            "multipart/form-data without a boundary");
  EXPECT_EQ(error("multipart/form-data; boundary=" + std::string(71, 'x'), ""),
            "multipart boundary longer than 70 bytes");
  EXPECT_EQ(error(kType, "no boundary here"),
            "multipart body without an opening boundary");
  EXPECT_EQ(error(kType, part),
            "unterminated multipart part: no boundary after its content");
  EXPECT_EQ(error(kType, part + "\r\n--b"),
            "multipart body ends after a boundary without the closing "
            "boundary");
  EXPECT_EQ(error(kType, part + "\r\n--bX\r\n"),
            "malformed multipart boundary line");
  EXPECT_EQ(error(kType, "--b\r\nContent-Disposition: form-data; name=a"),
            "unterminated multipart part headers");
  EXPECT_EQ(error(kType, "--b\r\nContent-Disposition: form-data; name=a\r\n" +
                             std::string(20000, 'x')),
            "multipart part headers exceed 16384 bytes");
  EXPECT_EQ(error(kType, "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"),
            "multipart part without a Content-Disposition header");
  EXPECT_EQ(error(kType, "--b\r\n\r\nx\r\n--b--"),
            "multipart part without a Content-Disposition header");
  EXPECT_EQ(error(kType,
                  "--b\r\nContent-Disposition: attachment; name=a\r\n\r\nx"
                  "\r\n--b--"),
            "multipart part disposition is not form-data");
  EXPECT_EQ(
      error(kType, "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--"),
      "multipart part without a name");
  EXPECT_EQ(error(kType,
                  "--b\r\nContent-Disposition: form-data; name=a\r\n"
                  " folded\r\n\r\nx\r\n--b--"),
            "malformed multipart part header line");
}

// Linear time: many tiny parts and one part full of near-boundaries.
TEST(FormTest, MultipartLargeInputsStayFast) {
  std::string many;
  for (int i = 0; i < 150; ++i) {
    many += "--b\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\r\n";
  }
  many += "--b--";
  Result<Form> form = ParseForm("multipart/form-data; boundary=b", many);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_EQ(form->GetAll("n").size(), 150u);

  std::string boundary(70, 'z');
  std::string near;
  for (int i = 0; i < 20000; ++i) near += "\r\n--" + boundary.substr(1);
  std::string body = "--" + boundary +
                     "\r\nContent-Disposition: form-data; name=\"f\"; "
                     "filename=\"f\"\r\n\r\n" +
                     near + "\r\n--" + boundary + "--";
  form = ParseForm("multipart/form-data; boundary=" + boundary, body);
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_EQ(form->files.at(0).second.data, near);
}

TEST(CookieTest, ParsesPairs) {
  EXPECT_THAT(ParseCookies("sid=abc; theme=dark;lang=de"),
              ElementsAre(Pair("lang", "de"), Pair("sid", "abc"),
                          Pair("theme", "dark")));
  // First wins, spaces and junk tolerated, quotes removed.
  EXPECT_THAT(ParseCookies("  a = 1 ;a=2; junk; =x; b=\"q v\"; c=; ;d=e=f"),
              ElementsAre(Pair("a", "1"), Pair("b", "q v"), Pair("c", ""),
                          Pair("d", "e=f")));
  EXPECT_TRUE(ParseCookies("").empty());
  EXPECT_TRUE(ParseCookies(";;; ").empty());
}

}  // namespace
}  // namespace sealpost::http
