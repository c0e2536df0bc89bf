#include "crypto/streaming_aead.h"

#include <algorithm>
#include <utility>

#include "base/encoding.h"
#include "crypto/aes_gcm.h"
#include "crypto/errors.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"

namespace sealpost::crypto {
namespace {

// The 4-byte segment index bounds a stream to 2^32 segments (256 TiB).
constexpr uint64_t kMaxSegments = uint64_t{1} << 32;

Result<SecretBytes> DeriveStreamKey(const SecretBytes& key,
                                    std::string_view salt) {
  return HkdfSha256(key.InsecureBytes(), AsBytes(salt),
                    AsBytes(kStreamHkdfInfo), kStreamKeySize);
}

std::string SegmentNonce(std::string_view prefix, uint64_t segment, bool last) {
  std::string nonce(prefix);
  for (int shift = 24; shift >= 0; shift -= 8) {
    nonce += static_cast<char>((segment >> shift) & 0xff);
  }
  nonce += static_cast<char>(last ? 1 : 0);
  return nonce;
}

// Hands `input` to `segment` in pieces of `size` bytes, holding back the
// last piece in `buffer` even when full: only Finish knows which segment
// ends the stream (the last one is sealed differently).
template <typename SegmentFn>
Status Segment(std::string& buffer, std::string_view input, size_t size,
               SegmentFn segment) {
  if (!buffer.empty()) {
    size_t take = std::min(size - buffer.size(), input.size());
    buffer.append(input.substr(0, take));
    input.remove_prefix(take);
    if (input.empty()) return Status::Ok();
    SP_RETURN_IF_ERROR(segment(std::string_view(buffer)));
    buffer.clear();
  }
  while (input.size() > size) {
    SP_RETURN_IF_ERROR(segment(input.substr(0, size)));
    input.remove_prefix(size);
  }
  buffer.assign(input);
  return Status::Ok();
}

}  // namespace

// ---- StreamEncryptor -------------------------------------------------------

Result<StreamEncryptor> StreamEncryptor::Create(
    const SecretBytes& key, std::string_view associated_data) {
  SecretBytes salt = RandomBytes(kStreamSaltSize);
  SecretBytes prefix = RandomBytes(kStreamNoncePrefixSize);
  return CreateForTesting(key, associated_data, salt.InsecureStringView(),
                          prefix.InsecureStringView());
}

Result<StreamEncryptor> StreamEncryptor::CreateForTesting(
    const SecretBytes& key, std::string_view associated_data,
    std::string_view salt, std::string_view nonce_prefix) {
  if (key.size() != kStreamKeySize) {
    return InvalidArgumentError("stream key must be 32 bytes");
  }
  if (salt.size() != kStreamSaltSize ||
      nonce_prefix.size() != kStreamNoncePrefixSize) {
    return InvalidArgumentError("bad stream salt or nonce prefix size");
  }
  StreamEncryptor e;
  SP_ASSIGN_OR_RETURN(e.stream_key_, DeriveStreamKey(key, salt));
  e.header_ += static_cast<char>(kStreamVersion);
  e.header_.append(salt);
  e.header_.append(nonce_prefix);
  e.nonce_prefix_ = std::string(nonce_prefix);
  e.associated_data_ = std::string(associated_data);
  return e;
}

Status StreamEncryptor::WriteHeader(std::string* out) {
  if (state_ != State::kNew) {
    return FailedPreconditionError("stream header already written");
  }
  out->append(header_);
  state_ = State::kStreaming;
  return Status::Ok();
}

Status StreamEncryptor::SealSegment(std::string_view plaintext, bool last,
                                    std::string* out) {
  if (segment_ >= kMaxSegments) {
    state_ = State::kFailed;
    return ResourceExhaustedError("stream too long");
  }
  std::string nonce = SegmentNonce(nonce_prefix_, segment_, last);
  Status s = internal::AesGcmSeal(stream_key_.InsecureBytes(), AsBytes(nonce),
                                  plaintext, associated_data_, out);
  if (!s.ok()) {
    state_ = State::kFailed;
    return s;
  }
  ++segment_;
  return Status::Ok();
}

Status StreamEncryptor::Update(std::string_view plaintext, std::string* out) {
  if (state_ != State::kStreaming) {
    return FailedPreconditionError("stream not open for writing");
  }
  return Segment(buffer_, plaintext, kStreamSegmentSize,
                 [&](std::string_view segment) {
                   return SealSegment(segment, /*last=*/false, out);
                 });
}

Status StreamEncryptor::Finish(std::string* out) {
  if (state_ != State::kStreaming) {
    return FailedPreconditionError("stream not open for writing");
  }
  SP_RETURN_IF_ERROR(SealSegment(buffer_, /*last=*/true, out));
  buffer_.clear();
  state_ = State::kDone;
  return Status::Ok();
}

// ---- StreamDecryptor -------------------------------------------------------

Result<StreamDecryptor> StreamDecryptor::Create(
    const SecretBytes& key, std::string_view associated_data) {
  if (key.size() != kStreamKeySize) {
    return InvalidArgumentError("stream key must be 32 bytes");
  }
  StreamDecryptor d;
  d.key_ = key;
  d.associated_data_ = std::string(associated_data);
  return d;
}

Status StreamDecryptor::Fail() {
  state_ = State::kFailed;
  buffer_.clear();
  return DecryptionFailedError();
}

Status StreamDecryptor::OpenSegment(std::string_view segment, bool last,
                                    std::string* out) {
  if (segment_ >= kMaxSegments) return Fail();
  std::string nonce = SegmentNonce(nonce_prefix_, segment_, last);
  if (!internal::AesGcmOpen(stream_key_.InsecureBytes(), AsBytes(nonce),
                            segment, associated_data_, out)
           .ok()) {
    return Fail();
  }
  ++segment_;
  return Status::Ok();
}

Status StreamDecryptor::Update(std::string_view ciphertext, std::string* out) {
  if (state_ == State::kFailed) return DecryptionFailedError();
  if (state_ == State::kDone) {
    return FailedPreconditionError("stream already finished");
  }
  if (state_ == State::kHeader) {
    size_t take =
        std::min(kStreamHeaderSize - buffer_.size(), ciphertext.size());
    buffer_.append(ciphertext.substr(0, take));
    ciphertext.remove_prefix(take);
    if (buffer_.size() < kStreamHeaderSize) return Status::Ok();
    if (static_cast<uint8_t>(buffer_[0]) != kStreamVersion) return Fail();
    auto stream_key = DeriveStreamKey(
        key_, std::string_view(buffer_).substr(1, kStreamSaltSize));
    if (!stream_key.ok()) return Fail();
    stream_key_ = std::move(stream_key).value();
    key_ = SecretBytes();
    nonce_prefix_ = buffer_.substr(1 + kStreamSaltSize);
    buffer_.clear();
    state_ = State::kStreaming;
  }
  return Segment(buffer_, ciphertext, kStreamCiphertextSegmentSize,
                 [&](std::string_view segment) {
                   return OpenSegment(segment, /*last=*/false, out);
                 });
}

Status StreamDecryptor::Finish(std::string* out) {
  if (state_ == State::kFailed) return DecryptionFailedError();
  if (state_ == State::kDone) {
    return FailedPreconditionError("stream already finished");
  }
  if (state_ != State::kStreaming || buffer_.size() < kStreamTagSize) {
    return Fail();
  }
  SP_RETURN_IF_ERROR(OpenSegment(buffer_, /*last=*/true, out));
  buffer_.clear();
  state_ = State::kDone;
  return Status::Ok();
}

}  // namespace sealpost::crypto
