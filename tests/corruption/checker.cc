#include "checker.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace corruption {

namespace fs = std::filesystem;

std::string Stats::Summary() const {
  std::ostringstream o;
  o << "corruption:";
  KindStats t;
  for (int i = 0; i < kNumKinds; ++i) {
    const KindStats &k = kinds[i];
    if (k.copies == 0) continue;
    o << " " << KindName(FileKind(i)) << " " << k.copies << " copies ("
      << k.open_refused << " refused, " << k.read_errors << " read errors, "
      << k.verify_detected << " verify, " << k.reported << " reported, "
      << k.harmless << " harmless; " << k.salvage_opens << " salvaged, keys "
      << k.keys_recovered << "/" << k.keys_expected << ", at most "
      << k.max_lost << " lost per copy);";
    t.copies += k.copies;
    t.salvage_opens += k.salvage_opens;
    t.keys_recovered += k.keys_recovered;
    t.keys_expected += k.keys_expected;
  }
  o << " total " << t.copies << " damaged copies, " << t.salvage_opens
    << " salvage opens, keys recovered " << t.keys_recovered << "/"
    << t.keys_expected;
  return o.str();
}

namespace {

struct Obs {
  int32_t rc = 0;  // SHALE_OK, SHALE_NOT_FOUND or an error
  std::string value;
  std::string err;
  bool ok() const { return rc == SHALE_OK || rc == SHALE_NOT_FOUND; }
  Value AsValue() const {
    return rc == SHALE_OK ? Value(value) : std::nullopt;
  }
};

std::string Show(const Value &v) {
  return v ? "\"" + v->substr(0, 40) + "\"" : "<absent>";
}

int LogTo(void *user, int32_t level, const char *msg) {
  if (level >= SHALE_LOG_WARN) {
    *static_cast<std::string *>(user) += std::string(msg) + "\n";
  }
  return 0;
}

// Keys one damaged data block may hold (256-byte blocks, about 55-byte
// entries), and the log records one damaged site may take with it (the
// record and the header of the next, one write each).
constexpr uint64_t kMaxLostBlockKeys = 8;
constexpr uint64_t kMaxLostLogRecords = 2;

bool IsTable(FileKind k) {
  return k == FileKind::kTableL0 || k == FileKind::kTableDeep;
}

class CopyChecker {
 public:
  CopyChecker(const Damage &d, const Model &m) : d_(d), m_(m) {}

  std::vector<std::string> failures;

  void Fail(const std::string &what) {
    if (failures.size() < 8) failures.push_back(d_.Describe() + ": " + what);
  }

  // An error is acceptable only as corruption or I/O naming the file.
  bool NamesFile(const std::string &text) const {
    if (text.find(d_.file) != std::string::npos) return true;
    // A damaged CURRENT may name a manifest that does not exist: the
    // message then says "named by CURRENT".
    return d_.kind == FileKind::kCurrent &&
           text.find("CURRENT") != std::string::npos;
  }
  void CheckError(int32_t rc, const std::string &err, const std::string &op) {
    if (rc != SHALE_E_CORRUPTION && rc != SHALE_E_IO) {
      Fail(op + " returned " + shale_status_name(rc) + ": " + err);
    } else if (!NamesFile(err)) {
      Fail(op + ": error does not name " + d_.file + ": " + err);
    }
  }

  // Whether v is an acceptable value of k in this mode.
  bool Acceptable(const std::string &k, const Value &v, bool salvage) const {
    if (v == m_.Final(k)) return true;
    if (d_.kind == FileKind::kLog) {
      return m_.WrittenByLog(k) && v == m_.BeforeLog(k);
    }
    if (salvage && IsTable(d_.kind)) {
      // What was lost with a dropped block: an older state shows through.
      const auto &h = m_.history.at(k);
      return std::find(h.begin(), h.end(), v) != h.end();
    }
    return false;
  }

  std::map<std::string, Obs> ReadAll(shale_db *db, bool salvage) {
    std::map<std::string, Obs> obs;
    for (const auto &[k, h] : m_.history) {
      Obs o;
      void *v = nullptr;
      size_t n = 0;
      o.rc = shale_db_get(db, nullptr, k.data(), k.size(), &v, &n);
      if (o.rc == SHALE_OK) {
        o.value.assign(static_cast<char *>(v), n);
        shale_free(v);
      } else if (o.rc != SHALE_NOT_FOUND) {
        o.err = shale_last_error();
      }
      if (!o.ok()) {
        if (salvage) {
          Fail("get " + k + " after salvage: " + shale_status_name(o.rc) +
               ": " + o.err);
        } else {
          CheckError(o.rc, o.err, "get " + k);
        }
      } else if (!Acceptable(k, o.AsValue(), salvage)) {
        Fail(std::string(salvage ? "salvage: " : "") + "get " + k +
             " returned " + Show(o.AsValue()) + ", expected " +
             Show(m_.Final(k)));
      }
      obs[k] = std::move(o);
    }
    return obs;
  }

  // Forward or backward over the whole db: every key a get found must be
  // yielded with the same value, nothing a get did not find, no key that
  // is not in the model; an error must name the file.
  void Iterate(shale_db *db, const std::map<std::string, Obs> &obs,
               bool forward, bool salvage, bool *read_error) {
    shale_iter *it = nullptr;
    if (shale_iter_new(db, nullptr, &it) != SHALE_OK) {
      Fail(std::string("iter_new: ") + shale_last_error());
      return;
    }
    std::vector<std::string> order;
    for (const auto &e : obs) order.push_back(e.first);
    if (!forward) std::reverse(order.begin(), order.end());
    size_t next = 0;  // index in order of the next key not yet passed
    const char *dir = forward ? "forward" : "backward";
    int32_t rc = forward ? shale_iter_first(it) : shale_iter_last(it);
    for (; rc == SHALE_OK;
         rc = forward ? shale_iter_next(it) : shale_iter_prev(it)) {
      const void *kp = nullptr, *vp = nullptr;
      size_t kn = 0, vn = 0;
      shale_iter_key(it, &kp, &kn);
      shale_iter_value(it, &vp, &vn);
      const std::string k(static_cast<const char *>(kp), kn);
      const std::string v(static_cast<const char *>(vp), vn);
      auto pos = std::find(order.begin() + next, order.end(), k);
      if (pos == order.end()) {
        Fail(std::string(dir) + " iteration yielded " + k +
             " out of order or not in the db");
        break;
      }
      for (auto skip = order.begin() + next; skip != pos; ++skip) {
        const Obs &o = obs.at(*skip);
        if (o.rc == SHALE_OK) {
          Fail(std::string(dir) + " iteration skipped " + *skip);
        }
      }
      const Obs &o = obs.at(k);
      if (o.ok() ? o.AsValue() != Value(v) : !Acceptable(k, v, salvage)) {
        Fail(std::string(dir) + " iteration: " + k + " = " + Show(v) +
             ", get said " + Show(o.AsValue()));
      }
      next = pos - order.begin() + 1;
    }
    if (rc == SHALE_NOT_FOUND) {
      for (size_t i = next; i < order.size(); ++i) {
        if (obs.at(order[i]).rc == SHALE_OK) {
          Fail(std::string(dir) + " iteration ended before " + order[i]);
          break;
        }
      }
    } else if (rc != SHALE_OK) {
      if (salvage) {
        Fail(std::string(dir) + " iteration after salvage: " +
             shale_last_error());
      } else {
        CheckError(rc, shale_last_error(), std::string(dir) + " iteration");
        *read_error = true;
      }
    }
    shale_iter_free(it);
  }

  std::string Property(shale_db *db, const char *name) {
    char *p = nullptr;
    if (shale_db_property(db, name, &p) != SHALE_OK) return "";
    std::string s(p);
    shale_free(p);
    return s;
  }

  // Returns SHALE_OK / SHALE_E_CORRUPTION / ...; *report the text.
  int32_t Verify(shale_db *db, std::string *report) {
    char *r = nullptr;
    const int32_t rc = shale_db_verify(db, nullptr, nullptr, &r);
    report->assign(r != nullptr ? r : "");
    shale_free(r);
    return rc;
  }

  // The applied log writes must be a prefix of the log's order.
  void CheckLogPrefix(const std::map<std::string, Obs> &obs) {
    bool lost = false;
    for (const std::string &k : m_.log_keys) {
      const Obs &o = obs.at(k);
      if (!o.ok()) return;
      const bool applied = o.AsValue() == m_.Final(k);
      const bool before = o.AsValue() == m_.BeforeLog(k);
      if (applied && before) continue;  // cannot tell
      if (applied && lost) {
        Fail("log write of " + k + " survived an earlier lost write");
        return;
      }
      if (!applied) lost = true;
    }
  }

  // A plain (or read-only) open of the damaged copy.
  void Plain(const std::string &dir, KindStats *ks, bool read_only) {
    shale_options o = DbOptions();
    o.read_only = read_only ? 1 : 0;
    shale_db *db = nullptr;
    int32_t rc = shale_db_open(dir.c_str(), &o, &db);
    if (rc != SHALE_OK) {
      CheckError(rc, shale_last_error(), "open");
      ++ks->open_refused;
      return;
    }
    const auto obs = ReadAll(db, false);
    bool read_error = false;
    bool all_final = true;
    for (const auto &[k, ob] : obs) {
      if (!ob.ok()) read_error = true;
      if (!ob.ok() || ob.AsValue() != m_.Final(k)) all_final = false;
    }
    Iterate(db, obs, true, false, &read_error);
    Iterate(db, obs, false, false, &read_error);
    if (d_.kind == FileKind::kLog) CheckLogPrefix(obs);
    if (read_error) ++ks->read_errors;
    const std::string recovery = Property(db, "shale.recovery");
    if (NamesFile(recovery)) ++ks->reported;
    std::string report;
    rc = Verify(db, &report);
    if (rc == SHALE_E_CORRUPTION) {
      ++ks->verify_detected;
      if (!NamesFile(report) || report.find("offset") == std::string::npos) {
        Fail("verify report does not name the file and offset: " + report);
      }
    } else if (rc != SHALE_OK) {
      Fail(std::string("verify: ") + shale_status_name(rc) + ": " +
           shale_last_error());
    } else if (IsTable(d_.kind)) {
      // Every byte of a table is covered by a checksum or the magic.
      Fail("verify found nothing wrong with the damaged table");
    } else if (all_final) {
      ++ks->harmless;
    } else if (!NamesFile(recovery) && !(d_.kind == FileKind::kLog &&
                                         d_.op == Op::kTruncate)) {
      // Lost writes must be reported, except a log cut at a record
      // boundary, which looks exactly like a crash before those writes.
      Fail("values lost but the recovery report does not name the file: " +
           recovery);
    }
    rc = shale_db_close(db);
    if (rc != SHALE_OK) Fail(std::string("close: ") + shale_last_error());
  }

  void Salvage(const std::string &dir, KindStats *ks) {
    shale_options o = DbOptions();
    o.salvage = 1;
    std::string log;
    o.logger = LogTo;
    o.logger_user = &log;
    shale_db *db = nullptr;
    int32_t rc = shale_db_open(dir.c_str(), &o, &db);
    if (rc != SHALE_OK) {
      Fail(std::string("salvage open failed: ") + shale_status_name(rc) +
           ": " + shale_last_error());
      return;
    }
    ++ks->salvage_opens;
    const auto obs = ReadAll(db, true);
    bool dummy = false;
    Iterate(db, obs, true, true, &dummy);
    Iterate(db, obs, false, true, &dummy);
    uint64_t lost = 0;
    for (const auto &[k, ob] : obs) {
      ++ks->keys_expected;
      if (ob.ok() && ob.AsValue() == m_.Final(k)) {
        ++ks->keys_recovered;
      } else {
        ++lost;
      }
    }
    ks->max_lost = std::max(ks->max_lost, lost);
    // A flipped byte or a zeroed range damages one record or one block;
    // everything else must be kept.
    const uint64_t bound = d_.kind == FileKind::kLog ? kMaxLostLogRecords
                                                     : kMaxLostBlockKeys;
    if ((d_.op == Op::kFlip || d_.op == Op::kZero) &&
        d_.kind != FileKind::kManifest && d_.kind != FileKind::kCurrent &&
        lost > bound) {
      Fail("salvage lost " + std::to_string(lost) + " keys for one damaged " +
           (d_.kind == FileKind::kLog ? "record" : "block") + " (at most " +
           std::to_string(bound) + " expected)");
    }
    const std::string recovery = Property(db, "shale.recovery");
    if (lost > 0) {
      if (d_.kind == FileKind::kManifest || d_.kind == FileKind::kCurrent) {
        Fail("salvage lost " + std::to_string(lost) +
             " keys, though every table and log is intact");
      } else if (!NamesFile(recovery) && !(d_.kind == FileKind::kLog &&
                                           d_.op == Op::kTruncate)) {
        Fail("salvage lost " + std::to_string(lost) +
             " keys without naming the file: " + recovery);
      } else if (!NamesFile(log) && !(d_.kind == FileKind::kLog &&
                                      d_.op == Op::kTruncate)) {
        Fail("salvage lost keys but logged no warning naming the file: " +
             log);
      }
    }
    std::string report;
    rc = Verify(db, &report);
    if (rc != SHALE_OK) {
      Fail(std::string("verify after salvage: ") + shale_status_name(rc) +
           ": " + report);
    }
    rc = shale_db_close(db);
    if (rc != SHALE_OK) Fail(std::string("close: ") + shale_last_error());
    // The salvaged db is an ordinary one: it opens plainly and says the
    // same.
    o = DbOptions();
    rc = shale_db_open(dir.c_str(), &o, &db);
    if (rc != SHALE_OK) {
      Fail(std::string("plain reopen after salvage: ") + shale_last_error());
      return;
    }
    for (const auto &[k, ob] : obs) {
      void *v = nullptr;
      size_t n = 0;
      rc = shale_db_get(db, nullptr, k.data(), k.size(), &v, &n);
      Value now;
      if (rc == SHALE_OK) {
        now = std::string(static_cast<char *>(v), n);
        shale_free(v);
      }
      if ((rc != SHALE_OK && rc != SHALE_NOT_FOUND) || now != ob.AsValue()) {
        Fail("reopen after salvage: " + k + " changed");
        break;
      }
    }
    shale_db_close(db);
  }

 private:
  const Damage &d_;
  const Model &m_;
};

}  // namespace

std::vector<std::string> CheckDamagedCopy(const Damage &d, const Model &model,
                                          const std::string &pristine,
                                          const std::string &scratch,
                                          Stats *stats) {
  KindStats *ks = &stats->kinds[static_cast<int>(d.kind)];
  ++ks->copies;
  const std::string damaged = scratch + "/damaged";
  const std::string plain = scratch + "/plain";
  std::error_code ec;
  fs::remove_all(damaged, ec);
  fs::remove_all(plain, ec);
  fs::copy(pristine, damaged, fs::copy_options::recursive, ec);
  if (ec) return {"copy: " + ec.message()};
  std::string err = d.Apply(damaged);
  if (!err.empty()) return {d.Describe() + ": " + err};
  fs::copy(damaged, plain, fs::copy_options::recursive, ec);
  if (ec) return {"copy: " + ec.message()};
  CopyChecker c(d, model);
  // Read-only first: it must judge the damage the same way without
  // changing anything (figures are counted for the read-write open only).
  KindStats ignored;
  c.Plain(damaged, &ignored, /*read_only=*/true);
  c.Plain(plain, ks, /*read_only=*/false);
  c.Salvage(damaged, ks);
  return c.failures;
}

}  // namespace corruption
