// Allocation-failure hook for the out-of-memory loop. alloc_hook.cc
// replaces the global operator new/new[]/delete (every variant: sized,
// aligned, nothrow) of the test executable; the executable's definitions
// interpose those libshale.so would use, so the library's allocations come
// here too. A failing allocation throws std::bad_alloc (nothrow forms:
// returns nullptr), as when the system is out of memory.
#pragma once

#include <cstdint>

namespace shale::fault_loops::alloc_hook {

// The n-th allocation (n >= 1) made on the calling thread from now fails,
// once. Other threads are not affected.
void ArmThread(uint64_t n);
// Ends the countdown; true if the failure was injected.
bool DisarmThread();
// Stops the countdown and returns the allocations left before the failure
// (0 once it was injected); ArmThread(left) resumes it. For checks between
// the calls under test, which must not consume the countdown.
uint64_t PauseThread();

// The n-th allocation made on any thread from now fails, once.
void ArmProcess(uint64_t n);
bool DisarmProcess();

// Allocations that failed because of the hook since the program started.
uint64_t Injected();

}  // namespace shale::fault_loops::alloc_hook
