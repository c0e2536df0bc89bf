#include "base/status.h"

#include "base/enum_names.h"

namespace sealpost {

std::string_view StatusCodeName(StatusCode code) {
  static constexpr NameTable<StatusCode, 13> kNames = {{
      {StatusCode::kOk, "OK"},
      {StatusCode::kInvalidArgument, "INVALID_ARGUMENT"},
      {StatusCode::kNotFound, "NOT_FOUND"},
      {StatusCode::kAlreadyExists, "ALREADY_EXISTS"},
      {StatusCode::kPermissionDenied, "PERMISSION_DENIED"},
      {StatusCode::kUnauthenticated, "UNAUTHENTICATED"},
      {StatusCode::kFailedPrecondition, "FAILED_PRECONDITION"},
      {StatusCode::kResourceExhausted, "RESOURCE_EXHAUSTED"},
      {StatusCode::kUnavailable, "UNAVAILABLE"},
      {StatusCode::kDeadlineExceeded, "DEADLINE_EXCEEDED"},
      {StatusCode::kDataLoss, "DATA_LOSS"},
      {StatusCode::kUnimplemented, "UNIMPLEMENTED"},
      {StatusCode::kInternal, "INTERNAL"},
  }};
  return NameOf(kNames, code, "UNKNOWN");
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
