#include "node/storage/info_log.h"

#include <cstdarg>
#include <filesystem>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace cairn {

std::shared_ptr<InfoLog> InfoLog::Open(const std::string& dir) {
  std::error_code ignored;
  std::filesystem::create_directories(dir, ignored);
  const std::string path = dir + "/LOG";
  if (std::filesystem::exists(path, ignored)) std::filesystem::rename(path, path + ".old", ignored);
  return std::shared_ptr<InfoLog>(new InfoLog(std::fopen(path.c_str(), "a")));
}

InfoLog::~InfoLog() {
  absl::MutexLock lock(&mu_);
  if (file_ != nullptr) std::fclose(file_);
}

void InfoLog::Logv(const char* format, va_list ap) {
  char message[2048];
  va_list copy;
  va_copy(copy, ap);
  std::vsnprintf(message, sizeof(message), format, copy);
  va_end(copy);
  std::string line = absl::FormatTime("%Y/%m/%d-%H:%M:%E6S ", absl::Now(), absl::LocalTimeZone());
  line += message;
  if (line.back() != '\n') line += '\n';
  absl::MutexLock lock(&mu_);
  if (file_ == nullptr) return;
  // A short write (a full disk) loses this line; the next one is tried afresh.
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
  std::clearerr(file_);
}

void InfoLog::Flush() {
  absl::MutexLock lock(&mu_);
  if (file_ != nullptr) std::fflush(file_);
}

}  // namespace cairn
