// Mail flow rules and branding administration through the real CLI.
#include <gtest/gtest.h>

#include <fstream>

#include "testing/process.h"

namespace sealpost {
namespace {

using test::DevServer;
using test::RunCommand;

class PolicyCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new DevServer();
    ASSERT_TRUE(server_->started()) << server_->ReadLog();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static test::CommandResult Cli(const std::string& args) {
    return RunCommand(test::SealpostBinary() + " " + args, server_->CliEnv());
  }
  static DevServer* server_;
};
DevServer* PolicyCliTest::server_ = nullptr;

TEST_F(PolicyCliTest, RulesLifecycle) {
  auto created =
      Cli("rule new 'Encrypt external' --if recipient-scope=NotInOrganization "
          "--unless recipient-domain=partner.example --apply-template Encrypt");
  ASSERT_EQ(created.exit_code, 0) << created.out;
  EXPECT_NE(created.out.find("Condition          : recipient_scope "
                             "not_in_organization"),
            std::string::npos)
      << created.out;
  auto first =
      Cli("rule new 'Block secrets' --priority 0 --stop "
          "--if 'subject-matches=(?i)top secret' --reject 'Not "
          "allowed'");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  auto list = Cli("rule list");
  ASSERT_EQ(list.exit_code, 0);
  // The new priority-0 rule comes first; the other moved down.
  EXPECT_LT(list.out.find("Block secrets"), list.out.find("Encrypt external"));
  auto json = Cli("--json rule get 'encrypt external'");
  EXPECT_NE(json.out.find("\"priority\":1"), std::string::npos) << json.out;

  auto disabled = Cli("rule disable 'Encrypt external'");
  EXPECT_NE(disabled.out.find("State              : Disabled"),
            std::string::npos);
  auto audit = Cli("rule set 'Encrypt external' --mode Audit");
  EXPECT_NE(audit.out.find("Mode               : Audit"), std::string::npos);

  auto bad_pattern =
      Cli("rule new Bad --if 'subject-matches=(unclosed' "
          "--reject no");
  EXPECT_EQ(bad_pattern.exit_code, 2);
  EXPECT_NE(bad_pattern.out.find("invalid pattern"), std::string::npos);
  auto bad_template = Cli("rule new Bad --apply-template Nope");
  EXPECT_EQ(bad_template.exit_code, 2);
  EXPECT_NE(bad_template.out.find("unknown template \"Nope\""),
            std::string::npos);
  auto no_action = Cli("rule new Bad --if has-attachment");
  EXPECT_EQ(no_action.exit_code, 1);
  auto bad_branding =
      Cli("rule new Bad --apply-template Encrypt --branding "
          "Nope");
  EXPECT_EQ(bad_branding.exit_code, 2);
  EXPECT_NE(bad_branding.out.find("no branding named 'Nope'"),
            std::string::npos);

  // Enforced per message by the queue (smtp_reliability_test).
  auto tls =
      Cli("rule new TLS --if recipient-domain=bank.example "
          "--require-tls");
  EXPECT_EQ(tls.exit_code, 0) << tls.out;
  EXPECT_NE(Cli("rule get TLS").out.find("require_tls"), std::string::npos);
  ASSERT_EQ(Cli("rule remove TLS").exit_code, 0);

  ASSERT_EQ(Cli("rule remove 'Block secrets'").exit_code, 0);
  EXPECT_EQ(Cli("rule get 'Block secrets'").exit_code, 2);
}

TEST_F(PolicyCliTest, BrandingLimitsAndDefault) {
  auto set =
      Cli("branding set --email-text 'Hello from Contoso' "
          "--background-color yellow --read-button-text 'Open it'");
  ASSERT_EQ(set.exit_code, 0) << set.out;
  EXPECT_NE(set.out.find("BackgroundColor            : #ffff00"),
            std::string::npos);
  auto too_long = Cli("branding set --portal-text " + std::string(129, 'x'));
  EXPECT_EQ(too_long.exit_code, 2);
  EXPECT_NE(too_long.out.find("PortalText is limited to 128 characters"),
            std::string::npos);
  auto email_long = Cli("branding set --email-text " + std::string(1025, 'x'));
  EXPECT_NE(email_long.out.find("1024"), std::string::npos);
  auto remove_default = Cli("branding remove 'OME Configuration'");
  EXPECT_EQ(remove_default.exit_code, 2);
  EXPECT_NE(remove_default.out.find("cannot be removed"), std::string::npos);
  auto expiry_default = Cli("branding set --external-mail-expiry-in-days 7");
  EXPECT_EQ(expiry_default.exit_code, 2);

  std::string dir = test::MakeTempDir("sealpost-branding");
  std::ofstream(dir + "/logo.png", std::ios::binary)
      << std::string("\x89PNG\r\n\x1a\n", 8) << std::string(100, 'p');
  std::ofstream(dir + "/big.png", std::ios::binary)
      << std::string("\x89PNG\r\n\x1a\n", 8) << std::string(41 * 1024, 'p');
  std::ofstream(dir + "/logo.gif", std::ios::binary) << "GIF89a....";
  auto created = Cli("branding new Finance --image " + dir +
                     "/logo.png --external-mail-expiry-in-days 30");
  ASSERT_EQ(created.exit_code, 0) << created.out;
  EXPECT_NE(created.out.find("image/png, 108 bytes"), std::string::npos);
  EXPECT_NE(created.out.find("30 days"), std::string::npos);
  auto big = Cli("branding set --identity Finance --image " + dir + "/big.png");
  EXPECT_EQ(big.exit_code, 2);
  EXPECT_NE(big.out.find("40 KB"), std::string::npos);
  auto gif =
      Cli("branding set --identity Finance --image " + dir + "/logo.gif");
  EXPECT_NE(gif.out.find("PNG or JPEG"), std::string::npos);
  auto reset =
      Cli("branding set --identity Finance --reset Image --reset "
          "ExternalMailExpiryInDays");
  ASSERT_EQ(reset.exit_code, 0) << reset.out;
  EXPECT_NE(reset.out.find("Image                      : \n"),
            std::string::npos)
      << reset.out;
  auto all = Cli("branding get");
  EXPECT_NE(all.out.find("Identity                   : OME Configuration"),
            std::string::npos);
  EXPECT_NE(all.out.find("Identity                   : Finance"),
            std::string::npos);
  ASSERT_EQ(Cli("branding remove Finance").exit_code, 0);
}

}  // namespace
}  // namespace sealpost
