// cairn.v1.AlertService: saved searches and the stream of their alerts, for this node's analysts.
// A stream holds no thread while it waits: it parks in a FeedPump of its own until the store
// commits (the alerter's write of new alerts) or its heartbeat is due.
#ifndef CAIRN_SERVER_ALERT_SERVICE_H_
#define CAIRN_SERVER_ALERT_SERVICE_H_

#include <atomic>

#include "absl/container/flat_hash_map.h"
#include "cairn/v1/alert_service.grpc.pb.h"
#include "node/alerts/alerter.h"
#include "node/identity/principal.h"
#include "server/feed_pump.h"

namespace cairn::server {

// Everything it uses must outlive it. Thread-safe.
class AlertServiceImpl final : public v1::AlertService::CallbackService {
 public:
  static constexpr int kMaxStreamsPerUser = 4;
  static constexpr size_t kAlertsPerMessage = 100;  // read at a time; each sent on its own
  static constexpr absl::Duration kHeartbeat = absl::Seconds(30);

  AlertServiceImpl(Alerter* alerter, const Store* store, const Authenticator* authenticator)
      : alerter_(alerter), store_(store), authenticator_(authenticator), pump_(store) {}

  grpc::ServerUnaryReactor* AddWatch(grpc::CallbackServerContext* context,
                                     const v1::AddWatchRequest* request,
                                     v1::Watch* response) override;
  grpc::ServerUnaryReactor* ListWatches(grpc::CallbackServerContext* context,
                                        const v1::ListWatchesRequest* request,
                                        v1::ListWatchesResponse* response) override;
  grpc::ServerUnaryReactor* RemoveWatch(grpc::CallbackServerContext* context,
                                        const v1::RemoveWatchRequest* request,
                                        v1::RemoveWatchResponse* response) override;
  grpc::ServerWriteReactor<v1::AlertEvent>* StreamAlerts(
      grpc::CallbackServerContext* context, const v1::StreamAlertsRequest* request) override;
  grpc::ServerUnaryReactor* ListAlerts(grpc::CallbackServerContext* context,
                                       const v1::ListAlertsRequest* request,
                                       v1::ListAlertsResponse* response) override;
  grpc::ServerUnaryReactor* MarkAlertsRead(grpc::CallbackServerContext* context,
                                           const v1::MarkAlertsReadRequest* request,
                                           v1::MarkAlertsReadResponse* response) override;

  // The same, independent of the transport (the web console calls these).
  absl::Status AddWatch(const PresentedIdentity& presented, const v1::AddWatchRequest& request,
                        v1::Watch* response);
  absl::Status ListWatches(const PresentedIdentity& presented,
                           const v1::ListWatchesRequest& request,
                           v1::ListWatchesResponse* response);
  absl::Status RemoveWatch(const PresentedIdentity& presented,
                           const v1::RemoveWatchRequest& request,
                           v1::RemoveWatchResponse* response);
  absl::Status ListAlerts(const PresentedIdentity& presented, const v1::ListAlertsRequest& request,
                          v1::ListAlertsResponse* response);
  absl::Status MarkAlertsRead(const PresentedIdentity& presented,
                              const v1::MarkAlertsReadRequest& request,
                              v1::MarkAlertsReadResponse* response);

  // Ends every open stream soon, ahead of a graceful shutdown.
  void Stop();

 private:
  class AlertStream;
  absl::StatusOr<Principal> Admit(const PresentedIdentity& presented, absl::string_view action,
                                  const google::protobuf::Message& request) const;
  void Ended(const std::string& user);

  Alerter* const alerter_;
  const Store* const store_;
  const Authenticator* const authenticator_;
  std::atomic<bool> stopping_{false};
  FeedPump pump_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> streams_ ABSL_GUARDED_BY(mu_);  // open, by user
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_ALERT_SERVICE_H_
