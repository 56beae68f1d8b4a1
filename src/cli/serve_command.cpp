// hcbench serve: options -> ServerConfig, then run until SIGINT or SIGTERM.
#include "hcbench/cli/serve_command.h"
#include "hcbench/cli/commands.h"
#include "hcbench/cli/options.h"
#include "hcbench/server/server.h"

#include <cxxopts.hpp>
#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <sched.h>
#include <sys/resource.h>

namespace hcbench {

namespace {

unsigned available_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return static_cast<unsigned>(CPU_COUNT(&set));
  return 1;
}

// Lets the server hold as many sockets as --max-connections asks for, up to the hard limit.
void raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::optional<std::uint16_t> parse_port(const std::string& text, const char* option) {
  if (text == "off") return std::nullopt;
  const auto value = parse_decimal(text);
  if (!value || *value > 65535)
    throw OptionError(fmt::format("{}: '{}' is not a port (0-65535, or off)", option, text));
  return static_cast<std::uint16_t>(*value);
}

} // namespace

ServeCommandLine parse_serve_command_line(int argc, const char* const* argv) {
  ServeCommandLine out;
  ServerConfig config;
  cxxopts::Options options(
      "hcbench serve",
      "The hcbench test API: /ping, /bigger, /length/<n>, /delay/<ms> and /stats over HTTP/1.1 "
      "and HTTP/2, plain and HTTPS.");
  options.add_options()("bind", "address to listen on (numeric IPv4 or IPv6)",
                        cxxopts::value<std::string>()->default_value(config.bind_address))(
      "http-port", "HTTP port; 0 = ephemeral, off = no HTTP listener",
      cxxopts::value<std::string>()->default_value("8080"))(
      "https-port", "HTTPS port; 0 = ephemeral, off = no HTTPS listener",
      cxxopts::value<std::string>()->default_value("4443"))(
      "threads", "event loops (one thread each); default: the CPUs this process may use",
      cxxopts::value<unsigned>()->default_value(std::to_string(available_cpus())))(
      "cert", "certificate (PEM) for HTTPS; default certs/localhost.crt",
      cxxopts::value<std::string>())("key",
                                     "private key (PEM) for HTTPS; default certs/localhost.key",
                                     cxxopts::value<std::string>())(
      "tls-engine", "TLS library of the HTTPS listener: mbedtls or openssl (docs/tls.md)",
      cxxopts::value<std::string>()->default_value("mbedtls"))(
      "max-length", "largest n of /length/<n> (413 above); units k, M, G",
      cxxopts::value<std::string>()->default_value("64M"))(
      "max-delay", "longest think time of /delay/<ms>, in seconds (400 above)",
      cxxopts::value<double>()->default_value("10"))(
      "cache-bytes", "bound of the /length payload cache (LRU beyond)",
      cxxopts::value<std::string>()->default_value("256M"))(
      "max-body", "largest request body read and discarded (413 above)",
      cxxopts::value<std::string>()->default_value("1M"))(
      "max-connections", "open connections; more are closed at once",
      cxxopts::value<std::uint64_t>()->default_value(std::to_string(config.max_connections)))(
      "header-timeout", "seconds from a request's first byte to its complete head (408)",
      cxxopts::value<double>()->default_value("10"))(
      "idle-timeout", "seconds an idle keep-alive connection (or a client not reading) is kept",
      cxxopts::value<double>()->default_value("65"))(
      "keepalive-requests",
      "requests per connection before the server closes it; 0 = unlimited (100 with "
      "--compat-original)",
      cxxopts::value<std::uint64_t>())(
      "compat-original",
      "behave like the 2016 original where it differs: every response text/html; charset=utf-8, "
      "and at most 100 requests per connection (its nginx's keepalive_requests)")(
      "http2", "HTTP/2: h2 by ALPN over HTTPS, h2c (prior knowledge or Upgrade) over HTTP; on|off",
      cxxopts::value<std::string>()->default_value("on"))(
      "max-streams", "HTTP/2 streams in flight per connection (SETTINGS_MAX_CONCURRENT_STREAMS)",
      cxxopts::value<std::string>()->default_value(std::to_string(config.session.max_streams)))(
      "h,help", "show this help");
  try {
    const auto parsed = options.parse(argc, argv);
    if (parsed.count("help")) {
      out.help = options.help();
      return out;
    }
    reject_positional(parsed, "hcbench serve");
    config.bind_address = parsed["bind"].as<std::string>();
    config.http_port = parse_port(parsed["http-port"].as<std::string>(), "--http-port");
    config.https_port = parse_port(parsed["https-port"].as<std::string>(), "--https-port");
    config.threads = parsed["threads"].as<unsigned>();
    out.threads_given = parsed.count("threads") > 0;
    if (parsed.count("cert")) config.cert_file = parsed["cert"].as<std::string>();
    if (parsed.count("key")) config.key_file = parsed["key"].as<std::string>();
    if (config.cert_file.empty() != config.key_file.empty())
      throw OptionError("--cert and --key go together");
    const std::string engine = parsed["tls-engine"].as<std::string>();
    if (const auto parsed_engine = parse_tls_engine(engine)) {
      config.tls_engine = *parsed_engine;
    } else {
      throw OptionError(fmt::format("--tls-engine: '{}' is not mbedtls or openssl", engine));
    }
    config.session.max_length = size_option(parsed, "max-length");
    config.session.max_delay_ms =
        static_cast<std::uint64_t>(positive_seconds(parsed, "max-delay") * 1000.0);
    config.cache_bytes = size_option(parsed, "cache-bytes");
    config.session.max_body_bytes = size_option(parsed, "max-body");
    config.max_connections = parsed["max-connections"].as<std::uint64_t>();
    config.header_timeout_seconds = positive_seconds(parsed, "header-timeout");
    config.idle_timeout_seconds = positive_seconds(parsed, "idle-timeout");
    if (parsed.count("compat-original")) {
      config.session.content_type = ContentTypeMode::original;
      config.session.keepalive_requests = 100;
    }
    const std::string http2 = parsed["http2"].as<std::string>();
    if (http2 != "on" && http2 != "off")
      throw OptionError(fmt::format("--http2 wants on or off, not '{}'", http2));
    config.session.http2 = http2 == "on";
    const std::uint64_t max_streams = count_option(parsed, "max-streams", 1);
    if (max_streams > 0x7fffffff) throw OptionError("--max-streams: at most 2147483647");
    config.session.max_streams = static_cast<std::uint32_t>(max_streams);
    if (parsed.count("keepalive-requests"))
      config.session.keepalive_requests = parsed["keepalive-requests"].as<std::uint64_t>();
  } catch (const std::exception& e) {
    out.error = e.what();
    return out;
  }
  out.config = config;
  return out;
}

ServeCommandLine parse_serve_command_line(const std::vector<std::string>& options) {
  std::vector<const char*> argv = {"serve"};
  for (const auto& option : options) argv.push_back(option.c_str());
  return parse_serve_command_line(static_cast<int>(argv.size()), argv.data());
}

int serve_command(int argc, char** argv) {
  const ServeCommandLine line = parse_serve_command_line(argc, argv);
  if (!line.help.empty()) {
    fmt::print("{}\n", line.help);
    return 0;
  }
  if (!line.config) {
    fmt::print(stderr, "hcbench serve: {}\n", line.error);
    return 2;
  }
  const ServerConfig& config = *line.config;

  // Signals are taken synchronously by this thread; the workers inherit the blocked mask.
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  raise_file_limit();

  Server server(config);
  std::string error;
  if (!server.start(error)) {
    fmt::print(stderr, "hcbench serve: {}\n", error);
    return 1;
  }
  fmt::print("{}\n", server.ready_line());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop_signals, &signal);
  server.stop();
  server.wait();
  // A handle left open is a bug the worker reported on stderr; tests see it in the status.
  return server.leaked_handles() == 0 ? 0 : 1;
}

} // namespace hcbench
