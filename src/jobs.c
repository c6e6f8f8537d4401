/* jobs.c - the jobs file of batch: CSV with task, start, end and optional nodes columns -> validated jobs, every bad row listed. */
#include "jobs.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csvread.h"
#include "strmap.h"
#include "text.h"
#include "timefmt.h"

enum { COL_TASK, COL_START, COL_END, COL_NODES, NCOLS };
static const char *const col_names[NCOLS] = {"task", "start", "end", "nodes"};

struct jobs_parse {
	struct pt_jobs *j;
	size_t cap;
	const char *name;
	bool header_done, header_bad;
	long col[NCOLS];
	size_t header_fields;
	struct pt_error first;
};

static int problem(struct jobs_parse *jp, int line, const char *fmt, ...) PT_PRINTF(3, 4);

static int problem(struct jobs_parse *jp, int line, const char *fmt, ...)
{
	struct pt_jobs *j = jp->j;
	char msg[200], full[sizeof(((struct pt_error *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(full, sizeof(full), "%s:%d: %s", jp->name, line, msg);
	else
		snprintf(full, sizeof(full), "%s: %s", jp->name, msg);
	if (jp->first.code == PT_OK)
		pt_error_set(&jp->first, PT_EUSAGE, "%s", full);
	j->nbad++;
	if (j->nproblems < PT_JOBS_MAX_PROBLEMS) {
		char **p = realloc(j->problems, (j->nproblems + 1) * sizeof(*p));
		if (p == NULL)
			return PT_ENOMEM;
		j->problems = p;
		if ((p[j->nproblems] = strdup(full)) == NULL)
			return PT_ENOMEM;
		j->nproblems++;
	}
	return PT_OK;
}

static void job_clear(struct pt_job *job)
{
	size_t i;

	free(job->task);
	for (i = 0; i < job->nnodes; i++)
		free(job->nodes[i]);
	free(job->nodes);
	memset(job, 0, sizeof(*job));
}

int pt_jobs_filter(struct pt_jobs *j, int (*keep)(void *user, const struct pt_job *job,
		const char *node, bool *keep, struct pt_error *err), void *user, size_t *dropped,
		struct pt_error *err)
{
	size_t i, k, n = 0, m;
	bool yes;
	int rc;

	*dropped = 0;
	for (i = 0; i < j->n; i++) {
		struct pt_job *job = &j->items[i];

		if (job->nnodes == 0) {
			if ((rc = keep(user, job, NULL, &yes, err)) != PT_OK)
				return rc;
			*dropped += !yes;
		} else {
			for (k = m = 0; k < job->nnodes; k++) {
				if ((rc = keep(user, job, job->nodes[k], &yes, err)) != PT_OK)
					return rc;
				if (yes)
					job->nodes[m++] = job->nodes[k];
				else
					free(job->nodes[k]);
			}
			*dropped += job->nnodes - m;
			job->nnodes = m;
			yes = m > 0;
		}
		if (!yes) {
			job_clear(job);
			continue;
		}
		j->items[n++] = *job;
	}
	j->n = n;
	return PT_OK;
}

void pt_jobs_free(struct pt_jobs *j)
{
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < j->n; i++)
		job_clear(&j->items[i]);
	free(j->items);
	for (i = 0; i < j->nproblems; i++)
		free(j->problems[i]);
	free(j->problems);
	free(j);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* "a; b;;a" -> a, b: trimmed, empty ones and repeats dropped. */
/* "a; b;;a" -> a, b: trimmed, empty ones and repeats dropped. -1 out of
 * memory, -2 a name that is no node name (e says why). Repeats are found
 * through a hash map and the list doubles as it grows: a cell may name
 * tens of thousands of nodes. */
static int split_nodes(struct pt_job *job, char *list, struct pt_error *e)
{
	struct pt_strmap seen = {0};
	char *save = NULL, *tok;
	int rc = 0;

	for (tok = strtok_r(list, ";", &save); tok && rc == 0; tok = strtok_r(NULL, ";", &save)) {
		char *name = trim(tok), **v;
		bool added;

		if (*name == '\0')
			continue;
		if (pt_node_name_check(name, e) != PT_OK) {
			rc = -2;
		} else if (pt_strmap_put(&seen, name, &added) == PT_STRMAP_NONE) {
			rc = -1;
		} else if (added) {
			if (job->nnodes < 4 || (job->nnodes & (job->nnodes - 1)) == 0) {
				size_t cap = job->nnodes < 4 ? 4 : job->nnodes * 2;

				if ((v = realloc(job->nodes, cap * sizeof(*v))) == NULL) {
					rc = -1;
					break;
				}
				job->nodes = v;
			}
			if ((job->nodes[job->nnodes] = strdup(name)) == NULL)
				rc = -1;
			else
				job->nnodes++;
		}
	}
	pt_strmap_free(&seen);
	return rc;
}

static int jobs_header(struct jobs_parse *jp, char **f, size_t n, int line)
{
	char missing[64] = "";
	size_t i, len;
	int c;

	jp->header_done = true;
	jp->header_fields = n;
	for (c = 0; c < NCOLS; c++)
		jp->col[c] = -1;
	for (i = 0; i < n; i++) {
		const char *name = trim(f[i]);
		for (c = 0; c < NCOLS; c++) {
			if (strcasecmp(name, col_names[c]) != 0)
				continue;
			if (jp->col[c] >= 0) {
				jp->header_bad = true;
				return problem(jp, line, "column '%s' appears twice in the header", col_names[c]);
			}
			jp->col[c] = (long)i;
		}
	}
	/* All missing columns in one message: a file without a header misses them all. */
	for (c = COL_TASK; c <= COL_END; c++) {
		if (jp->col[c] >= 0)
			continue;
		len = strlen(missing);
		snprintf(missing + len, sizeof(missing) - len, "%s'%s'", len ? " or " : "", col_names[c]);
	}
	if (missing[0] == '\0')
		return PT_OK;
	jp->header_bad = true;
	return problem(jp, line, "the header has no %s column (it needs task,start,end; nodes is "
			"optional)", missing);
}

static int jobs_record(void *user, char **f, size_t n, int line, const char *raw, size_t rawlen,
		struct pt_error *err)
{
	struct jobs_parse *jp = user;
	struct pt_jobs *j = jp->j;
	struct pt_job job;
	const char *v[NCOLS];
	struct pt_error e = {0, ""};
	int c, rc;

	(void)raw;
	(void)rawlen;
	if (!jp->header_done)
		return jobs_header(jp, f, n, line) == PT_OK ? PT_OK : pt_error_oom(err);
	if (jp->header_bad)
		return PT_OK;
	for (c = 0; c < NCOLS; c++) {
		v[c] = NULL;
		if (jp->col[c] < 0)
			continue;
		if ((size_t)jp->col[c] >= n) {
			if (c == COL_NODES)
				continue;
			return problem(jp, line, "%zu field%s where the header has %zu: no value for '%s'", n,
					n == 1 ? "" : "s", jp->header_fields, col_names[c]) == PT_OK ?
				PT_OK : pt_error_oom(err);
		}
		v[c] = trim(f[jp->col[c]]);
		if (c != COL_NODES && *v[c] == '\0')
			return problem(jp, line, "empty '%s'", col_names[c]) == PT_OK ?
				PT_OK : pt_error_oom(err);
	}
	memset(&job, 0, sizeof(job));
	job.line = line;
	if (pt_time_parse(&job.start_ms, v[COL_START], &e) != PT_OK)
		return problem(jp, line, "start: %s", e.msg) == PT_OK ? PT_OK : pt_error_oom(err);
	if (pt_time_parse(&job.end_ms, v[COL_END], &e) != PT_OK)
		return problem(jp, line, "end: %s", e.msg) == PT_OK ? PT_OK : pt_error_oom(err);
	if (job.end_ms <= job.start_ms)
		return problem(jp, line, "end (%s) is %s start (%s)", v[COL_END],
				job.end_ms == job.start_ms ? "the same time as" : "before", v[COL_START]) == PT_OK ?
			PT_OK : pt_error_oom(err);
	if (job.end_ms > pt_now_ms() + PT_FUTURE_SLACK_MS)
		return problem(jp, line, "end (%s) is in the future: the job is not over", v[COL_END]) ==
			PT_OK ? PT_OK : pt_error_oom(err);
	if (j->nbad > 0)
		return PT_OK; /* only collecting problems now */
	if ((job.task = strdup(v[COL_TASK])) == NULL)
		return pt_error_oom(err);
	if (v[COL_NODES]) {
		char *list = strdup(v[COL_NODES]);
		rc = list == NULL ? -1 : split_nodes(&job, list, &e);
		free(list);
		if (rc != 0) {
			job_clear(&job);
			if (rc == -2)
				return problem(jp, line, "nodes: %s", e.msg) == PT_OK ? PT_OK : pt_error_oom(err);
			return pt_error_oom(err);
		}
	}
	if (j->n == jp->cap) {
		size_t cap = jp->cap ? jp->cap * 2 : 64;
		struct pt_job *items = realloc(j->items, cap * sizeof(*items));
		if (items == NULL) {
			job_clear(&job);
			return pt_error_oom(err);
		}
		j->items = items;
		jp->cap = cap;
	}
	j->items[j->n++] = job;
	return PT_OK;
}

int pt_jobs_parse(struct pt_jobs **out, const char *text, size_t len, const char *name,
		struct pt_error *err)
{
	struct jobs_parse jp;
	int rc;

	*out = NULL;
	memset(&jp, 0, sizeof(jp));
	if ((jp.j = calloc(1, sizeof(*jp.j))) == NULL)
		return pt_error_oom(err);
	jp.name = name;
	*out = jp.j;
	rc = pt_csvread_records(text, len, name, jobs_record, &jp, err);
	if (rc == PT_EUSAGE) {
		/* Malformed CSV: list it with the rows found bad before it. */
		char msg[sizeof(err->msg)];
		memcpy(msg, err->msg, sizeof(msg));
		jp.j->nbad++;
		if (jp.j->nproblems < PT_JOBS_MAX_PROBLEMS) {
			char **p = realloc(jp.j->problems, (jp.j->nproblems + 1) * sizeof(*p));
			if (p != NULL) {
				jp.j->problems = p;
				if ((p[jp.j->nproblems] = strdup(msg)) != NULL)
					jp.j->nproblems++;
			}
		}
		if (jp.first.code != PT_OK)
			*err = jp.first;
		return PT_EUSAGE;
	}
	if (rc != PT_OK)
		return rc;
	if (!jp.header_done &&
			problem(&jp, 0, "empty; a jobs file starts with a header: task,start,end[,nodes]") != PT_OK)
		return pt_error_oom(err);
	if (jp.first.code != PT_OK) {
		*err = jp.first;
		return PT_EUSAGE;
	}
	return PT_OK;
}

int pt_jobs_load(struct pt_jobs **out, const char *path, struct pt_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = pt_csvread_file(&text, &len, path, PT_CSVREAD_BATCH_MAX, PT_EUSAGE, err)) != PT_OK)
		return rc;
	rc = pt_jobs_parse(out, text, len, strcmp(path, "-") == 0 ? "<stdin>" : path, err);
	free(text);
	return rc;
}
