// Focused regressions for the engine bugs the power-loss suite found.
#include <gtest/gtest.h>
