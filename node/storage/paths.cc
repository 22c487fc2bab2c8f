#include "node/storage/paths.h"

#include <algorithm>

namespace cairn {

std::filesystem::path ResolvedPath(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path resolved = fs::weakly_canonical(fs::absolute(path), error);
  if (error) resolved = fs::absolute(path).lexically_normal();
  if (!resolved.has_filename()) resolved = resolved.parent_path();  // a trailing separator
  return resolved;
}

bool PathWithin(const std::filesystem::path& path, const std::filesystem::path& dir) {
  return std::mismatch(dir.begin(), dir.end(), path.begin(), path.end()).first == dir.end();
}

}  // namespace cairn
