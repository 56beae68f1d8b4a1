// Closing a libuv loop whose handles should all be closed already. A handle still open at that
// point is a bug (a leaked connection, timer or poll): it is counted and reported rather than
// closed quietly, the way libuv's own tests check uv_loop_close(loop) == 0.
#pragma once

#include <uv.h>

#include <cstddef>

namespace hcbench {

// Closes `loop`. Returns 0 when every handle was closed; otherwise how many handles were still
// there, which it then closes (without callbacks) so that the loop can be closed anyway.
std::size_t close_loop(uv_loop_t& loop);

} // namespace hcbench
