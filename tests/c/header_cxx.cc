// The public header alone must compile as strict C++.
#include "shale.h"

int main() {
  shale_options o;
  return SHALE_OPTIONS_INIT(&o) == SHALE_OK ? 0 : 1;
}
