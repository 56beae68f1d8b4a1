#include "hcbench/results/text_file.h"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

namespace hcbench {

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error(fmt::format("cannot write {}", path));
}

} // namespace hcbench
