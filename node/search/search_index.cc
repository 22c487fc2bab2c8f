// SearchIndex, opening it and keeping its table: the document records loaded into memory (or the
// index rebuilt), and the in-memory table every query reads and every commit updates. The class's
// other jobs are in the files search_index_internal.h lists.
#include "node/search/search_index.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_match.h"
#include "node/search/query.h"
#include "node/search/search_index_internal.h"

namespace cairn::search {
namespace {

// Bump when the postings or record format changes, or the analyzer does (its stop words or
// stemmer: removals re-analyse the stored lesson): nodes then rebuild the index on start.
constexpr absl::string_view kFormatKey = "search/format";
// 5: payloads with density ceilings, and blocks with the maxima that bound their scores.
constexpr absl::string_view kFormat = "5";

}  // namespace

SearchIndex::SearchIndex(Store* store) : store_(store), indexing_analyzer_(std::make_unique<Analyzer>()) {}

SearchIndex::~SearchIndex() { store_->SetIndexer(nullptr); }

absl::StatusOr<std::unique_ptr<SearchIndex>> SearchIndex::Open(Store* store) {
  std::unique_ptr<SearchIndex> index(new SearchIndex(store));
  absl::StatusOr<std::string> format = store->GetMeta(kFormatKey);
  if (!format.ok() && !absl::IsNotFound(format.status())) return format.status();
  // An index of another format (or none, or a rebuild cut short) is not read: it is rebuilt.
  // So is one with a record that does not parse.
  bool usable = format.ok() && *format == kFormat;
  if (usable) {
    absl::Status loaded = index->Load();
    if (absl::IsDataLoss(loaded)) {
      index->Reset();
      usable = false;
    } else if (!loaded.ok()) {
      return loaded;
    }
  }
  store->SetIndexer(index.get());
  if (!usable) CAIRN_RETURN_IF_ERROR(index->Rebuild());
  return index;
}

absl::Status SearchIndex::Load() {
  absl::MutexLock lock(&mu_);
  absl::Status failed;
  CAIRN_RETURN_IF_ERROR(store_->ScanSearchDocs([&](absl::string_view id, absl::string_view bytes) {
    auto doc = std::make_unique<Doc>();
    doc->id = std::string(id);
    if (!doc->record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        doc->record.field_words_size() != kFields) {
      failed = absl::DataLossError(absl::StrCat("search index record of ", id, " is corrupt"));
      return false;
    }
    AddToTable(std::move(doc));
    return true;
  }));
  next_doc_ = static_cast<uint32_t>(docs_.size());
  return failed;
}

void SearchIndex::AddToTable(std::unique_ptr<Doc> doc) {
  uint32_t number = doc->record.doc();
  if (number >= docs_.size()) {
    docs_.resize(number + 1);
    field_words_.resize(number + 1);
    retracted_.resize(number + 1);
  }
  retracted_[number] = doc->record.status() == v1::RETRACTED;
  for (int field = 0; field < kFields; ++field) {
    field_words_[number][field] = doc->record.field_words(field);
    total_words_[field] += field_words_[number][field];
  }
  ++live_docs_;
  doc_numbers_[doc->id] = number;
  docs_[number] = std::move(doc);
}

void SearchIndex::Forget(uint32_t doc) {
  views_.ForEach([&](PeerView& view) { view.Forget(doc, field_words_[doc]); });
}

void SearchIndex::RemoveFromTable(const std::string& id) {
  auto it = doc_numbers_.find(id);
  if (it == doc_numbers_.end()) return;
  Forget(it->second);
  for (int field = 0; field < kFields; ++field) total_words_[field] -= field_words_[it->second][field];
  --live_docs_;
  docs_[it->second].reset();
  doc_numbers_.erase(it);
}

void SearchIndex::Reset() {
  absl::MutexLock lock(&mu_);
  views_.Clear();
  ++resets_;
  ++table_version_;
  changing_.clear();
  docs_.clear();
  field_words_.clear();
  retracted_.clear();
  doc_numbers_.clear();
  total_words_ = {0, 0, 0};
  live_docs_ = 0;
  pending_.clear();
  next_doc_ = 0;
}

absl::Status SearchIndex::Rebuild() { return store_->RebuildIndex(kFormatKey, kFormat); }

bool SearchIndex::Passes(const Filters& filters, uint32_t doc) const {
  // Without filters only retracted lessons are left out: read densely, not from the record.
  return HasFilters(filters) ? PassesFilters(filters, docs_[doc]->record) : !retracted_[doc];
}

HeldVersions SearchIndex::VersionsHeld(const std::vector<std::string>& ids) const {
  HeldVersions held;
  absl::ReaderMutexLock lock(&mu_);
  for (const std::string& id : ids) {
    auto it = doc_numbers_.find(id);
    if (it != doc_numbers_.end()) held[id] = docs_[it->second]->record.version();
  }
  return held;
}

}  // namespace cairn::search
