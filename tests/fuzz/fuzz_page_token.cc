// Fuzzes page tokens (node/common/page_token.h) and the listings that read them back from
// clients: lessons (LessonCatalog::List), the audit log (ListAudit) and search
// (SearchIndex::Search), on a small in-memory store. A token decodes only for its own kind; what
// decodes re-encodes to a token that decodes to the same position; a listing given any token
// answers a page within its size, or INVALID_ARGUMENT.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "node/audit/audit_log.h"
#include "node/common/page_token.h"
#include "node/lessons/catalog.h"
#include "node/search/search_index.h"
#include "node/storage/store.h"
#include "rocksdb/env.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/fakes.h"

namespace {

// A node with 30 lessons (so pages of 7 have tokens to go on), each audited. Read-only once made.
struct Listings {
  Listings() : env(rocksdb::NewMemEnv(rocksdb::Env::Default())) {
    cairn::Store::Options options;
    options.env = env.get();
    store = *cairn::Store::Open("/fuzz/listings", options);
    index = *cairn::search::SearchIndex::Open(store.get());
    catalog = std::make_unique<cairn::LessonCatalog>(
        store.get(), cairn::LessonCatalog::Identity{"leeds-council", "local-government"}, &clock,
        &random);
    for (int i = 0; i < 30; ++i) {
      cairn::v1::Lesson draft;
      draft.set_title(absl::StrCat("Battery lesson ", i));
      draft.set_summary("Charge the tablets and radios before every shift");
      draft.add_topics(i % 2 ? "battery-management" : "mobile-working");
      draft.set_marking(cairn::v1::TLP_GREEN);
      (void)*catalog->Create("user jo", draft);
    }
  }
  std::unique_ptr<rocksdb::Env> env;
  cairn::testing::FakeClock clock;
  cairn::testing::CountingRandom random;
  std::unique_ptr<cairn::Store> store;
  std::unique_ptr<cairn::search::SearchIndex> index;
  std::unique_ptr<cairn::LessonCatalog> catalog;
};

void CheckListings(Listings& listings, const std::string& token) {
  cairn::ListQuery lessons;
  lessons.page_size = 7;
  lessons.page_token = token;
  absl::StatusOr<cairn::ListPage> page = listings.catalog->List(lessons);
  FUZZ_CHECK(page.ok() || absl::IsInvalidArgument(page.status()), "%s",
             page.status().ToString().c_str());
  if (page.ok()) FUZZ_CHECK(page->lessons.size() <= 7);

  cairn::AuditQuery audit;
  audit.page_size = 7;
  audit.page_token = token;
  absl::StatusOr<cairn::AuditPage> events = cairn::ListAudit(*listings.store, audit);
  FUZZ_CHECK(events.ok() || absl::IsInvalidArgument(events.status()), "%s",
             events.status().ToString().c_str());
  if (events.ok()) FUZZ_CHECK(events->events.size() <= 7);

  cairn::v1::SearchRequest search;
  search.set_query("battery");
  search.set_page_size(7);
  search.set_page_token(token);
  absl::StatusOr<cairn::v1::SearchResponse> hits = listings.index->Search(search);
  FUZZ_CHECK(hits.ok() || absl::IsInvalidArgument(hits.status()), "%s",
             hits.status().ToString().c_str());
  if (hits.ok()) FUZZ_CHECK(hits->hits_size() <= 7);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Listings* const listings = new Listings();
  absl::string_view token(reinterpret_cast<const char*>(data), size);
  // The kinds the node hands out (catalog, audit log, search, the admin's export view).
  for (absl::string_view kind : {"lessons", "audit", "search", "export"}) {
    absl::StatusOr<std::string> position = cairn::DecodePageToken(kind, token);
    if (!position.ok()) {
      FUZZ_CHECK(absl::IsInvalidArgument(position.status()));
      continue;
    }
    FUZZ_CHECK(position->size() < size, "a position is shorter than its token");
    std::string again = cairn::EncodePageToken(kind, *position);
    absl::StatusOr<std::string> decoded = cairn::DecodePageToken(kind, again);
    FUZZ_CHECK(decoded.ok() && *decoded == *position);
  }
  // What the node gives out always decodes.
  std::string encoded = cairn::EncodePageToken("lessons", token);
  absl::StatusOr<std::string> decoded = cairn::DecodePageToken("lessons", encoded);
  FUZZ_CHECK(decoded.ok() && *decoded == token);

  // The token as a client sends it, and the input as the position inside a well-formed token.
  std::string text(token);
  CheckListings(*listings, text);
  for (absl::string_view kind : {"lessons", "audit", "search"}) {
    CheckListings(*listings, cairn::EncodePageToken(kind, token));
  }
  return 0;
}
