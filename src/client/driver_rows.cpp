// The rows run by external drivers: the Python clients of the original's `full` matrix in
// its order and with its labels, then httpx and aiohttp, then the Node.js and Java clients,
// then the compiled Go and Rust drivers. Each row says how its driver runs N requests at
// once, or runs one at a time only.
#include "hcbench/client/driver_rows.h"

#include "hcbench/client/driver_runner.h"
#include "hcbench/shared/data_dir.h"

#include "hcbench_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
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

// Java's runtime, named by absolute path like the interpreters: Debian's OpenJDK 17 (meson
// builds the driver's jar with its javac), not whatever `java` is first on PATH.
DriverProgram java_program(const CellSpec&) {
  const std::string java = std::string(HCBENCH_JAVA_HOME) + "/bin/java";
  const auto jar = data_file("drivers/java/hcbench-driver.jar").string();
  const auto counter = data_file("drivers/java/libhcbench_connect_counter.so").string();
  DriverProgram program{{java, "-Dhcbench.connect_counter=" + counter, "-jar", jar},
                        // Preloaded so that its connect() counts every TCP connection the
                        // JVM opens (drivers/java/native/connect_counter.c).
                        {"LD_PRELOAD=" + counter}};
  std::error_code ignored;
  if (!std::filesystem::exists(java, ignored)) {
    program.skipped = java + " is not installed (Debian package openjdk-17-jdk-headless)";
  } else if (!std::filesystem::exists(jar, ignored) || !std::filesystem::exists(counter, ignored)) {
    program.skipped = "the Java driver is not built: meson builds it when openjdk-17-jdk-headless "
                      "is installed (tools/setup.sh, then meson setup --reconfigure)";
  }
  return program;
}

// A compiled driver is a program meson built beside hcbench; when its toolchain was missing
// it was not built, and its rows are skipped with what to install.
DriverProgram compiled_program(std::string_view relative, std::string_view needs) {
  const auto path = built_file(relative);
  DriverProgram program{{path.string()}, {}};
  std::error_code ignored;
  if (!std::filesystem::exists(path, ignored)) {
    program.skipped = fmt::format(
        "{} was not built: it needs {} when meson configures hcbench (tools/setup.sh installs "
        "them; then meson setup --reconfigure and meson compile)",
        path.string(), needs);
  }
  return program;
}

// Warm-up floors for the JIT runtimes (ClientRow::min_warmup; docs/drivers.md, "Warm-up"):
// enough requests that the measured window starts after the request path is compiled.
constexpr std::uint64_t node_min_warmup = 2000;
constexpr std::uint64_t java_min_warmup = 5000;

DriverProgram go_program(const CellSpec&) {
  return compiled_program("drivers/go/hcbench-go-driver",
                          "Go 1.19 and fasthttp (golang-go, golang-github-valyala-fasthttp-dev)");
}

DriverProgram rust_program(const CellSpec&) {
  return compiled_program("drivers/rust/hcbench-rust-driver",
                          "Debian's cargo, rustc and librust-*-dev crates");
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
  std::uint64_t min_warmup = 0; // ClientRow::min_warmup
  // The HTTP versions the client speaks (ClientRow::http_versions; docs/drivers.md, "HTTP
  // versions"); its driver must run HTTP/2 when asked, or fail, and say so in its report.
  std::array<std::string_view, 2> http_versions = {"1.1", ""};
  std::string_view http2_concurrency_model = {}; // ClientRow::http2_concurrency_model
};

constexpr std::string_view save_body = "Reuse handle, save response to new cStringIO buffer";
// The Python driver's concurrency models shared by several rows (docs/drivers.md, 8).
constexpr std::string_view curl_multi = "CurlMulti with N handles";
constexpr std::string_view async_tasks = "N tasks on one event loop";
// The Go and Rust drivers' (docs/drivers.md, 11 and 12).
constexpr std::string_view go_shared_client = "N goroutines sharing it, MaxConnsPerHost N";
constexpr std::string_view go_http2_streams = "N goroutines sharing it, streams on one connection";
constexpr std::string_view go_fasthttp_shared =
    "N goroutines sharing the Client (MaxConnsPerHost N), a Request and Response each";
constexpr std::string_view rust_threads_client = "N threads sharing it";
constexpr std::string_view rust_threads_streams = "N threads sharing it, streams on one connection";
constexpr std::string_view rust_threads_agent = "N threads sharing it, N idle connections kept";
constexpr std::string_view rust_async = "N requests at once on one current-thread tokio runtime";
constexpr std::string_view rust_async_streams =
    "N requests at once on one current-thread tokio runtime, streams on one connection";

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
    DriverRowSpec{"python.httpx.client",
                  "python",
                  "httpx.client",
                  "httpx",
                  true,
                  "Client",
                  python_program,
                  "N threads sharing it",
                  0,
                  {"1.1", "2"},
                  "N threads sharing it, streams on one connection"},
    DriverRowSpec{"python.httpx.async-client",
                  "python",
                  "httpx.async-client",
                  "httpx",
                  true,
                  "AsyncClient",
                  python_program,
                  async_tasks,
                  0,
                  {"1.1", "2"},
                  "N tasks on one event loop, streams on one connection"},
    DriverRowSpec{"python.aiohttp.session", "python", "aiohttp.session", "aiohttp", true,
                  "One ClientSession", python_program, async_tasks},
    // Node.js: the built-ins and the npm libraries (drivers/node/package-lock.json). At
    // concurrency N every row has N requests in flight on its one event loop, with the
    // client's connection limit per origin set to N.
    DriverRowSpec{"node.http2",
                  "node",
                  "http2",
                  "node http2",
                  true,
                  "One ClientHttp2Session",
                  node_program,
                  "N in flight",
                  node_min_warmup,
                  {"2", ""},
                  "N streams in flight on one connection"},
    DriverRowSpec{"node.fetch", "node", "fetch", "node fetch (undici)", true,
                  "Default dispatcher (no connection limit)", node_program, "N in flight",
                  node_min_warmup},
    DriverRowSpec{"node.http.keep-alive", "node", "http.keep-alive", "node http/https", true,
                  "keep-alive Agent (maxSockets N)", node_program, "N in flight", node_min_warmup},
    DriverRowSpec{"node.http.keep-alive.discard-body", "node", "http.keep-alive.discard-body",
                  "node http/https", true, "keep-alive Agent (maxSockets N), don't save body",
                  node_program, "N in flight", node_min_warmup},
    DriverRowSpec{"node.http.no-reuse", "node", "http.no-reuse", "node http/https", false,
                  "Agent without keep-alive", node_program, "N in flight", node_min_warmup},
    DriverRowSpec{"node.undici.request", "node", "undici.request", "undici", true,
                  "request(), Agent (connections N)", node_program, "N in flight", node_min_warmup},
    DriverRowSpec{"node.undici.request.discard-body", "node", "undici.request.discard-body",
                  "undici", true, "request(), Agent (connections N), don't save body", node_program,
                  "N in flight", node_min_warmup},
    DriverRowSpec{"node.undici.no-reuse", "node", "undici.no-reuse", "undici", false,
                  "request() with reset: true", node_program, "N in flight", node_min_warmup},
    DriverRowSpec{"node.undici.fetch", "node", "undici.fetch", "undici", true,
                  "fetch(), Agent (connections N)", node_program, "N in flight", node_min_warmup},
    DriverRowSpec{"node.axios", "node", "axios", "axios", true,
                  "Instance, keep-alive Agent (maxSockets N)", node_program, "N in flight",
                  node_min_warmup},
    DriverRowSpec{"node.axios.no-reuse", "node", "axios.no-reuse", "axios", false,
                  "Instance, Agent without keep-alive", node_program, "N in flight",
                  node_min_warmup},
    DriverRowSpec{"node.got", "node", "got", "got", true,
                  "Instance, keep-alive Agent (maxSockets N)", node_program, "N in flight",
                  node_min_warmup},
    DriverRowSpec{"node.got.no-reuse", "node", "got.no-reuse", "got", false,
                  "Instance, Agent without keep-alive", node_program, "N in flight",
                  node_min_warmup},
    DriverRowSpec{"node.node-fetch", "node", "node-fetch", "node-fetch", true,
                  "keep-alive Agent (maxSockets N)", node_program, "N in flight", node_min_warmup},
    DriverRowSpec{"node.node-fetch.no-reuse", "node", "node-fetch.no-reuse", "node-fetch", false,
                  "Agent without keep-alive", node_program, "N in flight", node_min_warmup},
    // Java: the JDK's two clients, OkHttp and Apache HttpClient 5 (drivers/java/). At
    // concurrency N, java.net.http has N sendAsync() requests in flight; the others run N
    // threads of blocking requests.
    DriverRowSpec{"java.httpclient", "java", "httpclient", "java.net.http", true,
                  "Reuse client, save body", java_program, "sendAsync N in flight",
                  java_min_warmup},
    DriverRowSpec{"java.httpclient.discard-body", "java", "httpclient.discard-body",
                  "java.net.http", true, "Reuse client, don't save body", java_program,
                  "sendAsync N in flight", java_min_warmup},
    DriverRowSpec{"java.httpclient.no-reuse", "java", "httpclient.no-reuse", "java.net.http", false,
                  "Connection: close, save body", java_program, "sendAsync N in flight",
                  java_min_warmup},
    DriverRowSpec{"java.urlconnection", "java", "urlconnection", "HttpURLConnection", true,
                  "http.keepAlive, save body", java_program, "N threads", java_min_warmup},
    DriverRowSpec{"java.urlconnection.no-reuse", "java", "urlconnection.no-reuse",
                  "HttpURLConnection", false, "http.keepAlive=false, save body", java_program,
                  "N threads", java_min_warmup},
    DriverRowSpec{"java.okhttp", "java", "okhttp", "OkHttp", true, "Reuse client, save body",
                  java_program, "N threads", java_min_warmup},
    DriverRowSpec{"java.okhttp.discard-body", "java", "okhttp.discard-body", "OkHttp", true,
                  "Reuse client, don't save body", java_program, "N threads", java_min_warmup},
    DriverRowSpec{"java.okhttp.no-reuse", "java", "okhttp.no-reuse", "OkHttp", false,
                  "ConnectionPool without idle connections, save body", java_program, "N threads",
                  java_min_warmup},
    DriverRowSpec{"java.apache", "java", "apache", "Apache HttpClient 5", true,
                  "Pooling manager (N per route), save body", java_program, "N threads",
                  java_min_warmup},
    DriverRowSpec{"java.apache.discard-body", "java", "apache.discard-body", "Apache HttpClient 5",
                  true, "Pooling manager (N per route), don't save body", java_program, "N threads",
                  java_min_warmup},
    DriverRowSpec{"java.apache.no-reuse", "java", "apache.no-reuse", "Apache HttpClient 5", false,
                  "Reuse strategy never, save body", java_program, "N threads", java_min_warmup},
    // Go (drivers/go): net/http's Client and fasthttp. At concurrency N, N goroutines share
    // the row's client; the keep-alive net/http rows also speak HTTP/2 (h2 by ALPN over
    // https, h2c with prior knowledge over http): N streams on one connection.
    DriverRowSpec{"go.net-http.keep-alive.save-body",
                  "go",
                  "net-http.keep-alive.save-body",
                  "go net/http",
                  true,
                  "Reuse Client (keep-alive Transport), save body",
                  go_program,
                  go_shared_client,
                  0,
                  {"1.1", "2"},
                  go_http2_streams},
    DriverRowSpec{"go.net-http.keep-alive.discard-body",
                  "go",
                  "net-http.keep-alive.discard-body",
                  "go net/http",
                  true,
                  "Reuse Client (keep-alive Transport), don't save body",
                  go_program,
                  go_shared_client,
                  0,
                  {"1.1", "2"},
                  go_http2_streams},
    DriverRowSpec{"go.net-http.no-keep-alive.save-body", "go", "net-http.no-keep-alive.save-body",
                  "go net/http", false, "Reuse Client, DisableKeepAlives, save body", go_program,
                  "N goroutines, one Client"},
    DriverRowSpec{"go.net-http.new-transport.save-body", "go", "net-http.new-transport.save-body",
                  "go net/http", false, "New Client and Transport per request, save body",
                  go_program, "N goroutines"},
    DriverRowSpec{"go.fasthttp.reuse-response", "go", "fasthttp.reuse-response", "fasthttp", true,
                  "Reuse Client and Response, body in its reused buffer", go_program,
                  go_fasthttp_shared},
    DriverRowSpec{"go.fasthttp.save-body", "go", "fasthttp.save-body", "fasthttp", true,
                  "Reuse Client, save body to new buffer", go_program, go_fasthttp_shared},
    DriverRowSpec{"go.fasthttp.connection-close", "go", "fasthttp.connection-close", "fasthttp",
                  false, "Reuse Client, Connection: close, save body to new buffer", go_program,
                  "N goroutines, one Client"},
    DriverRowSpec{"go.fasthttp.new-client", "go", "fasthttp.new-client", "fasthttp", false,
                  "New Client per request, save body to new buffer", go_program, "N goroutines"},
    // Rust (drivers/rust): reqwest (blocking and async), ureq, hyper's client. At concurrency
    // N the blocking clients run N threads sharing the client, the async ones N requests at
    // once on one current-thread tokio runtime; reqwest and hyper's keep-alive rows also
    // speak HTTP/2 (ureq has no HTTP/2).
    DriverRowSpec{"rust.reqwest.blocking.keep-alive.save-body",
                  "rust",
                  "reqwest.blocking.keep-alive.save-body",
                  "reqwest blocking",
                  true,
                  "Reuse Client, save body",
                  rust_program,
                  rust_threads_client,
                  0,
                  {"1.1", "2"},
                  rust_threads_streams},
    DriverRowSpec{"rust.reqwest.blocking.keep-alive.discard-body",
                  "rust",
                  "reqwest.blocking.keep-alive.discard-body",
                  "reqwest blocking",
                  true,
                  "Reuse Client, don't save body",
                  rust_program,
                  rust_threads_client,
                  0,
                  {"1.1", "2"},
                  rust_threads_streams},
    DriverRowSpec{"rust.reqwest.blocking.no-reuse.save-body", "rust",
                  "reqwest.blocking.no-reuse.save-body", "reqwest blocking", false,
                  "Reuse Client, no idle connection kept, save body", rust_program,
                  rust_threads_client},
    DriverRowSpec{"rust.reqwest.blocking.new-client.save-body", "rust",
                  "reqwest.blocking.new-client.save-body", "reqwest blocking", false,
                  "New Client per request, save body", rust_program, "N threads"},
    DriverRowSpec{"rust.reqwest.async.keep-alive.save-body",
                  "rust",
                  "reqwest.async.keep-alive.save-body",
                  "reqwest async",
                  true,
                  "Reuse Client, save body",
                  rust_program,
                  rust_async,
                  0,
                  {"1.1", "2"},
                  rust_async_streams},
    DriverRowSpec{"rust.reqwest.async.keep-alive.discard-body",
                  "rust",
                  "reqwest.async.keep-alive.discard-body",
                  "reqwest async",
                  true,
                  "Reuse Client, don't save body",
                  rust_program,
                  rust_async,
                  0,
                  {"1.1", "2"},
                  rust_async_streams},
    DriverRowSpec{"rust.reqwest.async.no-reuse.save-body", "rust",
                  "reqwest.async.no-reuse.save-body", "reqwest async", false,
                  "Reuse Client, no idle connection kept, save body", rust_program, rust_async},
    DriverRowSpec{"rust.reqwest.async.new-client.save-body", "rust",
                  "reqwest.async.new-client.save-body", "reqwest async", false,
                  "New Client per request, save body", rust_program, rust_async},
    DriverRowSpec{"rust.ureq.keep-alive.save-body", "rust", "ureq.keep-alive.save-body", "ureq",
                  true, "Reuse Agent, save body", rust_program, rust_threads_agent},
    DriverRowSpec{"rust.ureq.keep-alive.discard-body", "rust", "ureq.keep-alive.discard-body",
                  "ureq", true, "Reuse Agent, don't save body", rust_program, rust_threads_agent},
    DriverRowSpec{"rust.ureq.no-reuse.save-body", "rust", "ureq.no-reuse.save-body", "ureq", false,
                  "Reuse Agent, no idle connection kept, save body", rust_program,
                  "N threads sharing it"},
    DriverRowSpec{"rust.ureq.new-client.save-body", "rust", "ureq.new-client.save-body", "ureq",
                  false, "New Agent per request, save body", rust_program, "N threads"},
    DriverRowSpec{"rust.hyper.keep-alive.save-body",
                  "rust",
                  "hyper.keep-alive.save-body",
                  "hyper",
                  true,
                  "Reuse Client, save body",
                  rust_program,
                  rust_async,
                  0,
                  {"1.1", "2"},
                  rust_async_streams},
    DriverRowSpec{"rust.hyper.keep-alive.discard-body",
                  "rust",
                  "hyper.keep-alive.discard-body",
                  "hyper",
                  true,
                  "Reuse Client, don't save body",
                  rust_program,
                  rust_async,
                  0,
                  {"1.1", "2"},
                  rust_async_streams},
    DriverRowSpec{"rust.hyper.no-reuse.save-body", "rust", "hyper.no-reuse.save-body", "hyper",
                  false, "Reuse Client, no idle connection kept, save body", rust_program,
                  rust_async},
    DriverRowSpec{"rust.hyper.new-client.save-body", "rust", "hyper.new-client.save-body", "hyper",
                  false, "New Client per request, save body", rust_program, rust_async},
};

// The rows whose driver has an open-loop mode (ClientRow::supports_rate; docs/drivers.md,
// "Open loop"): requests start on the schedule of `rate`, timed from their due times. The
// Python rows on an event loop (a thread wakes the loop at each due time, a semaphore of N
// connections) or on a CurlMulti (a handle added when due and one is free), and every Node.js
// row, since they share one loop (a worker thread wakes the event loop at each due time).
// The rows that run N threads of blocking requests have none: a thread starts a request only
// when its last one ends.
constexpr std::array open_loop_groups{std::string_view("node")};
constexpr std::array open_loop_rows{
    std::string_view("python.aiohttp.session"),
    std::string_view("python.httpx.async-client"),
    std::string_view("python.pycurl.reuse-handle.discard-body"),
    std::string_view("python.pycurl.reuse-handle.save-body"),
    std::string_view("python.pycurl.forbid-reuse.save-body"),
    std::string_view("python.pycurl.new-handle.save-body"),
};

bool has_open_loop(const DriverRowSpec& spec) {
  return std::find(open_loop_groups.begin(), open_loop_groups.end(), spec.group) !=
             open_loop_groups.end() ||
         std::find(open_loop_rows.begin(), open_loop_rows.end(), spec.id) != open_loop_rows.end();
}

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
    row.min_warmup = spec.min_warmup;
    row.http_versions.clear();
    for (const auto version : spec.http_versions) {
      if (!version.empty()) row.http_versions.emplace_back(version);
    }
    row.http2_concurrency_model = spec.http2_concurrency_model;
    row.supports_rate = has_open_loop(spec);
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
