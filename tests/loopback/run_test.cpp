// Level 3: the real `hcbench run`, against its embedded server, an external `hcbench serve`,
// a test server that corrupts bodies, and nothing at all. Small cycle counts; nothing here
// depends on speed.
#include "server_process.h"

#include "hcbench/shared/payload.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hcbench {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path temp_dir() {
  return std::filesystem::path(testing::TempDir()) / ("hcbench-run-" + std::to_string(getpid()));
}

// The files of this test binary go when it ends.
struct TempDirCleanup {
  ~TempDirCleanup() {
    std::error_code ignored;
    std::filesystem::remove_all(temp_dir(), ignored);
  }
} temp_dir_cleanup;

std::string temp_path(const std::string& name) {
  std::filesystem::create_directories(temp_dir());
  return (temp_dir() / name).string();
}

// `hcbench run ARGS` as a child process, stdout and stderr to files.
class RunProcess {
public:
  explicit RunProcess(std::vector<std::string> args, const std::string& name = "run") {
    stdout_path_ = temp_path(name + ".out");
    stderr_path_ = temp_path(name + ".err");
    args.insert(args.begin(), {test::hcbench_binary(), "run"});
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      const int out = open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out, STDOUT_FILENO);
      dup2(err, STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~RunProcess() {
    if (!status_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // The exit status (or 128 + signal), or -1 if it did not end within the timeout.
  int wait(std::chrono::seconds timeout = 120s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!status_) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(10ms);
    }
    return *status_;
  }

  pid_t pid() const { return pid_; }
  std::string out() const { return read_text(stdout_path_); }
  std::string err() const { return read_text(stderr_path_); }

private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string stdout_path_;
  std::string stderr_path_;
};

// The children of a process, from every /proc/<pid>/stat's parent field.
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read_text(entry.path() / "stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    long ppid = 0;
    fields >> state >> ppid;
    if (ppid == parent) out.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return out;
}

// Gone, or a zombie about to be reaped by whoever inherited it: not serving anything.
bool process_gone(pid_t pid) {
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return true;
  const auto close = stat.rfind(')');
  return close != std::string::npos && stat.size() > close + 2 && stat[close + 2] == 'Z';
}

bool eventually_gone(pid_t pid, std::chrono::milliseconds within = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!process_gone(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// Waits for the embedded server of a run to appear and returns its pid (0 if it did not).
pid_t wait_for_server(pid_t run, std::chrono::milliseconds within = 10000ms) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto children = children_of(run);
    if (!children.empty()) return children.front();
    std::this_thread::sleep_for(10ms);
  }
  return 0;
}

json load_json(const std::string& path) {
  return json::parse(read_text(path), nullptr, false);
}

bool python_has_jsonschema() {
  return std::system("/usr/bin/python3 -c 'import jsonschema' >/dev/null 2>&1") == 0;
}

std::string source_file(const std::string& relative) {
  const char* root = std::getenv("HCBENCH_SOURCE_DIR");
  return std::string(root ? root : ".") + "/" + relative;
}

TEST(RunCommand, EveryRowKindCompletesWithZeroFailuresAndCountsAddUp) {
  const std::string json_path = temp_path("all.json");
  const std::string csv_path = temp_path("all.csv");
  const std::string log_path = temp_path("all.log");
  RunProcess run({"--cycles", "30", "--warmup", "2", "--concurrency", "1,3", "--endpoints",
                  "ping,length/2048", "--verify", "digest", "--sample-ms", "20", "--json",
                  json_path, "--csv", csv_path, "--vmstat-log", log_path, "--no-progress"},
                 "all");
  ASSERT_EQ(run.wait(), 0) << run.err();
  EXPECT_NE(run.out().find("| Request Type | RPS HTTP | RPS HTTPS |"), std::string::npos);

  const json results = load_json(json_path);
  ASSERT_TRUE(results.is_object());
  EXPECT_EQ(results["schema"], "hcbench-results/1");
  std::set<std::string> groups;
  for (const auto& cell : results["cells"]) {
    const std::string status = cell["status"];
    const std::string where =
        cell["row_id"].get<std::string>() + " " + cell["protocol"].get<std::string>() + " " +
        cell["path"].get<std::string>() + " c" + std::to_string(cell["concurrency"].get<int>());
    if (cell["row_id"].get<std::string>().find("tls-session") != std::string::npos &&
        cell["protocol"] == "http") {
      EXPECT_EQ(status, "not_applicable") << where;
      EXPECT_EQ(cell["not_applicable"], "a TLS session option: HTTPS only") << where;
    }
    if (status == "not_applicable" || status == "skipped") continue;
    EXPECT_EQ(status, "ok") << where;
    groups.insert(cell["group"]);
    for (const auto& run_json : cell["runs"]) {
      EXPECT_EQ(run_json["requests"], 30) << where;
      EXPECT_EQ(run_json["failures"]["total"], 0) << where;
      ASSERT_TRUE(run_json["server"].is_object()) << where;
      // What the client sent is what the server counted (warm-up included).
      EXPECT_EQ(run_json["server"]["requests"], 32) << where;
      EXPECT_TRUE(run_json["server"]["requests_match"].get<bool>()) << where;
      const std::string id = cell["row_id"];
      const auto server_connections = run_json["server"]["connections"].get<int>();
      if (!cell["reuse_connections"].get<bool>()) {
        EXPECT_EQ(server_connections, 32) << where;
        EXPECT_EQ(run_json["connections"], 30) << where;
      } else {
        EXPECT_LE(server_connections, cell["concurrency"].get<int>()) << where;
      }
      if (cell["protocol"] == "https" && !cell["reuse_connections"].get<bool>()) {
        const auto full = run_json["tls_handshakes"]["full"].get<int>();
        const auto resumed = run_json["tls_handshakes"]["resumed"].get<int>();
        EXPECT_EQ(full + resumed, 32) << where;
        if (id.find("no-tls-session") != std::string::npos || id == "curl.new-handle.save-body") {
          EXPECT_EQ(resumed, 0) << where; // nothing to resume from
        }
      }
    }
  }
  // The default clients: the original's Python rows, libcurl and the floor.
  EXPECT_EQ(groups, (std::set<std::string>{"native", "floor", "python"}));
  EXPECT_FALSE(results["samples"].empty());

  // The original's full CSV layout, one file per URL.
  const std::string csv = read_text(temp_path("all-http-c1-ping.csv"));
  EXPECT_EQ(csv.rfind("url,cycles,delay\r\n", 0), 0u) << csv;
  EXPECT_NE(csv.find("Library,Reuse Connections?,Options,Time"), std::string::npos);
  EXPECT_NE(read_text(log_path).find("cell name"), std::string::npos);

  // No server left behind.
  EXPECT_TRUE(
      eventually_gone(static_cast<pid_t>(results["environment"]["server_pid"].get<long>())));
}

// The floor at concurrency N opens N connections, as the server counts them; at a rate, the
// native and floor rows and the Python rows with an open-loop mode (asyncio, CurlMulti) report
// the rate asked for, the one achieved and late starts, and the rows with no open loop (the
// Python rows that run threads) are not applicable with the reason.
TEST(RunCommand, ConcurrentFloorAndOpenLoopCells) {
  const std::string json_path = temp_path("open.json");
  RunProcess closed({"--clients", "floor", "--concurrency", "4", "--endpoints", "delay/5",
                     "--cycles", "40", "--protocols", "http", "--json", json_path, "--no-progress"},
                    "floor-c4");
  ASSERT_EQ(closed.wait(), 0) << closed.err();
  const json floor = load_json(json_path)["cells"][0];
  EXPECT_EQ(floor["status"], "ok");
  const auto& floor_run = floor["runs"][0];
  EXPECT_EQ(floor_run["connections"], 4);
  EXPECT_EQ(floor_run["server"]["connections"], 4);
  EXPECT_TRUE(floor_run["server"]["requests_match"].get<bool>());

  RunProcess open({"--clients", "curl.reuse-handle.discard-body,floor,python", "--rate", "200",
                   "--concurrency", "2", "--endpoints", "ping", "--cycles", "100", "--protocols",
                   "http", "--json", json_path, "--no-progress"},
                  "open");
  ASSERT_EQ(open.wait(), 0) << open.err();
  EXPECT_NE(open.out().find("open loop at 200 requests/s"), std::string::npos) << open.out();
  EXPECT_NE(open.out().find("late starts"), std::string::npos) << open.out();
  const json results = load_json(json_path);
  EXPECT_EQ(results["settings"]["rates"], json::array({200.0}));
  int measured = 0;
  int not_applicable = 0;
  for (const auto& cell : results["cells"]) {
    EXPECT_EQ(cell["rate"], 200.0);
    if (cell["status"] == "not_applicable") {
      EXPECT_EQ(cell["group"], "python");
      EXPECT_NE(cell["not_applicable"].get<std::string>().find("open-loop"), std::string::npos);
      ++not_applicable;
      continue;
    }
    ++measured;
    const std::string where = cell["row_id"];
    EXPECT_EQ(cell["status"], "ok") << where;
    const auto& summary = cell["summary"];
    EXPECT_EQ(summary["open_loop"]["offered_rate"], 200.0) << where;
    EXPECT_GT(summary["open_loop"]["achieved_rate"].get<double>(), 0) << where;
    EXPECT_TRUE(summary["open_loop"]["late_starts"].is_number()) << where;
    const auto& run_json = cell["runs"][0];
    EXPECT_EQ(run_json["requests"], 100) << where;
    if (cell["reuse_connections"].get<bool>()) {
      EXPECT_LE(run_json["server"]["connections"].get<int>(), 2) << where;
    } else { // the pycurl rows that forbid reuse: a connection per request
      EXPECT_EQ(run_json["server"]["connections"], 100) << where;
    }
    EXPECT_TRUE(run_json["server"]["requests_match"].get<bool>()) << where;
  }
  EXPECT_EQ(measured, 8) << "libcurl, the floor, aiohttp, httpx's AsyncClient, 4 pycurl rows";
  EXPECT_EQ(not_applicable, 5) << "requests (2), urllib3, urllib, httpx's Client: threads";
}

// Why the open loop matters: the server is stopped for 0.5 s in the middle of a cell. The
// open-loop cell times every request from its scheduled start, so the requests due during
// the pause all show it and its p99 does; the closed loop at the same concurrency sends
// nothing while it waits, so only its few requests in flight show it (in the max), not its
// p99. No other figure depends on speed.
struct PausedCell {
  json cell;
  std::string output;
};

PausedCell run_with_pause(const std::vector<std::string>& extra, const std::string& name) {
  test::ServerProcess server;
  EXPECT_TRUE(server.ready());
  const std::string json_path = temp_path(name + ".json");
  std::vector<std::string> args = {"http://127.0.0.1:" + std::to_string(server.http_port()),
                                   "--clients",
                                   "curl.reuse-handle.discard-body",
                                   "--concurrency",
                                   "4",
                                   "--endpoints",
                                   "ping",
                                   "--json",
                                   json_path,
                                   "--no-progress"};
  args.insert(args.end(), extra.begin(), extra.end());
  RunProcess run(args, name);
  // Pause once the cell is well under way: 300 requests into it, by the server's count.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  bool paused = false;
  while (!paused && std::chrono::steady_clock::now() < deadline) {
    const auto stats = json::parse(test::fetch_stats(server.http_port()), nullptr, false);
    if (stats.is_object() && stats["requests"]["total"].get<std::uint64_t>() >= 300) {
      kill(server.pid(), SIGSTOP);
      std::this_thread::sleep_for(500ms);
      kill(server.pid(), SIGCONT);
      paused = true;
    }
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(paused);
  EXPECT_EQ(run.wait(), 0) << run.err();
  const json results = load_json(json_path);
  return {results.is_object() ? results["cells"][0] : json(), run.out()};
}

TEST(RunCommand, PausedServerShowsInTheOpenLoopP99NotTheClosedLoops) {
  const PausedCell open = run_with_pause({"--rate", "400", "--cycles", "1600"}, "pause-open");
  ASSERT_TRUE(open.cell.is_object());
  EXPECT_EQ(open.cell["status"], "ok");
  const double open_p99 = open.cell["summary"]["latency_us"]["p99"]["median"];
  EXPECT_GE(open_p99, 400e3) << "the requests due during the pause waited for it";
  EXPECT_EQ(open.cell["summary"]["open_loop"]["offered_rate"], 400.0);
  EXPECT_EQ(open.cell["runs"][0]["requests"], 1600);

  const PausedCell closed =
      run_with_pause({"--cycles", "1000000", "--duration", "3"}, "pause-closed");
  ASSERT_TRUE(closed.cell.is_object());
  EXPECT_EQ(closed.cell["status"], "ok");
  EXPECT_TRUE(closed.cell["summary"]["open_loop"].is_null());
  const double closed_p99 = closed.cell["summary"]["latency_us"]["p99"]["median"];
  const double closed_max = closed.cell["summary"]["latency_us"]["max"]["median"];
  EXPECT_GE(closed_max, 400e3) << "the requests in flight during the pause waited for it";
  EXPECT_LT(closed_p99, open_p99 / 2) << "only a handful of its requests saw the pause";
}

// A Node.js row warms up at least its minimum (its JIT compiles during the first requests)
// whatever --warmup says; a Python row takes --warmup as given. Each run records the warm-up
// it made, and the server's count agrees with it.
TEST(RunCommand, JitRowsWarmUpAtLeastTheirMinimum) {
  const std::string json_path = temp_path("warmup.json");
  RunProcess run({"--cycles", "10", "--warmup", "3", "--protocols", "http", "--endpoints", "ping",
                  "--clients", "node.http.keep-alive,python.requests.session", "--json", json_path,
                  "--no-progress"},
                 "warmup");
  ASSERT_EQ(run.wait(), 0) << run.err();
  const json results = load_json(json_path);
  ASSERT_TRUE(results.is_object());
  ASSERT_EQ(results["cells"].size(), 2u);
  for (const auto& cell : results["cells"]) {
    const std::string id = cell["row_id"];
    ASSERT_EQ(cell["status"], "ok") << id;
    const auto& first = cell["runs"][0];
    const std::uint64_t warmup = first["warmup"];
    if (id == "node.http.keep-alive") {
      EXPECT_GE(warmup, 1000u);
    } else {
      EXPECT_EQ(warmup, 3u);
    }
    EXPECT_EQ(first["server"]["requests"].get<std::uint64_t>(), warmup + 10) << id;
    EXPECT_TRUE(first["server"]["requests_match"].get<bool>()) << id;
  }
}

TEST(RunCommand, JsonValidatesAgainstTheDocumentedSchema) {
  if (!python_has_jsonschema())
    GTEST_SKIP() << "Debian's python3-jsonschema is not installed (tools/setup.sh installs it)";
  const std::string json_path = temp_path("schema.json");
  RunProcess run({"--cycles", "20", "--repeat", "2", "--clients",
                  "curl.reuse-handle.discard-body,floor", "--endpoints", "bigger", "--json",
                  json_path, "--no-progress"},
                 "schema");
  ASSERT_EQ(run.wait(), 0) << run.err();
  const std::string command = "/usr/bin/python3 -c 'import json,sys,jsonschema; "
                              "jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))."
                              "validate(json.load(open(sys.argv[2])))' " +
                              source_file("docs/results-schema.json") + " " + json_path;
  EXPECT_EQ(std::system(command.c_str()), 0);
  const json results = load_json(json_path);
  EXPECT_EQ(results["cells"][0]["runs"].size(), 2u);
  EXPECT_EQ(results["cells"][0]["summary"]["runs"], 2);
}

// `hcbench report FILE`'s standard output, or "" if it failed.
std::string report_of(const std::string& json_path) {
  const std::string command = test::hcbench_binary() + " report " + json_path;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  return ::pclose(pipe) == 0 ? out : "";
}

// A user who saves a run and reports it later sees the table the run printed.
TEST(RunCommand, ReportOfTheSavedRunPrintsTheSameTable) {
  const std::string json_path = temp_path("same-table.json");
  RunProcess run({"--cycles", "20", "--repeat", "2", "--clients",
                  "curl.reuse-handle.discard-body,floor", "--endpoints", "ping,bigger", "--json",
                  json_path, "--no-progress"},
                 "same-table");
  ASSERT_EQ(run.wait(), 0) << run.err();
  const std::string printed = run.out();
  EXPECT_NE(printed.find("| Request Type | RPS HTTP | RPS HTTPS |"), std::string::npos) << printed;
  EXPECT_EQ(report_of(json_path), printed);
}

// A server that answers /length/<n> with the right length but one flipped byte.
class CorruptingServer {
public:
  CorruptingServer() {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    listen(listener_, 16);
    socklen_t length = sizeof address;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~CorruptingServer() {
    stop_ = true;
    acceptor_.join();
    for (auto& t : connections_) t.join();
    close(listener_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) connections_.emplace_back([this, fd] { serve(fd); });
    }
  }
  void serve(int fd) {
    std::string pending;
    char buffer[4096];
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      pending.append(buffer, static_cast<std::size_t>(got));
      std::size_t end;
      while ((end = pending.find("\r\n\r\n")) != std::string::npos) {
        const std::string request = pending.substr(0, end);
        pending.erase(0, end + 4);
        const auto path_start = request.find(' ') + 1;
        const std::string path =
            request.substr(path_start, request.find(' ', path_start) - path_start);
        std::string response;
        if (path.rfind("/length/", 0) == 0) {
          std::string body = generate_payload(std::stoull(path.substr(8)));
          body[body.size() / 2] = static_cast<char>(body[body.size() / 2] ^ 0x01);
          response = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\n\r\n" + body;
        } else {
          response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        }
        send(fd, response.data(), response.size(), MSG_NOSIGNAL);
      }
    }
    close(fd);
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<std::thread> connections_;
};

TEST(RunCommand, VerifyDigestCatchesACorruptedBody) {
  CorruptingServer server;
  const std::string json_path = temp_path("digest.json");
  const std::vector<std::string> common = {server.url(),
                                           "--cycles",
                                           "20",
                                           "--endpoints",
                                           "length/1024",
                                           "--clients",
                                           "floor,curl.reuse-handle.save-body",
                                           "--no-progress"};
  {
    auto args = common;
    args.insert(args.end(), {"--verify", "digest", "--json", json_path});
    RunProcess run(args, "digest");
    EXPECT_EQ(run.wait(), 3) << run.err(); // finished, with failures
    EXPECT_NE(run.out().find("⚠"), std::string::npos);
    const json results = load_json(json_path);
    ASSERT_EQ(results["cells"].size(), 2u);
    for (const auto& cell : results["cells"]) {
      EXPECT_EQ(cell["status"], "failures");
      EXPECT_EQ(cell["summary"]["failures"]["digest"], 20) << cell["row_id"];
      EXPECT_EQ(cell["summary"]["requests"], 0) << cell["row_id"]; // never timed as successes
      EXPECT_TRUE(cell["runs"][0]["server"].is_null());            // this server has no /stats
    }
  }
  {
    auto args = common; // length checks alone cannot see a flipped byte
    RunProcess run(args, "length");
    EXPECT_EQ(run.wait(), 0) << run.err();
  }
}

TEST(RunCommand, UnreachableUrlIsAOneLineError) {
  RunProcess run({"http://127.0.0.1:1", "--cycles", "5", "--no-progress"}, "unreachable");
  EXPECT_EQ(run.wait(), 1);
  const std::string err = run.err();
  EXPECT_NE(err.find("cannot reach http://127.0.0.1:1"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_TRUE(children_of(run.pid()).empty());
}

TEST(RunCommand, BadOptionIsAUsageError) {
  RunProcess run({"--cycles", "many"}, "bad-option");
  EXPECT_EQ(run.wait(), 2);
  EXPECT_NE(run.err().find("--cycles"), std::string::npos) << run.err();
  RunProcess unknown({"--clients", "nope", "--cycles", "1"}, "bad-client");
  EXPECT_EQ(unknown.wait(), 2);
  EXPECT_NE(unknown.err().find("unknown client 'nope'"), std::string::npos) << unknown.err();
}

// --server-option reaches the embedded server: with --keepalive-requests=10 it closes each
// connection after 10 requests, so a reusing client opens one per 10 instead of one in all;
// the results record the option, and the cell (a window long enough to judge) says which side
// was the limit.
TEST(RunCommand, ServerOptionsReachTheEmbeddedServer) {
  const std::string json_path = temp_path("server-option.json");
  RunProcess run({"--cycles", "1000000", "--duration", "0.4", "--warmup", "0", "--protocols",
                  "http", "--endpoints", "ping", "--clients", "curl.reuse-handle.discard-body",
                  "--server-option", "--keepalive-requests=10", "--json", json_path,
                  "--no-progress"},
                 "server-option");
  ASSERT_EQ(run.wait(), 0) << run.err();
  EXPECT_NE(run.out().find("(--keepalive-requests=10)"), std::string::npos) << run.out();
  const json results = load_json(json_path);
  ASSERT_TRUE(results.is_object());
  EXPECT_EQ(results["settings"]["server_options"],
            (std::vector<std::string>{"--keepalive-requests=10"}));
  ASSERT_EQ(results["cells"].size(), 1u);
  const auto& cell = results["cells"][0];
  EXPECT_EQ(cell["status"], "ok");
  const auto& run_json = cell["runs"][0];
  const auto sent = run_json["server"]["requests"].get<int>();
  EXPECT_GT(sent, 10);
  EXPECT_EQ(run_json["server"]["connections"], (sent + 9) / 10) << run_json["server"];
  const std::string limit = cell["summary"]["limit"];
  EXPECT_TRUE(limit == "client" || limit == "server" || limit == "both" || limit == "neither")
      << limit;
  EXPECT_EQ(run_json["limit"]["side"], limit);
  EXPECT_TRUE(run_json["limit"]["server_cpu_percent"].is_number()) << run_json["limit"];
}

TEST(RunCommand, BadServerOptionIsAUsageErrorBeforeAnyCell) {
  RunProcess run({"--cycles", "5", "--server-option", "--threads=many", "--no-progress"},
                 "bad-server-option");
  EXPECT_EQ(run.wait(), 2);
  EXPECT_NE(run.err().find("--server-option --threads=many: hcbench serve:"), std::string::npos)
      << run.err();
  EXPECT_TRUE(run.out().empty()) << run.out();
  EXPECT_TRUE(children_of(run.pid()).empty());
}

TEST(RunCommand, EmbeddedServerKilledMidRunIsAnError) {
  RunProcess run({"--cycles", "100000000", "--duration", "60", "--protocols", "http", "--clients",
                  "curl.reuse-handle.discard-body", "--endpoints", "ping", "--no-progress"},
                 "server-killed");
  const pid_t server = wait_for_server(run.pid());
  ASSERT_NE(server, 0);
  std::this_thread::sleep_for(300ms);
  kill(server, SIGKILL);
  EXPECT_EQ(run.wait(30s), 1);
  EXPECT_NE(run.err().find("the embedded server (hcbench serve) killed by signal 9"),
            std::string::npos)
      << run.err();
  EXPECT_TRUE(eventually_gone(server));
}

TEST(RunCommand, ExternalServerKilledMidRunIsAnError) {
  auto server = std::make_unique<test::ServerProcess>();
  ASSERT_TRUE(server->ready());
  const std::string url = server->http_url("");
  RunProcess run({url, "--cycles", "100000000", "--duration", "60", "--clients",
                  "curl.reuse-handle.discard-body", "--endpoints", "ping", "--no-progress"},
                 "external-killed");
  std::this_thread::sleep_for(500ms);
  kill(server->pid(), SIGKILL);
  EXPECT_EQ(run.wait(30s), 1);
  EXPECT_NE(run.err().find("stopped answering"), std::string::npos) << run.err();
}

TEST(RunCommand, CtrlCWritesWhatItHasAndStopsTheServer) {
  const std::string json_path = temp_path("interrupted.json");
  RunProcess run({"--cycles", "100000000", "--duration", "60", "--clients", "floor", "--endpoints",
                  "ping", "--json", json_path, "--no-progress"},
                 "interrupted");
  const pid_t server = wait_for_server(run.pid());
  ASSERT_NE(server, 0);
  std::this_thread::sleep_for(500ms);
  kill(run.pid(), SIGINT);
  EXPECT_EQ(run.wait(30s), 130) << run.err();
  EXPECT_TRUE(eventually_gone(server));
  const json results = load_json(json_path);
  ASSERT_TRUE(results.is_object());
  EXPECT_TRUE(results["interrupted"].get<bool>());
  EXPECT_TRUE(results["cells"][0]["runs"][0]["interrupted"].get<bool>());
  EXPECT_GT(results["cells"][0]["runs"][0]["requests"].get<int>(), 0);
}

TEST(RunCommand, TheServerDiesWithAKilledRun) {
  RunProcess run({"--cycles", "100000000", "--duration", "60", "--clients", "floor", "--endpoints",
                  "ping", "--no-progress"},
                 "run-killed");
  const pid_t server = wait_for_server(run.pid());
  ASSERT_NE(server, 0);
  kill(run.pid(), SIGKILL);
  run.wait(10s);
  EXPECT_TRUE(eventually_gone(server)) << "orphaned server " << server;
}

} // namespace
} // namespace hcbench
