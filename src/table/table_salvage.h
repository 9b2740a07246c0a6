// Reading what is still readable out of a damaged table file (salvage).
//
// With an intact footer and index, every data block the index names is
// read and checked; a block that fails its checksum or does not parse is
// skipped whole. Without them (a damaged footer or index, a truncated
// file), the data blocks are found by walking the file from offset 0: each
// block ends where a trailer's checksum matches the bytes since the
// previous block; the walk stops at the first block that is not a data
// block continuing the key order (the filter, meta and index blocks that
// follow the data) or where no trailer matches (damage, or the end).
// Only entries whose block checksum holds are returned, in strictly
// ascending internal-key order.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace shale {

class RandomAccessFile;

struct TableSkip {
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string reason;
};

// emit(user_key, tag, value) receives the readable entries in order; an
// error it returns stops the walk and is returned. *skipped receives the
// byte ranges whose data was dropped. I/O errors pass through.
Status SalvageTableEntries(
    const RandomAccessFile &file, uint64_t file_size, const std::string &path,
    const std::function<Status(std::string_view, uint64_t, std::string_view)>
        &emit,
    std::vector<TableSkip> *skipped);

}  // namespace shale
