#include "base/disk_space.h"

#include <gtest/gtest.h>
#include "base/temp_dir_for_testing.h"

namespace sealpost {
namespace {

TEST(DiskSpaceTest, AvailableIsAskedOfTheFileSystem) {
  testing::TempDir dir("disk");
  std::optional<uint64_t> free = AvailableBytes(dir.path());
  ASSERT_TRUE(free.has_value());
  EXPECT_GT(*free, 0u);
  EXPECT_FALSE(AvailableBytes(dir.File("no/such/dir")).has_value());
}

TEST(DiskSpaceTest, TheFloorRefusesWhatWouldEatIntoIt) {
  testing::TempDir dir("disk");
  const uint64_t free = *AvailableBytes(dir.path());
  ASSERT_GT(free, uint64_t{8} << 20) << "this test needs 8 MiB free";
  // A floor of half what is free: a small write fits, one that would go
  // below it does not, nor anything when the floor is above what is free.
  DiskFloor half(dir.path(), free / 2);
  EXPECT_TRUE(half.HasRoomFor(0));
  EXPECT_TRUE(half.HasRoomFor(1 << 20));
  EXPECT_FALSE(half.HasRoomFor(free));
  DiskFloor above(dir.path(), free + (uint64_t{1} << 40));
  EXPECT_FALSE(above.HasRoomFor(0));
  // No floor: nothing is checked.
  EXPECT_TRUE(DiskFloor(dir.path(), 0).HasRoomFor(UINT64_MAX));
  // A file system that cannot be asked: the write itself will say.
  EXPECT_TRUE(DiskFloor(dir.File("gone"), free * 2).HasRoomFor(1));
}

}  // namespace
}  // namespace sealpost
