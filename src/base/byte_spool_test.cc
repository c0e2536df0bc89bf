#include "base/byte_spool.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/failing_source_for_testing.h"
#include "base/string_source.h"

namespace sealpost {
namespace {

// A spool in memory whose size can claim more than it holds: a spool file
// cut under its reader.
class MemorySpool final : public ByteSpool {
 public:
  explicit MemorySpool(int64_t claimed_extra = 0)
      : claimed_extra_(claimed_extra) {}
  Status Append(std::string_view bytes) override {
    bytes_.append(bytes);
    return Status::Ok();
  }
  Status Finish() override {
    reader_ = std::make_unique<StringSource>(bytes_, 1000);
    return Status::Ok();
  }
  int64_t size() const override {
    return static_cast<int64_t>(bytes_.size()) + claimed_extra_;
  }
  Status Restart() override { return reader_->Restart(); }
  Result<size_t> Read(size_t max, std::string* out) override {
    return reader_->Read(max, out);
  }
  Result<std::unique_ptr<ByteSource>> Open() override {
    return std::unique_ptr<ByteSource>(std::make_unique<StringSource>(bytes_));
  }

 private:
  std::string bytes_;
  int64_t claimed_extra_;
  std::unique_ptr<StringSource> reader_;  // made at Finish
};

// Every byte, over more than one 1 MiB read, from the first even after
// the spool was partly read.
TEST(ByteSpoolTest, ReadSpoolWholeReadsEveryByteFromTheFirst) {
  MemorySpool spool;
  std::string bytes(3 << 20, 'x');
  for (size_t i = 0; i < bytes.size(); i += 4099) bytes[i] = 'y';
  ASSERT_TRUE(spool.Append(bytes).ok());
  ASSERT_TRUE(spool.Finish().ok());
  std::string partly;
  ASSERT_TRUE(spool.Read(10, &partly).ok());
  auto whole = ReadSpoolWhole(spool);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(*whole, bytes);
}

// Fewer bytes than its size: INTERNAL, not a shorter message.
TEST(ByteSpoolTest, ReadSpoolWholeRefusesADifferentSize) {
  MemorySpool spool(/*claimed_extra=*/1);
  ASSERT_TRUE(spool.Append("some bytes").ok());
  ASSERT_TRUE(spool.Finish().ok());
  auto whole = ReadSpoolWhole(spool);
  ASSERT_FALSE(whole.ok());
  EXPECT_EQ(whole.status().code(), StatusCode::kInternal);
  EXPECT_EQ(whole.status().message(), "spool file: read back a different size");

  StringSource longer("eleven byte");
  EXPECT_EQ(ReadSourceWhole(longer, 10).status().code(), StatusCode::kInternal);
}

// A read's error as it is; a source read from where it is.
TEST(ByteSpoolTest, ReadSourceWholeGivesAReadErrorAsItIs) {
  FailingSource failing("0123456789", 4);
  auto whole = ReadSourceWhole(failing, 10);
  ASSERT_FALSE(whole.ok());
  EXPECT_EQ(whole.status().message(), "spool file: cut");

  StringSource source(std::string_view("0123456789"), 3);
  std::string head;
  ASSERT_TRUE(source.Read(4, &head).ok());
  auto rest = ReadSourceWhole(source, 7);
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(*rest, "3456789");
}

// Up to `max` bytes over short reads; the whole of a shorter source; what
// was read kept before a read's error, handed back as it is.
TEST(ByteSpoolTest, ReadSourceUpToStopsAtMaxOrTheEnd) {
  StringSource source(std::string_view("0123456789"), 3);
  std::string out = "x";
  ASSERT_TRUE(ReadSourceUpTo(source, 8, &out).ok());
  EXPECT_EQ(out, "x0123456");
  ASSERT_TRUE(ReadSourceUpTo(source, 100, &out).ok());
  EXPECT_EQ(out, "x0123456789");
  ASSERT_TRUE(ReadSourceUpTo(source, 100, &out).ok());
  EXPECT_EQ(out, "x0123456789");

  FailingSource failing("0123456789", 4);
  std::string head;
  EXPECT_EQ(ReadSourceUpTo(failing, 8, &head),
            InternalError("spool file: cut"));
  EXPECT_EQ(head, "0123");
}

}  // namespace
}  // namespace sealpost
