#include "node/alerts/alerter.h"

#include <algorithm>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "node/common/status_macros.h"
#include "node/common/time_proto.h"
#include "node/lessons/validation.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_match.h"

namespace cairn {
namespace {

constexpr char kPercolatedKey[] = "alerts.percolated";
constexpr char kLastCursorKey[] = "alerts.last_cursor";

// A number kept in the store's metadata; `fallback` when it was never set.
absl::StatusOr<uint64_t> MetaNumber(const Store& store, absl::string_view key, uint64_t fallback) {
  absl::StatusOr<std::string> text = store.GetMeta(key);
  if (absl::IsNotFound(text.status())) return fallback;
  CAIRN_RETURN_IF_ERROR(text.status());
  uint64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value)) {
    return absl::DataLossError(absl::StrCat("the stored ", key, " is not a number: ", *text));
  }
  return value;
}

// The meta key of the cursor `owner` has read through.
std::string ReadThroughKey(absl::string_view owner) { return absl::StrCat("alerts.read/", owner); }

}  // namespace

Alerter::Alerter(Store* store, PlanQuery plan, Clock* clock, RandomSource* random,
                 AlerterOptions options)
    : store_(store),
      plan_(std::move(plan)),
      clock_(clock),
      random_(random),
      options_(std::move(options)) {}

Alerter::~Alerter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (follower_.joinable()) follower_.join();
}

std::string Alerter::Key(absl::string_view owner, absl::string_view id) {
  return absl::StrCat(owner, "/", id);
}

absl::Status Alerter::Start() {
  // The first time, from the start of the change log: a search alerts only on changes stored
  // after it was saved (Watch.after_sequence) in any case, and nothing needs writing before the
  // node serves (its disk may be full).
  CAIRN_ASSIGN_OR_RETURN(uint64_t percolated, MetaNumber(*store_, kPercolatedKey, 0));
  CAIRN_ASSIGN_OR_RETURN(uint64_t last_cursor, MetaNumber(*store_, kLastCursorKey, 0));
  std::vector<v1::Watch> watches;
  CAIRN_RETURN_IF_ERROR(store_->ScanWatches([&](const v1::Watch& watch) {
    watches.push_back(watch);
    return true;
  }));
  {
    absl::MutexLock lock(&mu_);
    percolated_ = percolated;
    last_cursor_ = last_cursor;
    for (v1::Watch& watch : watches) {
      // A search saved under older query rules that no longer parses alerts no one; it stays
      // listed so its owner sees it and can remove it.
      absl::StatusOr<search::QueryPlan> plan = plan_(watch.query(), watch.all_words());
      const std::string key = Key(watch.owner(), watch.id());
      if (plan.ok()) percolator_.Add(key, *std::move(plan));
      saved_.emplace(key, std::move(watch));
    }
  }
  follower_ = std::thread([this] { Follow(); });
  return absl::OkStatus();
}

bool Alerter::WebhookAllowed(absl::string_view url) const {
  return absl::c_any_of(options_.webhook_prefixes,
                        [&](const std::string& prefix) { return absl::StartsWith(url, prefix); });
}

absl::StatusOr<v1::Watch> Alerter::Add(absl::string_view owner, const std::string& query,
                                       bool all_words, const std::string& webhook_url) {
  CAIRN_RETURN_IF_ERROR(ValidateText("query", query, LessonLimits::kShortTextBytes));
  if (query.find_first_not_of(" \t\r\n") == std::string::npos) {
    return absl::InvalidArgumentError("query: is empty; say what to watch for");
  }
  CAIRN_ASSIGN_OR_RETURN(search::QueryPlan plan, plan_(query, all_words));
  if (plan.matches_nothing) {
    return absl::InvalidArgumentError(
        "query: every word is too common to search by (the, of, what, ...); nothing would match");
  }
  if (!webhook_url.empty()) {
    CAIRN_RETURN_IF_ERROR(ValidateText("webhook_url", webhook_url, LessonLimits::kShortTextBytes));
    if (options_.webhook_prefixes.empty()) {
      return absl::FailedPreconditionError(
          "webhook_url: this node allows no webhooks (its admin lists them in the config's "
          "alerts.webhook_allowed_prefixes)");
    }
    if (!WebhookAllowed(webhook_url) ||
        webhook_url.find_first_of(" \t\r\n") != std::string::npos) {
      return absl::PermissionDeniedError(
          absl::StrCat("webhook_url: ", webhook_url, " is not one this node allows; it must start ",
                       absl::StrJoin(options_.webhook_prefixes, " or ")));
    }
  }
  v1::Watch watch;
  watch.set_id(absl::StrFormat("w%016x", random_->Next64()));
  if (!webhook_url.empty()) watch.set_webhook_url(webhook_url);
  watch.set_query(query);
  watch.set_all_words(all_words);
  *watch.mutable_created_at() = ToTimestamp(clock_->Now());
  watch.set_owner(std::string(owner));
  absl::MutexLock lock(&mu_);
  // Read under the lock the follower takes to match a change, so no change stored before the
  // search is matched against it.
  watch.set_after_sequence(store_->LastSequence());
  const size_t own = std::count_if(saved_.begin(), saved_.end(), [&](const auto& entry) {
    return entry.second.owner() == owner;
  });
  if (own >= kMaxWatchesPerUser) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "user ", owner, " has ", own, " saved searches, the most one user may keep; remove one"));
  }
  if (saved_.size() >= kMaxWatches) {
    return absl::ResourceExhaustedError(
        absl::StrCat("this node keeps ", saved_.size(), " saved searches, the most it takes"));
  }
  StoreBatch batch;
  batch.PutWatch(watch);
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  const std::string key = Key(owner, watch.id());
  percolator_.Add(key, std::move(plan));
  saved_.emplace(key, watch);
  return watch;
}

absl::StatusOr<std::vector<v1::Watch>> Alerter::List(absl::string_view owner) const {
  std::vector<v1::Watch> watches;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, watch] : saved_) {
      if (watch.owner() == owner) watches.push_back(watch);
    }
  }
  std::sort(watches.begin(), watches.end(), [](const v1::Watch& a, const v1::Watch& b) {
    return std::make_pair(a.created_at().seconds(), a.id()) <
           std::make_pair(b.created_at().seconds(), b.id());
  });
  return watches;
}

absl::Status Alerter::Remove(absl::string_view owner, absl::string_view id) {
  const std::string key = Key(owner, id);
  absl::MutexLock lock(&mu_);
  if (!saved_.contains(key)) {
    return absl::NotFoundError(absl::StrCat("id: you have no saved search ", id));
  }
  StoreBatch batch;
  batch.DeleteWatch(owner, id);
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  percolator_.Remove(key);
  saved_.erase(key);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Alert>> Alerter::Read(absl::string_view owner, uint64_t after,
                                                     size_t max) const {
  std::vector<v1::Alert> alerts;
  max = std::min(max, kMaxAlertsRead);
  CAIRN_RETURN_IF_ERROR(store_->ScanAlerts(owner, after, 0, false, [&](const v1::Alert& alert) {
    alerts.push_back(alert);
    return alerts.size() < max;
  }));
  return alerts;
}

absl::StatusOr<uint64_t> Alerter::ReadThrough(absl::string_view owner) const {
  return MetaNumber(*store_, ReadThroughKey(owner), 0);
}

absl::StatusOr<uint64_t> Alerter::CountAfter(absl::string_view owner, uint64_t after) const {
  uint64_t count = 0;
  CAIRN_RETURN_IF_ERROR(store_->ScanAlerts(owner, after, 0, false, [&](const v1::Alert&) {
    ++count;
    return true;
  }));
  return count;
}

absl::StatusOr<v1::ListAlertsResponse> Alerter::List(absl::string_view owner,
                                                     const v1::ListAlertsRequest& request) const {
  const size_t page_size =
      request.page_size() == 0 ? 20 : std::min<size_t>(request.page_size(), kMaxAlertsListed);
  CAIRN_ASSIGN_OR_RETURN(const uint64_t read_through, ReadThrough(owner));
  v1::ListAlertsResponse response;
  response.set_read_through(read_through);
  const uint64_t after = request.unread_only() ? read_through : 0;
  CAIRN_RETURN_IF_ERROR(
      store_->ScanAlerts(owner, after, request.before(), true, [&](const v1::Alert& alert) {
        if (static_cast<size_t>(response.alerts_size()) == page_size) {
          response.set_next_before(response.alerts(page_size - 1).cursor());
          return false;
        }
        v1::Alert& listed = *response.add_alerts();
        listed = alert;
        listed.set_unread(alert.cursor() > read_through);
        return true;
      }));
  CAIRN_ASSIGN_OR_RETURN(const uint64_t unread, CountAfter(owner, read_through));
  response.set_unread_count(unread);
  return response;
}

absl::StatusOr<v1::MarkAlertsReadResponse> Alerter::MarkRead(absl::string_view owner,
                                                             uint64_t through) {
  if (through == 0) {
    return absl::InvalidArgumentError("through: name the cursor of an alert (1 or more)");
  }
  absl::MutexLock lock(&mark_mu_);
  CAIRN_ASSIGN_OR_RETURN(uint64_t read_through, ReadThrough(owner));
  // Never past the last alert stored, so one stored later is unread.
  through = std::min(through, [&] {
    absl::MutexLock state(&mu_);
    return last_cursor_;
  }());
  if (through > read_through) {
    StoreBatch batch;
    batch.PutMeta(ReadThroughKey(owner), absl::StrCat(through));
    CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
    read_through = through;
  }
  v1::MarkAlertsReadResponse response;
  response.set_read_through(read_through);
  CAIRN_ASSIGN_OR_RETURN(const uint64_t unread, CountAfter(owner, read_through));
  response.set_unread_count(unread);
  return response;
}

uint64_t Alerter::percolated() const {
  absl::MutexLock lock(&mu_);
  return percolated_;
}

void Alerter::Follow() {
  absl::Duration backoff = absl::Milliseconds(100);
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    const uint64_t seen = store_->CommitCount();
    absl::StatusOr<bool> did = PercolateNext();
    if (!did.ok()) {
      // A store that cannot write (a full disk) is retried; the change log keeps the changes.
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(5));
      continue;
    }
    backoff = absl::Milliseconds(100);
    if (!*did) store_->AwaitCommitAfter(seen, absl::Milliseconds(200));
  }
}

absl::StatusOr<bool> Alerter::PercolateNext() {
  uint64_t from = 0, cursor = 0;
  {
    absl::MutexLock lock(&mu_);
    from = percolated_;
    cursor = last_cursor_;
  }
  CAIRN_ASSIGN_OR_RETURN(std::vector<v1::Change> changes,
                         store_->ReadChanges(from, kChangesPerCommit));
  if (changes.empty()) return false;
  // New and changed lessons at their current version; a retracted one no longer matches a search
  // (nor a copy removed), a new route or signature changes nothing a reader sees, and a later
  // change alerts its own version.
  struct Percolated {
    const v1::Change* change;
    v1::Lesson lesson;
    std::vector<std::string> matched;  // saved search keys
  };
  std::vector<Percolated> lessons;
  for (const v1::Change& change : changes) {
    if (change.kind() != v1::Change::UPSERT || percolator_.size() == 0) continue;
    absl::StatusOr<v1::Lesson> lesson = store_->GetLesson(change.lesson_id());
    if (absl::IsNotFound(lesson.status())) continue;
    CAIRN_RETURN_IF_ERROR(lesson.status());
    if (lesson->version() != change.version()) continue;
    lessons.push_back({&change, *std::move(lesson), {}});
  }
  parallel_.Run(static_cast<int>(lessons.size()), 2, [&](int begin, int end) {
    search::Analyzer& analyzer = search::Analyzer::ForThisThread();
    for (int i = begin; i < end; ++i) {
      lessons[i].matched = percolator_.Match(search::AnalyseLesson(lessons[i].lesson, &analyzer));
    }
  });
  StoreBatch batch;
  absl::flat_hash_map<std::string, size_t> added;  // alerts by owner
  const google::protobuf::Timestamp now = ToTimestamp(clock_->Now());
  {
    absl::MutexLock lock(&mu_);
    for (const Percolated& percolated : lessons) {
      const v1::Lesson& lesson = percolated.lesson;
      for (const std::string& key : percolated.matched) {
        auto it = saved_.find(key);
        if (it == saved_.end()) continue;  // removed meanwhile
        const v1::Watch& watch = it->second;
        // Stored before it was saved.
        if (percolated.change->sequence() <= watch.after_sequence()) continue;
        v1::Alert alert;
        alert.set_cursor(++cursor);
        alert.set_watch_id(watch.id());
        alert.set_query(watch.query());
        alert.set_owner(watch.owner());
        alert.set_lesson_id(lesson.id());
        alert.set_version(lesson.version());
        alert.set_kind(percolated.change->kind());
        alert.set_title(lesson.title());
        alert.set_origin_org(lesson.origin_org());
        alert.set_origin_sector(lesson.origin_sector());
        *alert.mutable_at() = now;
        batch.PutAlert(alert);
        ++added[watch.owner()];
        if (watch.has_webhook_url()) {
          v1::PendingWebhook pending;
          *pending.mutable_alert() = std::move(alert);
          pending.set_url(watch.webhook_url());
          batch.PutPendingWebhook(pending);
        }
      }
    }
  }
  batch.PutMeta(kPercolatedKey, absl::StrCat(changes.back().sequence()));
  batch.PutMeta(kLastCursorKey, absl::StrCat(cursor));
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  {
    absl::MutexLock lock(&mu_);
    percolated_ = changes.back().sequence();
    alerts_stored_ += cursor - last_cursor_;
    last_cursor_ = cursor;
  }
  for (const auto& [owner, count] : added) CAIRN_RETURN_IF_ERROR(KeepNewest(owner, count));
  return true;
}

absl::Status Alerter::KeepNewest(const std::string& owner, size_t added) {
  auto kept = kept_.find(owner);
  if (kept == kept_.end()) {
    // First seen since start: count what is stored (this batch's included).
    CAIRN_ASSIGN_OR_RETURN(const uint64_t count, CountAfter(owner, 0));
    kept = kept_.emplace(owner, Kept{count, 0}).first;
  } else {
    kept->second.count += added;
  }
  // Deleted a batch at a time rather than one by one.
  const size_t keep = options_.max_alerts_per_user;
  Kept& owners = kept->second;
  if (owners.count <= keep + keep / 32) return absl::OkStatus();
  size_t excess = owners.count - keep;
  uint64_t through = 0;
  // From the last deletion on: the scan does not walk the deleted alerts again.
  CAIRN_RETURN_IF_ERROR(
      store_->ScanAlerts(owner, owners.deleted_through, 0, false, [&](const v1::Alert& alert) {
        through = alert.cursor();
        return --excess > 0;
      }));
  StoreBatch batch;
  batch.DeleteAlertsThrough(owner, through);
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  owners = {keep, through};
  return absl::OkStatus();
}

}  // namespace cairn
