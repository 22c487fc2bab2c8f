#include "node/storage/health_monitor.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace cairn {
namespace {

// The file a RocksDB message names ("... in /var/lib/cairn/000123.sst offset 4096 ..."), or "".
std::string FileNamed(absl::string_view message) {
  size_t end = message.find(".sst");
  if (end == absl::string_view::npos) return "";
  end += 4;
  size_t begin = message.find_last_of(" \t", end - 1);
  begin = begin == absl::string_view::npos ? 0 : begin + 1;
  return std::string(message.substr(begin, end - begin));
}

}  // namespace

void HealthMonitor::OnBackgroundError(rocksdb::BackgroundErrorReason /*reason*/,
                                      rocksdb::Status* error) {
  if (error->ok()) return;
  {
    absl::MutexLock lock(&mu_);
    ++health_.background_errors;
    const rocksdb::Status::Severity severity = error->severity();
    bg_error_ = true;
    recoverable_ = severity <= rocksdb::Status::Severity::kHardError && !error->IsCorruption();
    if (error->IsCorruption()) {
      health_.damaged = true;
      ++health_.damage_reports;
      if (std::string file = FileNamed(error->ToString()); !file.empty()) {
        health_.damaged_file = std::move(file);
      }
    }
    if (severity >= rocksdb::Status::Severity::kHardError) {
      health_.writable = false;
      health_.disk_full = error->IsNoSpace();
    }
    if (health_.damaged) {
      health_.problem = absl::StrCat("stored data is damaged (", error->ToString(),
                                     "): restore this node from a backup");
    } else if (health_.disk_full) {
      health_.problem = absl::StrCat(
          "the disk holding the data directory is full (", error->ToString(),
          "): writes are refused until space is freed there; they then resume by themselves, "
          "with no restart");
    } else if (!health_.writable && recoverable_) {
      health_.problem = absl::StrCat("writes stopped after a storage error (", error->ToString(),
                                     "); the node retries by itself");
    } else if (!health_.writable) {
      health_.problem = absl::StrCat("writes stopped after a storage error the node cannot ",
                                     "recover from (", error->ToString(), "): restart it");
    }
  }
  Notify();
}

void HealthMonitor::OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/,
                                         rocksdb::Status /*error*/, bool* auto_recovery) {
  // RocksDB's own recovery from a full disk waits for as much free space as all memtables may
  // take (64 MiB and more), polls every 5 s and refuses DB::Resume meanwhile; the store's own
  // retries resume as soon as a flush fits.
  *auto_recovery = false;
}

void HealthMonitor::OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) {
  if (info.new_bg_error.ok()) NoteRecovered();
}

void HealthMonitor::NoteDamage(const rocksdb::Status& status, absl::string_view context) {
  {
    absl::MutexLock lock(&mu_);
    ++health_.damage_reports;
    health_.damaged = true;
    if (std::string file = FileNamed(status.ToString()); !file.empty()) {
      health_.damaged_file = std::move(file);
    }
    health_.problem = absl::StrCat("stored data is damaged (", context, ": ", status.ToString(),
                                   "): restore this node from a backup");
  }
  Notify();
}

void HealthMonitor::NoteRecovered() {
  {
    absl::MutexLock lock(&mu_);
    if (!bg_error_) return;  // told twice: by RocksDB and by the store
    bg_error_ = false;
    recoverable_ = false;
    ++health_.recoveries;
    health_.writable = true;
    health_.disk_full = false;
    if (!health_.damaged) health_.problem.clear();
  }
  Notify();
}

void HealthMonitor::NoteNeedsRestart(const rocksdb::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    needs_restart_ = true;
    health_.writable = false;
    health_.disk_full = status.IsNoSpace();
    if (!health_.damaged) {
      health_.problem = absl::StrCat(
          "writes stopped (", status.ToString(),
          ") and cannot resume safely without reopening the database: restart the node once "
          "the disk has space");
    }
  }
  Notify();
}

StoreHealth HealthMonitor::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return health_;
}

void HealthMonitor::AddListener(std::function<void(const StoreHealth&)> listener) {
  absl::MutexLock lock(&notify_mu_);
  listeners_.push_back(std::move(listener));
}

bool HealthMonitor::NeedsResume() const {
  absl::MutexLock lock(&mu_);
  return bg_error_ && recoverable_ && !needs_restart_;
}

bool HealthMonitor::NeedsRestart() const {
  absl::MutexLock lock(&mu_);
  return needs_restart_;
}

bool HealthMonitor::AwaitNeedsResume() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](HealthMonitor* self) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return self->stopped_ || (self->bg_error_ && self->recoverable_ && !self->needs_restart_);
      },
      this));
  return !stopped_;
}

bool HealthMonitor::SleepUnlessStopped(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopped_), timeout);
  return !stopped_;
}

void HealthMonitor::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

void HealthMonitor::Notify() {
  absl::MutexLock notify(&notify_mu_);
  StoreHealth now = Snapshot();
  if (now.writable == told_.writable && now.damaged == told_.damaged &&
      now.disk_full == told_.disk_full) {
    return;
  }
  told_ = now;
  for (const auto& listener : listeners_) listener(now);
}

}  // namespace cairn
