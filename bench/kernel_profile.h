// Where a CUDA step's time goes (issue 16, item 2: profile before optimising): runs a callable
// once under LibTorch's Kineto profiler and prints, as JSON lines,
//   - the step's wall time against the time the GPU spent in kernels and copies (busy %: what is
//     left is launch overhead and host work the GPU waits on),
//   - GPU time per kernel class (matmul, attention, normalisation, softmax, elementwise,
//     reduction, optimizer, copy/cast, other), classified by kernel name,
//   - the most expensive kernels, and the matmul FLOPs the profiler counts (aten::mm, addmm, bmm
//     and friends, from their input shapes: a lower bound on the step's FLOPs, since attention
//     kernels are not counted, which gives a lower bound on MFU).
// Needs LibTorch >= 2 (the image's 2.11); on older builds it says so and prints nothing else.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
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
  double gpu = 0, flops = 0;
  for (const auto& event : result->events()) {
    if (event.deviceType() == c10::DeviceType::CUDA) {
      const double seconds = double(event.durationNs()) * 1e-9;
      gpu += seconds;
      by_class[kernel_class(event.name())] += seconds;
      auto& kernel = by_kernel[event.name().substr(0, 90)];
      kernel.first += seconds;
      kernel.second += 1;
    } else {
      flops += double(event.flops());
    }
  }
  std::printf("{\"profile\": \"%s\", \"wall_s\": %.4f, \"gpu_busy_s\": %.4f, \"gpu_busy_pct\": %.1f, "
              "\"counted_matmul_tflop\": %.2f, \"mfu_lower_bound_pct\": %.1f}\n",
              label.c_str(), wall, gpu, 100.0 * gpu / wall, flops / 1e12, 100.0 * flops / wall / peak_flops);
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
