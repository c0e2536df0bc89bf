#include "base/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "base/string_source.h"
#include "base/temp_dir_for_testing.h"

namespace sealpost {
namespace {

std::string Contents(const std::string& path) {
  auto r = ReadFile(path);
  return r.ok() ? *r : "<" + r.status().ToString() + ">";
}

class FilesTest : public ::testing::Test {
 protected:
  sealpost::testing::TempDir tmp_{"files"};
  const std::string& dir_ = tmp_.path();
};

TEST_F(FilesTest, WriteFileAtomicReplacesAndLeavesNoTemporary) {
  const std::string path = dir_ + "/key";
  ASSERT_TRUE(WriteFileAtomic(path, "one", 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(path, "two", 0600).ok());
  EXPECT_EQ(Contents(path), "two");
  EXPECT_FALSE(FileExists(path + ".tmp"));
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(FilesTest, ExclusiveWriteRefusesAnExistingTemporary) {
  ASSERT_TRUE(MakeDirs(dir_ + "/tmp").ok());
  ASSERT_TRUE(MakeDirs(dir_ + "/new").ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/tmp/m1", "someone else's").ok());
  Status s = WriteAndRename(dir_ + "/tmp/m1", dir_ + "/new/m1", "mine", 0600,
                            /*exclusive=*/true);
  EXPECT_FALSE(s.ok());
  // Neither the other writer's file nor the destination is touched.
  EXPECT_EQ(Contents(dir_ + "/tmp/m1"), "someone else's");
  EXPECT_FALSE(FileExists(dir_ + "/new/m1"));
  ASSERT_TRUE(WriteAndRename(dir_ + "/tmp/m2", dir_ + "/new/m2", "mine", 0600,
                             /*exclusive=*/true)
                  .ok());
  EXPECT_EQ(Contents(dir_ + "/new/m2"), "mine");
  EXPECT_FALSE(FileExists(dir_ + "/tmp/m2"));
}

TEST_F(FilesTest, FailedRenameRemovesTheTemporary) {
  // The destination's directory does not exist: rename fails.
  Status s = WriteAndRename(dir_ + "/t", dir_ + "/missing/x", "data", 0600,
                            /*exclusive=*/false);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(FileExists(dir_ + "/t"));
}

// Everything a ByteSource gives, read `max` bytes at a time.
std::string Drain(ByteSource& source, size_t max) {
  std::string out;
  for (;;) {
    auto n = source.Read(max, &out);
    if (!n.ok()) return "<" + n.status().ToString() + ">";
    if (*n == 0) return out;
  }
}

// The file-backed ByteSource knows its size and reads the file it opened
// from its first byte again on Restart, even once the file is gone from
// its directory.
TEST_F(FilesTest, FileReaderRestartsFromTheFirstByte) {
  const std::string path = dir_ + "/body";
  ASSERT_TRUE(WriteFileAtomic(path, "0123456789", 0600).ok());
  auto file = FileReader::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->size(), 10);
  EXPECT_EQ(Drain(**file, 3), "0123456789");
  EXPECT_EQ(Drain(**file, 3), "");
  ASSERT_TRUE(std::filesystem::remove(path));
  ASSERT_TRUE((*file)->Restart().ok());
  EXPECT_EQ(Drain(**file, 4), "0123456789");
  EXPECT_EQ(FileReader::Open(path).status().code(), StatusCode::kNotFound);
}

TEST(StringSourceTest, ViewedAndHeldBytesInSlices) {
  std::string bytes = "abcdefghij";
  StringSource viewed(bytes, 4);
  std::string first;
  ASSERT_EQ(*viewed.Read(100, &first), 4u);
  EXPECT_EQ(first, "abcd");
  EXPECT_EQ(Drain(viewed, 100), "efghij");
  ASSERT_TRUE(viewed.Restart().ok());
  EXPECT_EQ(Drain(viewed, 3), bytes);
  auto held = StringSource::Holding(std::string(bytes));
  bytes.clear();
  EXPECT_EQ(Drain(*held, 100), "abcdefghij");
  ASSERT_TRUE(held->Restart().ok());
  EXPECT_EQ(Drain(*held, 1), "abcdefghij");
}

}  // namespace
}  // namespace sealpost
