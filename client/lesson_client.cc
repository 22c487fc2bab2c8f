#include "client/lesson_client.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "cairn/v1/lesson_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace cairn::client {
namespace {

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

absl::StatusOr<std::string> ReadFile(absl::string_view what, const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no ", what, " file given"));
  }
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", what, " file ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

struct LessonClient::Stub {
  std::unique_ptr<v1::LessonService::Stub> service;
};

absl::StatusOr<std::unique_ptr<LessonClient>> LessonClient::Connect(
    const ConnectionOptions& options) {
  if (options.address.empty()) {
    return absl::InvalidArgumentError("no node address given (--addr or CAIRN_ADDR)");
  }
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> ca = ReadFile("trust bundle (--ca, CAIRN_CA)", options.ca_file);
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> cert = ReadFile("certificate (--cert, CAIRN_CERT)", options.cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile("private key (--key, CAIRN_KEY)", options.key_file);
  if (!key.ok()) return key.status();
  ssl.pem_root_certs = *std::move(ca);
  ssl.pem_cert_chain = *std::move(cert);
  ssl.pem_private_key = *std::move(key);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  auto channel = grpc::CreateCustomChannel(options.address, grpc::SslCredentials(ssl), args);
  return std::unique_ptr<LessonClient>(new LessonClient(options, std::move(channel)));
}

LessonClient::LessonClient(ConnectionOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      stub_(new Stub{v1::LessonService::NewStub(std::move(channel))}) {}

LessonClient::~LessonClient() = default;

namespace {

// Runs one unary call with the client's deadline.
template <typename Request, typename Response, typename Method>
absl::StatusOr<Response> Call(v1::LessonService::Stub* stub, Method method,
                              const Request& request, absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  Response response;
  grpc::Status status = (stub->*method)(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return response;
}

}  // namespace

absl::StatusOr<v1::Lesson> LessonClient::Create(const v1::Lesson& draft) {
  v1::CreateLessonRequest request;
  *request.mutable_lesson() = draft;
  return Call<v1::CreateLessonRequest, v1::Lesson>(
      stub_->service.get(), &v1::LessonService::Stub::CreateLesson, request, options_.timeout);
}

absl::StatusOr<v1::Lesson> LessonClient::Update(const v1::Lesson& edit) {
  v1::UpdateLessonRequest request;
  *request.mutable_lesson() = edit;
  return Call<v1::UpdateLessonRequest, v1::Lesson>(
      stub_->service.get(), &v1::LessonService::Stub::UpdateLesson, request, options_.timeout);
}

absl::StatusOr<v1::Lesson> LessonClient::Get(const std::string& id) {
  v1::GetLessonRequest request;
  request.set_id(id);
  return Call<v1::GetLessonRequest, v1::Lesson>(
      stub_->service.get(), &v1::LessonService::Stub::GetLesson, request, options_.timeout);
}

absl::StatusOr<v1::ListLessonsResponse> LessonClient::List(const v1::ListLessonsRequest& request) {
  return Call<v1::ListLessonsRequest, v1::ListLessonsResponse>(
      stub_->service.get(), &v1::LessonService::Stub::ListLessons, request, options_.timeout);
}

absl::StatusOr<v1::Lesson> LessonClient::Retract(const std::string& id, const std::string& reason) {
  v1::RetractLessonRequest request;
  request.set_id(id);
  if (!reason.empty()) request.set_reason(reason);
  return Call<v1::RetractLessonRequest, v1::Lesson>(
      stub_->service.get(), &v1::LessonService::Stub::RetractLesson, request, options_.timeout);
}

absl::Status LessonClient::Import(
    const std::function<bool(v1::ImportLessonsRequest*)>& next,
    const std::function<void(const v1::ImportLessonsResponse&)>& on_results) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.import_timeout));
  auto stream = stub_->service->ImportLessons(&context);
  v1::ImportLessonsRequest request;
  v1::ImportLessonsResponse response;
  while (true) {
    request.Clear();
    if (!next(&request)) break;
    if (!stream->Write(request)) break;  // the node ended the call; Finish says why
    if (!stream->Read(&response)) break;
    on_results(response);
  }
  stream->WritesDone();
  return FromGrpc(stream->Finish());
}

}  // namespace cairn::client
