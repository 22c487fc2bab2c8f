#include "node/identity/principal.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;

TEST(SpiffeIdTest, ParsesNodeAndUserIds) {
  auto node = ParseSpiffeId("spiffe://uk-fed/org/west-police");
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->federation, "uk-fed");
  EXPECT_EQ(node->org_id, "west-police");
  EXPECT_EQ(node->user, "");
  auto user = ParseSpiffeId("spiffe://uk-fed/org/leeds-council/user/alice.smith");
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->org_id, "leeds-council");
  EXPECT_EQ(user->user, "alice.smith");
  EXPECT_EQ(FormatSpiffeId(*user), "spiffe://uk-fed/org/leeds-council/user/alice.smith");
}

TEST(SpiffeIdTest, RejectsMalformedIds) {
  for (const char* bad : {"", "https://uk-fed/org/x", "spiffe://uk-fed/org", "spiffe://uk-fed/x/y",
                          "spiffe://uk-fed/org/Leeds", "spiffe://uk-fed/org/x/user",
                          "spiffe://uk-fed/org/x/admin/y", "spiffe://uk-fed/org/x/user/y/z",
                          "spiffe://uk-fed/org/x/user/"}) {
    EXPECT_EQ(ParseSpiffeId(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(OrgIdTest, Format) {
  EXPECT_TRUE(ValidateOrgId("org", "nhs-leeds-1").ok());
  EXPECT_THAT(ValidateOrgId("peer.org_id", "").message(), HasSubstr("peer.org_id: is empty"));
  EXPECT_FALSE(ValidateOrgId("org", "1leeds").ok());
  EXPECT_FALSE(ValidateOrgId("org", "Leeds").ok());
  EXPECT_FALSE(ValidateOrgId("org", "leeds council").ok());
  EXPECT_FALSE(ValidateOrgId("org", std::string(64, 'a')).ok());
}

v1::NodeConfig Config() {
  v1::NodeConfig config;
  config.set_federation("uk-fed");
  config.set_org_id("leeds-council");
  auto* alice = config.add_users();
  alice->set_name("alice");
  alice->set_role(v1::EDITOR);
  auto* bob = config.add_users();
  bob->set_name("bob");
  bob->set_role(v1::ANALYST);
  return config;
}

// An authenticator for Config() that knows west-police as a peer.
std::unique_ptr<Authenticator> MakeAuthenticator() {
  auto authenticator = std::make_unique<Authenticator>(Config());
  authenticator->SetPeers({"west-police"});
  return authenticator;
}

TEST(AuthenticatorTest, OwnUsersGetTheirConfiguredRole) {
  std::unique_ptr<Authenticator> made = MakeAuthenticator();
  Authenticator& authenticator = *made;
  auto alice = authenticator.Authenticate("spiffe://uk-fed/org/leeds-council/user/alice");
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_EQ(alice->kind, Principal::Kind::kUser);
  EXPECT_EQ(alice->role, v1::EDITOR);
}

TEST(AuthenticatorTest, RefusesOtherOrganisationsUsersUnlistedUsersAndStrangers) {
  std::unique_ptr<Authenticator> made = MakeAuthenticator();
  Authenticator& authenticator = *made;
  auto foreign_user = authenticator.Authenticate("spiffe://uk-fed/org/west-police/user/carol");
  EXPECT_EQ(foreign_user.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(foreign_user.status().message(), HasSubstr("belongs to organisation west-police"));
  EXPECT_EQ(authenticator.Authenticate("spiffe://uk-fed/org/leeds-council/user/eve").status().code(),
            absl::StatusCode::kPermissionDenied);
  auto stranger = authenticator.Authenticate("spiffe://uk-fed/org/north-nhs");
  EXPECT_EQ(stranger.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(stranger.status().message(), HasSubstr("not a configured peer"));
  EXPECT_EQ(authenticator.Authenticate("spiffe://other-fed/org/leeds-council/user/alice")
                .status()
                .code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(authenticator.Authenticate("").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(AuthenticatorTest, ConfiguredPeersAreAcceptedAsPeersAndCanBeReplaced) {
  std::unique_ptr<Authenticator> made = MakeAuthenticator();
  Authenticator& authenticator = *made;
  auto peer = authenticator.Authenticate("spiffe://uk-fed/org/west-police");
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_EQ(peer->kind, Principal::Kind::kPeer);
  EXPECT_EQ(peer->org_id, "west-police");
  authenticator.SetPeers({"north-nhs"});
  EXPECT_FALSE(authenticator.Authenticate("spiffe://uk-fed/org/west-police").ok());
  EXPECT_TRUE(authenticator.Authenticate("spiffe://uk-fed/org/north-nhs").ok());
}

TEST(RequireRoleTest, RolesIncludeTheOnesBelowThem) {
  Principal admin{Principal::Kind::kUser, "leeds-council", "ada", v1::ADMIN};
  EXPECT_TRUE(RequireRole(admin, v1::EDITOR, "creating a lesson").ok());
  Principal analyst{Principal::Kind::kUser, "leeds-council", "bob", v1::ANALYST};
  EXPECT_TRUE(RequireRole(analyst, v1::ANALYST, "reading a lesson").ok());
  absl::Status denied = RequireRole(analyst, v1::EDITOR, "creating a lesson");
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(), "user bob has role analyst; creating a lesson needs editor");
}

TEST(RequireRoleTest, PeersAreNotLocalUsers) {
  Principal peer{Principal::Kind::kPeer, "west-police", "", v1::ROLE_UNSPECIFIED};
  EXPECT_EQ(RequireRole(peer, v1::ANALYST, "reading a lesson").code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace cairn
