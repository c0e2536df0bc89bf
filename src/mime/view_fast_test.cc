// The fast path of the reading view against GMime's parse (view_internal.h):
// generated variants of single-part mail, the mail corpora on this machine,
// and which messages the fast path must take and must leave to GMime.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "mime/sample_mail_for_testing.h"
#include "mime/view_check_for_testing.h"
#include "mime/view_internal.h"

namespace sealpost::mime {
namespace {

using testing::ExpectFastMatchesGmime;
using namespace std::string_literals;

std::string WithLf(std::string s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out += s[i];
  }
  return out;
}

const std::string kHeaderBlocks[] = {
    "",
    "Subject: plain\r\n",
    "From: a@b.c\r\nTo: d@e.f\r\nSubject: hi\r\n",
    std::string(testing::kRichHeaderFields),
    "Subject: =?utf-8?q?a?=\r\n =?utf-8?q?b?= "
    "c\r\n\t=?iso-8859-1?q?caf=E9?=\r\n",
    "Subject: =?utf-8?q?broken\r\nFrom: \"Quoted, Name\" <q@x.y>\r\n",
    "Subject: caf\xe9 latin1 raw\r\nFrom: J\xc3\xb6rg <j@x.de>\r\n",
    "Subject: \r\nFrom: \r\nTo: \r\nDate: \r\nMessage-Id: \r\n",
    "From: no mailbox here\r\nTo: undisclosed-recipients:;\r\n",
    "From: =?utf-8?b?w6k=?=\r\nCc: a@b, <c@d>, e <f@g>\r\n",
    "Date: Tue, 2 Feb 2021 03:04:05 GMT\r\nMessage-Id: no-brackets@x\r\n",
    "Date: =?utf-8?q?Mon=2C_01_Jan_2024?= 12:00:00 +0000\r\n",
    "Date: yesterday\r\nMessage-ID:\r\n <folded@id>\r\n",
    "References: <a@x> <b@y>\r\n\t<c@z>\r\nIn-Reply-To: <c@z>\r\n",
    "X-Long: " + std::string(2000, 'x') + "\r\nSubject: long\r\n",
    "subject: lower\r\nFROM: Upper <UP@X.Y>\r\nmime-version: 1.0\r\n",
    "Subject:no space\r\nTo:a@b\r\n",
    "Subject: tab\tinside\r\nContent-ID: <cid@x>\r\n",
};

struct Shape {
  const char* fields;  // Content-* fields
  const char* body;
};

const Shape kShapes[] = {
    {"", "Hello,\r\nworld\r\n"},
    {"", ""},
    {"", "no final newline"},
    {"", "\r\n\r\n"},
    {"Content-Type: text/plain\r\n", "text\r\n"},
    {"Content-Type: text/plain; charset=utf-8\r\n", "caf\xc3\xa9\r\n"},
    {"Content-Type: text/plain; charset=\"UTF-8\"; format=flowed\r\n",
     "flowed \r\ntext\r\n"},
    {"Content-Type: TEXT/PLAIN; CHARSET=ISO-8859-1\r\n", "caf\xe9\r\n"},
    {"Content-Type: text/plain; charset=windows-1252\r\n", "\x93q\x94\r\n"},
    {"Content-Type: text/plain; charset=koi8-r\r\n", "\xf0\xd2\xc9\r\n"},
    {"Content-Type: text/plain; charset=utf-8\r\n", "bad \xff\xfe utf8\r\n"},
    {"Content-Type: text/plain; charset=x-unknown\r\n", "caf\xe9\r\n"},
    {"Content-Type: text/plain; charset=\"\"\r\n", "empty charset\r\n"},
    {"Content-Type: text/plain;\r\n charset=iso-8859-1\r\n", "fold\xe9\r\n"},
    {"Content-Type: text/plain; charset*=utf-8''%C3%A9\r\n", "x\r\n"},
    // Parameters the fast path reads itself, and those it leaves to
    // GMime's Content-Type parser.
    {"Content-Type: text/plain;charset=us-ascii;format=flowed;delsp=yes\r\n",
     "x\r\n"},
    {"Content-Type: text/plain; CharSet=\"ISO-8859-1\"\r\n", "\xe9\r\n"},
    {"Content-Type: text/plain; charset = iso-8859-1\r\n", "\xe9\r\n"},
    {"Content-Type: text/plain; charset=iso-8859-1;\r\n", "\xe9\r\n"},
    {"Content-Type: text/plain; charset=utf-8; charset=iso-8859-1\r\n",
     "\xe9\r\n"},
    {"Content-Type: text/plain; charset=\"utf-8\r\n", "\xe9\r\n"},
    {"Content-Type: text/plain; charset=\"=?utf-8?q?x?=\"\r\n", "x\r\n"},
    {"Content-Type: text/plain (comment); charset=iso-8859-1\r\n", "\xe9"},
    {"Content-Type: text/html; name=\"a b.html\"; charset=iso-8859-1\r\n",
     "<p>\xe9</p>"},
    {"Content-Type: text/plain; charset=utf-8\r\n"
     "Content-Transfer-Encoding: quoted-printable\r\n",
     "caf=C3=A9 with a soft=\r\n break=\r\nand =3D, =zz bad, end=\r\n"},
    {"Content-Type: text/plain; charset=iso-8859-1\r\n"
     "Content-Transfer-Encoding: Quoted-Printable\r\n",
     "=E9t=E9 =\r\n=\r\nlast="},
    {"Content-Transfer-Encoding: base64\r\n", "SGVsbG8sIHdvcmxkCg==\r\n"},
    {"Content-Type: text/plain; charset=utf-8\r\n"
     "Content-Transfer-Encoding: base64\r\n",
     "w6l0\r\n*junk* w6k=\r\n==garbage after padding\r\n"},
    {"Content-Type: text/plain\r\nContent-Transfer-Encoding: BASE64 \r\n",
     "YW\r\nJj\r\nZA"},
    {"Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n",
     "8-bit \xc3\xa9 and \xe9\r\n"},
    {"Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n",
     "bin\rary\r\n"},
    {"Content-Type: text/plain\r\nContent-Transfer-Encoding: 7bit\r\n",
     "a\r\nb\rc\nd\r\re\r\n"},
    {"Content-Type: text/html; charset=utf-8\r\n",
     "<p>caf\xc3\xa9</p>\r\n<script>x</script>\r\n"},
    {"Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n",
     "PHA+aGk8L3A+\r\n"},
    {"Content-Type: text/html; charset=iso-8859-1\r\n"
     "Content-Transfer-Encoding: quoted-printable\r\n",
     "<p>=E9</p>=\r\n"},
    {"Content-Type: text/plain\r\nContent-Disposition: inline\r\n", "in\r\n"},
    {"Content-Type: text/plain\r\nContent-Disposition: inline; "
     "filename=a.txt\r\n",
     "named\r\n"},
};

TEST(ViewFastTest, GeneratedVariantsMatchGmime) {
  int taken = 0, total = 0;
  for (const std::string& headers : kHeaderBlocks) {
    for (const Shape& shape : kShapes) {
      std::string crlf = headers + shape.fields + "\r\n" + shape.body;
      for (const std::string& m : {crlf, WithLf(crlf)}) {
        for (size_t max : {kDefaultMaxViewBody, size_t{3}, size_t{0}}) {
          ++total;
          if (ExpectFastMatchesGmime(m, max)) ++taken;
        }
      }
    }
  }
  // Everything above but the field-less mail is the fast path's to read.
  EXPECT_GT(taken, total * 9 / 10) << taken << " of " << total;
}

TEST(ViewFastTest, TakesPlainAndHtmlMail) {
  for (const std::string& m : {
           std::string("Subject: x\r\n\r\nbody\r\n"),
           std::string("Subject: x\n\nbody\n"),
           testing::SinglePartMail("text/html; charset=utf-8",
                                   "quoted-printable", "<p>=C3=A9</p>"),
           testing::SinglePartMail("", "base64", "eA=="),
           std::string("Subject: headers only\r\n"),
           std::string("Subject: headers only, no newline"),
       }) {
    EXPECT_TRUE(ExpectFastMatchesGmime(m)) << m;
  }
}

TEST(ViewFastTest, LeavesTheRestToGmime) {
  const std::string unusual[] = {
      testing::MultipartMail("Subject: m\r\n", "alternative", "b",
                             {"Content-Type: text/plain\r\n\r\nx"}),
      testing::SinglePartMail("message/rfc822", "", "Subject: in\r\n\r\nx"),
      testing::SinglePartMail("application/pdf", "base64", "JVBERi0="),
      testing::SinglePartMail("text/plain", "x-uuencode", "begin 644 a\r\n"),
      testing::SinglePartMail("text/plain", "base64 (why)", "eA=="),
      testing::SinglePartMail("text/calendar", "", "BEGIN:VCALENDAR"),
      testing::SinglePartMail("text/plainish", "", "x"),
      "Subject: x\r\nContent-Disposition: attachment\r\n\r\nx",
      "Subject: x\r\nContent-Type: text/plain\r\nContent-Type: text/html\r\n"
      "\r\nx",
      "Subject: a\r\nSubject: b\r\n\r\nx",
      "To: a@b\r\nTo: c@d\r\n\r\nx",
      "Subject: x\r\nContent-Length: 3\r\n\r\nxyz",
      "From sender@example.com Mon Jan 1 00:00:00 2024\r\nSubject: x\r\n\r\nx",
      "Subject : space before colon\r\n\r\nx",
      " Subject: leading fold\r\n\r\nx",
      "Subject: x\r\n \r\n\r\nblank fold",
      "Subject: bare\rcr\r\n\r\nx",
      "Subject: fold\r\n with a bare\rcr\r\n\r\nx",
      "Subject: fold of only white space at the end\r\n \t",
      "Subject: lone CR where the blank line would be\r\n\r",
      "not a header line\r\n\r\nx",
      "\r\nno header fields",
      "",
      "Subject: nul\0here\r\n\r\nx"s,
      "Subject: x\r\n\r\nnul\0body"s,
  };
  for (const std::string& m : unusual) {
    EXPECT_FALSE(internal::FastView(m, kDefaultMaxViewBody).has_value()) << m;
    auto v = ParseForReading(m);  // still read, by GMime
    if (v.ok()) {
      auto gmime = internal::GmimeView(m, kDefaultMaxViewBody);
      ASSERT_TRUE(gmime.ok());
      EXPECT_TRUE(*v == *gmime);
    }
  }
}

// Raw 8-bit Latin-1 (no encoded words) in Subject and From, as old clients
// send it: the view the reader gets is GMime's, field for field, whichever
// path reads it. A Subject alone is the fast path's; an 8-bit From is left
// to GMime (its message parser converts address fields its own way).
TEST(ViewFastTest, RawLatin1SubjectAndFromMatchGmime) {
  const std::string body =
      "Content-Type: text/plain; charset=iso-8859-1\r\n\r\ncaf\xe9\r\n";
  const std::string subject_only =
      "From: Joerg <j@example.de>\r\nSubject: caf\xe9 na\xefve \xa7 "
      "\xbd\r\n" +
      body;
  const std::string both =
      "From: J\xf6rg M\xfcller <j@example.de>\r\n"
      "To: Ren\xe9"
      "e <r@example.fr>\r\n"
      "Subject: Gr\xfc\xdf"
      "e aus K\xf6ln\r\n" +
      body;
  for (const std::string* m : {&subject_only, &both}) {
    for (const std::string& form : {*m, WithLf(*m)}) {
      auto gmime = internal::GmimeView(form, kDefaultMaxViewBody);
      ASSERT_TRUE(gmime.ok()) << gmime.status().ToString();
      auto read = testing::CheckedParse(form);
      ASSERT_TRUE(read.ok()) << read.status().ToString();
      EXPECT_TRUE(*read == *gmime) << testing::ViewDiff(*read, *gmime);
      // GMime's reading: the bytes taken as Latin-1, made UTF-8.
      if (m == &subject_only) {
        EXPECT_EQ(read->subject, "caf\xc3\xa9 na\xc3\xafve \xc2\xa7 \xc2\xbd");
        EXPECT_EQ(read->from, "Joerg <j@example.de>");
      } else {
        EXPECT_EQ(read->subject,
                  "Gr\xc3\xbc\xc3\x9f"
                  "e aus K\xc3\xb6ln");
        EXPECT_EQ(read->from, "J\xc3\xb6rg M\xc3\xbcller <j@example.de>");
      }
    }
  }
  EXPECT_TRUE(internal::FastView(subject_only, kDefaultMaxViewBody));
  EXPECT_FALSE(internal::FastView(both, kDefaultMaxViewBody));
}

// Real mail: every file under the directories in SEALPOST_MAIL_CORPUS
// (colon-separated), else Python's email test data where it is installed.
// Inputs mime_fuzz found where the two views differed; each must now
// agree (or leave the message to GMime), whole and cut inside.
TEST(ViewFastTest, FuzzFindingsMatchGmime) {
  const std::string findings[] = {
      // A From field of colons, semicolons and 8-bit bytes, no line end.
      std::string(
          "\x46\x72\x6f\x6d\x3a\x3a\x3d\x3b\x28\x3a\x3d\x3a\x3a\x3d\x3b\x3a"
          "\x16\x2d\x2e\x0f\x3d\x56\x3d\x3b\x6b\x3d\x3a\x6f\x40\x3b\x89\x55"
          "\x3a\x3a\x3d\x3a\x3a\x3d\x3b\x3a\x3a\x3d\x3a\x3a\x3d\x3b\x3a\x3d"
          "\x2d\x56\x0f\x3d\x56\x3d\x3b\x6b\x3d\x3a\xa7\x89\xff\x46\x72\x6f"
          "\x40\x3b\xff\xa7\x89\xff\x46\x72\x6f\x40\x2d\x3a\xf2\x3f",
          78),
      // A From field of groups ending in a comment that is never closed,
      // no line end. GMime's message keeps the groups it read before the
      // comment (members "="); internet_address_list_parse gives nothing.
      "From:?$-:=;::=;::=;::=?;::=;:D0u=;::=;:D;(MuuqM?",
      // The same in every address field, with line ends, then a body.
      "From: Sender <s@x.y>\r\nTo: list: d@e.f, h@i.j; (open\r\n"
      "Cc: c: x@y.z; (\r\nReply-To: r: q@r.s; (\r\n\r\nbody\r\n",
      "From: g: a@b.c; (x\nTo: t@u.v\n\nbody\n",
  };
  for (const std::string& m : findings) {
    ExpectFastMatchesGmime(m);
    ExpectFastMatchesGmime(m, m.size() / 2);
  }
}

TEST(ViewFastTest, CorpusMatchesGmime) {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("SEALPOST_MAIL_CORPUS")) {
    std::stringstream ss(env);
    for (std::string d; std::getline(ss, d, ':');) {
      if (!d.empty()) dirs.emplace_back(d);
    }
  } else {
    for (const char* root : {"/usr/lib", "/root/.pyenv/versions"}) {
      std::error_code ec;
      for (auto it = std::filesystem::recursive_directory_iterator(
               root, std::filesystem::directory_options::skip_permission_denied,
               ec);
           it != std::filesystem::recursive_directory_iterator();
           it.increment(ec)) {
        if (ec) break;
        if (it->is_directory() && it->path().filename() == "data" &&
            it->path().parent_path().filename() == "test_email") {
          dirs.push_back(it->path());
          it.disable_recursion_pending();
        }
        if (it.depth() > 6) it.disable_recursion_pending();
      }
    }
  }
  if (dirs.empty()) GTEST_SKIP() << "no mail corpus on this machine";
  int files = 0, taken = 0;
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(dir, ec)) {
      if (!e.is_regular_file() || e.file_size() > (8 << 20)) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::string m((std::istreambuf_iterator<char>(in)), {});
      ++files;
      for (const std::string& variant : {m, WithLf(m)}) {
        if (ExpectFastMatchesGmime(variant)) ++taken;
      }
    }
  }
  std::printf("corpus: %d files in %zu directories, %d of %d readings fast\n",
              files, dirs.size(), taken, 2 * files);
}

}  // namespace
}  // namespace sealpost::mime
