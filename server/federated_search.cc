#include "server/federated_search.h"

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cairn/v1/federation.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "node/audit/audit_log.h"
#include "node/search/federated_merge.h"
#include "node/search/lesson_text.h"
#include "server/security.h"

namespace cairn::server {
namespace {

constexpr size_t kDefaultPageSize = 10;

v1::PeerOutcome::State StateOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return v1::PeerOutcome::OK;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
      return v1::PeerOutcome::TIMED_OUT;
    case grpc::StatusCode::UNAVAILABLE:
      return v1::PeerOutcome::UNREACHABLE;
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return v1::PeerOutcome::REFUSED;
    default:
      return v1::PeerOutcome::FAILED;
  }
}

// One node asked: filled in by its thread, read by the caller's once `done`.
struct Call {
  std::string org;
  grpc::ClientContext context;  // unused for this node's own answer
  v1::PeerOutcome outcome;
  search::NodeAnswer answer;  // what of its answer may be believed
  bool done = false;
};

}  // namespace

FederatedSearcher::FederatedSearcher(const search::SearchIndex* index,
                                     const PeerDirectory* directory, const LessonVerifier* verifier,
                                     Store* audit_store, const v1::TlsConfig& tls,
                                     std::string self_org, std::string federation)
    : index_(index),
      directory_(directory),
      verifier_(verifier),
      audit_store_(audit_store),
      credentials_(MakePeerChannelCredentials(tls)),
      self_org_(std::move(self_org)),
      federation_(std::move(federation)) {}

FederatedSearcher::~FederatedSearcher() = default;

std::shared_ptr<grpc::Channel> FederatedSearcher::ChannelTo(const v1::Peer& peer) {
  absl::MutexLock lock(&mu_);
  PeerChannel& known = channels_[peer.address()];
  // A channel that failed to connect would fail every query until gRPC's backoff passed (up to
  // two minutes), even once the peer is back: ask through a fresh one instead, but not more than
  // once a second, so a peer that stays down costs one connection attempt a second at most.
  const absl::Time now = absl::Now();
  if (known.channel == nullptr ||
      (known.channel->GetState(false) == GRPC_CHANNEL_TRANSIENT_FAILURE &&
       now - known.made >= absl::Seconds(1))) {
    known = {NewPeerChannel(peer.address(), credentials_, grpc::ChannelArguments()), now};
  }
  return known.channel;
}

absl::Status FederatedSearcher::Audit(const std::string& peer,
                                      const std::vector<search::Rejection>& rejections) {
  if (rejections.empty()) return absl::OkStatus();
  StoreBatch audit;
  const absl::Time now = absl::Now();
  for (const search::Rejection& rejection : rejections) {
    audit.Audit(NewAuditEvent(now, absl::StrCat("peer ", peer), "federation.rejected",
                              rejection.lesson_id.empty() ? peer : rejection.lesson_id, 0,
                              rejection.version, rejection.reason));
  }
  return audit_store_->Commit(audit).status();
}

absl::StatusOr<v1::FederatedSearchResult> FederatedSearcher::Search(
    const v1::FederatedSearchRequest& request, absl::Time deadline,
    const std::function<void(const v1::PeerAnswered&)>& on_answer) {
  absl::StatusOr<search::Query> query = search::ParseQuery(request.query());
  if (!query.ok()) return query.status();
  size_t page_size = request.has_page_size() ? request.page_size() : kDefaultPageSize;
  if (page_size == 0 || page_size > search::SearchIndex::kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must be 1 to ", search::SearchIndex::kMaxPageSize, ", not ", page_size));
  }
  absl::Duration wait = request.has_deadline_ms() ? absl::Milliseconds(request.deadline_ms())
                                                  : kDefaultDeadline;
  if (wait <= absl::ZeroDuration() || wait > kMaxDeadline) {
    return absl::InvalidArgumentError(absl::StrCat("deadline_ms: must be 1 to ",
                                                   absl::ToInt64Milliseconds(kMaxDeadline)));
  }
  const absl::Time start = absl::Now();
  deadline = std::min(deadline, start + wait);
  v1::PeerQueryRequest asked;
  asked.set_query(request.query());
  asked.set_max_results(static_cast<uint32_t>(page_size));

  // Every thread reports through `mu`; the calls outlive them (joined below).
  absl::Mutex mu;
  std::vector<std::unique_ptr<Call>> calls;
  std::vector<std::thread> threads;
  auto finish = [&mu, start](Call* call, const absl::Status& status) {
    absl::MutexLock lock(&mu);
    call->outcome.set_org(call->org);
    call->outcome.set_latency_ms(absl::ToDoubleMilliseconds(absl::Now() - start));
    call->outcome.set_state(StateOf(static_cast<grpc::StatusCode>(status.code())));
    if (status.ok()) {
      call->outcome.set_hits(call->answer.total_hits);
    } else {
      call->answer = search::NodeAnswer();
      call->outcome.set_error(std::string(status.message()));
    }
    call->done = true;
  };
  search::QueryStatistics here;  // this node's, written by its own call's thread
  calls.push_back(std::make_unique<Call>());
  calls.back()->org = self_org_;
  threads.emplace_back([this, &asked, &finish, &here, call = calls.back().get()] {
    absl::StatusOr<v1::PeerQueryResponse> answer = index_->AnswerHere(asked, &here);
    if (answer.ok()) call->answer = search::OwnAnswer(self_org_, *std::move(answer));
    finish(call, answer.status());
  });
  const std::vector<v1::Peer> peers = directory_->ListPeers();
  KnownSectors sectors;  // what a lesson's claimed origin sector is held to
  for (const v1::Peer& peer : peers) {
    if (!peer.sector().empty()) sectors[peer.org_id()] = peer.sector();
  }
  for (const v1::Peer& peer : peers) {
    if (peer.address().empty() || peer.org_id() == self_org_) continue;
    calls.push_back(std::make_unique<Call>());
    Call* call = calls.back().get();
    call->org = peer.org_id();
    call->context.set_deadline(absl::ToChronoTime(deadline));
    std::shared_ptr<grpc::Channel> channel = ChannelTo(peer);
    threads.emplace_back([this, &asked, &finish, &query, &sectors, page_size, call, channel, peer] {
      auto stub = v1::FederationService::NewStub(channel);
      v1::PeerQueryResponse response;
      grpc::Status status = stub->Query(&call->context, asked, &response);
      absl::Status outcome(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
      if (status.ok()) {
        // The node at that address must be the peer we meant to ask.
        outcome = CheckAnsweringPeer(call->context, federation_, peer.org_id(), peer.address());
        if (!outcome.ok()) outcome = absl::UnavailableError(outcome.message());
      }
      if (outcome.ok()) {
        search::CheckedAnswer checked =
            search::CheckPeerAnswer(*query, peer.org_id(), page_size, std::move(response), sectors,
                                    *verifier_);
        call->answer = std::move(checked.answer);
        call->outcome.set_rejected(static_cast<uint32_t>(checked.rejected));
        for (size_t i = 0; i < checked.rejections.size() && i < search::kMaxRejectionsShown; ++i) {
          call->outcome.add_rejections(checked.rejections[i].reason);
        }
        if (absl::Status audited = Audit(peer.org_id(), checked.rejections); !audited.ok()) {
          call->outcome.set_error(absl::StrCat("its rejected lessons could not be audited: ",
                                               audited.message()));
        }
      }
      finish(call, outcome);
    });
  }

  // Report each outcome as it comes, until all are in or the deadline passes.
  std::vector<bool> reported(calls.size(), false);
  size_t waiting = calls.size();
  while (waiting > 0) {
    std::vector<const Call*> ready;
    {
      absl::MutexLock lock(&mu);
      auto any_new = [&] {
        for (size_t i = 0; i < calls.size(); ++i) {
          if (calls[i]->done && !reported[i]) return true;
        }
        return false;
      };
      if (!mu.AwaitWithDeadline(absl::Condition(&any_new), deadline)) break;
      for (size_t i = 0; i < calls.size(); ++i) {
        if (!calls[i]->done || reported[i]) continue;
        reported[i] = true;
        --waiting;
        ready.push_back(calls[i].get());  // done: its thread no longer touches it
      }
    }
    for (const Call* call : ready) {
      v1::PeerAnswered answered;
      *answered.mutable_outcome() = call->outcome;
      for (size_t i = 0; i < call->answer.lessons.size(); ++i) {
        v1::SearchHit* hit = answered.add_hits();
        search::SummarizeHit(call->answer.lessons[i], hit);
        hit->set_score(call->answer.scores[i]);
      }
      on_answer(answered);
    }
  }
  // The rest are too late: cancel them, and wait for their threads to see it.
  for (size_t i = 0; i < calls.size(); ++i) {
    if (!reported[i]) calls[i]->context.TryCancel();
  }
  for (std::thread& thread : threads) thread.join();

  std::vector<search::NodeAnswer> answers;
  std::vector<v1::PeerOutcome> outcomes;
  std::vector<std::string> returned;  // every lesson id the answers hold
  for (size_t i = 0; i < calls.size(); ++i) {
    Call& call = *calls[i];
    if (!reported[i]) {
      call.outcome = v1::PeerOutcome();
      call.outcome.set_org(call.org);
      call.outcome.set_state(v1::PeerOutcome::TIMED_OUT);
      call.outcome.set_latency_ms(absl::ToDoubleMilliseconds(deadline - start));
      call.outcome.set_error("no answer before the deadline");
      v1::PeerAnswered answered;
      *answered.mutable_outcome() = call.outcome;
      on_answer(answered);
    } else if (call.outcome.state() == v1::PeerOutcome::OK) {
      for (const v1::Lesson& lesson : call.answer.lessons) returned.push_back(lesson.id());
      answers.push_back(std::move(call.answer));
    }
    outcomes.push_back(call.outcome);
  }
  v1::FederatedSearchResult result = search::MergeAnswers(
      *query, self_org_, here, index_->VersionsHeld(returned), answers, page_size);
  for (v1::PeerOutcome& outcome : outcomes) *result.add_peers() = std::move(outcome);
  return result;
}

}  // namespace cairn::server
