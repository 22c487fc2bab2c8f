#include "server/report_service.h"

#include "absl/time/clock.h"
#include "node/common/status_macros.h"
#include "node/report/lessons_report.h"
#include "server/security.h"
#include "server/status.h"
#include "server/unary_reactor.h"

namespace cairn::server {

grpc::ServerUnaryReactor* ReportServiceImpl::BuildReport(grpc::CallbackServerContext* context,
                                                         const v1::ReportRequest* request,
                                                         v1::Report* response) {
  return FinishUnary(context, BuildReport(PresentedBy(*context), *request, response));
}

absl::Status ReportServiceImpl::BuildReport(const PresentedIdentity& presented,
                                            const v1::ReportRequest& request,
                                            v1::Report* response) {
  CAIRN_RETURN_IF_ERROR(
      AdmitUser(presented, *authenticator_, v1::ANALYST, "making a report", request).status());
  // What other organisations learned: more like each lesson, from the lessons of others this
  // node holds (other sectors rank first).
  auto related = [this](const v1::Lesson& lesson) {
    std::vector<v1::ReportedLesson::Related> found;
    v1::SearchRequest like;
    like.set_like_lesson_id(lesson.id());
    like.set_page_size(10);
    like.set_skip_facets(true);  // snippets stay: they carry the title and origin
    absl::StatusOr<v1::SearchResponse> hits = index_->Search(like);
    if (!hits.ok()) return found;
    for (const v1::SearchHit& hit : hits->hits()) {
      if (hit.origin_org() == org_id_) continue;
      v1::ReportedLesson::Related& other = found.emplace_back();
      other.set_lesson_id(hit.lesson_id());
      other.set_title(hit.title());
      other.set_origin_org(hit.origin_org());
      other.set_origin_sector(hit.origin_sector());
    }
    return found;
  };
  CAIRN_ASSIGN_OR_RETURN(
      *response, BuildLessonsReport(*store_, org_id_, sector_, request, absl::Now(), related));
  return absl::OkStatus();
}

}  // namespace cairn::server
