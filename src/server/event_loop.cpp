#include "hcbench/server/event_loop.h"

namespace hcbench {

std::size_t close_loop(uv_loop_t& loop) {
  if (uv_loop_close(&loop) == 0) return 0;
  // uv_run() has returned, so no handle is still closing: every handle left was never closed.
  std::size_t left = 0;
  uv_walk(
      &loop,
      [](uv_handle_t* handle, void* count) {
        ++*static_cast<std::size_t*>(count);
        if (!uv_is_closing(handle)) uv_close(handle, nullptr);
      },
      &left);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return left;
}

} // namespace hcbench
