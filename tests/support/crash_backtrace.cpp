// A test that crashes (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) prints where, before it dies: the
// GPU image has no debugger, so a bare "SEGFAULT" from ctest would be all there is to go on.
// The frames are named because amem_tests exports its symbols (tests/CMakeLists.txt).
#include <execinfo.h>
#include <unistd.h>

#include <csignal>

namespace {

extern "C" void print_backtrace_and_die(int signal) {
  // Only async-signal-safe calls: write(2) and backtrace_symbols_fd.
  static const char header[] = "\n*** amem_tests: fatal signal; backtrace (most recent call first):\n";
  (void)!::write(STDERR_FILENO, header, sizeof header - 1);
  void* frames[64];
  const int depth = ::backtrace(frames, 64);
  ::backtrace_symbols_fd(frames, depth, STDERR_FILENO);
  std::signal(signal, SIG_DFL);  // then die of the same signal, as the test would have
  std::raise(signal);
}

[[maybe_unused]] const bool installed = [] {
  void* warm[1];
  ::backtrace(warm, 1);  // loads libgcc's unwinder now, not inside the handler
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(signal, print_backtrace_and_die);
  return true;
}();

}  // namespace
