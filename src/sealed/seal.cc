#include "sealed/seal.h"

#include <utility>

#include "crypto/errors.h"
#include "sealed/container.h"
#include "sealed/sealed_reader.h"
#include "sealed/sealed_writer.h"

namespace sealpost::sealed {

Result<std::string> Seal(const PublishingLicense& license,
                         const crypto::Signer& signer,
                         const SecretBytes& content_key,
                         std::string_view message) {
  SealedWriter writer;
  SP_ASSIGN_OR_RETURN(std::string out,
                      writer.Begin(license, signer, content_key));
  // The container in one buffer sized up front (each 64 KiB segment adds a
  // tag), filled a slice at a time: no second whole-message ciphertext.
  out.reserve(out.size() + message.size() + (message.size() >> 10) + 4096);
  constexpr size_t kSlice = 1 << 20;
  for (size_t at = 0; at < message.size(); at += kSlice) {
    SP_ASSIGN_OR_RETURN(std::string body,
                        writer.Update(message.substr(at, kSlice)));
    out += body;
  }
  SP_ASSIGN_OR_RETURN(std::string tail, writer.Finish());
  out += tail;
  return out;
}

namespace {

// A new message's keys: a fresh content key, wrapped into `license` under
// the primary key version, and the signer of that version.
struct NewMessageKeys {
  SecretBytes content_key;
  crypto::Signer signer;
};

Result<NewMessageKeys> NewKeysFor(PublishingLicense& license,
                                  const crypto::KeyHierarchy& keys) {
  SecretBytes content_key = crypto::KeyHierarchy::NewContentKey();
  SP_ASSIGN_OR_RETURN(crypto::WrappedContentKey wrapped,
                      keys.WrapContentKey(content_key, license.message_id));
  license.key_version = wrapped.key_version;
  license.wrapped_content_key = std::move(wrapped.wrapped);
  SP_ASSIGN_OR_RETURN(crypto::Signer signer,
                      keys.GetSigner(license.key_version));
  return NewMessageKeys{std::move(content_key), std::move(signer)};
}

}  // namespace

Result<std::string> SealWithKeys(PublishingLicense license,
                                 const crypto::KeyHierarchy& keys,
                                 std::string_view message) {
  SP_ASSIGN_OR_RETURN(NewMessageKeys k, NewKeysFor(license, keys));
  return Seal(license, k.signer, k.content_key, message);
}

Result<std::string> SealWithKeysStreamed(
    PublishingLicense license, const crypto::KeyHierarchy& keys,
    ByteSource& message, const std::function<Status(std::string_view)>& out) {
  SP_ASSIGN_OR_RETURN(NewMessageKeys k, NewKeysFor(license, keys));
  SealedWriter writer;
  SP_ASSIGN_OR_RETURN(std::string header,
                      writer.Begin(license, k.signer, k.content_key));
  SP_RETURN_IF_ERROR(out(header));
  constexpr size_t kSlice = 256 * 1024;
  std::string slice;
  for (;;) {
    slice.clear();
    SP_ASSIGN_OR_RETURN(size_t n, message.Read(kSlice, &slice));
    if (n == 0) break;
    SP_ASSIGN_OR_RETURN(std::string sealed, writer.Update(slice));
    SP_RETURN_IF_ERROR(out(sealed));
  }
  SP_ASSIGN_OR_RETURN(std::string tail, writer.Finish());
  SP_RETURN_IF_ERROR(out(tail));
  return header;
}

namespace {

// After the signature check: decrypts the stream that follows the header.
Result<OpenedMessage> DecryptRest(SealedReader& reader, std::string_view rest,
                                  const SecretBytes& content_key) {
  SP_RETURN_IF_ERROR(reader.SetContentKey(content_key));
  SP_RETURN_IF_ERROR(reader.Update(rest));
  SP_RETURN_IF_ERROR(reader.Finish());
  return OpenedMessage{reader.license(), reader.TakeOutput()};
}

// Feeds exactly the header to a reader; returns what follows it.
Result<std::string_view> ReadHeader(SealedReader& reader,
                                    std::string_view container) {
  size_t needed = 0;
  auto header = ParseSealedHeader(container, &needed);
  if (!header.ok()) {
    if (IsIncompleteHeader(header.status())) {
      return crypto::DecryptionFailedError();
    }
    return header.status();
  }
  SP_RETURN_IF_ERROR(reader.Update(container.substr(0, header->size)));
  return container.substr(header->size);
}

}  // namespace

Result<OpenedMessage> Open(std::string_view container,
                           const crypto::Verifier& verifier,
                           const SecretBytes& content_key) {
  SealedReader reader;
  SP_ASSIGN_OR_RETURN(std::string_view rest, ReadHeader(reader, container));
  SP_RETURN_IF_ERROR(reader.VerifySignature(verifier));
  return DecryptRest(reader, rest, content_key);
}

Result<OpenedMessage> OpenWithKeys(std::string_view container,
                                   const crypto::KeyHierarchy& keys) {
  SealedReader reader;
  SP_ASSIGN_OR_RETURN(std::string_view rest, ReadHeader(reader, container));
  const PublishingLicense& license = reader.license();
  auto verifier = keys.GetVerifier(license.key_version);
  if (!verifier.ok()) return crypto::DecryptionFailedError();
  // Verify before unwrapping: the license names the key and message id.
  SP_RETURN_IF_ERROR(reader.VerifySignature(*verifier));
  SP_ASSIGN_OR_RETURN(
      SecretBytes content_key,
      keys.UnwrapContentKey(license.wrapped_content_key, license.message_id));
  return DecryptRest(reader, rest, content_key);
}

}  // namespace sealpost::sealed
