// Client library for a node's AdminService (peers, sharing policy, audit): mTLS with the admin's
// certificate, a deadline on every call, errors as absl::Status.
#ifndef CAIRN_CLIENT_ADMIN_CLIENT_H_
#define CAIRN_CLIENT_ADMIN_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cairn/v1/admin_service.pb.h"
#include "client/connection.h"

namespace cairn::client {

// Thread-safe; one instance shares one channel.
class AdminClient {
 public:
  static absl::StatusOr<std::unique_ptr<AdminClient>> Connect(const ConnectionOptions& options);
  ~AdminClient();

  absl::StatusOr<v1::Peer> PutPeer(const v1::Peer& peer);
  absl::StatusOr<v1::ListPeersResponse> ListPeers();
  absl::StatusOr<v1::GetPeerResponse> GetPeer(const std::string& org_id);
  absl::Status RemovePeer(const std::string& org_id);

  // `policy_text` is a cairn.v1.PeerPolicy in protobuf text format.
  absl::StatusOr<v1::PeerPolicy> SetPolicyText(const std::string& peer_org,
                                               const std::string& policy_text);
  absl::StatusOr<v1::PeerPolicy> SetPolicy(const std::string& peer_org,
                                           const v1::PeerPolicy& policy);
  // version 0: the current one.
  absl::StatusOr<v1::PeerPolicy> GetPolicy(const std::string& peer_org, uint64_t version);
  absl::StatusOr<v1::ListPolicyHistoryResponse> PolicyHistory(const std::string& peer_org);

  absl::StatusOr<v1::SharingDecision> Explain(const std::string& lesson_id,
                                              const std::string& peer_org);
  absl::StatusOr<v1::PreviewPolicyResponse> PreviewText(const std::string& peer_org,
                                                        const std::string& draft_text,
                                                        uint32_t sample_size);
  absl::StatusOr<v1::ListExportViewResponse> ListExportView(
      const v1::ListExportViewRequest& request);
  absl::StatusOr<v1::ListAuditResponse> ListAudit(const v1::ListAuditRequest& request);
  absl::StatusOr<v1::GetReplicationStatusResponse> ReplicationStatus();
  absl::StatusOr<v1::TrimChangeLogResponse> TrimChangeLog(uint64_t keep);
  absl::StatusOr<v1::RebuildSearchIndexResponse> RebuildSearchIndex(absl::Duration timeout);
  absl::StatusOr<v1::CheckSearchIndexResponse> CheckSearchIndex(absl::Duration timeout);
  // The node's cross-sector vocabulary: its admins' groups and the shipped ones.
  absl::StatusOr<v1::GetVocabularyResponse> GetVocabulary();
  // Replaces the admins' groups with those of `text` (the format of cross_sector.txt).
  absl::StatusOr<v1::SetVocabularyResponse> SetVocabulary(const std::string& text);
  // `dir`: an absolute path on the node's host (see BackupNodeRequest).
  absl::StatusOr<v1::BackupNodeResponse> BackupNode(const std::string& dir, absl::Duration timeout);
  absl::StatusOr<v1::TestPeerLinkResponse> TestPeerLink(const std::string& peer_org,
                                                        uint64_t total_bytes,
                                                        absl::Duration timeout);

 private:
  struct Stub;
  AdminClient(ConnectionOptions options, std::unique_ptr<Stub> stub);

  const ConnectionOptions options_;
  std::unique_ptr<Stub> stub_;
};

}  // namespace cairn::client

#endif  // CAIRN_CLIENT_ADMIN_CLIENT_H_
