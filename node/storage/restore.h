// Restoring a node's database from a backup that Store::Checkpoint wrote. SPEC section 7.
#ifndef CAIRN_NODE_STORAGE_RESTORE_H_
#define CAIRN_NODE_STORAGE_RESTORE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "node/storage/store.h"

namespace cairn {

struct RestoreOptions {
  // When the data directory already holds files: false refuses; true moves them aside, to
  // `<data_dir>.before-restore-<unix seconds>` (nothing is deleted).
  bool replace_existing = false;
  // Written into the restored database with its new incarnation, in one atomic write (the
  // caller's audit event).
  StoreBatch record;
};

struct RestoreOutcome {
  uint64_t incarnation = 0;    // the restored database's new incarnation
  uint64_t last_sequence = 0;  // its change log's last entry (what the backup held)
  std::string moved_aside;     // where the replaced data directory went; empty when none
};

// Copies the backup in `backup_dir` (left untouched) into `data_dir` and gives it a new
// incarnation, so peers that pulled from the node notice its change log went back (see
// Store::Incarnation). The copy is staged in `<data_dir>.restoring`, synced, opened and checked,
// and only then renamed into place: a crash part-way leaves the data directory as it was (or, with
// replace_existing, absent), and running the restore again completes it. Outcomes: OK;
// INVALID_ARGUMENT when `backup_dir` is not a Cairn backup or overlaps `data_dir`;
// FAILED_PRECONDITION when `data_dir` holds files and replace_existing is false; UNAVAILABLE when
// a running cairnd holds the database in `data_dir`; INTERNAL when copying fails.
absl::StatusOr<RestoreOutcome> RestoreCheckpoint(const std::string& backup_dir,
                                                 const std::string& data_dir,
                                                 RestoreOptions options);

}  // namespace cairn

#endif  // CAIRN_NODE_STORAGE_RESTORE_H_
