// An attachment download: the part is read from the stored container a
// segment at a time (decrypted, authenticated and decoded as it goes) and
// sent a slice at a time, so memory holds one slice whatever its size and
// no plaintext touches the disk. The visitor's session, the message's PIN
// and the use license (checked and audited, as every open) come first.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "base/byte_source.h"
#include "base/memory_budget.h"
#include "base/string_source.h"
#include "crypto/signature.h"
#include "mime/part_stream.h"
#include "portal/opened.h"
#include "portal/portal.h"
#include "portal/web.h"
#include "sealed/plaintext_source.h"
#include "sealed/sealed_reader.h"
#include "store/body_store.h"

namespace sealpost::portal {
namespace {

// A portal copy read from the store: a large one from its body file
// (SQLite) or chunks (PostgreSQL) a piece at a time, else from its row,
// which is then held in memory (a copy small enough to be kept there).
// nullopt when no copy was kept.
Result<std::optional<std::unique_ptr<ByteSource>>> OpenCopy(
    store::Store& store, const std::string& id) {
  using Copy = std::optional<std::unique_ptr<ByteSource>>;
  if (store::BodyStore* bodies = store::BodyStoreOf(store)) {
    auto file = bodies->OpenBody(store::BodyKind::kPortal, id);
    if (file.ok()) return Copy(std::move(*file));
    if (file.status().code() != StatusCode::kNotFound) return file.status();
  }
  SP_ASSIGN_OR_RETURN(auto row, store.GetPortalCopy(id));
  if (!row.has_value()) return Copy();
  return Copy(StringSource::Holding(std::move(*row)));
}

// What a sealed copy holds in memory at its peak, per byte of its part:
// the part, then the container sealed from it and sent (measured: a 20 MB
// part grew the server by 21-33 MB a download).
constexpr int64_t kSealedCopyBytesPerByte = 3;

// Sealed copies per reader and message per hour: each is a record of its
// own (it ends with the message), so a reader downloading in a loop must
// not add rows without end.
constexpr int kSealedCopiesPerHour = 30;

http::Response Busy(const Chrome& chrome) {
  http::Response r =
      NoticeResponse(503, "This attachment can't be downloaded now",
                     "The server is busy. Try again in a moment.", chrome);
  r.headers.emplace_back("Retry-After", "5");
  return r;
}

}  // namespace

Result<std::optional<std::string>> PortalCopyHeader(store::Store& store,
                                                    const std::string& id) {
  SP_ASSIGN_OR_RETURN(auto source, OpenCopy(store, id));
  using Header = std::optional<std::string>;
  if (!source.has_value()) return Header();
  sealed::ReadFn read = sealed::ReadOf(**source);
  std::string head;
  // Whole or not: a damaged copy's license request fails on what there is.
  if (auto whole = sealed::ReadHeader(read, &head); !whole.ok()) {
    return whole.status();
  }
  return Header(std::move(head));
}

// An attachment: decrypted when the rights allow it (streamed), otherwise
// sealed on its own for the same recipients (opens with `sealpost open`).
http::Response Portal::MessagePart(http::Request& req) {
  Visitor v = Identify(req);
  const std::string& id = req.params["id"];
  auto r = OpenFor(services_, req, id, v, "/m/" + id, /*decrypt=*/false);
  if (auto* page = Ended(r)) return std::move(*page);
  Opened& o = std::get<Opened>(r);
  Chrome chrome{"", &o.brand, &v};
  int index = -1;
  try {
    index = std::stoi(req.params["n"]);
  } catch (...) {
  }
  auto verifier =
      o.license.verifier.has_value()
          ? Result<crypto::Verifier>(*o.license.verifier)
          : crypto::Verifier::FromPublicKey(o.license.signing_public_key);
  auto copy = OpenCopy(*services_.store, id);
  if (!copy.ok() || !copy->has_value()) {
    return NoticeResponse(503, "The portal is unavailable",
                          "Please try again in a few minutes.", chrome);
  }
  if (!verifier.ok()) {
    return NoticeResponse(500, "This message is damaged", "", chrome);
  }
  // Opening reads the whole container once: a damaged one fails here,
  // before the first byte is sent.
  auto part = mime::OpenPart(
      std::make_unique<sealed::PlaintextSource>(
          std::move(**copy), *std::move(verifier), o.license.content_key),
      index);
  if (!part.ok()) {
    if (part.status().code() == StatusCode::kNotFound) {
      return http::Response::Text(404, "no such attachment\n");
    }
    return NoticeResponse(500, "This message is damaged", "", chrome);
  }
  http::Response out;
  out.headers.emplace_back("Cache-Control", "no-store");
  out.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; sandbox");
  std::string name = (*part)->filename();
  if (DecryptedDownloads(services_, o)) {
    out.content_type = "application/octet-stream";
    out.stream = std::make_shared<http::OwningBodyStream<mime::PartStream>>(
        std::move(*part));
  } else {
    // Sealed on its own: the writer takes the part whole (as before),
    // counted against server.https_max_memory_bytes as it is read (was:
    // 48 parallel downloads of a 20 MB part grew the server by 1 GB).
    std::string bytes;
    for (;;) {
      auto n = (*part)->Read(1 << 20, &bytes);
      if (!n.ok()) {
        return NoticeResponse(500, "This message is damaged", "", chrome);
      }
      if (*n == 0) break;
      if (req.memory != nullptr &&
          !req.memory->GrowTo(kSealedCopyBytesPerByte *
                              static_cast<int64_t>(bytes.size()))) {
        return Busy(chrome);
      }
    }
    // Counted once the part is read and fits: a 503 above spends none.
    auto allowed = services_.store->TakeRateLimit(
        "sealed_copy:" + v.email + "\n" + id, kSealedCopiesPerHour, 3600,
        services_.clock->NowUnix());
    if (!allowed.ok()) {
      return NoticeResponse(503, "The portal is unavailable",
                            "Please try again in a few minutes.", chrome);
    }
    if (!*allowed) {
      return NoticeResponse(429, "Too many downloads",
                            "This message's attachments were downloaded " +
                                std::to_string(kSealedCopiesPerHour) +
                                " times in the last hour. Try again later.",
                            chrome);
    }
    license::ProtectRequest pr;
    pr.sender = o.record.owner;
    pr.template_name = o.record.template_id;
    pr.recipients =
        license::RecipientsOf(o.record);  // the message's own recipients
    pr.message = std::move(bytes);
    pr.authorized_by_policy = true;
    pr.expires_at = o.record.expires_at;
    pr.branding = o.record.branding;
    pr.subject = "Attachment " + name;
    // The message's own: revoking it, or its expiry (set later too, or
    // portal.retention_days), ends the copy, as with a forward (was: a
    // message of its own that outlived both), and a mail client is
    // refused its key when the message asks for a PIN (key_release.cc).
    pr.parent_id = o.record.id;
    auto sealed = services_.licenses->Protect(pr);
    if (!sealed.ok()) {
      return NoticeResponse(503, "This attachment can't be downloaded now",
                            sealed.status().message(), chrome);
    }
    out.content_type = "application/vnd.sealpost.sealed";
    out.body = std::move(sealed->container);
    name += ".sealed";
  }
  out.headers.emplace_back("Content-Disposition",
                           http::AttachmentDisposition(name));
  return out;
}

}  // namespace sealpost::portal
