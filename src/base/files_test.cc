#include "base/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

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

}  // namespace
}  // namespace sealpost
