// SearchIndex, writing: a lesson's analysis (Prepare), its postings and record written in the
// batch that writes the lesson (Index), and the in-memory table updated once that batch is written
// (Finish). The class's other jobs are in the files search_index_internal.h lists.
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_match.h"
#include "node/search/posting.h"
#include "node/search/search_index.h"
#include "node/search/search_index_internal.h"

namespace cairn::search {

std::shared_ptr<const PreparedIndexing> SearchIndex::Prepare(const v1::Lesson& lesson) const {
  return std::make_shared<const Analysis>(lesson, &Analyzer::ForThisThread());
}

void SearchIndex::Index(const v1::Lesson* before, const v1::Lesson* after,
                        const PreparedIndexing* prepared_after, StoreBatch* writes) {
  if (before == nullptr && after == nullptr) return;  // removing what was never there
  indexing_started_ = true;
  const std::string& id = after != nullptr ? after->id() : before->id();
  std::optional<uint32_t> existing;
  {
    absl::MutexLock lock(&mu_);
    if (!indexing_) ++table_version_;
    indexing_ = true;
    auto it = doc_numbers_.find(id);
    if (it != doc_numbers_.end()) {
      existing = it->second;
      // Its new postings may be read before Finish updates the table: until then no peer's view
      // may count it by what was decided of the old version.
      changing_.insert(*existing);
      Forget(*existing);
    }
  }
  std::optional<Analysis> old;
  std::string key;  // each posting's block key in turn
  if (existing && before != nullptr) old.emplace(*before, indexing_analyzer_.get());
  if (after == nullptr) {
    if (!existing) return;
    if (old) {
      for (const auto& [term, ignored] : old->postings) {
        SetPostingsKey(term, *existing, &key);
        writes->UpdatePosting(key, *existing, std::nullopt);
      }
    }
    writes->DeleteSearchDoc(id);
    pending_.emplace_back(id, nullptr);
    return;
  }
  uint32_t number = existing ? *existing : next_doc_++;
  std::optional<Analysis> analysed_here;
  auto* analysis = dynamic_cast<const Analysis*>(prepared_after);
  if (analysis == nullptr || analysis->lesson_id != after->id() ||
      analysis->version != after->version()) {
    analysis = &analysed_here.emplace(*after, indexing_analyzer_.get());
  }
  absl::flat_hash_map<absl::string_view, absl::string_view> old_payloads;
  if (old) {
    old_payloads = old->ByTerm();
    auto new_payloads = analysis->ByTerm();
    for (const auto& [term, ignored] : old->postings) {
      if (new_payloads.contains(term)) continue;
      SetPostingsKey(term, number, &key);
      writes->UpdatePosting(key, number, std::nullopt);
    }
  }
  for (const auto& [term, payload] : analysis->postings) {
    auto unchanged = old_payloads.find(term);
    if (unchanged != old_payloads.end() && unchanged->second == payload) continue;
    SetPostingsKey(term, number, &key);
    writes->UpdatePosting(key, number, payload);
  }
  auto doc = std::make_unique<Doc>();
  doc->id = id;
  doc->record = RecordOf(*after, number, analysis->words);
  writes->PutSearchDoc(id, doc->record.SerializeAsString());
  pending_.emplace_back(id, std::move(doc));
}

void SearchIndex::Finish(bool written) {
  if (pending_.empty() && !indexing_started_) return;  // a commit with no lessons (audit, peers)
  indexing_started_ = false;
  absl::MutexLock lock(&mu_);
  indexing_ = false;
  ++table_version_;
  if (written) {
    for (auto& [id, doc] : pending_) {
      RemoveFromTable(id);
      if (doc != nullptr) AddToTable(std::move(doc));
    }
  }
  changing_.clear();
  pending_.clear();
}

}  // namespace cairn::search
