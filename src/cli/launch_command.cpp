// amem launch --nproc-per-node N [--master-port P] -- PROGRAM [ARGUMENT...]
//
// torchrun's single-machine launch without Python: starts N copies of PROGRAM with the
// variables torchrun sets (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT), which `amem train`, `qa-tune`, `pretrain` and `eval` read (distributed/launch_environment.h).
// PROGRAM may be any program, as with torchrun --no-python; when it is amem, its command must be
// one of the data-parallel ones (any other would run N times). Signals it receives (Ctrl-C,
// SIGTERM) are passed on to every rank. When a rank fails, the others are stopped (SIGTERM, then
// SIGKILL after 10 s) and the launch exits with that rank's status, or 128 + the signal that
// killed it (as a shell reports it), naming the rank in one line: a rank that dies never leaves
// the others waiting. The ranks' error lines are printed once each after that line, not once per
// rank (launch_errors.h).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "amem/core/error.h"
#include "amem/io/remove_tree.h"
#include "cli/commands.h"
#include "cli/launch_errors.h"

namespace amem::cli {

namespace {

const char* kHelp =
    "usage: amem launch --nproc-per-node N [--master-port P] -- PROGRAM [ARGUMENT...]\n"
    "\n"
    "Starts N processes of PROGRAM on this machine, one per GPU, as torchrun does: each gets RANK and\n"
    "LOCAL_RANK (0..N-1), WORLD_SIZE and LOCAL_WORLD_SIZE (N), MASTER_ADDR (127.0.0.1), MASTER_PORT\n"
    "(--master-port, else $MASTER_PORT, else a free port; one already in use is refused) and\n"
    "NCCL_NVLS_ENABLE=0. Example:\n"
    "  amem launch --nproc-per-node 2 -- amem train configs/mac/gpt2_xl.yaml model.device=cuda\n"
    "PROGRAM may be any program; amem must run a data-parallel command (eval, train, qa-tune, pretrain).\n"
    "Ctrl-C and SIGTERM are passed on to every rank. If a rank fails the others are stopped and the\n"
    "launch exits with that rank's status, or 128+N when signal N killed it (docs/multi_gpu.md).\n";

// The ranks' process ids, for the signal handler (0: exited). Each rank leads its own process
// group, so that a signal reaches what the rank started too: `-- sh -c 'amem train ...'` would
// otherwise leave amem running after its shell was stopped, still writing to our stderr.
std::vector<pid_t> g_ranks;

void forward_signal(int signal) {
  for (pid_t pid : g_ranks)
    if (pid > 0) kill(-pid, signal);
}

int parse_count(const std::string& option, const std::string& value, int low, int high) {
  // Digits only: std::stoi alone would also take a leading space or sign (" 5", "+5").
  const bool digits = !value.empty() && value.size() <= 9 &&
                      std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); });
  const int parsed = digits ? std::stoi(value) : 0;
  if (!digits || parsed < low || parsed > high)
    throw ConfigError("amem launch " + option + " " + value + ": expected an integer in " + std::to_string(low) +
                      ".." + std::to_string(high));
  return parsed;
}

// A TCP port nobody listens on now (the kernel's choice), for rank 0's rendezvous store.
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) close(fd);
    throw Error(std::string("amem launch: could not find a free port: ") + std::strerror(errno) +
                " (give one with --master-port)");
  }
  close(fd);
  return ntohs(address.sin_port);
}

// A port that something on 127.0.0.1 already holds (another run's rendezvous) would leave rank
// 0 unable to serve the rendezvous and every rank waiting out distributed.timeout_s; said at once
// instead. SO_REUSEADDR as the rendezvous server binds: only a port in use fails, not one whose
// last connections are closing.
void check_port_is_free(int port, const std::string& source) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;  // nothing to probe with: the rendezvous says what goes wrong
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool taken = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno == EADDRINUSE;
  close(fd);
  if (taken)
    throw ConfigError("amem launch " + source + " " + std::to_string(port) +
                      ": the port is in use on 127.0.0.1 (another run's rendezvous?); give a free one with "
                      "--master-port, or leave both --master-port and $MASTER_PORT out for a free port");
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
                                  strsignal(WTERMSIG(status)) + ")";
  return "stopped";
}

// Waits for every live rank, killing them once `deadline` has passed.
void stop_ranks(std::chrono::steady_clock::time_point deadline) {
  for (bool live = true; live;) {
    live = false;
    for (pid_t& pid : g_ranks) {
      if (pid <= 0) continue;
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid)
        pid = 0;
      else
        live = true;
    }
    if (!live) break;
    if (std::chrono::steady_clock::now() > deadline) forward_signal(SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Where execvp would find `program`: itself when it names a path, else the first executable of
// that name on PATH; empty when there is none.
std::filesystem::path find_program(const std::string& program) {
  namespace fs = std::filesystem;
  const auto runnable = [](const fs::path& file) { return access(file.c_str(), X_OK) == 0 && !fs::is_directory(file); };
  if (program.find('/') != std::string::npos) return runnable(program) ? fs::path(program) : fs::path();
  const char* path = std::getenv("PATH");
  const std::string directories = path ? path : "";
  for (size_t begin = 0; begin <= directories.size();) {
    const size_t end = std::min(directories.find(':', begin), directories.size());
    const fs::path candidate = fs::path(end > begin ? directories.substr(begin, end - begin) : ".") / program;
    if (runnable(candidate)) return candidate;
    begin = end + 1;
  }
  return {};
}

// Whether `found` (find_program's answer) is amem: this very program, or one named amem.
bool is_amem(const std::filesystem::path& found) {
  std::error_code error;
  return found.filename() == "amem" || std::filesystem::equivalent(found, "/proc/self/exe", error);
}

// A fresh folder for the ranks' error lines (launch_errors.h); empty when none can be made, and
// then every rank prints its own.
std::filesystem::path make_errors_folder() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/amem-launch-XXXXXX";
  return mkdtemp(pattern.data()) ? std::filesystem::path(pattern) : std::filesystem::path();
}

// The error lines the ranks handed over in `errors` (launch_errors.h; nothing when it is empty),
// each distinct line once, in rank order; `failed`'s lines last, as a command's error is its last
// line.
void print_rank_errors(const std::filesystem::path& errors, int processes, std::optional<int> failed) {
  if (errors.empty()) return;
  const auto last = failed ? rank_errors(errors, *failed) : std::vector<std::string>();
  std::set<std::string> printed(last.begin(), last.end());
  for (int rank = 0; rank < processes; ++rank)
    if (rank != failed)
      for (const auto& line : rank_errors(errors, rank))
        if (printed.insert(line).second) std::cerr << line << "\n";
  for (const auto& line : last) std::cerr << line << "\n";
}

}  // namespace

int run_launch(const Args& args) {
  int processes = 0;
  int port = 0;  // 0: not given
  size_t i = 0;
  for (; i < args.size() && args[i] != "--"; ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << kHelp;
      return 0;
    }
    const auto value_of = [&](const std::string& name) -> std::string {
      if (a.rfind(name + "=", 0) == 0) return a.substr(name.size() + 1);
      if (++i >= args.size()) throw ConfigError("amem launch " + name + ": expected a value after it");
      return args[i];
    };
    if (a == "--nproc-per-node" || a.rfind("--nproc-per-node=", 0) == 0)
      processes = parse_count("--nproc-per-node", value_of("--nproc-per-node"), 1, 1024);
    else if (a == "--master-port" || a.rfind("--master-port=", 0) == 0)
      port = parse_count("--master-port", value_of("--master-port"), 1, 65535);
    else
      throw ConfigError("amem launch: unknown option '" + a + "' (see amem launch --help)");
  }
  if (processes == 0 || i + 1 >= args.size()) {
    std::cout << kHelp;
    if (processes == 0) throw ConfigError("amem launch: --nproc-per-node N is required");
    throw ConfigError("amem launch: expected `-- PROGRAM [ARGUMENT...]` after the options");
  }
  std::vector<std::string> command(args.begin() + std::ptrdiff_t(i) + 1, args.end());
  const auto program = find_program(command[0]);
  // Checked once here, rather than failing in every rank's exec.
  if (program.empty())
    throw ConfigError("amem launch: cannot run '" + command[0] + "': not an executable file" +
                      (command[0].find('/') == std::string::npos ? " on PATH (give its path)" : ""));
  // One process is no data parallelism (the command itself accepts WORLD_SIZE=1).
  if (processes > 1 && command.size() >= 2 && is_amem(program))
    for (const auto& c : commands())
      if (command[1] == c.name && !c.data_parallel)
        throw not_data_parallel(c.name, "amem launch would start it " + std::to_string(processes) + " times");
  const char* port_source = "--master-port";
  if (port == 0 && std::getenv("MASTER_PORT")) {
    port = parse_count("MASTER_PORT", std::getenv("MASTER_PORT"), 1, 65535);
    port_source = "MASTER_PORT";
  }
  if (port != 0)
    check_port_is_free(port, port_source);
  else
    port = free_port();
  const std::string port_text = std::to_string(port);

  struct sigaction action {};
  action.sa_handler = forward_signal;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGINT, SIGTERM, SIGHUP}) sigaction(signal, &action, nullptr);

  std::vector<char*> argv;
  for (auto& word : command) argv.push_back(word.data());
  argv.push_back(nullptr);
  std::cout.flush();
  const std::filesystem::path errors = make_errors_folder();
  // The errors folder is scratch in $TMPDIR: failing to delete it must not change the exit status
  // or add a line to the ranks' error, so a failure here is dropped.
  const auto remove_errors = [&] {
    if (errors.empty()) return;
    try {
      amem::io::remove_tree(errors.string());
    } catch (const amem::Error&) {
    }
  };
  g_ranks.assign(size_t(processes), 0);
  const pid_t launcher = getpid();
  for (int rank = 0; rank < processes; ++rank) {
    const pid_t pid = fork();
    if (pid < 0) {
      std::cerr << "amem launch: fork failed: " << std::strerror(errno) << "\n";
      forward_signal(SIGKILL);
      stop_ranks(std::chrono::steady_clock::now());
      remove_errors();
      return 1;
    }
    if (pid == 0) {
      setpgid(0, 0);
      // A launcher killed by SIGKILL cannot stop its ranks: the kernel sends them SIGTERM then.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != launcher) _exit(128 + SIGTERM);  // the launcher died before prctl took effect
      const std::string r = std::to_string(rank), n = std::to_string(processes);
      setenv("RANK", r.c_str(), 1);
      setenv("LOCAL_RANK", r.c_str(), 1);
      setenv("WORLD_SIZE", n.c_str(), 1);
      setenv("LOCAL_WORLD_SIZE", n.c_str(), 1);
      setenv("MASTER_ADDR", "127.0.0.1", 1);
      setenv("MASTER_PORT", port_text.c_str(), 1);
      // NVLink multicast needs fabric support the lent GPU machines lack (docs/multi_gpu.md).
      setenv("NCCL_NVLS_ENABLE", "0", 1);
      if (!errors.empty()) setenv(kLaunchErrorsVariable, errors.c_str(), 1);
      execvp(argv[0], argv.data());
      std::fprintf(stderr, "amem launch: cannot run %s: %s\n", argv[0], std::strerror(errno));
      _exit(127);
    }
    setpgid(pid, pid);  // as the child does: whichever runs first, the group exists before a signal
    g_ranks[size_t(rank)] = pid;
  }

  for (int live = processes; live > 0;) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    int rank = 0;
    while (rank < processes && g_ranks[size_t(rank)] != pid) ++rank;
    if (rank == processes) continue;
    g_ranks[size_t(rank)] = 0;
    --live;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
    forward_signal(SIGTERM);
    stop_ranks(std::chrono::steady_clock::now() + std::chrono::seconds(10));
    std::cerr << "amem launch: rank " << rank << " (pid " << pid << ") " << describe(status)
              << (processes > 1 ? "; stopped the other ranks" : "") << "\n";
    print_rank_errors(errors, processes, rank);
    remove_errors();
    // A shell's convention for a process a signal killed (torchrun's summary reports it as -N).
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // Every rank ended well, yet an amem command inside one may have failed (a script that went on
  // after it): its lines are printed too.
  print_rank_errors(errors, processes, std::nullopt);
  remove_errors();
  return 0;
}

}  // namespace amem::cli
