// Protection core benchmark: protect + open of 4 KB and 1 MB messages per
// second (SealWithKeys + OpenWithKeys: per-message content key, license
// signing, streaming AEAD), and a 100 MB message sealed and opened through
// the streaming writer/reader with the peak RSS printed. bench/run prints
// these beside `openssl speed` of the same primitives, from the same run.
//
// Output: one "key value" per line, for bench/run to tabulate.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/process.h"
#include "crypto/key_hierarchy.h"
#include "crypto/master_key.h"
#include "crypto/random.h"
#include "sealed/license.h"
#include "sealed/seal.h"
#include "sealed/sealed_reader.h"
#include "sealed/sealed_writer.h"

namespace sealpost {
namespace {

long PeakRssKiB() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

sealed::PublishingLicense License(const std::string& id) {
  sealed::PublishingLicense l;
  l.issuer = "https://bench";
  l.message_id = id;
  l.owner = "alice@example.com";
  l.template_name = "Encrypt";
  l.grants = {{"user:bob@example.com", {"VIEW", "REPLY", "FORWARD"}}};
  l.issued_at = 1;
  return l;
}

int ProtectOpen(const crypto::KeyHierarchy& keys, size_t size, double seconds) {
  std::string message(size, 'x');
  auto start = std::chrono::steady_clock::now();
  int n = 0;
  double elapsed = 0;
  while (elapsed < seconds) {
    auto sealed =
        sealed::SealWithKeys(License("m" + std::to_string(n)), keys, message);
    if (!sealed.ok()) std::abort();
    auto opened = sealed::OpenWithKeys(*sealed, keys);
    if (!opened.ok() || opened->message.size() != size) std::abort();
    ++n;
    elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
  }
  std::printf("protect_open_%zu_per_s %.1f\n", size, n / elapsed);
  std::printf("protect_open_%zu_MB_per_s %.1f\n", size,
              n * static_cast<double>(size) / elapsed / 1e6);
  return 0;
}

void Streaming(const crypto::KeyHierarchy& keys, size_t total) {
  long before = PeakRssKiB();
  sealed::PublishingLicense lic = License("big");
  SecretBytes ck = crypto::KeyHierarchy::NewContentKey();
  auto wrapped = keys.WrapContentKey(ck, lic.message_id);
  lic.key_version = wrapped->key_version;
  lic.wrapped_content_key = wrapped->wrapped;
  auto signer = keys.GetSigner(lic.key_version);
  sealed::SealedWriter writer;
  sealed::SealedReader reader;
  std::string chunk(1 << 20, 'y');
  size_t out_bytes = 0;
  bool keyed = false;
  auto feed = [&](const std::string& ct) {
    if (reader.Update(ct).ok() == false) std::abort();
    if (!keyed && reader.has_header()) {
      if (!reader.VerifySignature(*keys.GetVerifier(lic.key_version)).ok() ||
          !reader.SetContentKey(ck).ok()) {
        std::abort();
      }
      keyed = true;
    }
    out_bytes += reader.TakeOutput().size();
  };
  auto start = std::chrono::steady_clock::now();
  feed(*writer.Begin(lic, *signer, ck));
  for (size_t done = 0; done < total; done += chunk.size()) {
    feed(*writer.Update(chunk));
  }
  feed(*writer.Finish());
  if (!reader.Finish().ok()) std::abort();
  out_bytes += reader.TakeOutput().size();
  double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (out_bytes != total) std::abort();
  std::printf("stream_%zuMB_seconds %.2f\n", total >> 20, s);
  std::printf("stream_%zuMB_MB_per_s %.1f\n", total >> 20, total / s / 1e6);
  std::printf("stream_rss_before_KiB %ld\n", before);
  std::printf("stream_rss_peak_KiB %ld\n", PeakRssKiB());
}

}  // namespace
}  // namespace sealpost

int main(int argc, char** argv) {
  using namespace sealpost;
  TuneAllocatorForLargeBuffers();  // as the sealpost binary does
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  auto keys = crypto::KeyHierarchy::Create(crypto::MasterKey::Generate());
  if (!keys.ok()) return 1;
  ProtectOpen(**keys, 4 << 10, seconds);
  ProtectOpen(**keys, 1 << 20, seconds);
  Streaming(**keys, size_t{100} << 20);
  return 0;
}
