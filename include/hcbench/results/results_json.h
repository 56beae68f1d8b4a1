// The saved form of a run: one "hcbench-results/1" document (docs/results-schema.json),
// written by `hcbench run --json` and read back by `hcbench report`.
#pragma once

#include "hcbench/results/results.h"
#include "hcbench/results/run_table.h"

#include <nlohmann/json.hpp>

namespace hcbench {

// The whole run as one document.
nlohmann::json results_to_json(const RunResults& results);
// One cell as results_to_json writes it (a merge appends its per-host cells with it).
nlohmann::json cell_to_json(const RunResults& results, const CellResult& cell);

// A saved run read back whole enough to be merged with others (report/merge.h): the
// settings, environment, and every cell with its runs, their counts, CPU times, windows and
// latency histograms. The per-run load and placement are not read. Tolerant as
// read_run_table is.
RunResults read_results(const nlohmann::json& document);

// A saved run's table: its settings, environment and each cell's summary, as written, so
// the table printed from the file equals the one `run` printed. Tolerant: a missing or null
// field reads as empty or zero. The caller has checked that the document is a results
// document (report/report_model.h's load_results_document does).
RunTable read_run_table(const nlohmann::json& document);

} // namespace hcbench
