#include "base/status.h"

#include <gtest/gtest.h>

namespace sealpost {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgumentError("odd");
  return n / 2;
}

Result<int> Quarter(int n) {
  SP_ASSIGN_OR_RETURN(int h, Half(n));
  SP_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = NotFoundError("no such thing");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "NOT_FOUND: no such thing");
  EXPECT_EQ(s.WithContext("loading").message(), "loading: no such thing");
  EXPECT_EQ(s.WithContext("loading").code(), StatusCode::kNotFound);
}

TEST(StatusTest, ResultPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Quarter(5).status().message(), "odd");
}

}  // namespace
}  // namespace sealpost
