/* serve.c - the HTTP server: libmicrohttpd worker threads, one report context per worker; its endpoints and their parameters (connections: serve_net.c). */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "csvout.h"
#include "export.h"
#include "html.h"
#include "render.h"
#include "report.h"
#include "schema.h"
#include "scrape.h"
#include "series.h"
#include "serve_int.h"
#include "text.h"
#include "timefmt.h"

/* Same bound as timefmt.c: the last millisecond of year 9999. */
#define MAX_MS INT64_C(253402300799999)
#define MAX_NODES 10000
/* The most rows of one /export.csv per node: 100,000 steps (69 days at a minute). */
#define PT_SERVE_MAX_STEPS 100000
/* How long a worker trusts the scrape interval it last read from
 * /api/v1/targets (used to flag windows shorter than two scrapes, as
 * `report` does). Asking on every request would double the load of a
 * dashboard refresh on a big lab. */
#define INTERVAL_TTL_MS 60000


#define CT_CSV "text/csv; charset=utf-8"
#define CT_TEXT "text/plain; charset=utf-8"
#define CT_HTML "text/html; charset=utf-8"

/* Per connection request, from the URI callback to the completion callback. */
struct request {
	char *uri;          /* as received, for the log */
	char method[16];
	int64_t t0_ms;      /* monotonic */
	unsigned status;    /* 0 until answered */
	uint64_t bytes;
	bool headers_seen;  /* the access handler was called once */
	bool answered;
};

/* An answer being built: status, Content-Type and a body, either in memory
 * (malloc'd) or in an unlinked file (fd >= 0); libmicrohttpd frees the one
 * or closes the other. */
struct reply {
	unsigned status;
	const char *type;
	struct pt_buf body;
	int fd;
	uint64_t fd_size;
	char warning[1024]; /* the store's warnings ("; "-joined), sent as X-Powertest-Store-Warning */
};

struct arg {
	const char *key;
	const char *value; /* NULL for "?key" without '=' */
};

struct args {
	struct arg *v;
	size_t n, cap;
	bool oom;
	const char *nul_key; /* first argument whose name or value holds a NUL (%00) */
};

/* The parameters of /report.csv and /export.csv after validation. Strings
 * point into libmicrohttpd's copies (valid during the request) except the
 * node names, which are split out of comma lists. */
struct params {
	const char *start, *end, *last, *step, *task, *by;
	char **nodes;
	size_t nnodes, nodes_cap;
};

static void logf_(struct pt_serve *s, const char *fmt, ...) PT_PRINTF(2, 3);
static void logf_(struct pt_serve *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (s->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->log(s->log_user, line);
}

/* ---- time parameters ---- */

int pt_serve_time_parse(int64_t *out_ms, const char *s, struct pt_error *err)
{
	char buf[80];
	size_t n = strlen(s), i;
	bool digits = n > 0;

	for (i = 0; i < n && digits; i++)
		digits = s[i] >= '0' && s[i] <= '9';
	if (digits && n >= 13) {
		int64_t v = 0;

		if (n > 15)
			return pt_error_set(err, PT_EUSAGE,
					"time '%.40s' is out of range (milliseconds after year 9999)", s);
		for (i = 0; i < n; i++)
			v = v * 10 + (s[i] - '0');
		if (v > MAX_MS)
			return pt_error_set(err, PT_EUSAGE,
					"time '%s' is out of range (milliseconds after year 9999)", s);
		*out_ms = v;
		return PT_OK;
	}
	if (n >= sizeof(buf))
		return pt_error_set(err, PT_EUSAGE, "time '%.40s...' is too long", s);
	for (i = 0; i <= n; i++)
		buf[i] = s[i] == ' ' ? '+' : s[i];
	return pt_time_parse(out_ms, buf, err);
}

/* ---- replies ---- */

static void reply_text(struct reply *r, unsigned status, const char *fmt, ...) PT_PRINTF(3, 4);
static void reply_text(struct reply *r, unsigned status, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One printable line, whatever a message or a parameter carried. */
	for (i = 0; line[i]; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = line[i] == '\n' || line[i] == '\r' || line[i] == '\t' ? ' ' : '?';
	pt_buf_reset(&r->body);
	r->status = status;
	r->type = CT_TEXT;
	if (pt_buf_printf(&r->body, NULL, "%s\n", line) != PT_OK)
		pt_buf_free(&r->body); /* out of memory: an empty body still carries the status */
}

/* A failure of the report machinery -> status: the caller's parameters
 * (400), Prometheus (502: we are a gateway to it), or ourselves (500). */
static void reply_failure(struct reply *r, const struct pt_error *err)
{
	const char *msg = err->msg[0] ? err->msg : "unknown error";

	switch (err->code) {
	case PT_EUSAGE: reply_text(r, 400, "%s", msg); break;
	case PT_ENET: reply_text(r, 502, "%s", msg); break;
	default: reply_text(r, 500, "%s", msg); break;
	}
}

static void reply_oom(struct reply *r)
{
	reply_text(r, 500, "out of memory");
}

/* ---- query parameters ---- */

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
		size_t key_size, const char *value, size_t value_size)
{
	struct args *a = cls;

	(void)kind;
	/* A %00 would cut the text short unseen ("j%001" read as "j"). */
	if (a->nul_key == NULL && (strlen(key) != key_size
			|| (value != NULL && strlen(value) != value_size)))
		a->nul_key = key;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		struct arg *v = realloc(a->v, cap * sizeof(*v));

		if (v == NULL) {
			a->oom = true;
			return MHD_NO;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n].key = key;
	a->v[a->n].value = value;
	a->n++;
	return MHD_YES;
}

static void params_free(struct params *p)
{
	size_t i;

	for (i = 0; i < p->nnodes; i++)
		free(p->nodes[i]);
	free(p->nodes);
	memset(p, 0, sizeof(*p));
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Adds the names of a comma-separated list (Grafana's ${var:csv}), trimmed,
 * skipping empty items and repeats. -1 on OOM, -2 when too many, -3 when
 * the last one added is no node name (pt_node_name_check). */
static int params_add_nodes(struct params *p, const char *list)
{
	const char *s = list;

	while (*s) {
		const char *e = s, *b;
		size_t len, i;
		char *name;
		bool seen = false;

		while (*e && *e != ',')
			e++;
		b = s;
		while (b < e && is_space(*b))
			b++;
		len = (size_t)(e - b);
		while (len > 0 && is_space(b[len - 1]))
			len--;
		s = *e ? e + 1 : e;
		if (len == 0)
			continue;
		for (i = 0; i < p->nnodes && !seen; i++)
			seen = strlen(p->nodes[i]) == len && memcmp(p->nodes[i], b, len) == 0;
		if (seen)
			continue;
		if (p->nnodes == MAX_NODES)
			return -2;
		if (p->nnodes == p->nodes_cap) {
			size_t cap = p->nodes_cap ? p->nodes_cap * 2 : 8;
			char **v = realloc(p->nodes, cap * sizeof(*v));

			if (v == NULL)
				return -1;
			p->nodes = v;
			p->nodes_cap = cap;
		}
		if ((name = strndup(b, len)) == NULL)
			return -1;
		p->nodes[p->nnodes++] = name;
		if (pt_node_name_check(name, NULL) != PT_OK)
			return -3;
	}
	return 0;
}

/* Whether word is one of the space-separated words of list. */
static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	while (*list) {
		size_t len = strcspn(list, " ");

		if (len == n && n > 0 && memcmp(list, word, n) == 0)
			return true;
		list += len;
		list += strspn(list, " ");
	}
	return false;
}

static const char **param_slot(struct params *p, const char *key)
{
	if (strcmp(key, "start") == 0) return &p->start;
	if (strcmp(key, "end") == 0) return &p->end;
	if (strcmp(key, "last") == 0) return &p->last;
	if (strcmp(key, "step") == 0) return &p->step;
	if (strcmp(key, "task") == 0) return &p->task;
	if (strcmp(key, "by") == 0) return &p->by;
	return NULL;
}

/* Checks the arguments against the names `allowed` (a space-separated list)
 * and fills p. node may repeat and hold comma lists; every other name is
 * given at most once. An empty node, task or by is as if absent (what a
 * Grafana variable left empty sends); an empty time or duration is an error.
 * False with a 400 in r. */
static bool params_parse(struct params *p, const struct args *a, const char *allowed,
		struct reply *r)
{
	size_t i;

	if (a->nul_key != NULL) {
		char q[48];

		pt_text_quote(q, sizeof(q), a->nul_key);
		reply_text(r, 400, "parameter '%s' holds a NUL byte (%%00)", q);
		return false;
	}
	for (i = 0; i < a->n; i++) {
		const char *key = a->v[i].key, *value = a->v[i].value ? a->v[i].value : "";
		const char **slot;
		int rc;

		if (!word_in(allowed, key)) {
			reply_text(r, 400, "unknown parameter '%.40s' (this endpoint takes: %s)", key,
					allowed);
			return false;
		}
		if (strcmp(key, "node") == 0) {
			rc = params_add_nodes(p, value);
			if (rc == -1) {
				reply_oom(r);
				return false;
			}
			if (rc == -2) {
				reply_text(r, 400, "too many nodes (at most %d)", MAX_NODES);
				return false;
			}
			if (rc == -3) {
				struct pt_error e = {0, ""};

				if (pt_node_name_check(p->nodes[p->nnodes - 1], &e) != PT_OK)
					reply_text(r, 400, "node: %s", e.msg);
				return false;
			}
			continue;
		}
		if ((slot = param_slot(p, key)) == NULL) { /* a name in `allowed` without a slot */
			reply_text(r, 500, "parameter '%s' is not handled", key);
			return false;
		}
		if (*slot != NULL) {
			reply_text(r, 400, "parameter '%s' is given twice", key);
			return false;
		}
		if (*value == '\0') {
			if (strcmp(key, "task") == 0 || strcmp(key, "by") == 0)
				continue;
			reply_text(r, 400, "parameter '%s' is empty", key);
			return false;
		}
		*slot = value;
	}
	return true;
}

/* start/end, or last: the window. False with a 400 in r. */
static bool window_resolve(int64_t *start_ms, int64_t *end_ms, const struct params *p,
		struct reply *r)
{
	struct pt_error err = {0, ""};

	if (p->last && (p->start || p->end)) {
		reply_text(r, 400, "give either start and end, or last");
		return false;
	}
	if (p->last) {
		if (pt_window_last(start_ms, end_ms, p->last, &err) != PT_OK) {
			reply_text(r, 400, "last: %s", err.msg);
			return false;
		}
		return true;
	}
	if (p->start == NULL || p->end == NULL) {
		reply_text(r, 400, "a window is needed: start=T&end=T, or last=DUR");
		return false;
	}
	if (pt_serve_time_parse(start_ms, p->start, &err) != PT_OK) {
		reply_text(r, 400, "start: %s", err.msg);
		return false;
	}
	if (pt_serve_time_parse(end_ms, p->end, &err) != PT_OK) {
		reply_text(r, 400, "end: %s", err.msg);
		return false;
	}
	if (*end_ms <= *start_ms) {
		reply_text(r, 400, "end (%.40s) must be after start (%.40s)", p->end, p->start);
		return false;
	}
	/* Dashboards ask up to "now" and past it: the window ends now. */
	if (*end_ms > pt_now_ms())
		*end_ms = pt_now_ms();
	if (*end_ms <= *start_ms) {
		reply_text(r, 400, "start (%.40s) is in the future", p->start);
		return false;
	}
	return true;
}

/* ---- report contexts ---- */

static struct slot *slot_get(struct pt_serve *s)
{
	struct slot *sl = NULL;
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		for (i = 0; i < s->nslots && sl == NULL; i++)
			if (!s->slots[i].busy)
				sl = &s->slots[i];
		if (sl)
			break;
		pthread_cond_wait(&s->freed, &s->lock);
	}
	sl->busy = true;
	pthread_mutex_unlock(&s->lock);
	return sl;
}

static void slot_put(struct pt_serve *s, struct slot *sl)
{
	pthread_mutex_lock(&s->lock);
	sl->busy = false;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->lock);
}

/* Largest scrape interval of the active targets, as `report` uses it; 0 when
 * unknown (the targets API failing is not a reason to fail the report: the
 * report's own queries will say what is wrong). Cached for INTERVAL_TTL_MS. */
static int64_t slot_interval(struct slot *sl)
{
	struct pt_error err = {0, ""};
	int64_t now = pt_serve_mono_ms(), interval;

	if (sl->interval_at_ms != 0 && now - sl->interval_at_ms < INTERVAL_TTL_MS)
		return sl->interval_ms;
	if (pt_scrape_interval(&interval, sl->ctx, NULL, 0, false, &err) != PT_OK)
		return sl->interval_ms;
	sl->interval_ms = interval;
	sl->interval_at_ms = now;
	return interval;
}

/* ---- endpoints ---- */

static const char index_text[] =
	"powertest serve: per-node energy and CO2 of jobs, as CSV for the Grafana CSV data source.\n"
	"\n"
	"GET /\n"
	"    a page with charts, totals and the rows of a chosen window (from the\n"
	"    endpoints below; its scripts and styles are served from /assets/)\n"
	"GET /help\n"
	"    this text\n"
	"GET /report.csv?start=T&end=T[&node=N[,N...]][&task=NAME][&by=device]\n"
	"    one row per node for the window (or per device with by=device);\n"
	"    last=DUR instead of start and end means the window ending now\n"
	"GET /export.csv?start=T&end=T[&step=DUR][&node=N[,N...]]\n"
	"    utilisation, power and cumulative energy per node over time\n"
	"GET /healthz\n"
	"    'ok' while the server runs (does not ask Prometheus)\n"
	"\n"
	"T: RFC 3339 (2026-11-21T10:00:00Z), Unix seconds (1795255200.5), or Unix\n"
	"   milliseconds as Grafana's ${__from} and ${__to} give them (13 digits or more).\n"
	"DUR: a Prometheus duration (90s, 15m, 1h30m).\n"
	"node may repeat; empty node and task are ignored; a node name is UTF-8\n"
	"without control characters; step is at most 365d; no parameter holds %00.\n"
	"Status: 200 CSV; 400 bad parameters, 404 unknown path, 405 not GET or HEAD,\n"
	"502 Prometheus failed; errors are one line of text.\n"
	"A store's warnings (a partial answer from Thanos, Mimir, VictoriaMetrics) make\n"
	"the rows partial (\"partial: store warned: ...\") and come in the header\n"
	"X-Powertest-Store-Warning.\n";

/* A store's warning on one of a request's answers: the rows' status says
 * it (report), and the answer's X-Powertest-Store-Warning header for any
 * endpoint (export has no status column). Texts come without control
 * characters (pt_prom_warning_join); a long list is cut. */
static void reply_warning(void *user, const char *text)
{
	struct reply *r = user;
	size_t n = strlen(r->warning), i;

	snprintf(r->warning + n, sizeof(r->warning) - n, "%s%s", n ? "; " : "", text);
	for (i = n; r->warning[i]; i++)
		if ((unsigned char)r->warning[i] < 0x20 || r->warning[i] == 0x7f)
			r->warning[i] = ' ';
}

static void do_report(struct pt_serve *s, const struct args *a, struct reply *r)
{
	struct params p = {0};
	struct pt_error err = {0, ""};
	struct pt_window w;
	struct pt_row *rows = NULL;
	size_t nrows = 0;
	struct slot *sl;
	bool by_device = false;
	int rc;

	if (!params_parse(&p, a, "start end last node task by", r))
		goto out;
	if (p.by && strcmp(p.by, "device") == 0) {
		by_device = true;
	} else if (p.by && strcmp(p.by, "node") != 0) {
		reply_text(r, 400, "by takes 'node' or 'device', not '%.40s'", p.by);
		goto out;
	}
	memset(&w, 0, sizeof(w));
	if (!window_resolve(&w.start_ms, &w.end_ms, &p, r))
		goto out;
	w.task = p.task;
	w.nodes = (const char *const *)p.nodes;
	w.nnodes = p.nnodes;

	sl = slot_get(s);
	w.scrape_interval_ms = slot_interval(sl);
	/* The slot is this request's until put back: its warnings are ours. */
	sl->ctx->on_store_warning = reply_warning;
	sl->ctx->on_store_warning_user = r;
	rc = pt_report_window(&rows, &nrows, sl->ctx, &w, &err);
	sl->ctx->on_store_warning = NULL;
	sl->ctx->on_store_warning_user = NULL;
	slot_put(s, sl);
	if (rc != PT_OK) {
		reply_failure(r, &err);
		goto out;
	}
	pt_buf_reset(&r->body);
	if (pt_render_rows(&r->body, PT_FMT_CSV, by_device, rows, nrows, &err) != PT_OK) {
		reply_failure(r, &err);
		goto out;
	}
	r->status = 200;
	r->type = CT_CSV;
out:
	pt_rows_free(rows, nrows);
	params_free(&p);
}

/* The export is written by pt_export_run through a pt_out, which writes
 * files: into a file under $TMPDIR that is unlinked once open, then sent from
 * there. Memory stays flat however long the span (the module's point), and
 * the file is gone when the answer is. */
static void do_export(struct pt_serve *s, const struct args *a, struct reply *r)
{
	struct params p = {0};
	struct pt_error err = {0, ""};
	struct pt_export_opts opts;
	struct pt_export_result res;
	struct pt_out *out = NULL;
	const char *tmpdir = getenv("TMPDIR");
	char path[4096] = "";
	struct stat st;
	struct slot *sl;
	int fd = -1, rc;

	memset(&opts, 0, sizeof(opts));
	memset(&res, 0, sizeof(res));
	if (!params_parse(&p, a, "start end last step node", r))
		goto out;
	if (!window_resolve(&opts.start_ms, &opts.end_ms, &p, r))
		goto out;
	if (p.step && pt_duration_parse(&opts.step_ms, p.step, &err) != PT_OK) {
		reply_text(r, 400, "step: %s", err.msg);
		goto out;
	}
	if (opts.step_ms > 0 && opts.end_ms - opts.start_ms < opts.step_ms) {
		reply_text(r, 400, "the span is shorter than one step (%.20s)", p.step);
		goto out;
	}
	if (p.step && opts.step_ms > PT_DURATION_OPT_MAX_MS) {
		reply_text(r, 400, "step: at most 365d, not '%.20s'", p.step);
		goto out;
	}
	if (p.step && opts.step_ms <= 0) {
		reply_text(r, 400, "step must be longer than 0s");
		goto out;
	}
	opts.nodes = (const char *const *)p.nodes;
	opts.nnodes = p.nnodes;

	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/powertest-export-XXXXXX", tmpdir) >= sizeof(path) ||
			(fd = mkstemp(path)) < 0) {
		reply_text(r, 500, "cannot create a temporary file in %.200s: %s", tmpdir,
				strerror(errno));
		path[0] = '\0';
		goto out;
	}
	close(fd);
	fd = -1;
	if (pt_out_open(&out, path, false, pt_schema_header(&pt_schema_export), &err) != PT_OK) {
		reply_failure(r, &err);
		goto out;
	}
	sl = slot_get(s);
	/* The default step is the scrape interval; with it known, one request
	 * must not hold a worker (and Ctrl-C) for hours. */
	if (opts.step_ms <= 0)
		opts.step_ms = slot_interval(sl) > 0 ? slot_interval(sl) : PT_SERIES_DEFAULT_SCRAPE_MS;
	if ((opts.end_ms - opts.start_ms) / opts.step_ms > PT_SERVE_MAX_STEPS) {
		slot_put(s, sl);
		reply_text(r, 400, "%lld steps of %.3gs: at most %d per request; narrow the range or "
				"raise step", (long long)((opts.end_ms - opts.start_ms) / opts.step_ms),
				(double)opts.step_ms / 1000.0, PT_SERVE_MAX_STEPS);
		goto out;
	}
	rc = pt_export_run(&res, sl->ctx, &opts, out, &err);
	slot_put(s, sl);
	if (rc == PT_OK && res.warnings.len)
		snprintf(r->warning, sizeof(r->warning), "%s", res.warnings.data);
	if (rc != PT_OK || pt_out_commit(out, &err) != PT_OK) {
		reply_failure(r, &err);
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		reply_text(r, 500, "cannot read back %.200s: %s", path, strerror(errno));
		goto out;
	}
	r->status = 200;
	r->type = CT_CSV;
	r->fd = fd;
	r->fd_size = (uint64_t)st.st_size;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	if (path[0])
		unlink(path);
	pt_out_free(out);
	pt_export_result_clear(&res);
	params_free(&p);
}

/* An HTTP token (RFC 9110 5.6.2): what a method is made of. */
static bool is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')
				|| strchr("!#$%&'*+-.^_`|~", *s) != NULL))
			return false;
	return true;
}

/* Routes one request; r gets the answer. */
static void handle(struct pt_serve *s, struct MHD_Connection *c, const char *path,
		const char *method, struct reply *r)
{
	struct args a = {0};
	const unsigned char *asset;
	size_t asset_len;

	if (!is_token(method)) {
		reply_text(r, 400, "not an HTTP request");
		return;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		reply_text(r, 405, "method %.20s not allowed: use GET or HEAD", method);
		return;
	}
	if (strcmp(path, "/") == 0) {
		r->status = 200;
		r->type = CT_HTML;
		if (pt_html_live(&r->body, NULL) != PT_OK)
			reply_oom(r);
		return;
	}
	if (strcmp(path, "/help") == 0) {
		r->status = 200;
		r->type = CT_TEXT;
		if (pt_buf_append(&r->body, index_text, sizeof(index_text) - 1, NULL) != PT_OK)
			reply_oom(r);
		return;
	}
	if (pt_html_asset(path, &asset, &asset_len, &r->type)) {
		r->status = 200;
		if (pt_buf_append(&r->body, asset, asset_len, NULL) != PT_OK)
			reply_oom(r);
		return;
	}
	if (strcmp(path, "/healthz") == 0) {
		reply_text(r, 200, "ok");
		return;
	}
	if (strcmp(path, "/report.csv") != 0 && strcmp(path, "/export.csv") != 0) {
		reply_text(r, 404, "no such endpoint: %.80s (see /help for the list)", path);
		return;
	}
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_arg, &a);
	if (a.oom)
		reply_oom(r);
	else if (strcmp(path, "/report.csv") == 0)
		do_report(s, &a, r);
	else
		do_export(s, &a, r);
	free(a.v);
}

/* ---- libmicrohttpd callbacks ---- */

static enum MHD_Result queue_reply(struct MHD_Connection *c, struct request *rq, struct reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ok;
	uint64_t len;

	if (r->fd >= 0) {
		len = r->fd_size;
		if ((resp = MHD_create_response_from_fd64(len, r->fd)) == NULL)
			close(r->fd);
		r->fd = -1;
		pt_buf_free(&r->body);
	} else if (r->body.data) {
		len = r->body.len;
		resp = MHD_create_response_from_buffer(len, r->body.data, MHD_RESPMEM_MUST_FREE);
		if (resp == NULL)
			pt_buf_free(&r->body);
		memset(&r->body, 0, sizeof(r->body)); /* the response owns it now */
	} else {
		len = 0;
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->type ? r->type : CT_TEXT);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	/* The page and its assets load from here only; nothing else is HTML. */
	MHD_add_response_header(resp, "Content-Security-Policy", pt_html_live_csp);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	/* Not the Warning header: RFC 9111 retired it, and clients ignore it. */
	if (r->warning[0])
		MHD_add_response_header(resp, "X-Powertest-Store-Warning", r->warning);
	ok = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	if (rq) {
		rq->answered = true;
		rq->status = r->status;
		rq->bytes = len;
	}
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
		const char *method, const char *version, const char *upload_data,
		size_t *upload_data_size, void **req_cls)
{
	struct pt_serve *s = cls;
	struct request *rq = *req_cls;
	struct reply r = {0, NULL, {0}, -1, 0, ""};
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

	(void)version;
	(void)upload_data;
	if (rq && rq->answered) {
		*upload_data_size = 0; /* a body after our answer: dropped */
		return MHD_YES;
	}
	if (rq && !rq->headers_seen) {
		snprintf(rq->method, sizeof(rq->method), "%s", method);
		rq->headers_seen = true;
		/* A GET is answered once the request is complete (the next call),
		 * which keeps the connection alive for Grafana's next query; any
		 * other method gets its 405 at once, body unread. */
		if (get)
			return MHD_YES;
	} else if (*upload_data_size != 0) {
		*upload_data_size = 0; /* a GET with a body: ignored */
		return MHD_YES;
	}
	pt_serve_watch_arm(s, c, false); /* the request is in */
	handle(s, c, url, method, &r);
	if (r.status == 0)
		reply_text(&r, 500, "no answer");
	return queue_reply(c, rq, &r);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct request *rq = calloc(1, sizeof(*rq));

	(void)cls;
	(void)c;
	if (rq == NULL)
		return NULL;
	rq->uri = strdup(uri);
	rq->t0_ms = pt_serve_mono_ms();
	return rq;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
		enum MHD_RequestTerminationCode toe)
{
	struct pt_serve *s = cls;
	struct request *rq = *req_cls;

	*req_cls = NULL;
	/* A kept-alive connection has HEADER_MS for its next request. */
	pt_serve_watch_arm(s, c, true);
	if (rq == NULL)
		return;
	if (s->log && rq->answered) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		char host[INET6_ADDRSTRLEN] = "?";
		char uri[300];
		size_t i;

		if (ci && ci->client_addr)
			getnameinfo(ci->client_addr, ci->client_addr->sa_family == AF_INET6 ?
					sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
					host, sizeof(host), NULL, 0, NI_NUMERICHOST);
		snprintf(uri, sizeof(uri), "%s", rq->uri ? rq->uri : "?");
		for (i = 0; uri[i]; i++) /* one line, printable */
			if ((unsigned char)uri[i] < 0x20 || uri[i] == 0x7f)
				uri[i] = '?';
		logf_(s, "%s %s %s %u %" PRIu64 " bytes %" PRId64 " ms%s", host, rq->method, uri, rq->status,
				rq->bytes, pt_serve_mono_ms() - rq->t0_ms,
				toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection closed early)");
	}
	free(rq->uri);
	free(rq);
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
	struct pt_serve *s = cls;
	char line[512];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	logf_(s, "http: %s", line);
}

/* ---- lifetime ---- */

int pt_serve_start(struct pt_serve **out, const struct pt_serve_opts *opts, struct pt_error *err)
{
	struct pt_serve *s;
	unsigned threads = opts->threads ? opts->threads : PT_SERVE_DEFAULT_THREADS;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	size_t i;
	int rc;

	*out = NULL;
	if (threads > 256)
		return pt_error_set(err, PT_EUSAGE, "too many threads (%u, at most 256)", threads);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return pt_error_oom(err);
	s->listen_fd = -1;
	s->log = opts->log;
	s->log_user = opts->log_user;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return pt_error_set(err, PT_ENOMEM, "cannot create a mutex");
	}
	if (pthread_cond_init(&s->freed, NULL) != 0) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return pt_error_set(err, PT_ENOMEM, "cannot create a condition variable");
	}
	s->sync_ready = true;
	if ((rc = pt_serve_watch_init(s, err)) != PT_OK)
		goto fail;
	if ((s->slots = calloc(threads, sizeof(*s->slots))) == NULL) {
		rc = pt_error_oom(err);
		goto fail;
	}
	s->nslots = threads;
	for (i = 0; i < threads; i++)
		if ((rc = pt_ctx_open(&s->slots[i].ctx, opts->config_path, opts->url_override, err))
				!= PT_OK)
			goto fail;
	if ((rc = pt_serve_listen_open(s, opts->listen ? opts->listen : PT_SERVE_DEFAULT_LISTEN, err))
			!= PT_OK)
		goto fail;
	if (s->log)
		flags |= MHD_USE_ERROR_LOG;
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
			/* first, so that no message goes to libmicrohttpd's own stderr logger */
			MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, (void *)s,
			MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->listen_fd,
			MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(threads > 1 ? threads : 0),
			MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)s,
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)s,
			MHD_OPTION_NOTIFY_CONNECTION, pt_serve_on_connection, (void *)s,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)IDLE_S,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
			MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)PER_IP,
			/* long node lists in the query string */
			MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
			MHD_OPTION_END);
	if (s->daemon == NULL) {
		rc = pt_error_set(err, PT_ENET, "cannot start the HTTP server on %s", s->address);
		goto fail;
	}
	if (pthread_create(&s->watch_thread, NULL, pt_serve_watch_main, s) != 0) {
		rc = pt_error_set(err, PT_ENOMEM, "cannot start a thread");
		goto fail;
	}
	s->watch_running = true;
	*out = s;
	return PT_OK;
fail:
	pt_serve_stop(s);
	return rc;
}

const char *pt_serve_address(const struct pt_serve *s)
{
	return s->address;
}

void pt_serve_stop(struct pt_serve *s)
{
	size_t i;

	if (s == NULL)
		return;
	/* The watch first: nothing is shut down while the daemon stops. */
	if (s->watch_running) {
		pthread_mutex_lock(&s->watch_lock);
		s->watch_stop = true;
		pthread_cond_signal(&s->watch_stop_cond);
		pthread_mutex_unlock(&s->watch_lock);
		pthread_join(s->watch_thread, NULL);
	}
	if (s->daemon)
		MHD_stop_daemon(s->daemon); /* waits for the workers; closes the socket */
	else if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->watch_ready) {
		pthread_cond_destroy(&s->watch_stop_cond);
		pthread_mutex_destroy(&s->watch_lock);
	}
	for (i = 0; i < s->nslots; i++)
		pt_ctx_free(s->slots[i].ctx);
	free(s->slots);
	if (s->sync_ready) {
		pthread_cond_destroy(&s->freed);
		pthread_mutex_destroy(&s->lock);
	}
	free(s);
}
