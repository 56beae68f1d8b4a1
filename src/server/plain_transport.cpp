#include "hcbench/server/plain_transport.h"

namespace hcbench {

IoStatus PlainTransport::seal(OutputQueue& wire) {
  // Only bodies appended since the last call are looked up; a body without a file (small, or
  // no file could be made) is written from memory, as TLS writes every body.
  wire.attach_files([this](const std::shared_ptr<const Resource>& resource) {
    return files_.file_for(resource);
  });
  return IoStatus::ok;
}

} // namespace hcbench
