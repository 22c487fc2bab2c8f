// The sharing decision: may this lesson go to this peer, and in what form? SPEC section 3.
//
// One pure function of (lesson, holder, peer, policy) with no hidden state: replication and
// federated search call the same code, and the admin's "explain" and "preview" show exactly what
// they would do.
#ifndef CAIRN_NODE_POLICY_SHARING_H_
#define CAIRN_NODE_POLICY_SHARING_H_

#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cairn/v1/lesson.pb.h"
#include "cairn/v1/policy.pb.h"
#include "node/policy/scrubber.h"

namespace cairn {

// How the lesson would leave: pulled by replication, or returned by a federated query.
enum class SharingChannel { kReplication, kQuery };

// Decides whether `lesson`, held by the node of organisation `holder_org` (its origin, or a
// node holding a copy), may go to `peer` over `channel` under `policy` (null: the peer has no
// policy). Checks, in order, and the first that refuses decides:
//   peer.may_pull / peer.may_query     the channel is open to this peer
//   origin                             a lesson never goes back to its origin organisation
//   status                             retracted lessons are never sent
//   marking                            RED (or no marking) never leaves; AMBER and AMBER+STRICT
//                                      only from their origin; GREEN copies only within their
//                                      communities (matched ignoring case)
//   policy                             no policy: nothing (default deny)
//   export.markings, export.classification_ceiling, export.sectors, export.statuses,
//   export.exclude_topics, export.exclude_tags, export.include_topics, export.include_tags,
//   export.redact_fields, export.scrub_personal_data
//                                      a copy (held by a node that is not its origin) carries its
//                                      origin's signature, so it is relayed only if the policy
//                                      would not alter it: it has none of the redacted fields
//                                      and no personal data to scrub
//   export.scrub_personal_data, export.redact_fields
//                                      the view the policy makes of this node's own lesson
//                                      passes the checks its receiver makes
//                                      (ValidateLessonContent): scrubbing lengthens a text, and
//                                      can take it past its cap
// An allowed decision names export.markings and lists the marking and every include list, sector
// and status condition the lesson met.
v1::SharingDecision DecideSharing(const v1::Lesson& lesson, absl::string_view holder_org,
                                  const v1::Peer& peer, const v1::PeerPolicy* policy,
                                  SharingChannel channel);

// The lesson as `policy` lets the peer see it: local-only fields removed, the policy's redacted
// fields replaced by "[redacted]", personal data scrubbed when the policy says so. Call only for
// lessons DecideSharing allowed. Adds what scrubbing found to `counts` when not null.
v1::Lesson RedactForPeer(const v1::Lesson& lesson, const v1::PeerPolicy& policy,
                         ScrubCounts* counts = nullptr);

// DecideSharing, then RedactForPeer: the lesson as the peer would receive it, or nullopt.
std::optional<v1::Lesson> ExportView(const v1::Lesson& lesson, absl::string_view holder_org,
                                     const v1::Peer& peer, const v1::PeerPolicy* policy,
                                     SharingChannel channel, ScrubCounts* counts = nullptr);

// The sector this node records for peer organisations, by org id (those with one).
using KnownSectors = absl::flat_hash_map<std::string, std::string>;

// What every receiver checks of a lesson that `sender` offered it, by replication or in a
// federated answer, besides its signature, in order: its content passes the rules a local write
// passes (ValidateLessonContent); its id names its origin; its origin_sector is the one `known`
// records for the origin (the signature proves only what the origin claims; an origin not in
// `known`, a copy relayed from afar, keeps its own signed claim); and its marking lets `sender`
// pass it on: TLP:RED (or no marking) never leaves its origin, AMBER and AMBER+STRICT come only
// from their origin. The first failure, naming the field or the rule.
absl::Status CheckOfferedLesson(const v1::Lesson& lesson, absl::string_view sender,
                                const KnownSectors& known);

// Limits on a policy, so no policy can make evaluation expensive.
struct PolicyLimits {
  static constexpr int kListEntries = 256;     // entries in any one list
  static constexpr size_t kEntryBytes = 128;   // bytes in one topic, tag or sector
  static constexpr size_t kPolicyBytes = 64 * 1024;
  static constexpr uint32_t kMaxLessonBytes = 256 * 1024;
  static constexpr uint32_t kMaxLessonsPerMinute = 100'000'000;
};

// The lesson fields a policy may redact, by name.
bool IsRedactableField(absl::string_view name);

// INVALID_ARGUMENT naming the field when `policy` breaks a limit, allows TLP_RED, names a field
// that cannot be redacted, or holds an unknown enum value, invalid UTF-8 or an unknown field.
absl::Status ValidatePolicy(const v1::PeerPolicy& policy);

// Parses a policy written in protobuf text format; INVALID_ARGUMENT naming the line and column of
// a syntax error, unknown field or unknown enum value, then ValidatePolicy, whose errors name the
// line and column where the field they name was written, too.
absl::StatusOr<v1::PeerPolicy> ParsePolicyText(absl::string_view text);

}  // namespace cairn

#endif  // CAIRN_NODE_POLICY_SHARING_H_
