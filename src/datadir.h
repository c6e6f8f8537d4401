/* datadir.h - where query sets and data tables live: installed share dir, or the source tree. */
#ifndef PT_DATADIR_H
#define PT_DATADIR_H

#include "error.h"

/* Finds `name` ("queries/default.yaml", "data/cpu_tdp.csv") in, in order:
 * $POWERTEST_DATA_DIR, <dir of the running program>/../share/powertest,
 * <dir of libpowertest>/../share/powertest (or ../../share for a multiarch
 * libdir), the install data dir, and the source tree (queries/, config/data/).
 * Returns a malloc'd path the caller frees, or NULL with PT_EUSAGE. */
char *pt_datadir_find(const char *name, struct pt_error *err);

#endif
