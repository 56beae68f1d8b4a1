// `hcbench run`: options only; src/client/run_session.cpp does the run.
#include "hcbench/cli/commands.h"
#include "hcbench/cli/run_options_parser.h"
#include "hcbench/client/driver.h"
#include "hcbench/client/matrix.h"
#include "hcbench/shared/units.h"

#include <cxxopts.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
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

std::optional<std::uint64_t> parse_count(const std::string& text) {
  return parse_decimal(text);
}

} // namespace

RunCommandLine parse_run_command_line(int argc, char** argv) {
  cxxopts::Options spec("hcbench run", description);
  spec.custom_help("[options]");
  spec.positional_help("[URL]");
  // Every option is read as text and checked here, so an error message says which
  // option and why in hcbench's words rather than cxxopts'.
  spec.add_options()("https-url", "HTTPS base URL to test (besides or instead of URL)",
                     cxxopts::value<std::string>())(
      "cycles", "measured requests per cell",
      cxxopts::value<std::string>()->default_value("10000"))(
      "warmup", "requests before each cell's measured window (checked, not counted)",
      cxxopts::value<std::string>()->default_value("0"))(
      "duration", "also end each measured window after S seconds (0: cycles only)",
      cxxopts::value<std::string>()->default_value("0"))(
      "repeat", "run the whole matrix K times in shuffled order; report median and min-max",
      cxxopts::value<std::string>()->default_value("1"))(
      "seed", "seed of the shuffled order (default: random, recorded in the JSON)",
      cxxopts::value<std::string>())(
      "clients",
      "rows to run: ids, groups (native, floor, python, node, go, rust) or all (default: the "
      "original's rows of the benchmark type, plus the native and floor rows)",
      cxxopts::value<std::string>())(
      "benchmark-type", "full: one endpoint; size: the original's sizes 4 B .. 128 KiB",
      cxxopts::value<std::string>()->default_value("full"))(
      "endpoints", "paths to request: ping, bigger, length/<size> (default: length/1024)",
      cxxopts::value<std::string>())(
      "sizes", "response sizes for /length/<n>, units allowed: 4,64k,1M (implies size type)",
      cxxopts::value<std::string>())(
      "protocols", "http, https or both (default: those of the URLs; both when embedded)",
      cxxopts::value<std::string>())(
      "concurrency",
      "transfers in flight at once, a list: 1,8,32 (>1 uses the curl multi interface)",
      cxxopts::value<std::string>()->default_value("1"))(
      "pin", "CPU placement: client=CPUS,server=CPUS (CPUS: 0, 0-1, 0+2); default unpinned",
      cxxopts::value<std::string>())("sample-ms", "CPU sampling interval in milliseconds",
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
      "no-progress", "no live progress line on stderr")("h,help", "show this help")(
      "urls", "", cxxopts::value<std::vector<std::string>>());
  spec.parse_positional({"urls"});

  RunCommandLine out;
  RunOptions o;
  try {
    const auto args = spec.parse(argc, argv);
    if (args.count("help")) {
      out.help = spec.help();
      return out;
    }
    auto fail = [&](std::string message) {
      out.error = std::move(message);
      return out;
    };
    auto count = [&](const char* name, std::uint64_t min, std::uint64_t& into) {
      const auto value = parse_count(args[name].as<std::string>());
      if (!value || *value < min) {
        out.error = fmt::format("--{} wants a whole number >= {}, not '{}'", name, min,
                                args[name].as<std::string>());
        return false;
      }
      into = *value;
      return true;
    };
    auto seconds = [&](const char* name, double min, double& into) {
      const std::string text = args[name].as<std::string>();
      char* end = nullptr;
      into = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || !(into >= min) || into > 1e6) {
        out.error = fmt::format("--{} wants a number of seconds >= {}, not '{}'", name, min, text);
        return false;
      }
      return true;
    };

    std::uint64_t number = 0;
    if (!count("cycles", 1, o.cycles) || !count("warmup", 0, o.warmup)) return out;
    if (!count("repeat", 1, number)) return out;
    o.repeat = static_cast<unsigned>(std::min<std::uint64_t>(number, 1000));
    if (!count("sample-ms", 10, number)) return out;
    o.sample_ms = static_cast<unsigned>(std::min<std::uint64_t>(number, 60000));
    if (!seconds("duration", 0, o.duration_seconds)) return out;
    if (!seconds("timeout", 0.001, o.request_timeout_seconds)) return out;
    if (args.count("seed")) {
      const auto seed = parse_count(args["seed"].as<std::string>());
      if (!seed) return fail("--seed wants a whole number");
      o.seed = *seed;
    } else {
      o.seed = std::random_device{}();
    }

    // URLs: positional ones go by scheme; --https-url adds or replaces the HTTPS one.
    std::string url_path;
    if (args.count("urls")) {
      for (const auto& url : args["urls"].as<std::vector<std::string>>()) {
        const bool tls = url.rfind("https://", 0) == 0;
        if (!tls && url.rfind("http://", 0) != 0) {
          return fail(fmt::format("'{}' is not an http:// or https:// URL", url));
        }
        const auto authority_end = url.find('/', tls ? 8 : 7);
        std::string base = url.substr(0, authority_end);
        if (authority_end != std::string::npos && authority_end + 1 < url.size()) {
          url_path = url.substr(authority_end);
        }
        (tls ? o.https_url : o.http_url) = base;
      }
    }
    if (args.count("https-url")) {
      const std::string url = args["https-url"].as<std::string>();
      if (url.rfind("https://", 0) != 0)
        return fail(fmt::format("--https-url '{}' is not https://", url));
      o.https_url = url.substr(0, url.find('/', 8));
    }

    o.benchmark_type = args["benchmark-type"].as<std::string>();
    if (o.benchmark_type != "full" && o.benchmark_type != "size") {
      return fail("--benchmark-type is full or size");
    }
    if (args.count("endpoints")) {
      for (const auto& item : split_list(args["endpoints"].as<std::string>())) {
        const auto path = normalize_path(item);
        if (!path)
          return fail(fmt::format("unknown endpoint '{}' (ping, bigger, length/<size>)", item));
        o.paths.push_back(*path);
      }
    }
    std::vector<std::uint64_t> sizes;
    if (args.count("sizes")) {
      const auto parsed = parse_size_list(args["sizes"].as<std::string>());
      if (!parsed || std::count(parsed->begin(), parsed->end(), 0u)) {
        return fail("--sizes wants sizes >= 1 like 4,512,64k,1M");
      }
      sizes = *parsed;
      o.benchmark_type = "size";
    } else if (o.benchmark_type == "size") {
      sizes = original_sizes;
    }
    for (auto size : sizes) o.paths.push_back(fmt::format("/length/{}", size));
    if (o.paths.empty()) {
      if (!url_path.empty()) {
        const auto path = normalize_path(url_path);
        if (!path)
          return fail(
              fmt::format("the URL's path '{}' is not an endpoint of the test API", url_path));
        o.paths.push_back(*path);
      } else {
        o.paths.push_back("/length/1024"); // the original's published loopback run
      }
    }
    // The same path twice would only run twice.
    std::vector<std::string> unique_paths;
    for (const auto& p : o.paths) {
      if (std::find(unique_paths.begin(), unique_paths.end(), p) == unique_paths.end())
        unique_paths.push_back(p);
    }
    o.paths = unique_paths;

    if (args.count("clients")) {
      o.clients = split_list(args["clients"].as<std::string>());
      if (o.clients.empty()) return fail("--clients is empty");
    } else {
      o.clients = default_clients(o.benchmark_type);
    }

    if (args.count("protocols")) {
      for (const auto& p : split_list(args["protocols"].as<std::string>())) {
        if (p != "http" && p != "https")
          return fail(fmt::format("unknown protocol '{}' (http, https)", p));
        if (std::find(o.protocols.begin(), o.protocols.end(), p) == o.protocols.end())
          o.protocols.push_back(p);
      }
      if (o.protocols.empty()) return fail("--protocols is empty");
    } else if (o.embedded()) {
      o.protocols = {"http", "https"};
    } else {
      if (!o.http_url.empty()) o.protocols.push_back("http");
      if (!o.https_url.empty()) o.protocols.push_back("https");
    }

    o.concurrency.clear();
    for (const auto& item : split_list(args["concurrency"].as<std::string>())) {
      const auto value = parse_decimal(item);
      if (!value || *value < 1 || *value > 4096) {
        return fail(fmt::format("--concurrency wants numbers from 1 to 4096, not '{}'", item));
      }
      if (std::find(o.concurrency.begin(), o.concurrency.end(), *value) == o.concurrency.end())
        o.concurrency.push_back(static_cast<unsigned>(*value));
    }
    if (o.concurrency.empty()) return fail("--concurrency is empty");

    if (args.count("pin")) {
      o.pin_text = args["pin"].as<std::string>();
      const PinParse pin = parse_pin(o.pin_text);
      if (!pin.pin) return fail("--pin: " + pin.error);
      o.pin = pin.pin;
    }

    const std::string verify = args["verify"].as<std::string>();
    if (verify == "none")
      o.verify = VerifyMode::none;
    else if (verify == "length")
      o.verify = VerifyMode::length;
    else if (verify == "digest")
      o.verify = VerifyMode::digest;
    else
      return fail(fmt::format("--verify is none, length or digest, not '{}'", verify));

    if (args.count("cacert") && args.count("insecure")) {
      return fail("--cacert and --insecure exclude each other");
    }
    if (args.count("cacert")) {
      o.cacert = args["cacert"].as<std::string>();
      o.insecure = false;
    }
    if (args.count("json")) o.json_path = args["json"].as<std::string>();
    if (args.count("csv")) o.csv_path = args["csv"].as<std::string>();
    if (args.count("vmstat-log")) o.vmstat_log_path = args["vmstat-log"].as<std::string>();
    o.progress = !args.count("no-progress");
  } catch (const cxxopts::exceptions::exception& e) {
    out.error = e.what();
    return out;
  }
  out.options = std::move(o);
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
