#include "node/search/lesson_match.h"

#include <algorithm>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"

namespace cairn::search {
namespace {

using OccurrencesByTerm = absl::flat_hash_map<std::string, const Occurrences*>;

// Whether `text`'s words occur in the lesson: a single term anywhere, a phrase with its words at
// the query's distances in one field.
bool HoldsText(const PlannedText& text, const OccurrencesByTerm& lesson) {
  std::vector<const Occurrences*> lists;
  for (const std::string& term : text.terms) {
    auto it = lesson.find(term);
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
                                 start + text.offsets[j] - text.offsets[0]);
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

AnalysedLesson AnalyseLesson(const v1::Lesson& lesson, Analyzer* analyzer,
                             const absl::flat_hash_set<std::string>* only) {
  AnalysedLesson analysed;
  analysed.id = lesson.id();
  analysed.terms = AnalyzeLesson(lesson, analyzer, &analysed.words, only);
  for (const auto& [term, positions] : analysed.terms) analysed.by_term.emplace(term, &positions);
  analysed.record = RecordOf(lesson, 0, analysed.words);
  return analysed;
}

LessonMatch MatchLesson(const QueryPlan& plan, const v1::Lesson& lesson, Analyzer* analyzer) {
  // Only the terms of the plan's clauses, exclusions included: analysing a long lesson keeps no
  // others (the asker checks every lesson of every answer).
  absl::flat_hash_set<std::string> wanted;
  for (const PlannedClause& clause : plan.clauses) {
    for (const PlannedText& text : clause.alternatives) {
      wanted.insert(text.terms.begin(), text.terms.end());
    }
  }
  return MatchAnalysed(plan, AnalyseLesson(lesson, analyzer, &wanted));
}

LessonMatch MatchAnalysed(const QueryPlan& plan, const AnalysedLesson& lesson) {
  LessonMatch match;
  match.words = lesson.words;
  const OccurrencesByTerm& occurrences = lesson.by_term;
  for (const std::string& term : plan.Terms()) {
    auto it = occurrences.find(term);
    if (it == occurrences.end()) continue;
    std::array<uint32_t, kFields>& counts = match.counts[term];
    for (int field = 0; field < kFields; ++field) counts[field] = (*it->second)[field].size();
  }
  match.matched.assign(plan.clauses.size(), false);
  match.held.resize(plan.clauses.size());
  for (size_t c = 0; c < plan.clauses.size(); ++c) {
    for (const PlannedText& text : plan.clauses[c].alternatives) {
      match.held[c].push_back(HoldsText(text, occurrences));
      if (!match.held[c].back()) continue;
      match.matched[c] = true;
      if (text.equivalent >= 0) match.equivalents.push_back(text.equivalent);
    }
  }
  match.proximity = Proximity(plan.ProximityPairs(), [&](const std::string& term) {
    auto it = occurrences.find(term);
    return it == occurrences.end() ? nullptr : it->second;
  });
  match.sector = lesson.record.sector();
  match.matches = plan.Matches(match.matched) && PassesFilters(plan.filters, lesson.record) &&
                  lesson.id != plan.leave_out;
  return match;
}

bool MatchesAnalysed(const QueryPlan& plan, const AnalysedLesson& lesson) {
  std::vector<bool> matched(plan.clauses.size(), false);
  for (size_t c = 0; c < plan.clauses.size(); ++c) {
    for (const PlannedText& text : plan.clauses[c].alternatives) {
      if (HoldsText(text, lesson.by_term)) {
        matched[c] = true;
        break;
      }
    }
  }
  return plan.Matches(matched) && PassesFilters(plan.filters, lesson.record) &&
         lesson.id != plan.leave_out;
}

std::vector<v1::Equivalent> ViaVocabulary(const QueryPlan& plan, const LessonMatch& match) {
  std::vector<v1::Equivalent> via;
  for (int e : match.equivalents) {
    const PlannedClause* clause = nullptr;
    for (const PlannedClause& candidate : plan.clauses) {
      for (const PlannedText& text : candidate.alternatives) {
        if (text.equivalent == e) clause = &candidate;
      }
    }
    bool holds_typed = clause != nullptr &&
                       std::all_of(clause->covers.begin(), clause->covers.end(),
                                   [&](size_t c) { return match.matched[c]; });
    if (!holds_typed) via.push_back(plan.equivalents[e]);
  }
  return via;
}

double ScoreLesson(const QueryPlan& plan, const LessonMatch& match,
                   const QueryStatistics& statistics) {
  auto idf = [&statistics](const std::string& term) {
    auto it = statistics.containing.find(term);
    return Idf(statistics.corpus.documents, it == statistics.containing.end() ? 0 : it->second);
  };
  std::vector<double> clause_scores(plan.clauses.size(), 0);
  for (size_t c = 0; c < plan.clauses.size(); ++c) {
    // Every alternative the lesson holds adds, as the index unites them.
    for (size_t a = 0; a < plan.clauses[c].alternatives.size(); ++a) {
      if (!match.held[c][a]) continue;
      const PlannedText& text = plan.clauses[c].alternatives[a];
      double score = 0;
      for (const std::string& term : text.terms) {
        score += Bm25f(idf(term), match.counts.at(term), match.words, statistics.corpus);
      }
      clause_scores[c] += text.weight * score;
    }
  }
  return plan.Combine(clause_scores, match.matched, match.proximity, match.sector);
}

}  // namespace cairn::search
