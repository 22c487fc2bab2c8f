#include "tests/support/test_pki.h"

#include <cstdlib>
#include <stdexcept>

namespace cairn::testing {

TestPki::TestPki(std::string federation) : federation_(std::move(federation)) {
  RunPki("ca " + dir_.path() + " " + federation_);
}

TestPki& TestPki::Shared() {
  static TestPki pki;  // destroyed at exit, which removes its directory
  return pki;
}

void TestPki::RunPki(const std::string& args, const std::string& env) {
  // Valid from an hour ago, so tests may sign at times a little before they made the certificate.
  std::string command = "CAIRN_CERT_NOT_BEFORE='now - 1 hour' " + env + " " +
                        std::string(CAIRN_PKI_SCRIPT) + " " + args + " > /dev/null";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

CertPaths TestPki::Node(const std::string& org) {
  auto [it, inserted] = made_.try_emplace(org);
  if (inserted) {
    RunPki("node " + dir_.path() + " " + federation_ + " " + org);
    it->second = {dir_.path() + "/" + org + "/node.crt", dir_.path() + "/" + org + "/node.key"};
  }
  return it->second;
}

CertPaths TestPki::User(const std::string& org, const std::string& user) {
  auto [it, inserted] = made_.try_emplace(org + "/" + user);
  if (inserted) {
    RunPki("user " + dir_.path() + " " + federation_ + " " + org + " " + user);
    std::string base = dir_.path() + "/" + org + "/users/" + user;
    it->second = {base + ".crt", base + ".key"};
  }
  return it->second;
}

CertPaths TestPki::RenewNode(const std::string& org, const std::string& not_after) {
  CertPaths paths = Node(org);
  RunPki("node " + dir_.path() + " " + federation_ + " " + org,
         not_after.empty() ? "" : "CAIRN_CERT_NOT_AFTER='" + not_after + "'");
  return paths;
}

void TestPki::Revoke(const std::string& target, const std::string& reason) {
  RunPki("revoke " + dir_.path() + " " + federation_ + " " + target + " " + reason);
}

void TestPki::WriteCrl() { RunPki("crl " + dir_.path() + " " + federation_); }

}  // namespace cairn::testing
