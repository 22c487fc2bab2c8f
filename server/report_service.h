// cairn.v1.ReportService: the lessons report (node/report), for this organisation's users.
#ifndef CAIRN_SERVER_REPORT_SERVICE_H_
#define CAIRN_SERVER_REPORT_SERVICE_H_

#include <string>

#include "cairn/v1/report.grpc.pb.h"
#include "node/identity/principal.h"
#include "node/search/search_index.h"
#include "node/storage/store.h"

namespace cairn::server {

// Everything it uses must outlive it. Thread-safe.
class ReportServiceImpl final : public v1::ReportService::CallbackService {
 public:
  ReportServiceImpl(const Store* store, const search::SearchIndex* index,
                    const Authenticator* authenticator, std::string org_id, std::string sector)
      : store_(store),
        index_(index),
        authenticator_(authenticator),
        org_id_(std::move(org_id)),
        sector_(std::move(sector)) {}

  grpc::ServerUnaryReactor* BuildReport(grpc::CallbackServerContext* context,
                                        const v1::ReportRequest* request,
                                        v1::Report* response) override;
  // The same, independent of the transport (the web console calls it).
  absl::Status BuildReport(const PresentedIdentity& presented, const v1::ReportRequest& request,
                           v1::Report* response);

 private:
  const Store* const store_;
  const search::SearchIndex* const index_;
  const Authenticator* const authenticator_;
  const std::string org_id_;
  const std::string sector_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_REPORT_SERVICE_H_
