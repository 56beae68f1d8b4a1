// The original's CSV layouts of a run (`hcbench run --csv`).
#pragma once

#include "hcbench/results/results.h"

#include <string>
#include <vector>

namespace hcbench {

// The original's `full` layout (url,cycles,delay / values /
// Library,Reuse Connections?,Options,Time / one row per client) for one URL, with rows
// beyond the original's appended. Each layout holds one HTTP version ("1.1" or "2").
std::string full_csv(const RunResults& results, const std::string& protocol,
                     const std::string& path, unsigned concurrency,
                     const std::string& http_version = "1.1");
// The original's `size` layout (Response_size, then the four original columns, then any
// other client as "<Request Type> Time") for one protocol.
std::string size_csv(const RunResults& results, const std::string& protocol, unsigned concurrency,
                     const std::string& http_version = "1.1");
// Writes the layout that fits the run: `full` (one file per URL) or `size` (one per
// protocol). One output gets `path` itself; several get a suffix before the extension
// ("results-https.csv", "results-http-h2.csv"). Returns the files written; throws on I/O errors.
std::vector<std::string> write_csv_files(const RunResults& results, const std::string& path);

} // namespace hcbench
