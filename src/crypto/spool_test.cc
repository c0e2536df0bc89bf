#include "crypto/spool.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "base/temp_dir_for_testing.h"
#include "crypto/random.h"

namespace sealpost::crypto {
namespace {

std::string ReadAll(ByteSource& source, size_t slice) {
  std::string out;
  for (;;) {
    auto n = source.Read(slice, &out);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    if (!n.ok() || *n == 0) return out;
  }
}

TEST(SpoolTest, GivesBackWhatWasWrittenToEveryReader) {
  testing::TempDir dir("spool");
  auto spool = Spool::Create(dir.path());
  ASSERT_TRUE(spool.ok()) << spool.status().ToString();
  // Nothing is left under a name: the file was unlinked when it was made.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  std::string data =
      std::string(RandomBytes(3 * 65536 + 1234).InsecureStringView());
  data += std::string(500 * 1024, 'x');  // several writes' worth
  for (size_t at = 0; at < data.size(); at += 7777) {
    ASSERT_TRUE((*spool)->Append(data.substr(at, 7777)).ok());
  }
  EXPECT_FALSE((*spool)->Open().ok());  // not finished yet
  ASSERT_TRUE((*spool)->Finish().ok());
  EXPECT_EQ((*spool)->size(), static_cast<int64_t>(data.size()));
  auto a = (*spool)->Open();
  auto b = (*spool)->Open();
  ASSERT_TRUE(a.ok() && b.ok());
  std::string first;
  ASSERT_TRUE((*a)->Read(10, &first).ok());
  EXPECT_EQ(ReadAll(**b, 100000), data);  // readers keep their own place
  first += ReadAll(**a, 4096);
  EXPECT_EQ(first, data);
  ASSERT_TRUE((*a)->Restart().ok());
  EXPECT_EQ(ReadAll(**a, 1 << 20), data);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(SpoolTest, AnEmptySpoolReadsEmpty) {
  testing::TempDir dir("spool");
  auto spool = Spool::Create(dir.path());
  ASSERT_TRUE(spool.ok());
  ASSERT_TRUE((*spool)->Finish().ok());
  auto r = (*spool)->Open();
  ASSERT_TRUE(r.ok());
  std::string out;
  auto n = (*r)->Read(100, &out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ((*spool)->size(), 0);
}

TEST(SpoolTest, AMissingDirectoryIsAnError) {
  testing::TempDir dir("spool");
  auto spool = Spool::Create(dir.File("missing"));
  EXPECT_FALSE(spool.ok());
}

}  // namespace
}  // namespace sealpost::crypto
