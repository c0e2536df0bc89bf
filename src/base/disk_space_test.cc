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

// The file system asked through a seam: how often, and what it says.
struct FakeFileSystem {
  std::optional<uint64_t> free;
  int asked = 0;
  std::chrono::steady_clock::time_point now{std::chrono::seconds(1000)};
  DiskFloor Floor(uint64_t floor_bytes) {
    return DiskFloor(
        "/data", floor_bytes,
        [this](const std::string& path) {
          EXPECT_EQ(path, "/data");
          ++asked;
          return free;
        },
        [this] { return now; });
  }
};

TEST(DiskSpaceTest, AnAnswerWithRoomIsReusedForAMoment) {
  FakeFileSystem fs;
  fs.free = 1000;
  DiskFloor floor = fs.Floor(100);
  DiskFloor copy = floor;  // the listeners' copies share the answer
  EXPECT_TRUE(floor.HasRoomFor(10));
  EXPECT_TRUE(copy.HasRoomFor(10));
  EXPECT_TRUE(floor.HasRoomFor(0));
  EXPECT_EQ(fs.asked, 1);
  // Past kReuseFor the file system is asked again.
  fs.now += DiskFloor::kReuseFor;
  EXPECT_TRUE(floor.HasRoomFor(10));
  EXPECT_EQ(fs.asked, 2);
}

TEST(DiskSpaceTest, ACachedAnswerNeverRefusesAndCountsWhatItGranted) {
  FakeFileSystem fs;
  fs.free = 1000;
  DiskFloor floor = fs.Floor(100);
  EXPECT_TRUE(floor.HasRoomFor(500));  // asked: 1000 free, 400 left
  EXPECT_EQ(fs.asked, 1);
  // The disk fills within the window: a request the cached figure (less
  // the 500 granted) cannot cover is asked afresh and refused.
  fs.free = 150;
  EXPECT_FALSE(floor.HasRoomFor(401));
  EXPECT_EQ(fs.asked, 2);
  fs.free = 50;
  EXPECT_FALSE(floor.HasRoomFor(51));
  EXPECT_EQ(fs.asked, 3);
  // Below the floor every request asks: a refusal is never stale.
  EXPECT_FALSE(floor.HasRoomFor(0));
  EXPECT_FALSE(floor.HasRoomFor(0));
  EXPECT_EQ(fs.asked, 5);
  // At the floor exactly, nothing more fits; room coming back is seen at
  // once.
  fs.free = 100;
  EXPECT_TRUE(floor.HasRoomFor(0));
  EXPECT_FALSE(floor.HasRoomFor(1));
  EXPECT_EQ(fs.asked, 7);
  fs.free = 2000;
  EXPECT_TRUE(floor.HasRoomFor(1));
  EXPECT_EQ(fs.asked, 8);
  // A burst within the window is counted against the cached figure: 1900
  // above the floor, granted 1 + 1000 + 899, then the next byte is asked
  // of the file system (which still says 2000: granted again).
  EXPECT_TRUE(floor.HasRoomFor(1000));
  EXPECT_TRUE(floor.HasRoomFor(899));
  EXPECT_EQ(fs.asked, 8);
  EXPECT_TRUE(floor.HasRoomFor(1));
  EXPECT_EQ(fs.asked, 9);
}

TEST(DiskSpaceTest, AFileSystemThatCannotBeAskedIsAskedEveryTime) {
  FakeFileSystem fs;
  DiskFloor floor = fs.Floor(100);
  EXPECT_TRUE(floor.HasRoomFor(1));
  EXPECT_TRUE(floor.HasRoomFor(1));
  EXPECT_EQ(fs.asked, 2);
  // No floor: never asked.
  DiskFloor none = fs.Floor(0);
  EXPECT_TRUE(none.HasRoomFor(UINT64_MAX));
  EXPECT_EQ(fs.asked, 2);
}

}  // namespace
}  // namespace sealpost
