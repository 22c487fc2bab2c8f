#include "server/alert_service.h"

#include <deque>

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "server/security.h"
#include "server/status.h"
#include "server/unary_reactor.h"

namespace cairn::server {
// One user's StreamAlerts. Its steps run one at a time: Produce on a pump worker, then (when it
// wrote) OnWriteDone, then Produce again; with nothing to send it parks in the pump. Deletes
// itself when done.
class AlertServiceImpl::AlertStream final : public grpc::ServerWriteReactor<v1::AlertEvent> {
 public:
  AlertStream(AlertServiceImpl* service, std::string user, std::string certificate, uint64_t after)
      : service_(service),
        user_(std::move(user)),
        certificate_(std::move(certificate)),
        cursor_(after),
        next_heartbeat_(absl::Now() + kHeartbeat) {}

  void Start() {
    service_->pump_.Run([this] { Produce(); });
  }
  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the stream broke"));
      return;
    }
    service_->pump_.Run([this] { Produce(); });
  }
  void OnCancel() override {
    cancelled_ = true;
    service_->pump_.Wake(this, &woken_);
  }
  void OnDone() override {
    service_->Ended(user_);
    delete this;
  }

 private:
  void Produce() {
    if (cancelled_) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
      return;
    }
    if (service_->stopping_) {
      Finish(grpc::Status::OK);
      return;
    }
    // A user revoked since the stream opened hears nothing more.
    if (absl::Status usable = service_->authenticator_->CheckCertificate(certificate_);
        !usable.ok()) {
      Finish(ToGrpcStatus(usable));
      return;
    }
    const uint64_t seen = service_->store_->CommitCount();
    if (pending_.empty()) {
      absl::StatusOr<std::vector<v1::Alert>> read =
          service_->alerter_->Read(user_, cursor_, kAlertsPerMessage);
      if (!read.ok()) {
        Finish(ToGrpcStatus(read.status()));
        return;
      }
      pending_.assign(read->begin(), read->end());
    }
    const absl::Time now = absl::Now();
    if (!pending_.empty()) {
      event_.Clear();
      *event_.mutable_alert() = std::move(pending_.front());
      pending_.pop_front();
      cursor_ = event_.alert().cursor();
      next_heartbeat_ = now + kHeartbeat;
      StartWrite(&event_);
      return;
    }
    if (now >= next_heartbeat_) {
      event_.Clear();
      event_.mutable_heartbeat()->set_cursor(cursor_);
      next_heartbeat_ = now + kHeartbeat;
      StartWrite(&event_);
      return;
    }
    service_->pump_.Park(this, seen, next_heartbeat_, &woken_, [this] { Produce(); });
  }

  AlertServiceImpl* const service_;
  const std::string user_;
  const std::string certificate_;
  // Touched only by the stream's current step.
  uint64_t cursor_;
  std::deque<v1::Alert> pending_;
  absl::Time next_heartbeat_;
  v1::AlertEvent event_;  // the message in flight
  std::atomic<bool> woken_{false};
  std::atomic<bool> cancelled_{false};
};

absl::StatusOr<Principal> AlertServiceImpl::Admit(const PresentedIdentity& presented,
                                                  absl::string_view action,
                                                  const google::protobuf::Message& request) const {
  return AdmitUser(presented, *authenticator_, v1::ANALYST, action, request);
}

grpc::ServerUnaryReactor* AlertServiceImpl::AddWatch(grpc::CallbackServerContext* context,
                                                     const v1::AddWatchRequest* request,
                                                     v1::Watch* response) {
  return FinishUnary(context, AddWatch(PresentedBy(*context), *request, response));
}

grpc::ServerUnaryReactor* AlertServiceImpl::ListWatches(grpc::CallbackServerContext* context,
                                                        const v1::ListWatchesRequest* request,
                                                        v1::ListWatchesResponse* response) {
  return FinishUnary(context, ListWatches(PresentedBy(*context), *request, response));
}

grpc::ServerUnaryReactor* AlertServiceImpl::RemoveWatch(grpc::CallbackServerContext* context,
                                                        const v1::RemoveWatchRequest* request,
                                                        v1::RemoveWatchResponse* response) {
  return FinishUnary(context, RemoveWatch(PresentedBy(*context), *request, response));
}

grpc::ServerUnaryReactor* AlertServiceImpl::ListAlerts(grpc::CallbackServerContext* context,
                                                       const v1::ListAlertsRequest* request,
                                                       v1::ListAlertsResponse* response) {
  return FinishUnary(context, ListAlerts(PresentedBy(*context), *request, response));
}

grpc::ServerUnaryReactor* AlertServiceImpl::MarkAlertsRead(
    grpc::CallbackServerContext* context, const v1::MarkAlertsReadRequest* request,
    v1::MarkAlertsReadResponse* response) {
  return FinishUnary(context, MarkAlertsRead(PresentedBy(*context), *request, response));
}

absl::Status AlertServiceImpl::AddWatch(const PresentedIdentity& presented,
                                        const v1::AddWatchRequest& request, v1::Watch* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, Admit(presented, "saving a search", request));
  CAIRN_ASSIGN_OR_RETURN(*response, alerter_->Add(caller.user, request.query(),
                                                  request.all_words(), request.webhook_url()));
  return absl::OkStatus();
}

absl::Status AlertServiceImpl::ListAlerts(const PresentedIdentity& presented,
                                          const v1::ListAlertsRequest& request,
                                          v1::ListAlertsResponse* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, Admit(presented, "listing alerts", request));
  CAIRN_ASSIGN_OR_RETURN(*response, alerter_->List(caller.user, request));
  return absl::OkStatus();
}

absl::Status AlertServiceImpl::MarkAlertsRead(const PresentedIdentity& presented,
                                              const v1::MarkAlertsReadRequest& request,
                                              v1::MarkAlertsReadResponse* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, Admit(presented, "marking alerts read", request));
  CAIRN_ASSIGN_OR_RETURN(*response, alerter_->MarkRead(caller.user, request.through()));
  return absl::OkStatus();
}

absl::Status AlertServiceImpl::ListWatches(const PresentedIdentity& presented,
                                           const v1::ListWatchesRequest& request,
                                           v1::ListWatchesResponse* response) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, Admit(presented, "listing saved searches", request));
  CAIRN_ASSIGN_OR_RETURN(std::vector<v1::Watch> watches, alerter_->List(caller.user));
  for (v1::Watch& watch : watches) *response->add_watches() = std::move(watch);
  return absl::OkStatus();
}

absl::Status AlertServiceImpl::RemoveWatch(const PresentedIdentity& presented,
                                           const v1::RemoveWatchRequest& request,
                                           v1::RemoveWatchResponse*) {
  CAIRN_ASSIGN_OR_RETURN(Principal caller, Admit(presented, "removing a saved search", request));
  return alerter_->Remove(caller.user, request.id());
}

grpc::ServerWriteReactor<v1::AlertEvent>* AlertServiceImpl::StreamAlerts(
    grpc::CallbackServerContext* context, const v1::StreamAlertsRequest* request) {
  class Refused final : public grpc::ServerWriteReactor<v1::AlertEvent> {
   public:
    explicit Refused(const absl::Status& why) { Finish(ToGrpcStatus(why)); }
    void OnDone() override { delete this; }
  };
  const PresentedIdentity presented = PresentedBy(*context);
  absl::StatusOr<Principal> caller = Admit(presented, "following alerts", *request);
  if (!caller.ok()) return new Refused(caller.status());
  {
    absl::MutexLock lock(&mu_);
    int& open = streams_[caller->user];
    if (open >= kMaxStreamsPerUser) {
      return new Refused(absl::ResourceExhaustedError(absl::StrCat(
          "user ", caller->user, " has ", open, " alert streams open already (the limit)")));
    }
    ++open;
  }
  auto* stream = new AlertStream(this, caller->user, presented.certificate_pem, request->after());
  stream->Start();
  return stream;
}

void AlertServiceImpl::Ended(const std::string& user) {
  absl::MutexLock lock(&mu_);
  if (--streams_[user] == 0) streams_.erase(user);
}

void AlertServiceImpl::Stop() {
  stopping_ = true;
  pump_.WakeAll();
}

}  // namespace cairn::server
