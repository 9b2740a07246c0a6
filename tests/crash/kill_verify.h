// kill_verify.h — checks of a db recovered after its writer was killed.
// Each returns "" when the check passed, else a description of what was
// wrong.
#pragma once

#include <cstdint>
#include <string>

#include "kill_workload.h"
#include "shale.h"

namespace shale_kill {

// Reads every entry forward with an iterator and backward with another
// (and once more backward in chunks with shale_iter_next_many); all three
// must agree. On success *out holds the entries.
std::string ReadAll(shale_db *db, Model *out);

// Which prefix of a thread's op stream the recovered keys of that thread
// reflect. `before` is the thread's key space when the cycle began,
// `actual` after recovery, `acked` how many ops were acknowledged (ops
// 0..acked-1). An op in flight at the kill may or may not have been
// applied, so the prefix is acked or acked + 1; on success *prefix is set
// and *after to the model after it.
std::string MatchPrefix(const Model &before, const Model &actual,
                        OpStream stream, uint32_t acked, uint32_t *prefix,
                        Model *after);

// Every key of the first `threads` key spaces read with shale_db_get and,
// per key space, with one shale_db_get_many: each must give its expected
// value, or NOT_FOUND when expected holds none.
std::string CheckGets(shale_db *db, const Model &expected, uint32_t threads);

// shale_db_verify must report the db sound.
std::string CheckVerify(shale_db *db);

}  // namespace shale_kill
