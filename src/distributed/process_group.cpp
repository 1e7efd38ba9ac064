#include "amem/distributed/process_group.h"

#include <algorithm>
#include <cstdlib>

#include "amem/core/error.h"
#include "distributed/c10d_backends.h"

namespace amem::distributed {

namespace cb = c10d_backends;

struct ProcessGroup::Backend {
  c10::intrusive_ptr<::c10d::Store> store;
  c10::intrusive_ptr<cb::Collectives> collectives;
};

namespace {

// The first line of an error, without c10's backtrace.
std::string first_line(const std::exception& error) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&error);
  std::string text = c10_error ? c10_error->what_without_backtrace() : error.what();
  return text.substr(0, text.find('\n'));
}

class PendingWork : public ProcessGroup::Pending {
 public:
  PendingWork(cb::WorkPtr work, std::function<void(const std::exception&)> fail)
      : work_(std::move(work)), fail_(std::move(fail)) {}
  void wait() override {
    try {
      work_->wait();
    } catch (const std::exception& e) {
      fail_(e);
    }
  }

 private:
  cb::WorkPtr work_;
  std::function<void(const std::exception&)> fail_;
};

#ifdef AMEM_HAVE_GLOO
std::shared_ptr<::gloo::transport::Device> gloo_device() {
  // As torch.distributed does: the interface GLOO_SOCKET_IFNAME names, else the address this
  // host's name resolves to (loopback when it resolves to none).
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"))
    return ::c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  return ::c10d::ProcessGroupGloo::createDefaultDevice();
}
#endif

}  // namespace

ProcessGroup::ProcessGroup(const LaunchEnvironment& env, torch::Device device, std::chrono::milliseconds timeout)
    : env_(env), device_(device), timeout_(timeout), backend_(std::make_unique<Backend>()) {
  // NVLink multicast (NVLS) needs the fabric manager / IMEX support that the lent GPU machines
  // lack; with it on, NCCL fails at its first collective there. Set before NCCL reads it.
  setenv("NCCL_NVLS_ENABLE", "0", 1);
  const std::string master = env.master_addr + ":" + std::to_string(env.master_port);
  try {
    ::c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(env.master_port);
    options.isServer = env.rank == 0;
    options.numWorkers = size_t(env.world_size);
    options.waitWorkers = true;
    options.timeout = timeout;
    backend_->store = c10::make_intrusive<::c10d::TCPStore>(env.master_addr, options);
  } catch (const std::exception& e) {
    throw Error("distributed: rank " + std::to_string(env.rank) + " could not rendezvous at MASTER_ADDR:MASTER_PORT " +
                master + " with " + std::to_string(env.world_size) + " ranks within distributed.timeout_s: " +
                first_line(e));
  }
  try {
    if (device.is_cuda()) {
#ifdef USE_C10D_NCCL
      backend_->collectives = c10::make_intrusive<::c10d::ProcessGroupNCCL>(backend_->store, env.rank, env.world_size,
                                                                            cb::nccl_options(timeout));
#else
      throw Error("distributed: model.device is cuda but this build of amem has no NCCL (configure it against a "
                  "CUDA LibTorch with nccl.h found; see docs/multi_gpu.md)");
#endif
    } else {
#ifdef AMEM_HAVE_GLOO
      auto options = ::c10d::ProcessGroupGloo::Options::create(timeout);
      options->devices.push_back(gloo_device());
      backend_->collectives =
          c10::make_intrusive<::c10d::ProcessGroupGloo>(backend_->store, env.rank, env.world_size, options);
#else
      throw Error("distributed: a CPU run needs Gloo, but this build of amem found no Gloo headers (Debian: "
                  "libgloo-dev; see docs/multi_gpu.md)");
#endif
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("distributed: rank " + std::to_string(env.rank) + " could not connect to the other ranks (store " +
                master + "): " + first_line(e));
  }
}

ProcessGroup::~ProcessGroup() = default;

void ProcessGroup::fail(const std::string& what, const std::exception& error) const {
  throw Error("distributed: rank " + std::to_string(env_.rank) + " of " + std::to_string(env_.world_size) + ": " +
              what + " failed: another rank died or did not answer within distributed.timeout_s=" +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout_).count()) + " (" +
              first_line(error) + ")");
}

std::unique_ptr<ProcessGroup::Pending> ProcessGroup::all_reduce_sum_async(torch::Tensor tensor,
                                                                          const std::string& what) {
  std::vector<torch::Tensor> tensors = {std::move(tensor)};
  const auto fail_with = [this, what](const std::exception& e) { fail(what, e); };
  try {
    return std::make_unique<PendingWork>(backend_->collectives->allreduce(tensors), fail_with);
  } catch (const std::exception& e) {
    fail(what, e);
  }
}

void ProcessGroup::all_reduce(torch::Tensor tensor, const std::string& what, bool max) {
  std::vector<torch::Tensor> tensors = {std::move(tensor)};
  ::c10d::AllreduceOptions options;
  if (max) options.reduceOp = ::c10d::ReduceOp::MAX;
  try {
    backend_->collectives->allreduce(tensors, options)->wait();
  } catch (const std::exception& e) {
    fail(what, e);
  }
}

void ProcessGroup::broadcast(torch::Tensor tensor, int root, const std::string& what) {
  std::vector<torch::Tensor> tensors = {std::move(tensor)};
  ::c10d::BroadcastOptions options;
  options.rootRank = root;
  try {
    backend_->collectives->broadcast(tensors, options)->wait();
  } catch (const std::exception& e) {
    fail(what, e);
  }
}

torch::Tensor ProcessGroup::all_gather(const torch::Tensor& tensor, const std::string& what) {
  std::vector<torch::Tensor> inputs = {tensor.contiguous()};
  std::vector<std::vector<torch::Tensor>> outputs(1);
  for (int r = 0; r < env_.world_size; ++r) outputs[0].push_back(torch::empty_like(inputs[0]));
  try {
    backend_->collectives->allgather(outputs, inputs)->wait();
  } catch (const std::exception& e) {
    fail(what, e);
  }
  return torch::stack(outputs[0]);
}

std::vector<std::string> ProcessGroup::all_gather_bytes(const std::string& bytes, const std::string& what) {
  const torch::Tensor length = torch::tensor({int64_t(bytes.size())}, torch::kLong).to(device_);
  const torch::Tensor lengths = all_gather(length, what).cpu();
  // At least one byte: a collective of empty tensors is not one every backend accepts.
  const int64_t longest = std::max<int64_t>(lengths.max().item<int64_t>(), 1);
  torch::Tensor padded = torch::zeros({longest}, torch::kUInt8);
  std::copy(bytes.begin(), bytes.end(), padded.data_ptr<uint8_t>());
  const torch::Tensor all = all_gather(padded.to(device_), what).cpu().contiguous();
  std::vector<std::string> out;
  for (int r = 0; r < env_.world_size; ++r) {
    const auto* begin = all[r].data_ptr<uint8_t>();
    out.emplace_back(reinterpret_cast<const char*>(begin), size_t(lengths[r][0].item<int64_t>()));
  }
  return out;
}

}  // namespace amem::distributed
