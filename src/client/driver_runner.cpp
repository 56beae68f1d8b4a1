#include "hcbench/client/driver_runner.h"
#include "hcbench/client/run_control.h"

#include "hcbench/client/child_process.h"
#include "hcbench/client/driver_protocol.h"

#include <fmt/format.h>

#include <filesystem>

namespace hcbench {
namespace {

// The last few lines of the driver's stderr (a Python traceback ends with the exception),
// on one line, for the cell's error message.
std::string stderr_summary(std::string_view tail) {
  constexpr std::size_t max_lines = 3;
  constexpr std::size_t max_chars = 400;
  std::vector<std::string_view> lines;
  while (!tail.empty() && lines.size() < max_lines) {
    const auto end = tail.find_last_not_of(" \t\r\n");
    if (end == std::string_view::npos) break;
    tail = tail.substr(0, end + 1);
    const auto start = tail.find_last_of('\n');
    const auto line = start == std::string_view::npos ? tail : tail.substr(start + 1);
    const auto first = line.find_first_not_of(" \t");
    lines.push_back(line.substr(first == std::string_view::npos ? line.size() : first));
    tail = start == std::string_view::npos ? std::string_view{} : tail.substr(0, start);
  }
  std::string out;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (!out.empty()) out += " | ";
    out += *it;
  }
  if (out.size() > max_chars) out = "..." + out.substr(out.size() - max_chars);
  return out;
}

std::string with_stderr(std::string message, const ChildResult& child) {
  const auto summary = stderr_summary(child.stderr_tail);
  if (!summary.empty()) message += fmt::format("; stderr: {}", summary);
  return message;
}

} // namespace

std::chrono::milliseconds default_driver_timeout(const CellSpec& spec) {
  using std::chrono::milliseconds;
  const milliseconds startup{30'000};
  if (spec.duration_seconds > 0) {
    const auto window = milliseconds(static_cast<std::int64_t>(spec.duration_seconds * 1000));
    return startup + 2 * window + milliseconds(static_cast<std::int64_t>(spec.warmup) * 250);
  }
  // 250 ms a request: Debian's requests without reuse takes ~110 ms over HTTPS on a busy
  // machine (a new TLS context per connection); Ctrl-C stops a driver at once anyway.
  return startup + milliseconds(static_cast<std::int64_t>(spec.cycles + spec.warmup) * 250);
}

CellMeasurement run_driver(const DriverProgram& program, std::string_view client,
                           const CellSpec& spec, std::optional<std::chrono::milliseconds> timeout) {
  CellMeasurement out;
  if (!program.skipped.empty()) {
    out.skipped = program.skipped;
    return out;
  }
  if (program.command.empty()) {
    out.error = "the driver has no command";
    return out;
  }
  std::error_code ignored;
  const auto& interpreter = program.command.front();
  if (!std::filesystem::exists(interpreter, ignored)) {
    out.skipped = fmt::format("{} is not installed", interpreter);
    return out;
  }
  if (program.command.size() > 1 && !std::filesystem::exists(program.command.back(), ignored)) {
    out.error = fmt::format("driver script {} not found", program.command.back());
    return out;
  }

  ChildOptions options;
  options.argv = program.command;
  options.extra_env = program.extra_env;
  options.stdin_data = driver_input_json(spec, client) + "\n";
  options.timeout = timeout.value_or(default_driver_timeout(spec));
  options.cancel = &run_control().stop;
  const auto child = run_child(options);

  const auto how = describe_end(child, options);
  switch (child.end) {
  case ChildResult::End::spawn_failed:
    out.error = "could not start the driver: " + how;
    return out;
  case ChildResult::End::timed_out:
  case ChildResult::End::output_too_large:
  case ChildResult::End::cancelled:
    out.error = with_stderr("the driver " + how, child);
    break;
  case ChildResult::End::signaled:
    out.error = with_stderr("the driver crashed: " + how, child);
    break;
  case ChildResult::End::exited:
    if (child.exit_status != 0) {
      out.error = with_stderr(fmt::format("the driver failed with {}", how), child);
    } else {
      out = parse_driver_report(child.stdout_text, spec);
      if (!out.error.empty()) out.error = with_stderr(out.error, child);
    }
    break;
  }
  out.process_cpu = child.cpu;
  return out;
}

} // namespace hcbench
