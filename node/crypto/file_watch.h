// Noticing that files were replaced or rewritten, so certificates, keys, trust bundles and
// revocation lists are re-read as operators rotate them, without a restart.
#ifndef CAIRN_NODE_CRYPTO_FILE_WATCH_H_
#define CAIRN_NODE_CRYPTO_FILE_WATCH_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
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

}  // namespace cairn::crypto

#endif  // CAIRN_NODE_CRYPTO_FILE_WATCH_H_
