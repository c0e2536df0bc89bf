#include "base/prefixed_source.h"

#include <gtest/gtest.h>

#include <string>

#include "base/failing_source_for_testing.h"
#include "base/string_source.h"

namespace sealpost {
namespace {

std::string ReadAll(ByteSource& s, size_t slice) {
  std::string out;
  for (;;) {
    auto n = s.Read(slice, &out);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    if (!n.ok() || *n == 0) return out;
  }
}

// The prefix, then the source past its first `skip` bytes, in any slice
// size and again after a Restart; owned or borrowed alike.
TEST(PrefixedSourceTest, GivesThePrefixThenTheSourcePastItsSkip) {
  const std::string message = "Old: header\r\n\r\nbody text\r\n";
  const int64_t skip = 15;  // "Old: header\r\n\r\n"
  PrefixedSource owned("New: field\r\n\r\n", skip,
                       std::make_unique<StringSource>(message, 3));
  StringSource borrowed_bytes(message, 5);
  PrefixedSource borrowed("New: field\r\n\r\n", skip, borrowed_bytes);
  for (ByteSource* s : {static_cast<ByteSource*>(&owned),
                        static_cast<ByteSource*>(&borrowed)}) {
    for (size_t slice : {1, 4, 1000}) {
      ASSERT_TRUE(s->Restart().ok());
      EXPECT_EQ(ReadAll(*s, slice), "New: field\r\n\r\nbody text\r\n");
    }
  }
}

// A source shorter than what is skipped, or failing, is an error.
TEST(PrefixedSourceTest, ShortOrFailingSourceIsAnError) {
  PrefixedSource short_one("p", 100, std::make_unique<StringSource>("abc"));
  std::string out;
  ASSERT_EQ(*short_one.Read(10, &out), 1u);
  EXPECT_EQ(short_one.Read(10, &out).status().code(), StatusCode::kInternal);

  const std::string bytes(1000, 'x');
  PrefixedSource failing("", 10, std::make_unique<FailingSource>(bytes, 500));
  out.clear();
  Result<size_t> n = failing.Read(10000, &out);
  while (n.ok() && *n > 0) n = failing.Read(10000, &out);
  EXPECT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("cut"), std::string::npos);
}

}  // namespace
}  // namespace sealpost
