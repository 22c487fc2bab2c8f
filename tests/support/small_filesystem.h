// A size-limited tmpfs mounted on a fresh directory, for tests of a full disk. Mounting needs
// root (CAP_SYS_ADMIN), as CI has; elsewhere Mount says why it failed and tests skip.
#ifndef CAIRN_TESTS_SUPPORT_SMALL_FILESYSTEM_H_
#define CAIRN_TESTS_SUPPORT_SMALL_FILESYSTEM_H_

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tests/support/temp_dir.h"

namespace cairn::testing {

// Not thread-safe. The destructor unmounts (lazily, should a process still hold a file there).
class SmallFilesystem {
 public:
  explicit SmallFilesystem(uint64_t bytes) : bytes_(bytes) {}
  ~SmallFilesystem() {
    if (mounted_) umount2(dir_.path().c_str(), MNT_DETACH);
  }
  SmallFilesystem(const SmallFilesystem&) = delete;
  SmallFilesystem& operator=(const SmallFilesystem&) = delete;

  // PERMISSION_DENIED, with the reason, when this process may not mount.
  absl::Status Mount() {
    std::string options = absl::StrCat("size=", bytes_);
    if (mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) != 0) {
      return absl::PermissionDeniedError(absl::StrCat("cannot mount a ", bytes_, "-byte tmpfs on ",
                                                      dir_.path(), ": ", std::strerror(errno),
                                                      " (mounting needs root)"));
    }
    mounted_ = true;
    return absl::OkStatus();
  }

  const std::string& path() const { return dir_.path(); }

  // Writes `bytes` bytes to the file `name` here (tmpfs gives each written page room at once).
  absl::Status WriteFile(const std::string& name, uint64_t bytes) const {
    std::string path = dir_.path() + "/" + name;
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return absl::InternalError(absl::StrCat("cannot create ", path));
    std::string block(64 * 1024, 'x');
    for (uint64_t written = 0; written < bytes;) {
      ssize_t n = write(fd, block.data(), std::min<uint64_t>(block.size(), bytes - written));
      if (n <= 0) {
        close(fd);
        return absl::ResourceExhaustedError(absl::StrCat(
            "writing ", path, ": ", written, " bytes written, then ", std::strerror(errno)));
      }
      written += n;
    }
    close(fd);
    return absl::OkStatus();
  }

  uint64_t FreeBytes() const {
    struct statvfs stats;
    if (statvfs(dir_.path().c_str(), &stats) != 0) return 0;
    return static_cast<uint64_t>(stats.f_bavail) * stats.f_frsize;
  }

 private:
  const uint64_t bytes_;
  TempDir dir_;
  bool mounted_ = false;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_SMALL_FILESYSTEM_H_
