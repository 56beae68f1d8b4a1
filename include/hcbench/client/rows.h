// A client row of the matrix: one client library in one configuration. The matrix crosses
// rows with protocols, endpoints/sizes and concurrency; each crossing is a cell run by the
// row's runner. Native libcurl rows, the raw-socket floor and external drivers (Python,
// Node.js) are all rows of this one shape, selected with --clients by id or group.
#pragma once

#include "hcbench/client/cell.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hcbench {

struct ClientRow {
  std::string id;      // unique and selectable: "curl.reuse-handle.discard-body"
  std::string group;   // "native", "floor", "python", "node"
  std::string library; // as the original's table names it: "pycurl", "requests", "libcurl"
  bool reuse_connections = true;
  std::string options; // the original's options label: "Reuse handle, don't save body"
  bool supports_concurrency = false; // can run CellSpec::concurrency > 1
  // How the row runs N requests at once, added to its options at concurrency > 1 so a cell's
  // label says it ("one Session per thread"); empty when the options already say it.
  std::string concurrency_model;
  // The least warm-up a cell of this row gets, whatever --warmup says: a JIT runtime (Java,
  // Node.js) compiles its request path during the first requests, which the measured
  // window must not include.
  std::uint64_t min_warmup = 0;
  // The HTTP versions the row speaks ("1.1", "2"); its cells of another version are not
  // applicable. A row that lists "2" must run CellSpec::http_version "2" over HTTP/2 or
  // fail the request, never fall back to HTTP/1.1.
  std::vector<std::string> http_versions = {"1.1"};
  // How the row runs N requests at once over HTTP/2 ("N streams on one connection");
  // empty: `concurrency_model`.
  std::string http2_concurrency_model;
  // Why this row cannot run a cell of this protocol ("http", "https"), HTTP version and
  // concurrency beyond what the fields above say (a library's known bug); "" when it can.
  std::function<std::string(std::string_view protocol, std::string_view http_version,
                            unsigned concurrency)>
      not_applicable;
  std::function<CellMeasurement(const CellSpec&)> run;

  bool speaks(std::string_view http_version) const;
  // The options label of a cell at this concurrency and HTTP version: `options`, ", HTTP/2"
  // over HTTP/2, then the concurrency model above 1 (the original's sequential HTTP/1.1
  // labels stay as they were).
  std::string options_at(unsigned concurrency, std::string_view http_version = "1.1") const;
  // "pycurl, reuse cnxns: True,  options: Reuse handle, don't save body" (the original's
  // "Request Type" column), with the options at this concurrency and HTTP version.
  std::string display_name(unsigned concurrency = 1, std::string_view http_version = "1.1") const;
};

} // namespace hcbench
