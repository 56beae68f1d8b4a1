// Large response bodies as read-only files, so that plain HTTP connections can send them with
// sendfile(): the kernel then takes the pages of the file instead of copying the body from our
// memory into the socket (that copy was half of the server's CPU for /length/1M). nginx
// serves its files the same way. Each is an unlinked temporary file in $TMPDIR (default
// /var/tmp), in the page cache, or a sealed memfd where that cannot be made. One set per
// worker thread, so no lock.
#pragma once

#include "hcbench/shared/payload.h"

#include <cstddef>
#include <memory>
#include <unordered_map>

namespace hcbench {

class PayloadFiles {
public:
  // Smaller bodies are written from memory, in the same writev as their headers: cheaper
  // than a second system call.
  static constexpr std::size_t min_body_bytes = 32 * 1024;

  PayloadFiles() = default;
  ~PayloadFiles();
  PayloadFiles(const PayloadFiles&) = delete;
  PayloadFiles& operator=(const PayloadFiles&) = delete;

  // The file holding the body of `resource`, created on first use; -1 for a small body or
  // when no file could be made (the body is then written from memory, as before).
  int file_for(const std::shared_ptr<const Resource>& resource);
  // Closes the files of resources nobody holds any more (evicted from the payload cache).
  void forget_released();

private:
  struct Entry {
    std::weak_ptr<const Resource> resource; // expired: the address may be reused
    int fd = -1;
  };
  std::unordered_map<const Resource*, Entry> files_;
};

} // namespace hcbench
