/* batch.c - jobs file, rows of an earlier run, and many windows from range data fetched once per time slice. */
#include "batch.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "series.h"
#include "strmap.h"
#include "text.h"
#include "timefmt.h"

/* Track-points (value, prefix sum, count: 24 bytes each) one slice may hold:
 * about 50 MB, whatever the number of nodes. */
#define SLICE_BUDGET_POINTS 2000000
/* Nodes assumed for the first slice of a run over every node. */
#define GUESS_NODES 100
#define MIN_SLICE_POINTS 60
#define DEFAULT_CONCURRENCY 4
/* Most points per block of a blocked quantity: past it, blocks save little more. */
#define MAX_BLOCK 60

/* ---- CSV records with their line numbers and raw text ---- */

typedef int (*rec_fn)(void *user, char **f, size_t n, int line, const char *raw, size_t rawlen,
		struct pt_error *err);

struct rec_reader {
	char **f;
	size_t n, cap;
	bool oom;
	bool started;  /* a record has begun and not ended */
	int line;      /* line the current record began on */
	struct pt_buf raw;
	rec_fn fn;
	void *user;
	int rc;
	struct pt_error *err;
};

static void rec_field(void *s, size_t len, void *data)
{
	struct rec_reader *r = data;
	char *copy;

	if (r->oom)
		return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		char **f = realloc(r->f, cap * sizeof(*f));
		if (f == NULL) {
			r->oom = true;
			return;
		}
		r->f = f;
		r->cap = cap;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		r->oom = true;
		return;
	}
	if (len)
		memcpy(copy, s, len);
	copy[len] = '\0';
	r->f[r->n++] = copy;
}

static void rec_clear_fields(struct rec_reader *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->f[i]);
	r->n = 0;
}

static void rec_end(int c, void *data)
{
	struct rec_reader *r = data;

	(void)c;
	if (r->rc == PT_OK) {
		if (r->oom)
			r->rc = pt_error_oom(r->err);
		else
			r->rc = r->fn(r->user, r->f, r->n, r->line, r->raw.data ? r->raw.data : "",
					r->raw.len, r->err);
	}
	rec_clear_fields(r);
	r->started = false;
}

static bool blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

/* Calls fn for every record of text. Records are fed to libcsv line by line,
 * so each knows the line it began on and its raw text (a quoted field may
 * span lines). Blank lines between records are skipped. */
static int read_records(const char *text, size_t len, const char *name, rec_fn fn, void *user,
		struct pt_error *err)
{
	struct csv_parser p;
	struct rec_reader r;
	size_t pos = 0;
	int line = 0;

	memset(&r, 0, sizeof(r));
	r.fn = fn;
	r.user = user;
	r.err = err;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		return pt_error_oom(err);
	/* libcsv grows a field's buffer by this much at a time (128 bytes by
	 * default: a cell of 50,000 node names took thousands of copies). */
	csv_set_blk_size(&p, 64 * 1024);
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3; /* a UTF-8 byte order mark, as spreadsheets write */
	while (pos < len && r.rc == PT_OK) {
		const char *s = text + pos, *eol = memchr(s, '\n', len - pos);
		size_t ll = eol ? (size_t)(eol - s) + 1 : len - pos;

		line++;
		if (!r.started) {
			if (blank_line(s, ll)) {
				pos += ll;
				continue;
			}
			r.started = true;
			r.line = line;
			pt_buf_reset(&r.raw);
		}
		if ((r.rc = pt_buf_append(&r.raw, s, ll, err)) != PT_OK)
			break;
		/* Cells are C strings from here on: a NUL would cut one short unseen. */
		if (memchr(s, '\0', ll) != NULL) {
			r.rc = pt_error_set(err, PT_EUSAGE, "%s:%d: a NUL byte: not a text file", name, line);
			break;
		}
		if (csv_parse(&p, s, ll, rec_field, rec_end, &r) != ll && r.rc == PT_OK)
			r.rc = pt_error_set(err, PT_EUSAGE, "%s:%d: malformed CSV: %s", name, line,
					csv_strerror(csv_error(&p)));
		pos += ll;
	}
	if (r.rc == PT_OK && csv_fini(&p, rec_field, rec_end, &r) != 0 && r.rc == PT_OK)
		r.rc = pt_error_set(err, PT_EUSAGE, "%s:%d: malformed CSV: a quoted field is not closed",
				name, r.line);
	csv_free(&p);
	rec_clear_fields(&r);
	free(r.f);
	pt_buf_free(&r.raw);
	return r.rc;
}

static int slurp(char **out, size_t *len, const char *path, int missing_code, struct pt_error *err)
{
	/* A gigabyte is millions of jobs; more is a mistake (/dev/zero). */
	int e = pt_read_file(out, len, path, (size_t)1 << 30);

	if (e == 0)
		return PT_OK;
	if (e == ENOMEM)
		return pt_error_oom(err);
	return pt_error_set(err, e == ENOENT ? missing_code : PT_EUSAGE, "cannot read %s: %s", path,
			strerror(e));
}

/* ---- jobs file ---- */

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
	rc = read_records(text, len, name, jobs_record, &jp, err);
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
	if ((rc = slurp(&text, &len, path, PT_EUSAGE, err)) != PT_OK)
		return rc;
	rc = pt_jobs_parse(out, text, len, strcmp(path, "-") == 0 ? "<stdin>" : path, err);
	free(text);
	return rc;
}

/* ---- rows of an earlier run ---- */

enum { PREV_TASK = 0, PREV_NODE = 1, PREV_START = 2, PREV_END = 3, PREV_STATUS = 25, PREV_NF = 26 };

struct prev_row {
	char *node;
	char *raw;      /* the record as it was in the file, newline-terminated */
	bool ok;        /* status "ok" */
	bool used;
	size_t next;    /* next row of the same task and window */
};

struct pt_batch_prev {
	const char *name;
	struct prev_row *rows;
	size_t n, cap;
	struct pt_strmap keys; /* task \x1f start \x1f end -> chain head */
	size_t *first, *last;
	bool header_done;
};

size_t pt_batch_prev_rows(const struct pt_batch_prev *p)
{
	return p ? p->n : 0;
}

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

static int prev_record(void *user, char **f, size_t n, int line, const char *raw, size_t rawlen,
		struct pt_error *err)
{
	struct pt_batch_prev *p = user;
	struct prev_row *r;
	struct pt_buf key = {0};
	size_t k;
	bool added;
	int rc;

	if (!p->header_done) {
		/* The header must be the report's, column for column. */
		const char *h = pt_csv_header_node;
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
				"not resuming a damaged file", p->name, line, n, PREV_NF);
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct prev_row *rows = realloc(p->rows, cap * sizeof(*rows));
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
	if ((rc = read_records(text, len, name, prev_record, p, err)) != PT_OK) {
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
	rc = slurp(&text, &len, path, PT_EMISSING, err);
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

/* ---- the run ---- */

struct bjob {
	const struct pt_job *job;
	bool compute;       /* needs queries */
	bool all;           /* every node with data */
	bool done, failed;
	const char **need;  /* explicit: nodes to compute, in the job's order */
	size_t nneed;
	size_t *kept;       /* explicit: prev row per job node (or NONE); all: the kept rows */
	size_t nkept;
	int64_t ka, kb;     /* grid points that overlap its window */
	struct pt_node_acc *accs;
	size_t nacc, acap;
	struct pt_strmap accmap; /* all: node -> acc */
	struct pt_buf text; /* its rows, ready to write */
};

struct run {
	struct pt_ctx *ctx;
	const struct pt_jobs *jobs;
	struct pt_batch_prev *prev;
	struct pt_out *out;
	struct pt_batch_result *res;
	struct bjob *b;
	struct pt_grid grid;
	size_t cursor;      /* next job to write */
};

/* The text a report CSV cell holds for s (formula guard), to match prev rows. */
static void cell_text(char *buf, size_t size, const char *s)
{
	snprintf(buf, size, "%s%s", (s[0] && strchr("=+-@", s[0])) ? "'" : "", s);
}

static void bjob_free_accs(struct bjob *bj)
{
	size_t i;

	for (i = 0; i < bj->nacc; i++)
		pt_node_acc_clear(&bj->accs[i]);
	free(bj->accs);
	bj->accs = NULL;
	bj->nacc = bj->acap = 0;
	pt_strmap_free(&bj->accmap);
}

static void bjob_clear(struct bjob *bj)
{
	bjob_free_accs(bj);
	free(bj->need);
	free(bj->kept);
	pt_buf_free(&bj->text);
	memset(bj, 0, sizeof(*bj));
}

/* What the earlier run already has for this job, and what is left to compute. */
static int plan_job(struct bjob *bj, const struct pt_job *job, struct pt_batch_prev *prev,
		struct pt_error *err)
{
	char task[1024], s[40], e[40], node[1024];
	struct pt_buf key = {0};
	size_t head = PT_STRMAP_NONE, i, r;
	int rc;

	bj->job = job;
	bj->all = job->nnodes == 0;
	if (prev && prev->n > 0) {
		cell_text(task, sizeof(task), job->task);
		pt_time_format(s, sizeof(s), job->start_ms);
		pt_time_format(e, sizeof(e), job->end_ms);
		if ((rc = key3(&key, task, s, e, err)) != PT_OK)
			return rc;
		if ((i = pt_strmap_get(&prev->keys, key.data)) != PT_STRMAP_NONE)
			head = prev->first[i];
		pt_buf_free(&key);
	}
	if (bj->all) {
		/* One kept row per node: a job listed twice takes two sets. */
		size_t cap = 0;
		for (r = head; r != PT_STRMAP_NONE; r = prev->rows[r].next) {
			bool seen = false;
			if (prev->rows[r].used)
				continue;
			for (i = 0; i < bj->nkept && !seen; i++)
				seen = strcmp(prev->rows[bj->kept[i]].node, prev->rows[r].node) == 0;
			if (seen)
				continue;
			if (bj->nkept == cap) {
				size_t *k = realloc(bj->kept, (cap = cap ? cap * 2 : 8) * sizeof(*k));
				if (k == NULL)
					return pt_error_oom(err);
				bj->kept = k;
			}
			bj->kept[bj->nkept++] = r;
		}
		for (i = 0; i < bj->nkept; i++)
			prev->rows[bj->kept[i]].used = true;
		bj->compute = bj->nkept == 0;
		return PT_OK;
	}
	if ((bj->kept = malloc(job->nnodes * sizeof(*bj->kept))) == NULL ||
			(bj->need = malloc(job->nnodes * sizeof(*bj->need))) == NULL)
		return pt_error_oom(err);
	for (i = 0; i < job->nnodes; i++) {
		bj->kept[i] = PT_STRMAP_NONE;
		cell_text(node, sizeof(node), job->nodes[i]);
		for (r = head; r != PT_STRMAP_NONE; r = prev->rows[r].next)
			if (!prev->rows[r].used && strcmp(prev->rows[r].node, node) == 0)
				break;
		if (r != PT_STRMAP_NONE) {
			prev->rows[r].used = true;
			bj->kept[i] = r;
			bj->nkept++;
		} else {
			bj->need[bj->nneed++] = job->nodes[i];
		}
	}
	bj->compute = bj->nneed > 0;
	return PT_OK;
}

static int add_kept(struct run *run, struct pt_buf *b, size_t r, struct pt_error *err)
{
	const struct prev_row *row = &run->prev->rows[r];

	if (!row->ok)
		run->res->missing = true;
	run->res->rows_kept++;
	return pt_buf_append(b, row->raw, strlen(row->raw), err);
}

/* The job's rows in order: kept ones as they were, computed ones (rows, in
 * the order of bj->need, or sorted for every-node jobs) where they belong. */
static int job_text(struct run *run, struct bjob *bj, const struct pt_row *rows, size_t nrows,
		struct pt_error *err)
{
	size_t i, ci = 0;
	int rc = PT_OK;

	for (i = 0; i < nrows; i++)
		if (strcmp(rows[i].status, "ok") != 0)
			run->res->missing = true;
	if (bj->all) {
		for (i = 0; i < bj->nkept && rc == PT_OK; i++)
			rc = add_kept(run, &bj->text, bj->kept[i], err);
		if (rc == PT_OK && nrows)
			rc = pt_csv_rows(&bj->text, rows, nrows, err);
		return rc;
	}
	for (i = 0; i < bj->job->nnodes && rc == PT_OK; i++) {
		if (bj->kept[i] != PT_STRMAP_NONE)
			rc = add_kept(run, &bj->text, bj->kept[i], err);
		else if (ci < nrows)
			rc = pt_csv_rows(&bj->text, &rows[ci++], 1, err);
	}
	return rc;
}

static size_t count_lines(const struct pt_buf *b)
{
	size_t n = 0, i;

	for (i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	return n;
}

/* Writes every job from the cursor on that is ready (or, with flush, all). */
static int write_ready(struct run *run, bool flush, struct pt_error *err)
{
	int rc;

	while (run->cursor < run->jobs->n) {
		struct bjob *bj = &run->b[run->cursor];

		if (bj->compute && !bj->done && !flush)
			break;
		if (!bj->done && (rc = job_text(run, bj, NULL, 0, err)) != PT_OK)
			return rc;
		if (bj->text.len) {
			/* Lines: kept rows are whole records; a quoted newline would miscount
			 * only the statistics. */
			run->res->rows += count_lines(&bj->text);
			if ((rc = pt_out_write(run->out, bj->text.data, bj->text.len, err)) != PT_OK)
				return rc;
		}
		pt_buf_free(&bj->text);
		run->cursor++;
	}
	return PT_OK;
}

static int cmp_obs(const void *a, const void *b)
{
	return strcmp(((const struct pt_node_obs *)a)->node, ((const struct pt_node_obs *)b)->node);
}

/* Rows of a job whose last slice is done. */
static int finish_job(struct run *run, struct bjob *bj, struct pt_error *err)
{
	const struct pt_job *job = bj->job;
	struct pt_node_obs *obs = NULL;
	struct pt_row *rows = NULL;
	size_t nobs = 0, nrows = 0, i;
	struct pt_window w;
	int rc = PT_OK;

	if ((obs = calloc(bj->nacc ? bj->nacc : 1, sizeof(*obs))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	for (i = 0; i < bj->nacc; i++) {
		if (bj->all && !bj->accs[i].any)
			continue;
		if ((rc = pt_node_acc_obs(&obs[nobs], &bj->accs[i], &run->grid, job->start_ms,
				job->end_ms, run->ctx->qs->q[PT_Q_COVERED] != NULL, err)) != PT_OK)
			goto out;
		nobs++;
	}
	if (bj->all && nobs > 1)
		qsort(obs, nobs, sizeof(*obs), cmp_obs);
	memset(&w, 0, sizeof(w));
	w.task = job->task;
	w.start_ms = job->start_ms;
	w.end_ms = job->end_ms;
	w.nodes = bj->need;
	w.nnodes = bj->nneed;
	w.scrape_interval_ms = run->grid.scrape_ms;
	w.step_ms = run->grid.step_ms;
	if (bj->all && nobs == 0) {
		/* No node at all: one row says so, so the job is not silently absent. */
		pt_node_obs_init(&obs[0]);
		if ((obs[0].node = strdup("")) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		nobs = 1;
		if ((rc = pt_report_model(&rows, &nrows, run->ctx, &w, obs, nobs, err)) != PT_OK)
			goto out;
		snprintf(rows[0].status, sizeof(rows[0].status),
				"no_data: no node has data in this window");
	} else if ((rc = pt_report_model(&rows, &nrows, run->ctx, &w, obs, nobs, err)) != PT_OK) {
		goto out;
	}
	if ((rc = job_text(run, bj, rows, nrows, err)) != PT_OK)
		goto out;
	bj->done = true;
out:
	pt_rows_free(rows, nrows);
	if (obs) {
		for (i = 0; i < nobs; i++)
			pt_node_obs_clear(&obs[i]);
		free(obs);
	}
	bjob_free_accs(bj);
	return rc;
}

static int start_job(struct bjob *bj, struct pt_error *err)
{
	size_t i;
	int rc;

	if (bj->all)
		return PT_OK;
	if ((bj->accs = calloc(bj->nneed, sizeof(*bj->accs))) == NULL)
		return pt_error_oom(err);
	bj->acap = bj->nneed;
	for (i = 0; i < bj->nneed; i++) {
		if ((rc = pt_node_acc_init(&bj->accs[i], bj->need[i], err)) != PT_OK)
			return rc;
		bj->nacc++;
	}
	return PT_OK;
}

static int add_node_tracks(struct pt_node_acc *acc, const struct pt_slice *s, size_t ni,
		const struct pt_job *job, struct pt_error *err)
{
	size_t t;
	int rc;

	for (t = s->node_first[ni]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
		if ((rc = pt_node_acc_add(acc, s, &s->tracks[t], job->start_ms, job->end_ms, err)) != PT_OK)
			return rc;
	return PT_OK;
}

static int accumulate(struct bjob *bj, const struct pt_slice *s, struct pt_error *err)
{
	size_t i, ni;
	int rc;

	if (!bj->all) {
		for (i = 0; i < bj->nneed; i++) {
			if ((ni = pt_strmap_get(&s->nodes, bj->need[i])) == PT_STRMAP_NONE)
				continue;
			if ((rc = add_node_tracks(&bj->accs[i], s, ni, bj->job, err)) != PT_OK)
				return rc;
		}
		return PT_OK;
	}
	for (ni = 0; ni < s->nodes.n; ni++) {
		bool added;
		size_t ai = pt_strmap_put(&bj->accmap, s->nodes.keys[ni], &added);

		if (ai == PT_STRMAP_NONE)
			return pt_error_oom(err);
		if (added) {
			if (bj->nacc == bj->acap) {
				size_t cap = bj->acap ? bj->acap * 2 : 16;
				struct pt_node_acc *a = realloc(bj->accs, cap * sizeof(*a));
				if (a == NULL)
					return pt_error_oom(err);
				bj->accs = a;
				bj->acap = cap;
			}
			if ((rc = pt_node_acc_init(&bj->accs[bj->nacc], s->nodes.keys[ni], err)) != PT_OK)
				return rc;
			bj->nacc++;
		}
		if ((rc = add_node_tracks(&bj->accs[ai], s, ni, bj->job, err)) != PT_OK)
			return rc;
	}
	return PT_OK;
}

/* Windows of the slice's active jobs that its blocks do not settle get every
 * point of those nodes' blocked quantities (pt_slice_check, pt_slice_refine). */
static int check_node(struct pt_slice *s, size_t ni, const struct pt_job *job,
		struct pt_error *err)
{
	size_t t;
	int rc;

	for (t = s->node_first[ni]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
		if (s->tracks[t].blk &&
				(rc = pt_slice_check(s, &s->tracks[t], job->start_ms, job->end_ms, err)) != PT_OK)
			return rc;
	return PT_OK;
}

static int settle_blocks(struct run *run, struct pt_slice *s, const size_t *active, size_t nactive,
		int concurrency, struct pt_error *err)
{
	size_t i, j, ni;
	int rc;

	for (i = 0; i < nactive; i++) {
		const struct bjob *bj = &run->b[active[i]];

		for (j = 0; j < (bj->all ? s->nodes.n : bj->nneed); j++) {
			ni = bj->all ? j : pt_strmap_get(&s->nodes, bj->need[j]);
			if (ni != PT_STRMAP_NONE && (rc = check_node(s, ni, bj->job, err)) != PT_OK)
				return rc;
		}
	}
	return pt_slice_refine(s, run->ctx, concurrency, err);
}

struct len_idx {
	int64_t n;  /* grid points of the job's window */
	size_t i;
};

static int cmp_len(const void *a, const void *b)
{
	const struct len_idx *x = a, *y = b;

	return x->n < y->n ? -1 : x->n > y->n;
}

/* Points per block for limits and model names (series.h). A window of n
 * points holds a whole block of m when n >= 2m - 1 (one point fewer for
 * MetricsQL's open ranges: n >= 2m is asked); the nodes of shorter jobs get
 * those quantities again point by point (pt_slice_refine). The m taken
 * fetches the fewest points: |nodes| / m for the blocks, plus every point of
 * the nodes of the jobs too short for them. Scheduler logs are full of jobs
 * that failed in seconds: they must not cost the others their blocks. */
static int64_t choose_block(const struct run *run, const size_t *order, size_t n,
		struct pt_error *err, int *rc)
{
	struct pt_strmap u = {0}, shortn = {0};
	struct len_idx *li = NULL;
	double all_nodes, best_cost, short_nodes = 0;
	int64_t best = 1, m;
	size_t i, j = 0;
	bool any_all = false, short_all = false;

	*rc = PT_OK;
	if (n == 0 || (li = malloc(n * sizeof(*li))) == NULL) {
		if (n)
			*rc = pt_error_oom(err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		const struct bjob *bj = &run->b[order[i]];
		size_t k;

		li[i].n = bj->kb - bj->ka + 1;
		li[i].i = order[i];
		any_all = any_all || bj->all;
		for (k = 0; k < bj->nneed && *rc == PT_OK; k++)
			if (pt_strmap_put(&u, bj->need[k], NULL) == PT_STRMAP_NONE)
				*rc = pt_error_oom(err);
	}
	qsort(li, n, sizeof(*li), cmp_len);
	all_nodes = any_all ? (double)(u.n > GUESS_NODES ? u.n : GUESS_NODES) : (double)u.n;
	best_cost = all_nodes;
	/* m upwards: the short jobs (n < 2m) only ever join. */
	for (m = 2; m <= MAX_BLOCK && *rc == PT_OK; m++) {
		double cost;

		for (; j < n && li[j].n < 2 * m && *rc == PT_OK; j++) {
			const struct bjob *bj = &run->b[li[j].i];
			size_t k;

			short_all = short_all || bj->all;
			for (k = 0; k < bj->nneed; k++)
				if (pt_strmap_put(&shortn, bj->need[k], NULL) == PT_STRMAP_NONE)
					*rc = pt_error_oom(err);
		}
		short_nodes = short_all ? all_nodes : (double)shortn.n;
		cost = all_nodes / (double)m + short_nodes;
		if (cost < best_cost) {
			best_cost = cost;
			best = m;
		}
	}
	free(li);
	pt_strmap_free(&u);
	pt_strmap_free(&shortn);
	return *rc == PT_OK ? best : 1;
}

struct ka_idx {
	int64_t ka;
	size_t i;
};

static int cmp_ka(const void *a, const void *b)
{
	const struct ka_idx *x = a, *y = b;

	if (x->ka != y->ka)
		return x->ka < y->ka ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i ? 1 : 0;
}

void pt_batch_result_clear(struct pt_batch_result *res)
{
	if (res == NULL)
		return;
	free(res->failed);
	memset(res, 0, sizeof(*res));
}

/* Nodes to ask for in a slice: the union over its active jobs, or every
 * node (NULL list) when one of them wants every node. */
static int slice_nodes(struct pt_strmap *u, bool *all, struct bjob *b, const size_t *active,
		size_t nactive, struct pt_error *err)
{
	size_t i, j;

	pt_strmap_free(u);
	*all = false;
	for (i = 0; i < nactive; i++) {
		const struct bjob *bj = &b[active[i]];
		if (bj->all) {
			*all = true;
			return PT_OK;
		}
		for (j = 0; j < bj->nneed; j++)
			if (pt_strmap_put(u, bj->need[j], NULL) == PT_STRMAP_NONE)
				return pt_error_oom(err);
	}
	return PT_OK;
}

int pt_batch_run(struct pt_batch_result *res, struct pt_ctx *ctx, const struct pt_jobs *jobs,
		const struct pt_batch_opts *opts, struct pt_out *out, struct pt_error *err)
{
	struct run run;
	struct pt_strmap u = {0};
	size_t *order = NULL, *active = NULL, nactive = 0, ncompute = 0, nfinished = 0, i, j;
	int64_t (*segs)[2] = NULL;
	size_t nsegs = 0, seg;
	int64_t pos, points, chunk_points, block;
	int concurrency = opts->concurrency > 0 ? opts->concurrency : DEFAULT_CONCURRENCY;
	int rc = PT_OK;
	bool all;

	memset(res, 0, sizeof(*res));
	memset(&run, 0, sizeof(run));
	run.ctx = ctx;
	run.jobs = jobs;
	run.prev = opts->prev;
	run.out = out;
	run.res = res;
	if ((run.b = calloc(jobs->n ? jobs->n : 1, sizeof(*run.b))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	for (i = 0; i < jobs->n; i++) {
		if ((rc = plan_job(&run.b[i], &jobs->items[i], opts->prev, err)) != PT_OK)
			goto out;
		ncompute += run.b[i].compute;
	}
	res->jobs_computed = ncompute;
	if (ncompute == 0)
		goto flush;

	/* The grid: step and the data's sample interval (see series.h). */
	if ((order = malloc(ncompute * sizeof(*order))) == NULL ||
			(active = malloc(ncompute * sizeof(*active))) == NULL ||
			(segs = malloc(ncompute * sizeof(*segs))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	for (i = j = 0; i < jobs->n; i++)
		if (run.b[i].compute)
			order[j++] = i;
	run.grid.scrape_ms = opts->scrape_ms;
	if (run.grid.scrape_ms <= 0) {
		if ((rc = slice_nodes(&u, &all, run.b, order, ncompute, err)) != PT_OK)
			goto out;
		run.grid.scrape_ms = pt_series_scrape_interval(ctx, all ? NULL : (const char *const *)u.keys,
				all ? 0 : u.n);
	}
	if (run.grid.scrape_ms <= 0)
		run.grid.scrape_ms = PT_SERIES_DEFAULT_SCRAPE_MS;
	run.grid.step_ms = opts->step_ms > 0 ? opts->step_ms : run.grid.scrape_ms;
	run.grid.metricsql = pt_series_is_metricsql(ctx);
	run.grid.origin_ms = 0; /* epoch-aligned: the same points whatever the jobs */
	res->step_ms = run.grid.step_ms;
	res->scrape_ms = run.grid.scrape_ms;

	/* Grid points each job needs, merged into segments in time order. */
	for (i = 0; i < ncompute; i++) {
		struct bjob *bj = &run.b[order[i]];
		/* From the first gauge sample at or after start (see pt_node_acc_add). */
		bj->ka = pt_grid_first(&run.grid, bj->job->start_ms - run.grid.scrape_ms);
		bj->kb = pt_grid_last(&run.grid, bj->job->end_ms);
	}
	{
		struct ka_idx *ki = malloc(ncompute * sizeof(*ki));
		if (ki == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		for (i = 0; i < ncompute; i++) {
			ki[i].ka = run.b[order[i]].ka;
			ki[i].i = order[i];
		}
		qsort(ki, ncompute, sizeof(*ki), cmp_ka);
		for (i = 0; i < ncompute; i++)
			order[i] = ki[i].i;
		free(ki);
	}
	for (i = 0; i < ncompute; i++) {
		const struct bjob *bj = &run.b[order[i]];
		if (nsegs > 0 && bj->ka <= segs[nsegs - 1][1] + 1) {
			if (bj->kb > segs[nsegs - 1][1])
				segs[nsegs - 1][1] = bj->kb;
		} else {
			segs[nsegs][0] = bj->ka;
			segs[nsegs][1] = bj->kb;
			nsegs++;
		}
	}

	block = 1;
	if (!opts->every_point && (block = choose_block(&run, order, ncompute, err, &rc)) < 1)
		block = 1;
	if (rc != PT_OK)
		goto out;

	chunk_points = PT_SERIES_MAX_POINTS;
	if (opts->chunk_ms > 0) {
		chunk_points = opts->chunk_ms / run.grid.step_ms;
		if (chunk_points < 1)
			chunk_points = 1;
		if (chunk_points > PT_SERIES_MAX_POINTS)
			chunk_points = PT_SERIES_MAX_POINTS;
	}
	{
		/* First slice: sized for the nodes named, or a guess for "every node". */
		size_t nq = 0, nn;
		int q;
		for (q = 0; q < PT_Q_COUNT; q++)
			nq += ctx->qs->q[q] != NULL;
		if ((rc = slice_nodes(&u, &all, run.b, order, ncompute, err)) != PT_OK)
			goto out;
		nn = all ? GUESS_NODES : (u.n ? u.n : 1);
		points = (int64_t)(SLICE_BUDGET_POINTS / ((nq ? nq : 1) * nn));
	}

	j = 0; /* next job (in ka order) to activate */
	seg = 0;
	pos = segs[0][0];
	while (seg < nsegs) {
		struct pt_slice *s = NULL;
		int64_t k0 = pos, k1;
		size_t keep;

		if (points > chunk_points)
			points = chunk_points;
		if (points < MIN_SLICE_POINTS && chunk_points >= MIN_SLICE_POINTS)
			points = MIN_SLICE_POINTS;
		k1 = k0 + points;
		if (k1 > segs[seg][1] + 1)
			k1 = segs[seg][1] + 1;
		for (; j < ncompute && run.b[order[j]].ka < k1; j++) {
			if ((rc = start_job(&run.b[order[j]], err)) != PT_OK)
				goto out;
			active[nactive++] = order[j];
		}
		if ((rc = slice_nodes(&u, &all, run.b, active, nactive, err)) != PT_OK)
			goto out;
		rc = pt_slice_fetch_blocks(&s, ctx, &run.grid, k0, k1,
				all ? NULL : (const char *const *)u.keys, all ? 0 : u.n, block, concurrency, err);
		if (rc == PT_OK)
			rc = settle_blocks(&run, s, active, nactive, concurrency, err);
		if (rc != PT_OK)
			pt_slice_free(s);
		if (rc == PT_ENET) {
			/* Keep what is done; name the rest. */
			for (i = 0; i < jobs->n; i++)
				if (run.b[i].compute && !run.b[i].done)
					run.b[i].failed = true;
			goto flush;
		}
		if (rc != PT_OK)
			goto out;
		res->slices++;
		res->requests += s->requests;
		for (i = 0; i < nactive && rc == PT_OK; i++)
			rc = accumulate(&run.b[active[i]], s, err);
		/* The next slice's size: as many points as the budget allows for the
		 * tracks this one had. */
		if (s->ntracks > 0)
			points = (int64_t)(SLICE_BUDGET_POINTS / s->ntracks);
		pt_slice_free(s);
		if (rc != PT_OK)
			goto out;
		for (i = keep = 0; i < nactive; i++) {
			struct bjob *bj = &run.b[active[i]];
			if (bj->kb < k1) {
				if ((rc = finish_job(&run, bj, err)) != PT_OK)
					goto out;
				nfinished++;
			} else {
				active[keep++] = active[i];
			}
		}
		nactive = keep;
		if ((rc = write_ready(&run, false, err)) != PT_OK)
			goto out;
		if (opts->progress)
			opts->progress(opts->user, nfinished, ncompute);
		pos = k1;
		if (pos > segs[seg][1] && ++seg < nsegs)
			pos = segs[seg][0];
	}

flush:
	{
		struct pt_error werr = {0, ""};
		int wrc = write_ready(&run, true, &werr);

		/* Rows of the earlier run that match no job stay, at the end. */
		for (i = 0; wrc == PT_OK && opts->prev && i < opts->prev->n; i++) {
			const struct prev_row *r = &opts->prev->rows[i];
			if (r->used)
				continue;
			if (!r->ok)
				res->missing = true;
			res->rows++;
			res->rows_kept++;
			wrc = pt_out_write(out, r->raw, strlen(r->raw), &werr);
		}
		if (wrc != PT_OK) {
			*err = werr;
			rc = wrc;
			goto out;
		}
	}
	for (i = 0; i < jobs->n; i++)
		if (run.b[i].failed)
			res->nfailed++;
	if (res->nfailed) {
		if ((res->failed = malloc(res->nfailed * sizeof(*res->failed))) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		for (i = j = 0; i < jobs->n; i++)
			if (run.b[i].failed)
				res->failed[j++] = i;
	}
	if (opts->progress && rc == PT_OK)
		opts->progress(opts->user, nfinished, ncompute);
out:
	if (run.b)
		for (i = 0; i < jobs->n; i++)
			bjob_clear(&run.b[i]);
	free(run.b);
	free(order);
	free(active);
	free(segs);
	pt_strmap_free(&u);
	return rc;
}
