// cairn.v1.AdminService: peers, per-peer sharing policy and the audit log, for this node's admins.
#ifndef CAIRN_SERVER_ADMIN_SERVICE_H_
#define CAIRN_SERVER_ADMIN_SERVICE_H_

#include "cairn/v1/admin_service.grpc.pb.h"
#include "node/identity/principal.h"
#include "node/lessons/catalog.h"
#include "node/policy/peer_directory.h"
#include "node/replication/replica_applier.h"
#include "node/search/node_vocabulary.h"
#include "node/search/search_index.h"
#include "node/storage/store.h"
#include "server/peer_puller.h"

namespace cairn::server {

// Thin: checks that the caller is an admin, translates requests, calls the peer directory, the
// catalog, the search index, the node's vocabulary or the audit log. Everything it uses must
// outlive it. Thread-safe.
class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  AdminServiceImpl(PeerDirectory* directory, const LessonCatalog* catalog, Store* store,
                   const ReplicaApplier* applier, const PullerPool* pullers,
                   search::SearchIndex* index, search::NodeVocabulary* vocabulary,
                   const Authenticator* authenticator)
      : directory_(directory),
        catalog_(catalog),
        store_(store),
        applier_(applier),
        pullers_(pullers),
        index_(index),
        vocabulary_(vocabulary),
        authenticator_(authenticator) {}

  grpc::Status PutPeer(grpc::ServerContext* context, const v1::PutPeerRequest* request,
                       v1::Peer* response) override;
  grpc::Status ListPeers(grpc::ServerContext* context, const v1::ListPeersRequest* request,
                         v1::ListPeersResponse* response) override;
  grpc::Status GetPeer(grpc::ServerContext* context, const v1::GetPeerRequest* request,
                       v1::GetPeerResponse* response) override;
  grpc::Status RemovePeer(grpc::ServerContext* context, const v1::RemovePeerRequest* request,
                          v1::RemovePeerResponse* response) override;
  grpc::Status SetPolicy(grpc::ServerContext* context, const v1::SetPolicyRequest* request,
                         v1::PeerPolicy* response) override;
  grpc::Status GetPolicy(grpc::ServerContext* context, const v1::GetPolicyRequest* request,
                         v1::PeerPolicy* response) override;
  grpc::Status ListPolicyHistory(grpc::ServerContext* context,
                                 const v1::ListPolicyHistoryRequest* request,
                                 v1::ListPolicyHistoryResponse* response) override;
  grpc::Status ExplainSharing(grpc::ServerContext* context,
                              const v1::ExplainSharingRequest* request,
                              v1::SharingDecision* response) override;
  grpc::Status PreviewPolicy(grpc::ServerContext* context, const v1::PreviewPolicyRequest* request,
                             v1::PreviewPolicyResponse* response) override;
  grpc::Status ListExportView(grpc::ServerContext* context,
                              const v1::ListExportViewRequest* request,
                              v1::ListExportViewResponse* response) override;
  grpc::Status ListAudit(grpc::ServerContext* context, const v1::ListAuditRequest* request,
                         v1::ListAuditResponse* response) override;
  grpc::Status GetReplicationStatus(grpc::ServerContext* context,
                                    const v1::GetReplicationStatusRequest* request,
                                    v1::GetReplicationStatusResponse* response) override;
  grpc::Status TrimChangeLog(grpc::ServerContext* context, const v1::TrimChangeLogRequest* request,
                             v1::TrimChangeLogResponse* response) override;
  grpc::Status TestPeerLink(grpc::ServerContext* context, const v1::TestPeerLinkRequest* request,
                            v1::TestPeerLinkResponse* response) override;
  grpc::Status RebuildSearchIndex(grpc::ServerContext* context,
                                  const v1::RebuildSearchIndexRequest* request,
                                  v1::RebuildSearchIndexResponse* response) override;
  grpc::Status CheckSearchIndex(grpc::ServerContext* context,
                                const v1::CheckSearchIndexRequest* request,
                                v1::CheckSearchIndexResponse* response) override;
  grpc::Status GetVocabulary(grpc::ServerContext* context, const v1::GetVocabularyRequest* request,
                             v1::GetVocabularyResponse* response) override;
  grpc::Status SetVocabulary(grpc::ServerContext* context, const v1::SetVocabularyRequest* request,
                             v1::SetVocabularyResponse* response) override;
  grpc::Status BackupNode(grpc::ServerContext* context, const v1::BackupNodeRequest* request,
                          v1::BackupNodeResponse* response) override;

  // The same, independent of the transport: the gRPC methods above and the web console call
  // these with what the caller presented.
  absl::Status PutPeer(const PresentedIdentity& presented, const v1::PutPeerRequest& request,
                       v1::Peer* response);
  absl::Status ListPeers(const PresentedIdentity& presented, const v1::ListPeersRequest& request,
                         v1::ListPeersResponse* response);
  absl::Status GetPeer(const PresentedIdentity& presented, const v1::GetPeerRequest& request,
                       v1::GetPeerResponse* response);
  absl::Status RemovePeer(const PresentedIdentity& presented, const v1::RemovePeerRequest& request,
                          v1::RemovePeerResponse* response);
  absl::Status SetPolicy(const PresentedIdentity& presented, const v1::SetPolicyRequest& request,
                         v1::PeerPolicy* response);
  absl::Status GetPolicy(const PresentedIdentity& presented, const v1::GetPolicyRequest& request,
                         v1::PeerPolicy* response);
  absl::Status ListPolicyHistory(const PresentedIdentity& presented,
                                 const v1::ListPolicyHistoryRequest& request,
                                 v1::ListPolicyHistoryResponse* response);
  absl::Status ExplainSharing(const PresentedIdentity& presented,
                              const v1::ExplainSharingRequest& request,
                              v1::SharingDecision* response);
  absl::Status PreviewPolicy(const PresentedIdentity& presented,
                             const v1::PreviewPolicyRequest& request,
                             v1::PreviewPolicyResponse* response);
  absl::Status ListExportView(const PresentedIdentity& presented,
                              const v1::ListExportViewRequest& request,
                              v1::ListExportViewResponse* response);
  absl::Status ListAudit(const PresentedIdentity& presented, const v1::ListAuditRequest& request,
                         v1::ListAuditResponse* response);
  absl::Status GetReplicationStatus(const PresentedIdentity& presented,
                                    const v1::GetReplicationStatusRequest& request,
                                    v1::GetReplicationStatusResponse* response);
  absl::Status TrimChangeLog(const PresentedIdentity& presented,
                             const v1::TrimChangeLogRequest& request,
                             v1::TrimChangeLogResponse* response);
  absl::Status TestPeerLink(const PresentedIdentity& presented,
                            const v1::TestPeerLinkRequest& request,
                            v1::TestPeerLinkResponse* response);
  absl::Status RebuildSearchIndex(const PresentedIdentity& presented,
                                  const v1::RebuildSearchIndexRequest& request,
                                  v1::RebuildSearchIndexResponse* response);
  absl::Status CheckSearchIndex(const PresentedIdentity& presented,
                                const v1::CheckSearchIndexRequest& request,
                                v1::CheckSearchIndexResponse* response);
  absl::Status GetVocabulary(const PresentedIdentity& presented,
                             const v1::GetVocabularyRequest& request,
                             v1::GetVocabularyResponse* response);
  absl::Status SetVocabulary(const PresentedIdentity& presented,
                             const v1::SetVocabularyRequest& request,
                             v1::SetVocabularyResponse* response);
  absl::Status BackupNode(const PresentedIdentity& presented, const v1::BackupNodeRequest& request,
                          v1::BackupNodeResponse* response);

 private:
  // The caller, if it is an admin and `request` is well-formed.
  absl::StatusOr<Principal> Admit(const PresentedIdentity& presented, absl::string_view action,
                                  const google::protobuf::Message& request) const;

  PeerDirectory* const directory_;
  const LessonCatalog* const catalog_;
  Store* const store_;
  const ReplicaApplier* const applier_;
  const PullerPool* const pullers_;
  search::SearchIndex* const index_;
  search::NodeVocabulary* const vocabulary_;
  const Authenticator* const authenticator_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_ADMIN_SERVICE_H_
