// Bytes waiting to be written to one connection, in order. Small pieces (status line,
// headers, short bodies) are copied into one owned buffer so that a batch of pipelined
// responses becomes a few contiguous regions; large bodies are referenced straight from the
// shared immutable payload, which the queue keeps alive until the bytes are consumed.
//
// The protocol session appends; the transport decides how the bytes leave (attach_files():
// a plain socket sends a large payload body from its file); the connection writes them.
#pragma once

#include "hcbench/shared/payload.h"

#include <sys/uio.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hcbench {

class OutputQueue {
public:
  // Bodies at most this long are copied rather than referenced: cheaper than an extra
  // iovec and a reference count.
  static constexpr std::size_t copy_threshold = 2048;

  void append(std::string_view bytes);
  // References `bytes` (kept alive by `owner`) when large, copies them when small.
  void append_shared(std::string_view bytes, std::shared_ptr<const void> owner);
  // The body of a payload, as append_shared(); a large one stays known as that payload's body,
  // so that attach_files() can give it the file that holds the same bytes.
  void append_payload(const std::shared_ptr<const Resource>& resource);
  // Takes a string whole: large ones are adopted without copying their bytes.
  void adopt(std::string&& bytes);

  bool empty() const { return size_ == 0; }
  // The first unconsumed region (empty when the queue is).
  std::string_view front() const {
    return head_ < segments_.size() ? region(head_) : std::string_view();
  }
  std::size_t size() const { return size_; } // bytes not yet consumed

  // Appends the unconsumed regions, in order, to `out` (cleared first); with
  // `stop_at_file`, only those before the first region that has a file. Pointers stay
  // valid until the next append, consume or clear.
  void gather(std::vector<iovec>& out, bool stop_at_file = false) const;
  // Offers each payload body appended since the last call to `file_for`
  // (int(const std::shared_ptr<const Resource>&)); a body given a file (not -1), which holds
  // the same bytes from offset 0, is then a file region: front_file() and gather()'s
  // `stop_at_file` see it, and a plain socket may sendfile() it.
  template <class F> void attach_files(F&& file_for) {
    for (std::size_t i = unchecked_ < head_ ? head_ : unchecked_; i < segments_.size(); ++i) {
      Segment& s = segments_[i];
      if (s.payload != nullptr && s.file < 0 && s.size > 0) {
        s.file = file_for(std::shared_ptr<const Resource>(s.owner, s.payload));
      }
    }
    unchecked_ = segments_.size();
  }
  // The first unconsumed region, when it has a file: where its bytes are in that file.
  struct FileRange {
    int fd = -1;
    std::size_t offset = 0;
    std::size_t size = 0;
  };
  std::optional<FileRange> front_file() const;
  // Calls f(std::string_view) for each unconsumed region, in order.
  template <class F> void for_each(F&& f) const {
    for (std::size_t i = head_; i < segments_.size(); ++i) {
      const auto view = region(i);
      if (!view.empty()) f(view);
    }
  }

  // Moves what `other` has not consumed to the end of this queue (owned bytes are copied,
  // shared ones stay references) and clears `other`.
  void take_from(OutputQueue& other);

  // Drops the first n bytes (they were written).
  void consume(std::size_t n);
  // Drops everything; keeps the capacity for reuse.
  void clear();

private:
  struct Segment {
    const char* data = nullptr; // shared bytes; null for a region of owned_
    std::size_t offset = 0;     // owned: offset into owned_; shared: bytes already consumed
    std::size_t size = 0;       // bytes not yet consumed
    std::shared_ptr<const void> owner;
    const Resource* payload = nullptr; // shared only: the payload whose body these bytes are
    int file = -1; // shared only: a file with the same bytes (offset applies to it too)
  };
  std::string_view region(std::size_t index) const;

  std::string owned_;
  std::vector<Segment> segments_;
  std::size_t head_ = 0;      // first segment with unconsumed bytes
  std::size_t unchecked_ = 0; // first segment attach_files() has not seen
  std::size_t size_ = 0;
};

} // namespace hcbench
