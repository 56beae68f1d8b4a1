// `hcbench run`: options only; src/client/run_session.cpp does the run. Each option group
// has its reader below; every reader fills RunOptions directly and throws OptionError.
#include "hcbench/cli/run_command.h"

#include "hcbench/cli/commands.h"
#include "hcbench/cli/options.h"
#include "hcbench/cli/serve_command.h"
#include "hcbench/client/driver_rows.h"
#include "hcbench/client/matrix.h"
#include "hcbench/client/measured_window.h"
#include "hcbench/client/run_session.h"
#include "hcbench/client/sync_schedule.h"
#include "hcbench/shared/units.h"

#include <cxxopts.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>

namespace hcbench {

namespace {

constexpr const char* description =
    R"(Runs a matrix of HTTP client configurations and reports requests/s,
throughput, latency percentiles and client CPU per request, with vmstat-style CPU sampling.

Without URL it starts its own `hcbench serve` on loopback (HTTP and HTTPS, ephemeral ports)
and stops it afterwards. URL is a base like http://127.0.0.1:8080 (https://... for HTTPS);
a URL with a path (http://host:8080/length/1024) also sets the endpoint, as the original's
--url did. The default reproduces the original's loopback `full` run: every client row over
HTTP and HTTPS, /length/1024, 10000 sequential requests per cell.

Exit status: 0 all good; 3 finished but some requests failed (marked in every output);
1 the run could not start or finish; 2 bad option; 130 interrupted (results so far written).
)";

// The options in the order --help lists them. Every value is read as text and checked by
// the readers below, so an error message says which option and why in hcbench's words
// rather than cxxopts'.
void declare_options(cxxopts::Options& spec) {
  spec.add_options()("https-url", "HTTPS base URL to test (besides or instead of URL)",
                     cxxopts::value<std::string>())(
      "cycles", "measured requests per cell",
      cxxopts::value<std::string>()->default_value("10000"))(
      "warmup",
      "requests before each cell's measured window (checked, not counted; the Node.js and Java "
      "rows warm up at least 2000 and 5000 for their JIT)",
      cxxopts::value<std::string>()->default_value("0"))(
      "duration", "also end each measured window after S seconds (0: cycles only)",
      cxxopts::value<std::string>()->default_value("0"))(
      "repeat", "run the whole matrix K times in shuffled order; report median and min-max",
      cxxopts::value<std::string>()->default_value("1"))(
      "seed", "seed of the shuffled order (default: random, recorded in the JSON)",
      cxxopts::value<std::string>())(
      "clients",
      "rows to run: ids, groups (native, floor, python, node, java, go, rust) or all (default: the "
      "original's rows of the benchmark type, plus the native and floor rows)",
      cxxopts::value<std::string>())(
      "benchmark-type", "full: one endpoint; size: the original's sizes 4 B .. 128 KiB",
      cxxopts::value<std::string>()->default_value("full"))(
      "endpoints",
      "paths to request: ping, bigger, length/<size>, delay/<ms> (default: length/1024)",
      cxxopts::value<std::string>())(
      "sizes", "response sizes for /length/<n>, units allowed: 4,64k,1M (implies size type)",
      cxxopts::value<std::string>())(
      "protocols", "http, https or both (default: those of the URLs; both when embedded)",
      cxxopts::value<std::string>())(
      "concurrency",
      "transfers in flight at once, a list: 1,8,32 (>1 uses the curl multi interface)",
      cxxopts::value<std::string>()->default_value("1"))(
      "http-version",
      "HTTP versions, a list: 1.1,2 (2: ALPN h2 over HTTPS, prior knowledge h2c over HTTP)",
      cxxopts::value<std::string>()->default_value("1.1"))(
      "rate",
      "open loop: requests/s per cell on a fixed schedule, a list sweeps: 2000,5000 (latency "
      "from each request's scheduled start; concurrency is then the connections at most)",
      cxxopts::value<std::string>())("max-in-flight",
                                     "open loop: requests started and not yet answered, at most",
                                     cxxopts::value<std::string>()->default_value("1000"))(
      "pin",
      "CPU placement: client=CPUS,server=CPUS (CPUS: 0, 0-1, 0+2), or none (the scheduler's "
      "choice); default: the embedded server on the last CPU, the client on the others",
      cxxopts::value<std::string>())(
      "server-option",
      "an option of the embedded hcbench serve, one per --server-option, value joined by '=': "
      "--server-option --threads=2 --server-option --tls-engine=openssl (hcbench serve --help)",
      cxxopts::value<std::vector<std::string>>())(
      "sample-ms", "CPU sampling interval in milliseconds",
      cxxopts::value<std::string>()->default_value("100"))(
      "verify", "none (status only), length (and body length), digest (and SHA-256 of the body)",
      cxxopts::value<std::string>()->default_value("length"))(
      "timeout", "seconds before one request counts as a timeout failure",
      cxxopts::value<std::string>()->default_value("30"))(
      "json", "write the results as JSON (schema hcbench-results/1) to F",
      cxxopts::value<std::string>())(
      "csv", "write the original's CSV layout (full or size) to F; one file per URL or protocol",
      cxxopts::value<std::string>())(
      "vmstat-log", "write the CPU samples, timestamped, with the cell of each, to F",
      cxxopts::value<std::string>())("cacert",
                                     "verify the server's certificate against this CA file",
                                     cxxopts::value<std::string>())(
      "insecure",
      "do not verify the server's certificate (the default: the test certificate is self-signed)")(
      "no-progress", "no live progress line on stderr")(
      "start-at",
      "synchronized run on several hosts: cell k's measured window opens on a shared schedule "
      "from TIME (RFC 3339 like 2026-11-29T14:00:00Z, or Unix milliseconds); needs --duration",
      cxxopts::value<std::string>())("run-id", "the run's name, recorded in the JSON (for --merge)",
                                     cxxopts::value<std::string>())(
      "host-label", "this host's name, recorded in the JSON (for `hcbench report --merge`)",
      cxxopts::value<std::string>())("h,help", "show this help")(
      "urls", "", cxxopts::value<std::vector<std::string>>());
  spec.parse_positional({"urls"});
}

template <typename T> void add_once(std::vector<T>& list, const T& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

// URLs: positional ones go by scheme; --https-url adds or replaces the HTTPS one. Returns
// the path of a URL given with one ("" otherwise): it names the endpoint, as the
// original's --url did.
std::string read_urls(const cxxopts::ParseResult& args, MatrixPlan& matrix) {
  std::string url_path;
  if (args.count("urls")) {
    for (const auto& url : args["urls"].as<std::vector<std::string>>()) {
      const bool tls = url.rfind("https://", 0) == 0;
      if (!tls && url.rfind("http://", 0) != 0)
        throw OptionError(fmt::format("'{}' is not an http:// or https:// URL", url));
      const auto authority_end = url.find('/', tls ? 8 : 7);
      if (authority_end != std::string::npos && authority_end + 1 < url.size())
        url_path = url.substr(authority_end);
      (tls ? matrix.https_url : matrix.http_url) = url.substr(0, authority_end);
    }
  }
  if (args.count("https-url")) {
    const std::string url = args["https-url"].as<std::string>();
    if (url.rfind("https://", 0) != 0)
      throw OptionError(fmt::format("--https-url '{}' is not https://", url));
    matrix.https_url = url.substr(0, url.find('/', 8));
  }
  return url_path;
}

// The paths of the matrix, in order and each once: --endpoints, then --sizes or the
// original's sizes of --benchmark-type size; else the URL's path; else /length/1024.
void read_paths(const cxxopts::ParseResult& args, const std::string& url_path, RunOptions& o) {
  o.benchmark_type = args["benchmark-type"].as<std::string>();
  if (o.benchmark_type != "full" && o.benchmark_type != "size")
    throw OptionError("--benchmark-type is full or size");
  std::vector<std::string>& paths = o.matrix.paths;
  if (args.count("endpoints")) {
    for (const auto& item : split_list(args["endpoints"].as<std::string>())) {
      const auto path = normalize_path(item);
      if (!path)
        throw OptionError(
            fmt::format("unknown endpoint '{}' (ping, bigger, length/<size>, delay/<ms>)", item));
      add_once(paths, *path);
    }
  }
  std::vector<std::uint64_t> sizes;
  if (args.count("sizes")) {
    const auto parsed = parse_size_list(args["sizes"].as<std::string>());
    if (!parsed || std::count(parsed->begin(), parsed->end(), 0u))
      throw OptionError("--sizes wants sizes >= 1 like 4,512,64k,1M");
    sizes = *parsed;
    o.benchmark_type = "size";
  } else if (o.benchmark_type == "size") {
    sizes = original_sizes;
  }
  for (auto size : sizes) add_once(paths, fmt::format("/length/{}", size));
  if (!paths.empty()) return;
  if (url_path.empty()) {
    paths.push_back("/length/1024"); // the original's published loopback run
    return;
  }
  const auto path = normalize_path(url_path);
  if (!path)
    throw OptionError(
        fmt::format("the URL's path '{}' is not an endpoint of the test API", url_path));
  paths.push_back(*path);
}

// The other axes: client rows, protocols, concurrency levels, HTTP versions.
void read_axes(const cxxopts::ParseResult& args, RunOptions& o) {
  if (args.count("clients")) {
    o.clients = split_list(args["clients"].as<std::string>());
    if (o.clients.empty()) throw OptionError("--clients is empty");
  } else {
    o.clients = default_clients(o.benchmark_type);
  }

  std::vector<std::string>& protocols = o.matrix.protocols;
  if (args.count("protocols")) {
    for (const auto& p : split_list(args["protocols"].as<std::string>())) {
      if (p != "http" && p != "https")
        throw OptionError(fmt::format("unknown protocol '{}' (http, https)", p));
      add_once(protocols, p);
    }
    if (protocols.empty()) throw OptionError("--protocols is empty");
  } else if (o.embedded()) {
    protocols = {"http", "https"};
  } else {
    if (!o.matrix.http_url.empty()) protocols.push_back("http");
    if (!o.matrix.https_url.empty()) protocols.push_back("https");
  }

  std::vector<unsigned>& concurrency = o.matrix.concurrency;
  concurrency.clear();
  for (const auto& item : split_list(args["concurrency"].as<std::string>())) {
    const auto value = parse_decimal(item);
    if (!value || *value < 1 || *value > 4096)
      throw OptionError(fmt::format("--concurrency wants numbers from 1 to 4096, not '{}'", item));
    add_once(concurrency, static_cast<unsigned>(*value));
  }
  if (concurrency.empty()) throw OptionError("--concurrency is empty");

  std::vector<std::string>& versions = o.matrix.http_versions;
  versions.clear();
  for (const auto& item : split_list(args["http-version"].as<std::string>())) {
    if (item != "1.1" && item != "2")
      throw OptionError(fmt::format("unknown HTTP version '{}' (1.1, 2)", item));
    add_once(versions, item);
  }
  if (versions.empty()) throw OptionError("--http-version is empty");

  if (args.count("rate")) {
    for (const auto& item : split_list(args["rate"].as<std::string>())) {
      char* end = nullptr;
      const double rate = std::strtod(item.c_str(), &end);
      if (item.empty() || *end != '\0' || !(rate > 0) || rate > 1e7)
        throw OptionError(
            fmt::format("--rate wants requests/s above 0 (up to 10^7), not '{}'", item));
      add_once(o.matrix.rates, rate);
    }
    if (o.matrix.rates.empty()) throw OptionError("--rate is empty");
  }
}

// What every cell's client is asked: how many requests, how long, what to check, TLS.
void read_cell_options(const cxxopts::ParseResult& args, CellOptions& cell) {
  cell.cycles = count_option(args, "cycles", 1);
  cell.warmup = count_option(args, "warmup", 0);
  cell.duration_seconds = seconds_option(args, "duration", 0);
  cell.request_timeout_seconds = seconds_option(args, "timeout", 0.001);
  cell.max_in_flight = count_option(args, "max-in-flight", 1);
  const std::string verify = args["verify"].as<std::string>();
  const auto mode = parse_verify_mode(verify);
  if (!mode) throw OptionError(fmt::format("--verify is none, length or digest, not '{}'", verify));
  cell.verify = *mode;
  if (args.count("cacert") && args.count("insecure"))
    throw OptionError("--cacert and --insecure exclude each other");
  if (args.count("cacert")) {
    cell.cacert = args["cacert"].as<std::string>();
    cell.insecure = false;
  }
}

// How the matrix is run and watched: repeats, their order's seed, CPU placement, sampling.
void read_schedule(const cxxopts::ParseResult& args, RunOptions& o) {
  o.repeat = static_cast<unsigned>(std::min<std::uint64_t>(count_option(args, "repeat", 1), 1000));
  o.seed = args.count("seed") ? count_option(args, "seed", 0) : std::random_device{}();
  o.sample_ms =
      static_cast<unsigned>(std::min<std::uint64_t>(count_option(args, "sample-ms", 10), 60000));
  if (args.count("pin")) {
    o.pin_text = args["pin"].as<std::string>();
    o.pin_by_default = false;
    if (o.pin_text == "none") return;
    const PinParse pin = parse_pin(o.pin_text);
    if (!pin.pin) throw OptionError("--pin: " + pin.error);
    o.pin = pin.pin;
  }
}

// A synchronized run on several hosts: when its schedule starts, and the names recorded.
// `now_unix_ms` is the time a start is checked against: one in the past cannot be kept.
void read_sync(const cxxopts::ParseResult& args, std::int64_t now_unix_ms, RunOptions& o) {
  o.run_id = text_option(args, "run-id");
  o.host_label = text_option(args, "host-label");
  if (!args.count("start-at")) return;
  const std::string text = args["start-at"].as<std::string>();
  const auto start = parse_start_at(text);
  if (!start)
    throw OptionError(fmt::format("--start-at '{}' is neither RFC 3339 (2026-11-29T14:00:00Z) "
                                  "nor Unix milliseconds",
                                  text));
  if (*start <= now_unix_ms)
    throw OptionError(fmt::format("--start-at {} is {:.3f} s in the past: give a time ahead of "
                                  "every host's start",
                                  text, static_cast<double>(now_unix_ms - *start) / 1000));
  if (o.cell.duration_seconds <= 0)
    throw OptionError("--start-at needs --duration: the schedule's slots are as long as the "
                      "measured window plus its warm-up lead");
  // An open loop's schedule starts with its cell, but a synchronized window opens at the
  // shared time: the wait between them would make every measured request a late start.
  if (!o.matrix.rates.empty())
    throw OptionError("--start-at and --rate do not combine: an open loop's schedule starts "
                      "with its cell, not at the shared window");
  o.start_at_unix_ms = *start;
  // With --repeat the cells run in a shuffled order: every host must shuffle alike.
  if (!args.count("seed")) o.seed = static_cast<std::uint64_t>(*start);
}

// --server-option: each checked by serve's own parser now, so that a bad one stops the run
// before its first cell with serve's message. The listeners are run's to choose.
void read_server_options(const cxxopts::ParseResult& args, RunOptions& o) {
  if (!args.count("server-option")) return;
  o.server_options = args["server-option"].as<std::vector<std::string>>();
  if (!o.embedded())
    throw OptionError("--server-option applies to the embedded server only; an external server "
                      "(URL given) takes its options where it is started");
  for (const auto& option : o.server_options) {
    for (const char* own : {"--bind", "--http-port", "--https-port", "-h", "--help"}) {
      const std::string_view name = std::string_view(option).substr(0, option.find('='));
      if (name == own)
        throw OptionError(fmt::format("--server-option {}: hcbench run sets the embedded "
                                      "server's listeners itself (127.0.0.1, ephemeral ports)",
                                      option));
    }
  }
  const ServeCommandLine serve = parse_serve_command_line(o.server_options);
  if (!serve.config)
    throw OptionError(fmt::format("--server-option {}: hcbench serve: {}",
                                  fmt::join(o.server_options, " "), serve.error));
  if (serve.threads_given) o.server_threads = serve.config->threads;
}

// Where the results go besides the table on stdout.
void read_outputs(const cxxopts::ParseResult& args, RunOptions& o) {
  o.json_path = text_option(args, "json");
  o.csv_path = text_option(args, "csv");
  o.vmstat_log_path = text_option(args, "vmstat-log");
  o.progress = !args.count("no-progress");
}

} // namespace

RunCommandLine parse_run_command_line(int argc, char** argv) {
  cxxopts::Options spec("hcbench run", description);
  spec.custom_help("[options]");
  spec.positional_help("[URL]");
  declare_options(spec);

  RunCommandLine out;
  try {
    const auto args = spec.parse(argc, argv);
    if (args.count("help")) {
      out.help = spec.help();
      return out;
    }
    RunOptions o;
    read_cell_options(args, o.cell);
    read_schedule(args, o);
    const std::string url_path = read_urls(args, o.matrix);
    read_paths(args, url_path, o);
    read_axes(args, o);
    read_server_options(args, o);
    read_outputs(args, o);
    read_sync(args, unix_ms_now(), o);
    out.options = std::move(o);
  } catch (const cxxopts::exceptions::exception& e) {
    out.error = e.what();
  } catch (const OptionError& e) {
    out.error = e.what();
  }
  return out;
}

int run_command(int argc, char** argv) {
  const RunCommandLine line = parse_run_command_line(argc, argv);
  if (!line.help.empty()) {
    fmt::print("{}", line.help);
    return 0;
  }
  if (!line.options) {
    fmt::print(stderr, "hcbench run: {} (try hcbench run --help)\n", line.error);
    return run_usage;
  }
  return run_benchmark(*line.options);
}

} // namespace hcbench
