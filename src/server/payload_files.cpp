#include "hcbench/server/payload_files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace hcbench {
namespace {

// A sealed memfd with `bytes`: nothing can change or truncate it, so pages the kernel is
// still sending stay exactly what was served. -1 on failure.
int sealed_file(std::string_view bytes) {
  const int fd = ::memfd_create("hcbench-payload", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return -1;
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      return -1;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

} // namespace

PayloadFiles::~PayloadFiles() {
  for (const auto& [resource, entry] : files_) ::close(entry.fd);
}

int PayloadFiles::file_for(const std::shared_ptr<const Resource>& resource) {
  if (resource->body.size() < min_body_bytes) return -1;
  if (auto found = files_.find(resource.get()); found != files_.end()) {
    if (!found->second.resource.expired()) return found->second.fd;
    ::close(found->second.fd); // an earlier resource at the same address
    files_.erase(found);
  }
  const int fd = sealed_file(resource->body);
  if (fd >= 0) files_.emplace(resource.get(), Entry{resource, fd});
  return fd;
}

void PayloadFiles::forget_released() {
  std::erase_if(files_, [](const auto& item) {
    if (!item.second.resource.expired()) return false;
    ::close(item.second.fd);
    return true;
  });
}

} // namespace hcbench
