#include "node/alerts/alerter.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
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

}  // namespace

Alerter::Alerter(Store* store, PlanQuery plan, Clock* clock, RandomSource* random)
    : store_(store), plan_(std::move(plan)), clock_(clock), random_(random) {}

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

absl::StatusOr<v1::Watch> Alerter::Add(absl::string_view owner, const std::string& query,
                                       bool all_words) {
  CAIRN_RETURN_IF_ERROR(ValidateText("query", query, LessonLimits::kShortTextBytes));
  if (query.find_first_not_of(" \t\r\n") == std::string::npos) {
    return absl::InvalidArgumentError("query: is empty; say what to watch for");
  }
  CAIRN_ASSIGN_OR_RETURN(search::QueryPlan plan, plan_(query, all_words));
  if (plan.matches_nothing) {
    return absl::InvalidArgumentError(
        "query: every word is too common to search by (the, of, what, ...); nothing would match");
  }
  v1::Watch watch;
  watch.set_id(absl::StrFormat("w%016x", random_->Next64()));
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
  return store_->ReadAlerts(owner, after, std::min(max, kMaxAlertsRead));
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
  search::Analyzer& analyzer = search::Analyzer::ForThisThread();
  StoreBatch batch;
  const google::protobuf::Timestamp now = ToTimestamp(clock_->Now());
  for (const v1::Change& change : changes) {
    // New and changed lessons; a retracted one no longer matches a search (nor a copy removed),
    // and a new route or signature changes nothing a reader sees.
    if (change.kind() != v1::Change::UPSERT || percolator_.size() == 0) continue;
    absl::StatusOr<v1::Lesson> lesson = store_->GetLesson(change.lesson_id());
    if (absl::IsNotFound(lesson.status())) continue;
    CAIRN_RETURN_IF_ERROR(lesson.status());
    if (lesson->version() != change.version()) continue;  // a later change alerts its version
    search::AnalysedLesson analysed = search::AnalyseLesson(*lesson, &analyzer);
    for (const std::string& key : percolator_.Match(analysed)) {
      v1::Watch watch;
      {
        absl::MutexLock lock(&mu_);
        auto it = saved_.find(key);
        if (it == saved_.end()) continue;  // removed meanwhile
        watch = it->second;
      }
      if (change.sequence() <= watch.after_sequence()) continue;  // stored before it was saved
      v1::Alert alert;
      alert.set_cursor(++cursor);
      alert.set_watch_id(watch.id());
      alert.set_query(watch.query());
      alert.set_owner(watch.owner());
      alert.set_lesson_id(lesson->id());
      alert.set_version(lesson->version());
      alert.set_kind(change.kind());
      alert.set_title(lesson->title());
      alert.set_origin_org(lesson->origin_org());
      alert.set_origin_sector(lesson->origin_sector());
      *alert.mutable_at() = now;
      batch.PutAlert(alert);
    }
  }
  batch.PutMeta(kPercolatedKey, absl::StrCat(changes.back().sequence()));
  batch.PutMeta(kLastCursorKey, absl::StrCat(cursor));
  CAIRN_RETURN_IF_ERROR(store_->Commit(batch).status());
  absl::MutexLock lock(&mu_);
  percolated_ = changes.back().sequence();
  alerts_stored_ += cursor - last_cursor_;
  last_cursor_ = cursor;
  return true;
}

}  // namespace cairn
