// Level 3: `hcbench run --http-version 1.1,2` against a real `hcbench serve`. The HTTP/2
// cells need a server that speaks h2 and h2c and counts its HTTP/2 streams in /stats; against
// one that does not, the tests that need it skip with the reason, and the one that checks
// that an HTTP/2 cell against an HTTP/1.1-only server fails every request runs instead.
#include "server_process.h"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace hcbench {
namespace {

using nlohmann::json;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path temp_path(const std::string& name) {
  const auto dir =
      std::filesystem::path(testing::TempDir()) / ("hcbench-run-h2-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

struct RunOutput {
  int status = -1;
  std::string out;
  std::string err;
  json results;
};

// `hcbench run ARGS --json F --no-progress`, waited for; every run here is bounded by its
// --cycles.
RunOutput run_hcbench(const std::vector<std::string>& args, const std::string& name) {
  const auto out = temp_path(name + ".out");
  const auto err = temp_path(name + ".err");
  const auto json_path = temp_path(name + ".json");
  std::string command = test::hcbench_binary() + " run";
  for (const auto& arg : args) command += " '" + arg + "'";
  command += " --no-progress --json '" + json_path.string() + "' > '" + out.string() + "' 2> '" +
             err.string() + "'";
  RunOutput result;
  const int status = std::system(command.c_str());
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_text(out);
  result.err = read_text(err);
  result.results = json::parse(read_text(json_path), nullptr, false);
  return result;
}

// Why this server cannot be used for the HTTP/2 cells, or "" when it can: an h2c
// prior-knowledge GET must come back over HTTP/2, and /stats must count HTTP/2 streams.
std::string http2_unavailable(const test::ServerProcess& server) {
  CURL* handle = curl_easy_init();
  const std::string url = server.http_url("/ping");
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(
      handle, CURLOPT_WRITEFUNCTION,
      +[](char*, std::size_t size, std::size_t count, void*) { return size * count; });
  const CURLcode code = curl_easy_perform(handle);
  long version = 0;
  curl_easy_getinfo(handle, CURLINFO_HTTP_VERSION, &version);
  curl_easy_cleanup(handle);
  if (code != CURLE_OK || version != CURL_HTTP_VERSION_2_0)
    return "hcbench serve does not answer h2c with prior knowledge yet (the serve half of "
           "issue 12)";
  const json stats = json::parse(test::fetch_stats(server.http_port()), nullptr, false);
  if (!stats.is_object() || !stats.contains("protocols") || !stats["protocols"].contains("http2") ||
      !stats["protocols"]["http2"].contains("streams"))
    return "hcbench serve's /stats has no protocols.http2.streams counter";
  return "";
}

std::string source_file(const std::string& relative) {
  const char* root = std::getenv("HCBENCH_SOURCE_DIR");
  return (std::filesystem::path(root ? root : ".") / relative).string();
}

TEST(RunHttp2, BothVersionsSideBySideWithStreamsMatchingTheServer) {
  test::ServerProcess server;
  ASSERT_TRUE(server.ready());
  // Both halves of issue 12 are in this tree: a server without HTTP/2 is a failure here.
  ASSERT_EQ(http2_unavailable(server), "");

  const auto run = run_hcbench({server.http_url(""), "--https-url", server.https_url(""),
                                "--http-version", "1.1,2", "--concurrency", "1,8", "--cycles",
                                "200", "--clients", "native,floor", "--endpoints", "ping"},
                               "side-by-side");
  ASSERT_EQ(run.status, 0) << run.err << run.out;
  ASSERT_TRUE(run.results.is_object());
  EXPECT_NE(run.out.find("Reuse handle, don't save body, HTTP/2"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Floor: h2c prior knowledge"), std::string::npos) << run.out;

  std::map<std::string, int> ok_by_version;
  int https_floor = 0;
  for (const auto& cell : run.results["cells"]) {
    const std::string what = cell["display_name"].get<std::string>() + " " +
                             cell["protocol"].get<std::string>() + " c" +
                             std::to_string(cell["concurrency"].get<unsigned>());
    // The TLS-session rows are not applicable over plain HTTP, with the reason; nothing
    // may skip.
    if (cell["status"] == "not_applicable") continue;
    ASSERT_EQ(cell["status"], "ok") << what << ": " << cell["summary"].dump();
    ++ok_by_version[cell["http_version"]];
    const bool http2 = cell["http_version"] == "2";
    if (cell["row_id"] == "floor.nghttp2" && cell["protocol"] == "https") ++https_floor;
    for (const auto& r : cell["runs"]) {
      const auto requests = r["requests"].get<std::uint64_t>();
      EXPECT_EQ(requests, 200u) << what;
      EXPECT_EQ(r["streams"].get<std::uint64_t>(), http2 ? requests : 0u) << what;
      ASSERT_TRUE(r["server"].is_object()) << what;
      // What the client says it opened, the server saw: streams and connections.
      EXPECT_TRUE(r["server"]["requests_match"].get<bool>()) << what;
      EXPECT_EQ(r["server"]["http2_streams"], r["streams"]) << what;
      EXPECT_EQ(r["server"]["connections"], r["connections"]) << what;
      EXPECT_EQ(r["server"]["http2_connections"], http2 ? r["connections"] : json(0)) << what;
    }
    // Multiplexing: a row that reuses connections runs its 8 streams on one connection.
    if (http2 && cell["reuse_connections"] == true) {
      EXPECT_EQ(cell["summary"]["connections"], 1) << what;
    }
    if (!http2 && cell["reuse_connections"] == true && cell["concurrency"] == 8 &&
        cell["group"] == "native") {
      EXPECT_EQ(cell["summary"]["connections"], 8) << what;
    }
    // HTTP/2 rows have their ratio over the HTTP/2 floor.
    if (http2 && cell["group"] != "floor" && cell["protocol"] == "http") {
      EXPECT_TRUE(cell["summary"]["floor_ratio"].is_number()) << what;
    }
  }
  EXPECT_GT(ok_by_version["1.1"], 0);
  EXPECT_GT(ok_by_version["2"], 0);
  EXPECT_EQ(https_floor, 2) << "the HTTP/2 floor over HTTPS (h2 by ALPN), at concurrency 1 and 8";

  const std::string validate = "/usr/bin/python3 -c 'import json,sys,jsonschema; "
                               "jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))."
                               "validate(json.load(open(sys.argv[2])))' " +
                               source_file("docs/results-schema.json") + " " +
                               temp_path("side-by-side.json").string() + " 2>/dev/null";
  if (std::system("/usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1") == 0) {
    EXPECT_EQ(std::system(validate.c_str()), 0);
  }
}

// The driver rows that speak HTTP/2: each request a stream, all of a cell's streams on one
// connection, as the server counted them (warm-up included).
TEST(RunHttp2, DriverRowsMultiplexOverOneConnection) {
  test::ServerProcess server;
  ASSERT_TRUE(server.ready());
  // Both halves of issue 12 are in this tree: a server without HTTP/2 is a failure here.
  ASSERT_EQ(http2_unavailable(server), "");

  const auto run = run_hcbench(
      {server.http_url(""), "--https-url", server.https_url(""), "--http-version", "2",
       "--concurrency", "1,4", "--cycles", "50", "--clients",
       "python.httpx.client,python.httpx.async-client,node.http2", "--endpoints", "ping"},
      "drivers");
  ASSERT_EQ(run.status, 0) << run.err << run.out;
  int ok = 0;
  for (const auto& cell : run.results["cells"]) {
    const std::string what = cell["row_id"].get<std::string>() + " " +
                             cell["protocol"].get<std::string>() + " c" +
                             std::to_string(cell["concurrency"].get<unsigned>());
    ASSERT_EQ(cell["status"], "ok") << what << ": " << cell["summary"].dump();
    ++ok;
    for (const auto& r : cell["runs"]) {
      EXPECT_EQ(r["streams"], r["requests"]) << what;
      EXPECT_TRUE(r["server"]["requests_match"].get<bool>()) << what;
      EXPECT_EQ(r["server"]["http2_streams"], r["server"]["requests_expected"]) << what;
      EXPECT_EQ(r["server"]["connections"], 1) << what;
      EXPECT_EQ(r["server"]["http2_connections"], 1) << what;
    }
  }
  EXPECT_EQ(ok, 3 * 2 * 2); // 3 rows × HTTP and HTTPS × concurrency 1 and 4
}

// Never time a failure as a success: asked for HTTP/2, a server that answers HTTP/1.1 (no
// h2 in its ALPN, no h2c) fails every request of the cell.
TEST(RunHttp2, AnHttp11OnlyServerFailsEveryHttp2Request) {
  test::ServerProcess server({"--http2", "off"});
  ASSERT_TRUE(server.ready());
  ASSERT_NE(http2_unavailable(server), "") << "--http2 off still answered HTTP/2";

  const auto run = run_hcbench({server.http_url(""), "--https-url", server.https_url(""),
                                "--http-version", "2", "--cycles", "20", "--clients",
                                "curl.reuse-handle.discard-body,curl.forbid-reuse.save-body,"
                                "floor.nghttp2",
                                "--endpoints", "ping"},
                               "h1-only");
  EXPECT_EQ(run.status, 3) << "some requests failed" << run.err;
  ASSERT_TRUE(run.results.is_object()) << run.err;
  int failed = 0;
  for (const auto& cell : run.results["cells"]) {
    if (cell["status"] == "not_applicable") continue;
    EXPECT_EQ(cell["summary"]["requests"], 0) << cell["display_name"] << cell["protocol"];
    // The HTTP/2 floor over HTTPS: the server did not choose h2 by ALPN (tls).
    EXPECT_GT(cell["summary"]["failures"]["protocol"].get<int>() +
                  cell["summary"]["failures"]["tls"].get<int>() +
                  cell["summary"]["failures"]["connect"].get<int>() +
                  cell["summary"]["failures"]["other"].get<int>(),
              0)
        << cell.dump();
    ++failed;
  }
  EXPECT_GT(failed, 0);
}

} // namespace
} // namespace hcbench
