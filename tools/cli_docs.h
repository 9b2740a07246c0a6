/* cli_docs.h — where the manual is, for the tool's help. */
#ifndef SHALE_CLI_DOCS_H
#define SHALE_CLI_DOCS_H

#include <stdio.h>

/* Prints the "Manual: ..." lines: the man page and guide installed with
 * this binary (found from its own location, so a relocated install names
 * its own files), or, for a binary that is not installed (the build tree),
 * where they are in the sources. */
void cli_print_docs(FILE *f);

#endif
