/* resume.h - the rows an earlier batch wrote (--resume), kept as they were and found by task, window and node. */
#ifndef PT_RESUME_H
#define PT_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include "error.h"
#include "strmap.h"

/* One row of the earlier file. The batch run (batch.c) reads these and
 * marks the ones it takes over. */
struct pt_prev_row {
	char *node;
	char *raw;      /* the record as it was in the file, newline-terminated */
	bool ok;        /* status "ok" */
	bool used;
	size_t next;    /* next row of the same task and window */
};

struct pt_batch_prev {
	const char *name;
	struct pt_prev_row *rows;
	size_t n, cap;
	struct pt_strmap keys; /* task \x1f start \x1f end -> chain head */
	size_t *first, *last;
	bool header_done;
};

/* Reads the CSV an earlier batch wrote to path; a file that does not exist is
 * an empty one. PT_EUSAGE when its header is not the report header or a row
 * is malformed (naming file:line). Caller frees with pt_batch_prev_free. */
int pt_batch_prev_load(struct pt_batch_prev **out, const char *path, struct pt_error *err) PT_WUR;
int pt_batch_prev_parse(struct pt_batch_prev **out, const char *text, size_t len,
		const char *name, struct pt_error *err) PT_WUR;
void pt_batch_prev_free(struct pt_batch_prev *p); /* NULL ok */

/* *head = the first row whose task, start and end cells are these (as the
 * file holds them), following rows through pt_prev_row.next; PT_STRMAP_NONE
 * when none. PT_ENOMEM is the only error. */
int pt_batch_prev_first(size_t *head, const struct pt_batch_prev *p, const char *task,
		const char *start, const char *end, struct pt_error *err) PT_WUR;

#endif
