#include "hcbench/client/curl_easy.h"

#include <gtest/gtest.h>

namespace hcbench {
namespace {

TEST(CurlEasy, TransferErrorsMapToFailureKinds) {
  const std::pair<CURLcode, FailureKind> table[] = {
      {CURLE_COULDNT_CONNECT, FailureKind::connect},
      {CURLE_RECV_ERROR, FailureKind::connect},
      {CURLE_SSL_CONNECT_ERROR, FailureKind::tls},
      {CURLE_PEER_FAILED_VERIFICATION, FailureKind::tls},
      {CURLE_OPERATION_TIMEDOUT, FailureKind::timeout},
      {CURLE_PARTIAL_FILE, FailureKind::length},
      {CURLE_WEIRD_SERVER_REPLY, FailureKind::protocol},
      {CURLE_OUT_OF_MEMORY, FailureKind::other},
  };
  for (const auto& [code, kind] : table) {
    EXPECT_EQ(failure_from_curl(code), kind) << curl_easy_strerror(code);
  }
}

// A handle that never ran: what transfer_outcome reads of it does not depend on a server.
class TransferOutcomeTest : public testing::Test {
protected:
  void SetUp() override {
    ensure_curl_initialized();
    spec.url = "http://127.0.0.1:9/ping";
    handle = make_easy_handle(spec, CurlConfig{}, &sink, nullptr);
    ASSERT_TRUE(handle);
  }
  CellSpec spec;
  ResponseCheck check{spec};
  TransferSink sink{&check, nullptr};
  CurlEasy handle;
};

TEST_F(TransferOutcomeTest, AnErrorIsItsKindWithLibcurlsWords) {
  const TransferOutcome outcome =
      transfer_outcome(handle.get(), CURLE_OPERATION_TIMEDOUT, check, "1.1");
  EXPECT_EQ(outcome.failure, FailureKind::timeout);
  EXPECT_EQ(outcome.error_text, curl_easy_strerror(CURLE_OPERATION_TIMEDOUT));
  EXPECT_EQ(outcome.new_connections, 0u);
}

TEST_F(TransferOutcomeTest, ACompletedTransferIsCheckedByItsStatus) {
  check.begin();
  const TransferOutcome outcome = transfer_outcome(handle.get(), CURLE_OK, check, "1.1");
  EXPECT_EQ(outcome.failure, FailureKind::status) << "no response: status 0, not 200";
  EXPECT_TRUE(outcome.error_text.empty());
}

TEST_F(TransferOutcomeTest, AResponseOverAnotherHttpVersionIsAProtocolFailure) {
  check.begin();
  // The handle never ran, so it answered over no HTTP/2: a cell that asked for 2 must not
  // count it, whatever its status.
  const TransferOutcome outcome = transfer_outcome(handle.get(), CURLE_OK, check, "2");
  EXPECT_EQ(outcome.failure, FailureKind::protocol);
  EXPECT_NE(outcome.error_text.find("not HTTP/2"), std::string_view::npos);
  EXPECT_FALSE(outcome.http2);
}

// A spec built from moved strings: assigning literals here trips GCC 12's -Wrestrict false
// positive in std::string.
CellSpec spec_for(std::string url, std::string http_version) {
  CellSpec spec;
  spec.url = std::move(url);
  spec.http_version = std::move(http_version);
  return spec;
}

TEST(CurlEasy, HttpVersionIsAskedExplicitly) {
  EXPECT_EQ(curl_http_version(spec_for("https://127.0.0.1:4443/ping", "1.1")),
            CURL_HTTP_VERSION_1_1)
      << "not libcurl's h2-over-TLS default";
  EXPECT_EQ(curl_http_version(spec_for("https://127.0.0.1:4443/ping", "2")),
            CURL_HTTP_VERSION_2TLS);
  EXPECT_EQ(curl_http_version(spec_for("http://127.0.0.1:8080/ping", "2")),
            CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
}

TEST(CurlEasy, ShareHandleOnlyWhenAsked) {
  ensure_curl_initialized();
  EXPECT_FALSE(make_tls_session_share(CurlConfig{}));
  CurlConfig shared;
  shared.share_tls_sessions = true;
  EXPECT_TRUE(make_tls_session_share(shared));
}

} // namespace
} // namespace hcbench
