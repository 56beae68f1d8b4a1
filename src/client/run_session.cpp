// One `hcbench run` from start to finish: pin, start or reach the server, plan and run the
// matrix, then write every output. Whatever happens, the embedded server is stopped (its
// owner is a local object here, and the child also dies with us through PR_SET_PDEATHSIG).
#include "hcbench/client/run_session.h"

#include "hcbench/client/curl_easy.h"
#include "hcbench/client/embedded_server.h"
#include "hcbench/client/environment_probe.h"
#include "hcbench/client/matrix.h"
#include "hcbench/client/measured_window.h"
#include "hcbench/client/native_rows.h"
#include "hcbench/client/run_control.h"
#include "hcbench/client/sampler.h"
#include "hcbench/client/server_stats.h"
#include "hcbench/results/results_csv.h"
#include "hcbench/results/results_json.h"
#include "hcbench/results/run_table.h"
#include "hcbench/results/text_file.h"
#include "hcbench/results/vmstat_log.h"
#include "hcbench/shared/data_dir.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>

#include <unistd.h>

namespace hcbench {

namespace {

void request_stop(int) {
  run_control().stop.store(true);
}

// Ctrl-C and SIGTERM end the run cleanly; a second Ctrl-C kills it the default way
// (SA_RESETHAND), and the embedded server still goes with it.
void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

std::string trim_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

void write_outputs(const RunOptions& options, const RunResults& results) {
  fmt::print("{}", markdown_report(results));
  std::fflush(stdout);
  if (!options.json_path.empty()) {
    write_text_file(options.json_path, results_to_json(results).dump(2) + "\n");
  }
  if (!options.csv_path.empty()) write_csv_files(results, options.csv_path);
  if (!options.vmstat_log_path.empty())
    write_text_file(options.vmstat_log_path, vmstat_log(results));
}

} // namespace

int run_benchmark(const RunOptions& given) {
  ensure_curl_initialized();
  RunOptions options = given;
  // Unpinned, a sequential round trip costs 8 µs or 80 µs depending on where the scheduler
  // puts the two processes (docs/run.md, "Placement"): separate CPUs unless told otherwise.
  if (options.pin_by_default && options.embedded() && !options.pin) {
    options.pin = default_pin(get_affinity(0));
    if (options.pin) options.pin_text = format_pin(*options.pin);
  }
  RowSelection selection = select_rows(all_rows(), options.clients);
  if (!selection.error.empty()) {
    fmt::print(stderr, "hcbench run: {}\n", selection.error);
    return run_usage;
  }
  // A synchronized run times each window on the wall clock inside the native runners'
  // measured window; an external driver times its own window in its own process.
  std::optional<SyncSchedule> schedule;
  if (options.start_at_unix_ms > 0) {
    std::uint64_t warmup = options.cell.warmup;
    for (const auto& row : selection.rows) {
      if (row.group != "native" && row.group != "floor") {
        fmt::print(stderr,
                   "hcbench run: --start-at synchronizes the native and floor rows only; {} "
                   "times its window in its own process (leave out its group: --clients "
                   "native,floor)\n",
                   row.id);
        return run_usage;
      }
      warmup = std::max(warmup, row.min_warmup);
    }
    schedule = sync_schedule(options.start_at_unix_ms, options.cell.duration_seconds, warmup);
  }
  if (options.pin && options.pin->client) {
    if (const auto error = set_affinity(0, *options.pin->client); !error.empty()) {
      fmt::print(stderr, "hcbench run: client: {}\n", error);
      return run_error;
    }
  }

  // A one-second look at the machine before the first cell, so that a busy machine is said at
  // once, not discovered in the flags afterwards; said once the server is known to answer, so
  // that an error stays one line. With the embedded server it is taken before the server
  // starts (the run's own start-up is not in it, and a Ctrl-C soon after the server appears
  // reaches a cell); with an external one, after the server answered (a server that goes
  // away meanwhile is then seen by the first cell, as any time during the run).
  std::optional<MachineCheck> machine;
  const auto look = [] { return look_at_machine(std::chrono::seconds(1), 0); };
  if (options.embedded()) machine = look();
  std::unique_ptr<EmbeddedServer> server;
  // The matrix as asked, with the URLs of the server it runs against.
  MatrixPlan plan = options.matrix;
  std::string& http = plan.http_url = trim_slash(plan.http_url);
  std::string& https = plan.https_url = trim_slash(plan.https_url);
  if (options.embedded()) {
    try {
      EmbeddedServerOptions server_options;
      if (options.pin) server_options.cpus = options.pin->server;
      server_options.serve_options = options.server_options;
      server = std::make_unique<EmbeddedServer>(server_options);
    } catch (const std::exception& e) {
      fmt::print(stderr, "hcbench run: {}\n", e.what());
      return run_error;
    }
    http = server->http_url();
    https = server->https_url();
  } else if (options.pin && options.pin->server) {
    fmt::print(stderr, "hcbench run: note: server=... of --pin applies only to the embedded "
                       "server; the external one runs where it runs\n");
  }

  // Every protocol asked for needs its server: an embedded server may have TLS disabled.
  for (const auto& protocol : plan.protocols) {
    const std::string& base = protocol == "https" ? https : http;
    if (base.empty()) {
      fmt::print(stderr, "hcbench run: no {} URL to test (give one, or leave out --protocols {})\n",
                 protocol, protocol);
      return run_usage;
    }
  }
  for (const auto& protocol : plan.protocols) {
    const std::string base = protocol == "https" ? https : http;
    if (const auto why =
            probe_unreachable(base + "/", options.cell.insecure, options.cell.cacert)) {
      fmt::print(stderr, "hcbench run: cannot reach {}: {}\n", base, *why);
      return run_error;
    }
  }
  // The server's own counters cross-check every cell, when it has them (hcbench serve does).
  if (!machine) machine = look();
  MatrixServer matrix_server{"", server.get()};
  if (!http.empty() && fetch_server_stats(http)) matrix_server.stats_url = http;

  RunResults results;
  results.settings = recorded_settings(options, plan);
  if (schedule) {
    results.settings.slot_seconds = static_cast<double>(schedule->slot_ms) / 1000;
    results.settings.warmup_lead_seconds = static_cast<double>(schedule->warmup_lead_ms) / 1000;
    if (const auto late = unix_ms_now() - schedule->slot_begins_unix_ms(0); late > 0) {
      fmt::print(stderr,
                 "hcbench run: --start-at passed {:.3f} s ago while the run was starting: give "
                 "a time further ahead\n",
                 static_cast<double>(late) / 1000);
      return run_usage;
    }
  }
  results.environment = observe_environment(server ? server->pid() : 0);
  results.environment.placement.pinned = options.pin.has_value();
  if (server) {
    results.environment.server_version = server->version();
    results.environment.server_pid = server->pid();
  }
  results.started_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
  results.cells = plan_cells(selection.rows, plan);
  results.machine_check = machine;
  if (!machine->quiet) {
    fmt::print(stderr,
               "hcbench run: warning: the machine is not quiet: other processes used {:.0f}% of "
               "a CPU{} in the second before the run; cells they disturb are flagged ◆\n",
               machine->foreign_cpu,
               machine->steal_cpu >= 1 ? fmt::format(" (steal {:.0f}%)", machine->steal_cpu) : "");
  }

  install_stop_handlers();
  const auto start = std::chrono::steady_clock::now();
  run_matrix(results, selection.rows, options, matrix_server, schedule);
  results.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (server) server->stop();

  try {
    write_outputs(options, results);
  } catch (const std::exception& e) {
    fmt::print(stderr, "hcbench run: {}\n", e.what());
    return run_error;
  }
  if (!results.error.empty()) {
    fmt::print(stderr, "hcbench run: {}\n", results.error);
    return run_error;
  }
  if (results.interrupted) {
    fmt::print(stderr, "hcbench run: interrupted; the results gathered so far were written\n");
    return run_interrupted;
  }
  if (results.any_failures()) {
    fmt::print(stderr, "hcbench run: some requests failed; the cells are marked ⚠\n");
    return run_failures;
  }
  return run_ok;
}

} // namespace hcbench
