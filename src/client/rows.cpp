#include "hcbench/client/rows.h"

#include <fmt/format.h>

#include <algorithm>

namespace hcbench {

bool ClientRow::speaks(std::string_view http_version) const {
  return std::find(http_versions.begin(), http_versions.end(), http_version) != http_versions.end();
}

std::string ClientRow::options_at(unsigned concurrency, std::string_view http_version) const {
  const bool http2 = http_version == "2";
  std::string out = http2 ? options + ", HTTP/2" : options;
  const std::string& model =
      http2 && !http2_concurrency_model.empty() ? http2_concurrency_model : concurrency_model;
  if (concurrency <= 1 || model.empty()) return out;
  return fmt::format("{}; {}", out, model);
}

// The original's table spells Python booleans and puts two spaces before "options".
std::string ClientRow::display_name(unsigned concurrency, std::string_view http_version) const {
  return fmt::format("{}, reuse cnxns: {},  options: {}", library,
                     reuse_connections ? "True" : "False", options_at(concurrency, http_version));
}

} // namespace hcbench
