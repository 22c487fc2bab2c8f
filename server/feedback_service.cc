#include "server/feedback_service.h"

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "server/security.h"
#include "server/status.h"
#include "server/unary_reactor.h"

namespace cairn::server {
grpc::ServerUnaryReactor* FeedbackServiceImpl::GiveFeedback(grpc::CallbackServerContext* context,
                                                            const v1::GiveFeedbackRequest* request,
                                                            v1::GivenFeedback* response) {
  return FinishUnary(context, GiveFeedback(PresentedBy(*context), *request, response));
}

grpc::ServerUnaryReactor* FeedbackServiceImpl::GetFeedback(grpc::CallbackServerContext* context,
                                                           const v1::GetFeedbackRequest* request,
                                                           v1::GetFeedbackResponse* response) {
  return FinishUnary(context, GetFeedback(PresentedBy(*context), *request, response));
}

absl::Status FeedbackServiceImpl::GiveFeedback(const PresentedIdentity& presented,
                                               const v1::GiveFeedbackRequest& request,
                                               v1::GivenFeedback* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, AdmitUser(presented, *authenticator_, v1::ANALYST,
                                                     "giving feedback", request));
  CAIRN_ASSIGN_OR_RETURN(*response, desk_->Give(caller, request));
  return absl::OkStatus();
}

absl::Status FeedbackServiceImpl::GetFeedback(const PresentedIdentity& presented,
                                              const v1::GetFeedbackRequest& request,
                                              v1::GetFeedbackResponse* response) {
  CAIRN_RETURN_IF_ERROR(
      AdmitUser(presented, *authenticator_, v1::ANALYST, "reading feedback", request).status());
  CAIRN_ASSIGN_OR_RETURN(*response, desk_->Get(request.lesson_id()));
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* FeedbackExchangeImpl::DeliverFeedback(
    grpc::CallbackServerContext* context, const v1::DeliverFeedbackRequest* request,
    v1::DeliverFeedbackResponse*) {
  absl::StatusOr<Principal> caller = IdentifyCaller(*context, *authenticator_);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  if (caller->kind != Principal::Kind::kPeer) {
    return FinishUnary(
        context,
        absl::PermissionDeniedError(absl::StrCat(
            caller->Describe(), " is not a peer node; users give feedback with FeedbackService")));
  }
  return FinishUnary(context, desk_->Receive(caller->org_id, *request));
}

}  // namespace cairn::server
