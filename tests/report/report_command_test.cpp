// `hcbench report` as a user runs it: the real binary on saved run files.
#include "results_fixture.h"
#include "svg_xml.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace hcbench {
namespace {

namespace fs = std::filesystem;
using namespace testing_results;

struct CommandResult {
  int status = -1;
  std::string output;
};

CommandResult run(const std::string& arguments) {
  const char* binary = std::getenv("HCBENCH_BINARY");
  if (binary == nullptr) return {};
  CommandResult result;
  std::FILE* pipe = ::popen((std::string(binary) + " report " + arguments + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class ReportCommand : public testing::Test {
protected:
  void SetUp() override {
    if (std::getenv("HCBENCH_BINARY") == nullptr) GTEST_SKIP() << "HCBENCH_BINARY is not set";
    directory_ = fs::temp_directory_path() / ("hcbench-report-test." + std::to_string(::getpid()));
    fs::create_directories(directory_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(directory_, ignored);
  }
  std::string write(const std::string& name, const nlohmann::json& document) {
    const auto path = directory_ / name;
    std::ofstream(path) << document.dump();
    return path.string();
  }
  fs::path directory_;
};

TEST_F(ReportCommand, TablesAndCharts) {
  const auto results = write("results.json", document(original_full_rows()));
  const auto charts = directory_ / "charts";
  const auto r = run(results + " --charts " + charts.string());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("| Request Type | RPS HTTP | RPS HTTPS |"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("wrote 4 charts"), std::string::npos) << r.output;
  std::ifstream svg(charts / "rps-length-1024.svg");
  const std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(testing_svg::parse_svg(text).well_formed);

  const auto csv = run(results + " --format csv");
  EXPECT_EQ(csv.status, 0);
  EXPECT_TRUE(csv.output.starts_with("Request Type,row_id")) << csv.output;
}

TEST_F(ReportCommand, ComparisonExitsOneOnRegressionWhenAsked) {
  auto slower = original_full_rows();
  for (double& v : slower[0].rps) v *= 0.7;
  const auto base = write("base.json", document(original_full_rows()));
  const auto next = write("new.json", document(slower));
  const auto r = run(base + " " + next);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("**worse**"), std::string::npos) << r.output;
  EXPECT_EQ(run(base + " " + next + " --fail-on-regression").status, 1);
  EXPECT_EQ(run(base + " " + base + " --fail-on-regression").status, 0);
}

TEST_F(ReportCommand, BadInputIsAClearError) {
  const auto r = run((directory_ / "missing.json").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("cannot open"), std::string::npos) << r.output;
  const auto other = write("other.json", {{"hello", "world"}});
  EXPECT_NE(run(other).output.find("not an hcbench run result"), std::string::npos);
  EXPECT_EQ(run(other + " --format xml").status, 2);
}

} // namespace
} // namespace hcbench
