// libFuzzer target over the HTTP/1 server session (cpp-httplib's server_fuzzer.cc): any bytes,
// split at a fuzzer-chosen point, must never crash the session, and what it writes must always
// be whole responses.
#include "hcbench/server/http1_session.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

const std::string date = "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static hcbench::PayloadCache payloads(1 << 20);
  static hcbench::WorkerCounters counters;
  static hcbench::SessionConfig config = [] {
    hcbench::SessionConfig c;
    c.max_length = 1 << 16; // keep generated payloads small
    c.max_body_bytes = 4096;
    return c;
  }();
  static hcbench::SessionServices services = [] {
    hcbench::SessionServices s;
    s.payloads = &payloads;
    s.counters = &counters;
    s.date_line = &date;
    s.stats_json = [] { return std::string("{}\n"); };
    s.now_ms = [] { return std::uint64_t{1000}; }; // /delay responses stay held
    return s;
  }();
  if (size == 0) return 0;
  const std::size_t split = data[0] % size;
  const char* bytes = reinterpret_cast<const char*>(data) + 1;
  const std::size_t length = size - 1;
  hcbench::Http1Session session(config, services);
  hcbench::OutputQueue out;
  const std::size_t first = split < length ? split : length;
  if (session.feed({bytes, first}, out) == hcbench::Http1Session::Status::open) {
    session.feed({bytes + first, length - first}, out);
  }
  // Whatever a /delay held back is due later: release it, as the connection's timer would.
  while (session.wake_at_ms() != 0) {
    services.now_ms = [&session] { return session.wake_at_ms(); };
    session.produce(out, 1 << 16);
  }
  services.now_ms = [] { return std::uint64_t{1000}; };
  std::string written;
  out.for_each([&](std::string_view piece) { written += piece; });
  if (!written.empty() && !written.starts_with("HTTP/1.1 ")) __builtin_trap();
  return 0;
}
