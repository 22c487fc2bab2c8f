// Paths of databases and their backups: where one lies relative to another.
#ifndef CAIRN_NODE_STORAGE_PATHS_H_
#define CAIRN_NODE_STORAGE_PATHS_H_

#include <filesystem>
#include <string>

namespace cairn {

// `path` made absolute (against the working directory) and normal, through symbolic links as far
// as it exists, without a trailing separator.
std::filesystem::path ResolvedPath(const std::string& path);

// Whether `path` is `dir` or lies under it; both as ResolvedPath gives them.
bool PathWithin(const std::filesystem::path& path, const std::filesystem::path& dir);

}  // namespace cairn

#endif  // CAIRN_NODE_STORAGE_PATHS_H_
