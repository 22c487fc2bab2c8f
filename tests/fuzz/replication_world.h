// A receiving node for the replication fuzz target and its seed writer: the test federation's
// PKI, made once per process, signers for the origins the seeds use, and a fresh receiver
// (west-police) on an in-memory RocksDB per input.
#ifndef CAIRN_TESTS_FUZZ_REPLICATION_WORLD_H_
#define CAIRN_TESTS_FUZZ_REPLICATION_WORLD_H_

#include <map>
#include <memory>
#include <string>

#include "cairn/v1/replication.pb.h"
#include "node/crypto/provenance.h"
#include "node/policy/peer_directory.h"
#include "node/replication/replica_applier.h"
#include "node/search/search_index.h"
#include "node/storage/store.h"
#include "rocksdb/env.h"
#include "tests/support/fakes.h"
#include "tests/support/test_pki.h"

namespace cairn::fuzz {

inline constexpr char kSelf[] = "west-police";
inline constexpr char kPeer[] = "leeds-council";  // a peer we pull from
inline constexpr char kFarOrigin[] = "far-fire";  // known only through leeds-council's relays

// Certificates and keys, made once per process (deploy/pki.sh in a temporary directory).
class Federation {
 public:
  static Federation& Get() {
    static Federation* federation = new Federation();
    return *federation;
  }
  const LessonVerifier& verifier() const { return *verifier_; }
  // The signer of `org`, or null when it is not one of ours.
  const LessonSigner* SignerOf(const std::string& org) const {
    auto it = signers_.find(org);
    return it == signers_.end() ? nullptr : it->second.get();
  }

 private:
  Federation() {
    for (const char* org : {kSelf, kPeer, kFarOrigin}) {
      testing::CertPaths cert = pki_.Node(org);
      signers_[org] = *LessonSigner::Load(cert.cert, cert.key);
    }
    verifier_ = *LessonVerifier::Load(pki_.ca_file(), pki_.federation());
  }

  testing::TestPki pki_;
  std::map<std::string, std::unique_ptr<LessonSigner>> signers_;
  std::unique_ptr<LessonVerifier> verifier_;
};

// One receiver with nothing in it but its peer leeds-council (pull_from, sector
// local-government, an import rule accepting every topic). Everything lives in memory and goes
// with it.
class Receiver {
 public:
  Receiver() : env_(rocksdb::NewMemEnv(rocksdb::Env::Default())) {
    Store::Options options;
    options.env = env_.get();
    store_ = *Store::Open("/fuzz/receiver", options);
    index_ = *search::SearchIndex::Open(store_.get());
    directory_ = *PeerDirectory::Open(store_.get(), kSelf, &clock_);
    v1::Peer peer;
    peer.set_org_id(kPeer);
    peer.set_sector("local-government");
    peer.set_pull_from(true);
    peer.set_may_pull(true);
    peer.add_communities("mobile-working");
    (void)*directory_->PutPeer("config", peer);
    applier_ = std::make_unique<ReplicaApplier>(store_.get(), directory_.get(),
                                                &Federation::Get().verifier(), kSelf, &clock_);
  }
  ~Receiver() {
    applier_.reset();
    directory_.reset();
    index_.reset();
    store_.reset();
  }

  Store& store() { return *store_; }
  ReplicaApplier& applier() { return *applier_; }

 private:
  std::unique_ptr<rocksdb::Env> env_;
  testing::FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<search::SearchIndex> index_;
  std::unique_ptr<PeerDirectory> directory_;
  std::unique_ptr<ReplicaApplier> applier_;
};

// A lesson of `origin` signed by it, on the path `origin` ... leeds-council.
inline v1::ReplicatedChange SignedChange(const std::string& origin, const std::string& ulid,
                                         uint64_t version, const std::string& title,
                                         v1::TlpMarking marking) {
  v1::ReplicatedChange change;
  v1::Lesson* lesson = change.mutable_lesson();
  lesson->set_id(origin + ":" + ulid);
  lesson->set_origin_org(origin);
  if (origin == kPeer) lesson->set_origin_sector("local-government");
  if (origin == kFarOrigin) lesson->set_origin_sector("fire");
  lesson->set_version(version);
  lesson->set_title(title);
  lesson->set_summary("Tablets joined open Wi-Fi in cafes; batteries ran flat by noon");
  lesson->add_topics("mobile-working");
  lesson->add_communities("mobile-working");
  lesson->set_marking(marking);
  lesson->set_status(v1::LESSON_LEARNED);
  lesson->set_classification(v1::OFFICIAL);
  (void)Federation::Get().SignerOf(origin)->Sign(lesson);
  change.add_path(origin);
  if (origin != kPeer) change.add_path(kPeer);
  return change;
}

}  // namespace cairn::fuzz

#endif  // CAIRN_TESTS_FUZZ_REPLICATION_WORLD_H_
