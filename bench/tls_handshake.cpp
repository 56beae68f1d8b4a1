// Server-side CPU cost of TLS handshakes, in memory on one thread: full and resumed (ticket)
// handshakes for each certificate type and ECDHE curve, and the memory an established idle
// session keeps. Only the server's calls are timed (CLOCK_THREAD_CPUTIME_ID around them);
// the client's work is excluded. --engine chooses the server's TLS engine (both: the two
// take turns too, so they are compared in one run).
//
//   build/bench/tls_handshake [--engine mbedtls|openssl|both] [--full N] [--resumed N]
//                             [--seconds S] [--idle N]
#include "hcbench/server/mbedtls_tls.h"
#include "hcbench/server/tls.h"

#include "../tests/support/memory_tls_client.h"
#include "hcbench/shared/data_dir.h"

#include <malloc.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ssl_internal.h>
#include <mbedtls/version.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

using hcbench::IoStatus;
using hcbench::TlsContext;
using hcbench::TlsSession;
using hcbench::testing::ClientConfig;
using hcbench::testing::ClientOptions;
using hcbench::testing::MemoryClient;

std::int64_t thread_cpu_ns() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// A TlsSession whose every call is charged to the server's CPU time, creation included.
class TimedSession {
public:
  TimedSession(const TlsContext& context, std::int64_t& cpu_ns) : cpu_ns_(cpu_ns) {
    std::int64_t start = thread_cpu_ns();
    session_ = context.new_session();
    cpu_ns_ += thread_cpu_ns() - start;
  }
  ~TimedSession() {
    std::int64_t start = thread_cpu_ns();
    session_.reset();
    cpu_ns_ += thread_cpu_ns() - start;
  }
  TimedSession(const TimedSession&) = delete;
  TimedSession& operator=(const TimedSession&) = delete;

  void receive(std::span<const char> ciphertext) {
    std::int64_t start = thread_cpu_ns();
    session_->receive(ciphertext);
    cpu_ns_ += thread_cpu_ns() - start;
  }
  IoStatus read(std::string& plaintext) {
    std::int64_t start = thread_cpu_ns();
    IoStatus status = session_->read(plaintext);
    cpu_ns_ += thread_cpu_ns() - start;
    return status;
  }
  std::string& outgoing() { return session_->outgoing(); }
  bool handshake_complete() const { return session_->handshake_complete(); }
  bool resumed() const { return session_->resumed(); }
  const std::string& error() const { return session_->error(); }
  const char* ciphersuite() const { return session_->ciphersuite(); }

private:
  std::int64_t& cpu_ns_;
  std::unique_ptr<TlsSession> session_;
};

struct Case {
  hcbench::TlsEngine engine;
  const char* name;
  const char* cert_base; // certs/<base>.crt and .key
  std::vector<mbedtls_ecp_group_id> client_curves;
};

std::unique_ptr<TlsContext> load(hcbench::TlsEngine engine, const char* base) {
  std::string error;
  auto context = TlsContext::create(
      hcbench::TlsSettings{engine,
                           hcbench::data_file(std::string("certs/") + base + ".crt"),
                           hcbench::data_file(std::string("certs/") + base + ".key"),
                           {}},
      error);
  if (context == nullptr) {
    std::fprintf(stderr, "tls_handshake: %s\n", error.c_str());
    std::exit(1);
  }
  return context;
}

// One certificate and client curve list, with what was measured for it.
struct Bench {
  explicit Bench(const Case& c)
      : name(c.name), context(load(c.engine, c.cert_base)), config(options_for(c)) {
    mbedtls_ssl_session_init(&saved);
  }
  ~Bench() { mbedtls_ssl_session_free(&saved); }
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;

  static ClientOptions options_for(const Case& c) {
    ClientOptions options; // no verification: the client's cost is not measured anyway
    options.curves = c.client_curves;
    return options;
  }

  // One handshake, full or resumed with the saved ticket; returns the server's CPU time.
  std::int64_t handshake(bool resume) {
    MemoryClient client(config, resume ? &saved : nullptr);
    std::int64_t cpu_ns = 0;
    {
      TimedSession server(*context, cpu_ns);
      if (auto failure = hcbench::testing::handshake(client, server); !failure.empty()) {
        std::fprintf(stderr, "tls_handshake: %s: %s\n", name, failure.c_str());
        std::exit(1);
      }
      if (server.resumed() != resume) {
        std::fprintf(stderr, "tls_handshake: %s: resumed() is %d\n", name, server.resumed());
        std::exit(1);
      }
      suite = server.ciphersuite();
    }
    if (!resume && saved.ticket_len == 0) mbedtls_ssl_get_session(client.ssl(), &saved);
    return cpu_ns;
  }

  const char* name;
  std::unique_ptr<TlsContext> context;
  ClientConfig config;
  mbedtls_ssl_session saved;
  std::string suite;
  std::vector<std::int64_t> full_ns, resumed_ns;
};

double median_us(std::vector<std::int64_t> samples) {
  if (samples.empty()) return 0;
  auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
  std::nth_element(samples.begin(), middle, samples.end());
  return static_cast<double>(*middle) / 1000;
}

double mean_us(const std::vector<std::int64_t>& samples) {
  if (samples.empty()) return 0;
  std::int64_t total = 0;
  for (auto sample : samples) total += sample;
  return static_cast<double>(total) / static_cast<double>(samples.size()) / 1000;
}

// Cases take turns, one handshake each, so that noise from other processes on the machine
// falls evenly on all of them. Full handshakes get most of the time budget.
void measure(std::vector<std::unique_ptr<Bench>>& benches, int full_count, int resumed_count,
             double seconds) {
  for (auto& bench : benches) bench->handshake(false); // warm-up, and the ticket to resume
  auto clock = [] { return std::chrono::steady_clock::now(); };
  auto deadline = clock() + std::chrono::duration<double>(seconds * 0.8);
  for (int i = 0; i < full_count && clock() < deadline; ++i) {
    for (auto& bench : benches) bench->full_ns.push_back(bench->handshake(false));
  }
  deadline = clock() + std::chrono::duration<double>(seconds * 0.2);
  for (int i = 0; i < resumed_count && clock() < deadline; ++i) {
    for (auto& bench : benches) bench->resumed_ns.push_back(bench->handshake(true));
  }
}

// The public-key operations a full handshake costs the server, measured in the same run so
// the handshake figures can be read against them: ECDHE = key generation + shared secret.
void measure_primitives(int count) {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, nullptr, 0);
  auto time_us = [&](auto&& operation) {
    std::vector<std::int64_t> samples;
    for (int i = 0; i < count; ++i) {
      std::int64_t start = thread_cpu_ns();
      operation();
      samples.push_back(thread_cpu_ns() - start);
    }
    return median_us(samples);
  };
  std::printf("\nPublic-key operations (median of %d, microseconds of CPU):\n", count);
  for (auto [name, curve] : {std::pair{"x25519", MBEDTLS_ECP_DP_CURVE25519},
                             std::pair{"secp256r1", MBEDTLS_ECP_DP_SECP256R1}}) {
    mbedtls_ecp_group group;
    mbedtls_mpi peer_secret, secret, shared;
    mbedtls_ecp_point peer_public, own_public;
    mbedtls_ecp_group_init(&group);
    mbedtls_mpi_init(&peer_secret);
    mbedtls_mpi_init(&secret);
    mbedtls_mpi_init(&shared);
    mbedtls_ecp_point_init(&peer_public);
    mbedtls_ecp_point_init(&own_public);
    mbedtls_ecp_group_load(&group, curve);
    mbedtls_ecdh_gen_public(&group, &peer_secret, &peer_public, mbedtls_ctr_drbg_random, &drbg);
    double us = time_us([&] {
      mbedtls_ecdh_gen_public(&group, &secret, &own_public, mbedtls_ctr_drbg_random, &drbg);
      mbedtls_ecdh_compute_shared(&group, &shared, &peer_public, &secret, mbedtls_ctr_drbg_random,
                                  &drbg);
    });
    std::printf("  ECDHE %-10s %7.0f\n", name, us);
    mbedtls_ecp_point_free(&own_public);
    mbedtls_ecp_point_free(&peer_public);
    mbedtls_mpi_free(&shared);
    mbedtls_mpi_free(&secret);
    mbedtls_mpi_free(&peer_secret);
    mbedtls_ecp_group_free(&group);
  }
  for (auto [name, base] :
       {std::pair{"ECDSA P-256", "localhost"}, std::pair{"RSA 2048", "localhost-rsa"}}) {
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    auto path = hcbench::data_file(std::string("certs/") + base + ".key");
    if (mbedtls_pk_parse_keyfile(&key, path.c_str(), nullptr) != 0) std::exit(1);
    std::array<unsigned char, 32> hash{};
    std::array<unsigned char, MBEDTLS_PK_SIGNATURE_MAX_SIZE> signature{};
    std::size_t length = 0;
    double us = time_us([&] {
      mbedtls_pk_sign(&key, MBEDTLS_MD_SHA256, hash.data(), hash.size(), signature.data(), &length,
                      mbedtls_ctr_drbg_random, &drbg);
    });
    const bool ecdsa_key = mbedtls_pk_can_do(&key, MBEDTLS_PK_ECDSA);
    std::printf("  sign  %-11s %6.0f%s\n", name, us,
                ecdsa_key ? "   (key as parsed: a fresh curve group per signature)" : "");
    if (ecdsa_key) {
      // What TlsContext signs with: the same key as an ECDSA context, which keeps its group
      // and so the precomputed table of the base point.
      mbedtls_pk_context ecdsa;
      mbedtls_pk_init(&ecdsa);
      if (mbedtls_pk_setup(&ecdsa, mbedtls_pk_info_from_type(MBEDTLS_PK_ECDSA)) != 0 ||
          mbedtls_ecdsa_from_keypair(static_cast<mbedtls_ecdsa_context*>(ecdsa.pk_ctx),
                                     mbedtls_pk_ec(key)) != 0)
        std::exit(1);
      us = time_us([&] {
        mbedtls_pk_sign(&ecdsa, MBEDTLS_MD_SHA256, hash.data(), hash.size(), signature.data(),
                        &length, mbedtls_ctr_drbg_random, &drbg);
      });
      std::printf("  sign  %-11s %6.0f   (as an ECDSA context, as hcbench serve signs)\n", name,
                  us);
      mbedtls_pk_free(&ecdsa);
    }
    mbedtls_pk_free(&key);
  }
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&entropy);
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

// Heap bytes and resident memory that `count` established, idle server sessions keep:
// sessions are kept, their clients freed, and the difference is divided by `count`.
void measure_idle_memory(hcbench::TlsEngine engine, int count) {
  auto context = load(engine, "localhost");
  ClientConfig config(ClientOptions{});
  mbedtls_ssl_session saved;
  mbedtls_ssl_session_init(&saved);
  {
    MemoryClient client(config);
    auto server = context->new_session();
    if (!hcbench::testing::handshake(client, *server).empty()) std::exit(1);
    mbedtls_ssl_get_session(client.ssl(), &saved);
  }
  malloc_trim(0);
  auto heap_before = mallinfo2().uordblks;
  long rss_before = rss_kib();
  std::vector<std::unique_ptr<TlsSession>> sessions;
  sessions.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    auto client = std::make_unique<MemoryClient>(config, &saved);
    auto server = context->new_session();
    if (!hcbench::testing::handshake(*client, *server).empty()) std::exit(1);
    std::string request;
    client->write_all("GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n");
    hcbench::testing::deliver(*client, *server, request);
    server->write(std::string("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npong"));
    server->outgoing().clear(); // sent: the connection keeps no ciphertext while idle
    sessions.push_back(std::move(server));
  }
  malloc_trim(0);
  auto heap_after = mallinfo2().uordblks;
  long rss_after = rss_kib();
  std::printf("\nIdle established session (%s, ECDSA, one request served), %d sessions:\n",
              context->library_version().c_str(), count);
  std::printf("  heap per session   %.0f B", static_cast<double>(heap_after - heap_before) / count);
  if (engine == hcbench::TlsEngine::mbedtls) {
    std::printf("   (sizeof(MbedTlsSession) %zu B; mbedTLS record buffers %d + %d B)",
                sizeof(hcbench::MbedTlsSession), MBEDTLS_SSL_IN_BUFFER_LEN,
                MBEDTLS_SSL_OUT_BUFFER_LEN);
  }
  std::printf("\n");
  std::printf("  RSS per session    %.0f B\n",
              static_cast<double>(rss_after - rss_before) * 1024 / count);
  sessions.clear();
  mbedtls_ssl_session_free(&saved);
}

} // namespace

int main(int argc, char** argv) {
  int full_count = 300, resumed_count = 1000, idle_count = 500;
  double seconds = 20;
  std::vector<hcbench::TlsEngine> engines = {hcbench::TlsEngine::mbedtls};
  bool usage_error = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--engine") == 0) {
      if (std::strcmp(argv[i + 1], "both") == 0) {
        engines = {hcbench::TlsEngine::mbedtls, hcbench::TlsEngine::openssl};
      } else if (auto engine = hcbench::parse_tls_engine(argv[i + 1])) {
        engines = {*engine};
      } else {
        usage_error = true;
      }
    } else if (std::strcmp(argv[i], "--full") == 0)
      full_count = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--resumed") == 0)
      resumed_count = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--seconds") == 0)
      seconds = std::atof(argv[i + 1]);
    else if (std::strcmp(argv[i], "--idle") == 0)
      idle_count = std::atoi(argv[i + 1]);
    else
      usage_error = true;
  }
  if (usage_error || argc % 2 == 0) {
    std::fprintf(stderr, "usage: tls_handshake [--engine mbedtls|openssl|both] [--full N] "
                         "[--resumed N] [--seconds S] [--idle N]\n");
    return 2;
  }
  std::vector<Case> cases;
  for (const auto engine : engines) {
    const std::vector<Case> engine_cases = {
        {engine,
         "ECDSA P-256 cert, x25519",
         "localhost",
         {MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1}},
        {engine, "ECDSA P-256 cert, secp256r1", "localhost", {MBEDTLS_ECP_DP_SECP256R1}},
        {engine,
         "RSA 2048 cert, x25519",
         "localhost-rsa",
         {MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1}},
        {engine, "RSA 2048 cert, secp256r1", "localhost-rsa", {MBEDTLS_ECP_DP_SECP256R1}},
    };
    cases.insert(cases.end(), engine_cases.begin(), engine_cases.end());
  }
  std::vector<std::unique_ptr<Bench>> benches;
  for (const auto& c : cases) benches.push_back(std::make_unique<Bench>(c));
  measure(benches, full_count, resumed_count, seconds);

  std::printf("Server CPU per handshake (CLOCK_THREAD_CPUTIME_ID, client excluded; the client is "
              "%s)\n",
              MBEDTLS_VERSION_STRING_FULL);
  for (const auto engine : engines) {
    std::printf("  %-7s = %s\n", std::string(hcbench::tls_engine_name(engine)).c_str(),
                load(engine, "localhost")->library_version().c_str());
  }
  std::printf("\n| %-7s | %-28s | %-45s | %5s | %14s | %8s | %7s | %15s | %10s |\n", "engine",
              "certificate, curve", "suite", "full", "median (mean)", "full/s", "resumed",
              "median (mean)", "resumed/s");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(9, '-').c_str(),
              std::string(30, '-').c_str(), std::string(47, '-').c_str(),
              std::string(7, '-').c_str(), std::string(16, '-').c_str(),
              std::string(10, '-').c_str(), std::string(9, '-').c_str(),
              std::string(17, '-').c_str(), std::string(12, '-').c_str());
  for (const auto& bench : benches) {
    double full = median_us(bench->full_ns), resumed = median_us(bench->resumed_ns);
    std::printf(
        "| %-7s | %-28s | %-45s | %5zu | %6.0f (%5.0f) | %8.0f | %7zu | %6.1f (%6.1f) | %10.0f |\n",
        std::string(hcbench::tls_engine_name(bench->context->engine())).c_str(), bench->name,
        bench->suite.c_str(), bench->full_ns.size(), full, mean_us(bench->full_ns),
        full > 0 ? 1e6 / full : 0, bench->resumed_ns.size(), resumed, mean_us(bench->resumed_ns),
        resumed > 0 ? 1e6 / resumed : 0);
  }
  std::printf("(times in microseconds of server CPU per handshake; /s = 1 / median)\n");
  // The public-key primitives are mbedTLS's; they explain its handshake figures.
  if (engines.front() == hcbench::TlsEngine::mbedtls) measure_primitives(100);
  if (idle_count > 0) {
    for (const auto engine : engines) measure_idle_memory(engine, idle_count);
  }
  return 0;
}
