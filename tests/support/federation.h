// A federation of real cairnd processes for integration tests: starting nodes, linking them for
// replication and queries, and watching what each holds.
#ifndef CAIRN_TESTS_SUPPORT_FEDERATION_H_
#define CAIRN_TESTS_SUPPORT_FEDERATION_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "client/admin_client.h"
#include "gtest/gtest.h"
#include "tests/support/cairnd_process.h"

namespace cairn::testing {

// Lesson id -> version.
using Holdings = std::map<std::string, uint64_t>;

class Federation {
 public:
  // Starts one node per org (nobody knows anybody yet), with certificates from `pki` and each
  // config first changed by `edit` (when given).
  explicit Federation(const std::vector<std::string>& orgs, TestPki* pki = &TestPki::Shared(),
                      std::function<void(v1::NodeConfig*)> edit = nullptr)
      : pki_(pki), edit_(std::move(edit)) {
    for (const std::string& org : orgs) AddNode(org);
  }

  // Starts one more node, of `sector` when given (NodeSpec's default otherwise).
  void AddNode(const std::string& org, const std::string& sector = "") {
    NodeSpec spec;
    spec.org_id = org;
    if (!sector.empty()) spec.sector = sector;
    nodes_[org] = std::make_unique<CairndProcess>(spec, pki_);
    if (edit_) nodes_[org]->EditConfig(edit_);
    EXPECT_TRUE(nodes_[org]->Start().ok()) << nodes_[org]->log();
  }

  CairndProcess& node(const std::string& org) { return *nodes_.at(org); }

  std::unique_ptr<client::AdminClient> Admin(const std::string& org) {
    return *client::AdminClient::Connect(node(org).ConnectionFor("ada"));
  }
  std::unique_ptr<client::LessonClient> Editor(const std::string& org) {
    return node(org).ClientFor("alice");
  }

  // `receiver` pulls from `sender`, which lets it, under `policy_text` (protobuf text). Other
  // settings of each peer record are kept, so links can go both ways.
  void Link(const std::string& sender, const std::string& receiver, const std::string& policy_text,
            const std::vector<std::string>& receiver_communities = {}) {
    v1::Peer allowed = Known(sender, receiver);
    allowed.set_may_pull(true);
    for (const std::string& community : receiver_communities) allowed.add_communities(community);
    ASSERT_TRUE(Admin(sender)->PutPeer(allowed).ok());
    ASSERT_TRUE(Admin(sender)->SetPolicyText(receiver, policy_text).ok());
    v1::Peer source = Known(receiver, sender);
    source.set_address(node(sender).address());
    source.set_pull_from(true);
    ASSERT_TRUE(Admin(receiver)->PutPeer(source).ok());
  }

  // After `sender` restarted on a new port, its admin tells `receiver` the new address.
  void Readdress(const std::string& sender, const std::string& receiver) {
    v1::Peer moved = Known(receiver, sender);
    moved.set_address(node(sender).address());
    ASSERT_TRUE(Admin(receiver)->PutPeer(moved).ok());
  }

  // `asker`'s analysts may query `answerer`, which lets it see what `policy_text` allows.
  void AllowQueries(const std::string& answerer, const std::string& asker,
                    const std::string& policy_text) {
    v1::Peer allowed = Known(answerer, asker);
    allowed.set_may_query(true);
    ASSERT_TRUE(Admin(answerer)->PutPeer(allowed).ok());
    ASSERT_TRUE(Admin(answerer)->SetPolicyText(asker, policy_text).ok());
    Introduce(asker, answerer);
  }

  // `at` learns `org`'s address (and so asks it in federated searches).
  void Introduce(const std::string& at, const std::string& org) {
    v1::Peer known = Known(at, org);
    known.set_address(node(org).address());
    ASSERT_TRUE(Admin(at)->PutPeer(known).ok());
  }

  // Imports `lessons` at `org` through its editor; returns each stored lesson by its new id.
  std::map<std::string, v1::Lesson> Import(const std::string& org,
                                           const std::vector<v1::Lesson>& lessons) {
    std::map<std::string, v1::Lesson> stored;
    size_t next = 0;
    absl::Status imported = Editor(org)->Import(
        [&](v1::ImportLessonsRequest* request) {
          for (; next < lessons.size() && request->items_size() < 200; ++next) {
            auto* item = request->add_items();
            item->set_client_ref(next);
            *item->mutable_lesson() = lessons[next];
          }
          return request->items_size() > 0;
        },
        [&](const v1::ImportLessonsResponse& response) {
          for (const auto& result : response.results()) {
            EXPECT_TRUE(result.has_id()) << org << ": " << result.error_message();
            if (result.has_id()) stored[result.id()] = lessons[result.client_ref()];
          }
        });
    EXPECT_TRUE(imported.ok()) << org << ": " << imported;
    return stored;
  }

  // What `at` knows of peer `org`, ready to change and put back.
  v1::Peer Known(const std::string& at, const std::string& org) {
    v1::Peer peer;
    auto known = Admin(at)->GetPeer(org);
    if (known.ok()) peer = known->peer();
    peer.set_org_id(org);
    peer.clear_version();
    peer.clear_updated_at();
    peer.clear_updated_by();
    return peer;
  }

  // The copies `holder` has of lessons that originate at `origin`, retracted ones included, by
  // id; the error when listing them fails.
  absl::StatusOr<std::map<std::string, v1::Lesson>> Lessons(const std::string& holder,
                                                            const std::string& origin) {
    std::map<std::string, v1::Lesson> held;
    auto client = node(holder).ClientFor("bob");
    v1::ListLessonsRequest request;
    request.set_origin_org(origin);
    request.set_page_size(500);
    for (auto status : {v1::LESSON_STATUS_UNSPECIFIED, v1::RETRACTED}) {
      request.set_status(status);
      request.clear_page_token();
      do {
        auto page = client->List(request);
        if (!page.ok()) return page.status();
        for (const v1::Lesson& lesson : page->lessons()) held[lesson.id()] = lesson;
        request.set_page_token(page->next_page_token());
      } while (!request.page_token().empty());
    }
    return held;
  }

  // The versions of those copies.
  Holdings Held(const std::string& holder, const std::string& origin) {
    auto lessons = Lessons(holder, origin);
    if (!lessons.ok()) return {{"error", 0}};
    Holdings held;
    for (const auto& [id, lesson] : *lessons) held[id] = lesson.version();
    return held;
  }

  // Waits until `holder`'s copies of `origin`'s lessons are exactly `expected`.
  ::testing::AssertionResult Settles(const std::string& holder, const std::string& origin,
                                     const Holdings& expected,
                                     absl::Duration timeout = absl::Seconds(20)) {
    absl::Time give_up = absl::Now() + timeout;
    Holdings held;
    while (absl::Now() < give_up) {
      held = Held(holder, origin);
      if (held == expected) return ::testing::AssertionSuccess();
      absl::SleepFor(absl::Milliseconds(50));
    }
    auto out = ::testing::AssertionFailure() << holder << " holds from " << origin << ":";
    for (const auto& [id, version] : held) out << " " << id << "@" << version;
    out << "; expected:";
    for (const auto& [id, version] : expected) out << " " << id << "@" << version;
    return out;
  }

 private:
  TestPki* const pki_;
  const std::function<void(v1::NodeConfig*)> edit_;
  std::map<std::string, std::unique_ptr<CairndProcess>> nodes_;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_FEDERATION_H_
