// SearchIndex, checking: the index, on disk and in memory, compared with what indexing every
// stored lesson afresh gives. The class's other jobs are in the files search_index_internal.h
// lists.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "node/common/status_macros.h"
#include "node/search/analyzer.h"
#include "node/search/lesson_match.h"
#include "node/search/search_index.h"
#include "node/search/search_index_internal.h"
#include "node/storage/doc_block.h"

namespace cairn::search {
namespace {

constexpr size_t kMaxCheckProblems = 20;

}  // namespace

absl::StatusOr<IndexCheck> SearchIndex::Check() const {
  IndexCheck check;
  auto problem = [&check](std::string text) {
    if (check.problems.size() < kMaxCheckProblems) check.problems.push_back(std::move(text));
  };
  // What a rebuild would write: (term, lesson id) -> posting, and each lesson's record.
  std::map<std::pair<std::string, std::string>, std::string> expected;
  std::map<std::string, v1::IndexedDoc> expected_records;
  Analyzer& analyzer = Analyzer::ForThisThread();
  CAIRN_RETURN_IF_ERROR(store_->ScanLessons("", [&](const v1::Lesson& lesson) {
    ++check.lessons;
    Analysis analysis(lesson, &analyzer);
    for (auto& [term, payload] : analysis.postings) {
      expected[{term, lesson.id()}] = std::move(payload);
    }
    expected_records[lesson.id()] = RecordOf(lesson, 0, analysis.words);
    return true;
  }));
  check.postings = expected.size();

  std::map<uint32_t, std::string> id_of;
  CAIRN_RETURN_IF_ERROR(store_->ScanSearchDocs([&](absl::string_view id, absl::string_view bytes) {
    v1::IndexedDoc record;
    if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      problem(absl::StrCat("the record of ", id, " does not parse"));
      return true;
    }
    id_of[record.doc()] = std::string(id);
    auto it = expected_records.find(std::string(id));
    if (it == expected_records.end()) {
      problem(absl::StrCat("the index holds ", id, ", which is not stored"));
      return true;
    }
    it->second.set_doc(record.doc());
    if (it->second.SerializeAsString() != record.SerializeAsString()) {
      problem(absl::StrCat("the record of ", id, " is out of date"));
    }
    expected_records.erase(it);
    return true;
  }));
  for (const auto& [id, record] : expected_records) problem(absl::StrCat(id, " is not indexed"));
  {
    absl::ReaderMutexLock lock(&mu_);
    if (doc_numbers_.size() != id_of.size()) {
      problem(absl::StrCat("the index has ", id_of.size(), " records on disk but ",
                           doc_numbers_.size(), " in memory"));
    }
    for (const auto& [number, id] : id_of) {
      auto it = doc_numbers_.find(id);
      if (it == doc_numbers_.end() || it->second != number) {
        problem(absl::StrCat("the in-memory table disagrees about ", id));
      }
    }
  }
  CAIRN_RETURN_IF_ERROR(store_->ScanPostings("", [&](absl::string_view key,
                                                     absl::string_view block) {
    size_t nul = key.find('\0');
    std::string term(key.substr(0, nul));
    DocBlockSummary summary;
    absl::string_view entries;
    if (!ReadStoredDocBlock(block, &summary, &entries)) {
      problem(absl::StrCat("a postings block of '", term, "' is corrupt"));
      return true;
    }
    // The bounds queries skip blocks by must be those of the block's postings.
    if (std::optional<DocBlockSummary> actual = SummarizeDocBlock(entries);
        actual && *actual != summary) {
      problem(absl::StrCat("a postings block of '", term, "': its score bounds are out of date"));
    }
    DocBlockReader reader(entries);
    DocEntry entry;
    while (reader.Next(&entry)) {
      auto id = id_of.find(entry.doc);
      if (id == id_of.end()) {
        problem(absl::StrCat("'", term, "' lists document ", entry.doc, ", which has no record"));
        continue;
      }
      auto it = expected.find({term, id->second});
      if (it == expected.end()) {
        problem(absl::StrCat("'", term, "' lists ", id->second, ", which does not contain it"));
      } else {
        if (it->second != entry.payload) {
          problem(absl::StrCat("'", term, "' in ", id->second, ": positions are out of date"));
        }
        expected.erase(it);
      }
    }
    if (reader.corrupt()) problem(absl::StrCat("a postings block of '", term, "' is corrupt"));
    return true;
  }));
  for (const auto& [key, payload] : expected) {
    problem(absl::StrCat("'", key.first, "' is missing from the postings of ", key.second));
  }
  return check;
}

}  // namespace cairn::search
