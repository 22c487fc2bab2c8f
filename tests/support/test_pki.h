// Certificates for tests, made by the real deploy/pki.sh in a temporary directory.
#ifndef CAIRN_TESTS_SUPPORT_TEST_PKI_H_
#define CAIRN_TESTS_SUPPORT_TEST_PKI_H_

#include <map>
#include <string>

#include "tests/support/temp_dir.h"

namespace cairn::testing {

struct CertPaths {
  std::string cert;
  std::string key;
};

// One federation CA and the node and user certificates asked of it, each made once. Not
// thread-safe; tests use it from their main thread.
class TestPki {
 public:
  explicit TestPki(std::string federation = "test-fed");

  // A process-wide instance for the default federation.
  static TestPki& Shared();

  const std::string& federation() const { return federation_; }
  std::string ca_file() const { return dir_.path() + "/ca.crt"; }
  CertPaths Node(const std::string& org);
  CertPaths User(const std::string& org, const std::string& user);

 private:
  void RunPki(const std::string& args);

  std::string federation_;
  TempDir dir_;
  std::map<std::string, CertPaths> made_;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_TEST_PKI_H_
