#include "hcbench/client/run_options.h"

namespace hcbench {

RunSettings recorded_settings(const RunOptions& options, const MatrixPlan& targets) {
  RunSettings s;
  s.benchmark_type = options.benchmark_type;
  s.cycles = options.cell.cycles;
  s.warmup = options.cell.warmup;
  s.duration_seconds = options.cell.duration_seconds;
  s.repeat = options.repeat;
  s.seed = options.seed;
  s.clients = options.clients;
  s.protocols = targets.protocols;
  s.paths = targets.paths;
  s.concurrency = targets.concurrency;
  s.http_versions = targets.http_versions;
  s.rates = targets.rates;
  if (!targets.rates.empty()) s.max_in_flight = options.cell.max_in_flight;
  s.verify = std::string(verify_mode_name(options.cell.verify));
  s.sample_ms = options.sample_ms;
  s.pin = options.pin_text;
  s.pin_default = options.pin_by_default && options.pin.has_value();
  s.embedded_server = options.embedded();
  s.server_options = options.server_options;
  s.http_url = targets.http_url;
  s.https_url = targets.https_url;
  s.insecure = options.cell.insecure;
  s.cacert = options.cell.cacert;
  s.start_at_unix_ms = options.start_at_unix_ms;
  s.run_id = options.run_id;
  s.host_label = options.host_label;
  return s;
}

} // namespace hcbench
