#include "client/admin_client.h"

#include "cairn/v1/admin_service.grpc.pb.h"
#include "client/unary_call.h"
#include "grpcpp/grpcpp.h"

namespace cairn::client {

using Service = v1::AdminService::Stub;

struct AdminClient::Stub {
  std::unique_ptr<Service> service;
};

absl::StatusOr<std::unique_ptr<AdminClient>> AdminClient::Connect(
    const ConnectionOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options);
  if (!channel.ok()) return channel.status();
  auto stub = std::make_unique<Stub>(Stub{v1::AdminService::NewStub(*std::move(channel))});
  return std::unique_ptr<AdminClient>(new AdminClient(options, std::move(stub)));
}

AdminClient::AdminClient(ConnectionOptions options, std::unique_ptr<Stub> stub)
    : options_(std::move(options)), stub_(std::move(stub)) {}

AdminClient::~AdminClient() = default;

absl::StatusOr<v1::Peer> AdminClient::PutPeer(const v1::Peer& peer) {
  v1::PutPeerRequest request;
  *request.mutable_peer() = peer;
  return UnaryCall<v1::Peer>(stub_->service.get(), &Service::PutPeer, request, options_.timeout);
}

absl::StatusOr<v1::ListPeersResponse> AdminClient::ListPeers() {
  return UnaryCall<v1::ListPeersResponse>(stub_->service.get(), &Service::ListPeers,
                                          v1::ListPeersRequest(), options_.timeout);
}

absl::StatusOr<v1::GetPeerResponse> AdminClient::GetPeer(const std::string& org_id) {
  v1::GetPeerRequest request;
  request.set_org_id(org_id);
  return UnaryCall<v1::GetPeerResponse>(stub_->service.get(), &Service::GetPeer, request,
                                        options_.timeout);
}

absl::Status AdminClient::RemovePeer(const std::string& org_id) {
  v1::RemovePeerRequest request;
  request.set_org_id(org_id);
  return UnaryCall<v1::RemovePeerResponse>(stub_->service.get(), &Service::RemovePeer, request,
                                           options_.timeout)
      .status();
}

absl::StatusOr<v1::PeerPolicy> AdminClient::SetPolicyText(const std::string& peer_org,
                                                          const std::string& policy_text) {
  v1::SetPolicyRequest request;
  request.set_peer_org(peer_org);
  request.set_policy_text(policy_text);
  return UnaryCall<v1::PeerPolicy>(stub_->service.get(), &Service::SetPolicy, request,
                                   options_.timeout);
}

absl::StatusOr<v1::PeerPolicy> AdminClient::SetPolicy(const std::string& peer_org,
                                                      const v1::PeerPolicy& policy) {
  v1::SetPolicyRequest request;
  request.set_peer_org(peer_org);
  *request.mutable_policy() = policy;
  return UnaryCall<v1::PeerPolicy>(stub_->service.get(), &Service::SetPolicy, request,
                                   options_.timeout);
}

absl::StatusOr<v1::PeerPolicy> AdminClient::GetPolicy(const std::string& peer_org,
                                                      uint64_t version) {
  v1::GetPolicyRequest request;
  request.set_peer_org(peer_org);
  if (version != 0) request.set_version(version);
  return UnaryCall<v1::PeerPolicy>(stub_->service.get(), &Service::GetPolicy, request,
                                   options_.timeout);
}

absl::StatusOr<v1::ListPolicyHistoryResponse> AdminClient::PolicyHistory(
    const std::string& peer_org) {
  v1::ListPolicyHistoryRequest request;
  request.set_peer_org(peer_org);
  return UnaryCall<v1::ListPolicyHistoryResponse>(stub_->service.get(),
                                                  &Service::ListPolicyHistory, request,
                                                  options_.timeout);
}

absl::StatusOr<v1::SharingDecision> AdminClient::Explain(const std::string& lesson_id,
                                                         const std::string& peer_org) {
  v1::ExplainSharingRequest request;
  request.set_lesson_id(lesson_id);
  request.set_peer_org(peer_org);
  return UnaryCall<v1::SharingDecision>(stub_->service.get(), &Service::ExplainSharing, request,
                                        options_.timeout);
}

absl::StatusOr<v1::PreviewPolicyResponse> AdminClient::PreviewText(const std::string& peer_org,
                                                                   const std::string& draft_text,
                                                                   uint32_t sample_size) {
  v1::PreviewPolicyRequest request;
  request.set_peer_org(peer_org);
  request.set_draft_text(draft_text);
  request.set_sample_size(sample_size);
  return UnaryCall<v1::PreviewPolicyResponse>(stub_->service.get(), &Service::PreviewPolicy,
                                              request, options_.timeout);
}

absl::StatusOr<v1::ListExportViewResponse> AdminClient::ListExportView(
    const v1::ListExportViewRequest& request) {
  return UnaryCall<v1::ListExportViewResponse>(stub_->service.get(), &Service::ListExportView,
                                               request, options_.timeout);
}

absl::StatusOr<v1::ListAuditResponse> AdminClient::ListAudit(const v1::ListAuditRequest& request) {
  return UnaryCall<v1::ListAuditResponse>(stub_->service.get(), &Service::ListAudit, request,
                                          options_.timeout);
}

absl::StatusOr<v1::GetReplicationStatusResponse> AdminClient::ReplicationStatus() {
  return UnaryCall<v1::GetReplicationStatusResponse>(stub_->service.get(),
                                                     &Service::GetReplicationStatus,
                                                     v1::GetReplicationStatusRequest(),
                                                     options_.timeout);
}

absl::StatusOr<v1::TrimChangeLogResponse> AdminClient::TrimChangeLog(uint64_t keep) {
  v1::TrimChangeLogRequest request;
  request.set_keep(keep);
  return UnaryCall<v1::TrimChangeLogResponse>(stub_->service.get(), &Service::TrimChangeLog,
                                              request, options_.timeout);
}

absl::StatusOr<v1::RebuildSearchIndexResponse> AdminClient::RebuildSearchIndex(
    absl::Duration timeout) {
  return UnaryCall<v1::RebuildSearchIndexResponse>(
      stub_->service.get(), &Service::RebuildSearchIndex, v1::RebuildSearchIndexRequest(), timeout);
}

absl::StatusOr<v1::CheckSearchIndexResponse> AdminClient::CheckSearchIndex(
    absl::Duration timeout) {
  return UnaryCall<v1::CheckSearchIndexResponse>(
      stub_->service.get(), &Service::CheckSearchIndex, v1::CheckSearchIndexRequest(), timeout);
}

absl::StatusOr<v1::GetVocabularyResponse> AdminClient::GetVocabulary() {
  return UnaryCall<v1::GetVocabularyResponse>(stub_->service.get(), &Service::GetVocabulary,
                                              v1::GetVocabularyRequest(), options_.timeout);
}

absl::StatusOr<v1::SetVocabularyResponse> AdminClient::SetVocabulary(const std::string& text) {
  v1::SetVocabularyRequest request;
  request.set_text(text);
  return UnaryCall<v1::SetVocabularyResponse>(stub_->service.get(), &Service::SetVocabulary,
                                              request, options_.timeout);
}

absl::StatusOr<v1::BackupNodeResponse> AdminClient::BackupNode(const std::string& dir,
                                                               absl::Duration timeout) {
  v1::BackupNodeRequest request;
  request.set_dir(dir);
  return UnaryCall<v1::BackupNodeResponse>(stub_->service.get(), &Service::BackupNode, request,
                                           timeout);
}

absl::StatusOr<v1::TestPeerLinkResponse> AdminClient::TestPeerLink(const std::string& peer_org,
                                                                   uint64_t total_bytes,
                                                                   absl::Duration timeout) {
  v1::TestPeerLinkRequest request;
  request.set_peer_org(peer_org);
  request.set_total_bytes(total_bytes);
  return UnaryCall<v1::TestPeerLinkResponse>(stub_->service.get(), &Service::TestPeerLink,
                                             request, timeout);
}

}  // namespace cairn::client
