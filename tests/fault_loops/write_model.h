// The model the fault loops check a store against: the state recovered at
// the last open plus the writes attempted since, in order. A store is
// consistent if it equals the base plus a prefix of those writes that holds
// every acknowledged one (a write that failed may or may not be there; one
// after a lost write may not).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace shale::fault_loops {

using State = std::map<std::string, std::string>;
// One write call: its mutations in order (nullopt = delete).
using Mutations =
    std::vector<std::pair<std::string, std::optional<std::string>>>;

inline void Apply(const Mutations &m, State *s) {
  for (const auto &[k, v] : m) {
    if (v) {
      (*s)[k] = *v;
    } else {
      s->erase(k);
    }
  }
}

inline std::string Describe(const State &s) {
  std::string out = "{";
  for (const auto &[k, v] : s) out += k + "=" + v.substr(0, 12) + " ";
  return out + "}";
}

// What the store may hold (see above).
struct Model {
  State base;
  State visible;  // base + the acknowledged writes
  std::vector<Mutations> attempted;
  size_t must_have = 0;

  void Attempt(const Mutations &m) { attempted.push_back(m); }
  void Acknowledge() {
    Apply(attempted.back(), &visible);
    must_have = attempted.size();
  }
  // Empty if state is allowed, else why not.
  std::string Check(const State &state) const {
    State s = base;
    for (size_t p = 0; p <= attempted.size(); ++p) {
      if (p > 0) Apply(attempted[p - 1], &s);
      if (p >= must_have && s == state) return "";
    }
    State acked = base;
    for (size_t p = 0; p < must_have; ++p) Apply(attempted[p], &acked);
    return "recovered " + Describe(state) +
           " is no prefix of the write order holding every acknowledged "
           "write; acknowledged state " +
           Describe(acked) + ", " + std::to_string(attempted.size()) +
           " writes attempted, " + std::to_string(must_have) +
           " acknowledged or before one";
  }
  void Reset(const State &recovered) {
    base = visible = recovered;
    attempted.clear();
    must_have = 0;
  }
};

}  // namespace shale::fault_loops
