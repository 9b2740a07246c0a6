#include "kill_workload.h"

#include <cstdio>
#include <cstring>

namespace shale_kill {

uint64_t MixSeed(uint64_t a, uint64_t b) {
  Rng r(a ^ (b * 0xd1b54a32d192ed03ull));
  r.Next();
  return r.Next();
}

const char *OpName(OpKind kind) {
  switch (kind) {
    case OpKind::kPut: return "put";
    case OpKind::kDelete: return "delete";
    case OpKind::kBatch: return "batch";
    case OpKind::kBatchMany: return "batch_many";
    case OpKind::kPutMany: return "put_many";
    case OpKind::kDeleteMany: return "delete_many";
    case OpKind::kFlush: return "flush";
    case OpKind::kCompact: return "compact_range";
  }
  return "?";
}

std::string ThreadPrefix(uint32_t thread) {
  return "t" + std::to_string(thread) + "/";
}

std::string KeyOf(uint32_t thread, uint32_t n) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%05u", n);
  std::string key = ThreadPrefix(thread) + buf;
  // A few long keys, always the same for the same n.
  if (n % 50 == 7) key.append(200 + n % 100, static_cast<char>('a' + n % 26));
  return key;
}

OpStream::OpStream(uint64_t cycle_seed, uint32_t thread, uint32_t cycle)
    : rng_(MixSeed(cycle_seed, thread + 1)), thread_(thread), cycle_(cycle) {}

// A value that names its writer (cycle, thread, op, mutation) and is filled
// with a pattern derived from that name: a torn, shortened, stale or
// misplaced value never equals the expected one.
std::string OpStream::Value(uint32_t mutation, uint32_t len) {
  std::string v(len, '\0');
  uint32_t header[4] = {cycle_, thread_, index_, mutation};
  memcpy(v.data(), header, len < sizeof(header) ? len : sizeof(header));
  Rng fill(MixSeed(MixSeed(cycle_, thread_), MixSeed(index_, mutation)));
  for (size_t i = sizeof(header); i < len; i += 8) {
    uint64_t x = fill.Next();
    memcpy(v.data() + i, &x, len - i < 8 ? len - i : 8);
  }
  return v;
}

Mutation OpStream::RandomMutation(uint32_t index, uint32_t delete_percent) {
  Mutation m;
  m.key = KeyOf(thread_, rng_.Below(kKeysPerThread));
  m.is_delete = rng_.Percent(delete_percent);
  if (!m.is_delete) {
    uint32_t r = rng_.Below(100), len;
    if (r < 5) {
      len = 0;
    } else if (r < 70) {
      len = 8 + rng_.Below(200);
    } else if (r < 97) {
      len = 200 + rng_.Below(3000);
    } else {
      len = 10000 + rng_.Below(50000);  // spans log and table blocks
    }
    m.value = Value(index, len);
  }
  return m;
}

Op OpStream::Next() {
  Op op;
  uint32_t r = rng_.Below(100);
  if (r < 40) {
    op.kind = OpKind::kPut;
    op.mutations.push_back(RandomMutation(0, 0));
  } else if (r < 52) {
    op.kind = OpKind::kDelete;
    op.mutations.push_back(RandomMutation(0, 100));
  } else if (r < 66) {
    op.kind = OpKind::kBatch;
    uint32_t n = 1 + rng_.Below(20);
    for (uint32_t i = 0; i < n; ++i) op.mutations.push_back(RandomMutation(i, 30));
  } else if (r < 73) {
    // shale_batch_put_many then shale_batch_delete_many: puts first.
    op.kind = OpKind::kBatchMany;
    uint32_t puts = 1 + rng_.Below(15), dels = rng_.Below(8);
    for (uint32_t i = 0; i < puts; ++i) op.mutations.push_back(RandomMutation(i, 0));
    for (uint32_t i = 0; i < dels; ++i) {
      op.mutations.push_back(RandomMutation(puts + i, 100));
    }
  } else if (r < 88) {
    op.kind = OpKind::kPutMany;
    uint32_t n = 1 + rng_.Below(30);
    for (uint32_t i = 0; i < n; ++i) op.mutations.push_back(RandomMutation(i, 0));
  } else if (r < 97) {
    op.kind = OpKind::kDeleteMany;
    uint32_t n = 1 + rng_.Below(10);
    for (uint32_t i = 0; i < n; ++i) op.mutations.push_back(RandomMutation(i, 100));
  } else if (r < 98) {
    op.kind = OpKind::kFlush;
  } else if (r < 99) {
    op.kind = OpKind::kCompact;
    if (rng_.Percent(50)) {  // a range of this thread's keys, else all
      uint32_t a = rng_.Below(kKeysPerThread), b = rng_.Below(kKeysPerThread);
      op.start = KeyOf(thread_, a < b ? a : b);
      op.end = KeyOf(thread_, a < b ? b : a);
    }
  } else {
    // Overwrite the same key several times in one batch: the last wins.
    op.kind = OpKind::kBatch;
    std::string key = KeyOf(thread_, rng_.Below(kKeysPerThread));
    for (uint32_t i = 0; i < 4; ++i) {
      Mutation m = RandomMutation(i, i == 2 ? 100 : 0);
      m.key = key;
      op.mutations.push_back(std::move(m));
    }
  }
  ++index_;
  return op;
}

void Apply(const Op &op, Model *model) {
  for (const Mutation &m : op.mutations) {
    if (m.is_delete) {
      model->erase(m.key);
    } else {
      (*model)[m.key] = m.value;
    }
  }
}

Model Slice(const Model &model, const std::string &prefix) {
  Model out;
  for (auto it = model.lower_bound(prefix);
       it != model.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it) {
    out.insert(*it);
  }
  return out;
}

}  // namespace shale_kill
