// End-to-end rights management through the real binary: the CLI against a
// dev server, with Python's email package as an independent MIME reader.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/process.h"

namespace sealpost {
namespace {

using test::CommandResult;
using test::DevServer;
using test::RunCommand;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// 8-bit, CRLF, a lone "." line, trailing spaces: bytes that must survive.
constexpr char kOriginal[] =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.com\r\n"
    "Subject: =?UTF-8?B?UXVhcnRhbHNiZXJpY2h0IMOEw5bDnA==?=\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    "Gr\xc3\xbc\xc3\x9f"
    "e, unique-marker-7f3a9c  \r\n.\r\n\xff\xfe\r\n";

class RightsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new DevServer();
    ASSERT_TRUE(server_->started()) << server_->ReadLog();
    dir_ = test::MakeTempDir("sealpost-rights");
    std::ofstream(dir_ + "/original.eml", std::ios::binary) << kOriginal;
    auto carol = RunCommand(Cli("user add carol@example.com --password "
                                "carol-password-1"),
                            server_->CliEnv());
    ASSERT_EQ(carol.exit_code, 0) << carol.out;
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static std::string Cli(const std::string& args) {
    return test::SealpostBinary() + " " + args;
  }
  static std::map<std::string, std::string> As(const std::string& user) {
    auto env = server_->CliEnv();
    env["SEALPOST_USER"] = user;
    env["SEALPOST_PASSWORD"] = user == "carol@example.com"
                                   ? "carol-password-1"
                                   : server_->UserPassword(user);
    return env;
  }
  // Protects the original as alice; returns the message id.
  static std::string Protect(const std::string& tmpl, const std::string& out) {
    auto r = RunCommand(
        Cli("protect --template '" + tmpl + "' --to bob@example.com --out " +
            out + " " + dir_ + "/original.eml"),
        As("alice@example.com"));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    auto pos = r.out.find("Protected as ");
    if (pos == std::string::npos) return "";
    return r.out.substr(pos + 13, r.out.find(' ', pos + 13) - pos - 13);
  }
  // Writes the message.sealed attachment of the wrapper mail `eml` to
  // `out`, as a client we did not write would find it (Python's email).
  static CommandResult ExtractSealed(const std::string& eml,
                                     const std::string& out) {
    return RunCommand(
        "python3 -c \"import email,sys; m=email.message_from_binary_file("
        "open(sys.argv[1],'rb')); p=[x for x in m.walk() if "
        "x.get_content_type()=='application/vnd.sealpost.sealed'][0]; "
        "open(sys.argv[2],'wb').write(p.get_payload(decode=True))\" " +
        eml + " " + out);
  }
  static DevServer* server_;
  static std::string dir_;
};
DevServer* RightsTest::server_ = nullptr;
std::string RightsTest::dir_;

TEST_F(RightsTest, ActiveWithDefaultTemplates) {
  auto rms = RunCommand(Cli("rms status"), server_->CliEnv());
  EXPECT_EQ(rms.exit_code, 0);
  EXPECT_NE(rms.out.find("RightsManagement  : Active"), std::string::npos)
      << rms.out;
  auto list = RunCommand(Cli("template list"), server_->CliEnv());
  EXPECT_EQ(list.exit_code, 0);
  for (const char* name : {"Encrypt", "Do Not Forward", "Confidential",
                           "Confidential View Only"}) {
    EXPECT_NE(list.out.find(std::string(": ") + name + "\n"), std::string::npos)
        << name;
  }
}

TEST_F(RightsTest, IrmTestPassesAndFailsWithTheMasterSwitchOff) {
  auto pass = RunCommand(Cli("irm test --sender alice@example.com "
                             "--recipient bob@example.com"),
                         server_->CliEnv());
  EXPECT_EQ(pass.exit_code, 0) << pass.out;
  EXPECT_NE(pass.out.find("OVERALL RESULT: PASS"), std::string::npos);
  EXPECT_NE(pass.out.find("Templates available: Encrypt, Do Not Forward"),
            std::string::npos);

  auto off = RunCommand(Cli("irm set --AzureRMSLicensingEnabled False"),
                        server_->CliEnv());
  ASSERT_EQ(off.exit_code, 0) << off.out;
  EXPECT_NE(off.out.find("AzureRMSLicensingEnabled"), std::string::npos);
  auto fail = RunCommand(Cli("irm test --sender alice@example.com "
                             "--recipient bob@example.com"),
                         server_->CliEnv());
  EXPECT_EQ(fail.exit_code, 2) << fail.out;
  EXPECT_NE(fail.out.find("- FAIL: AzureRMSLicensingEnabled is False"),
            std::string::npos)
      << fail.out;
  EXPECT_NE(fail.out.find("OVERALL RESULT: FAIL"), std::string::npos);
  auto on = RunCommand(Cli("irm set --AzureRMSLicensingEnabled True"),
                       server_->CliEnv());
  ASSERT_EQ(on.exit_code, 0);
  auto get = RunCommand(Cli("irm get"), server_->CliEnv());
  EXPECT_NE(get.out.find("Identity"), std::string::npos);
  EXPECT_NE(get.out.find("TransportDecryptionSetting"), std::string::npos);
  auto bad = RunCommand(Cli("irm set --TransportDecryptionSetting Sometimes"),
                        server_->CliEnv());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("Disabled, Optional, Mandatory"), std::string::npos);
}

TEST_F(RightsTest, ProtectThenOpenIsByteForByte) {
  std::string id = Protect("Encrypt", dir_ + "/enc.eml");
  ASSERT_FALSE(id.empty());
  std::string wrapper = Slurp(dir_ + "/enc.eml");
  EXPECT_NE(wrapper.find("X-Sealpost-Protected: v1; id=" + id +
                         "; template=Encrypt; k=1; seal="),
            std::string::npos);
  // The content is not in the wrapper in clear.
  EXPECT_EQ(wrapper.find("unique-marker-7f3a9c"), std::string::npos);
  auto r =
      RunCommand(Cli("open --out " + dir_ + "/enc.out " + dir_ + "/enc.eml"),
                 As("bob@example.com"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(Slurp(dir_ + "/enc.out"), kOriginal);
  EXPECT_NE(r.out.find("Rights:   VIEW"), std::string::npos);
  EXPECT_NE(r.out.find("FORWARD"), std::string::npos);

  // A client we did not write finds the attachment; `open` reads it bare.
  auto py = ExtractSealed(dir_ + "/enc.eml", dir_ + "/message.sealed");
  ASSERT_EQ(py.exit_code, 0) << py.out;
  auto bare = RunCommand(
      Cli("open " + dir_ + "/message.sealed > " + dir_ + "/bare.out"),
      As("bob@example.com"));
  ASSERT_EQ(bare.exit_code, 0) << bare.out;
  EXPECT_EQ(Slurp(dir_ + "/bare.out"), kOriginal);
}

TEST_F(RightsTest, DoNotForwardRefusesNonRecipient) {
  std::string id = Protect("Do Not Forward", dir_ + "/dnf.eml");
  auto bob = RunCommand(Cli("open --out /dev/null " + dir_ + "/dnf.eml"),
                        As("bob@example.com"));
  EXPECT_EQ(bob.exit_code, 0) << bob.out;
  EXPECT_EQ(bob.out.find("FORWARD"), std::string::npos) << bob.out;
  EXPECT_EQ(bob.out.find("PRINT"), std::string::npos);
  auto carol =
      RunCommand(Cli("open " + dir_ + "/dnf.eml"), As("carol@example.com"));
  EXPECT_EQ(carol.exit_code, 2);
  EXPECT_NE(carol.out.find("not a recipient"), std::string::npos) << carol.out;
  EXPECT_EQ(carol.out.find("unique-marker"), std::string::npos);
  // Every decision is in the message's log.
  auto status = RunCommand(Cli("message status " + id), server_->CliEnv());
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_NE(status.out.find("license.acquire  carol@example.com  refused  "
                            "not a recipient"),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("license.acquire  bob@example.com  granted"),
            std::string::npos);
}

TEST_F(RightsTest, RevokedThenExpired) {
  std::string id = Protect("Encrypt", dir_ + "/rev.eml");
  auto revoke = RunCommand(Cli("message revoke " + id), server_->CliEnv());
  EXPECT_EQ(revoke.exit_code, 0) << revoke.out;
  EXPECT_NE(revoke.out.find("Status     : revoked"), std::string::npos)
      << revoke.out;
  auto bob =
      RunCommand(Cli("open " + dir_ + "/rev.eml"), As("bob@example.com"));
  EXPECT_EQ(bob.exit_code, 2);
  EXPECT_NE(bob.out.find(": revoked"), std::string::npos) << bob.out;

  std::string id2 = Protect("Encrypt", dir_ + "/exp.eml");
  auto expire = RunCommand(Cli("message expire " + id2), server_->CliEnv());
  EXPECT_EQ(expire.exit_code, 0) << expire.out;
  auto bob2 =
      RunCommand(Cli("open " + dir_ + "/exp.eml"), As("bob@example.com"));
  EXPECT_EQ(bob2.exit_code, 2);
  EXPECT_NE(bob2.out.find(": expired"), std::string::npos) << bob2.out;
}

TEST_F(RightsTest, TamperedContainerFails) {
  Protect("Encrypt", dir_ + "/t.eml");
  std::string sealed_path = dir_ + "/t.sealed";
  RunCommand(
      "python3 -c \"import email,sys; m=email.message_from_binary_file("
      "open(sys.argv[1],'rb')); p=[x for x in m.walk() if "
      "x.get_content_type()=='application/vnd.sealpost.sealed'][0]; "
      "b=bytearray(p.get_payload(decode=True)); b[-20]^=1; "
      "open(sys.argv[2],'wb').write(b)\" " +
      dir_ + "/t.eml " + sealed_path);
  auto r = RunCommand(Cli("open --out " + dir_ + "/t.out " + sealed_path),
                      As("bob@example.com"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("damaged"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("cannot"), std::string::npos) << r.out;
  EXPECT_EQ(Slurp(dir_ + "/t.out"), "");  // nothing written
}

// A full disk under --out is said as such, not as damaged content: a small
// message fails at the last flush, a large one in the middle of the stream.
TEST_F(RightsTest, OpenIntoAFullDiskSaysCannotWrite) {
  Protect("Encrypt", dir_ + "/full-small.eml");
  std::string big = kOriginal;
  for (int i = 0; i < 4000; ++i) big += std::string(76, 'x') + "\r\n";
  std::ofstream(dir_ + "/big.eml", std::ios::binary) << big;
  auto protect =
      RunCommand(Cli("protect --template Encrypt --to bob@example.com --out " +
                     dir_ + "/full-big.eml " + dir_ + "/big.eml"),
                 As("alice@example.com"));
  ASSERT_EQ(protect.exit_code, 0) << protect.out;
  for (const char* wrapper : {"/full-small.eml", "/full-big.eml"}) {
    auto r = RunCommand(Cli("open --out /dev/full " + dir_ + wrapper),
                        As("bob@example.com"));
    EXPECT_EQ(r.exit_code, 1) << wrapper << r.out;
    EXPECT_NE(r.out.find("cannot write /dev/full: No space left on device"),
              std::string::npos)
        << wrapper << r.out;
    EXPECT_EQ(r.out.find("damaged"), std::string::npos) << wrapper << r.out;
  }
  auto good = RunCommand(
      "umask 022; " +
          Cli("open --out " + dir_ + "/full-big.out " + dir_ + "/full-big.eml"),
      As("bob@example.com"));
  ASSERT_EQ(good.exit_code, 0) << good.out;
  EXPECT_EQ(Slurp(dir_ + "/full-big.out"), big);
  // The plaintext is its owner's alone, from its first byte on.
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/full-big.out").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// A file size limit (RLIMIT_FSIZE, as a full disk) under --out: whether
// the write fails while the message streams (300 KB) or only at the last
// flush (2 KB, under stdio's buffer), the open says so and leaves neither
// --out nor its temporary file with part of the plaintext.
// --out naming one of our own descriptors (/proc/self/fd/1, as
// /dev/stdout) while stdout is a regular file: written where it points,
// not beside it through a temporary name (which cannot be made in /proc;
// for /dev/stdout, as root, the rename would replace the link itself).
TEST_F(RightsTest, OpenIntoOurOwnDescriptorWritesWhereItPoints) {
  Protect("Encrypt", dir_ + "/fd-out.eml");
  const std::string out = dir_ + "/fd-out.txt";
  auto r = RunCommand(
      Cli("open --out /proc/self/fd/1 " + dir_ + "/fd-out.eml") + " > " + out,
      As("bob@example.com"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(Slurp(out), kOriginal);
}

TEST_F(RightsTest, OpenPastAFileSizeLimitLeavesNoPartialPlaintext) {
  std::string mid = kOriginal;
  for (int i = 0; i < 24; ++i) mid += std::string(76, 'y') + "\r\n";
  std::string big = kOriginal;
  for (int i = 0; i < 4000; ++i) big += std::string(76, 'x') + "\r\n";
  const std::pair<std::string, std::string> cases[] = {{"limit-flush", mid},
                                                       {"limit-stream", big}};
  for (const auto& [name, body] : cases) {
    std::ofstream(dir_ + "/" + name + ".eml", std::ios::binary) << body;
    auto protect = RunCommand(
        Cli("protect --template Encrypt --to bob@example.com --out " + dir_ +
            "/" + name + ".wrapped " + dir_ + "/" + name + ".eml"),
        As("alice@example.com"));
    ASSERT_EQ(protect.exit_code, 0) << protect.out;
    const std::string out = dir_ + "/" + name + ".out";
    // One 512-byte block at most; SIGXFSZ ignored, so write() says EFBIG.
    auto r = RunCommand(
        "trap '' XFSZ; ulimit -f 1; " +
            Cli("open --out " + out + " " + dir_ + "/" + name + ".wrapped"),
        As("bob@example.com"));
    EXPECT_EQ(r.exit_code, 1) << name << r.out;
    EXPECT_NE(r.out.find("cannot write " + out + ": File too large"),
              std::string::npos)
        << name << r.out;
    EXPECT_FALSE(std::filesystem::exists(out)) << name;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      EXPECT_FALSE(e.path().filename().string().starts_with(name + ".out"))
          << e.path();
    }
  }
}

TEST_F(RightsTest, RotatedKeyStillOpensOldMail) {
  Protect("Encrypt", dir_ + "/old.eml");
  auto rot = RunCommand(Cli("rms rotate-key"), server_->CliEnv());
  ASSERT_EQ(rot.exit_code, 0) << rot.out;
  EXPECT_NE(rot.out.find("PrimaryKeyVersion : 2"), std::string::npos)
      << rot.out;
  auto r =
      RunCommand(Cli("open --out " + dir_ + "/old.out " + dir_ + "/old.eml"),
                 As("bob@example.com"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(Slurp(dir_ + "/old.out"), kOriginal);
  Protect("Encrypt", dir_ + "/new.eml");
  auto n =
      RunCommand(Cli("open --out " + dir_ + "/new.out " + dir_ + "/new.eml"),
                 As("bob@example.com"));
  EXPECT_EQ(n.exit_code, 0) << n.out;
}

TEST_F(RightsTest, CustomTemplatesLicensesAndGroups) {
  auto created = RunCommand(
      Cli("template new 'Finance Only' --grant recipients=VIEW,REPLY "
          "--grant group:finance=VIEW --expiry-days 30"),
      server_->CliEnv());
  ASSERT_EQ(created.exit_code, 0) << created.out;
  EXPECT_NE(created.out.find(": finance-only\n"), std::string::npos)
      << created.out;
  auto dup = RunCommand(Cli("template new 'finance only' --grant "
                            "recipients=VIEW"),
                        server_->CliEnv());
  EXPECT_EQ(dup.exit_code, 2);
  EXPECT_NE(dup.out.find("already exists"), std::string::npos);
  auto longname = RunCommand(
      Cli("template new " + std::string(65, 'x') + " --grant recipients=VIEW"),
      server_->CliEnv());
  EXPECT_EQ(longname.exit_code, 2);
  EXPECT_NE(longname.out.find("64"), std::string::npos) << longname.out;
  auto badright = RunCommand(Cli("template new Bad --grant recipients=FLY"),
                             server_->CliEnv());
  EXPECT_EQ(badright.exit_code, 2);

  auto archive =
      RunCommand(Cli("template archive finance-only"), server_->CliEnv());
  EXPECT_EQ(archive.exit_code, 0) << archive.out;
  EXPECT_NE(archive.out.find(": Archived\n"), std::string::npos);
  auto refused =
      RunCommand(Cli("protect --template finance-only --to bob@example.com " +
                     dir_ + "/original.eml"),
                 As("alice@example.com"));
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.out.find("archived"), std::string::npos) << refused.out;

  // carol has no license until her group gets one.
  auto unlicensed =
      RunCommand(Cli("protect --template Encrypt --to bob@example.com " + dir_ +
                     "/original.eml"),
                 As("carol@example.com"));
  EXPECT_EQ(unlicensed.exit_code, 2);
  EXPECT_NE(unlicensed.out.find("no license"), std::string::npos);
  ASSERT_EQ(RunCommand(Cli("group add finance"), server_->CliEnv()).exit_code,
            0);
  ASSERT_EQ(RunCommand(Cli("group member add finance carol@example.com"),
                       server_->CliEnv())
                .exit_code,
            0);
  ASSERT_EQ(RunCommand(Cli("license assign --group finance"), server_->CliEnv())
                .exit_code,
            0);
  auto licensed = RunCommand(
      Cli("protect --template Encrypt --to bob@example.com --out /dev/null " +
          dir_ + "/original.eml"),
      As("carol@example.com"));
  EXPECT_EQ(licensed.exit_code, 0) << licensed.out;
  // --out to a device writes into it, never renames a file over it.
  struct stat st;
  ASSERT_EQ(stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/null was replaced by a file";
  auto list = RunCommand(Cli("license list"), server_->CliEnv());
  EXPECT_NE(list.out.find("group  finance"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("user   alice@example.com"), std::string::npos);
}

TEST_F(RightsTest, LargeSealedFileOpensWithFlatMemory) {
  // 40 MB of 8-bit text; the bare message.sealed is streamed by `open`.
  std::string big = dir_ + "/big.eml";
  RunCommand(
      "python3 -c \"import sys; f=open(sys.argv[1],'wb'); "
      "f.write(b'Subject: big\\r\\n\\r\\n'); "
      "[f.write(bytes([32+i%90 for i in range(1000)])+b'\\r\\n') "
      "for _ in range(40000)]\" " +
      big);
  auto p = RunCommand(Cli("protect --template Encrypt --to bob@example.com "
                          "--out " +
                          dir_ + "/big.prot " + big),
                      As("alice@example.com"));
  ASSERT_EQ(p.exit_code, 0) << p.out;
  auto py = ExtractSealed(dir_ + "/big.prot", dir_ + "/big.sealed");
  ASSERT_EQ(py.exit_code, 0) << py.out;
  auto r = RunCommand(
      "/usr/bin/time -f 'maxrss_kib=%M' " +
          Cli("open --out " + dir_ + "/big.out " + dir_ + "/big.sealed"),
      As("bob@example.com"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(RunCommand("cmp " + big + " " + dir_ + "/big.out").exit_code, 0);
  auto pos = r.out.find("maxrss_kib=");
  ASSERT_NE(pos, std::string::npos);
  long kib = std::stol(r.out.substr(pos + 11));
  EXPECT_LT(kib, 32 * 1024) << "open of a 40 MB message used " << kib << " KiB";
}

TEST_F(RightsTest, WrongPasswordAndNoUser) {
  auto env = As("bob@example.com");
  env["SEALPOST_PASSWORD"] = "wrong-password";
  auto r = RunCommand(Cli("open " + dir_ + "/original.eml"), env);
  EXPECT_NE(r.exit_code, 0);
  auto plain =
      RunCommand(Cli("open " + dir_ + "/original.eml"), As("bob@example.com"));
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.out.find("is not protected mail"), std::string::npos)
      << plain.out;
}

}  // namespace
}  // namespace sealpost
