#include "portal/decoy_otps.h"

#include <gtest/gtest.h>

namespace sealpost::portal {
namespace {

store::OtpRecord Decoy(std::string email, int64_t created_at) {
  return {"m1",
          std::move(email),
          "$argon2id$...",
          "ABCD",
          created_at,
          created_at + 900,
          0,
          false};
}

TEST(DecoyOtpsTest, OnePerMessageAndAddressANewOneReplacing) {
  DecoyOtps decoys;
  EXPECT_FALSE(decoys.Get("m1", "a@x.test").has_value());
  decoys.Put(Decoy("a@x.test", 100));
  auto newer = Decoy("a@x.test", 200);
  newer.reference = "WXYZ";
  decoys.Put(newer);
  EXPECT_EQ(decoys.size(), 1u);
  EXPECT_EQ(decoys.Get("m1", "a@x.test")->reference, "WXYZ");
  EXPECT_FALSE(decoys.Get("m2", "a@x.test").has_value());
}

TEST(DecoyOtpsTest, TriesAreTakenAsTheStoreTakesThem) {
  DecoyOtps decoys;
  decoys.Put(Decoy("a@x.test", 100));
  EXPECT_EQ(decoys.TakeTry("m1", "a@x.test", 2, 500)->failures, 1);
  EXPECT_EQ(decoys.TakeTry("m1", "a@x.test", 2, 500)->failures, 2);
  EXPECT_FALSE(decoys.TakeTry("m1", "a@x.test", 2, 500).has_value());
  EXPECT_EQ(decoys.Get("m1", "a@x.test")->failures, 2);
  decoys.Put(Decoy("b@x.test", 100));
  // Expired at 1000: no try.
  EXPECT_FALSE(decoys.TakeTry("m1", "b@x.test", 2, 1000).has_value());
  EXPECT_FALSE(decoys.TakeTry("m1", "c@x.test", 2, 500).has_value());
}

TEST(DecoyOtpsTest, BoundedTheExpiredGoingFirstThenTheOldest) {
  DecoyOtps decoys(3);
  decoys.Put(Decoy("old@x.test", 0));  // expired by 900
  decoys.Put(Decoy("a@x.test", 500));
  decoys.Put(Decoy("b@x.test", 600));
  decoys.Put(Decoy("c@x.test", 1000));
  EXPECT_EQ(decoys.size(), 3u);
  EXPECT_FALSE(decoys.Get("m1", "old@x.test").has_value());
  decoys.Put(Decoy("d@x.test", 1100));
  EXPECT_EQ(decoys.size(), 3u);
  EXPECT_FALSE(decoys.Get("m1", "a@x.test").has_value());
  EXPECT_TRUE(decoys.Get("m1", "b@x.test").has_value());
  EXPECT_TRUE(decoys.Get("m1", "d@x.test").has_value());
  // A new code for one kept takes no room.
  decoys.Put(Decoy("b@x.test", 1200));
  EXPECT_TRUE(decoys.Get("m1", "c@x.test").has_value());
}

}  // namespace
}  // namespace sealpost::portal
