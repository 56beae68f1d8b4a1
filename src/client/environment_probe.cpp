#include "hcbench/client/environment_probe.h"

#include "hcbench/client/placement.h"

#include "hcbench_config.h"

#include <curl/curl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>
#include <fstream>

#include <sys/utsname.h>
#include <unistd.h>

namespace hcbench {

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

} // namespace

Environment observe_environment(pid_t server) {
  Environment env;
  env.hcbench_version = HCBENCH_VERSION;
  env.started_at = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) env.hostname = host;
  utsname names{};
  if (uname(&names) == 0) env.kernel = fmt::format("{} {}", names.sysname, names.release);
  env.cpu_model = cpu_model();
  env.cpu_count = static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN));
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  env.libcurl_version = curl->version ? curl->version : "";
  env.tls_backend = curl->ssl_version ? curl->ssl_version : "";
  env.placement = observe_placement(server, false);
  return env;
}

} // namespace hcbench
