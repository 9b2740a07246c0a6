#include "write_model.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "value_codec.h"

namespace shale::power_loss {

namespace {

// The stream a key belongs to, -1 for a key no stream writes.
int StreamOf(const std::string &key) {
  if (key.size() < 3 || key[0] != 's') return -1;
  const size_t slash = key.find('/');
  if (slash == std::string::npos || slash == 1) return -1;
  int n = 0;
  for (size_t i = 1; i < slash; ++i) {
    if (key[i] < '0' || key[i] > '9') return -1;
    n = n * 10 + (key[i] - '0');
  }
  return n;
}

std::string Show(const std::optional<std::string> &v) {
  if (!v) return "<absent>";
  const std::string head = v->substr(0, std::min<size_t>(v->size(), 48));
  return "\"" + head + (v->size() > 48 ? "...\"" : "\"") + " (" +
         std::to_string(v->size()) + " bytes)";
}

}  // namespace

std::string StreamKey(int stream, int key) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "s%d/k%05d", stream, key);
  return buf;
}

void WriteModel::DurableBefore(uint64_t ticket) {
  uint64_t cur = durable_before_.load();
  while (cur < ticket && !durable_before_.compare_exchange_weak(cur, ticket)) {
  }
}

WriteModel::Result WriteModel::Check(const KeyValues &base,
                                     const KeyValues &recovered) const {
  Result r;
  const uint64_t durable_before = durable_before_.load();
  auto fail = [&](const std::string &what) {
    if (r.ok) r.error = what;
    r.ok = false;
  };

  // Every value must decode and belong to a known stream.
  int max_stream = streams() - 1;
  for (const auto &[key, value] : recovered) {
    std::string why;
    if (!DecodeValue(key, value, &why)) {
      fail("key " + key + ": " + why + ": " + Show(value));
    }
    const int s = StreamOf(key);
    if (s < 0) fail("key " + key + " was never written by the suite");
    max_stream = std::max(max_stream, s);
  }
  for (const auto &[key, value] : base) {
    max_stream = std::max(max_stream, StreamOf(key));
  }
  if (!r.ok) return r;

  // Per stream: the shortest prefix that covers the required writes and
  // reproduces the recovered keys.
  std::vector<int64_t> prefix(max_stream + 1, -1);
  for (int s = 0; s <= max_stream; ++s) {
    static const std::vector<WriteRecord> kNone;
    const std::vector<WriteRecord> &writes =
        s < streams() ? streams_[s] : kNone;
    int64_t required = -1;
    for (size_t i = 0; i < writes.size(); ++i) {
      ++r.issued;
      if (writes[i].acked_durable || writes[i].end < durable_before) {
        required = static_cast<int64_t>(i);
      }
    }
    // The stream's keys and the model state before its first write.
    std::map<std::string, std::optional<std::string>> expected;
    std::set<std::string> keys;
    for (const auto &[k, v] : base) {
      if (StreamOf(k) == s) expected[k] = v, keys.insert(k);
    }
    for (const auto &[k, v] : recovered) {
      if (StreamOf(k) == s) keys.insert(k);
    }
    for (const WriteRecord &w : writes) {
      for (const Mutation &m : w.mutations) keys.insert(m.key);
    }
    auto actual = [&](const std::string &k) -> std::optional<std::string> {
      auto it = recovered.find(k);
      if (it == recovered.end()) return std::nullopt;
      return it->second;
    };
    auto expect = [&](const std::string &k) -> std::optional<std::string> {
      auto it = expected.find(k);
      if (it == expected.end()) return std::nullopt;
      return it->second;
    };
    size_t mismatches = 0;
    for (const std::string &k : keys) mismatches += expect(k) != actual(k);

    int64_t found = -2;
    std::string first_diff;  // at the required prefix, for the message
    for (int64_t p = -1; p < static_cast<int64_t>(writes.size()); ++p) {
      if (p >= 0) {
        for (const Mutation &m : writes[p].mutations) {
          mismatches -= expect(m.key) != actual(m.key);
          expected[m.key] = m.value;
          mismatches += expect(m.key) != actual(m.key);
        }
      }
      if (p < required) continue;
      if (p == required) {
        for (const std::string &k : keys) {
          if (expect(k) != actual(k) && first_diff.empty()) {
            first_diff = "at that prefix key " + k + " should be " +
                         Show(expect(k)) + " but is " + Show(actual(k));
          }
        }
      }
      if (mismatches == 0) {
        found = p;
        break;
      }
    }
    if (found == -2) {
      fail("stream " + std::to_string(s) +
           ": the recovered keys match no prefix of its " +
           std::to_string(writes.size()) + " writes that includes the " +
           std::to_string(required + 1) + " required to survive (" +
           first_diff + ")");
      return r;
    }
    prefix[s] = found;
    r.visible += static_cast<uint64_t>(found + 1);
    r.required += static_cast<uint64_t>(required + 1);
  }

  // Across streams: a visible write implies every write that returned
  // before it started.
  for (int s = 0; s < streams(); ++s) {
    if (prefix[s] < 0) continue;
    const uint64_t started = streams_[s][prefix[s]].start;
    for (int o = 0; o < streams(); ++o) {
      const auto &writes = streams_[o];
      for (size_t j = static_cast<size_t>(prefix[o] + 1); j < writes.size();
           ++j) {
        if (writes[j].end < started) {
          fail("stream " + std::to_string(o) + " write " + std::to_string(j) +
               " returned before stream " + std::to_string(s) + " write " +
               std::to_string(prefix[s]) +
               " started; the later one survived, the earlier one is lost");
          return r;
        }
      }
    }
  }
  return r;
}

}  // namespace shale::power_loss
