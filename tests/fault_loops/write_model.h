// The model the fault loops check a store against: the state recovered at
// the last open plus the writes attempted since, in order. A store is
// consistent if it equals the base plus a prefix of those writes that holds
// every acknowledged one (a write that failed may or may not be there; one
// after a lost write may not).
#pragma once

#include <cstdint>
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

// What the store may hold (see above). A write that failed before a later
// one was acknowledged failed cleanly (else the db would have refused the
// later one): it may be absent, or present if it reached the log first.
struct Model {
  State base;
  State visible;  // base + the acknowledged writes
  std::vector<Mutations> attempted;
  std::vector<bool> acked;
  size_t must_have = 0;  // attempted writes up to the last acknowledged one

  void Attempt(const Mutations &m) {
    attempted.push_back(m);
    acked.push_back(false);
  }
  void Acknowledge() {
    Apply(attempted.back(), &visible);
    acked.back() = true;
    must_have = attempted.size();
  }
  // Empty if state is allowed, else why not.
  std::string Check(const State &state) const {
    std::vector<size_t> optional;  // failed writes before the last ack
    for (size_t i = 0; i < must_have; ++i) {
      if (!acked[i]) optional.push_back(i);
    }
    if (optional.size() > 12) return "too many failed writes to check";
    for (uint64_t mask = 0; mask < (uint64_t{1} << optional.size());
         ++mask) {
      State s = base;
      size_t next = 0;
      for (size_t i = 0; i < must_have; ++i) {
        if (next < optional.size() && optional[next] == i) {
          if ((mask >> next++ & 1) == 0) continue;
        }
        Apply(attempted[i], &s);
      }
      for (size_t p = must_have; p <= attempted.size(); ++p) {
        if (p > must_have) Apply(attempted[p - 1], &s);
        if (s == state) return "";
      }
    }
    State want = base;
    for (size_t p = 0; p < must_have; ++p) {
      if (acked[p]) Apply(attempted[p], &want);
    }
    return "recovered " + Describe(state) +
           " is no prefix of the write order holding every acknowledged "
           "write; acknowledged state " +
           Describe(want) + ", " + std::to_string(attempted.size()) +
           " writes attempted, " + std::to_string(must_have) +
           " acknowledged or before one";
  }
  void Reset(const State &recovered) {
    base = visible = recovered;
    attempted.clear();
    acked.clear();
    must_have = 0;
  }
};

}  // namespace shale::fault_loops
