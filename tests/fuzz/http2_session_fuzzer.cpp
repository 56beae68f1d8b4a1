// libFuzzer target over the HTTP/2 server session: any bytes, fed in fuzzer-chosen pieces,
// with the output drained or left to pile up, must never crash the session, never let its
// output grow past its bound, and what it writes must always start with its SETTINGS frame.
//
// The first byte chooses: bit 0, prefix the client preface (so the fuzzer starts past it);
// bit 1, drain the output between pieces (a reading client); bit 2, begin a graceful drain
// halfway; bits 4-7, the piece size in 16-byte units (0: all at once).
#include "hcbench/server/http2_session.h"

#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

const std::string date = "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n";
// The loop's clock as the session reads it: 7 ms pass per piece, so held /delay responses
// come due (and are released) in the middle of the input.
std::uint64_t clock_ms = 1000;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static hcbench::PayloadCache payloads(1 << 20);
  static hcbench::WorkerCounters counters;
  static hcbench::SessionConfig config = [] {
    hcbench::SessionConfig c;
    c.max_length = 1 << 18; // keep generated payloads small
    c.max_body_bytes = 4096;
    c.max_streams = 16;
    return c;
  }();
  static hcbench::SessionServices services = [] {
    hcbench::SessionServices s;
    s.payloads = &payloads;
    s.counters = &counters;
    s.date_line = &date;
    s.stats_json = [] { return std::string("{}\n"); };
    s.now_ms = [] { return clock_ms; };
    return s;
  }();
  if (size == 0) return 0;
  clock_ms = 1000;
  const std::uint8_t mode = data[0];
  std::string input;
  if (mode & 1) input.assign(NGHTTP2_CLIENT_MAGIC, NGHTTP2_CLIENT_MAGIC_LEN);
  input.append(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t piece = (mode >> 4) == 0 ? input.size() + 1 : (mode >> 4) * 16u;

  hcbench::Http2Session session(config, services);
  hcbench::OutputQueue out;
  std::string written;
  auto drain = [&] {
    out.for_each([&](std::string_view bytes) { written += bytes; });
    out.clear();
  };
  using Status = hcbench::Http2Session::Status;
  Status status = Status::open;
  for (std::size_t at = 0; at < input.size() && status == Status::open; at += piece) {
    const std::string_view bytes = std::string_view(input).substr(at, piece);
    clock_ms += 7; // held /delay responses come due as the pieces arrive
    status = session.feed({bytes.data(), bytes.size()}, out);
    if (out.size() > hcbench::Http2Session::output_high_water + 32768) __builtin_trap();
    if (mode & 2) {
      drain();
      if (status == Status::open && session.wants_write()) status = session.produce(out);
    }
    if ((mode & 4) && status == Status::open && at >= input.size() / 2) {
      status = session.begin_drain(out);
    }
  }
  drain();
  // The server's first frame is always its SETTINGS (type 4 on stream 0).
  if (!written.empty() && (written.size() < 9 || written[3] != 4)) __builtin_trap();
  return 0;
}
