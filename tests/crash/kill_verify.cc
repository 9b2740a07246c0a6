#include "kill_verify.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace shale_kill {

namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

std::string Printable(const std::string &s, size_t max = 40) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

std::string Error(const char *what, int32_t rc) {
  return std::string(what) + " returned " + shale_status_name(rc) + ": " +
         shale_last_error();
}

// Walks one iterator in one direction.
std::string Walk(shale_db *db, bool forward, Entries *out) {
  shale_iter *it = nullptr;
  int32_t rc = shale_iter_new(db, nullptr, &it);
  if (rc != SHALE_OK) return Error("shale_iter_new", rc);
  std::string err;
  for (rc = forward ? shale_iter_first(it) : shale_iter_last(it);
       rc == SHALE_OK; rc = forward ? shale_iter_next(it) : shale_iter_prev(it)) {
    const void *k, *v;
    size_t kn, vn;
    if ((rc = shale_iter_key(it, &k, &kn)) != SHALE_OK ||
        (rc = shale_iter_value(it, &v, &vn)) != SHALE_OK) {
      err = Error("shale_iter_key/value", rc);
      break;
    }
    out->emplace_back(std::string(static_cast<const char *>(k), kn),
                      std::string(static_cast<const char *>(v), vn));
  }
  if (err.empty() && rc != SHALE_NOT_FOUND) err = Error("iterator move", rc);
  shale_iter_free(it);
  return err;
}

// Walks backward in chunks of up to 7 entries with shale_iter_next_many.
std::string WalkBackwardInChunks(shale_db *db, Entries *out) {
  shale_iter *it = nullptr;
  int32_t rc = shale_iter_new(db, nullptr, &it);
  if (rc != SHALE_OK) return Error("shale_iter_new", rc);
  std::string err;
  rc = shale_iter_last(it);
  while (rc == SHALE_OK) {
    void *data = nullptr;
    size_t lens[14], count = 0;
    rc = shale_iter_next_many(it, SHALE_ITER_BACKWARD, 7, 0, &data, lens,
                              &count);
    if (rc != SHALE_OK) break;
    const char *p = static_cast<const char *>(data);
    for (size_t i = 0; i < count; ++i) {
      std::string k(p, lens[2 * i]);
      p += lens[2 * i];
      out->emplace_back(std::move(k), std::string(p, lens[2 * i + 1]));
      p += lens[2 * i + 1];
    }
    shale_free(data);
  }
  if (rc != SHALE_NOT_FOUND) err = Error("shale_iter_next_many", rc);
  shale_iter_free(it);
  return err;
}

// The first difference between two models, described.
std::string Diff(const Model &expected, const Model &actual) {
  auto e = expected.begin();
  auto a = actual.begin();
  while (e != expected.end() || a != actual.end()) {
    if (a == actual.end() || (e != expected.end() && e->first < a->first)) {
      return "key " + Printable(e->first) + " is missing (expected value " +
             Printable(e->second, 20) + ")";
    }
    if (e == expected.end() || a->first < e->first) {
      return "key " + Printable(a->first) + " should not exist (value " +
             Printable(a->second, 20) + ")";
    }
    if (e->second != a->second) {
      return "key " + Printable(e->first) + " has value " +
             Printable(a->second, 20) + ", expected " +
             Printable(e->second, 20);
    }
    ++e;
    ++a;
  }
  return "";
}

}  // namespace

std::string ReadAll(shale_db *db, Model *out) {
  Entries fwd, bwd, chunks;
  std::string err = Walk(db, true, &fwd);
  if (err.empty()) err = Walk(db, false, &bwd);
  if (err.empty()) err = WalkBackwardInChunks(db, &chunks);
  if (!err.empty()) return err;
  for (size_t i = 1; i < fwd.size(); ++i) {
    if (!(fwd[i - 1].first < fwd[i].first)) {
      return "forward iteration is not in strictly ascending key order at " +
             Printable(fwd[i].first);
    }
  }
  std::reverse(bwd.begin(), bwd.end());
  std::reverse(chunks.begin(), chunks.end());
  if (bwd != fwd) {
    return "backward iteration (" + std::to_string(bwd.size()) +
           " entries) differs from forward (" + std::to_string(fwd.size()) +
           ")";
  }
  if (chunks != fwd) {
    return "backward shale_iter_next_many (" + std::to_string(chunks.size()) +
           " entries) differs from forward iteration (" +
           std::to_string(fwd.size()) + ")";
  }
  out->clear();
  for (auto &kv : fwd) out->insert(out->end(), std::move(kv));
  return "";
}

std::string MatchPrefix(const Model &before, const Model &actual,
                        OpStream stream, uint32_t acked, uint32_t *prefix,
                        Model *after) {
  Model model = before;
  std::vector<Op> ops;
  for (uint32_t i = 0; i < acked; ++i) {
    ops.push_back(stream.Next());
    Apply(ops.back(), &model);
  }
  if (model == actual) {
    *prefix = acked;
    *after = std::move(model);
    return "";
  }
  std::string diff = Diff(model, actual);
  Op in_flight = stream.Next();
  Model with_next = model;
  Apply(in_flight, &with_next);
  if (with_next == actual) {
    *prefix = acked + 1;
    *after = std::move(with_next);
    return "";
  }
  // Diagnose: does it match an earlier prefix (acknowledged writes lost)?
  Model m = before;
  for (uint32_t p = 0; p < acked; ++p) {
    if (m == actual) {
      return "recovered state is the one after op " + std::to_string(p) +
             " but " + std::to_string(acked) +
             " ops were acknowledged: acknowledged writes lost; vs. the "
             "acknowledged state: " + diff;
    }
    Apply(ops[p], &m);
  }
  return "recovered state matches no prefix of the op stream (acked " +
         std::to_string(acked) + ", op in flight: " + OpName(in_flight.kind) +
         "): vs. acknowledged state: " + diff + "; vs. with op in flight: " +
         Diff(with_next, actual);
}

std::string CheckGets(shale_db *db, const Model &expected, uint32_t threads) {
  for (uint32_t t = 0; t < threads; ++t) {
    std::string keys;
    std::vector<size_t> key_lens;
    for (uint32_t n = 0; n < kKeysPerThread; ++n) {
      std::string key = KeyOf(t, n);
      keys += key;
      key_lens.push_back(key.size());
      auto it = expected.find(key);
      void *v = nullptr;
      size_t vn = 0;
      int32_t rc = shale_db_get(db, nullptr, key.data(), key.size(), &v, &vn);
      if (it == expected.end()) {
        if (rc != SHALE_NOT_FOUND) {
          shale_free(v);
          return "shale_db_get of absent key " + Printable(key) + " returned " +
                 shale_status_name(rc) + " (iteration did not show it)";
        }
        continue;
      }
      if (rc != SHALE_OK) return Error(("shale_db_get " + Printable(key)).c_str(), rc);
      std::string got(static_cast<char *>(v), vn);
      shale_free(v);
      if (got != it->second) {
        return "shale_db_get " + Printable(key) + " gives " + Printable(got, 20) +
               ", iteration gave " + Printable(it->second, 20);
      }
    }
    void *values = nullptr;
    std::vector<size_t> value_lens(kKeysPerThread);
    size_t found = 0;
    int32_t rc = shale_db_get_many(db, nullptr, kKeysPerThread, keys.data(),
                                   key_lens.data(), &values, value_lens.data(),
                                   &found);
    if (rc != SHALE_OK) return Error("shale_db_get_many", rc);
    const char *p = static_cast<const char *>(values);
    std::string err;
    for (uint32_t n = 0; n < kKeysPerThread && err.empty(); ++n) {
      auto it = expected.find(KeyOf(t, n));
      if (value_lens[n] == SHALE_MISSING) {
        if (it != expected.end()) err = "shale_db_get_many misses " + Printable(it->first);
        continue;
      }
      std::string got(p, value_lens[n]);
      p += value_lens[n];
      if (it == expected.end() || got != it->second) {
        err = "shale_db_get_many gives a wrong value for " + Printable(KeyOf(t, n));
      }
    }
    shale_free(values);
    if (!err.empty()) return err;
  }
  return "";
}

std::string CheckVerify(shale_db *db) {
  char *report = nullptr;
  int32_t rc = shale_db_verify(db, nullptr, nullptr, &report);
  std::string err;
  if (rc != SHALE_OK) {
    err = Error("shale_db_verify", rc) + "; report: " +
          (report != nullptr ? report : "(none)");
  }
  shale_free(report);
  return err;
}

}  // namespace shale_kill
