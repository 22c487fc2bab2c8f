#include "tests/support/cairnd_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/text_format.h"
#include "tests/support/files.h"

namespace cairn::testing {

CairndProcess::CairndProcess(NodeSpec spec, TestPki* pki) : spec_(std::move(spec)), pki_(pki) {
  CertPaths node = pki_->Node(spec_.org_id);
  v1::NodeConfig config;
  config.set_federation(pki_->federation());
  config.set_org_id(spec_.org_id);
  config.set_sector(spec_.sector);
  config.set_listen_address("127.0.0.1:0");
  config.set_data_dir("data");
  config.mutable_tls()->set_cert_file(node.cert);
  config.mutable_tls()->set_key_file(node.key);
  config.mutable_tls()->set_trust_bundle_file(pki_->ca_file());
  for (const auto& [name, role] : spec_.users) {
    v1::UserConfig* user = config.add_users();
    user->set_name(name);
    user->set_role(role);
  }
  for (const std::string& peer : spec_.peers) config.add_peers()->set_org_id(peer);
  WriteConfig(config);
}

void CairndProcess::WriteConfig(const v1::NodeConfig& config) const {
  std::string text;
  google::protobuf::TextFormat::PrintToString(config, &text);
  std::ofstream out(config_path());
  if (!(out << text)) throw std::runtime_error("cannot write " + config_path());
}

CairndProcess::~CairndProcess() { Kill(); }

void CairndProcess::ListenOn(const std::string& address) {
  EditConfig([&](v1::NodeConfig* config) { config->set_listen_address(address); });
}

void CairndProcess::EnableMetrics() {
  EditConfig([](v1::NodeConfig* config) { config->set_metrics_address("127.0.0.1:0"); });
}

int CairndProcess::metrics_port() const {
  int port = 0;
  std::ifstream(dir_.path() + "/metrics-port") >> port;
  return port;
}

void CairndProcess::EnableConsole() {
  EditConfig([](v1::NodeConfig* config) {
    config->mutable_console()->set_listen_address("127.0.0.1:0");
  });
}

std::string CairndProcess::console_url() const {
  int port = 0;
  std::ifstream(dir_.path() + "/console-port") >> port;
  return "https://127.0.0.1:" + std::to_string(port);
}

void CairndProcess::EditConfig(const std::function<void(v1::NodeConfig*)>& edit) {
  v1::NodeConfig config;
  if (!google::protobuf::TextFormat::ParseFromString(ReadFileToString(config_path()), &config)) {
    throw std::runtime_error("cannot read back " + config_path());
  }
  edit(&config);
  WriteConfig(config);
}

absl::Status CairndProcess::Start(const std::vector<std::string>& extra_args) {
  if (pid_ > 0) return absl::FailedPreconditionError("already running");
  std::string port_file = dir_.path() + "/port";
  std::filesystem::remove(port_file);
  // cairnd writes this one before the port file, when it serves metrics.
  std::string metrics_port_file = dir_.path() + "/metrics-port";
  std::filesystem::remove(metrics_port_file);
  std::string log_file = dir_.path() + "/cairnd.log";
  std::string binary = CAIRN_CAIRND_PATH;
  std::vector<std::string> args = {binary, "--config", config_path(), "--port-file", port_file};
  args.insert(args.end(), {"--metrics-port-file", metrics_port_file});
  args.insert(args.end(), {"--console-port-file", dir_.path() + "/console-port"});
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) return absl::InternalError("fork failed");
  if (pid_ == 0) {
    // Die with the test process, even when it crashes, so no cairnd outlives its test.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int log = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::FailedPreconditionError(absl::StrCat("cairnd exited at start:\n", log()));
    }
    std::ifstream in(port_file);
    if (in >> port_) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(10));
  }
  Kill();
  return absl::DeadlineExceededError(absl::StrCat("cairnd did not start listening:\n", log()));
}

void CairndProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

absl::Status CairndProcess::Stop() {
  if (pid_ <= 0) return absl::OkStatus();
  ::kill(pid_, SIGTERM);
  int status = 0;
  absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (absl::Now() > give_up) {
      Kill();
      return absl::DeadlineExceededError(absl::StrCat("cairnd ignored SIGTERM:\n", log()));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  pid_ = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("cairnd did not exit cleanly:\n", log()));
  }
  return absl::OkStatus();
}

std::string CairndProcess::log() const { return ReadFileToString(dir_.path() + "/cairnd.log"); }

CommandResult CairndProcess::RunCli(const std::string& user, std::vector<std::string> args,
                                    const std::string& stdin_file) const {
  client::ConnectionOptions options = ConnectionFor(user);
  args.insert(args.begin(), CAIRN_CLI_PATH);
  return RunCommand(args,
                    {"CAIRN_ADDR=" + options.address, "CAIRN_CA=" + options.ca_file,
                     "CAIRN_CERT=" + options.cert_file, "CAIRN_KEY=" + options.key_file},
                    stdin_file);
}

client::ConnectionOptions CairndProcess::ConnectionFor(const std::string& user) const {
  CertPaths paths = pki_->User(spec_.org_id, user);
  client::ConnectionOptions options;
  options.address = address();
  options.ca_file = pki_->ca_file();
  options.cert_file = paths.cert;
  options.key_file = paths.key;
  return options;
}

std::unique_ptr<client::LessonClient> CairndProcess::ClientFor(const std::string& user) const {
  auto client = client::LessonClient::Connect(ConnectionFor(user));
  if (!client.ok()) throw std::runtime_error(client.status().ToString());
  return *std::move(client);
}

}  // namespace cairn::testing
