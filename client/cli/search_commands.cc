// cairn search: ranked full-text search of the lessons this node holds.
#include <unistd.h>

#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/cli/common.h"
#include "client/lesson_client.h"

namespace cairn::cli {
namespace {

using client::LessonClient;

// The query language's filter fields that also have a flag of their own.
constexpr const char* kFilterFlags[] = {"sector", "org", "topic", "status",
                                        "marking", "polarity", "after", "before"};

// The query with each filter flag added as field:"value".
std::string QueryFrom(const Args& args) {
  std::vector<std::string> parts;
  for (const std::string& word : args.positional()) parts.push_back(word);
  for (const char* flag : kFilterFlags) {
    for (const std::string& value : args.GetAll(flag)) {
      if (value.find('"') != std::string::npos) {
        Usage(absl::StrCat("--", flag, ": a value cannot hold a double quote"));
      }
      parts.push_back(absl::StrCat(flag, ":\"", value, "\""));
    }
  }
  if (parts.empty() && !args.Has("like")) {
    Usage("'search' needs a query, a filter flag, --like ID, or some of them");
  }
  return absl::StrJoin(parts, " ");
}

// More like this: "lessons like ID (title, sector): words used a, b, c".
void PrintLike(const v1::QueryInterpretation& interpretation) {
  if (!interpretation.has_like()) return;
  const v1::LikeLesson& like = interpretation.like();
  std::cout << "lessons like " << like.lesson_id() << " (" << like.title()
            << (like.origin_sector().empty() ? "" : ", " + like.origin_sector())
            << "), other sectors first: words used " << absl::StrJoin(interpretation.words(), ", ")
            << "\n";
}

// The snippet with its highlights marked: bold on a terminal, **word** otherwise.
std::string MarkedSnippet(const v1::SearchHit& hit, bool terminal) {
  const std::string& text = hit.snippet();
  const char* open = terminal ? "\033[1m" : "**";
  const char* close = terminal ? "\033[0m" : "**";
  std::string out;
  size_t at = 0;
  for (const v1::Highlight& highlight : hit.highlights()) {
    if (highlight.begin() < at || highlight.end() > text.size() || highlight.begin() > highlight.end()) {
      continue;
    }
    absl::StrAppend(&out, text.substr(at, highlight.begin() - at), open,
                    text.substr(highlight.begin(), highlight.end() - highlight.begin()), close);
    at = highlight.end();
  }
  absl::StrAppend(&out, text.substr(at));
  return out;
}

std::string EquivalentsText(const google::protobuf::RepeatedPtrField<v1::Equivalent>& equivalents);

std::string OutcomeText(const v1::PeerOutcome& outcome) {
  std::string state = absl::AsciiStrToLower(v1::PeerOutcome::State_Name(outcome.state()));
  std::string line = absl::StrFormat("  %-24s %-11s %7.1f ms", outcome.org(), state, outcome.latency_ms());
  if (outcome.state() == v1::PeerOutcome::OK) {
    absl::StrAppend(&line, "  ", outcome.hits(), outcome.hits() == 1 ? " hit" : " hits");
    if (outcome.rejected() > 0) {
      // Lessons that did not verify: the operator should know a peer sent them.
      absl::StrAppend(&line, ", ", outcome.rejected(), " rejected");
      for (const std::string& reason : outcome.rejections()) absl::StrAppend(&line, "\n      ", reason);
    }
  } else if (!outcome.error().empty()) {
    absl::StrAppend(&line, "  ", outcome.error());
  }
  return line;
}

void PrintHit(int rank, const v1::SearchHit& hit, bool terminal) {
  std::cout << "\n"
            << absl::StrFormat("%2d. %s", rank, hit.title()) << "\n"
            << "    " << hit.lesson_id() << "  v" << hit.version() << "  " << hit.origin_org()
            << (hit.origin_sector().empty() ? "" : " (" + hit.origin_sector() + ")") << "  "
            << MarkingName(hit.marking()) << "  " << StatusName(hit.status())
            << absl::StrFormat("  score %.2f", hit.score()) << "\n";
  if (!hit.snippet().empty()) {
    std::cout << "    " << hit.snippet_field() << ": " << MarkedSnippet(hit, terminal) << "\n";
  }
  if (!hit.via_vocabulary().empty()) {
    std::cout << "    through the vocabulary: " << EquivalentsText(hit.via_vocabulary()) << "\n";
  }
}

// "tablet as mobile data terminal, handheld device".
std::string EquivalentsText(const google::protobuf::RepeatedPtrField<v1::Equivalent>& equivalents) {
  std::vector<std::pair<std::string, std::vector<std::string>>> by_words;
  for (const v1::Equivalent& equivalent : equivalents) {
    if (by_words.empty() || by_words.back().first != equivalent.words()) {
      by_words.push_back({equivalent.words(), {}});
    }
    by_words.back().second.push_back(equivalent.phrase());
  }
  std::vector<std::string> parts;
  for (const auto& [words, phrases] : by_words) {
    parts.push_back(absl::StrCat(words, " as ", absl::StrJoin(phrases, ", ")));
  }
  return absl::StrJoin(parts, "; ");
}

// "Did you mean", and when nothing matched, what the search tried, so the analyst can rephrase.
void PrintInterpretation(const v1::QueryInterpretation& interpretation, uint64_t hits) {
  if (!interpretation.did_you_mean().empty()) {
    std::cout << "\ndid you mean: " << interpretation.did_you_mean() << "\n";
  }
  if (hits > 0) return;
  std::cout << "\nsearched for " << (interpretation.all_words() ? "every one of: " : "any of: ")
            << absl::StrJoin(interpretation.words(), ", ") << "\n";
  if (!interpretation.all_words() && !interpretation.required().empty()) {
    std::cout << "each of which had to occur: " << absl::StrJoin(interpretation.required(), ", ")
              << "\n";
  }
  if (!interpretation.ignored().empty()) {
    std::cout << "ignored as too common: " << absl::StrJoin(interpretation.ignored(), ", ") << "\n";
  }
  if (!interpretation.equivalents().empty()) {
    std::cout << "also tried, from the vocabulary: "
              << EquivalentsText(interpretation.equivalents()) << "\n";
  }
  if (!interpretation.unknown().empty()) {
    std::cout << "no lesson here holds: " << absl::StrJoin(interpretation.unknown(), ", ") << "\n";
  }
  if (interpretation.all_words()) std::cout << "without --all-words, fewer words need to match\n";
}

void PrintFacets(const google::protobuf::RepeatedPtrField<v1::Facet>& facets) {
  if (!facets.empty()) std::cout << "\n";
  for (const v1::Facet& facet : facets) {
    std::vector<std::string> values;
    for (const v1::FacetValue& value : facet.values()) {
      values.push_back(absl::StrCat(value.value(), " (", value.count(), ")"));
    }
    std::cout << absl::StrFormat("%-7s %s", facet.field() + ":", absl::StrJoin(values, ", ")) << "\n";
  }
}

int FederatedSearch(const Args& args) {
  v1::FederatedSearchRequest request;
  request.set_query(QueryFrom(args));
  request.set_all_words(args.Has("all-words"));
  if (args.Has("like")) request.set_like_lesson_id(args.Get("like"));
  if (args.Has("limit")) {
    request.set_page_size(static_cast<uint32_t>(ParseCount("limit", args.Get("limit"))));
  }
  if (args.Has("deadline-ms")) {
    request.set_deadline_ms(static_cast<uint32_t>(ParseCount("deadline-ms", args.Get("deadline-ms"))));
  }
  std::unique_ptr<LessonClient> client = OrDie(LessonClient::Connect(ConnectionFrom(args)));
  bool json = args.Has("json");
  bool terminal = isatty(STDOUT_FILENO);
  if (!json) {
    std::cout << "asking the federation: "
              << (request.has_like_lesson_id() ? "lessons like " + request.like_lesson_id() : "")
              << (request.has_like_lesson_id() && !request.query().empty() ? ", " : "")
              << request.query() << "\n";
  }
  absl::Status finished = client->FederatedSearch(request, [&](const v1::FederatedSearchEvent& event) {
    if (json) {
      std::cout << ToJson(event) << "\n";
      return;
    }
    if (event.has_peer()) {
      std::cout << OutcomeText(event.peer().outcome()) << std::endl;  // live, as each answers
      return;
    }
    const v1::FederatedSearchResult& result = event.result();
    std::cout << "\n";
    PrintLike(result.interpretation());
    std::cout << result.hits_size() << " lessons shown, merged from the nodes' "
              << result.total_hits() << " hits:\n";
    int rank = 0;
    for (const v1::FederatedHit& hit : result.hits()) {
      PrintHit(++rank, hit.hit(), terminal);
      std::cout << "    held by " << absl::StrJoin(hit.holders(), ", ") << "\n";
    }
    PrintFacets(result.facets());
    PrintInterpretation(result.interpretation(), result.hits_size());
  });
  if (!finished.ok()) Die(finished);
  return 0;
}

int Search(const Args& args) {
  if (args.Has("federated")) return FederatedSearch(args);
  if (args.Has("deadline-ms")) Usage("--deadline-ms goes with --federated");
  v1::SearchRequest request;
  request.set_query(QueryFrom(args));
  request.set_all_words(args.Has("all-words"));
  if (args.Has("like")) request.set_like_lesson_id(args.Get("like"));
  request.set_exact_counts(args.Has("exact-counts"));
  if (args.Has("limit")) {
    request.set_page_size(static_cast<uint32_t>(ParseCount("limit", args.Get("limit"))));
  }
  if (args.Has("page-token")) request.set_page_token(args.Get("page-token"));
  std::unique_ptr<LessonClient> client = OrDie(LessonClient::Connect(ConnectionFrom(args)));
  v1::SearchResponse response = OrDie(client->Search(request));
  if (args.Has("json")) {
    std::cout << ToJson(response) << "\n";
    return 0;
  }
  PrintLike(response.interpretation());
  std::cout << (response.total_hits_at_least() ? "at least " : "") << response.total_hits()
            << (response.total_hits() == 1 ? " lesson" : " lessons")
            << (request.has_like_lesson_id() ? " related" : " match " + request.query())
            << (request.all_words() ? " (every word)" : "") << "\n";
  bool terminal = isatty(STDOUT_FILENO);
  for (int i = 0; i < response.hits_size(); ++i) PrintHit(i + 1, response.hits(i), terminal);
  PrintFacets(response.facets());
  if (response.facets_over_best() > 0 && response.facets_size() > 0) {
    std::cout << "(facets of the best " << response.facets_over_best()
              << "; --exact-counts for every match)\n";
  }
  PrintInterpretation(response.interpretation(), response.total_hits());
  if (!response.next_page_token().empty()) {
    std::cout << "\nmore: --page-token " << response.next_page_token() << "\n";
  }
  return 0;
}

}  // namespace

std::vector<Command> SearchCommands() {
  std::set<std::string> flags = {"limit", "page-token", "deadline-ms", "like"};
  flags.insert(std::begin(kFilterFlags), std::end(kFilterFlags));
  return {{"search", "", Search, flags, {"federated", "all-words", "exact-counts"}}};
}

}  // namespace cairn::cli
