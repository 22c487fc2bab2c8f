#include "node/storage/restore.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "node/common/status_macros.h"
#include "node/storage/paths.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"

namespace cairn {
namespace {

namespace fs = std::filesystem;

absl::Status FileError(absl::string_view doing, const fs::path& path,
                       const std::error_code& error) {
  return absl::InternalError(absl::StrCat(doing, " ", path.string(), ": ", error.message()));
}

// Makes `path` (a file or a directory's entries) durable.
absl::Status Sync(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError("opening", path, std::error_code(errno, std::generic_category()));
  int synced = ::fsync(fd);
  int error = errno;
  ::close(fd);
  if (synced != 0) {
    return FileError("syncing", path, std::error_code(error, std::generic_category()));
  }
  return absl::OkStatus();
}

bool Overlap(const fs::path& a, const fs::path& b) { return PathWithin(a, b) || PathWithin(b, a); }

// Copies the backup into `staging` (which must not exist) and syncs every file and directory.
absl::Status CopySynced(const fs::path& backup, const fs::path& staging) {
  std::error_code error;
  fs::create_directory(staging, error);
  if (error) return FileError("creating", staging, error);
  for (const fs::directory_entry& entry : fs::directory_iterator(backup, error)) {
    // A checkpoint is flat: SST, log, MANIFEST, CURRENT and OPTIONS files.
    if (!entry.is_regular_file()) continue;
    fs::path to = staging / entry.path().filename();
    fs::copy_file(entry.path(), to, error);
    if (error) return FileError("copying", entry.path(), error);
    CAIRN_RETURN_IF_ERROR(Sync(to));
  }
  if (error) return FileError("reading", backup, error);
  CAIRN_RETURN_IF_ERROR(Sync(staging));
  return Sync(staging.parent_path());
}

}  // namespace

absl::StatusOr<RestoreOutcome> RestoreCheckpoint(const std::string& backup_dir,
                                                 const std::string& data_dir,
                                                 RestoreOptions options) {
  const fs::path backup = ResolvedPath(backup_dir);
  const fs::path data = ResolvedPath(data_dir);
  std::error_code error;
  if (!fs::is_regular_file(backup / "CURRENT", error)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "backup directory ", backup.string(),
        ": holds no database (no CURRENT file); name the directory `cairn backup` wrote"));
  }
  std::vector<std::string> families;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), backup.string(), &families).ok() ||
      std::find(families.begin(), families.end(), "lessons") == families.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("backup directory ", backup.string(), ": not a Cairn database"));
  }
  if (Overlap(backup, data)) {
    return absl::InvalidArgumentError(absl::StrCat("backup directory ", backup.string(),
                                                   " and data directory ", data.string(),
                                                   " overlap; restore from a copy elsewhere"));
  }
  const bool occupied = fs::exists(data, error) && !fs::is_empty(data, error);
  if (occupied) {
    if (!options.replace_existing) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data directory ", data.string(),
          " already holds files; to replace them with the backup, ask for it explicitly "
          "(cairnd --replace-data moves them aside, deleting nothing)"));
    }
    if (fs::is_regular_file(data / "CURRENT", error)) {
      // Refuse while a running node holds it (UNAVAILABLE names the lock).
      CAIRN_RETURN_IF_ERROR(Store::Open(data.string()).status());
    }
  }

  const fs::path staging = fs::path(data.string() + ".restoring");
  fs::remove_all(staging, error);  // left by a restore that stopped part-way
  if (error) return FileError("removing", staging, error);
  CAIRN_RETURN_IF_ERROR(CopySynced(backup, staging));
  RestoreOutcome outcome;
  {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(staging.string()));
    CAIRN_ASSIGN_OR_RETURN(outcome.incarnation, store->RenewIncarnation(options.record));
    outcome.last_sequence = store->LastSequence();
  }
  if (occupied) {
    outcome.moved_aside =
        absl::StrCat(data.string(), ".before-restore-", absl::ToUnixSeconds(absl::Now()));
    fs::rename(data, outcome.moved_aside, error);
    if (error) return FileError("moving aside", data, error);
  } else if (fs::exists(data, error)) {
    fs::remove(data, error);  // an empty directory: the staged one takes its place
    if (error) return FileError("removing", data, error);
  }
  fs::rename(staging, data, error);
  if (error) return FileError("renaming into place", staging, error);
  CAIRN_RETURN_IF_ERROR(Sync(data.parent_path()));
  return outcome;
}

}  // namespace cairn
