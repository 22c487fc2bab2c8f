// Small local versions of the status helpers Abseil 20220623 does not ship.
#ifndef CAIRN_NODE_COMMON_STATUS_MACROS_H_
#define CAIRN_NODE_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CAIRN_CONCAT_INNER_(a, b) a##b
#define CAIRN_CONCAT_(a, b) CAIRN_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define CAIRN_RETURN_IF_ERROR(expr)                  \
  do {                                               \
    if (absl::Status cairn_status_ = (expr);         \
        !cairn_status_.ok()) {                       \
      return cairn_status_;                          \
    }                                                \
  } while (0)

// `CAIRN_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from an OK StatusOr, or returns its error.
#define CAIRN_ASSIGN_OR_RETURN(lhs, expr) \
  CAIRN_ASSIGN_OR_RETURN_IMPL_(CAIRN_CONCAT_(cairn_statusor_, __LINE__), lhs, expr)

#define CAIRN_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = *std::move(statusor)

#endif  // CAIRN_NODE_COMMON_STATUS_MACROS_H_
