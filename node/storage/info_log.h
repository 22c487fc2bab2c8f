// RocksDB's info log for the store: the LOG file in the data directory, written so that a full
// disk costs log lines and nothing else.
#ifndef CAIRN_NODE_STORAGE_INFO_LOG_H_
#define CAIRN_NODE_STORAGE_INFO_LOG_H_

#include <cstdio>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/env.h"

namespace cairn {

// Appends RocksDB's messages to `dir`/LOG with plain stdio, dropping a line it cannot write.
// RocksDB's own LOG writer (EnvLogger in 7.8) asserts when written to after a failed write, and
// Debian's librocksdb keeps its assertions: with it, the first message after the disk filled
// aborted the node. Thread-safe.
class InfoLog : public rocksdb::Logger {
 public:
  // Moves an earlier LOG to LOG.old (replacing it), as RocksDB rotates on open, and starts a new
  // one. Never fails: when the file cannot be opened, messages are dropped.
  static std::shared_ptr<InfoLog> Open(const std::string& dir);
  ~InfoLog() override;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  void Flush() override;

 private:
  explicit InfoLog(std::FILE* file) : file_(file) {}

  absl::Mutex mu_;
  std::FILE* const file_ ABSL_GUARDED_BY(mu_);  // null: messages are dropped
};

}  // namespace cairn

#endif  // CAIRN_NODE_STORAGE_INFO_LOG_H_
