#include "node/search/lesson_match.h"

#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"

namespace cairn::search {
namespace {

using OccurrencesByTerm = absl::flat_hash_map<std::string, const Occurrences*>;

// Whether the analysed words of one alternative occur in the lesson: a single term anywhere, a
// phrase with its words at the query's distances in one field.
bool HoldsAlternative(const std::vector<Token>& tokens, const OccurrencesByTerm& lesson) {
  std::vector<const Occurrences*> lists;
  for (const Token& token : tokens) {
    auto it = lesson.find(token.term);
    if (it == lesson.end()) return false;
    lists.push_back(it->second);
  }
  if (lists.size() == 1) return true;
  for (int field = 0; field < kFields; ++field) {
    for (uint32_t start : (*lists[0])[field]) {
      bool all = true;
      for (size_t j = 1; j < lists.size() && all; ++j) {
        const auto& positions = (*lists[j])[field];
        all = std::binary_search(positions.begin(), positions.end(),
                                 start + tokens[j].position - tokens[0].position);
      }
      if (all) return true;
    }
  }
  return false;
}

}  // namespace

v1::IndexedDoc RecordOf(const v1::Lesson& lesson, uint32_t doc,
                        const std::array<uint32_t, kFields>& words) {
  v1::IndexedDoc record;
  record.set_doc(doc);
  record.set_version(lesson.version());
  for (uint32_t count : words) record.add_field_words(count);
  record.set_sector(absl::AsciiStrToLower(lesson.origin_sector()));
  record.set_org(absl::AsciiStrToLower(lesson.origin_org()));
  for (const std::string& topic : lesson.topics()) record.add_topics(absl::AsciiStrToLower(topic));
  record.set_status(lesson.status());
  record.set_marking(lesson.marking());
  record.set_polarity(lesson.polarity());
  if (lesson.has_occurred_at()) record.set_occurred_unix_seconds(lesson.occurred_at().seconds());
  return record;
}

bool HasFilters(const Filters& filters) {
  return !filters.sectors.empty() || !filters.orgs.empty() || !filters.topics.empty() ||
         !filters.statuses.empty() || !filters.markings.empty() || !filters.polarities.empty() ||
         filters.after != absl::InfinitePast() || filters.before != absl::InfiniteFuture();
}

bool PassesFilters(const Filters& filters, const v1::IndexedDoc& doc) {
  auto listed = [](const auto& allowed, const auto& value) {
    return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
  };
  bool topic_ok = filters.topics.empty() ||
                  std::any_of(doc.topics().begin(), doc.topics().end(),
                              [&](const std::string& topic) { return listed(filters.topics, topic); });
  bool status_ok = filters.statuses.empty() ? doc.status() != v1::RETRACTED
                                            : listed(filters.statuses, doc.status());
  bool dated = doc.has_occurred_unix_seconds();
  absl::Time occurred = absl::FromUnixSeconds(doc.occurred_unix_seconds());
  bool date_ok = (filters.after == absl::InfinitePast() || (dated && occurred >= filters.after)) &&
                 (filters.before == absl::InfiniteFuture() || (dated && occurred < filters.before));
  return listed(filters.sectors, doc.sector()) && listed(filters.orgs, doc.org()) && topic_ok &&
         status_ok && listed(filters.markings, doc.marking()) &&
         listed(filters.polarities, doc.polarity()) && date_ok;
}

bool MatchesQuery(const Query& query, const v1::Lesson& lesson, Analyzer* analyzer) {
  std::array<uint32_t, kFields> words;
  TermOccurrences analysed = AnalyzeLesson(lesson, analyzer, &words);
  OccurrencesByTerm occurrences;
  for (const auto& [term, positions] : analysed) occurrences.emplace(term, &positions);
  bool required_terms = false;  // some clause that must match had words
  bool text_asked = false;
  for (const Clause& clause : query.clauses) {
    bool has_terms = false;
    bool matched = false;
    for (const TextTerm& alternative : clause.alternatives) {
      std::vector<Token> tokens = analyzer->Analyze(alternative.text);
      if (tokens.empty()) continue;  // stop words only
      has_terms = true;
      matched = matched || HoldsAlternative(tokens, occurrences);
    }
    text_asked |= !clause.excluded;
    if (!has_terms) continue;
    if (clause.excluded) {
      if (matched) return false;
    } else {
      required_terms = true;
      if (!matched) return false;
    }
  }
  // Text of stop words alone matches nothing, unless filters decide.
  if (!required_terms && text_asked && !HasFilters(query.filters)) return false;
  return PassesFilters(query.filters, RecordOf(lesson, 0, words));
}

}  // namespace cairn::search
