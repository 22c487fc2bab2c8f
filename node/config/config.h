// Reading and checking the node's configuration file (protobuf text format, cairn.v1.NodeConfig).
#ifndef CAIRN_NODE_CONFIG_CONFIG_H_
#define CAIRN_NODE_CONFIG_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cairn/v1/config.pb.h"

namespace cairn {

// Parses and validates the file at `path`; relative file paths inside it are resolved against the
// file's directory. INVALID_ARGUMENT naming the line and column, or the field, of the first
// problem; NOT_FOUND when the file cannot be read.
absl::StatusOr<v1::NodeConfig> LoadNodeConfig(const std::string& path);

// Parses text-format `text`; `source` names it in error messages.
absl::StatusOr<v1::NodeConfig> ParseNodeConfig(const std::string& text, const std::string& source);

// The checks LoadNodeConfig applies after parsing.
absl::Status ValidateNodeConfig(const v1::NodeConfig& config);

// Whether tls.cert_file holds this node's own certificate (the node certificate of org_id in
// federation), valid at `now`; cairnd checks it as it starts. FAILED_PRECONDITION naming
// tls.cert_file, the file and the problem (see CheckNodeCertificate).
absl::Status CheckOwnCertificate(const v1::NodeConfig& config, absl::Time now);

}  // namespace cairn

#endif  // CAIRN_NODE_CONFIG_CONFIG_H_
