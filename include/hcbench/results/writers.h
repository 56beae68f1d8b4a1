// The outputs of `hcbench run`: the versioned JSON document, the original's CSV layouts,
// the markdown tables on stdout and the vmstat-style sample log.
#pragma once

#include "hcbench/results/results.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace hcbench {

// results_json.cpp: the whole run as one "hcbench-results/1" document.
nlohmann::json results_to_json(const RunResults& results);

// results_csv.cpp: the original's `full` layout (url,cycles,delay / values /
// Library,Reuse Connections?,Options,Time / one row per client) for one URL, with rows
// beyond the original's appended.
std::string full_csv(const RunResults& results, const std::string& protocol,
                     const std::string& path, unsigned concurrency);
// The original's `size` layout (Response_size, then the four original columns, then any
// other client as "<Request Type> Time") for one protocol.
std::string size_csv(const RunResults& results, const std::string& protocol, unsigned concurrency);
// Writes the layout that fits the run: `full` (one file per URL) or `size` (one per
// protocol). One output gets `path` itself; several get a suffix before the extension
// ("results-https.csv"). Returns the files written; throws on I/O errors.
std::vector<std::string> write_csv_files(const RunResults& results, const std::string& path);

// results_table.cpp: the markdown tables, one per endpoint/size and concurrency, shaped like
// the original's "Detailed Results".
std::string markdown_report(const RunResults& results);

// results_table.cpp: timestamped sample rows with the cell each belongs to.
std::string vmstat_log(const RunResults& results);

// Writes text to a file, replacing it; throws std::runtime_error naming the file on failure.
void write_text_file(const std::string& path, const std::string& text);

} // namespace hcbench
