#include "base/status.h"

namespace sealpost {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kDataLoss:
      return "DATA_LOSS";
    case StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case StatusCode::kInternal:
      return "INTERNAL";
  }
  return "UNKNOWN";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string m(context);
  m += ": ";
  m += message_;
  Status out = *this;
  out.message_ = std::move(m);
  return out;
}

#define SP_DEFINE_ERROR_(Name, Code)                     \
  Status Name(std::string message) {                     \
    return Status(StatusCode::Code, std::move(message)); \
  }
SP_DEFINE_ERROR_(InvalidArgumentError, kInvalidArgument)
SP_DEFINE_ERROR_(NotFoundError, kNotFound)
SP_DEFINE_ERROR_(AlreadyExistsError, kAlreadyExists)
SP_DEFINE_ERROR_(PermissionDeniedError, kPermissionDenied)
SP_DEFINE_ERROR_(UnauthenticatedError, kUnauthenticated)
SP_DEFINE_ERROR_(FailedPreconditionError, kFailedPrecondition)
SP_DEFINE_ERROR_(ResourceExhaustedError, kResourceExhausted)
SP_DEFINE_ERROR_(UnavailableError, kUnavailable)
SP_DEFINE_ERROR_(DeadlineExceededError, kDeadlineExceeded)
SP_DEFINE_ERROR_(DataLossError, kDataLoss)
SP_DEFINE_ERROR_(UnimplementedError, kUnimplemented)
SP_DEFINE_ERROR_(InternalError, kInternal)
#undef SP_DEFINE_ERROR_

}  // namespace sealpost
