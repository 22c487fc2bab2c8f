// cairn.v1.FeedbackService (this organisation's users give and read adoption feedback) and
// cairn.v1.FeedbackExchange (peer nodes deliver feedback, to the origin or to pass on towards it).
#ifndef CAIRN_SERVER_FEEDBACK_SERVICE_H_
#define CAIRN_SERVER_FEEDBACK_SERVICE_H_

#include "cairn/v1/feedback.grpc.pb.h"
#include "node/feedback/feedback_desk.h"
#include "node/identity/principal.h"

namespace cairn::server {

// Everything it uses must outlive it. Thread-safe.
class FeedbackServiceImpl final : public v1::FeedbackService::CallbackService {
 public:
  FeedbackServiceImpl(FeedbackDesk* desk, const Authenticator* authenticator)
      : desk_(desk), authenticator_(authenticator) {}

  grpc::ServerUnaryReactor* GiveFeedback(grpc::CallbackServerContext* context,
                                         const v1::GiveFeedbackRequest* request,
                                         v1::GivenFeedback* response) override;
  grpc::ServerUnaryReactor* GetFeedback(grpc::CallbackServerContext* context,
                                        const v1::GetFeedbackRequest* request,
                                        v1::GetFeedbackResponse* response) override;

  // The same, independent of the transport (the web console calls these).
  absl::Status GiveFeedback(const PresentedIdentity& presented,
                            const v1::GiveFeedbackRequest& request, v1::GivenFeedback* response);
  absl::Status GetFeedback(const PresentedIdentity& presented,
                           const v1::GetFeedbackRequest& request,
                           v1::GetFeedbackResponse* response);

 private:
  FeedbackDesk* const desk_;
  const Authenticator* const authenticator_;
};

// Peer nodes only: PERMISSION_DENIED for a user.
class FeedbackExchangeImpl final : public v1::FeedbackExchange::CallbackService {
 public:
  FeedbackExchangeImpl(FeedbackDesk* desk, const Authenticator* authenticator)
      : desk_(desk), authenticator_(authenticator) {}

  grpc::ServerUnaryReactor* DeliverFeedback(grpc::CallbackServerContext* context,
                                            const v1::DeliverFeedbackRequest* request,
                                            v1::DeliverFeedbackResponse* response) override;

 private:
  FeedbackDesk* const desk_;
  const Authenticator* const authenticator_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_FEEDBACK_SERVICE_H_
