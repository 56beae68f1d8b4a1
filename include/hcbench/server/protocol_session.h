// The protocol a connection hosts (HTTP/1 today, HTTP/2 next): bytes in, output appended to a
// queue, never a socket. The connection chooses one per connection (by the transport's ALPN,
// or by the first bytes on plain TCP), then drives it only through this interface; the
// transport below never knows which protocol it carries.
//
// Output is pushed and pulled. feed() appends the responses that the bytes complete; a
// session that holds output back (HTTP/2 flow control, or a body written frame by frame)
// says so with wants_to_write(), and the connection calls produce() each time everything
// queued has gone to the socket, until it stops wanting. HTTP/1 answers every request in
// feed() and never holds output back.
#pragma once

#include "hcbench/server/output_queue.h"
#include "hcbench/server/session_services.h"
#include "hcbench/server/stats.h"
#include "hcbench/shared/payload.h"

#include <cstddef>
#include <functional>
#include <span>
#include <string>

namespace hcbench {

class ProtocolSession {
public:
  enum class Status {
    open,  // keep reading
    close, // write what was produced, then close the connection; later bytes are ignored
  };

  virtual ~ProtocolSession() = default;

  // Parses bytes from the peer, appending to `out` every response (or frame) they complete.
  virtual Status feed(std::span<const char> bytes, OutputQueue& out) = 0;

  // The session holds output back that it will give to produce() (see the top of this file).
  virtual bool wants_to_write() const = 0;
  // Called when everything queued has been written and wants_to_write() is true: appends the
  // next output to `out` (about `budget` bytes or more; a session may stop earlier). A session
  // that appends nothing must stop wanting to write.
  virtual Status produce(OutputQueue& out, std::size_t budget) = 0;

  // Inside a request's head (its first byte arrived, its headers are not complete): the header
  // timeout applies.
  virtual bool reading_head() const = 0;
  // Nothing is in progress: no request partly received or unanswered. A draining server
  // closes an idle connection at once.
  virtual bool idle() const = 0;
  // The client asked to close and sent nothing after its last request: once the output is
  // written, the connection closes at once, without lingering for unread input.
  virtual bool client_ended_cleanly() const = 0;

  // The header timeout expired while reading_head(): append what the protocol says then
  // (HTTP/1: 408); the session is closing afterwards.
  virtual void time_out(OutputQueue& out) = 0;

  // The server is stopping: accept no new requests, finish those in progress. HTTP/1 has
  // nothing to send (the connection closes once idle); HTTP/2 sends GOAWAY here.
  virtual Status begin_drain(OutputQueue& out) = 0;
};

} // namespace hcbench
