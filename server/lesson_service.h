// cairn.v1.LessonService: translates requests from this node's users to the LessonCatalog and
// the ObservationDesk.
#ifndef CAIRN_SERVER_LESSON_SERVICE_H_
#define CAIRN_SERVER_LESSON_SERVICE_H_

#include "cairn/v1/lesson_service.grpc.pb.h"
#include "node/identity/principal.h"
#include "node/lessons/catalog.h"
#include "node/lessons/observations.h"

namespace cairn::server {

// Thin and stateless: checks the caller's role, validates the request's shape, calls the catalog.
// The catalog and authenticator must outlive the service. Thread-safe.
class LessonServiceImpl final : public v1::LessonService::Service {
 public:
  LessonServiceImpl(LessonCatalog* catalog, ObservationDesk* observations,
                    const Authenticator* authenticator)
      : catalog_(catalog), observations_(observations), authenticator_(authenticator) {}

  grpc::Status CreateLesson(grpc::ServerContext* context, const v1::CreateLessonRequest* request,
                            v1::Lesson* response) override;
  grpc::Status UpdateLesson(grpc::ServerContext* context, const v1::UpdateLessonRequest* request,
                            v1::Lesson* response) override;
  grpc::Status GetLesson(grpc::ServerContext* context, const v1::GetLessonRequest* request,
                         v1::Lesson* response) override;
  grpc::Status ListLessons(grpc::ServerContext* context, const v1::ListLessonsRequest* request,
                           v1::ListLessonsResponse* response) override;
  grpc::Status RetractLesson(grpc::ServerContext* context, const v1::RetractLessonRequest* request,
                             v1::Lesson* response) override;
  grpc::Status GetLessonHistory(grpc::ServerContext* context,
                                const v1::GetLessonHistoryRequest* request,
                                v1::LessonHistory* response) override;
  grpc::Status ImportLessons(grpc::ServerContext* context,
                             grpc::ServerReaderWriter<v1::ImportLessonsResponse,
                                                      v1::ImportLessonsRequest>* stream) override;
  grpc::Status SubmitObservation(grpc::ServerContext* context,
                                 const v1::SubmitObservationRequest* request,
                                 v1::Submission* response) override;
  grpc::Status ListMySubmissions(grpc::ServerContext* context,
                                 const v1::ListSubmissionsRequest* request,
                                 v1::ListSubmissionsResponse* response) override;
  grpc::Status ListObservationQueue(grpc::ServerContext* context,
                                    const v1::ListSubmissionsRequest* request,
                                    v1::ListSubmissionsResponse* response) override;
  grpc::Status ReviewObservation(grpc::ServerContext* context,
                                 const v1::ReviewObservationRequest* request,
                                 v1::Submission* response) override;
  grpc::Status RevealSubmitter(grpc::ServerContext* context,
                               const v1::RevealSubmitterRequest* request,
                               v1::RevealSubmitterResponse* response) override;

  // The same, independent of the transport: the gRPC methods above and the web console call
  // these with what the caller presented. ImportLessons answers one request (one batch).
  absl::Status CreateLesson(const PresentedIdentity& presented,
                            const v1::CreateLessonRequest& request, v1::Lesson* response);
  absl::Status UpdateLesson(const PresentedIdentity& presented,
                            const v1::UpdateLessonRequest& request, v1::Lesson* response);
  absl::Status GetLesson(const PresentedIdentity& presented, const v1::GetLessonRequest& request,
                         v1::Lesson* response);
  absl::Status ListLessons(const PresentedIdentity& presented,
                           const v1::ListLessonsRequest& request,
                           v1::ListLessonsResponse* response);
  absl::Status RetractLesson(const PresentedIdentity& presented,
                             const v1::RetractLessonRequest& request, v1::Lesson* response);
  absl::Status GetLessonHistory(const PresentedIdentity& presented,
                                const v1::GetLessonHistoryRequest& request,
                                v1::LessonHistory* response);
  absl::Status ImportLessons(const PresentedIdentity& presented,
                             const v1::ImportLessonsRequest& request,
                             v1::ImportLessonsResponse* response);
  absl::Status SubmitObservation(const PresentedIdentity& presented,
                                 const v1::SubmitObservationRequest& request,
                                 v1::Submission* response);
  absl::Status ListMySubmissions(const PresentedIdentity& presented,
                                 const v1::ListSubmissionsRequest& request,
                                 v1::ListSubmissionsResponse* response);
  absl::Status ListObservationQueue(const PresentedIdentity& presented,
                                    const v1::ListSubmissionsRequest& request,
                                    v1::ListSubmissionsResponse* response);
  absl::Status ReviewObservation(const PresentedIdentity& presented,
                                 const v1::ReviewObservationRequest& request,
                                 v1::Submission* response);
  absl::Status RevealSubmitter(const PresentedIdentity& presented,
                               const v1::RevealSubmitterRequest& request,
                               v1::RevealSubmitterResponse* response);

 private:
  absl::StatusOr<Principal> Admit(const PresentedIdentity& presented, v1::Role needed,
                                  absl::string_view action,
                                  const google::protobuf::Message& request) const;
  // Stores one batch of an import: each item stands alone.
  absl::Status Import(const Principal& caller, v1::ImportLessonsRequest request,
                      v1::ImportLessonsResponse* response) const;

  LessonCatalog* const catalog_;
  ObservationDesk* const observations_;
  const Authenticator* const authenticator_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_LESSON_SERVICE_H_
