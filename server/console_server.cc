#include "server/console_server.h"

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cairn/v1/console.pb.h"
#include "google/protobuf/util/json_util.h"
#include "node/crypto/mutual_tls.h"
#include "server/admin_service.h"
#include "server/alert_service.h"
#include "server/feedback_service.h"
#include "server/report_service.h"
#include "server/federated_search.h"
#include "server/lesson_service.h"
#include "server/search_service.h"

namespace cairn::server {
namespace {

// As the gRPC listener's receive limit.
constexpr size_t kMaxBodyBytes = 4 * 1024 * 1024;
// Requests served at once; a browser keeps a few connections open, and a federated search holds
// one for up to its deadline.
constexpr size_t kThreads = 8;
// Connections accepted and waiting for a thread; beyond it, new ones wait in the kernel's backlog
// rather than each holding one of cairnd's file descriptors.
constexpr size_t kMaxWaitingConnections = 64;
// Federated searches streaming at once: each holds a thread for up to its deadline, so they may
// take only half of them.
constexpr int kMaxFederatedStreams = kThreads / 2;
// Each read, the TLS handshake's included: how long a connection that sends nothing holds a
// thread.
constexpr time_t kReadTimeoutSeconds = 5;
constexpr time_t kWriteTimeoutSeconds = 10;
constexpr time_t kKeepAliveSeconds = 2;
constexpr size_t kRequestsPerConnection = 100;
constexpr char kCsrfHeader[] = "X-Cairn-Console";
constexpr char kApiPrefix[] = "/api/";

// Only the console's own files may run or be loaded; nothing may frame it.
const httplib::Headers& SecurityHeaders() {
  static const httplib::Headers* headers = new httplib::Headers{
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
      {"Strict-Transport-Security", "max-age=31536000"},
      {"Cache-Control", "no-cache"},
  };
  return *headers;
}

int HttpStatus(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kFailedPrecondition:
      return 412;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

// The node's messages name the field they are about first: "lesson.title: is empty".
std::string FieldNamed(absl::string_view message) {
  size_t colon = message.find(": ");
  if (colon == absl::string_view::npos || colon == 0) return "";
  absl::string_view field = message.substr(0, colon);
  for (char c : field) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != '[' && c != ']') return "";
  }
  return std::string(field);
}

v1::ConsoleError ErrorOf(const absl::Status& status) {
  v1::ConsoleError error;
  error.set_code(absl::StatusCodeToString(status.code()));
  error.set_message(std::string(status.message()));
  if (std::string field = FieldNamed(status.message()); !field.empty()) error.set_field(field);
  return error;
}

void ReplyError(const absl::Status& status, httplib::Response& response) {
  response.status = HttpStatus(status.code());
  response.set_content(ToJson(ErrorOf(status)), "application/json");
}

absl::Status FromJson(const std::string& body, google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(body.empty() ? "{}" : body, message,
                                                            options);
  if (parsed.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("request body: not a ", message->GetDescriptor()->full_name(), " in JSON: ",
                   parsed.message().as_string()));
}

// httplib's thread pool, with a bound on the connections waiting for a thread: at the bound, the
// thread that accepts connections waits for room.
class BoundedThreadPool final : public httplib::TaskQueue {
 public:
  BoundedThreadPool(size_t threads, size_t max_waiting) : max_waiting_(max_waiting) {
    for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~BoundedThreadPool() override { shutdown(); }

  void enqueue(std::function<void()> job) override {
    std::unique_lock<std::mutex> lock(mu_);
    // At shutdown the job still runs: it is what closes the connection's socket.
    room_.wait(lock, [this] { return stopping_ || jobs_.size() < max_waiting_; });
    jobs_.push_back(std::move(job));
    lock.unlock();
    job_ready_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    job_ready_.notify_all();
    room_.notify_all();
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

 private:
  void Work() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        job_ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping, with nothing left to do
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      room_.notify_one();
      job();
    }
  }

  const size_t max_waiting_;
  std::mutex mu_;
  std::condition_variable job_ready_;
  std::condition_variable room_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  std::vector<std::thread> threads_;
};

// One API method: the caller, the request body, and the response to fill.
using ApiMethod = std::function<void(const PresentedIdentity&, const std::string&,
                                     httplib::Response&)>;

// A unary method of a service, as the gRPC service's transport-independent method serves it.
template <typename Service, typename Request, typename Response>
ApiMethod Unary(Service* service, absl::Status (Service::*method)(const PresentedIdentity&,
                                                                  const Request&, Response*)) {
  return [service, method](const PresentedIdentity& caller, const std::string& body,
                           httplib::Response& http) {
    Request request;
    if (absl::Status parsed = FromJson(body, &request); !parsed.ok()) {
      return ReplyError(parsed, http);
    }
    Response response;
    if (absl::Status done = (service->*method)(caller, request, &response); !done.ok()) {
      return ReplyError(done, http);
    }
    http.set_content(ToJson(response), "application/json");
  };
}

// FederatedSearch: each event a JSON line as it comes; a failure, as a line {"error": ...}. At
// most kMaxFederatedStreams at once.
ApiMethod StreamedFederatedSearch(SearchServiceImpl* service) {
  auto streams = std::make_shared<std::atomic<int>>(0);
  return [service, streams](const PresentedIdentity& caller, const std::string& body,
                            httplib::Response& http) {
    auto request = std::make_shared<v1::FederatedSearchRequest>();
    if (absl::Status parsed = FromJson(body, request.get()); !parsed.ok()) {
      return ReplyError(parsed, http);
    }
    if (streams->fetch_add(1) >= kMaxFederatedStreams) {
      streams->fetch_sub(1);
      return ReplyError(absl::ResourceExhaustedError(absl::StrCat(
                            "the console is already answering ", kMaxFederatedStreams,
                            " federated searches; try again in a moment")),
                        http);
    }
    // Held by the stream's writer, which httplib destroys whether or not it ran.
    std::shared_ptr<void> slot(nullptr, [streams](void*) { streams->fetch_sub(1); });
    http.set_chunked_content_provider(
        "application/x-ndjson",
        [service, caller, request, slot](size_t, httplib::DataSink& sink) {
          auto write_line = [&sink](std::string line) {
            line += '\n';
            sink.write(line.data(), line.size());
          };
          absl::Status done = service->FederatedSearch(
              caller, *request, absl::Now() + FederatedSearcher::kMaxDeadline,
              [&write_line](const v1::FederatedSearchEvent& event) { write_line(ToJson(event)); });
          if (!done.ok()) write_line(absl::StrCat("{\"error\":", ToJson(ErrorOf(done)), "}"));
          sink.done();
          return true;
        });
  };
}

std::map<std::string, ApiMethod> ApiMethods(const ConsoleServer::Services& services) {
  const std::string lessons = v1::LessonService::service_full_name();
  const std::string search = v1::SearchService::service_full_name();
  const std::string admin = v1::AdminService::service_full_name();
  const std::string alerts = v1::AlertService::service_full_name();
  AlertServiceImpl* w = services.alerts;
  const std::string feedback = v1::FeedbackService::service_full_name();
  FeedbackServiceImpl* f = services.feedback;
  const std::string reports = v1::ReportService::service_full_name();
  LessonServiceImpl* l = services.lessons;
  AdminServiceImpl* a = services.admin;
  return {
      {lessons + "/CreateLesson", Unary(l, &LessonServiceImpl::CreateLesson)},
      {lessons + "/UpdateLesson", Unary(l, &LessonServiceImpl::UpdateLesson)},
      {lessons + "/GetLesson", Unary(l, &LessonServiceImpl::GetLesson)},
      {lessons + "/ListLessons", Unary(l, &LessonServiceImpl::ListLessons)},
      {lessons + "/RetractLesson", Unary(l, &LessonServiceImpl::RetractLesson)},
      {lessons + "/GetLessonHistory", Unary(l, &LessonServiceImpl::GetLessonHistory)},
      {lessons + "/ImportLessons", Unary(l, &LessonServiceImpl::ImportLessons)},
      {lessons + "/SubmitObservation", Unary(l, &LessonServiceImpl::SubmitObservation)},
      {lessons + "/ListMySubmissions", Unary(l, &LessonServiceImpl::ListMySubmissions)},
      {lessons + "/ListObservationQueue", Unary(l, &LessonServiceImpl::ListObservationQueue)},
      {lessons + "/ReviewObservation", Unary(l, &LessonServiceImpl::ReviewObservation)},
      {lessons + "/RevealSubmitter", Unary(l, &LessonServiceImpl::RevealSubmitter)},
      {search + "/Search", Unary(services.search, &SearchServiceImpl::Search)},
      {search + "/FederatedSearch", StreamedFederatedSearch(services.search)},
      {alerts + "/AddWatch", Unary(w, &AlertServiceImpl::AddWatch)},
      {alerts + "/ListWatches", Unary(w, &AlertServiceImpl::ListWatches)},
      {alerts + "/RemoveWatch", Unary(w, &AlertServiceImpl::RemoveWatch)},
      {alerts + "/ListAlerts", Unary(w, &AlertServiceImpl::ListAlerts)},
      {alerts + "/MarkAlertsRead", Unary(w, &AlertServiceImpl::MarkAlertsRead)},
      {feedback + "/GiveFeedback", Unary(f, &FeedbackServiceImpl::GiveFeedback)},
      {feedback + "/GetFeedback", Unary(f, &FeedbackServiceImpl::GetFeedback)},
      {reports + "/BuildReport", Unary(services.reports, &ReportServiceImpl::BuildReport)},
      {admin + "/PutPeer", Unary(a, &AdminServiceImpl::PutPeer)},
      {admin + "/ListPeers", Unary(a, &AdminServiceImpl::ListPeers)},
      {admin + "/GetPeer", Unary(a, &AdminServiceImpl::GetPeer)},
      {admin + "/RemovePeer", Unary(a, &AdminServiceImpl::RemovePeer)},
      {admin + "/SetPolicy", Unary(a, &AdminServiceImpl::SetPolicy)},
      {admin + "/GetPolicy", Unary(a, &AdminServiceImpl::GetPolicy)},
      {admin + "/ListPolicyHistory", Unary(a, &AdminServiceImpl::ListPolicyHistory)},
      {admin + "/ExplainSharing", Unary(a, &AdminServiceImpl::ExplainSharing)},
      {admin + "/PreviewPolicy", Unary(a, &AdminServiceImpl::PreviewPolicy)},
      {admin + "/ListExportView", Unary(a, &AdminServiceImpl::ListExportView)},
      {admin + "/ListAudit", Unary(a, &AdminServiceImpl::ListAudit)},
      {admin + "/GetReplicationStatus", Unary(a, &AdminServiceImpl::GetReplicationStatus)},
      {admin + "/TestPeerLink", Unary(a, &AdminServiceImpl::TestPeerLink)},
      {admin + "/CheckSearchIndex", Unary(a, &AdminServiceImpl::CheckSearchIndex)},
      {admin + "/GetVocabulary", Unary(a, &AdminServiceImpl::GetVocabulary)},
      {admin + "/SetVocabulary", Unary(a, &AdminServiceImpl::SetVocabulary)},
  };
}

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("no page ", path.filename().string()));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A path under the assets directory that cannot climb out of it: segments of letters, digits,
// '.', '_' and '-', none empty, "." or "..".
bool IsAssetPath(absl::string_view relative) {
  for (absl::string_view segment : absl::StrSplit(relative, '/')) {
    if (segment.empty() || segment == "." || segment == "..") return false;
    for (char c : segment) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
        return false;
      }
    }
  }
  return true;
}

// Refuses what a cross-site page could make a browser send: a state-changing request needs a
// header only a same-origin script can add, and must not come from another origin.
absl::Status CheckSameOrigin(const httplib::Request& request) {
  if (request.get_header_value(kCsrfHeader) != "1") {
    return absl::PermissionDeniedError(
        absl::StrCat("console API calls need the header ", kCsrfHeader, ": 1"));
  }
  std::string origin = request.get_header_value("Origin");
  if (!origin.empty() && origin != absl::StrCat("https://", request.get_header_value("Host"))) {
    return absl::PermissionDeniedError(
        absl::StrCat("a console API call from another site (", origin, ") is refused"));
  }
  std::string site = request.get_header_value("Sec-Fetch-Site");
  if (!site.empty() && site != "same-origin") {
    return absl::PermissionDeniedError(
        absl::StrCat("a console API call from a ", site, " page is refused"));
  }
  return absl::OkStatus();
}

}  // namespace

struct ConsoleServer::Impl {
  std::string assets_dir;
  const Authenticator* authenticator = nullptr;
  v1::ConsoleSession node;  // federation, org and sector
  std::map<std::string, ApiMethod> api;
  absl::Status tls_status;
  std::unique_ptr<MutualTlsServer> tls;
  std::unique_ptr<httplib::SSLServer> http;
  int port = 0;
  std::thread serving;

  void Route();
  httplib::Server::HandlerResponse Admit(const httplib::Request& request,
                                         httplib::Response& response) const;
  void ServePage(const std::string& name, httplib::Response& response) const;
  void ServeAsset(const httplib::Request& request, httplib::Response& response) const;
};

httplib::Server::HandlerResponse ConsoleServer::Impl::Admit(const httplib::Request& request,
                                                            httplib::Response& response) const {
  if (absl::StartsWith(request.path, kApiPrefix)) {
    // Answers hold lessons from other organisations: not to be kept in the browser's disk cache.
    response.headers.erase("Cache-Control");
    response.set_header("Cache-Control", "no-store");
  }
  absl::StatusOr<Principal> caller = authenticator->Authenticate(ClientIdentity(request.ssl));
  absl::Status admitted = caller.status();
  if (caller.ok() && caller->kind != Principal::Kind::kUser) {
    admitted = absl::PermissionDeniedError(absl::StrCat(
        "the console is for the users of ", node.org_id(), ", not ", caller->Describe()));
  }
  if (admitted.ok() && request.method != "GET" && request.method != "HEAD") {
    admitted = CheckSameOrigin(request);
  }
  if (admitted.ok()) return httplib::Server::HandlerResponse::Unhandled;
  ReplyError(admitted, response);
  return httplib::Server::HandlerResponse::Handled;
}

void ConsoleServer::Impl::ServePage(const std::string& name, httplib::Response& response) const {
  absl::StatusOr<std::string> page =
      ReadFile(std::filesystem::path(assets_dir) / (name + ".html"));
  if (!page.ok()) {
    response.status = 404;
    response.set_content(std::string(page.status().message()), "text/plain; charset=utf-8");
    return;
  }
  response.set_content(*std::move(page), "text/html; charset=utf-8");
}

// The console's files, each with an ETag (its modification time and size). Every response says
// Cache-Control: no-cache, so a browser asks again on each page load; when its copy is current
// the answer is a bodiless 304 instead of the file.
void ConsoleServer::Impl::ServeAsset(const httplib::Request& request,
                                     httplib::Response& response) const {
  static const std::map<std::string, std::string>* kTypes = new std::map<std::string, std::string>{
      {".js", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".map", "application/json"},              {".json", "application/manifest+json"},
      {".svg", "image/svg+xml"},                 {".png", "image/png"},
      {".ico", "image/x-icon"}};
  auto no_such_file = [&response] {
    response.status = 404;
    response.set_content("no such file", "text/plain; charset=utf-8");
  };
  const std::string relative = request.matches[1];
  if (!IsAssetPath(relative)) return no_such_file();
  const std::filesystem::path path = std::filesystem::path(assets_dir) / "assets" / relative;
  auto type = kTypes->find(path.extension().string());
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  const auto modified = error ? std::filesystem::file_time_type()
                              : std::filesystem::last_write_time(path, error);
  if (error || type == kTypes->end()) return no_such_file();
  const std::string etag = absl::StrCat("\"", modified.time_since_epoch().count(), "-", size, "\"");
  response.set_header("ETag", etag);
  if (request.get_header_value("If-None-Match") == etag) {
    response.status = 304;
    return;
  }
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return no_such_file();
  response.set_content(*std::move(content), type->second);
}

void ConsoleServer::Impl::Route() {
  httplib::SSLServer& server = *http;
  server.new_task_queue = [] { return new BoundedThreadPool(kThreads, kMaxWaitingConnections); };
  server.set_payload_max_length(kMaxBodyBytes);
  server.set_read_timeout(kReadTimeoutSeconds);
  server.set_write_timeout(kWriteTimeoutSeconds);
  server.set_keep_alive_timeout(kKeepAliveSeconds);
  // A page load makes a dozen requests; httplib's default of 5 a connection made browsers
  // open new connections, each a full TLS handshake, in the middle of loading a page.
  server.set_keep_alive_max_count(kRequestsPerConnection);
  // A response goes out in several TLS records: with Nagle's algorithm each waited on the
  // browser's delayed ACK, and a page's CSS took 200 ms to arrive over loopback.
  server.set_tcp_nodelay(true);
  server.set_default_headers(SecurityHeaders());
  server.set_pre_routing_handler(
      [this](const httplib::Request& request, httplib::Response& response) {
        return Admit(request, response);
      });
  server.Get(R"(/assets/(.+))", [this](const httplib::Request& request,
                                       httplib::Response& response) {
    ServeAsset(request, response);
  });
  server.Get("/", [this](const httplib::Request&, httplib::Response& response) {
    ServePage("search", response);
  });
  server.Get(R"(/([a-z][a-z-]*))",
             [this](const httplib::Request& request, httplib::Response& response) {
               ServePage(request.matches[1], response);
             });
  server.Post("/api/console/Session",
              [this](const httplib::Request& request, httplib::Response& response) {
                absl::StatusOr<Principal> caller =
                    authenticator->Authenticate(ClientIdentity(request.ssl));
                if (!caller.ok()) return ReplyError(caller.status(), response);
                v1::ConsoleSession session = node;
                session.set_user(caller->user);
                session.set_role(caller->role);
                response.set_content(ToJson(session), "application/json");
              });
  server.Post(R"(/api/(.+))", [this](const httplib::Request& request,
                                     httplib::Response& response) {
    auto method = api.find(request.matches[1]);
    if (method == api.end()) {
      return ReplyError(absl::NotFoundError(absl::StrCat("no API method ", request.path)),
                        response);
    }
    if (!absl::StartsWith(request.get_header_value("Content-Type"), "application/json")) {
      return ReplyError(absl::InvalidArgumentError("Content-Type: must be application/json"),
                        response);
    }
    method->second(ClientIdentity(request.ssl), request.body, response);
  });
}

absl::StatusOr<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(
    const v1::NodeConfig& config, const std::string& default_assets_dir,
    std::shared_ptr<const FederationTrust> trust, const Authenticator* authenticator,
    Services services) {
  auto impl = std::make_unique<Impl>();
  impl->assets_dir =
      config.console().assets_dir().empty() ? default_assets_dir : config.console().assets_dir();
  if (!std::filesystem::exists(std::filesystem::path(impl->assets_dir) / "search.html")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "console.assets_dir: ", impl->assets_dir,
        " holds no built console (search.html); `./build.sh build` builds it"));
  }
  impl->authenticator = authenticator;
  impl->node.set_federation(config.federation());
  impl->node.set_org_id(config.org_id());
  impl->node.set_sector(config.sector());
  impl->api = ApiMethods(services);
  const v1::TlsConfig& tls = config.tls();
  Impl* raw = impl.get();
  impl->http = std::make_unique<httplib::SSLServer>([raw, &tls, &trust](SSL_CTX& ctx) {
    absl::StatusOr<std::unique_ptr<MutualTlsServer>> configured = MutualTlsServer::Configure(
        &ctx, tls.cert_file(), tls.key_file(), trust,
        {absl::Seconds(tls.refresh_interval_seconds())});
    if (!configured.ok()) {
      raw->tls_status = configured.status();
      return false;
    }
    raw->tls = *std::move(configured);
    return true;
  });
  if (!impl->http->is_valid()) {
    return impl->tls_status.ok() ? absl::InternalError("the console's TLS context failed")
                                 : impl->tls_status;
  }
  impl->Route();

  const std::string& address = config.console().listen_address();
  size_t colon = address.rfind(':');
  std::string host(absl::StripSuffix(absl::StripPrefix(address.substr(0, colon), "["), "]"));
  int port = 0;
  (void)absl::SimpleAtoi(address.substr(colon + 1), &port);  // checked with the config
  impl->port = port == 0 ? impl->http->bind_to_any_port(host)
                         : (impl->http->bind_to_port(host, port) ? port : -1);
  if (impl->port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("console.listen_address: cannot listen on ", address));
  }
  impl->serving = std::thread([raw] { raw->http->listen_after_bind(); });
  return std::unique_ptr<ConsoleServer>(new ConsoleServer(std::move(impl)));
}

ConsoleServer::ConsoleServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ConsoleServer::~ConsoleServer() {
  impl_->http->stop();
  if (impl_->serving.joinable()) impl_->serving.join();
}

int ConsoleServer::port() const { return impl_->port; }
const std::string& ConsoleServer::assets_dir() const { return impl_->assets_dir; }

}  // namespace cairn::server
