// Re-signing: after the node's certificate is renewed, its own lessons are signed again with the
// new one, in the background, so copies at peers never depend on an old certificate (SPEC
// section 5, "A node's life").
#ifndef CAIRN_NODE_LESSONS_RESIGNER_H_
#define CAIRN_NODE_LESSONS_RESIGNER_H_

#include <cstdint>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "node/crypto/provenance.h"
#include "node/storage/store.h"

namespace cairn {

// Walks this node's own lessons in id order and re-signs, with the certificate the signer holds
// now, each whose signature is another certificate's or carries no signing time (retracted ones
// excepted: no peer holds them). A re-signed
// lesson keeps its version and content; its change-log entry (RESIGN) sends the new signature to
// peers. Where the walk got to is stored with each batch, so a restart resumes it, and a finished
// walk is remembered per certificate, so a restart with the same certificate costs nothing.
// A walk starts again when the signer's certificate changes. Thread-safe.
class Resigner {
 public:
  struct Options {
    size_t batch = 100;                            // lessons re-signed in one atomic write
    double lessons_per_second = 500;               // at most, so serving stays ahead of re-signing
    absl::Duration idle_check = absl::Seconds(5);  // how often a finished walk looks for a renewal
  };

  struct Progress {
    std::string certificate;  // SHA-256 of the certificate the current walk signs with
    bool complete = false;    // every own lesson carries its signature (false while a step fails)
    uint64_t resigned = 0;    // lessons re-signed since this process started
  };

  Resigner(Store* store, const LessonSigner* signer, std::string self_org, Options options);
  Resigner(Store* store, const LessonSigner* signer, std::string self_org)
      : Resigner(store, signer, std::move(self_org), Options()) {}
  ~Resigner();  // stops the background thread

  // Re-signs up to one batch. Outcomes: true when the walk for the current certificate is
  // complete; false when more remains; a store error (nothing of this step written). A lesson
  // edited meanwhile fails the batch's compare-and-set: the next step looks again.
  absl::StatusOr<bool> Step();

  // Runs Step in a thread of its own at the configured rate until Stop.
  void Start();
  void Stop();

  Progress progress() const;

 private:
  void Run();

  Store* const store_;
  const LessonSigner* const signer_;
  const std::string self_org_;
  const Options options_;
  absl::Mutex step_mu_;  // one step at a time
  mutable absl::Mutex mu_;
  Progress progress_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace cairn

#endif  // CAIRN_NODE_LESSONS_RESIGNER_H_
