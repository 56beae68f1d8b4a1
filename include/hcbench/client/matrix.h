// The matrix: which rows run against which URLs, paths and concurrency levels (planning,
// pure), and running every cell in turn with the sampler, the server's /stats cross-check and
// placement recorded (execution).
#pragma once

#include "hcbench/client/rows.h"
#include "hcbench/client/sync_schedule.h"
#include "hcbench/results/results.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hcbench {

class EmbeddedServer;
struct RunOptions;

// Picks rows by id, by group or `all`, keeping table order; the error names an unknown selector.
struct RowSelection {
  std::vector<ClientRow> rows;
  std::string error;
};
RowSelection select_rows(const std::vector<ClientRow>& available,
                         const std::vector<std::string>& selectors);

// What a path must answer: the body length and its Repr-Digest; nothing for a path that is
// not an endpoint of the test API. The digest costs generating the payload: only on request.
struct ExpectedBody {
  std::string endpoint; // "ping", "bigger", "length"
  std::uint64_t length = 0;
  std::string digest;
};
std::optional<ExpectedBody> expected_body(const std::string& path, bool with_digest);

// "ping", "/ping", "bigger", "length/64k", "/length/1024" -> the canonical path; nothing if
// it is not an endpoint of the test API.
std::optional<std::string> normalize_path(std::string_view text);

// The axes of the matrix and the base URLs its cells request.
struct MatrixPlan {
  std::vector<std::string> protocols; // "http", "https", in column order
  std::string http_url;               // base URLs, no trailing slash
  std::string https_url;
  std::vector<std::string> paths;
  std::vector<unsigned> concurrency;
  std::vector<std::string> http_versions = {"1.1"}; // "1.1", "2", in row order
};

// Every row × HTTP version × protocol × path × concurrency as an empty CellResult, in table
// order (path, then concurrency, then row, then HTTP version, then protocol), with the cells
// a row cannot run marked.
std::vector<CellResult> plan_cells(const std::vector<ClientRow>& rows, const MatrixPlan& plan);

// The order cells run in, for one repeat: table order for a single repeat, else shuffled
// with a generator seeded by (seed, repeat), so a run can be replayed.
std::vector<std::size_t> run_order(std::size_t cells, unsigned repeat, unsigned repeats,
                                   std::uint64_t seed);

// The server the matrix runs against, once started or reached.
struct MatrixServer {
  std::string stats_url;              // plain-HTTP base for /stats; "" without one
  EmbeddedServer* embedded = nullptr; // watched for its end; null for an external server
};

// Runs every applicable cell `options.repeat` times into results.cells (planned beforehand)
// and fills results.samples. Stops early on Ctrl-C (run_control().stop) or when the server
// is gone, saying so in results.interrupted / results.error. With a `schedule` (--start-at),
// the k-th cell run waits for its slot and opens its measured window on the schedule.
void run_matrix(RunResults& results, const std::vector<ClientRow>& rows, const RunOptions& options,
                const MatrixServer& server, const std::optional<SyncSchedule>& schedule = {});

} // namespace hcbench
