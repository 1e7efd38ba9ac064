#include "amem/distributed/gradient_all_reduce.h"

#include <stdexcept>
#include <string>

namespace amem::distributed {

GradientAllReduce::GradientAllReduce(std::vector<torch::Tensor> parameters, ProcessGroup& group,
                                     int64_t bucket_bytes)
    : parameters_(std::move(parameters)), group_(group), slots_(parameters_.size()) {
  // Later parameters' gradients come first in backward, so their buckets fill (and start) first.
  std::vector<int64_t> bucket_numel;
  std::vector<torch::ScalarType> bucket_dtype;
  for (size_t i = parameters_.size(); i-- > 0;) {
    const torch::Tensor& p = parameters_[i];
    if (p.is_sparse() || p.device() != group.device())
      throw std::logic_error("GradientAllReduce: tensor " + std::to_string(i) + " is sparse or not on the group's device");
    const int64_t bytes = p.numel() * int64_t(p.element_size());
    const bool fits = !bucket_numel.empty() && bucket_dtype.back() == p.scalar_type() &&
                      (bucket_numel.back() * int64_t(p.element_size()) + bytes <= bucket_bytes);
    if (!fits) {
      bucket_numel.push_back(0);
      bucket_dtype.push_back(p.scalar_type());
    }
    slots_[i] = {bucket_numel.size() - 1, bucket_numel.back(), p.numel()};
    bucket_numel.back() += p.numel();
  }
  buckets_.resize(bucket_numel.size());
  for (size_t b = 0; b < buckets_.size(); ++b)
    buckets_[b].flat = torch::zeros({bucket_numel[b]}, torch::TensorOptions().dtype(bucket_dtype[b]).device(group.device()));
  for (size_t i = 0; i < parameters_.size(); ++i) {
    ++buckets_[slots_[i].bucket].slots;
    slots_[i].hook = parameters_[i].register_hook([this, i](const torch::Tensor& gradient) { on_gradient(i, gradient); });
  }
}

GradientAllReduce::~GradientAllReduce() {
  for (size_t i = 0; i < parameters_.size(); ++i) parameters_[i].remove_hook(slots_[i].hook);
}

torch::Tensor GradientAllReduce::view_of(size_t index) {
  const Slot& slot = slots_[index];
  return buckets_[slot.bucket].flat.narrow(0, slot.offset, slot.numel).view(parameters_[index].sizes());
}

void GradientAllReduce::on_gradient(size_t index, const torch::Tensor& gradient) {
  if (!sync_) return;
  Slot& slot = slots_[index];
  if (slot.filled) throw std::logic_error("GradientAllReduce: two gradients for one tensor in one backward");
  // The hook runs before autograd accumulates into .grad, which holds the earlier micro-batches.
  const torch::Tensor& earlier = parameters_[index].grad();
  torch::Tensor slot_view = view_of(index);
  if (earlier.defined())
    torch::add_out(slot_view, earlier, gradient);  // written straight into the bucket
  else
    slot_view.copy_(gradient);
  slot.filled = true;
  ++buckets_[slot.bucket].filled;
  start_ready_buckets();
}

void GradientAllReduce::start_ready_buckets() {
  while (next_bucket_ < buckets_.size() && buckets_[next_bucket_].filled == buckets_[next_bucket_].slots) {
    Bucket& bucket = buckets_[next_bucket_];
    bucket.pending = group_.all_reduce_sum_async(bucket.flat, "the gradient all-reduce (bucket " +
                                                                  std::to_string(next_bucket_) + ")");
    ++next_bucket_;
  }
}

void GradientAllReduce::finish() {
  // Tensors this rank's backward did not reach (a branch its micro-batch did not take) still
  // take part, with what they accumulated, or zero.
  for (size_t i = 0; i < parameters_.size(); ++i) {
    if (slots_[i].filled) continue;
    const torch::Tensor& grad = parameters_[i].grad();
    if (grad.defined())
      view_of(i).copy_(grad);
    else
      view_of(i).zero_();
    slots_[i].filled = true;
    ++buckets_[slots_[i].bucket].filled;
  }
  start_ready_buckets();
  const double world = double(group_.size());
  for (auto& bucket : buckets_) {
    bucket.pending->wait();
    bucket.pending.reset();
    bucket.flat.div_(world);
    bucket.filled = 0;
  }
  for (size_t i = 0; i < parameters_.size(); ++i) {
    torch::Tensor& grad = parameters_[i].mutable_grad();
    if (grad.defined())
      grad.copy_(view_of(i));
    else
      grad = view_of(i).clone();
    slots_[i].filled = false;
  }
  next_bucket_ = 0;
  sync_ = false;
}

}  // namespace amem::distributed
