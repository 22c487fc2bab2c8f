// The node's full-text index of the lessons it holds, kept in RocksDB beside them and written in
// the same atomic batch as each lesson. SPEC section 6.
//
// Every lesson has a document number. Each term's postings live in blocks of 1,024 document numbers
// (column family search_postings, key: term, NUL, big-endian block number), as DocBlocks merged by
// RocksDB, so a common term costs one key per block read, not one per document. A posting holds
// the term's frequency in each field and its word positions (for phrases). A small record per
// lesson (search_docs) holds field lengths and the values filters and facets need; the index keeps
// those records in memory as well, so a query reads only postings, and lessons only for the page
// of results it shows.
#ifndef CAIRN_NODE_SEARCH_SEARCH_INDEX_H_
#define CAIRN_NODE_SEARCH_SEARCH_INDEX_H_

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "cairn/v1/federation.pb.h"
#include "cairn/v1/policy.pb.h"
#include "cairn/v1/search_service.pb.h"
#include "node/search/federated_merge.h"
#include "node/search/lesson_text.h"
#include "node/search/peer_view.h"
#include "node/search/query.h"
#include "node/search/query_plan.h"
#include "node/search/ranking.h"
#include "node/search/vocabulary.h"
#include "node/storage/store.h"

namespace cairn::search {

// What an index check found.
struct IndexCheck {
  uint64_t lessons = 0;   // lessons in the store
  uint64_t postings = 0;  // (term, lesson) pairs the index should hold
  std::vector<std::string> problems;  // empty when the index is exactly what a rebuild would give
};

// Thread-safe: searches run concurrently with each other and with writes.
class SearchIndex : public LessonIndexer {
 public:
  static constexpr size_t kMaxPageSize = 100;
  static constexpr size_t kMaxResultOffset = 10'000;  // how deep paging may go

  // Loads the index of `store` (not owned; must outlive it) and registers it for every Commit.
  // Rebuilds the index first when it is missing (a store from before search existed), was built
  // by an older format, or an earlier rebuild did not finish.
  static absl::StatusOr<std::unique_ptr<SearchIndex>> Open(Store* store);
  ~SearchIndex() override;
  SearchIndex(const SearchIndex&) = delete;
  SearchIndex& operator=(const SearchIndex&) = delete;

  // A search as this node plans it: the query, its widening and plan, and for more like this
  // the lesson it starts from.
  struct PlannedSearch {
    Query query;
    std::vector<v1::Equivalent> equivalents;
    QueryPlan plan;
    std::optional<v1::Lesson> like;
  };
  // `text` parsed, widened by `vocabulary` (none with all_words) and planned. With a
  // `like_lesson_id`, more like this (more_like_this.h): `text` narrows, the lesson's
  // DistinctiveWords (by this index's statistics) are added, and the plan leaves it out and
  // prefers other sectors than its own. Outcomes: INVALID_ARGUMENT as ParseQuery and PlanQuery
  // give, or "all_words: ..." with a like id; NOT_FOUND "like_lesson_id: ..." when this node
  // holds no such lesson; FAILED_PRECONDITION when that lesson has no word to search by and
  // `text` is empty.
  absl::StatusOr<PlannedSearch> Plan(absl::string_view text, bool all_words,
                                     const std::string& like_lesson_id,
                                     const Vocabulary& vocabulary) const;

  // The page of results for `request`, planned by Plan (its words widened by `vocabulary`), with
  // what it searched for (Interpret). Outcomes of Plan, and INVALID_ARGUMENT for a page_size
  // over kMaxPageSize, a page token from another query, or a page beyond kMaxResultOffset.
  absl::StatusOr<v1::SearchResponse> Search(
      const v1::SearchRequest& request,
      const Vocabulary& vocabulary = Vocabulary::Shipped()) const;

  // What `search` searched for: its words, those ignored as stop words, the equivalents, the
  // words no lesson here holds, when `respell`, a respelling of (at most three of) those from
  // this index's own words ("did you mean"), and the lesson more like this started from.
  absl::StatusOr<v1::QueryInterpretation> Interpret(const PlannedSearch& search,
                                                    bool respell = true) const;

  using Audience = search::Audience;

  // The answer to a federated query from `audience`'s view of this node: evaluated, counted,
  // faceted and scored over exactly the export views of the lessons DecideSharing lets the peer
  // see over the query channel (BM25F by the statistics of those views), as a node holding only
  // those views would answer. So a word found only in text the peer may not see (a lesson
  // hidden from it, a redacted field, scrubbed personal data) gives the answer a word found
  // nowhere gives. Lessons are returned as their export views, each signed by its origin (this
  // node signs afresh a view of its own lesson that the policy altered). Which lessons the peer
  // may see is decided as queries need it, off the index's lock, and remembered until a lesson,
  // the peer or its policy changes. INVALID_ARGUMENT for a malformed query or a max_results over
  // kMaxPageSize.
  absl::StatusOr<v1::PeerQueryResponse> Answer(const v1::PeerQueryRequest& request,
                                               const Audience& audience) const;

  // The answer to a federated query from everything this node holds, for its own analysts, and
  // (into `statistics`) this index's statistics for the query's terms; without the lesson
  // `leave_out` (more like this starts from it).
  absl::StatusOr<v1::PeerQueryResponse> AnswerHere(const v1::PeerQueryRequest& request,
                                                   QueryStatistics* statistics,
                                                   const std::string& leave_out = "") const;

  // The version held of each of `ids` that this index holds.
  HeldVersions VersionsHeld(const std::vector<std::string>& ids) const;

  // Clears the index and indexes every lesson again. Other writes wait meanwhile.
  absl::Status Rebuild();

  // Compares the index, on disk and in memory, with what indexing every lesson afresh gives.
  absl::StatusOr<IndexCheck> Check() const;

  // LessonIndexer: Index, Finish and Reset are called by Store::Commit with its write lock held;
  // Prepare by writers, on any thread.
  void Index(const v1::Lesson* before, const v1::Lesson* after,
             const PreparedIndexing* prepared_after, StoreBatch* writes) override;
  std::shared_ptr<const PreparedIndexing> Prepare(const v1::Lesson& lesson) const override;
  void Finish(bool written) override;
  void Reset() override;

 private:
  // Defined across files, one job each; search_index_internal.h lists them.
  struct Doc;       // the in-memory form of a v1::IndexedDoc
  struct Postings;  // one term's postings, as a query reads them
  struct Matches;   // documents matching part of a query, with scores
  struct Analysis;  // a lesson's postings and field lengths, as Index writes them
  struct Pruning;   // the state of one BestByBounds

  // What a query matched.
  struct Evaluation {
    std::vector<uint32_t> docs;  // the matching documents, filters applied
    // Theirs, by this index's statistics; without the proximity bonus except for those Best
    // ranked.
    std::vector<double> scores;
    absl::flat_hash_map<std::string, size_t> containing;  // documents holding each term
  };

  // Postings by term, with positions where the plan needs them (phrases, proximity); pointers
  // into it stay valid as it grows.
  using PostingsCache = std::map<std::string, Postings>;

  explicit SearchIndex(Store* store);
  absl::Status Load();
  // The collection a query is scored against: the index as stored, or one peer's view of it.
  struct Corpus {
    CorpusStats stats;
    const PeerView* view = nullptr;  // for the lengths of altered views; null: as stored
    // Documents numbered from here were added after the postings were read (ReadQueryPostings):
    // none of their postings are among them, so a query of exclusions or filters alone must not
    // take them for documents without the excluded words.
    size_t docs_read = SIZE_MAX;
  };
  Corpus Stored() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Brings `view` up to date for `audience`: every document it has not decided yet, decided.
  absl::Status DecideUndecided(const Audience& audience, PeerView* view) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Makes `cache` hold the postings as `view` sees them: only visible documents, and for those
  // whose export view was altered, the view's own postings.
  void SeeThrough(const PeerView& view, PostingsCache* cache) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_) ABSL_EXCLUSIVE_LOCKS_REQUIRED(view.mu);
  // Every postings list `plan` needs, read without the lock from one snapshot of the store, so
  // that all agree; `docs_read` is set to the table's size when it was taken (Corpus::docs_read).
  absl::StatusOr<PostingsCache> ReadQueryPostings(const QueryPlan& plan, size_t* docs_read) const
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Evaluate(const QueryPlan& plan, PostingsCache* postings, const Corpus& corpus,
                        Evaluation* out) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // What BestByBounds found.
  struct Ranked {
    std::vector<uint32_t> docs;  // the best, best first
    std::vector<double> scores;  // theirs, the proximity bonus applied
    size_t matches = 0;          // matches seen on the way (at least docs.size())
    bool every_match = false;    // no document was passed over: `matches` is the count
  };
  // The best `count` documents `plan` matches, in the order and with exactly the scores that
  // Evaluate then Best give, without scoring every match: block-max MaxScore over the postings'
  // blocks, whose score bounds (posting.h) hold whatever `corpus` is. Postings as read (their
  // stored bounds, and each term's document count from them: only when the table has every
  // document they list, see Settled) or, once decoded (a peer's view, SeeThrough), bounds taken
  // from what they hold. FAILED_PRECONDITION when `plan` has no word or phrase to rank by
  // (filters or exclusions alone): Evaluate then.
  absl::StatusOr<Ranked> BestByBounds(const QueryPlan& plan, PostingsCache* postings,
                                      const Corpus& corpus, size_t count) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Decodes every block read into the lists Evaluate and SeeThrough read.
  absl::Status DecodePostings(PostingsCache* postings) const;
  // The table's version, before postings are read: nullopt while a commit is indexing (its
  // postings may be written before the table knows its documents). Postings read after a
  // version list only documents the table knows while it is still that version.
  std::optional<uint64_t> SettledVersion() const ABSL_LOCKS_EXCLUDED(mu_);
  // Indexes into `evaluation`'s docs of the best `count`, best first (the proximity bonus
  // applied to those, and to as many others as could have been among them).
  absl::StatusOr<std::vector<size_t>> Best(const QueryPlan& plan, const PostingsCache& postings,
                                           size_t count, Evaluation* evaluation) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Facet counts over `docs`, added to `facets`.
  void AddFacets(const std::vector<uint32_t>& docs,
                 google::protobuf::RepeatedPtrField<v1::Facet>* facets) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Facet counts over the best kFacetsOverBest of `ranked`, added to `facets`.
  void AddFacetsOfBest(const Ranked& ranked,
                       google::protobuf::RepeatedPtrField<v1::Facet>* facets) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The postings of `term` as stored (with their positions, for phrases, only when asked).
  absl::StatusOr<Postings> ReadPostings(const std::string& term, bool with_positions,
                                        const Store::ReadView* view = nullptr) const;
  // Drops postings of documents the table does not know yet, and sets the idf; once.
  void Admit(Postings* postings, const Corpus& corpus) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The documents matching a word or phrase, scored (its weight applied).
  absl::StatusOr<Matches> MatchText(const PlannedText& text, PostingsCache* cache,
                                    const Corpus& corpus) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  double Score(const Postings& postings, size_t i, const Corpus& corpus) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The words in each field of `doc`, as `corpus` has it.
  const std::array<uint32_t, kFields>& WordsOf(uint32_t doc, const Corpus& corpus) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The BM25F of a term with `idf` and `counts` in document `doc`.
  double Score(double idf, const std::array<uint32_t, kFields>& counts, uint32_t doc,
               const Corpus& corpus) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // PassesFilters for document `doc`, which the table holds.
  bool Passes(const Filters& filters, uint32_t doc) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The in-memory table: add a record (replacing none), or drop a lesson's.
  void AddToTable(std::unique_ptr<Doc> doc) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RemoveFromTable(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // The first document holding `term`; none when no lesson holds it.
  absl::StatusOr<std::optional<uint32_t>> FirstDocHolding(const std::string& term) const;
  // Every term of the index, sorted, read afresh when over a minute old.
  absl::StatusOr<std::shared_ptr<const std::vector<std::string>>> KnownTerms() const
      ABSL_LOCKS_EXCLUDED(terms_mu_);
  // A word as some lesson writes it whose stem is `term`, lower-cased; `term` if none is found.
  absl::StatusOr<std::string> WordAsWritten(const std::string& term) const ABSL_LOCKS_EXCLUDED(mu_);

  // A lesson changed: every peer's view decides it again.
  void Forget(uint32_t doc) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store* const store_;
  mutable absl::Mutex mu_;
  mutable PeerViews views_;  // each view's lock is taken after mu_
  std::vector<std::unique_ptr<Doc>> docs_ ABSL_GUARDED_BY(mu_);  // by document number; null: none
  // Words in each field, by document number: what ranking reads for every posting, kept dense.
  std::vector<std::array<uint32_t, kFields>> field_words_ ABSL_GUARDED_BY(mu_);
  std::vector<bool> retracted_ ABSL_GUARDED_BY(mu_);  // by document number, for Passes
  absl::flat_hash_map<std::string, uint32_t> doc_numbers_ ABSL_GUARDED_BY(mu_);  // by lesson id
  std::array<double, kFields> total_words_ ABSL_GUARDED_BY(mu_) = {0, 0, 0};
  uint64_t live_docs_ ABSL_GUARDED_BY(mu_) = 0;
  // Documents whose new version a commit is writing (Index to Finish): hidden from every peer's
  // view until the table has the new record.
  absl::flat_hash_set<uint32_t> changing_ ABSL_GUARDED_BY(mu_);
  uint64_t resets_ ABSL_GUARDED_BY(mu_) = 0;  // times the table was cleared (Reset)
  // Bumped when a commit starts indexing, when the table takes its changes, and at a Reset.
  uint64_t table_version_ ABSL_GUARDED_BY(mu_) = 0;
  bool indexing_ ABSL_GUARDED_BY(mu_) = false;  // from a commit's first Index to its Finish
  // Changes Index made that the store has not yet written: (lesson id, new record or null).
  std::vector<std::pair<std::string, std::unique_ptr<Doc>>> pending_;  // under the store's lock
  uint32_t next_doc_ = 0;                                               // under the store's lock
  bool indexing_started_ = false;  // Index was called since the last Finish; the store's lock
  std::unique_ptr<Analyzer> indexing_analyzer_;                         // under the store's lock
  mutable absl::Mutex terms_reading_mu_;  // held by the one query reading the terms again
  mutable absl::Mutex terms_mu_;
  mutable std::shared_ptr<const std::vector<std::string>> known_terms_ ABSL_GUARDED_BY(terms_mu_);
  mutable absl::Time terms_read_ ABSL_GUARDED_BY(terms_mu_);
};

}  // namespace cairn::search

#endif  // CAIRN_NODE_SEARCH_SEARCH_INDEX_H_
