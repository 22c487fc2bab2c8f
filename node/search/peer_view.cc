#include "node/search/peer_view.h"

#include <algorithm>

#include "node/policy/sharing.h"
#include "node/search/analyzer.h"
#include "node/search/posting.h"
#include "node/search/stable_hash.h"

namespace cairn::search {
namespace {

std::shared_ptr<const AlteredText> Analyse(const v1::Lesson& view, Analyzer* analyzer) {
  auto text = std::make_shared<AlteredText>();
  TermOccurrences terms = AnalyzeLesson(view, analyzer, &text->words);
  text->postings.reserve(terms.size());
  for (const auto& [term, occurrences] : terms) {
    text->postings.emplace_back(StableHash(term), EncodePosting(occurrences, text->words));
  }
  std::sort(text->postings.begin(), text->postings.end());
  return text;
}

// One document's decision, made off every lock.
struct Decision {
  Seen seen = Seen::kHidden;
  std::shared_ptr<const AlteredText> altered;
};

}  // namespace

const std::string* AlteredText::Find(absl::string_view term) const {
  uint64_t hash = StableHash(term);
  auto it = std::lower_bound(postings.begin(), postings.end(), hash,
                             [](const auto& entry, uint64_t key) { return entry.first < key; });
  return it != postings.end() && it->first == hash ? &it->second : nullptr;
}

void PeerView::MatchVersions(uint64_t peer, uint64_t policy) {
  if (peer_version == peer && policy_version == policy) return;
  peer_version = peer;
  policy_version = policy;
  ForgetAll();
}

void PeerView::ForgetAll() {
  ++epoch;  // decisions under way were for what is forgotten
  seen.clear();
  generation.clear();
  altered.clear();
  visible = 0;
  words = {0, 0, 0};
}

void PeerView::Resize(size_t documents) {
  if (seen.size() >= documents) return;
  seen.resize(documents, Seen::kUnknown);
  generation.resize(documents, 0);
}

void PeerView::Forget(uint32_t doc, const std::array<uint32_t, kFields>& stored_words) {
  if (doc >= seen.size()) return;
  ++generation[doc];
  if (seen[doc] == Seen::kAsStored || seen[doc] == Seen::kAltered) {
    const std::array<uint32_t, kFields>& counted = WordsOf(doc, stored_words);
    for (int field = 0; field < kFields; ++field) words[field] -= counted[field];
    --visible;
  }
  altered.erase(doc);
  seen[doc] = Seen::kUnknown;
}

const std::array<uint32_t, kFields>& PeerView::WordsOf(
    uint32_t doc, const std::array<uint32_t, kFields>& stored) const {
  if (seen[doc] != Seen::kAltered) return stored;
  return altered.at(doc)->words;
}

absl::Status DecideView(const Audience& audience, const Store& store,
                        const std::vector<Undecided>& undecided, uint64_t epoch, PeerView* view) {
  const v1::PeerPolicy* policy = audience.policy ? &*audience.policy : nullptr;
  Analyzer& analyzer = Analyzer::ForThisThread();
  std::vector<std::optional<Decision>> decisions(undecided.size());
  for (size_t i = 0; i < undecided.size(); ++i) {
    absl::StatusOr<v1::Lesson> lesson = store.GetLesson(undecided[i].id);
    if (absl::IsNotFound(lesson.status())) continue;  // deleted a moment ago; undecided till then
    if (!lesson.ok()) return lesson.status();
    Decision& decision = decisions[i].emplace();
    std::optional<v1::Lesson> shown = ExportView(*lesson, audience.holder_org, audience.peer,
                                                 policy, SharingChannel::kQuery);
    if (!shown) continue;
    decision.seen = Seen::kAsStored;
    if (SearchableText(*shown) != SearchableText(*lesson)) {
      decision.seen = Seen::kAltered;
      decision.altered = Analyse(*shown, &analyzer);
    }
  }
  absl::MutexLock lock(&view->mu);
  if (view->epoch != epoch) return absl::OkStatus();  // all forgotten meanwhile
  for (size_t i = 0; i < undecided.size(); ++i) {
    const Undecided& asked = undecided[i];
    if (!decisions[i] || asked.doc >= view->seen.size() ||
        view->generation[asked.doc] != asked.generation || view->seen[asked.doc] != Seen::kUnknown) {
      continue;  // changed since it was read: decided again at the next query
    }
    Decision& decision = *decisions[i];
    view->seen[asked.doc] = decision.seen;
    if (decision.seen == Seen::kHidden) continue;
    if (decision.seen == Seen::kAltered) view->altered[asked.doc] = std::move(decision.altered);
    const std::array<uint32_t, kFields>& counted = view->WordsOf(asked.doc, asked.stored_words);
    for (int field = 0; field < kFields; ++field) view->words[field] += counted[field];
    ++view->visible;
  }
  return absl::OkStatus();
}

PeerView* PeerViews::For(const std::string& org) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<PeerView>& view = views_[org];
  if (view == nullptr) view = std::make_unique<PeerView>();
  return view.get();
}

void PeerViews::Clear() {
  // Views stay (queries may hold them); what they decided goes.
  ForEach([](PeerView& view) { view.ForgetAll(); });
}

}  // namespace cairn::search
