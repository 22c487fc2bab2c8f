// Opaque page tokens: where the next page of a listing starts.
#ifndef CAIRN_NODE_COMMON_PAGE_TOKEN_H_
#define CAIRN_NODE_COMMON_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cairn {

// A token for the listing called `kind` ("lessons", "audit", ...) that resumes at `position`.
std::string EncodePageToken(absl::string_view kind, absl::string_view position);

// The position in `token`; INVALID_ARGUMENT "page_token: ..." when it is not a token this node
// gave out for `kind`.
absl::StatusOr<std::string> DecodePageToken(absl::string_view kind, absl::string_view token);

}  // namespace cairn

#endif  // CAIRN_NODE_COMMON_PAGE_TOKEN_H_
