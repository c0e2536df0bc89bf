// Status and Result<T>: errors are values (STYLE.md §2). No exceptions cross a
// module boundary; third-party exceptions are caught at the edge and turned
// into a Status here.
//
// Thread-safety: value types; distinct objects may be used from any thread.
#ifndef SEALPOST_BASE_STATUS_H_
#define SEALPOST_BASE_STATUS_H_

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace sealpost {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kFailedPrecondition,
  kResourceExhausted,
  kUnavailable,
  kDeadlineExceeded,
  kDataLoss,
  kUnimplemented,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "INVALID_ARGUMENT: message" (or "OK").
  std::string ToString() const;

  // Prefixes the message with context, keeping the code and the reason.
  Status WithContext(std::string_view context) const;

  // A typed reason, for callers that branch on why (as AIP-193's
  // ErrorInfo.reason): the module that refuses names it with its own enum,
  // and callers ask for that enum; the message stays text for people.
  //   return PermissionDeniedError("revoked").WithReason(Refusal::kRevoked);
  //   if (s.Reason<Refusal>() == Refusal::kRevoked) ...
  template <typename E>
  Status WithReason(E reason) const {
    static_assert(std::is_enum_v<E>, "a reason is an enum value");
    Status out = *this;
    out.reason_type_ = &kReasonType<E>;
    out.reason_ = static_cast<int>(reason);
    return out;
  }
  // The reason, when one of type E was given.
  template <typename E>
  std::optional<E> Reason() const {
    if (reason_type_ != &kReasonType<E>) return std::nullopt;
    return static_cast<E>(reason_);
  }

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_ &&
           a.reason_type_ == b.reason_type_ && a.reason_ == b.reason_;
  }

 private:
  // One address per reason enum: what tells reasons of two enums apart.
  template <typename E>
  static constexpr char kReasonType = 0;

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  const char* reason_type_ = nullptr;  // &kReasonType<E>, or none
  int reason_ = 0;
};

Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnauthenticatedError(std::string message);
Status FailedPreconditionError(std::string message);
Status ResourceExhaustedError(std::string message);
Status UnavailableError(std::string message);
Status DeadlineExceededError(std::string message);
Status DataLossError(std::string message);
Status UnimplementedError(std::string message);
Status InternalError(std::string message);

// Either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sealpost

#define SP_CONCAT_INNER_(a, b) a##b
#define SP_CONCAT_(a, b) SP_CONCAT_INNER_(a, b)

#define SP_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::sealpost::Status sp_status_ = (expr);  \
    if (!sp_status_.ok()) return sp_status_; \
  } while (false)

#define SP_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#define SP_ASSIGN_OR_RETURN(lhs, expr) \
  SP_ASSIGN_OR_RETURN_IMPL_(SP_CONCAT_(sp_result_, __LINE__), lhs, expr)

#endif  // SEALPOST_BASE_STATUS_H_
