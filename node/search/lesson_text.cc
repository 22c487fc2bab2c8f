#include "node/search/lesson_text.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace cairn::search {
namespace {

// Positions between the parts of a field: more than any query spans, so no phrase matches across.
constexpr uint32_t kPartGap = 1024;
constexpr size_t kSnippetBytes = 220;
constexpr size_t kSnippetLeadBytes = 60;  // context kept before the first match

// Moves `at` back to the start of a UTF-8 character.
size_t CharBoundary(absl::string_view text, size_t at) {
  while (at > 0 && at < text.size() && (static_cast<uint8_t>(text[at]) & 0xC0) == 0x80) --at;
  return at;
}

// The texts of a lesson's three fields; the body is every other text field, in parts.
std::array<std::vector<absl::string_view>, kFields> FieldTexts(const v1::Lesson& lesson) {
  std::array<std::vector<absl::string_view>, kFields> fields;
  fields[0].push_back(lesson.title());
  fields[1].push_back(lesson.summary());
  std::vector<absl::string_view>& body = fields[2];
  body.push_back(lesson.driving_event());
  body.push_back(lesson.lesson());
  for (const std::string& text : lesson.recommendations()) body.push_back(text);
  body.push_back(lesson.evidence());
  body.push_back(lesson.project());
  body.push_back(lesson.lifecycle_phase());
  for (const std::string& text : lesson.topics()) body.push_back(text);
  for (const std::string& text : lesson.tags()) body.push_back(text);
  return fields;
}

// Calls analyse(field, part, first position) for each part of each field of `lesson`, which
// returns the part's word count; numbers positions with gaps between parts and sets `words`.
template <typename AnalysePart>
void ForEachFieldPart(const v1::Lesson& lesson, std::array<uint32_t, kFields>* words,
                      AnalysePart analyse) {
  auto fields = FieldTexts(lesson);
  for (int field = 0; field < kFields; ++field) {
    uint32_t position = 0;
    (*words)[field] = 0;
    for (absl::string_view part : fields[field]) {
      if (part.empty()) continue;
      uint32_t part_words = analyse(field, part, position);
      (*words)[field] += part_words;
      position += part_words + kPartGap;
    }
  }
}

}  // namespace

TermOccurrences AnalyzeLesson(const v1::Lesson& lesson, Analyzer* analyzer,
                              std::array<uint32_t, kFields>* words,
                              const absl::flat_hash_set<std::string>* only) {
  constexpr uint32_t kNotWanted = UINT32_MAX;
  TermOccurrences terms;
  // Term number -> its entry in `terms`, or kNotWanted.
  absl::flat_hash_map<uint32_t, uint32_t> index_of;
  terms.reserve(only != nullptr ? only->size() : 256);  // 256: enough for most lessons
  index_of.reserve(256);
  analyzer->ForgetIfFull();
  ForEachFieldPart(lesson, words, [&](int field, absl::string_view part, uint32_t position) {
    return analyzer->ForEachTermId(part, position, [&](uint32_t term_id, uint32_t at) {
      auto [it, added] = index_of.try_emplace(term_id, static_cast<uint32_t>(terms.size()));
      if (added) {
        const std::string& term = analyzer->Term(term_id);
        if (only != nullptr && !only->contains(term)) {
          it->second = kNotWanted;
          return;
        }
        terms.emplace_back(term, Occurrences());
      }
      if (it->second != kNotWanted) terms[it->second].second[field].push_back(at);
    });
  });
  return terms;
}

TermCounts CountTerms(const v1::Lesson& lesson, const std::vector<std::string>& wanted,
                      Analyzer* analyzer, std::array<uint32_t, kFields>* words) {
  TermCounts counts;
  for (const std::string& term : wanted) counts[term] = {0, 0, 0};
  ForEachFieldPart(lesson, words, [&](int field, absl::string_view part, uint32_t position) {
    return analyzer->ForEachToken(
        part, position, [&](absl::string_view term, uint32_t, uint32_t, uint32_t) {
          auto it = counts.find(term);
          if (it != counts.end()) ++it->second[field];
        });
  });
  return counts;
}

void ForEachLessonWord(
    const v1::Lesson& lesson, Analyzer* analyzer,
    absl::FunctionRef<void(int field, absl::string_view term, absl::string_view word)> visit) {
  std::array<uint32_t, kFields> words;
  ForEachFieldPart(lesson, &words, [&](int field, absl::string_view part, uint32_t position) {
    return analyzer->ForEachToken(
        part, position, [&](absl::string_view term, uint32_t, uint32_t begin, uint32_t end) {
          visit(field, term, part.substr(begin, end - begin));
        });
  });
}

std::string SearchableText(const v1::Lesson& lesson) {
  std::string text;
  for (const auto& parts : FieldTexts(lesson)) {
    for (absl::string_view part : parts) absl::StrAppend(&text, part, "\n");
  }
  return text;
}

void SummarizeHit(const v1::Lesson& lesson, v1::SearchHit* hit) {
  hit->set_lesson_id(lesson.id());
  hit->set_title(lesson.title());
  hit->set_origin_org(lesson.origin_org());
  hit->set_origin_sector(lesson.origin_sector());
  hit->set_version(lesson.version());
  hit->set_marking(lesson.marking());
  hit->set_status(lesson.status());
  *hit->mutable_topics() = lesson.topics();
  if (lesson.has_occurred_at()) *hit->mutable_occurred_at() = lesson.occurred_at();
}

void DescribeHit(const v1::Lesson& lesson, const std::vector<std::string>& terms,
                 v1::SearchHit* hit) {
  SummarizeHit(lesson, hit);

  // The snippet: the passage with the most matching words, from the first field that has any.
  std::vector<std::pair<absl::string_view, absl::string_view>> candidates = {
      {"summary", lesson.summary()}, {"lesson", lesson.lesson()},
      {"driving_event", lesson.driving_event()}};
  for (const std::string& text : lesson.recommendations()) candidates.push_back({"recommendations", text});
  candidates.push_back({"evidence", lesson.evidence()});
  absl::flat_hash_set<std::string> wanted(terms.begin(), terms.end());
  Analyzer& analyzer = Analyzer::ForThisThread();
  for (const auto& [field, text] : candidates) {
    std::vector<Token> matched;
    for (Token& token : analyzer.Analyze(text)) {
      if (wanted.contains(token.term)) matched.push_back(std::move(token));
    }
    if (matched.empty() && !(wanted.empty() && !text.empty())) continue;
    // The window holding the most matches, that fits in the snippet after its lead.
    size_t best = 0, best_count = 0;
    for (size_t first = 0, last = 0; first < matched.size(); ++first) {
      while (last < matched.size() &&
             matched[last].end - matched[first].begin <= kSnippetBytes - kSnippetLeadBytes) {
        ++last;
      }
      if (last - first > best_count) {
        best = first;
        best_count = last - first;
      }
    }
    size_t first_match = matched.empty() ? 0 : matched[best].begin;
    size_t start = first_match > kSnippetLeadBytes ? first_match - kSnippetLeadBytes : 0;
    // Begin on a word, but never after the first match.
    while (start > 0 && start < first_match && text[start - 1] != ' ') ++start;
    start = CharBoundary(text, start);
    size_t stop = std::min(text.size(), start + kSnippetBytes);
    if (stop < text.size()) {
      size_t space = text.rfind(' ', stop);
      if (space != absl::string_view::npos && space > start) stop = space;
      stop = CharBoundary(text, stop);
    }
    std::string snippet = absl::StrCat(start > 0 ? "…" : "", text.substr(start, stop - start),
                                       stop < text.size() ? "…" : "");
    size_t shift = start > 0 ? std::string("…").size() : 0;
    for (const Token& token : matched) {
      if (token.begin < start || token.end > stop) continue;
      v1::Highlight* highlight = hit->add_highlights();
      highlight->set_begin(static_cast<uint32_t>(token.begin - start + shift));
      highlight->set_end(static_cast<uint32_t>(token.end - start + shift));
    }
    hit->set_snippet_field(std::string(field));
    hit->set_snippet(std::move(snippet));
    break;
  }
}


}  // namespace cairn::search
