#include "hcbench/results/limit.h"

#include <algorithm>

namespace hcbench {

std::string_view limit_name(Limit limit) {
  switch (limit) {
  case Limit::client:
    return "client";
  case Limit::server:
    return "server";
  case Limit::both:
    return "both";
  case Limit::neither:
    break;
  }
  return "neither";
}

std::optional<Limit> parse_limit(std::string_view name) {
  for (Limit limit : {Limit::neither, Limit::client, Limit::server, Limit::both}) {
    if (limit_name(limit) == name) return limit;
  }
  return std::nullopt;
}

namespace {

bool saturated(double cpu_percent, unsigned cpus) {
  return cpu_percent >= limit_threshold * 100.0 * std::max(1u, cpus);
}

Limit of_sides(bool client, bool server) {
  if (client && server) return Limit::both;
  if (client) return Limit::client;
  return server ? Limit::server : Limit::neither;
}

} // namespace

LimitVerdict judge_limit(const LimitInputs& inputs) {
  const bool client = saturated(inputs.client_cpu, inputs.client_cpus);
  const bool server = inputs.server_cpu && saturated(*inputs.server_cpu, inputs.server_cpus);
  return {of_sides(client, server), inputs};
}

LimitVerdict combine_limits(const LimitVerdict& a, const LimitVerdict& b) {
  const auto has = [](Limit l, Limit side) { return l == side || l == Limit::both; };
  LimitVerdict out;
  out.limit = of_sides(has(a.limit, Limit::client) || has(b.limit, Limit::client),
                       has(a.limit, Limit::server) || has(b.limit, Limit::server));
  // Each side's figures from the run where it was busiest relative to its CPUs.
  const auto client_share = [](const LimitInputs& in) {
    return in.client_cpu / std::max(1u, in.client_cpus);
  };
  const auto server_share = [](const LimitInputs& in) {
    return in.server_cpu.value_or(-1) / std::max(1u, in.server_cpus);
  };
  const LimitInputs& c = client_share(a.inputs) >= client_share(b.inputs) ? a.inputs : b.inputs;
  const LimitInputs& s = server_share(a.inputs) >= server_share(b.inputs) ? a.inputs : b.inputs;
  out.inputs.client_cpu = c.client_cpu;
  out.inputs.client_cpus = c.client_cpus;
  out.inputs.server_cpu = s.server_cpu;
  out.inputs.server_cpus = s.server_cpus;
  return out;
}

} // namespace hcbench
