#include "queue/body_cipher.h"

#include <algorithm>

#include "crypto/errors.h"
#include "crypto/random.h"

namespace sealpost::queue {
namespace {

// Plaintext handed to the cipher, and ciphertext read back, per slice.
constexpr size_t kSlice = 1 << 20;

std::string KeyAssociatedData(std::string_view id) {
  std::string ad = "sealpost queue body key";
  ad += '\0';
  ad += id;
  return ad;
}

// A queued body's file, decrypted a slice at a time.
class StoredBodyReader final : public ContentReader {
 public:
  StoredBodyReader(std::unique_ptr<store::BodyReader> file,
                   const crypto::Aead& key, std::string id)
      : file_(std::move(file)), decryptor_(key, std::move(id)) {}

  Result<bool> Next(std::string* out) override {
    const size_t before = out->size();
    while (!done_ && out->size() == before) {
      cipher_.clear();
      SP_ASSIGN_OR_RETURN(size_t n, file_->Read(kSlice, &cipher_));
      if (n == 0) {
        done_ = true;
        SP_RETURN_IF_ERROR(decryptor_.Finish(out));
      } else {
        SP_RETURN_IF_ERROR(decryptor_.Update(cipher_, out));
      }
    }
    return out->size() > before;
  }

 private:
  std::unique_ptr<store::BodyReader> file_;
  BodyDecryptor decryptor_;
  std::string cipher_;
  bool done_ = false;
};

}  // namespace

bool IsStreamedBody(std::string_view ciphertext) {
  return ciphertext.starts_with(kStreamedBodyMagic);
}

Result<BodyEncryptor> BodyEncryptor::Create(const crypto::Aead& content_key,
                                            std::string_view id,
                                            std::string* out) {
  SecretBytes body_key = crypto::RandomBytes(crypto::kStreamKeySize);
  SP_ASSIGN_OR_RETURN(std::string wrapped,
                      content_key.Encrypt(body_key.InsecureStringView(),
                                          KeyAssociatedData(id)));
  SP_ASSIGN_OR_RETURN(crypto::StreamEncryptor stream,
                      crypto::StreamEncryptor::Create(body_key, id));
  out->append(kStreamedBodyMagic);
  out->push_back(static_cast<char>(wrapped.size() >> 8));
  out->push_back(static_cast<char>(wrapped.size() & 0xff));
  out->append(wrapped);
  SP_RETURN_IF_ERROR(stream.WriteHeader(out));
  return BodyEncryptor(std::move(stream));
}

Status BodyEncryptor::Update(std::string_view plaintext, std::string* out) {
  return stream_.Update(plaintext, out);
}

Status BodyEncryptor::Finish(std::string* out) { return stream_.Finish(out); }

Status BodyDecryptor::Update(std::string_view ciphertext, std::string* out) {
  if (stream_) return stream_->Update(ciphertext, out);
  pending_.append(ciphertext);
  if (one_shot_) return Status::Ok();
  const size_t magic = kStreamedBodyMagic.size();
  if (pending_.size() < magic + 2) {
    const size_t n = std::min(pending_.size(), magic);
    one_shot_ = std::string_view(pending_).substr(0, n) !=
                kStreamedBodyMagic.substr(0, n);
    return Status::Ok();
  }
  if (!IsStreamedBody(pending_)) {
    one_shot_ = true;  // the content key's whole ciphertext: at Finish
    return Status::Ok();
  }
  const size_t key_size = (static_cast<uint8_t>(pending_[magic]) << 8) |
                          static_cast<uint8_t>(pending_[magic + 1]);
  if (pending_.size() < magic + 2 + key_size) return Status::Ok();
  SP_ASSIGN_OR_RETURN(
      std::string body_key,
      key_.Decrypt(std::string_view(pending_).substr(magic + 2, key_size),
                   KeyAssociatedData(id_)));
  SP_ASSIGN_OR_RETURN(crypto::StreamDecryptor stream,
                      crypto::StreamDecryptor::Create(
                          SecretBytes::FromStringInsecure(body_key), id_));
  std::fill(body_key.begin(), body_key.end(), '\0');
  stream_.emplace(std::move(stream));
  std::string rest = pending_.substr(magic + 2 + key_size);
  std::string().swap(pending_);
  return stream_->Update(rest, out);
}

Status BodyDecryptor::Finish(std::string* out) {
  if (stream_) return stream_->Finish(out);
  if (!one_shot_) return crypto::DecryptionFailedError();
  SP_ASSIGN_OR_RETURN(std::string plain, key_.Decrypt(pending_, id_));
  std::string().swap(pending_);
  out->append(plain);
  return Status::Ok();
}

Result<std::string> DecryptBody(const crypto::Aead& content_key,
                                std::string_view ciphertext,
                                std::string_view id) {
  if (!IsStreamedBody(ciphertext)) return content_key.Decrypt(ciphertext, id);
  BodyDecryptor d(content_key, std::string(id));
  std::string out;
  SP_RETURN_IF_ERROR(d.Update(ciphertext, &out));
  SP_RETURN_IF_ERROR(d.Finish(&out));
  return out;
}

Status StageEncryptedBody(store::Store& store, const crypto::Aead& content_key,
                          std::string_view id, std::string_view plaintext) {
  return StageEncryptedBody(store, content_key, id, {plaintext});
}

namespace {

// A queue body file being written: the plaintext given is encrypted a
// slice at a time into it (the format's header first).
class EncryptedBodyFile {
 public:
  static Result<EncryptedBodyFile> Start(store::Store& store,
                                         const crypto::Aead& content_key,
                                         std::string_view id) {
    store::BodyStore* bodies = store::BodyStoreOf(store);
    if (bodies == nullptr) return UnimplementedError("no body files");
    SP_ASSIGN_OR_RETURN(auto file,
                        bodies->StartBody(store::BodyKind::kQueue, id));
    std::string out;
    SP_ASSIGN_OR_RETURN(BodyEncryptor enc,
                        BodyEncryptor::Create(content_key, id, &out));
    return EncryptedBodyFile(std::move(file), std::move(enc), std::move(out));
  }

  Status Write(std::string_view plaintext) {
    for (size_t at = 0; at < plaintext.size(); at += kSlice) {
      SP_RETURN_IF_ERROR(enc_.Update(plaintext.substr(at, kSlice), &out_));
      SP_RETURN_IF_ERROR(file_->Append(out_));
      out_.clear();
    }
    return Status::Ok();
  }

  Status Finish() {
    SP_RETURN_IF_ERROR(enc_.Finish(&out_));
    SP_RETURN_IF_ERROR(file_->Append(out_));
    return file_->Finish();
  }

 private:
  EncryptedBodyFile(std::unique_ptr<store::BodyWriter> file, BodyEncryptor enc,
                    std::string out)
      : file_(std::move(file)), enc_(std::move(enc)), out_(std::move(out)) {}
  std::unique_ptr<store::BodyWriter> file_;
  BodyEncryptor enc_;
  std::string out_;  // ciphertext not yet appended (the header at first)
};

}  // namespace

Status StageEncryptedBody(store::Store& store, const crypto::Aead& content_key,
                          std::string_view id,
                          std::initializer_list<std::string_view> pieces) {
  SP_ASSIGN_OR_RETURN(EncryptedBodyFile file,
                      EncryptedBodyFile::Start(store, content_key, id));
  for (std::string_view plaintext : pieces) {
    SP_RETURN_IF_ERROR(file.Write(plaintext));
  }
  return file.Finish();
}

Result<int64_t> StageEncryptedBody(store::Store& store,
                                   const crypto::Aead& content_key,
                                   std::string_view id, std::string_view prefix,
                                   ByteSource& source, std::string* head,
                                   size_t head_max) {
  SP_ASSIGN_OR_RETURN(EncryptedBodyFile file,
                      EncryptedBodyFile::Start(store, content_key, id));
  SP_RETURN_IF_ERROR(file.Write(prefix));
  int64_t total = 0;
  std::string slice;
  for (;;) {
    slice.clear();
    SP_ASSIGN_OR_RETURN(size_t n, source.Read(kSlice, &slice));
    if (n == 0) break;
    total += static_cast<int64_t>(n);
    if (head->size() < head_max) {
      head->append(slice, 0, std::min(n, head_max - head->size()));
    }
    SP_RETURN_IF_ERROR(file.Write(slice));
  }
  SP_RETURN_IF_ERROR(file.Finish());
  return total;
}

Result<std::unique_ptr<ContentReader>> OpenStoredBody(
    store::Store& store, const crypto::Aead& content_key, std::string_view id) {
  store::BodyStore* bodies = store::BodyStoreOf(store);
  if (bodies == nullptr) return NotFoundError("bodies are in their rows");
  SP_ASSIGN_OR_RETURN(auto file, bodies->OpenBody(store::BodyKind::kQueue, id));
  return std::unique_ptr<ContentReader>(
      new StoredBodyReader(std::move(file), content_key, std::string(id)));
}

}  // namespace sealpost::queue
