// Tests only: a throw-away PKI made by the `openssl` command line (a tool we
// did not write), so that our X.509 and CMS code is tested against
// certificates it did not make: a CA, people's certificates (valid,
// expired, without encryption usage, from an unknown CA), PKCS#12 files
// and a CRL.
//
// Thread-safety: one object per test; it runs commands in its directory.
#ifndef SEALPOST_CRYPTO_TEST_PKI_FOR_TESTING_H_
#define SEALPOST_CRYPTO_TEST_PKI_FOR_TESTING_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace sealpost::crypto::testing {

class TestPki {
 public:
  TestPki() {
    char tmpl[] = "/tmp/sealpost-pki-XXXXXX";
    dir_ = mkdtemp(tmpl);
    Write("ca.cnf",
          "[req]\ndistinguished_name=dn\n[dn]\n[ca]\n"
          "basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n"
          "[crl]\ndatabase=" +
              dir_ + "/index.txt\ncrlnumber=" + dir_ +
              "/crlnumber\ndefault_md=sha256\ndefault_crl_days=30\n");
    Write("index.txt", "");
    Write("crlnumber", "01\n");
    MakeCa("ca", "Test CA");
  }
  ~TestPki() { std::filesystem::remove_all(dir_); }

  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // A self-signed CA: NAME.pem, NAME.key.
  void MakeCa(const std::string& name, const std::string& cn) {
    Run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + name +
        ".key -out " + name + ".pem -days 3650 -subj '/CN=" + cn +
        "' -config ca.cnf -extensions ca");
  }
  // A person's certificate NAME.pem (NAME.key, NAME.der) for `email`,
  // signed by `ca`; `days` < 0 makes it expired; `ext` "signonly" has no
  // keyEncipherment; `bits`: its RSA key's size.
  void MakeLeaf(const std::string& name, const std::string& email,
                int days = 365, const std::string& ca = "ca",
                const std::string& ext = "leaf", int bits = 2048) {
    Run("openssl req -new -newkey rsa:" + std::to_string(bits) +
        " -nodes -keyout " + name + ".key -out " + name +
        ".csr -subj '/CN=" + name + "'");
    Write(name + ".ext",
          "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature" +
              std::string(ext == "signonly" ? "" : ",keyEncipherment") +
              "\nextendedKeyUsage=emailProtection\nsubjectAltName=email:" +
              email + "\n");
    Run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " +
        ca + ".key -CAcreateserial -days " + std::to_string(days) + " -out " +
        name + ".pem -extfile " + name + ".ext");
    Run("openssl x509 -in " + name + ".pem -outform DER -out " + name + ".der");
  }
  // NAME.p12 with its key and the CA, under `password`.
  void MakePkcs12(const std::string& name, const std::string& password) {
    Run("openssl pkcs12 -export -in " + name + ".pem -inkey " + name +
        ".key -certfile ca.pem -out " + name +
        ".p12 -passout pass:" + password);
  }
  // crl.pem (and crl.der) revoking the certificates in `names`.
  void MakeCrl(const std::vector<std::string>& names) {
    for (const auto& n : names) {
      Run("openssl ca -config ca.cnf -name crl -keyfile ca.key -cert ca.pem "
          "-revoke " +
          n + ".pem");
    }
    Run("openssl ca -config ca.cnf -name crl -keyfile ca.key -cert ca.pem "
        "-gencrl -out crl.pem");
    Run("openssl crl -in crl.pem -outform DER -out crl.der");
  }
  std::string Read(const std::string& name) const {
    std::ifstream f(Path(name), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  // The file with SMTP line ends (CRLF), as openssl's output arrives.
  std::string ReadCrlf(const std::string& name) const {
    std::string in = Read(name), out;
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out += '\r';
      out += in[i];
    }
    return out;
  }
  void Write(const std::string& name, const std::string& content) const {
    std::ofstream(Path(name), std::ios::binary) << content;
  }
  // Runs `command` in the directory; true on exit status 0.
  bool Run(const std::string& command) const {
    std::string full = "cd '" + dir_ + "' && (" + command + ") >/dev/null 2>&1";
    return std::system(full.c_str()) == 0;
  }

 private:
  std::string dir_;
};

}  // namespace sealpost::crypto::testing

#endif  // SEALPOST_CRYPTO_TEST_PKI_FOR_TESTING_H_
