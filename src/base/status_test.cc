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

enum class Why { kFirst, kSecond };
enum class Other { kFirst };

TEST(StatusTest, ReasonIsTypedAndSurvivesContext) {
  Status plain = PermissionDeniedError("no");
  EXPECT_EQ(plain.Reason<Why>(), std::nullopt);
  Status s = PermissionDeniedError("revoked").WithReason(Why::kSecond);
  EXPECT_EQ(s.Reason<Why>(), Why::kSecond);
  // Another enum's reason with the same value is not this one.
  EXPECT_EQ(s.Reason<Other>(), std::nullopt);
  EXPECT_EQ(PermissionDeniedError("x").WithReason(Other::kFirst).Reason<Why>(),
            std::nullopt);
  Status wrapped = s.WithContext("opening");
  EXPECT_EQ(wrapped.Reason<Why>(), Why::kSecond);
  EXPECT_EQ(wrapped.message(), "opening: revoked");
  EXPECT_EQ(wrapped.code(), StatusCode::kPermissionDenied);
  Result<int> r = s;
  EXPECT_EQ(r.status().Reason<Why>(), Why::kSecond);
  EXPECT_FALSE(s == PermissionDeniedError("revoked"));
}

}  // namespace
}  // namespace sealpost
