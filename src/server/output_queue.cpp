#include "hcbench/server/output_queue.h"

#include <cassert>

namespace hcbench {

void OutputQueue::append(std::string_view bytes) {
  if (bytes.empty()) return;
  // Extend the last region when it is owned: a whole response, or a batch of them,
  // stays one contiguous region.
  if (!segments_.empty() && segments_.back().data == nullptr &&
      segments_.back().offset + segments_.back().size == owned_.size()) {
    segments_.back().size += bytes.size();
  } else {
    segments_.push_back({nullptr, owned_.size(), bytes.size(), nullptr});
  }
  owned_.append(bytes);
  size_ += bytes.size();
}

void OutputQueue::adopt(std::string&& bytes) {
  if (bytes.size() <= copy_threshold) {
    append(std::string_view(bytes));
    return;
  }
  auto holder = std::make_shared<const std::string>(std::move(bytes));
  const std::string_view view(*holder);
  append_shared(view, std::move(holder));
}

void OutputQueue::append_shared(std::string_view bytes, std::shared_ptr<const void> owner) {
  if (bytes.size() <= copy_threshold) {
    append(bytes);
    return;
  }
  segments_.push_back({bytes.data(), 0, bytes.size(), std::move(owner)});
  size_ += bytes.size();
}

void OutputQueue::append_payload(const std::shared_ptr<const Resource>& resource) {
  const std::string_view body = resource->body;
  if (body.size() <= copy_threshold) {
    append(body);
    return;
  }
  segments_.push_back({body.data(), 0, body.size(), resource, resource.get()});
  size_ += body.size();
}

void OutputQueue::take_from(OutputQueue& other) {
  for (std::size_t i = other.head_; i < other.segments_.size(); ++i) {
    Segment& segment = other.segments_[i];
    if (segment.size == 0) continue;
    if (segment.data == nullptr) {
      append(other.region(i));
    } else {
      segments_.push_back({segment.data, segment.offset, segment.size, std::move(segment.owner),
                           segment.payload, segment.file});
      size_ += segment.size;
    }
  }
  other.clear();
}

std::string_view OutputQueue::region(std::size_t index) const {
  const Segment& s = segments_[index];
  if (s.data == nullptr) return {owned_.data() + s.offset, s.size};
  return {s.data + s.offset, s.size};
}

void OutputQueue::gather(std::vector<iovec>& out, bool stop_at_file) const {
  out.clear();
  for (std::size_t i = head_; i < segments_.size(); ++i) {
    if (stop_at_file && segments_[i].file >= 0) break;
    const auto view = region(i);
    if (!view.empty()) out.push_back({const_cast<char*>(view.data()), view.size()});
  }
}

std::optional<OutputQueue::FileRange> OutputQueue::front_file() const {
  if (head_ >= segments_.size() || segments_[head_].file < 0) return std::nullopt;
  const Segment& s = segments_[head_];
  return FileRange{s.file, s.offset, s.size};
}

void OutputQueue::consume(std::size_t n) {
  assert(n <= size_);
  size_ -= n;
  while (n > 0 && head_ < segments_.size()) {
    Segment& s = segments_[head_];
    const std::size_t take = n < s.size ? n : s.size;
    s.offset += take;
    s.size -= take;
    n -= take;
    if (s.size == 0) {
      s.owner.reset();
      ++head_;
    }
  }
  if (size_ == 0) clear();
}

void OutputQueue::clear() {
  owned_.clear();
  segments_.clear();
  head_ = 0;
  unchecked_ = 0;
  size_ = 0;
}

} // namespace hcbench
