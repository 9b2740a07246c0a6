// util.cc — versions and shale_free.
#include <cstdlib>

#include "barrier.h"
#include "shale.h"

using namespace shale::capi;

// Trivially safe (returns a string literal): no barrier.
extern "C" SHALE_API const char *shale_version(void) {
  return SHALE_VERSION_STRING;
}

extern "C" SHALE_API int32_t shale_version_number(void) {
  return Guard(__func__, []() -> int32_t { return SHALE_VERSION_NUMBER; });
}

extern "C" SHALE_API int32_t shale_abi_version(void) {
  return Guard(__func__, []() -> int32_t { return SHALE_ABI_VERSION; });
}

// Trivially safe (free() cannot throw; it cannot check its argument, as the
// header says): no barrier, and it does not clear the last error so that it
// can be used between a failed call and shale_last_error().
extern "C" SHALE_API void shale_free(void *ptr) { std::free(ptr); }
