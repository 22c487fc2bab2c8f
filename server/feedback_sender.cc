#include "server/feedback_sender.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "cairn/v1/feedback.grpc.pb.h"
#include "server/security.h"
#include "server/status.h"

namespace cairn::server {

FeedbackSender::FeedbackSender(FeedbackDesk* desk, const PeerDirectory* directory, Store* store,
                               const v1::TlsConfig& tls, FeedbackSenderOptions options)
    : desk_(desk),
      directory_(directory),
      store_(store),
      credentials_(MakePeerChannelCredentials(tls)),
      options_(std::move(options)),
      delays_(options_.retry_initial, options_.retry_max) {}

FeedbackSender::~FeedbackSender() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void FeedbackSender::Start() {
  thread_ = std::thread([this] { Run(); });
}

void FeedbackSender::Run() {
  while (!stopping_) {
    const uint64_t seen = store_->CommitCount();
    if (!SendDue()) store_->AwaitCommitAfter(seen, absl::Milliseconds(200));
  }
}

absl::StatusOr<v1::Peer> FeedbackSender::NextHop(const std::string& lesson_id) const {
  const std::string origin = FeedbackDesk::OriginOf(lesson_id);
  absl::StatusOr<v1::Peer> direct = directory_->GetPeer(origin);
  if (direct.ok() && !direct->address().empty()) return direct;
  absl::StatusOr<std::vector<std::pair<std::string, v1::HolderEntry>>> holders =
      store_->ListHolders(lesson_id);
  if (holders.ok()) {
    for (const auto& [source, entry] : *holders) {
      absl::StatusOr<v1::Peer> peer = directory_->GetPeer(source);
      if (peer.ok() && !peer->address().empty()) return peer;
    }
  }
  return absl::NotFoundError(absl::StrCat("no route to ", origin,
                                          ": it is no peer with an address, and this node's "
                                          "copy came from none"));
}

bool FeedbackSender::SendDue() {
  absl::StatusOr<std::vector<v1::PendingFeedback>> pending = desk_->Pending(kReadAtOnce);
  if (!pending.ok()) {
    options_.on_problem(pending.status().message());
    return false;
  }
  bool tried = false;
  for (const v1::PendingFeedback& next : *pending) {
    if (stopping_) break;
    const v1::DeliverFeedbackRequest& request = next.request();
    absl::StatusOr<v1::Peer> hop = NextHop(request.lesson_id());
    const std::string hop_key = hop.ok() ? hop->org_id() : "";
    const absl::Time now = absl::Now();
    if (!delays_.Due(hop_key, now)) continue;
    tried = true;
    absl::Status delivered = hop.status();
    if (hop.ok()) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(now + options_.timeout));
      auto stub = v1::FeedbackExchange::NewStub(
          NewPeerChannel(hop->address(), credentials_, grpc::ChannelArguments()));
      v1::DeliverFeedbackResponse response;
      delivered = FromGrpcStatus(stub->DeliverFeedback(&context, request, &response));
      // Only the node named may take it (an address may now be another node's).
      if (delivered.ok()) {
        delivered = CheckAnsweringPeer(context, options_.federation, hop->org_id(), hop->address());
      }
    }
    absl::Status recorded;
    if (delivered.ok()) {
      ++delivered_;
      delays_.Succeeded(hop_key);
      recorded = desk_->Delivered(next, hop_key);
    } else if (hop.ok() &&
               (absl::IsPermissionDenied(delivered) || absl::IsInvalidArgument(delivered) ||
                absl::IsUnauthenticated(delivered) || absl::IsNotFound(delivered))) {
      // Refused: trying again would get the same answer.
      delays_.Succeeded(hop_key);
      recorded = desk_->Refused(next, hop_key, delivered.message());
    } else {
      const absl::Duration delay = delays_.Failed(hop_key, now);
      options_.on_problem(absl::StrCat("feedback on ", request.lesson_id(), " from ",
                                       request.giver_org(), ": ", delivered.message(),
                                       "; trying again in ", absl::FormatDuration(delay)));
      recorded = desk_->Failed(next);
    }
    if (!recorded.ok()) {
      options_.on_problem(recorded.message());
      return false;
    }
  }
  return tried;
}

}  // namespace cairn::server
