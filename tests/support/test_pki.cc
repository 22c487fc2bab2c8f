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

void TestPki::RunPki(const std::string& args) {
  std::string command = std::string(CAIRN_PKI_SCRIPT) + " " + args + " > /dev/null";
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

}  // namespace cairn::testing
