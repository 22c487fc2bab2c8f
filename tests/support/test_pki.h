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
  // Issues `org`'s node certificate again (a renewal: a new key), in place of the files Node
  // returns, valid until `not_after` (a `date -d` expression such as "now + 30 seconds"; empty:
  // the default).
  CertPaths RenewNode(const std::string& org, const std::string& not_after = "");
  // `pki.sh revoke` of "org" (its node certificate), "org/user", or a .crt file, with an openssl
  // reason such as "keyCompromise".
  void Revoke(const std::string& target, const std::string& reason = "unspecified");
  // `pki.sh crl`: the CA's current revocation list, written to crl_file().
  void WriteCrl();
  std::string crl_file() const { return dir_.path() + "/crl.pem"; }
  std::string dir() const { return dir_.path(); }

 private:
  void RunPki(const std::string& args, const std::string& env = "");

  std::string federation_;
  TempDir dir_;
  std::map<std::string, CertPaths> made_;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_TEST_PKI_H_
