// LibpqEnvironment: every option of the store URL reaches pg_dump through
// the environment, and the password file's password wins over the URL's.
#include "store/postgres/pg_client_env.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace sealpost::store {
namespace {

bool Has(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

TEST(LibpqEnvironmentTest, UrlOptionsBecomeVariables) {
  auto env = LibpqEnvironment(
      {"postgresql://sp:in-url@db.example.com:5433/sealpost?sslmode=verify-"
       "full&sslrootcert=/etc/ca.pem",
       "", 1});
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_TRUE(Has(*env, "PGHOST=db.example.com"));
  EXPECT_TRUE(Has(*env, "PGPORT=5433"));
  EXPECT_TRUE(Has(*env, "PGUSER=sp"));
  EXPECT_TRUE(Has(*env, "PGDATABASE=sealpost"));
  EXPECT_TRUE(Has(*env, "PGSSLMODE=verify-full"));
  EXPECT_TRUE(Has(*env, "PGSSLROOTCERT=/etc/ca.pem"));
  EXPECT_TRUE(Has(*env, "PGPASSWORD=in-url"));
}

TEST(LibpqEnvironmentTest, PasswordFileOverridesAndConninfoParses) {
  auto env = LibpqEnvironment(
      {"host=/run/pg dbname=mail password=old", "from-file", 1});
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_TRUE(Has(*env, "PGHOST=/run/pg"));
  EXPECT_TRUE(Has(*env, "PGDATABASE=mail"));
  EXPECT_TRUE(Has(*env, "PGPASSWORD=from-file"));
  EXPECT_FALSE(Has(*env, "PGPASSWORD=old"));
}

TEST(LibpqEnvironmentTest, BadUrlIsRefusedWithoutQuotingIt) {
  auto env = LibpqEnvironment({"postgresql://u:se%zzcret@h/db", "", 1});
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().message().find("se%zz"), std::string::npos);
}

}  // namespace
}  // namespace sealpost::store
