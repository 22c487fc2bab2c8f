#include "server/federated_search.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cairn/v1/federation.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "node/audit/audit_log.h"
#include "node/search/analyzer.h"
#include "node/search/federated_merge.h"
#include "node/search/lesson_text.h"
#include "node/search/more_like_this.h"
#include "node/search/query_plan.h"
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

// A node's answer as it streams in: its own order and scores, no snippets.
void AddHits(const search::NodeAnswer& answer, v1::PeerAnswered* answered) {
  for (size_t i = 0; i < answer.lessons.size(); ++i) {
    v1::SearchHit* hit = answered->add_hits();
    search::SummarizeHit(answer.lessons[i], hit);
    hit->set_score(answer.scores[i]);
  }
}

}  // namespace

// One peer asked: filled in by its callback, read by the asking thread once `done`.
struct FederatedSearcher::PeerCall {
  v1::Peer peer;
  std::unique_ptr<v1::FederationService::Stub> stub;
  grpc::ClientContext context;
  v1::PeerQueryResponse response;
  grpc::Status status;
  absl::Duration latency;
  bool done = false;      // the callback ran
  bool reported = false;  // its outcome was passed on
};

FederatedSearcher::FederatedSearcher(const search::SearchIndex* index,
                                     const search::NodeVocabulary* vocabulary,
                                     const PeerDirectory* directory, const LessonVerifier* verifier,
                                     Store* audit_store, const v1::TlsConfig& tls,
                                     std::string self_org, std::string federation,
                                     const PresentedCertificateCheck* certificates,
                                     SeenLessons* seen)
    : index_(index),
      vocabulary_(vocabulary),
      directory_(directory),
      verifier_(verifier),
      audit_store_(audit_store),
      credentials_(MakePeerChannelCredentials(tls)),
      self_org_(std::move(self_org)),
      federation_(std::move(federation)),
      certificates_(certificates),
      seen_(seen) {}

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
  // This node plans the query (its vocabulary widens it; for more like this, its index picks
  // the lesson's words), and every node asked answers that plan.
  absl::StatusOr<search::SearchIndex::PlannedSearch> planned = index_->Plan(
      request.query(), request.all_words(), request.like_lesson_id(), *vocabulary_->Current());
  if (!planned.ok()) return planned.status();
  const search::QueryPlan& plan = planned->plan;
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
  // More like this asks for one more: the lesson it starts from may be among a node's best.
  const size_t max_results =
      planned->like ? std::min(page_size + 1, search::SearchIndex::kMaxPageSize) : page_size;
  v1::PeerQueryRequest asked;
  asked.set_query(planned->query.text);
  asked.set_max_results(static_cast<uint32_t>(max_results));
  asked.set_all_words(request.all_words());
  for (const v1::Equivalent& equivalent : planned->equivalents) {
    *asked.add_equivalents() = equivalent;
  }
  if (planned->like) asked.set_prefer_other_than_sector(planned->like->origin_sector());

  // Every peer is asked at once on gRPC's callback API: no thread waits on a peer. Callbacks
  // only record the status; this thread checks and reports each answer.
  const std::vector<v1::Peer> peers = directory_->ListPeers();
  absl::Mutex mu;
  std::vector<std::unique_ptr<PeerCall>> calls;
  std::vector<v1::PeerOutcome> not_asked;
  for (const v1::Peer& peer : peers) {
    if (peer.address().empty() || peer.org_id() == self_org_) continue;
    if (planned->like && !WordsMayGo(*planned->like, peer.org_id())) {
      v1::PeerOutcome& outcome = not_asked.emplace_back();
      outcome.set_org(peer.org_id());
      outcome.set_state(v1::PeerOutcome::NOT_ASKED);
      outcome.set_error(absl::StrCat("not asked: it may not see lesson ", planned->like->id(),
                                     " as this node holds it, so its words stay here"));
      continue;
    }
    auto call = std::make_unique<PeerCall>();
    call->peer = peer;
    call->context.set_deadline(absl::ToChronoTime(deadline));
    call->stub = v1::FederationService::NewStub(ChannelTo(peer));
    PeerCall* raw = call.get();
    call->stub->async()->Query(&call->context, &asked, &call->response,
                               [&mu, raw, start](grpc::Status status) {
                                 absl::MutexLock lock(&mu);
                                 raw->status = std::move(status);
                                 raw->latency = absl::Now() - start;
                                 raw->done = true;
                               });
    calls.push_back(std::move(call));
  }

  // This node's own answer, while the peers work on theirs.
  search::QueryStatistics here;
  std::vector<search::NodeAnswer> answers;
  std::vector<v1::PeerOutcome> outcomes;
  {
    v1::PeerAnswered answered;
    v1::PeerOutcome& outcome = *answered.mutable_outcome();
    outcome.set_org(self_org_);
    absl::StatusOr<v1::PeerQueryResponse> answer = index_->AnswerHere(asked, &here, plan.leave_out);
    outcome.set_latency_ms(absl::ToDoubleMilliseconds(absl::Now() - start));
    outcome.set_state(StateOf(static_cast<grpc::StatusCode>(answer.status().code())));
    if (answer.ok()) {
      search::NodeAnswer own = search::OwnAnswer(plan, self_org_, *std::move(answer));
      outcome.set_hits(own.total_hits);
      AddHits(own, &answered);
      answers.push_back(std::move(own));
    } else {
      outcome.set_error(std::string(answer.status().message()));
    }
    on_answer(answered);
    outcomes.push_back(outcome);
  }
  for (v1::PeerOutcome& outcome : not_asked) {
    v1::PeerAnswered answered;
    *answered.mutable_outcome() = outcome;
    on_answer(answered);
    outcomes.push_back(std::move(outcome));
  }

  // Each peer's outcome as it comes, until all are in or the deadline passes.
  KnownSectors sectors;  // what a lesson's claimed origin sector is held to
  for (const v1::Peer& peer : peers) {
    if (!peer.sector().empty()) sectors[peer.org_id()] = peer.sector();
  }
  size_t reported = 0;
  while (reported < calls.size()) {
    std::vector<PeerCall*> ready;
    {
      absl::MutexLock lock(&mu);
      auto any_new = [&] {
        return std::any_of(calls.begin(), calls.end(),
                           [](const auto& call) { return call->done && !call->reported; });
      };
      if (!mu.AwaitWithDeadline(absl::Condition(&any_new), deadline)) break;
      for (auto& call : calls) {
        if (!call->done || call->reported) continue;
        call->reported = true;
        ready.push_back(call.get());  // done: its callback no longer touches it
      }
    }
    for (PeerCall* call : ready) {
      ++reported;
      v1::PeerAnswered answered;
      search::NodeAnswer answer =
          Believe(plan, max_results, sectors, call, answered.mutable_outcome());
      AddHits(answer, &answered);
      if (answered.outcome().state() == v1::PeerOutcome::OK) answers.push_back(std::move(answer));
      on_answer(answered);
      outcomes.push_back(answered.outcome());
    }
  }
  // The rest are too late: cancel them, and wait for their callbacks, which follow at once.
  for (auto& call : calls) {
    if (call->reported) continue;
    call->context.TryCancel();
    v1::PeerAnswered answered;
    v1::PeerOutcome& outcome = *answered.mutable_outcome();
    outcome.set_org(call->peer.org_id());
    outcome.set_state(v1::PeerOutcome::TIMED_OUT);
    outcome.set_latency_ms(absl::ToDoubleMilliseconds(deadline - start));
    outcome.set_error("no answer before the deadline");
    on_answer(answered);
    outcomes.push_back(outcome);
  }
  {
    absl::MutexLock lock(&mu);
    auto all_done = [&] {
      return std::all_of(calls.begin(), calls.end(), [](const auto& call) { return call->done; });
    };
    mu.Await(absl::Condition(&all_done));
  }

  std::vector<std::string> returned;  // every lesson id the answers hold
  for (const search::NodeAnswer& answer : answers) {
    for (const v1::Lesson& lesson : answer.lessons) returned.push_back(lesson.id());
  }
  v1::FederatedSearchResult result = search::MergeAnswers(
      plan, self_org_, here, index_->VersionsHeld(returned), answers, page_size);
  // The answers have been streamed already: a failure here leaves the interpretation out
  // rather than the result.
  absl::StatusOr<v1::QueryInterpretation> interpretation = index_->Interpret(*planned);
  if (interpretation.ok()) *result.mutable_interpretation() = *std::move(interpretation);
  // Every node asked, this one first, then in the order they answered.
  for (v1::PeerOutcome& outcome : outcomes) *result.add_peers() = std::move(outcome);
  return result;
}

bool FederatedSearcher::WordsMayGo(const v1::Lesson& lesson, const std::string& peer_org) const {
  absl::StatusOr<PeerDirectory::PeerSnapshot> peer = directory_->Snapshot(peer_org);
  if (!peer.ok()) return false;  // removed a moment ago
  return search::WordsMayGoTo(lesson, self_org_, peer->peer,
                              peer->policy ? &*peer->policy : nullptr);
}

search::NodeAnswer FederatedSearcher::Believe(const search::QueryPlan& plan, size_t page_size,
                                              const KnownSectors& sectors, PeerCall* call,
                                              v1::PeerOutcome* outcome) {
  const std::string& org = call->peer.org_id();
  outcome->set_org(org);
  outcome->set_latency_ms(absl::ToDoubleMilliseconds(call->latency));
  absl::Status status(static_cast<absl::StatusCode>(call->status.error_code()),
                      call->status.error_message());
  if (status.ok()) {
    // The node at that address must be the peer we meant to ask.
    status = CheckAnsweringPeer(call->context, federation_, org, call->peer.address(),
                                certificates_);
    if (!status.ok()) status = absl::UnavailableError(status.message());
  }
  outcome->set_state(StateOf(static_cast<grpc::StatusCode>(status.code())));
  if (!status.ok()) {
    outcome->set_error(std::string(status.message()));
    return search::NodeAnswer();
  }
  search::CheckedAnswer checked = search::CheckPeerAnswer(
      plan, org, page_size, std::move(call->response), sectors, *verifier_);
  // Proved its origin's: feedback may be given on it from here (node/feedback/seen_lessons.h).
  if (seen_ != nullptr) {
    for (const v1::Lesson& lesson : checked.answer.lessons) seen_->Remember(lesson);
  }
  outcome->set_hits(checked.answer.total_hits);
  outcome->set_rejected(static_cast<uint32_t>(checked.rejected));
  for (size_t i = 0; i < checked.rejections.size() && i < search::kMaxRejectionsShown; ++i) {
    outcome->add_rejections(checked.rejections[i].reason);
  }
  if (absl::Status audited = Audit(org, checked.rejections); !audited.ok()) {
    outcome->set_error(absl::StrCat("its rejected lessons could not be audited: ", audited.message()));
  }
  return std::move(checked.answer);
}

}  // namespace cairn::server
