// Focused regressions for the bugs the corruption sweep found.
#include <gtest/gtest.h>

#include "checker.h"
