/* The public header alone must compile as strict C (C99/C11). */
#include "shale.h"

int main(void) {
  shale_options o;
  return SHALE_OPTIONS_INIT(&o) == SHALE_OK ? 0 : 1;
}
