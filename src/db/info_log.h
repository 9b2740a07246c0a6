// InfoLog: delivers diagnostic messages to Options::logger, filtered by
// level. Messages produced under an internal mutex are queued in a
// PendingLog and emitted after the mutex is released.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "db/options.h"

namespace shale {

class InfoLog {
 public:
  InfoLog() = default;
  InfoLog(Logger fn, LogLevel min) : fn_(std::move(fn)), min_(min) {}

  bool Enabled(LogLevel level) const { return fn_ && level >= min_; }
  // REQUIRES: no internal mutex held.
  void Log(LogLevel level, const std::string &msg) const {
    if (Enabled(level)) fn_(level, msg);
  }

 private:
  Logger fn_;
  LogLevel min_ = LogLevel::kInfo;
};

class PendingLog {
 public:
  void Add(LogLevel level, std::string msg) {
    msgs_.emplace_back(level, std::move(msg));
  }
  // REQUIRES: no internal mutex held.
  void Emit(const InfoLog &log) {
    for (auto &[level, msg] : msgs_) log.Log(level, msg);
    msgs_.clear();
  }

 private:
  std::vector<std::pair<LogLevel, std::string>> msgs_;
};

}  // namespace shale
