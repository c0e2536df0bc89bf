// VisibleText against what a hostile header or label can hold: terminal
// controls of every kind, bidirectional overrides and bytes that are no
// UTF-8; and what it must leave alone.
#include "base/visible_text.h"

#include <gtest/gtest.h>

#include <string>

namespace sealpost {
namespace {

// Whether `s` holds a byte that is not printable ASCII.
bool HoldsNonPrintableAscii(const std::string& s) {
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b >= 0x7F) return true;
  }
  return false;
}

TEST(VisibleTextTest, TerminalControlsBecomeEscapes) {
  EXPECT_EQ(VisibleText("<x\x1b[2J\x1b[1;31mALL CLEAR\x1b[0m@evil.test>"),
            "<x\\x1b[2J\\x1b[1;31mALL CLEAR\\x1b[0m@evil.test>");
  // A line of its own, or a line rubbed out and written over.
  EXPECT_EQ(VisibleText("open\x1b[2K\r  license.acquire granted\n"),
            "open\\x1b[2K\\r  license.acquire granted\\n");
  EXPECT_EQ(VisibleText("a\tb"), "a\\tb");
  EXPECT_EQ(VisibleText(std::string("nul\0bel\a", 8)), "nul\\x00bel\\x07");
  EXPECT_EQ(VisibleText("del\x7f"), "del\\x7f");
  // An OSC title change ended by BEL, and one ended by ST (ESC \).
  EXPECT_EQ(VisibleText("\x1b]0;owned\a"), "\\x1b]0;owned\\x07");
  EXPECT_EQ(VisibleText("\x1b]0;owned\x1b\\"), "\\x1b]0;owned\\x1b\\");
}

TEST(VisibleTextTest, C1ControlsAndBidiOverridesBecomeEscapes) {
  // U+009B (CSI) and U+009D (OSC) as UTF-8.
  EXPECT_EQ(VisibleText("a\xc2\x9b"
                        "2Jb\xc2\x9d"),
            "a\\u009b2Jb\\u009d");
  EXPECT_EQ(VisibleText("\xc2\x80\xc2\x9f"), "\\u0080\\u009f");
  // RIGHT-TO-LEFT OVERRIDE, LEFT-TO-RIGHT ISOLATE, POP DIRECTIONAL
  // ISOLATE: "exe.txt" shown as "txt.exe" and the like.
  EXPECT_EQ(VisibleText("invoice\xe2\x80\xaetxt.exe"), "invoice\\u202etxt.exe");
  EXPECT_EQ(VisibleText("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u2066x\\u2069");
}

TEST(VisibleTextTest, BytesThatAreNoUtf8BecomeEscapes) {
  // 0x9B alone is CSI to a terminal in 8-bit mode.
  EXPECT_EQ(VisibleText("a\x9b"
                        "2J"),
            "a\\x9b2J");
  EXPECT_EQ(VisibleText("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(VisibleText("cut \xc3"), "cut \\xc3");            // cut short
  EXPECT_EQ(VisibleText("\xc0\xaf"), "\\xc0\\xaf");           // overlong
  EXPECT_EQ(VisibleText("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
}

TEST(VisibleTextTest, PrintableTextIsKept) {
  for (const std::string text :
       {"", "alice@example.com", "<CAB=x+y/z@mail.gmail.com>", "Grüße aus Köln",
        "日本語の件名", "Ελληνικά", "עברית", "emoji 😀", "C:\\path\\x1b stays",
        "no-break\xc2\xa0space", "\xc2\xa1"}) {
    EXPECT_EQ(VisibleText(text), text);
  }
}

TEST(VisibleTextTest, NothingThatActsIsLeftWhateverTheInput) {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += static_cast<char>(b);
  std::string shown = VisibleText(every_byte);
  // In this order no byte of 0x80 and above starts a valid sequence: each
  // is escaped, so what is left is printable ASCII alone.
  EXPECT_FALSE(HoldsNonPrintableAscii(shown)) << shown;
  EXPECT_NE(shown.find("\\x1b"), std::string::npos);
  EXPECT_NE(shown.find("\\xff"), std::string::npos);
}

TEST(VisibleTextTest, IsControlCodePoint) {
  for (char32_t c : {0x00, 0x09, 0x0A, 0x1B, 0x1F, 0x7F, 0x80, 0x9B, 0x9F,
                     0x202A, 0x202E, 0x2066, 0x2069}) {
    EXPECT_TRUE(IsControlCodePoint(c)) << static_cast<uint32_t>(c);
  }
  for (char32_t c : {0x20, 0x41, 0x7E, 0xA0, 0xE9, 0x200E, 0x2029, 0x202F,
                     0x2065, 0x206A, 0x1F600}) {
    EXPECT_FALSE(IsControlCodePoint(c)) << static_cast<uint32_t>(c);
  }
}

}  // namespace
}  // namespace sealpost
