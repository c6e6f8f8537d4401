/* resume.c - the rows an earlier batch wrote (--resume): read back as they were, indexed by task and window. */
#include "resume.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvout.h"
#include "csvread.h"
#include "schema.h"

/* Where the fields the reader needs are in a report row. */
#define PREV_NF pt_schema_node.ncols
#define PREV_TASK pt_schema_index(&pt_schema_node, "task")
#define PREV_NODE pt_schema_index(&pt_schema_node, "node")
#define PREV_START pt_schema_index(&pt_schema_node, "start")
#define PREV_END pt_schema_index(&pt_schema_node, "end")
#define PREV_STATUS pt_schema_index(&pt_schema_node, "status")

void pt_batch_prev_free(struct pt_batch_prev *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->rows[i].node);
		free(p->rows[i].raw);
	}
	free(p->rows);
	pt_strmap_free(&p->keys);
	free(p->first);
	free(p->last);
	free(p);
}

static int key3(struct pt_buf *b, const char *task, const char *start, const char *end,
		struct pt_error *err)
{
	pt_buf_reset(b);
	return pt_buf_printf(b, err, "%s\x1f%s\x1f%s", task, start, end);
}

int pt_batch_prev_first(size_t *head, const struct pt_batch_prev *p, const char *task,
		const char *start, const char *end, struct pt_error *err)
{
	struct pt_buf key = {0};
	size_t i;
	int rc;

	*head = PT_STRMAP_NONE;
	if ((rc = key3(&key, task, start, end, err)) != PT_OK)
		return rc;
	if ((i = pt_strmap_get(&p->keys, key.data)) != PT_STRMAP_NONE)
		*head = p->first[i];
	pt_buf_free(&key);
	return PT_OK;
}

static int prev_record(void *user, char **f, size_t n, int line, const char *raw, size_t rawlen,
		struct pt_error *err)
{
	struct pt_batch_prev *p = user;
	struct pt_prev_row *r;
	struct pt_buf key = {0};
	size_t k;
	bool added;
	int rc;

	if (!p->header_done) {
		/* The header must be the report's, column for column. */
		const char *h = pt_schema_header(&pt_schema_node);
		size_t i;

		p->header_done = true;
		for (i = 0; i < n; i++) {
			size_t l = strcspn(h, ",\n");
			if (strlen(f[i]) != l || strncmp(f[i], h, l) != 0)
				break;
			h += l;
			if (*h == ',')
				h++;
		}
		if (i != n || n != PREV_NF)
			return pt_error_set(err, PT_EUSAGE, "%s:%d: not a powertest report: its header "
					"differs from the report header; not resuming it", p->name, line);
		return PT_OK;
	}
	if (n != PREV_NF)
		return pt_error_set(err, PT_EUSAGE, "%s:%d: %zu fields where the header has %d; "
				"not resuming a damaged file", p->name, line, n, (int)PREV_NF);
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct pt_prev_row *rows = realloc(p->rows, cap * sizeof(*rows));
		size_t *first, *last;
		if (rows == NULL)
			return pt_error_oom(err);
		p->rows = rows;
		if ((first = realloc(p->first, cap * sizeof(*first))) == NULL)
			return pt_error_oom(err);
		p->first = first;
		if ((last = realloc(p->last, cap * sizeof(*last))) == NULL)
			return pt_error_oom(err);
		p->last = last;
		p->cap = cap;
	}
	r = &p->rows[p->n];
	memset(r, 0, sizeof(*r));
	r->next = PT_STRMAP_NONE;
	r->ok = strcmp(f[PREV_STATUS], "ok") == 0;
	if ((r->node = strdup(f[PREV_NODE])) == NULL || (r->raw = malloc(rawlen + 2)) == NULL) {
		free(r->node);
		return pt_error_oom(err);
	}
	memcpy(r->raw, raw, rawlen);
	if (rawlen == 0 || raw[rawlen - 1] != '\n')
		r->raw[rawlen++] = '\n';
	r->raw[rawlen] = '\0';
	p->n++;
	if ((rc = key3(&key, f[PREV_TASK], f[PREV_START], f[PREV_END], err)) != PT_OK)
		goto out;
	if ((k = pt_strmap_put(&p->keys, key.data, &added)) == PT_STRMAP_NONE) {
		rc = pt_error_oom(err);
		goto out;
	}
	/* keys grow one at a time, never faster than rows: first/last fit. */
	if (added)
		p->first[k] = p->n - 1;
	else
		p->rows[p->last[k]].next = p->n - 1;
	p->last[k] = p->n - 1;
out:
	pt_buf_free(&key);
	return rc;
}

int pt_batch_prev_parse(struct pt_batch_prev **out, const char *text, size_t len,
		const char *name, struct pt_error *err)
{
	struct pt_batch_prev *p;
	int rc;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return pt_error_oom(err);
	p->name = name;
	if ((rc = pt_csvread_records(text, len, name, prev_record, p, err)) != PT_OK) {
		pt_batch_prev_free(p);
		return rc;
	}
	p->name = NULL; /* not owned; only for messages while parsing */
	*out = p;
	return PT_OK;
}

int pt_batch_prev_load(struct pt_batch_prev **out, const char *path, struct pt_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = pt_csvread_file(&text, &len, path, PT_CSVREAD_BATCH_MAX, PT_EMISSING, err);
	if (rc == PT_EMISSING) {
		/* Nothing written yet: resume from nothing. */
		pt_error_clear(err);
		return pt_batch_prev_parse(out, "", 0, path, err);
	}
	if (rc != PT_OK)
		return rc;
	rc = pt_batch_prev_parse(out, text, len, path, err);
	free(text);
	return rc;
}
