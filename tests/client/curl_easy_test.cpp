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
  const TransferOutcome outcome = transfer_outcome(handle.get(), CURLE_OPERATION_TIMEDOUT, check);
  EXPECT_EQ(outcome.failure, FailureKind::timeout);
  EXPECT_EQ(outcome.error_text, curl_easy_strerror(CURLE_OPERATION_TIMEDOUT));
  EXPECT_EQ(outcome.new_connections, 0u);
}

TEST_F(TransferOutcomeTest, ACompletedTransferIsCheckedByItsStatus) {
  check.begin();
  const TransferOutcome outcome = transfer_outcome(handle.get(), CURLE_OK, check);
  EXPECT_EQ(outcome.failure, FailureKind::status) << "no response: status 0, not 200";
  EXPECT_TRUE(outcome.error_text.empty());
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
