// Where a CUDA step's time goes (issue 16, item 2: profile before optimising): runs a callable
// once under LibTorch's Kineto profiler and prints, as JSON lines,
//   - the step's wall time against the time the GPU spent in kernels and copies (busy %: what is
//     left is launch overhead and host work the GPU waits on),
//   - GPU time per kernel class (matmul, attention, normalisation, softmax, elementwise,
//     reduction, optimizer, copy/cast, other), classified by kernel name,
//   - the most expensive kernels, and the matmul FLOPs the profiler counts from the input shapes
//     of the GEMM operators (aten::mm, addmm, bmm, baddbmm), twice: every recorded call
//     ("counted_matmul_tflop", what earlier figures used), and only calls not nested in a call
//     of the same operator on the same thread ("outermost_gemm_tflop"). Autocast casts a GEMM's
//     inputs and calls the operator again, and the profiler records both calls with the same
//     shapes, so under autocast the first count takes each product twice (issue 16: 67.5 TFLOP
//     counted for a MAC step of ~40 TFLOP by hand). Attention kernels are counted in neither,
//     so each gives a lower bound on MFU only if no GEMM is counted twice,
//   - GPU time per part of the step and per operator: each kernel belongs to the operator that
//     launched it (the profiler links them by correlation id), that operator to the innermost
//     profiler scope named amem.* around it (amem.mac.amortize, amem.step.adamw, ...: the
//     RECORD_USER_SCOPEs of mac_objective.cpp and the benches), and an operator run by a
//     backward node to "backward of" the scope of the forward operator that made the node
//     (autograd's sequence numbers); attribute_gpu_time.
// Needs LibTorch >= 2 (the image's 2.11); on older builds it says so and prints nothing else.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <tuple>
#include <set>
#include <string>
#include <utility>
#include <vector>

#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/autograd/profiler_kineto.h>
#endif

namespace amem::bench {

// The class of a CUDA kernel, from its (mangled or demangled) name. Order matters: a fused
// "softmax" GEMM epilogue is still a GEMM.
inline std::string kernel_class(const std::string& name) {
  const auto has = [&](const char* part) { return name.find(part) != std::string::npos; };
  if (has("gemm") || has("Gemm") || has("xmma") || has("cutlass") || has("cublas") || has("nvjet")) return "matmul";
  if (has("flash") || has("fmha") || has("attention") || has("Attention")) return "attention";
  if (has("Memcpy") || has("Memset") || has("copy") || has("Copy") || has("cast")) return "copy/cast";
  if (has("adam") || has("Adam") || has("multi_tensor") || has("foreach")) return "optimizer";
  if (has("layer_norm") || has("LayerNorm") || has("rms") || has("norm_kernel")) return "normalisation";
  if (has("softmax") || has("Softmax")) return "softmax";
  if (has("reduce") || has("Reduce")) return "reduction";
  if (has("elementwise") || has("Elementwise") || has("vectorized") || has("unrolled")) return "elementwise";
  return "other";
}

// The GEMM operators whose FLOPs are counted (the profiler also gives FLOPs to some
// elementwise operators, which are not matrix work).
inline bool is_gemm_operator(const std::string& name) {
  static const std::set<std::string> gemms = {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm",
                                              "aten::addbmm", "aten::_addmm_activation"};
  return gemms.count(name) > 0;
}

// One recorded call of a GEMM operator: its name, the thread that made it, when (ns), its FLOPs.
struct GemmCall {
  std::string name;
  uint64_t thread = 0, start_ns = 0, end_ns = 0;
  double flops = 0;
};

// The FLOPs of the calls that are not inside another call of the same operator on the same
// thread (autocast's second call of a GEMM, on cast inputs, lies inside its first).
inline double outermost_gemm_flops(std::vector<GemmCall> calls) {
  std::sort(calls.begin(), calls.end(), [](const GemmCall& a, const GemmCall& b) {
    return std::tie(a.thread, a.start_ns, b.end_ns) < std::tie(b.thread, b.start_ns, a.end_ns);
  });
  std::map<std::pair<uint64_t, std::string>, uint64_t> open_until;  // the last counted call's end
  double flops = 0;
  for (const auto& call : calls) {
    auto& until = open_until[{call.thread, call.name}];
    if (call.start_ns < until && call.end_ns <= until) continue;  // nested in a counted call
    flops += call.flops;
    until = call.end_ns;
  }
  return flops;
}

// A host-side event of a profile (an operator, a backward node, or a user scope), and the GPU
// seconds of the kernels it launched itself.
struct HostEvent {
  std::string name;
  uint64_t thread = 0, start_ns = 0, end_ns = 0;
  int64_t sequence_nr = -1;  // autograd's: a forward operator's, and the backward node it made
  double gpu_s = 0;
};

// GPU seconds per part of the step and per (part, operator), from `events` with their kernels'
// time. An event's part is the innermost enclosing (or its own) scope whose name starts with
// "amem.", or "(no scope)"; inside a backward node (a named event with a sequence number that
// is not an aten:: operator, e.g. "AddmmBackward0") it is "backward of " + the part of a forward
// aten:: operator with the node's sequence number ("backward of ?" when none was recorded), and
// the operator is named "node > operator". Events nest when one's span holds the other's on
// the same thread.
struct GpuTimeAttribution {
  std::map<std::string, double> by_part;
  std::map<std::pair<std::string, std::string>, double> by_operator;  // (part, operator)
};

inline GpuTimeAttribution attribute_gpu_time(const std::vector<HostEvent>& events) {
  const auto starts_with = [](const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; };
  const auto is_scope = [&](const HostEvent& e) { return starts_with(e.name, "amem."); };
  const auto is_node = [&](const HostEvent& e) {
    return e.sequence_nr >= 0 && !starts_with(e.name, "aten::") && !is_scope(e) && !starts_with(e.name, "autograd::");
  };
  std::vector<size_t> order(events.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& x = events[a];
    const auto& y = events[b];
    return std::tie(x.thread, x.start_ns, y.end_ns) < std::tie(y.thread, y.start_ns, x.end_ns);
  });
  // Each event's innermost scope and innermost backward node (-1: none), through a stack of
  // the events open on its thread.
  std::vector<long> scope(events.size(), -1), node(events.size(), -1);
  std::vector<size_t> open;
  for (size_t k = 0; k < order.size(); ++k) {
    const size_t i = order[k];
    const auto& e = events[i];
    if (k > 0 && events[order[k - 1]].thread != e.thread) open.clear();
    while (!open.empty() && events[open.back()].end_ns <= e.start_ns) open.pop_back();
    const long parent = open.empty() ? -1 : long(open.back());
    scope[i] = is_scope(e) ? long(i) : parent < 0 ? -1 : scope[size_t(parent)];
    node[i] = is_node(e) ? long(i) : parent < 0 ? -1 : node[size_t(parent)];
    open.push_back(i);
  }
  const auto part_of_scope = [&](size_t i) { return scope[i] < 0 ? std::string("(no scope)") : events[size_t(scope[i])].name; };
  std::map<int64_t, std::string> forward_part;  // sequence number -> the part of its forward operator
  for (size_t i = 0; i < events.size(); ++i)
    if (node[i] < 0 && events[i].sequence_nr >= 0 && starts_with(events[i].name, "aten::"))
      forward_part.emplace(events[i].sequence_nr, part_of_scope(i));
  GpuTimeAttribution out;
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].gpu_s == 0) continue;
    std::string part = part_of_scope(i), op = events[i].name;
    if (node[i] >= 0) {
      const auto& n = events[size_t(node[i])];
      const auto found = forward_part.find(n.sequence_nr);
      part = "backward of " + (found == forward_part.end() ? std::string("?") : found->second);
      if (size_t(node[i]) != i) op = n.name + " > " + op;
    }
    out.by_part[part] += events[i].gpu_s;
    out.by_operator[{part, op}] += events[i].gpu_s;
  }
  return out;
}

// Profiles one call of `step` (already warmed up) and prints the summary lines, each tagged
// with `label`. `peak_flops` (FLOP/s of the GPU in the step's precision) turns the counted
// matmul FLOPs into an MFU lower bound.
inline void profile_step(const std::string& label, const std::function<void()>& step, double peak_flops) {
#if TORCH_VERSION_MAJOR >= 2
  namespace prof = torch::autograd::profiler;
  const torch::profiler::impl::ProfilerConfig config(torch::profiler::impl::ProfilerState::KINETO,
                                                     /*report_input_shapes=*/true, /*profile_memory=*/false,
                                                     /*with_stack=*/false, /*with_flops=*/true);
  const std::set<torch::profiler::impl::ActivityType> activities{torch::profiler::impl::ActivityType::CPU,
                                                                 torch::profiler::impl::ActivityType::CUDA};
  prof::prepareProfiler(config, activities);
  torch::cuda::synchronize();
  prof::enableProfiler(config, activities);
  const auto start = std::chrono::steady_clock::now();
  step();
  torch::cuda::synchronize();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto result = prof::disableProfiler();

  std::map<std::string, double> by_class;
  std::map<std::string, std::pair<double, int64_t>> by_kernel;  // seconds, launches
  double gpu = 0, flops = 0, unlinked = 0;
  std::vector<GemmCall> gemm_calls;
  std::vector<HostEvent> host;
  std::map<uint64_t, size_t> host_by_correlation;  // an operator's correlation id -> its event
  for (const auto& event : result->events()) {
    if (event.deviceType() == c10::DeviceType::CUDA || event.name().rfind("cuda", 0) == 0) continue;
    host_by_correlation[event.correlationId()] = host.size();  // (CUDA runtime calls left out: their ids are CUPTI's)
    host.push_back({event.name(), event.startThreadId(), event.startNs(), event.endNs(), event.sequenceNr(), 0});
  }
  // Device-side records that are not GPU work: the GPU spans of the amem.* user scopes, and
  // CUPTI's own buffer overhead.
  const auto is_work = [](const std::string& name) {
    return name.rfind("amem.", 0) != 0 && name.find("Activity Buffer") == std::string::npos;
  };
  for (const auto& event : result->events()) {
    if (event.deviceType() == c10::DeviceType::CUDA) {
      if (!is_work(event.name())) continue;
      const double seconds = double(event.durationNs()) * 1e-9;
      gpu += seconds;
      by_class[kernel_class(event.name())] += seconds;
      auto& kernel = by_kernel[event.name().substr(0, 90)];
      kernel.first += seconds;
      kernel.second += 1;
      const auto launcher = host_by_correlation.find(event.linkedCorrelationId());
      if (launcher == host_by_correlation.end())
        unlinked += seconds;  // a replayed graph's kernels: no operator launched them
      else
        host[launcher->second].gpu_s += seconds;
    } else if (is_gemm_operator(event.name())) {
      flops += double(event.flops());
      gemm_calls.push_back({event.name(), event.startThreadId(), event.startNs(), event.endNs(), double(event.flops())});
    }
  }
  const double outermost = outermost_gemm_flops(gemm_calls);
  std::printf("{\"profile\": \"%s\", \"wall_s\": %.4f, \"gpu_busy_s\": %.4f, \"gpu_busy_pct\": %.1f, "
              "\"counted_matmul_tflop\": %.2f, \"mfu_lower_bound_pct\": %.1f, \"outermost_gemm_tflop\": %.2f}\n",
              label.c_str(), wall, gpu, 100.0 * gpu / wall, flops / 1e12, 100.0 * flops / wall / peak_flops,
              outermost / 1e12);
  std::vector<std::pair<std::string, double>> classes(by_class.begin(), by_class.end());
  std::sort(classes.begin(), classes.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [name, seconds] : classes)
    std::printf("{\"profile\": \"%s\", \"kernel_class\": \"%s\", \"gpu_s\": %.4f, \"share_pct\": %.1f}\n",
                label.c_str(), name.c_str(), seconds, 100.0 * seconds / gpu);
  std::vector<std::pair<std::string, std::pair<double, int64_t>>> kernels(by_kernel.begin(), by_kernel.end());
  std::sort(kernels.begin(), kernels.end(), [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  for (size_t i = 0; i < std::min<size_t>(kernels.size(), 12); ++i)
    std::printf("{\"profile\": \"%s\", \"kernel\": \"%s\", \"gpu_s\": %.4f, \"launches\": %lld}\n", label.c_str(),
                kernels[i].first.c_str(), kernels[i].second.first, (long long)kernels[i].second.second);
  auto attribution = attribute_gpu_time(host);
  if (unlinked > 0) attribution.by_part["(no operator: a graph replay)"] += unlinked;
  std::vector<std::pair<std::string, double>> parts(attribution.by_part.begin(), attribution.by_part.end());
  std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [part, seconds] : parts)
    std::printf("{\"profile\": \"%s\", \"part\": \"%s\", \"gpu_s\": %.4f, \"share_pct\": %.1f}\n", label.c_str(),
                part.c_str(), seconds, 100.0 * seconds / gpu);
  // Each part's most expensive operators (parts above 1% of the GPU time).
  std::vector<std::pair<std::pair<std::string, std::string>, double>> ops(attribution.by_operator.begin(),
                                                                          attribution.by_operator.end());
  std::sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [part, seconds] : parts) {
    if (seconds < 0.01 * gpu) continue;
    int shown = 0;
    for (const auto& [key, op_seconds] : ops) {
      if (key.first != part) continue;
      std::printf("{\"profile\": \"%s\", \"operator\": \"%s\", \"part\": \"%s\", \"gpu_s\": %.4f}\n", label.c_str(),
                  key.second.substr(0, 90).c_str(), part.c_str(), op_seconds);
      if (++shown == 8) break;
    }
  }
  std::printf("{\"profile\": \"%s\", \"kernel_launches\": %lld}\n", label.c_str(), [&] {
    long long n = 0;
    for (const auto& k : kernels) n += k.second.second;
    return n;
  }());
#else
  (void)step;
  (void)peak_flops;
  std::printf("{\"profile\": \"%s\", \"error\": \"--profile needs LibTorch >= 2 (Kineto's C++ API)\"}\n",
              label.c_str());
#endif
}

}  // namespace amem::bench
