// RETURN_IF_ERROR and ASSIGN_OR_RETURN, the two ways stowage propagates an
// absl::Status up the stack.
//
//   RETURN_IF_ERROR(WriteFileAtomic(path, data));
//   ASSIGN_OR_RETURN(std::string text, ReadFile(path));

#ifndef STOWAGE_LIB_BASE_STATUS_MACROS_H_
#define STOWAGE_LIB_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status stowage_status_ = (expr);         \
    if (!stowage_status_.ok()) return stowage_status_; \
  } while (0)

#define STOWAGE_CONCAT_INNER_(a, b) a##b
#define STOWAGE_CONCAT_(a, b) STOWAGE_CONCAT_INNER_(a, b)

#define ASSIGN_OR_RETURN(lhs, expr) \
  STOWAGE_ASSIGN_OR_RETURN_IMPL_(STOWAGE_CONCAT_(stowage_or_, __LINE__), lhs, expr)

#define STOWAGE_ASSIGN_OR_RETURN_IMPL_(var, lhs, expr) \
  auto var = (expr);                                   \
  if (!var.ok()) return var.status();                  \
  lhs = std::move(var).value()

namespace stowage {

// The same status with "context: " in front of its message.
inline absl::Status Annotate(const absl::Status& s, absl::string_view context) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(context, ": ", s.message()));
}

}  // namespace stowage

#endif  // STOWAGE_LIB_BASE_STATUS_MACROS_H_
