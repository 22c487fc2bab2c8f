// Noticing that files were replaced or rewritten, so certificates, keys, trust bundles and
// revocation lists are re-read as operators rotate them, without a restart.
#ifndef CAIRN_NODE_CRYPTO_FILE_WATCH_H_
#define CAIRN_NODE_CRYPTO_FILE_WATCH_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/common/clock.h"

namespace cairn::crypto {

// Watches a few files by their identity, size and modification time (a rename into place and a
// rewrite in place both change them). Looks at most once per `interval`, so a caller may ask on
// every use. Thread-safe.
class FileWatch {
 public:
  // An interval of zero never looks again: the files are read once.
  FileWatch(std::vector<std::string> files, absl::Duration interval, Clock* clock);

  // How the files look now.
  std::string Look() const;
  // How the files look now, when that differs from what was last accepted; nullopt when not, or
  // when asked again within the interval (without looking).
  std::optional<std::string> Changed();
  // Records `look` (taken before the caller read the files) as read, so a change made while the
  // caller read them is still noticed next time.
  void Accept(std::string look);

 private:
  const std::vector<std::string> files_;
  const absl::Duration interval_;
  Clock* const clock_;
  absl::Mutex mu_;
  std::string accepted_ ABSL_GUARDED_BY(mu_);
  absl::Time next_look_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// A value read from files (a key pair, a trust store), read again when they change. A reading that
// fails (a file caught half-written, a key that is not the certificate's) leaves the last good
// value in force, is reported by last_error(), and is tried again at the next look. Thread-safe.
template <typename T>
class Reloading {
 public:
  using Reader = std::function<absl::StatusOr<std::shared_ptr<const T>>()>;

  Reloading(std::vector<std::string> files, absl::Duration interval, Clock* clock, Reader read)
      : watch_(std::move(files), interval, clock), read_(std::move(read)) {}

  // The first reading: the reader's error when it fails.
  absl::Status Load() {
    std::string look = watch_.Look();
    absl::StatusOr<std::shared_ptr<const T>> value = read_();
    if (!value.ok()) return value.status();
    watch_.Accept(std::move(look));
    absl::MutexLock lock(&mu_);
    value_ = *std::move(value);
    return absl::OkStatus();
  }

  // The value as last read, after reading the files again if they changed.
  std::shared_ptr<const T> Current() const {
    if (std::optional<std::string> look = watch_.Changed()) {
      // One reading at a time, so a slow one cannot put an older value back after a newer one.
      absl::MutexLock reloading(&reload_mu_);
      absl::StatusOr<std::shared_ptr<const T>> value = read_();
      absl::MutexLock lock(&mu_);
      if (value.ok()) {
        value_ = *std::move(value);
        last_error_.clear();
        watch_.Accept(*std::move(look));
      } else {
        last_error_ = std::string(value.status().message());
      }
    }
    absl::MutexLock lock(&mu_);
    return value_;
  }

  // Why the files, changed, could not be used (yet); empty when they could.
  std::string last_error() const {
    Current();
    absl::MutexLock lock(&mu_);
    return last_error_;
  }

 private:
  mutable FileWatch watch_;
  const Reader read_;
  mutable absl::Mutex reload_mu_;  // held while reading the files; taken before mu_
  mutable absl::Mutex mu_;
  mutable std::shared_ptr<const T> value_ ABSL_GUARDED_BY(mu_);
  mutable std::string last_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cairn::crypto

#endif  // CAIRN_NODE_CRYPTO_FILE_WATCH_H_
