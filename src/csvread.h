/* csvread.h - CSV input (the jobs file, an earlier batch's rows) read record by record with line numbers and raw text. */
#ifndef PT_CSVREAD_H
#define PT_CSVREAD_H

#include <stddef.h>
#include "error.h"

/* Called once per record: its fields (f[0..n-1], NUL-terminated, owned by
 * the reader and valid during the call), the line it began on and its raw
 * text as in the input (rawlen bytes, with the newline). A code other than
 * PT_OK stops the reading and is returned. */
typedef int (*pt_csvread_fn)(void *user, char **f, size_t n, int line, const char *raw,
		size_t rawlen, struct pt_error *err);

/* Calls fn for every record of text (a UTF-8 byte order mark is skipped,
 * blank lines between records too; a quoted field may span lines). Malformed
 * CSV is PT_EUSAGE "name:line: malformed CSV: ..."; else fn's code, or
 * PT_ENOMEM. */
int pt_csvread_records(const char *text, size_t len, const char *name, pt_csvread_fn fn,
		void *user, struct pt_error *err) PT_WUR;

/* Most bytes of a jobs file or an earlier batch's rows: a gigabyte is
 * millions of jobs; more is a mistake (/dev/zero). */
#define PT_CSVREAD_BATCH_MAX ((size_t)1 << 30)

/* Reads the whole file at path ("-" = standard input) into *out (malloc'd,
 * NUL-terminated; caller frees), at most max bytes. A file that does not
 * exist is missing_code, another failure (one too large too) PT_EUSAGE
 * ("cannot read path: reason"), or PT_ENOMEM. */
int pt_csvread_file(char **out, size_t *len, const char *path, size_t max, int missing_code,
		struct pt_error *err) PT_WUR;

#endif
