#include "server/webhook_sender.h"

#include <httplib.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "cairn/v1/alert_service.pb.h"
#include "google/protobuf/util/json_util.h"
#include "node/common/status_macros.h"

namespace cairn::server {
namespace {

struct ParsedUrl {
  std::string host;
  int port = 443;
  std::string path;
};

// "https://host[:port]/path", as the config allows (node/config checks the prefixes).
absl::StatusOr<ParsedUrl> ParseHttpsUrl(absl::string_view url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat("webhook ", url, " is not https://"));
  }
  const size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  ParsedUrl parsed;
  parsed.path = slash == absl::string_view::npos ? "/" : std::string(rest.substr(slash));
  const size_t colon = authority.rfind(':');
  if (colon != absl::string_view::npos) {
    if (!absl::SimpleAtoi(authority.substr(colon + 1), &parsed.port) || parsed.port <= 0 ||
        parsed.port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("webhook ", url, " has a bad port"));
    }
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("webhook ", url, " names no host"));
  }
  parsed.host = std::string(authority);
  return parsed;
}

std::string PercentEncode(absl::string_view text) {
  std::string encoded;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      absl::StrAppendFormat(&encoded, "%%%02X", c);
    }
  }
  return encoded;
}

}  // namespace

WebhookSender::WebhookSender(Store* store, const Alerter* alerter, WebhookOptions options)
    : store_(store),
      alerter_(alerter),
      options_(std::move(options)),
      delays_(options_.retry_initial, options_.retry_max) {}

WebhookSender::~WebhookSender() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void WebhookSender::Start() {
  thread_ = std::thread([this] { Run(); });
}

absl::Status WebhookSender::Post(const v1::PendingWebhook& pending) const {
  CAIRN_ASSIGN_OR_RETURN(ParsedUrl url, ParseHttpsUrl(pending.url()));
  const v1::Alert& alert = pending.alert();
  v1::WebhookPost post;
  post.set_text(absl::StrCat("Cairn: \"", alert.query(), "\" matched \"", alert.title(), "\" from ",
                             alert.origin_org(), " (", alert.origin_sector(), ")"));
  *post.mutable_alert() = alert;
  if (!options_.console_url.empty()) {
    post.set_link(absl::StrCat(absl::StripSuffix(options_.console_url, "/"),
                               "/lesson?id=", PercentEncode(alert.lesson_id())));
  }
  std::string body;
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = false;
  if (!google::protobuf::util::MessageToJsonString(post, &body, json).ok()) {
    return absl::InternalError("the alert could not be written as JSON");
  }
  httplib::SSLClient client(url.host, url.port);
  client.set_ca_cert_path(options_.ca_file.c_str());
  client.enable_server_certificate_verification(true);
  const auto seconds = absl::ToInt64Seconds(options_.timeout);
  client.set_connection_timeout(seconds);
  client.set_read_timeout(seconds);
  client.set_write_timeout(seconds);
  httplib::Result result = client.Post(url.path, body, "application/json");
  if (!result) {
    return absl::UnavailableError(
        absl::StrCat("posting to ", pending.url(), ": ", httplib::to_string(result.error())));
  }
  if (result->status < 200 || result->status >= 300) {
    return absl::UnavailableError(
        absl::StrCat("posting to ", pending.url(), ": the server answered ", result->status));
  }
  return absl::OkStatus();
}

void WebhookSender::Run() {
  while (!stopping_) {
    const uint64_t seen = store_->CommitCount();
    if (!SendDue()) store_->AwaitCommitAfter(seen, absl::Milliseconds(200));
  }
}

bool WebhookSender::SendDue() {
  absl::StatusOr<std::vector<v1::PendingWebhook>> pending =
      store_->ReadPendingWebhooks(kReadAtOnce);
  if (!pending.ok()) {
    options_.on_problem(pending.status().message());
    return false;
  }
  bool tried = false;
  for (v1::PendingWebhook& next : *pending) {
    if (stopping_) break;
    const absl::Time now = absl::Now();
    if (!delays_.Due(next.url(), now)) continue;
    tried = true;
    StoreBatch batch;
    const uint64_t cursor = next.alert().cursor();
    if (!alerter_->WebhookAllowed(next.url())) {
      options_.on_problem(absl::StrCat("alert ", cursor, " not posted: its webhook ", next.url(),
                                       " is no longer one this node allows"));
      ++given_up_;
      batch.DeletePendingWebhook(cursor);
    } else if (absl::Status posted = Post(next); posted.ok()) {
      ++delivered_;
      delays_.Succeeded(next.url());
      batch.DeletePendingWebhook(cursor);
    } else {
      ++failed_;
      next.set_attempts(next.attempts() + 1);
      const absl::Duration delay = delays_.Failed(next.url(), now);
      if (next.attempts() >= kMaxAttempts) {
        options_.on_problem(absl::StrCat("alert ", cursor, " given up after ", next.attempts(),
                                         " attempts: ", posted.message()));
        ++given_up_;
        batch.DeletePendingWebhook(cursor);
      } else {
        options_.on_problem(
            absl::StrCat(posted.message(), "; trying again in ", absl::FormatDuration(delay)));
        batch.PutPendingWebhook(next);
      }
    }
    if (absl::Status stored = store_->Commit(batch).status(); !stored.ok()) {
      options_.on_problem(stored.message());
      return false;
    }
  }
  return tried;
}

}  // namespace cairn::server
