// S/MIME opened and made for one signed-in user: a key opens only what was
// encrypted to its owner's certificate, whoever asks.
#include "smime/client_mail.h"

#include <gtest/gtest.h>

#include "base/string_source.h"

#include "smime/directory_test_for_testing.h"

namespace sealpost::smime {
namespace {

class ClientMailTest : public testing::PeopleTest {
 protected:
  const std::string original_ =
      "From: alice@example.com\r\nTo: bob@partner.test\r\nSubject: s\r\n"
      "Content-Type: text/plain; charset=us-ascii\r\n\r\nsecret 42\r\n";
};

TEST_F(ClientMailTest, OnlyTheSendersAndRecipientsKeysOpenIt) {
  auto made = ProtectMail(*certs_, original_, "alice@example.com",
                          {"bob@partner.test"}, true, SmimeOptions{});
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->certificate_ids.size(), 2u);  // bob's and alice's own
  EXPECT_FALSE(made->signer_id.empty());
  EXPECT_EQ(made->message.find("secret 42"), std::string::npos);

  auto alice = OpenMail(*certs_, made->message, "alice@example.com");
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  EXPECT_NE(alice->message.find("secret 42"), std::string::npos);
  ASSERT_EQ(alice->signatures.size(), 1u);
  EXPECT_TRUE(alice->signatures[0].verified) << alice->signatures[0].reason;
  EXPECT_EQ(alice->signatures[0].signer, "alice@example.com");

  // Zoe has a key of her own on file: it does not open Alice's mail.
  auto zoe = OpenMail(*certs_, made->message, "zoe@example.com");
  EXPECT_EQ(zoe.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(zoe.status().message().find("secret"), std::string::npos);
  // Nor does a name that merely resembles Alice's (exact local part).
  auto alias = OpenMail(*certs_, made->message, "Alice@example.com");
  EXPECT_EQ(alias.status().code(), StatusCode::kPermissionDenied);
}

TEST_F(ClientMailTest, ARecipientWithoutCertificateMakesNothing) {
  auto made = ProtectMail(*certs_, original_, "alice@example.com",
                          {"bob@partner.test", "carol@partner.test"}, false,
                          SmimeOptions{});
  EXPECT_EQ(made.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(made.status().message().find("carol@partner.test"),
            std::string::npos);
  auto plain = OpenMail(*certs_, original_, "alice@example.com");
  EXPECT_EQ(plain.status().code(), StatusCode::kInvalidArgument);
}

// The streamed form reads the message from a source a few bytes at a time
// (the header section's end falls inside a slice) and opens to the same
// message as the one made whole; a refusal comes before the source is read.
TEST_F(ClientMailTest, StreamedOpensAsTheWholeOne) {
  const std::string original = original_ + std::string(300000, 'x') + "\r\n";
  StringSource source(original, 37);
  std::string made;
  auto streamed = ProtectMailStream(*certs_, source, "alice@example.com",
                                    {"bob@partner.test"}, false, SmimeOptions{},
                                    [&made](std::string_view bytes) {
                                      made += bytes;
                                      return Status::Ok();
                                    });
  ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
  EXPECT_EQ(streamed->certificate_ids.size(), 2u);
  EXPECT_TRUE(streamed->message.empty());
  auto whole = ProtectMail(*certs_, original, "alice@example.com",
                           {"bob@partner.test"}, false, SmimeOptions{});
  ASSERT_TRUE(whole.ok());
  auto a = OpenMail(*certs_, made, "alice@example.com");
  auto b = OpenMail(*certs_, whole->message, "alice@example.com");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(a->message == b->message);
  EXPECT_EQ(made.substr(0, made.find("Content-Type")),
            whole->message.substr(0, whole->message.find("Content-Type")));

  made.clear();
  auto refused = ProtectMailStream(
      *certs_, source, "alice@example.com", {"carol@partner.test"}, false,
      SmimeOptions{}, [&made](std::string_view bytes) {
        made += bytes;
        return Status::Ok();
      });
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(made.empty());
}

}  // namespace
}  // namespace sealpost::smime
