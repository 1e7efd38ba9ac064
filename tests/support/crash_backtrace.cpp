// A test that crashes (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) prints where, before it dies: the
// GPU image has no debugger, so a bare "SEGFAULT" from ctest would be all there is to go on.
// The frames are named because amem_tests exports its symbols (tests/CMakeLists.txt). When the
// unwinder cannot get past the faulting instruction (a call through a null pointer, JIT-made
// code without unwind tables), the faulting address, the instruction pointer and the return
// address on top of the stack are printed with the /proc/self/maps line (library and offset)
// that holds each, which addr2line turns into a source line.
#include <execinfo.h>
#include <fcntl.h>
#include <ucontext.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace {

// Async-signal-safe writing: write(2) of literal text and of hexadecimal numbers.
void say(const char* text) { (void)!::write(STDERR_FILENO, text, std::strlen(text)); }

void say_hex(uintptr_t value) {
  char digits[2 + 2 * sizeof value + 1];
  int at = sizeof digits - 1;
  digits[at] = '\0';
  do {
    digits[--at] = "0123456789abcdef"[value & 0xf];
    value >>= 4;
  } while (value != 0);
  digits[--at] = 'x';
  digits[--at] = '0';
  say(digits + at);
}

uintptr_t parse_hex(const char*& at) {
  uintptr_t value = 0;
  for (;; ++at) {
    const char c = *at;
    if (c >= '0' && c <= '9') value = value * 16 + uintptr_t(c - '0');
    else if (c >= 'a' && c <= 'f') value = value * 16 + uintptr_t(c - 'a' + 10);
    else return value;
  }
}

// Prints "NAME ADDRESS in <the /proc/self/maps line holding it>" (or "in no mapping").
void say_where(const char* name, uintptr_t address) {
  static char maps[1 << 18];  // static: the handler's stack may be small
  say(name);
  say(" ");
  say_hex(address);
  const int fd = ::open("/proc/self/maps", O_RDONLY);
  ssize_t size = 0;
  if (fd >= 0) {
    for (ssize_t got; size < ssize_t(sizeof maps) - 1 && (got = ::read(fd, maps + size, sizeof maps - 1 - size)) > 0;)
      size += got;
    ::close(fd);
  }
  maps[size] = '\0';
  for (char* line = maps; *line != '\0';) {
    char* end = std::strchr(line, '\n');
    if (end == nullptr) end = line + std::strlen(line);
    const char* at = line;
    const uintptr_t first = parse_hex(at);
    ++at;  // the '-'
    const uintptr_t last = parse_hex(at);
    if (address >= first && address < last) {
      say(" in ");
      (void)!::write(STDERR_FILENO, line, size_t(end - line));
      say(" (offset ");
      say_hex(address - first);
      say(" into the mapping)\n");
      return;
    }
    line = *end == '\0' ? end : end + 1;
  }
  say(" in no mapping\n");
}

extern "C" void print_backtrace_and_die(int signal, siginfo_t* info, void* context) {
  // Only async-signal-safe calls: write(2), open/read/close and backtrace_symbols_fd.
  say("\n*** amem_tests: fatal signal ");
  say_hex(uintptr_t(signal));
  say("; backtrace (most recent call first):\n");
  void* frames[64];
  const int depth = ::backtrace(frames, 64);
  ::backtrace_symbols_fd(frames, depth, STDERR_FILENO);
  say_where("fault address", reinterpret_cast<uintptr_t>(info->si_addr));
#if defined(__x86_64__)
  const auto& registers = static_cast<ucontext_t*>(context)->uc_mcontext.gregs;
  say_where("instruction pointer", uintptr_t(registers[REG_RIP]));
  say_where("return address on the stack", *reinterpret_cast<const uintptr_t*>(registers[REG_RSP]));
#else
  (void)context;
#endif
  std::signal(signal, SIG_DFL);  // then die of the same signal, as the test would have
  std::raise(signal);
}

[[maybe_unused]] const bool installed = [] {
  void* warm[1];
  ::backtrace(warm, 1);  // loads libgcc's unwinder now, not inside the handler
  // Unbuffered stdout: what a test printed before it crashed reaches the log.
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  struct sigaction action {};
  action.sa_sigaction = print_backtrace_and_die;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::sigaction(signal, &action, nullptr);
  return true;
}();

}  // namespace
