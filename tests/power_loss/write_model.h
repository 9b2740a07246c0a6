// The in-memory model of a power-loss cycle's writes, and the check of a
// recovered db against it.
//
// Writes are recorded per stream (one stream per writer thread; keys
// "s<stream>/..." belong to one stream only). Every call takes a ticket
// from one global counter before it starts and, if it returned OK, one
// after it returned, so "a returned before b started" is known across
// threads. A write is required to survive if it was acknowledged durable
// itself (OK in SyncMode kEvery/kGroup) or returned before an OK Sync,
// Flush or CompactRange started.
//
// The check: for each stream the recovered keys must equal the stream's
// state after some prefix of its writes that includes every required one
// (no holes, nothing extra, nothing torn); and a visible write implies
// every write of any stream that returned before it started is visible.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace shale::power_loss {

using KeyValues = std::map<std::string, std::string>;

struct Mutation {
  std::string key;
  std::optional<std::string> value;  // nullopt: delete
};

struct WriteRecord {
  std::vector<Mutation> mutations;
  uint64_t start = 0;          // ticket taken before the call
  uint64_t end = UINT64_MAX;   // ticket after an OK return; MAX: failed
  bool acked_durable = false;  // OK in a syncing mode
};

std::string StreamKey(int stream, int key);

class WriteModel {
 public:
  explicit WriteModel(int streams) : streams_(streams) {}

  int streams() const { return static_cast<int>(streams_.size()); }
  uint64_t Ticket() { return ticket_.fetch_add(1) + 1; }
  // Called by the stream's own thread only. Returns the record to fill in.
  WriteRecord &Add(int stream) { return streams_[stream].emplace_back(); }
  // An OK Sync/Flush/CompactRange that started at ticket: everything that
  // returned before it is durable.
  void DurableBefore(uint64_t ticket);

  struct Result {
    bool ok = true;
    std::string error;      // what is wrong, with the keys involved
    uint64_t issued = 0;    // writes checked (OK or not)
    uint64_t required = 0;  // of those, required to survive
    uint64_t visible = 0;   // of those, found in the recovered prefix
  };
  // base: the state before this cycle's writes; recovered: every key and
  // value read back from the db.
  Result Check(const KeyValues &base, const KeyValues &recovered) const;

 private:
  std::vector<std::vector<WriteRecord>> streams_;
  std::atomic<uint64_t> ticket_{0};
  std::atomic<uint64_t> durable_before_{0};
};

}  // namespace shale::power_loss
