// The rows run by external drivers: the Python clients of the original's `full` matrix in
// its order and with its labels, then httpx and aiohttp, then the Node.js clients. Each row
// says how its driver runs N requests at once, or runs one at a time only.
#include "hcbench/client/driver_rows.h"

#include "hcbench/client/driver_runner.h"
#include "hcbench/shared/data_dir.h"

#include <array>
#include <string_view>

namespace hcbench {
namespace {

// Debian's interpreters by absolute path: a pyenv or nvm interpreter first on PATH would
// have other library versions, or none of the client libraries at all.
constexpr std::string_view python_interpreter = "/usr/bin/python3";
constexpr std::string_view node_interpreter = "/usr/bin/node";

DriverProgram python_program(const CellSpec&) {
  // -I: isolated (no PYTHON* variables, no user site-packages); -B: no .pyc files written.
  return {{std::string(python_interpreter), "-I", "-B",
           data_file("drivers/python/hcbench_driver.py").string()},
          {}};
}

DriverProgram node_program(const CellSpec& spec) {
  DriverProgram program{
      {std::string(node_interpreter), data_file("drivers/node/hcbench_driver.mjs").string()}, {}};
  // fetch() takes no CA option; Node reads extra trusted CAs from this variable at start-up.
  if (!spec.insecure && !spec.cacert.empty()) {
    program.extra_env.push_back("NODE_EXTRA_CA_CERTS=" + spec.cacert);
  }
  return program;
}

struct DriverRowSpec {
  std::string_view id;
  std::string_view group;
  std::string_view client; // the name the driver knows the client by
  std::string_view library;
  bool reuse_connections;
  std::string_view options;
  DriverProgram (*program)(const CellSpec&);
  // How the driver runs N requests at once (ClientRow::concurrency_model); empty when the
  // row runs one request at a time only, which makes its cells above 1 not applicable.
  std::string_view concurrency_model = {};
};

constexpr std::string_view save_body = "Reuse handle, save response to new cStringIO buffer";
// The Python driver's concurrency models shared by several rows (docs/drivers.md, 8).
constexpr std::string_view curl_multi = "CurlMulti with N handles";
constexpr std::string_view async_tasks = "N tasks on one event loop";

constexpr std::array driver_row_specs{
    // The original's `full` matrix, rows 1 to 8.
    DriverRowSpec{"python.requests.no-reuse", "python", "requests.no-reuse", "requests", false,
                  "Default", python_program, "N threads, requests.get() in each"},
    DriverRowSpec{"python.requests.session", "python", "requests.session", "requests", true,
                  "Default", python_program, "N threads, one Session each"},
    DriverRowSpec{"python.pycurl.reuse-handle.discard-body", "python",
                  "pycurl.reuse-handle.discard-body", "pycurl", true,
                  "Reuse handle, don't save body", python_program, curl_multi},
    DriverRowSpec{"python.pycurl.reuse-handle.save-body", "python", "pycurl.reuse-handle.save-body",
                  "pycurl", true, save_body, python_program, curl_multi},
    DriverRowSpec{"python.pycurl.forbid-reuse.save-body", "python", "pycurl.forbid-reuse.save-body",
                  "pycurl", false, save_body, python_program, curl_multi},
    DriverRowSpec{"python.pycurl.new-handle.save-body", "python", "pycurl.new-handle.save-body",
                  "pycurl", false, "New handle, save response to new cStringIO buffer",
                  python_program, "CurlMulti, N new handles at a time, FORBID_REUSE"},
    DriverRowSpec{"python.urllib3.pool", "python", "urllib3.pool", "urllib3", true, "Default",
                  python_program, "N threads sharing one PoolManager(maxsize=N)"},
    DriverRowSpec{"python.urllib", "python", "urllib", "urllib", false, "Default", python_program,
                  "N threads, one opener each"},
    // Newer Python clients.
    DriverRowSpec{"python.httpx.client", "python", "httpx.client", "httpx", true, "Client",
                  python_program, "N threads sharing it"},
    DriverRowSpec{"python.httpx.async-client", "python", "httpx.async-client", "httpx", true,
                  "AsyncClient", python_program, async_tasks},
    DriverRowSpec{"python.aiohttp.session", "python", "aiohttp.session", "aiohttp", true,
                  "One ClientSession", python_program, async_tasks},
    // Node.js: the same protocol from another language.
    DriverRowSpec{"node.fetch", "node", "fetch", "node fetch (undici)", true, "Default",
                  node_program},
    DriverRowSpec{"node.http.keep-alive", "node", "http.keep-alive", "node http/https", true,
                  "keep-alive Agent", node_program},
    DriverRowSpec{"node.http.no-reuse", "node", "http.no-reuse", "node http/https", false,
                  "Agent without keep-alive", node_program},
};

} // namespace

std::vector<ClientRow> driver_rows() {
  std::vector<ClientRow> rows;
  rows.reserve(driver_row_specs.size());
  for (const auto& spec : driver_row_specs) {
    ClientRow row;
    row.id = spec.id;
    row.group = spec.group;
    row.library = spec.library;
    row.reuse_connections = spec.reuse_connections;
    row.options = spec.options;
    row.supports_concurrency = !spec.concurrency_model.empty();
    row.concurrency_model = spec.concurrency_model;
    row.run = [client = std::string(spec.client), program = spec.program](const CellSpec& cell) {
      return run_driver(program(cell), client, cell);
    };
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> original_full_row_ids() {
  std::vector<std::string> ids;
  for (const auto& spec : driver_row_specs) {
    if (spec.group == "python" && ids.size() < 8) ids.emplace_back(spec.id);
  }
  return ids;
}

std::vector<std::string> original_size_row_ids() {
  return {"python.requests.no-reuse", "python.pycurl.forbid-reuse.save-body",
          "python.requests.session", "python.pycurl.reuse-handle.save-body"};
}

std::vector<std::string> default_clients(std::string_view benchmark_type) {
  if (benchmark_type == "size") {
    auto ids = original_size_row_ids();
    for (const char* id : {"curl.forbid-reuse.save-body", "curl.reuse-handle.save-body", "floor"}) {
      ids.emplace_back(id);
    }
    return ids;
  }
  auto ids = original_full_row_ids();
  ids.emplace_back("native");
  ids.emplace_back("floor");
  return ids;
}

} // namespace hcbench
