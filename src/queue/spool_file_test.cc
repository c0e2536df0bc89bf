// The SMTP spool file (issue 14): a message read back byte for byte from
// an encrypted, nameless temporary file; a changed or cut file refused;
// nothing left on disk; the plaintext never in the file.
#include "queue/spool_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/temp_dir_for_testing.h"

namespace sealpost::queue {
namespace {

size_t EntriesIn(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator(dir)) {
    ++n;
  }
  return n;
}

// Bytes no two segments share, so that a reordering would show.
std::string Message(size_t size) {
  std::string m;
  m.reserve(size);
  for (size_t i = 0; m.size() < size; ++i) {
    m += "line " + std::to_string(i) + " of the spooled message\r\n";
  }
  m.resize(size);
  return m;
}

std::string ReadAll(SpoolFile& s, size_t slice) {
  EXPECT_TRUE(s.Restart().ok());
  std::string out;
  while (true) {
    auto n = s.Read(slice, &out);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    if (!n.ok() || *n == 0) break;
    EXPECT_LE(*n, slice);
  }
  return out;
}

std::string FileBytes(int fd) {
  struct stat st {};
  EXPECT_EQ(fstat(fd, &st), 0);
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  EXPECT_EQ(pread(fd, bytes.data(), bytes.size(), 0),
            static_cast<ssize_t>(bytes.size()));
  return bytes;
}

TEST(SpoolFileTest, RoundTripInPiecesOfAnySize) {
  testing::TempDir dir("spool");
  for (size_t size : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536},
                      size_t{65537}, size_t{3'000'001}}) {
    const std::string m = Message(size);
    auto s = SpoolFile::Create(dir.path());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    // Appended in uneven pieces, as SMTP lines arrive.
    for (size_t at = 0; at < m.size();) {
      size_t n = std::min<size_t>(m.size() - at, 1 + (at % 9973));
      ASSERT_TRUE((*s)->Append(std::string_view(m).substr(at, n)).ok());
      at += n;
    }
    ASSERT_TRUE((*s)->Finish().ok());
    EXPECT_EQ((*s)->size(), static_cast<int64_t>(size));
    EXPECT_EQ(ReadAll(**s, 1000), m) << size;
    // Read again from the start, in other slices.
    EXPECT_EQ(ReadAll(**s, 1 << 20), m) << size;
    EXPECT_FALSE((*s)->Append("more").ok());
  }
}

TEST(SpoolFileTest, EncryptedNamelessAndGoneWhenClosed) {
  testing::TempDir dir("spool");
  const std::string m = Message(500'000);
  auto s = SpoolFile::Create(dir.path());
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Append(m).ok());
  ASSERT_TRUE((*s)->Finish().ok());
  // No name in the directory, ever: nothing to find after a crash.
  EXPECT_EQ(EntriesIn(dir.path()), 0u);
  const int fd = (*s)->fd_for_testing();
  struct stat st {};
  ASSERT_EQ(fstat(fd, &st), 0);
  EXPECT_EQ(st.st_nlink, 0u);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string bytes = FileBytes(fd);
  EXPECT_GT(bytes.size(), m.size());  // header and tags
  EXPECT_EQ(bytes.find("of the spooled message"), std::string::npos);
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  ASSERT_TRUE(std::filesystem::is_symlink(link));
  s->reset();
  // The descriptor is closed with the spool, and the blocks with it.
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(link)) &&
               std::filesystem::read_symlink(link).string().find(dir.path()) !=
                   std::string::npos);
  EXPECT_EQ(EntriesIn(dir.path()), 0u);
}

TEST(SpoolFileTest, ChangedOrCutFileIsRefused) {
  testing::TempDir dir("spool");
  const std::string m = Message(300'000);
  const size_t cipher_size = [&] {
    auto s = SpoolFile::Create(dir.path());
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE((*s)->Append(m).ok());
    EXPECT_TRUE((*s)->Finish().ok());
    return FileBytes((*s)->fd_for_testing()).size();
  }();
  // One byte changed near the start, in the middle, in the last segment;
  // then the file cut short by a whole segment and by one byte.
  for (int how = 0; how < 5; ++how) {
    auto s = SpoolFile::Create(dir.path());
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->Append(m).ok());
    ASSERT_TRUE((*s)->Finish().ok());
    const int fd = (*s)->fd_for_testing();
    if (how < 3) {
      const off_t at = how == 0   ? 100
                       : how == 1 ? static_cast<off_t>(cipher_size / 2)
                                  : static_cast<off_t>(cipher_size - 3);
      char c = 0;
      ASSERT_EQ(pread(fd, &c, 1, at), 1);
      c ^= 0x01;
      ASSERT_EQ(pwrite(fd, &c, 1, at), 1);
    } else {
      ASSERT_EQ(ftruncate(fd, static_cast<off_t>(cipher_size -
                                                 (how == 3 ? 65536 + 16 : 1))),
                0);
    }
    ASSERT_TRUE((*s)->Restart().ok());
    std::string out;
    Status failed;
    while (true) {
      auto n = (*s)->Read(1 << 20, &out);
      if (!n.ok()) {
        failed = n.status();
        break;
      }
      if (*n == 0) break;
    }
    EXPECT_FALSE(failed.ok()) << "case " << how;
    EXPECT_NE(out, m) << "case " << how;
  }
}

TEST(SpoolFileTest, PrepareSpoolDirRemovesLeftovers) {
  testing::TempDir dir("spool");
  const std::string spool = dir.File("spool");
  ASSERT_TRUE(PrepareSpoolDir(spool).ok());
  struct stat st {};
  ASSERT_EQ(stat(spool.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // What a process that died between mkostemp and unlink would leave.
  std::ofstream(spool + "/spool-abc123") << "ciphertext";
  ASSERT_EQ(EntriesIn(spool), 1u);
  ASSERT_TRUE(PrepareSpoolDir(spool).ok());
  EXPECT_EQ(EntriesIn(spool), 0u);
}

TEST(SpoolFileTest, MissingDirectoryIsAnError) {
  testing::TempDir dir("spool");
  EXPECT_FALSE(SpoolFile::Create(dir.File("none")).ok());
}

}  // namespace
}  // namespace sealpost::queue
