// A real cairnd process for integration tests: its own config, data directory and certificates,
// listening on a loopback port the OS chose (or a set address). It can be killed (SIGKILL) and
// started again on the same data to test crashes.
#ifndef CAIRN_TESTS_SUPPORT_CAIRND_PROCESS_H_
#define CAIRN_TESTS_SUPPORT_CAIRND_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "cairn/v1/config.pb.h"
#include "client/lesson_client.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace cairn::testing {

struct NodeSpec {
  std::string org_id = "leeds-council";
  std::string sector = "local-government";
  std::vector<std::pair<std::string, v1::Role>> users = {
      {"alice", v1::EDITOR}, {"bob", v1::ANALYST}, {"ada", v1::ADMIN}, {"carol", v1::CONTRIBUTOR}};
  std::vector<std::string> peers;
};

// Not thread-safe. The destructor kills the process.
class CairndProcess {
 public:
  // Writes the config and makes the certificates; does not start the process.
  explicit CairndProcess(NodeSpec spec, TestPki* pki = &TestPki::Shared());
  ~CairndProcess();

  // Starts cairnd (with `extra_args` after its config, e.g. --restore-from DIR) and waits until
  // it listens. FAILED_PRECONDITION with its log if it exits.
  absl::Status Start(const std::vector<std::string>& extra_args = {});
  // The address the next Start listens on, instead of a port the OS chooses.
  void ListenOn(const std::string& address);
  // Changes the config the next Start reads, e.g. to try one cairnd must refuse.
  void EditConfig(const std::function<void(v1::NodeConfig*)>& edit);
  // SIGKILL, as a crash would: no shutdown code runs.
  void Kill();
  // SIGTERM and wait; INTERNAL unless it exits 0.
  absl::Status Stop();

  const NodeSpec& spec() const { return spec_; }
  pid_t pid() const { return pid_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Serves metrics on a loopback port the OS chooses from the next Start.
  void EnableMetrics();
  // The port of the metrics endpoint, as cairnd's --metrics-port-file says; 0 when it has none.
  int metrics_port() const;
  // Serves the web console on a loopback port the OS chooses from the next Start.
  void EnableConsole();
  // "https://127.0.0.1:PORT" of the console, as cairnd's --console-port-file says.
  std::string console_url() const;
  std::string data_dir() const { return dir_.path() + "/data"; }
  std::string config_path() const { return dir_.path() + "/cairnd.textproto"; }
  std::string log() const;

  client::ConnectionOptions ConnectionFor(const std::string& user) const;
  // Runs the `cairn` CLI with `args` as `user` of this node (connection settings in its
  // environment), with `stdin_file` (if any) as its standard input.
  CommandResult RunCli(const std::string& user, std::vector<std::string> args,
                       const std::string& stdin_file = "") const;
  std::unique_ptr<client::LessonClient> ClientFor(const std::string& user) const;

 private:
  void WriteConfig(const v1::NodeConfig& config) const;

  NodeSpec spec_;
  TestPki* pki_;
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_CAIRND_PROCESS_H_
