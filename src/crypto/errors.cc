#include "crypto/errors.h"

namespace sealpost::crypto {

Status DecryptionFailedError() {
  return InvalidArgumentError(kDecryptionFailedMessage);
}

bool IsDecryptionFailed(const Status& status) {
  return status == DecryptionFailedError();
}

}  // namespace sealpost::crypto
