// libFuzzer target: arbitrary bytes as a publishing license and as a
// message.sealed container. Signatures cannot be forged by a fuzzer, so any
// header that parses is re-signed with the fixed test key before decryption:
// that lets the stream reader see fuzzed segments too.
// Seed corpus: tests/data/format/container.sealed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/signature.h"
#include "sealed/container.h"
#include "sealed/license.h"
#include "sealed/sealed_reader.h"

namespace {

using sealpost::SecretBytes;
namespace crypto = sealpost::crypto;
namespace sealed = sealpost::sealed;

const crypto::Signer& TestSigner() {
  static const crypto::Signer* signer = new crypto::Signer(
      *crypto::Signer::FromPrivateKeyInsecure(SecretBytes(32)));
  return *signer;
}

const SecretBytes& TestContentKey() {
  static const SecretBytes* key =
      new SecretBytes(SecretBytes::FromStringInsecure(std::string(32, 'k')));
  return *key;
}

void ReadContainer(std::string_view data) {
  auto header = sealed::ParseSealedHeader(data);
  if (!header.ok()) {
    // Still push the raw bytes through the incremental reader.
    sealed::SealedReader reader;
    (void)reader.Update(data);
    (void)reader.Finish();
    return;
  }
  std::string resigned = header->signed_header;
  resigned += *TestSigner().Sign(header->signed_header);
  resigned.append(data.substr(header->size));

  sealed::SealedReader reader;
  // Feed in uneven pieces so buffering across calls is exercised.
  size_t pos = 0, step = 1 + data.size() % 97;
  while (!reader.has_header() && pos < resigned.size()) {
    if (!reader.Update(std::string_view(resigned).substr(pos, step)).ok()) {
      return;
    }
    pos += step;
  }
  if (!reader.has_header()) return;
  if (!reader.VerifySignature(*TestSigner().GetVerifier()).ok())
    __builtin_trap();
  if (!reader.SetContentKey(TestContentKey()).ok()) return;
  for (; pos < resigned.size(); pos += step) {
    if (!reader.Update(std::string_view(resigned).substr(pos, step)).ok()) {
      return;
    }
    (void)reader.TakeOutput();
  }
  (void)reader.Finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto license = sealed::ParseLicense(bytes);
  if (license.ok()) {
    // Canonical: what parses re-serializes to the same bytes.
    auto again = sealed::SerializeLicense(*license);
    if (!again.ok() || *again != bytes) __builtin_trap();
  }
  ReadContainer(bytes);
  return 0;
}
