#include "hcbench/server/payload_files.h"

#include <cstdlib>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace hcbench {
namespace {

bool write_all(int fd, std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// An unlinked page-cache file with `bytes`, opened read-only: nothing can change or truncate
// it, so pages the kernel is still sending stay exactly what was served. A file on a disk's
// file system, as nginx serves, rather than a memfd: sendfile() from the page cache costs the
// server 13% less CPU per /length/131072 response and 26% less per /length/1048576 than from
// shmem (docs/performance.md). Flushed once when made, so no writeback runs in a measured
// window later. -1 when the directory has no O_TMPFILE.
int page_cache_file(const char* directory, std::string_view bytes) {
  const int writer = ::open(directory, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (writer < 0) return -1;
  int reader = -1;
  if (write_all(writer, bytes) && ::fdatasync(writer) == 0) {
    const std::string self = "/proc/self/fd/" + std::to_string(writer);
    reader = ::open(self.c_str(), O_RDONLY | O_CLOEXEC);
  }
  ::close(writer);
  return reader;
}

// A sealed memfd with `bytes`: for a machine whose temporary directory cannot hold one.
int sealed_memory_file(std::string_view bytes) {
  const int fd = ::memfd_create("hcbench-payload", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return -1;
  if (!write_all(fd, bytes) ||
      ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// $TMPDIR, as for any temporary file, else /var/tmp (on a disk; /tmp may be a tmpfs).
const char* temporary_directory() {
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/var/tmp";
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
  int fd = page_cache_file(temporary_directory(), resource->body);
  if (fd < 0) fd = sealed_memory_file(resource->body);
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
