// SearchIndex, the best k without scoring every match: block-max MaxScore over the postings'
// blocks. Every term's blocks cover the same ranges of 1,024 document numbers, so a range's bound
// is the plan's clauses' bounds there, summed (each clause: its alternatives' weights times their
// terms' block bounds, ranking.h), times the whole proximity bonus when the plan has one. Ranges
// are taken best bound first; once the k-th best score found beats a range's bound, the rest are
// passed over undecoded. Within a range, the optional clauses whose bounds together cannot reach
// that score are not essential: only documents of the others are candidates, and a candidate
// whose own bound falls short is passed over before it is scored. Every candidate left is decided
// and scored exactly as Evaluate and Best decide and score it, with the same arithmetic, so the
// result is theirs to the last bit. The class's other jobs are in the files
// search_index_internal.h lists.
#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "node/common/status_macros.h"
#include "node/search/lesson_match.h"
#include "node/search/posting.h"
#include "node/search/query_plan.h"
#include "node/search/ranking.h"
#include "node/search/search_index.h"
#include "node/search/search_index_internal.h"
#include "node/storage/doc_block.h"

namespace cairn::search {
namespace {

constexpr uint32_t kRangeDocs = uint32_t{1} << kBlockShift;

absl::Status Corrupt(const std::string& term) {
  return absl::DataLossError(absl::StrCat("the search index's postings of '", term,
                                          "' are corrupt; run `cairn index rebuild`"));
}

}  // namespace

struct SearchIndex::Pruning {
  // One term's postings in one range, decoded: views into the term's decoded postings.
  // Postings read from blocks keep their payloads undecoded (most are passed over): their
  // counts are read off the payload when scored.
  struct List {
    absl::Span<const uint32_t> docs;
    absl::Span<const std::array<uint32_t, kFields>> counts;  // when decoded already (a peer's view)
    absl::Span<const absl::string_view> payloads;  // when read from blocks, or positions were read

    // The counts of the i-th posting; false when its payload is corrupt.
    bool CountsOf(size_t i, std::array<uint32_t, kFields>* out) const {
      if (!counts.empty()) {
        *out = counts[i];
        return true;
      }
      absl::string_view payload = payloads[i];
      return DecodeCounts(&payload, out);
    }
  };

  // One term: the ranges it has postings in, the bound of its score in each, decoded on demand.
  struct Term {
    const std::string* name = nullptr;
    Postings* postings = nullptr;
    double idf = 0;
    std::vector<uint32_t> ranges;  // sorted
    std::vector<double> bounds;    // by index in `ranges`
    std::vector<size_t> sizes;     // postings in each
    std::vector<size_t> firsts;    // once decoded: the index of each range's first posting
    std::vector<List> lists;
    std::vector<bool> listed;  // by range: whether its list is decoded
    // The postings of the ranges decoded so far, in the order decoded. Each vector is sized for
    // every range at the start, so that the lists' views stay valid (and a search allocates a
    // few vectors a term, not a few a range).
    std::vector<uint32_t> docs;
    std::vector<absl::string_view> payloads;
    // Candidates come in increasing order within a range: lookups walk the range's list.
    const List* walked = nullptr;
    size_t at = 0;
    // The score of the document last scored, which both the bound and the exact score read.
    uint32_t scored_doc = UINT32_MAX;
    double score = 0;

    int RangeIndex(uint32_t range) const {
      auto it = std::lower_bound(ranges.begin(), ranges.end(), range);
      return it != ranges.end() && *it == range ? static_cast<int>(it - ranges.begin()) : -1;
    }
  };

  Pruning(const SearchIndex& searched, const Corpus& scored_by)
      : index(searched), corpus(scored_by) {}

  // Each term's ranges and bounds, from the stored blocks or from the decoded lists.
  void AddTerms(PostingsCache* cache) {
    for (auto& [name, postings] : *cache) {
      Term& term = terms.emplace_back();
      term.name = &name;
      term.postings = &postings;
      term_of[name] = terms.size() - 1;
      if (!postings.decoded) {
        double containing = 0;
        for (const Postings::Block& block : postings.blocks) containing += block.summary.entries;
        term.idf = Idf(corpus.stats.documents, containing);
        for (const Postings::Block& block : postings.blocks) {
          term.ranges.push_back(block.range);
          term.sizes.push_back(block.summary.entries);
          term.bounds.push_back(Bm25fBound(term.idf, BoundOf(block.summary), corpus.stats));
        }
      } else {
        index.Admit(&postings, corpus);
        term.idf = postings.idf;
        ScoreBound bound;
        auto close_range = [&](size_t end) {
          term.bounds.push_back(Bm25fBound(term.idf, bound, corpus.stats));
          term.sizes.push_back(end - term.firsts.back());
          bound = ScoreBound();
        };
        for (size_t i = 0; i < postings.docs.size(); ++i) {
          const uint32_t doc = postings.docs[i];
          const uint32_t range = doc >> kBlockShift;
          if (term.ranges.empty() || term.ranges.back() != range) {
            if (!term.ranges.empty()) close_range(i);
            term.ranges.push_back(range);
            term.firsts.push_back(i);
          }
          ScoreBound one = BoundOf(postings.counts[i], index.WordsOf(doc, corpus));
          for (int field = 0; field < kFields; ++field) {
            bound.counts[field] = std::max(bound.counts[field], one.counts[field]);
            bound.densities[field] = std::max(bound.densities[field], one.densities[field]);
          }
        }
        if (!term.ranges.empty()) close_range(postings.docs.size());
      }
      term.lists.resize(term.ranges.size());
      term.listed.resize(term.ranges.size());
      size_t all = 0;
      for (size_t size : term.sizes) all += size;
      if (!postings.decoded) term.docs.reserve(all);
      if (!postings.decoded || postings.positions) term.payloads.reserve(all);
    }
  }

  // Term `t`'s postings in its range number `r` (an index into its ranges), decoded.
  absl::StatusOr<const List*> ListOf(Term& term, int r) {
    List& list = term.lists[r];
    if (term.listed[r]) return &list;
    const Postings& postings = *term.postings;
    if (postings.decoded) {
      // Already decoded (a peer's view): views of the range's part of the lists.
      const size_t first = term.firsts[r], size = term.sizes[r];
      list.docs = absl::MakeConstSpan(postings.docs).subspan(first, size);
      list.counts = absl::MakeConstSpan(postings.counts).subspan(first, size);
      if (postings.positions) {
        const size_t begin = term.payloads.size();
        for (size_t i = first; i < first + size; ++i) term.payloads.push_back(postings.payload(i));
        list.payloads = absl::MakeConstSpan(term.payloads).subspan(begin, size);
      }
    } else {
      const size_t begin = term.docs.size();
      DocBlockReader reader(postings.blocks[r].entries);
      DocEntry entry;
      while (reader.Next(&entry)) {
        // More postings than the block's summary says would outgrow the space set aside.
        if (entry.removed || term.docs.size() - begin == term.sizes[r]) {
          return Corrupt(*term.name);
        }
        term.docs.push_back(entry.doc);
        term.payloads.push_back(entry.payload);
      }
      if (reader.corrupt()) return Corrupt(*term.name);
      const size_t size = term.docs.size() - begin;
      list.docs = absl::MakeConstSpan(term.docs).subspan(begin, size);
      list.payloads = absl::MakeConstSpan(term.payloads).subspan(begin, size);
    }
    term.listed[r] = true;
    return &list;
  }

  const SearchIndex& index;
  const Corpus& corpus;
  std::vector<Term> terms;
  absl::flat_hash_map<std::string, size_t> term_of;
};

absl::StatusOr<SearchIndex::Ranked> SearchIndex::BestByBounds(const QueryPlan& plan,
                                                              PostingsCache* cache,
                                                              const Corpus& corpus,
                                                              size_t count) const {
  using Role = PlannedClause::Role;
  const size_t clauses = plan.clauses.size();
  std::vector<size_t> positive;  // the clauses that add to a score
  for (size_t c = 0; c < clauses; ++c) {
    if (plan.clauses[c].role != Role::kExcluded) positive.push_back(c);
  }
  if (positive.empty() || plan.matches_nothing) {
    return absl::FailedPreconditionError("no word or phrase to rank by");
  }
  Pruning pruning(*this, corpus);
  pruning.AddTerms(cache);
  std::vector<Pruning::Term>& terms = pruning.terms;
  // By clause and alternative, its terms' indexes in `terms`.
  std::vector<std::vector<std::vector<size_t>>> terms_of(clauses);
  for (size_t c = 0; c < clauses; ++c) {
    for (const PlannedText& text : plan.clauses[c].alternatives) {
      std::vector<size_t>& indexes = terms_of[c].emplace_back();
      for (const std::string& term : text.terms) {
        auto it = pruning.term_of.find(term);
        if (it == pruning.term_of.end()) {
          return absl::InternalError(absl::StrCat("postings of ", term, " not read"));
        }
        indexes.push_back(it->second);
      }
    }
  }
  const std::vector<std::pair<std::string, std::string>> pairs = plan.ProximityPairs();
  // The most a document whose clauses add up to `sum` can score.
  auto reach = [&](double sum) { return pairs.empty() ? sum : plan.WithProximity(sum, 1); };
  // Each pair's terms by index, -1 for one without positions read (so never close), and each
  // term's positions in the document last scored, decoded once per document.
  std::vector<std::pair<int, int>> pair_terms;
  for (const auto& [first, second] : pairs) {
    auto index_of = [&](const std::string& name) {
      auto it = pruning.term_of.find(name);
      return it == pruning.term_of.end() || !terms[it->second].postings->positions
                 ? -1
                 : static_cast<int>(it->second);
    };
    pair_terms.emplace_back(index_of(first), index_of(second));
  }
  std::vector<Occurrences> term_positions(terms.size());
  std::vector<uint32_t> positions_of_doc(terms.size(), UINT32_MAX);

  // Each range's bound, by clause and in all; a range where a required clause cannot match has
  // none.
  std::vector<uint32_t> ranges;
  for (size_t c : positive) {
    for (const std::vector<size_t>& text : terms_of[c]) {
      for (size_t t : text) {
        ranges.insert(ranges.end(), terms[t].ranges.begin(), terms[t].ranges.end());
      }
    }
  }
  std::sort(ranges.begin(), ranges.end());
  ranges.erase(std::unique(ranges.begin(), ranges.end()), ranges.end());
  // The bound of clause `c` in `range`: its alternatives', where every term has postings.
  auto clause_bound = [&](size_t c, uint32_t range) {
    double bound = 0;
    for (size_t a = 0; a < terms_of[c].size(); ++a) {
      double terms_bound = 0;
      bool present = true;
      for (size_t t : terms_of[c][a]) {
        int r = terms[t].RangeIndex(range);
        present = r >= 0;
        if (!present) break;
        terms_bound += terms[t].bounds[r];
      }
      if (present) bound += plan.clauses[c].alternatives[a].weight * terms_bound;
    }
    return bound;
  };
  std::vector<std::vector<double>> bounds(ranges.size(), std::vector<double>(clauses, 0));
  std::vector<double> range_reach(ranges.size(), -1);
  for (size_t i = 0; i < ranges.size(); ++i) {
    double sum = 0;
    bool possible = true;
    for (size_t c : positive) {
      bounds[i][c] = clause_bound(c, ranges[i]);
      sum += bounds[i][c];
      possible &= plan.clauses[c].role != Role::kRequired || bounds[i][c] > 0;
    }
    if (possible) range_reach[i] = reach(sum);
  }
  std::vector<size_t> order;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (range_reach[i] >= 0) order.push_back(i);
  }
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return range_reach[a] > range_reach[b]; });

  Ranked ranked;
  ranked.every_match = true;
  // The best so far, the worst of them on top; `threshold` is its score once there are `count`.
  std::vector<std::pair<double, uint32_t>> best;
  auto better = [](const std::pair<double, uint32_t>& a, const std::pair<double, uint32_t>& b) {
    return a.first != b.first ? a.first > b.first : a.second > b.second;
  };
  auto full = [&] { return best.size() == count; };
  auto threshold = [&] { return best.front().first; };

  std::vector<bool> matched(clauses);
  std::vector<double> scores(clauses);
  std::vector<Occurrences> positions;
  using Posting = std::pair<const Pruning::List*, int>;  // a list, and the index of a posting in it
  std::vector<Posting> at;                               // an alternative's postings of a document
  for (size_t i : order) {
    if (full() && range_reach[i] < threshold()) {
      ranked.every_match = false;  // and so are all the ranges after it
      break;
    }
    const uint32_t range = ranges[i];
    // Which optional clauses are essential: all but the weakest, as long as those together fall
    // short of the threshold. With a required clause, candidates come from the rarest of those.
    std::vector<size_t> optional;
    for (size_t c : positive) {
      if (plan.clauses[c].role == Role::kOptional) optional.push_back(c);
    }
    std::sort(optional.begin(), optional.end(),
              [&](size_t a, size_t b) { return bounds[i][a] < bounds[i][b]; });
    std::vector<bool> essential(clauses, false);
    double inessential = 0;  // the bound of the clauses that are not
    {
      double sum = 0;
      for (size_t c : optional) {
        if (plan.has_required || !full() || reach(sum + bounds[i][c]) >= threshold()) {
          essential[c] = true;
        } else {
          sum += bounds[i][c];
        }
      }
      inessential = sum;
      if (sum > 0) ranked.every_match = false;
    }
    for (size_t c : positive) {
      essential[c] = essential[c] || plan.clauses[c].role == Role::kRequired;
    }
    // The documents of an alternative are among those of its rarest term.
    auto rarest = [&](const std::vector<size_t>& text) -> int {
      int best_term = -1;
      size_t fewest = SIZE_MAX;
      for (size_t t : text) {
        int r = terms[t].RangeIndex(range);
        if (r < 0) return -1;
        if (terms[t].sizes[r] < fewest) {
          fewest = terms[t].sizes[r];
          best_term = static_cast<int>(t);
        }
      }
      return best_term;
    };
    std::vector<size_t> sources;  // the clauses candidates come from
    if (plan.has_required) {
      size_t fewest = SIZE_MAX;
      for (size_t c : positive) {
        if (plan.clauses[c].role != Role::kRequired) continue;
        size_t size = 0;
        for (const std::vector<size_t>& text : terms_of[c]) {
          int t = rarest(text);
          if (t >= 0) size += terms[t].sizes[terms[t].RangeIndex(range)];
        }
        if (size < fewest) {
          fewest = size;
          sources = {c};
        }
      }
    } else {
      for (size_t c : optional) {
        if (essential[c]) sources.push_back(c);
      }
    }
    std::array<uint64_t, kRangeDocs / 64> candidates{};
    for (size_t c : sources) {
      for (const std::vector<size_t>& text : terms_of[c]) {
        int t = rarest(text);
        if (t < 0) continue;
        CAIRN_ASSIGN_OR_RETURN(const Pruning::List* list,
                               pruning.ListOf(terms[t], terms[t].RangeIndex(range)));
        for (uint32_t doc : list->docs) {
          candidates[(doc % kRangeDocs) / 64] |= uint64_t{1} << (doc % 64);
        }
      }
    }
    std::vector<int> range_index(terms.size());
    for (size_t t = 0; t < terms.size(); ++t) range_index[t] = terms[t].RangeIndex(range);
    // A term's posting of `doc`: its list and index there, or null.
    auto posting_of = [&](size_t t, uint32_t doc) -> absl::StatusOr<Posting> {
      Pruning::Term& term = terms[t];
      if (range_index[t] < 0) return Posting(nullptr, -1);
      CAIRN_ASSIGN_OR_RETURN(const Pruning::List* list, pruning.ListOf(term, range_index[t]));
      if (term.walked != list) {
        term.walked = list;
        term.at = 0;
      }
      while (term.at < list->docs.size() && list->docs[term.at] < doc) ++term.at;
      if (term.at == list->docs.size() || list->docs[term.at] != doc) return Posting(nullptr, -1);
      return Posting(list, static_cast<int>(term.at));
    };
    // Term `t`'s score in `doc`, where `posting` is its posting.
    auto score_of = [&](size_t t, uint32_t doc, const Posting& posting) -> absl::StatusOr<double> {
      Pruning::Term& term = terms[t];
      if (term.scored_doc != doc) {
        std::array<uint32_t, kFields> counts;
        if (!posting.first->CountsOf(posting.second, &counts)) return Corrupt(*term.name);
        term.scored_doc = doc;
        term.score = Score(term.idf, counts, doc, corpus);
      }
      return term.score;
    };
    for (size_t word = 0; word < candidates.size(); ++word) {
      for (uint64_t bits = candidates[word]; bits != 0; bits &= bits - 1) {
        const uint32_t doc =
            range * kRangeDocs + static_cast<uint32_t>(word * 64 + __builtin_ctzll(bits));
        if (doc >= docs_.size() || docs_[doc] == nullptr) continue;  // cannot be: Settled
        // Its bound: its essential clauses' scores as if every phrase matched, the others'
        // bounds in the range.
        if (full()) {
          double sum = inessential;
          for (size_t c : positive) {
            if (!essential[c]) continue;
            for (size_t a = 0; a < terms_of[c].size(); ++a) {
              double text_score = 0;
              bool present = true;
              for (size_t t : terms_of[c][a]) {
                CAIRN_ASSIGN_OR_RETURN(auto posting, posting_of(t, doc));
                present = posting.first != nullptr;
                if (!present) break;
                CAIRN_ASSIGN_OR_RETURN(double term_score, score_of(t, doc, posting));
                text_score += term_score;
              }
              if (present) sum += plan.clauses[c].alternatives[a].weight * text_score;
            }
          }
          if (reach(sum) < threshold()) {
            ranked.every_match = false;
            continue;
          }
        }
        // Decided and scored as Evaluate does (MatchText, then Combine).
        for (size_t c = 0; c < clauses; ++c) {
          matched[c] = false;
          scores[c] = 0;
          for (size_t a = 0; a < terms_of[c].size(); ++a) {
            const PlannedText& text = plan.clauses[c].alternatives[a];
            const std::vector<size_t>& text_terms = terms_of[c][a];
            at.clear();
            for (size_t t : text_terms) {
              CAIRN_ASSIGN_OR_RETURN(auto posting, posting_of(t, doc));
              if (posting.first == nullptr) break;
              at.push_back(posting);
            }
            if (at.size() < text_terms.size()) continue;
            if (text.phrase()) {
              positions.resize(at.size());
              for (size_t j = 0; j < at.size(); ++j) {
                if (at[j].first->payloads.empty() ||
                    !DecodePositions(at[j].first->payloads[at[j].second], &positions[j])) {
                  return Corrupt(*terms[text_terms[j]].name);
                }
              }
              if (!PhraseFound(text, positions)) continue;
            }
            double text_score = 0;
            for (size_t j = 0; j < at.size(); ++j) {
              CAIRN_ASSIGN_OR_RETURN(double term_score, score_of(text_terms[j], doc, at[j]));
              text_score += term_score;
            }
            scores[c] += text.weight * text_score;
            matched[c] = true;
          }
        }
        // Filters last: their record is a cache miss for every candidate.
        if (!plan.Matches(matched) || !Passes(plan.filters, doc)) continue;
        ++ranked.matches;
        double score = plan.Combine(scores, matched, 0, "");  // no sector boost (RanksByText)
        if (!pairs.empty()) {
          if (full() && plan.WithProximity(score, 1) < threshold()) continue;
          // Term `t`'s positions in `doc`, or null where it has none.
          auto positions_in_doc = [&](int t) -> absl::StatusOr<const Occurrences*> {
            if (t < 0) return nullptr;
            CAIRN_ASSIGN_OR_RETURN(auto posting, posting_of(t, doc));
            if (posting.first == nullptr) return nullptr;
            if (positions_of_doc[t] != doc) {
              if (!DecodePositions(posting.first->payloads[posting.second], &term_positions[t])) {
                return Corrupt(*terms[t].name);
              }
              positions_of_doc[t] = doc;
            }
            return &term_positions[t];
          };
          size_t close = 0;
          for (const auto& [first, second] : pair_terms) {
            CAIRN_ASSIGN_OR_RETURN(const Occurrences* a, positions_in_doc(first));
            CAIRN_ASSIGN_OR_RETURN(const Occurrences* b, positions_in_doc(second));
            close += a != nullptr && b != nullptr && StandClose(*a, *b);
          }
          const double proximity = static_cast<double>(close) / static_cast<double>(pairs.size());
          score = plan.WithProximity(score, proximity);
        }
        std::pair<double, uint32_t> entry(score, doc);
        if (full() && !better(entry, best.front())) continue;
        best.push_back(entry);
        std::push_heap(best.begin(), best.end(), better);
        if (best.size() > count) {
          std::pop_heap(best.begin(), best.end(), better);
          best.pop_back();
        }
      }
    }
  }
  std::sort(best.begin(), best.end(), better);
  for (const auto& [score, doc] : best) {
    ranked.docs.push_back(doc);
    ranked.scores.push_back(score);
  }
  return ranked;
}

}  // namespace cairn::search
