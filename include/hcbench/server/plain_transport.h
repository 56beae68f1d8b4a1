// Plain TCP: the protocol's bytes are the socket's bytes. The one decision it makes is how a
// large payload body leaves: from its sealed memory file by sendfile() (PayloadFiles), so the
// kernel takes the file's pages instead of copying the body from our memory.
//
// It keeps no per-connection state, so each worker has one, shared by all its plain
// connections: a plain connection allocates nothing for its transport.
#pragma once

#include "hcbench/server/payload_files.h"
#include "hcbench/server/transport.h"

namespace hcbench {

class PlainTransport final : public Transport {
public:
  explicit PlainTransport(PayloadFiles& files) : files_(files) {}

  Input receive(std::span<const char> bytes) override { return {IoStatus::ok, bytes}; }
  OutputQueue& output_for(OutputQueue& wire) override { return wire; }
  // Gives every large payload body in `wire` its file (PayloadFiles::min_body_bytes and up).
  IoStatus seal(OutputQueue& wire) override;
  std::size_t staged_bytes() const override { return 0; }
  void end_output() override {}
  bool establishing() const override { return false; }
  std::string_view alpn_protocol() const override { return {}; }

private:
  PayloadFiles& files_;
};

} // namespace hcbench
