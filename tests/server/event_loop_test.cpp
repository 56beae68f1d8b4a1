// close_loop(): a handle left open when a loop ends is found and counted, not closed quietly.
#include "hcbench/server/event_loop.h"

#include <gtest/gtest.h>

namespace hcbench {
namespace {

TEST(EventLoop, ClosesCleanlyWhenEveryHandleIsClosed) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  uv_timer_t timer;
  uv_timer_init(&loop, &timer);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(close_loop(loop), 0u);
}

TEST(EventLoop, CountsHandlesLeftOpenAndStillClosesTheLoop) {
  uv_loop_t loop;
  ASSERT_EQ(uv_loop_init(&loop), 0);
  uv_timer_t forgotten;
  uv_timer_init(&loop, &forgotten);
  uv_idle_t also_forgotten;
  uv_idle_init(&loop, &also_forgotten);
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(close_loop(loop), 2u);
}

} // namespace
} // namespace hcbench
