// The `cairn peer ...`, `cairn policy ...`, `cairn vocabulary ...` and `cairn audit` commands, for
// admins.
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/admin_client.h"
#include "client/cli/common.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/time_util.h"

namespace cairn::cli {
namespace {

using client::AdminClient;

std::unique_ptr<AdminClient> Connect(const Args& args) {
  return OrDie(AdminClient::Connect(ConnectionFrom(args)));
}

std::string PeerOf(const Args& args) {
  if (!args.Has("peer")) Usage("which peer? give --peer ORG");
  return args.Get("peer");
}

bool ParseYesNo(const std::string& flag, const std::string& text) {
  std::string value = absl::AsciiStrToLower(text);
  if (value == "yes" || value == "true" || value == "on") return true;
  if (value == "no" || value == "false" || value == "off") return false;
  Usage(absl::StrCat("--", flag, ": '", text, "' is not yes or no"));
}

std::string YesNo(bool value) { return value ? "yes" : "no"; }

std::string TimeText(const google::protobuf::Timestamp& time) {
  return google::protobuf::util::TimeUtil::ToString(time);
}

std::string TextFormat(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(message, &text);
  return text;
}

// A policy as a file an admin can edit and set again: the rules, after a comment saying which
// version it is.
void PrintPolicy(const v1::PeerPolicy& policy) {
  std::cout << "# policy v" << policy.version() << " for " << policy.peer_org() << ", set by "
            << policy.updated_by() << " at " << TimeText(policy.updated_at()) << "\n";
  v1::PeerPolicy rules;
  *rules.mutable_export_() = policy.export_();
  *rules.mutable_import() = policy.import();
  std::cout << TextFormat(rules);
}

void PrintPeer(const v1::Peer& peer) {
  std::cout << "peer: " << peer.org_id() << "\n"
            << "sector: " << peer.sector() << "\n"
            << "address: " << peer.address() << "\n"
            << "we pull from it: " << YesNo(peer.pull_from()) << "\n"
            << "it may pull from us: " << YesNo(peer.may_pull()) << "\n"
            << "it may query us: " << YesNo(peer.may_query()) << "\n"
            << "we refuse its feedback: " << YesNo(peer.refuse_feedback()) << "\n"
            << "communities: " << absl::StrJoin(peer.communities(), ", ") << "\n"
            << "version: " << peer.version() << " (by " << peer.updated_by() << " at "
            << TimeText(peer.updated_at()) << ")\n";
}

int PeerAdd(const Args& args) {
  std::string org = OnlyPositional(args, "peer add", "organisation id");
  std::unique_ptr<AdminClient> admin = Connect(args);
  // Start from what is known, so `peer add` of a known peer changes only what is given.
  v1::Peer peer;
  absl::StatusOr<v1::GetPeerResponse> known = admin->GetPeer(org);
  if (known.ok()) {
    peer = known->peer();
    peer.clear_version();
    peer.clear_updated_at();
    peer.clear_updated_by();
  } else if (!absl::IsNotFound(known.status())) {
    Die(known.status());
  }
  peer.set_org_id(org);
  if (args.Has("address")) peer.set_address(args.Get("address"));
  if (args.Has("sector")) peer.set_sector(args.Get("sector"));
  if (args.Has("pull-from")) peer.set_pull_from(ParseYesNo("pull-from", args.Get("pull-from")));
  if (args.Has("may-pull")) peer.set_may_pull(ParseYesNo("may-pull", args.Get("may-pull")));
  if (args.Has("may-query")) peer.set_may_query(ParseYesNo("may-query", args.Get("may-query")));
  if (args.Has("refuse-feedback")) {
    peer.set_refuse_feedback(ParseYesNo("refuse-feedback", args.Get("refuse-feedback")));
  }
  if (args.Has("community")) {
    peer.clear_communities();
    for (const std::string& community : args.GetAll("community")) peer.add_communities(community);
  }
  v1::Peer stored = OrDie(admin->PutPeer(peer));
  if (args.Has("json")) {
    std::cout << ToJson(stored) << "\n";
  } else {
    PrintPeer(stored);
  }
  return 0;
}

int PeerList(const Args& args) {
  v1::ListPeersResponse peers = OrDie(Connect(args)->ListPeers());
  if (args.Has("json")) {
    std::cout << ToJson(peers) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ORG", "SECTOR", "ADDRESS", "PULL FROM", "MAY PULL", "MAY QUERY", "COMMUNITIES", "V"}};
  for (const v1::Peer& peer : peers.peers()) {
    rows.push_back({peer.org_id(), peer.sector(), peer.address(), YesNo(peer.pull_from()),
                    YesNo(peer.may_pull()), YesNo(peer.may_query()),
                    absl::StrJoin(peer.communities(), ","), absl::StrCat(peer.version())});
  }
  PrintColumns(rows);
  return 0;
}

int PeerShow(const Args& args) {
  v1::GetPeerResponse shown =
      OrDie(Connect(args)->GetPeer(OnlyPositional(args, "peer show", "organisation id")));
  if (args.Has("json")) {
    std::cout << ToJson(shown) << "\n";
    return 0;
  }
  PrintPeer(shown.peer());
  if (shown.has_policy()) {
    std::cout << "\n";
    PrintPolicy(shown.policy());
  } else {
    std::cout << "\nno sharing policy: this peer receives nothing\n";
  }
  return 0;
}

int PeerRemove(const Args& args) {
  std::string org = OnlyPositional(args, "peer remove", "organisation id");
  absl::Status removed = Connect(args)->RemovePeer(org);
  if (!removed.ok()) Die(removed);
  std::cout << "removed peer " << org << "; its policy is reset to deny-all\n";
  return 0;
}

int PeerStatus(const Args& args) {
  if (!args.positional().empty()) Usage("'peer status' takes only flags");
  v1::GetReplicationStatusResponse status = OrDie(Connect(args)->ReplicationStatus());
  if (args.Has("json")) {
    std::cout << ToJson(status) << "\n";
    return 0;
  }
  std::cout << "this node's change log: " << status.first_sequence() << " to "
            << status.last_sequence() << "\n";
  std::vector<std::vector<std::string>> rows = {{"PULLING FROM", "CONNECTED", "CURSOR", "LAG",
                                                 "LAG S", "APPLIED", "RETRACTED", "REJECTED",
                                                 "LAST SUCCESS", "LAST ERROR"}};
  for (const v1::PeerReplicationStatus& peer : status.peers()) {
    rows.push_back({peer.peer_org(), YesNo(peer.connected()), absl::StrCat(peer.cursor()),
                    absl::StrCat(peer.lag_changes()),
                    peer.lag_seconds() < 0 ? "-" : absl::StrFormat("%.1f", peer.lag_seconds()),
                    absl::StrCat(peer.lessons_applied()), absl::StrCat(peer.retractions_applied()),
                    absl::StrCat(peer.rejected()),
                    peer.has_last_success() ? TimeText(peer.last_success()) : "never",
                    peer.last_error()});
  }
  PrintColumns(rows);
  return 0;
}

int PeerLinkTest(const Args& args) {
  std::string peer = OnlyPositional(args, "peer link-test", "organisation id");
  uint64_t megabytes = args.Has("mb") ? ParseCount("mb", args.Get("mb")) : 100;
  v1::TestPeerLinkResponse link =
      OrDie(Connect(args)->TestPeerLink(peer, megabytes * 1'000'000, absl::Minutes(10)));
  if (args.Has("json")) {
    std::cout << ToJson(link) << "\n";
  } else {
    std::cout << absl::StrFormat("%.1f MB from %s in %.2f s: %.1f MB/s\n", link.bytes() / 1e6,
                                 peer, link.seconds(), link.megabytes_per_second());
  }
  return 0;
}

int ChangelogTrim(const Args& args) {
  if (!args.Has("keep")) Usage("'changelog trim' needs --keep N");
  v1::TrimChangeLogResponse trimmed =
      OrDie(Connect(args)->TrimChangeLog(ParseCount("keep", args.Get("keep"))));
  std::cout << "the change log now holds " << trimmed.first_sequence() << " to "
            << trimmed.last_sequence() << "\n";
  return 0;
}

int Backup(const Args& args) {
  std::string dir = OnlyPositional(args, "backup", "directory on the node's host");
  v1::BackupNodeResponse backup = OrDie(Connect(args)->BackupNode(dir, absl::Hours(2)));
  if (args.Has("json")) {
    std::cout << ToJson(backup) << "\n";
  } else {
    std::cout << absl::StrFormat(
        "backup written to %s on the node's host: %d files, %.1f MB, change log to %d, in "
        "%.1f s\n",
        backup.dir(), backup.files(), backup.bytes() / 1e6, backup.last_sequence(),
        backup.seconds());
  }
  return 0;
}

int IndexRebuild(const Args& args) {
  v1::RebuildSearchIndexResponse rebuilt =
      OrDie(Connect(args)->RebuildSearchIndex(absl::Minutes(30)));
  if (args.Has("json")) {
    std::cout << ToJson(rebuilt) << "\n";
  } else {
    std::cout << "search index rebuilt in " << absl::StrFormat("%.1f", rebuilt.seconds()) << " s\n";
  }
  return 0;
}

int IndexCheck(const Args& args) {
  v1::CheckSearchIndexResponse check = OrDie(Connect(args)->CheckSearchIndex(absl::Minutes(30)));
  if (args.Has("json")) {
    std::cout << ToJson(check) << "\n";
  } else if (check.consistent()) {
    std::cout << "search index consistent: " << check.lessons() << " lessons, " << check.postings()
              << " postings checked\n";
  } else {
    std::cout << "search index INCONSISTENT (run `cairn index rebuild`):\n";
    for (const std::string& problem : check.problems()) std::cout << "  " << problem << "\n";
  }
  return check.consistent() ? 0 : 1;
}

int VocabularyGet(const Args& args) {
  if (!args.positional().empty()) Usage("'vocabulary get' takes only flags");
  v1::GetVocabularyResponse vocabulary = OrDie(Connect(args)->GetVocabulary());
  if (args.Has("json")) {
    std::cout << ToJson(vocabulary) << "\n";
    return 0;
  }
  if (vocabulary.has_problem()) std::cerr << "cairn: warning: " << vocabulary.problem() << "\n";
  // Standard output is exactly the text, a file to edit and set again (set stores what it is
  // given, so a summary there would pile up); the counts go to standard error.
  bool shipped = args.Has("shipped");
  const std::string& text = shipped ? vocabulary.shipped_text() : vocabulary.admin_text();
  if (shipped) {
    std::cerr << "cairn: the shipped vocabulary: " << vocabulary.shipped_group_count()
              << " groups, built into cairnd\n";
  } else {
    std::cerr << "cairn: " << vocabulary.admin_group_count()
              << " groups added by this node's admins, searched with the "
              << vocabulary.shipped_group_count()
              << " shipped ones (cairn vocabulary get --shipped)\n";
  }
  std::cout << text << (text.empty() || text.back() == '\n' ? "" : "\n");
  return 0;
}

int VocabularySet(const Args& args) {
  std::string file = OnlyPositional(args, "vocabulary set", "file of groups (- for stdin)");
  v1::SetVocabularyResponse set = OrDie(Connect(args)->SetVocabulary(ReadFileOrDie(file)));
  if (args.Has("json")) {
    std::cout << ToJson(set) << "\n";
  } else {
    std::cout << "the vocabulary now has " << set.admin_group_count()
              << " groups added by this node's admins, and " << set.shipped_group_count()
              << " shipped\n";
  }
  return 0;
}

int PolicyShow(const Args& args) {
  uint64_t version = args.Has("version") ? ParseCount("version", args.Get("version")) : 0;
  v1::PeerPolicy policy = OrDie(Connect(args)->GetPolicy(PeerOf(args), version));
  if (args.Has("json")) {
    std::cout << ToJson(policy) << "\n";
  } else {
    PrintPolicy(policy);
  }
  return 0;
}

int PolicySet(const Args& args) {
  if (!args.Has("file")) Usage("'policy set' needs --file POLICY.textproto");
  v1::PeerPolicy stored =
      OrDie(Connect(args)->SetPolicyText(PeerOf(args), ReadFileOrDie(args.Get("file"))));
  if (args.Has("json")) {
    std::cout << ToJson(stored) << "\n";
  } else {
    std::cout << "policy for " << stored.peer_org() << " is now version " << stored.version()
              << "\n";
  }
  return 0;
}

int PolicyHistory(const Args& args) {
  v1::ListPolicyHistoryResponse history = OrDie(Connect(args)->PolicyHistory(PeerOf(args)));
  if (args.Has("json")) {
    std::cout << ToJson(history) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"V", "SET AT", "BY", "MARKINGS", "SCRUB"}};
  for (const v1::PeerPolicy& policy : history.versions()) {
    std::vector<std::string> markings;
    for (int marking : policy.export_().markings()) {
      markings.push_back(MarkingName(static_cast<v1::TlpMarking>(marking)));
    }
    rows.push_back({absl::StrCat(policy.version()), TimeText(policy.updated_at()),
                    policy.updated_by(), markings.empty() ? "none" : absl::StrJoin(markings, ","),
                    YesNo(policy.export_().scrub_personal_data())});
  }
  PrintColumns(rows);
  return 0;
}

int PolicyExplain(const Args& args) {
  std::string lesson = OnlyPositional(args, "policy explain", "lesson id");
  std::string peer = PeerOf(args);
  v1::SharingDecision decision = OrDie(Connect(args)->Explain(lesson, peer));
  if (args.Has("json")) {
    std::cout << ToJson(decision) << "\n";
    return 0;
  }
  std::cout << (decision.allowed() ? "allow" : "deny") << ": lesson " << lesson
            << (decision.allowed() ? " would go to " : " would not go to ") << peer << "\n"
            << "rule: " << decision.rule() << "\n"
            << "why: " << decision.explanation() << "\n";
  return 0;
}

int PolicyPreview(const Args& args) {
  if (!args.Has("file")) Usage("'policy preview' needs --file DRAFT.textproto");
  uint32_t sample =
      args.Has("sample") ? static_cast<uint32_t>(ParseCount("sample", args.Get("sample"))) : 5;
  std::string peer = PeerOf(args);
  v1::PreviewPolicyResponse preview =
      OrDie(Connect(args)->PreviewText(peer, ReadFileOrDie(args.Get("file")), sample));
  if (args.Has("json")) {
    std::cout << ToJson(preview) << "\n";
    return 0;
  }
  std::cout << "under the draft, " << peer << " would receive " << preview.lesson_count()
            << " lessons (now " << preview.current_count() << "): " << preview.added_count()
            << " added, " << preview.withdrawn_count() << " withdrawn\n";
  if (preview.added_count() > 0) {
    std::cout << "added: " << absl::StrJoin(preview.added_ids(), ", ")
              << (preview.added_count() > static_cast<uint64_t>(preview.added_ids_size()) ? ", ..." : "")
              << "\n";
  }
  if (preview.withdrawn_count() > 0) {
    std::cout << "withdrawn: " << absl::StrJoin(preview.withdrawn_ids(), ", ")
              << (preview.withdrawn_count() > static_cast<uint64_t>(preview.withdrawn_ids_size()) ? ", ..." : "")
              << "\n";
  }
  if (preview.sample_size() > 0) {
    std::cout << "sample, as " << peer << " would receive it:\n";
    PrintLessonTable({preview.sample().begin(), preview.sample().end()});
  }
  return 0;
}

int PolicyView(const Args& args) {
  v1::ListExportViewRequest request;
  request.set_peer_org(PeerOf(args));
  std::unique_ptr<AdminClient> admin = Connect(args);
  auto all = FetchPages<v1::ListExportViewResponse>(
      args, request,
      [&](const v1::ListExportViewRequest& page) { return admin->ListExportView(page); });
  if (args.Has("json")) {
    std::cout << ToJson(all) << "\n";
    return 0;
  }
  PrintLessonTable({all.lessons().begin(), all.lessons().end()});
  if (!all.next_page_token().empty()) std::cout << "more: use --all\n";
  return 0;
}

int Audit(const Args& args) {
  if (!args.positional().empty()) Usage("'audit' takes only flags");
  v1::ListAuditRequest request;
  if (args.Has("actor")) request.set_actor(args.Get("actor"));
  if (args.Has("action")) request.set_action(args.Get("action"));
  if (args.Has("since")) *request.mutable_since() = ParseTimeFlag("since", args.Get("since"));
  if (args.Has("until")) *request.mutable_until() = ParseTimeFlag("until", args.Get("until"));
  std::unique_ptr<AdminClient> admin = Connect(args);
  auto all = FetchPages<v1::ListAuditResponse>(
      args, request, [&](const v1::ListAuditRequest& page) { return admin->ListAudit(page); });
  if (args.Has("json")) {
    std::cout << ToJson(all) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"#", "TIME", "ACTOR", "ACTION", "TARGET", "VERSION", "DETAIL"}};
  for (const v1::AuditEvent& event : all.events()) {
    rows.push_back({absl::StrCat(event.sequence()), TimeText(event.at()), event.actor(),
                    event.action(), event.target(),
                    absl::StrCat(event.old_version(), " -> ", event.new_version()),
                    event.detail()});
  }
  PrintColumns(rows);
  if (!all.next_page_token().empty()) std::cout << "more: use --all or narrow the filters\n";
  return 0;
}

}  // namespace

std::vector<Command> AdminCommands() {
  return {
      {"peer", "add", PeerAdd,
       {"address", "sector", "pull-from", "may-pull", "may-query", "community", "refuse-feedback"},
       {}},
      {"peer", "list", PeerList, {}, {}},
      {"peer", "show", PeerShow, {}, {}},
      {"peer", "remove", PeerRemove, {}, {}},
      {"peer", "status", PeerStatus, {}, {}},
      {"peer", "link-test", PeerLinkTest, {"mb"}, {}},
      {"changelog", "trim", ChangelogTrim, {"keep"}, {}},
      {"backup", "", Backup, {}, {}},
      {"index", "rebuild", IndexRebuild, {}, {}},
      {"index", "check", IndexCheck, {}, {}},
      {"policy", "show", PolicyShow, {"peer", "version"}, {}},
      {"policy", "set", PolicySet, {"peer", "file"}, {}},
      {"policy", "history", PolicyHistory, {"peer"}, {}},
      {"policy", "explain", PolicyExplain, {"peer"}, {}},
      {"policy", "preview", PolicyPreview, {"peer", "file", "sample"}, {}},
      {"policy", "view", PolicyView, {"peer", "limit"}, {"all"}},
      {"vocabulary", "get", VocabularyGet, {}, {"shipped"}},
      {"vocabulary", "set", VocabularySet, {}, {}},
      {"audit", "", Audit, {"actor", "action", "since", "until", "limit"}, {"all"}},
  };
}

}  // namespace cairn::cli
