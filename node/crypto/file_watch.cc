#include "node/crypto/file_watch.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"

namespace cairn::crypto {

FileWatch::FileWatch(std::vector<std::string> files, absl::Duration interval, Clock* clock)
    : files_(std::move(files)), interval_(interval), clock_(clock) {}

std::string FileWatch::Look() const {
  std::string fingerprint;
  for (const std::string& file : files_) {
    struct stat info {};
    if (file.empty() || stat(file.c_str(), &info) != 0) {
      absl::StrAppend(&fingerprint, "-;");
      continue;
    }
    absl::StrAppend(&fingerprint, info.st_dev, ":", info.st_ino, ":", info.st_size, ":",
                    info.st_mtim.tv_sec, ".", info.st_mtim.tv_nsec, ":", info.st_ctim.tv_sec, ".",
                    info.st_ctim.tv_nsec, ";");
  }
  return fingerprint;
}

std::optional<std::string> FileWatch::Changed() {
  if (interval_ <= absl::ZeroDuration()) return std::nullopt;
  absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  if (now < next_look_) return std::nullopt;
  next_look_ = now + interval_;
  std::string look = Look();
  if (look == accepted_) return std::nullopt;
  return look;
}

void FileWatch::Accept(std::string look) {
  absl::MutexLock lock(&mu_);
  accepted_ = std::move(look);
}

}  // namespace cairn::crypto
