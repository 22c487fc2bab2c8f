#include "server/admin_service.h"

#include "absl/strings/str_cat.h"
#include "node/audit/audit_log.h"
#include "node/common/page_token.h"
#include "node/common/status_macros.h"
#include "node/common/time_proto.h"
#include "node/policy/sharing.h"
#include "server/security.h"
#include "server/status.h"

namespace cairn::server {
namespace {

constexpr uint32_t kDefaultPageSize = 50;
constexpr uint32_t kMaxPageSize = 500;
constexpr uint32_t kDefaultSample = 5;
constexpr absl::string_view kExportTokenKind = "export";

// A policy sent either as a message or as protobuf text; exactly one of the two.
absl::StatusOr<v1::PeerPolicy> PolicyFrom(bool has_message, const v1::PeerPolicy& message,
                                          bool has_text, const std::string& text,
                                          absl::string_view field) {
  if (has_message == has_text) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": send the policy either as a message or as text, not ",
                     has_message ? "both" : "neither"));
  }
  if (has_text) return ParsePolicyText(text);
  return message;
}

}  // namespace

CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, PutPeer, v1::PutPeerRequest, v1::Peer)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, ListPeers, v1::ListPeersRequest, v1::ListPeersResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, GetPeer, v1::GetPeerRequest, v1::GetPeerResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, RemovePeer, v1::RemovePeerRequest, v1::RemovePeerResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, SetPolicy, v1::SetPolicyRequest, v1::PeerPolicy)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, GetPolicy, v1::GetPolicyRequest, v1::PeerPolicy)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, ListPolicyHistory, v1::ListPolicyHistoryRequest,
                      v1::ListPolicyHistoryResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, ExplainSharing, v1::ExplainSharingRequest,
                      v1::SharingDecision)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, PreviewPolicy, v1::PreviewPolicyRequest,
                      v1::PreviewPolicyResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, ListExportView, v1::ListExportViewRequest,
                      v1::ListExportViewResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, ListAudit, v1::ListAuditRequest, v1::ListAuditResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, GetReplicationStatus, v1::GetReplicationStatusRequest,
                      v1::GetReplicationStatusResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, TrimChangeLog, v1::TrimChangeLogRequest,
                      v1::TrimChangeLogResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, TestPeerLink, v1::TestPeerLinkRequest,
                      v1::TestPeerLinkResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, RebuildSearchIndex, v1::RebuildSearchIndexRequest,
                      v1::RebuildSearchIndexResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, CheckSearchIndex, v1::CheckSearchIndexRequest,
                      v1::CheckSearchIndexResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, GetVocabulary, v1::GetVocabularyRequest,
                      v1::GetVocabularyResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, SetVocabulary, v1::SetVocabularyRequest,
                      v1::SetVocabularyResponse)
CAIRN_UNARY_OVER_GRPC(AdminServiceImpl, BackupNode, v1::BackupNodeRequest, v1::BackupNodeResponse)

absl::StatusOr<Principal> AdminServiceImpl::Admit(const PresentedIdentity& presented,
                                                  absl::string_view action,
                                                  const google::protobuf::Message& request) const {
  return AdmitUser(presented, *authenticator_, v1::ADMIN, action, request);
}

absl::Status AdminServiceImpl::PutPeer(const PresentedIdentity& presented,
                                       const v1::PutPeerRequest& request, v1::Peer* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, Admit(presented, "adding a peer", request));
  return Fill(directory_->PutPeer(caller.Describe(), request.peer()), response);
}

absl::Status AdminServiceImpl::ListPeers(const PresentedIdentity& presented,
                                         const v1::ListPeersRequest& request,
                                         v1::ListPeersResponse* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, "listing peers", request).status());
  for (v1::Peer& peer : directory_->ListPeers()) *response->add_peers() = std::move(peer);
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::GetPeer(const PresentedIdentity& presented,
                                       const v1::GetPeerRequest& request,
                                       v1::GetPeerResponse* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, "reading a peer", request).status());
  absl::StatusOr<v1::Peer> peer = directory_->GetPeer(request.org_id());
  if (!peer.ok()) return peer.status();
  *response->mutable_peer() = *std::move(peer);
  absl::StatusOr<v1::PeerPolicy> policy = directory_->GetPolicy(request.org_id(), 0);
  if (policy.ok()) {
    *response->mutable_policy() = *std::move(policy);
  } else if (!absl::IsNotFound(policy.status())) {
    return policy.status();
  }
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::RemovePeer(const PresentedIdentity& presented,
                                          const v1::RemovePeerRequest& request,
                                          v1::RemovePeerResponse*) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, Admit(presented, "removing a peer", request));
  return directory_->RemovePeer(caller.Describe(), request.org_id());
}

absl::Status AdminServiceImpl::SetPolicy(const PresentedIdentity& presented,
                                         const v1::SetPolicyRequest& request,
                                         v1::PeerPolicy* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, Admit(presented, "setting a policy", request));
  absl::StatusOr<v1::PeerPolicy> policy =
      PolicyFrom(request.has_policy(), request.policy(), request.has_policy_text(),
                 request.policy_text(), "policy");
  if (!policy.ok()) return policy.status();
  return Fill(directory_->SetPolicy(caller.Describe(), request.peer_org(), *std::move(policy)),
              response);
}

absl::Status AdminServiceImpl::GetPolicy(const PresentedIdentity& presented,
                                         const v1::GetPolicyRequest& request,
                                         v1::PeerPolicy* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, "reading a policy", request).status());
  return Fill(directory_->GetPolicy(request.peer_org(), request.version()), response);
}

absl::Status AdminServiceImpl::ListPolicyHistory(const PresentedIdentity& presented,
                                                 const v1::ListPolicyHistoryRequest& request,
                                                 v1::ListPolicyHistoryResponse* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, "reading policy history", request).status());
  auto history = directory_->PolicyHistory(request.peer_org());
  if (!history.ok()) return history.status();
  for (v1::PeerPolicy& policy : *history) *response->add_versions() = std::move(policy);
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::ExplainSharing(const PresentedIdentity& presented,
                                              const v1::ExplainSharingRequest& request,
                                              v1::SharingDecision* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, "explaining a sharing decision", request).status());
  absl::StatusOr<v1::Lesson> lesson = catalog_->Get(request.lesson_id());
  if (!lesson.ok()) return lesson.status();
  return Fill(directory_->Explain(*lesson, request.peer_org()), response);
}

absl::Status AdminServiceImpl::PreviewPolicy(const PresentedIdentity& presented,
                                             const v1::PreviewPolicyRequest& request,
                                             v1::PreviewPolicyResponse* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, "previewing a policy", request).status());
  absl::StatusOr<v1::PeerPolicy> draft =
      PolicyFrom(request.has_draft(), request.draft(), request.has_draft_text(),
                 request.draft_text(), "draft");
  if (!draft.ok()) return draft.status();
  uint32_t sample = request.has_sample_size() ? request.sample_size() : kDefaultSample;
  absl::StatusOr<PolicyPreview> preview =
      directory_->Preview(request.peer_org(), *std::move(draft), sample);
  if (!preview.ok()) return preview.status();
  response->set_lesson_count(preview->draft_count);
  response->set_current_count(preview->current_count);
  for (v1::Lesson& lesson : preview->sample) *response->add_sample() = std::move(lesson);
  response->set_added_count(preview->added_count);
  response->set_withdrawn_count(preview->withdrawn_count);
  for (std::string& id : preview->added_ids) response->add_added_ids(std::move(id));
  for (std::string& id : preview->withdrawn_ids) response->add_withdrawn_ids(std::move(id));
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::ListExportView(const PresentedIdentity& presented,
                                              const v1::ListExportViewRequest& request,
                                              v1::ListExportViewResponse* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, "reading a peer's export view", request).status());
  if (request.page_size() > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: ", request.page_size(), " is over the limit of ", kMaxPageSize));
  }
  std::string start_after;
  if (!request.page_token().empty()) {
    absl::StatusOr<std::string> position = DecodePageToken(kExportTokenKind, request.page_token());
    if (!position.ok()) return position.status();
    start_after = *std::move(position);
  }
  absl::StatusOr<ExportPage> page =
      directory_->ExportViewPage(request.peer_org(), start_after,
                                 request.page_size() == 0 ? kDefaultPageSize : request.page_size());
  if (!page.ok()) return page.status();
  for (v1::Lesson& lesson : page->lessons) *response->add_lessons() = std::move(lesson);
  if (!page->next_after.empty()) {
    response->set_next_page_token(EncodePageToken(kExportTokenKind, page->next_after));
  }
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::ListAudit(const PresentedIdentity& presented,
                                         const v1::ListAuditRequest& request,
                                         v1::ListAuditResponse* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, "reading the audit log", request).status());
  AuditQuery query;
  query.actor = request.actor();
  query.action = request.action();
  if (request.has_since()) query.since = FromTimestamp(request.since());
  if (request.has_until()) query.until = FromTimestamp(request.until());
  query.page_size = request.page_size();
  query.page_token = request.page_token();
  absl::StatusOr<AuditPage> page = cairn::ListAudit(*store_, query);
  if (!page.ok()) return page.status();
  for (v1::AuditEvent& event : page->events) *response->add_events() = std::move(event);
  response->set_next_page_token(page->next_page_token);
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::GetReplicationStatus(const PresentedIdentity& presented,
                                                    const v1::GetReplicationStatusRequest& request,
                                                    v1::GetReplicationStatusResponse* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, "reading replication status", request).status());
  absl::Time now = absl::Now();
  for (const PullStatus& status : applier_->Status()) {
    v1::PeerReplicationStatus* out = response->add_peers();
    out->set_peer_org(status.peer);
    out->set_cursor(status.cursor);
    out->set_sender_sequence(status.sender_sequence);
    out->set_lag_changes(status.LagChanges());
    // Up to date: no lag. Behind: how long since we were last up to date (-1: never were).
    std::optional<absl::Duration> lag = status.LagTime(now);
    out->set_lag_seconds(lag ? absl::ToDoubleSeconds(*lag) : -1);
    out->set_connected(status.connected);
    if (status.last_success != absl::InfinitePast()) {
      *out->mutable_last_success() = ToTimestamp(status.last_success);
    }
    if (!status.last_error.empty()) {
      out->set_last_error(status.last_error);
      *out->mutable_last_error_at() = ToTimestamp(status.last_error_at);
    }
    out->set_lessons_applied(status.lessons_applied);
    out->set_retractions_applied(status.retractions_applied);
    out->set_rejected(status.rejected);
    if (!status.last_rejection.empty()) out->set_last_rejection(status.last_rejection);
  }
  response->set_last_sequence(store_->LastSequence());
  response->set_first_sequence(store_->FirstSequence());
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::TrimChangeLog(const PresentedIdentity& presented,
                                             const v1::TrimChangeLogRequest& request,
                                             v1::TrimChangeLogResponse* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, "trimming the change log", request).status());
  if (absl::Status trimmed = store_->TrimChangeLog(request.keep()); !trimmed.ok()) {
    return trimmed;
  }
  response->set_first_sequence(store_->FirstSequence());
  response->set_last_sequence(store_->LastSequence());
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::TestPeerLink(const PresentedIdentity& presented,
                                            const v1::TestPeerLinkRequest& request,
                                            v1::TestPeerLinkResponse* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, "testing a peer link", request).status());
  absl::StatusOr<v1::Peer> peer = directory_->GetPeer(request.peer_org());
  if (!peer.ok()) return peer.status();
  uint32_t chunk = request.chunk_bytes() == 0 ? 1024 * 1024 : request.chunk_bytes();
  absl::StatusOr<absl::Duration> took = pullers_->MeasureLink(*peer, request.total_bytes(), chunk);
  if (!took.ok()) return took.status();
  double seconds = absl::ToDoubleSeconds(*took);
  response->set_bytes(request.total_bytes());
  response->set_seconds(seconds);
  response->set_megabytes_per_second(seconds > 0 ? request.total_bytes() / 1e6 / seconds : 0);
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::RebuildSearchIndex(const PresentedIdentity& presented,
                                                  const v1::RebuildSearchIndexRequest& request,
                                                  v1::RebuildSearchIndexResponse* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller,
                         Admit(presented, "rebuilding the search index", request));
  absl::Time start = absl::Now();
  if (absl::Status rebuilt = index_->Rebuild(); !rebuilt.ok()) return rebuilt;
  response->set_seconds(absl::ToDoubleSeconds(absl::Now() - start));
  StoreBatch audit;
  audit.Audit(NewAuditEvent(absl::Now(), caller.Describe(), "search.rebuilt", "", 0, 0,
                            absl::StrCat("in ", response->seconds(), " s")));
  return store_->Commit(audit).status();
}

absl::Status AdminServiceImpl::CheckSearchIndex(const PresentedIdentity& presented,
                                                const v1::CheckSearchIndexRequest& request,
                                                v1::CheckSearchIndexResponse* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, "checking the search index", request).status());
  absl::StatusOr<search::IndexCheck> check = index_->Check();
  if (!check.ok()) return check.status();
  response->set_consistent(check->problems.empty());
  response->set_lessons(check->lessons);
  response->set_postings(check->postings);
  for (std::string& problem : check->problems) response->add_problems(std::move(problem));
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::GetVocabulary(const PresentedIdentity& presented,
                                             const v1::GetVocabularyRequest& request,
                                             v1::GetVocabularyResponse* response) {
  CAIRN_RETURN_IF_ERROR(Admit(presented, "reading the vocabulary", request).status());
  response->set_admin_text(vocabulary_->AdminText());
  response->set_admin_group_count(vocabulary_->AdminGroupCount());
  response->set_shipped_text(std::string(search::NodeVocabulary::ShippedText()));
  response->set_shipped_group_count(search::NodeVocabulary::ShippedGroupCount());
  if (std::string problem = vocabulary_->Problem(); !problem.empty()) {
    response->set_problem(std::move(problem));
  }
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::SetVocabulary(const PresentedIdentity& presented,
                                             const v1::SetVocabularyRequest& request,
                                             v1::SetVocabularyResponse* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, Admit(presented, "setting the vocabulary", request));
  CAIRN_RETURN_IF_ERROR(vocabulary_->Set(request.text(), caller.Describe()));
  response->set_admin_group_count(vocabulary_->AdminGroupCount());
  response->set_shipped_group_count(search::NodeVocabulary::ShippedGroupCount());
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::BackupNode(const PresentedIdentity& presented,
                                          const v1::BackupNodeRequest& request,
                                          v1::BackupNodeResponse* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, Admit(presented, "backing up the node", request));
  absl::Time start = absl::Now();
  absl::StatusOr<CheckpointStats> stats = store_->Checkpoint(request.dir(), "dir");
  if (!stats.ok()) return stats.status();
  response->set_dir(request.dir());
  response->set_files(stats->files);
  response->set_bytes(stats->bytes);
  response->set_seconds(absl::ToDoubleSeconds(absl::Now() - start));
  response->set_last_sequence(stats->last_sequence);
  response->set_incarnation(store_->Incarnation());
  StoreBatch audit;
  audit.Audit(NewAuditEvent(absl::Now(), caller.Describe(), "node.backup", request.dir(), 0, 0,
                            absl::StrCat(stats->files, " files, ", stats->bytes,
                                         " bytes, change log to at least ", stats->last_sequence)));
  return store_->Commit(audit).status();
}

}  // namespace cairn::server
