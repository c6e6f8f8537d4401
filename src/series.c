/* series.c - query_range of every quantity over a grid, tracks per node/device, and windows integrated locally from them. */
#include "series.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "prom.h"
#include "timefmt.h"

/* ---- grid ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
	return -floor_div(-a, b);
}

int64_t pt_grid_time(const struct pt_grid *g, int64_t k)
{
	return g->origin_ms + k * g->step_ms;
}

int64_t pt_grid_window_ms(const struct pt_grid *g, bool counter)
{
	return counter && !g->metricsql ? g->step_ms + g->scrape_ms : g->step_ms;
}

bool pt_series_is_metricsql(struct pt_ctx *ctx)
{
	struct pt_prom_result *res = NULL;
	struct pt_error err = {0, ""};
	bool vector;

	if (pt_prom_query(&res, ctx->prom, "1", pt_now_ms(), &err) != PT_OK)
		return false;
	vector = res->type == PT_PROM_VECTOR;
	pt_prom_result_free(res);
	return vector;
}

bool pt_series_is_counter(const char *tmpl)
{
	static const char *const fns[] = {"rate", "irate", "increase", "delta", "idelta", "deriv",
		"predict_linear", "holt_winters", NULL};
	const char *p;
	size_t i;

	for (p = tmpl; *p; p++) {
		if (!isalpha((unsigned char)*p) || (p > tmpl && (isalnum((unsigned char)p[-1]) ||
				p[-1] == '_' || p[-1] == ':')))
			continue;
		for (i = 0; fns[i]; i++) {
			size_t n = strlen(fns[i]);
			const char *q = p + n;
			if (strncmp(p, fns[i], n) != 0 || isalnum((unsigned char)*q) || *q == '_' || *q == ':')
				continue;
			while (*q == ' ' || *q == '\t' || *q == '\n')
				q++;
			if (*q == '(')
				return true;
		}
	}
	return false;
}

int64_t pt_grid_eval_ms(const struct pt_grid *g, int64_t k)
{
	return pt_grid_time(g, k) + g->scrape_ms / 2;
}

int64_t pt_grid_first(const struct pt_grid *g, int64_t t_ms)
{
	return floor_div(t_ms - g->origin_ms, g->step_ms) + 1;
}

int64_t pt_grid_last(const struct pt_grid *g, int64_t t_ms)
{
	return ceil_div(t_ms - g->origin_ms, g->step_ms);
}

/* ---- slices ---- */

static bool is_gpu(enum pt_quantity q)
{
	return pt_quantity_is_device(q);
}

static bool is_info(enum pt_quantity q)
{
	return q == PT_Q_CPU_INFO || q == PT_Q_GPU_INFO;
}

int pt_slice_new(struct pt_slice **out, const struct pt_grid *g, int64_t k0, int64_t k1,
		struct pt_error *err)
{
	struct pt_slice *s;

	*out = NULL;
	if (g->step_ms <= 0 || g->scrape_ms <= 0 || k1 <= k0)
		return pt_error_set(err, PT_EUSAGE, "empty or invalid grid slice");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return pt_error_oom(err);
	s->grid = *g;
	s->k0 = k0;
	s->k1 = k1;
	*out = s;
	return PT_OK;
}

void pt_slice_free(struct pt_slice *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ntracks; i++) {
		struct pt_track *t = &s->tracks[i];
		free(t->node);
		free(t->device);
		free(t->model);
		free(t->v);
		free(t->blk);
		free(t->cum);
		free(t->cnt);
	}
	free(s->tracks);
	for (i = 0; i < PT_Q_COUNT; i++)
		pt_strmap_free(&s->refine[i]);
	pt_strmap_free(&s->keys);
	pt_strmap_free(&s->nodes);
	free(s->node_first);
	free(s);
}

static int dup_opt(char **dst, const char *s)
{
	if (s == NULL)
		return 0;
	return (*dst = strdup(s)) ? 0 : -1;
}

/* Blocks of m points over the slice (the last one may reach past k1). */
static size_t nblocks(const struct pt_slice *s, int64_t m)
{
	return (size_t)((s->k1 - s->k0 + m - 1) / m);
}

/* The track of (quantity, node, device, model), created empty when new:
 * points, or blocks of m points. */
static struct pt_track *track_get(struct pt_slice *s, enum pt_quantity q, const char *node,
		const char *device, const char *model, int64_t m, struct pt_error *err)
{
	struct pt_buf key = {0};
	struct pt_track *t;
	size_t idx, n = (size_t)(s->k1 - s->k0), i;
	double *vals;
	bool added;

	if (pt_buf_printf(&key, err, "%d\x1f%s\x1f%s\x1f%s", (int)q, node, device ? device : "",
			model ? model : "") != PT_OK)
		return NULL;
	idx = pt_strmap_put(&s->keys, key.data, &added);
	pt_buf_free(&key);
	if (idx == PT_STRMAP_NONE) {
		pt_error_oom(err);
		return NULL;
	}
	if (!added)
		return &s->tracks[idx];
	if (s->ntracks == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct pt_track *tr = realloc(s->tracks, cap * sizeof(*tr));
		if (tr == NULL) {
			pt_error_oom(err);
			return NULL;
		}
		s->tracks = tr;
		s->cap = cap;
	}
	/* idx == ntracks: the map and the array grow together. */
	t = &s->tracks[s->ntracks++];
	memset(t, 0, sizeof(*t));
	t->quantity = q;
	t->next = PT_STRMAP_NONE;
	if ((t->node = strdup(node)) == NULL || dup_opt(&t->device, device) != 0 ||
			dup_opt(&t->model, model) != 0) {
		pt_error_oom(err);
		return NULL;
	}
	/* Points, or blocks of m points. */
	if (m > 1) {
		n = nblocks(s, m);
		vals = t->blk = malloc(n * sizeof(*t->blk));
	} else {
		vals = t->v = malloc(n * sizeof(*t->v));
	}
	if (vals == NULL) {
		pt_error_oom(err);
		return NULL;
	}
	for (i = 0; i < n; i++)
		vals[i] = NAN;
	return t;
}

/* pt_slice_absorb for an answer in blocks of m points (m == 1: every point),
 * keeping only the series of the nodes in `only` (NULL: all). Block j of the
 * slice is the point k0 + (j + 1) * m - 1. */
static int absorb(struct pt_slice *s, const struct pt_query *q, const struct pt_prom_result *res,
		const struct pt_config *cfg, int64_t m, const struct pt_strmap *only, struct pt_error *err)
{
	const char *label = q->node_label ? q->node_label : cfg->node_label;
	double scale = pt_unit_scale(q->unit);
	int64_t off = pt_grid_eval_ms(&s->grid, 0) - pt_grid_time(&s->grid, 0);
	int64_t kend = m > 1 ? s->k0 + (int64_t)nblocks(s, m) * m : s->k1;
	size_t i, j;

	s->counter[q->quantity] = pt_series_is_counter(q->tmpl);
	if (res->nseries > s->max_series)
		s->max_series = res->nseries;
	for (i = 0; i < res->nseries; i++) {
		const struct pt_series *se = &res->series[i];
		const char *value = pt_series_label(se, label), *dev = NULL, *model = NULL;
		struct pt_track *t;
		char node[256];

		if (value == NULL || *value == '\0')
			continue; /* a series that names no node cannot be billed to one */
		if (is_gpu(q->quantity)) {
			dev = pt_series_label(se, q->device_label);
			if (dev == NULL || *dev == '\0')
				continue;
		}
		if (is_info(q->quantity))
			model = pt_series_label(se, q->model_label);
		/* "up" has a series per target, several per node: a track each. */
		if (q->quantity == PT_Q_UP)
			dev = value;
		pt_node_name(node, sizeof(node), value, cfg->strip_port);
		if (only && pt_strmap_get(only, node) == PT_STRMAP_NONE)
			continue;
		t = NULL;
		for (j = 0; j < se->nsamples; j++) {
			int64_t d = se->samples[j].t_ms - off - s->grid.origin_ms;
			int64_t k = floor_div(d + s->grid.step_ms / 2, s->grid.step_ms);
			double v = se->samples[j].v;

			/* Answers carry the evaluation times asked for; anything else is not ours. */
			if (llabs(d - k * s->grid.step_ms) > 1 || k < s->k0 || k >= kend || !isfinite(v) ||
					(k - s->k0 + 1) % m != 0)
				continue;
			/* A track only for a series with a point: its node has data. */
			if (t == NULL && (t = track_get(s, q->quantity, node, dev, model, m, err)) == NULL)
				return err->code;
			v = is_info(q->quantity) ? 1.0 : v * scale;
			if (t->blk && m > 1)
				t->blk[(k - s->k0 + 1) / m - 1] = v;
			else if (t->v && m == 1 && k < s->k1)
				t->v[(size_t)(k - s->k0)] = v;
		}
	}
	return PT_OK;
}

int pt_slice_absorb(struct pt_slice *s, const struct pt_query *q, const struct pt_prom_result *res,
		const struct pt_config *cfg, struct pt_error *err)
{
	return absorb(s, q, res, cfg, 1, NULL, err);
}

int pt_slice_finish(struct pt_slice *s, struct pt_error *err)
{
	size_t n = (size_t)(s->k1 - s->k0), i, j;

	for (i = 0; i < s->ntracks; i++) {
		struct pt_track *t = &s->tracks[i];

		free(t->cum);
		free(t->cnt);
		t->cum = t->cnt = NULL;
		if (t->blk)
			continue; /* blocks are read one by one */
		if ((t->cum = malloc((n + 1) * sizeof(*t->cum))) == NULL ||
				(t->cnt = malloc((n + 1) * sizeof(*t->cnt))) == NULL)
			return pt_error_oom(err);
		t->cum[0] = t->cnt[0] = 0;
		for (j = 0; j < n; j++) {
			bool has = !isnan(t->v[j]);
			t->cum[j + 1] = t->cum[j] + (has ? t->v[j] : 0);
			t->cnt[j + 1] = t->cnt[j] + (has ? 1 : 0);
		}
	}
	/* Chains of tracks per node, in the order the tracks were made. */
	for (i = 0; i < s->ntracks; i++)
		if (pt_strmap_put(&s->nodes, s->tracks[i].node, NULL) == PT_STRMAP_NONE)
			return pt_error_oom(err);
	free(s->node_first);
	if ((s->node_first = malloc((s->nodes.n ? s->nodes.n : 1) * sizeof(size_t))) == NULL)
		return pt_error_oom(err);
	for (i = 0; i < s->nodes.n; i++)
		s->node_first[i] = PT_STRMAP_NONE;
	for (i = s->ntracks; i-- > 0;) {
		size_t ni = pt_strmap_get(&s->nodes, s->tracks[i].node);
		s->tracks[i].next = s->node_first[ni];
		s->node_first[ni] = i;
	}
	return PT_OK;
}

bool pt_slice_node_has_data(const struct pt_slice *s, size_t ni)
{
	size_t t;

	for (t = s->node_first[ni]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
		if (s->tracks[t].quantity != PT_Q_UP)
			return true;
	return false;
}

/* ---- fetching ---- */

struct fetch_req {
	const struct pt_query *q;
	int64_t m;                    /* points per block of the answer */
	const struct pt_strmap *only; /* nodes to keep, or NULL */
};

struct fetch {
	struct pt_slice *s;
	const struct pt_config *cfg;
	struct pt_error err; /* first failure */
};

static void fetch_done(struct pt_http_req *r, void *ctx)
{
	struct fetch *f = ctx;
	const struct fetch_req *fr = r->user;
	struct pt_prom_result *res = NULL;
	struct pt_error e = {0, ""};

	if (f->err.code == PT_OK) {
		if (r->err.code != PT_OK) {
			pt_error_set(&f->err, r->err.code, "range query for %s: %s",
					pt_quantity_name(fr->q->quantity), r->err.msg);
		} else if (pt_prom_decode(&res, r->body.data ? r->body.data : "", r->body.len,
				r->status, &e) != PT_OK) {
			pt_error_set(&f->err, e.code, "range query for %s: %s",
					pt_quantity_name(fr->q->quantity), e.msg);
		} else if (absorb(f->s, fr->q, res, f->cfg, fr->m, fr->only, &e) != PT_OK) {
			f->err = e;
		}
	}
	pt_prom_result_free(res);
	/* Done with this answer: big slices keep only the bodies in flight. */
	pt_buf_free(&r->body);
}

/* The range queries of one fetch: forms and what each answer is. */
struct plan {
	struct pt_buf *forms;
	struct fetch_req *fr;
	size_t n, cap;
};

static void plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		pt_buf_free(&p->forms[i]);
	free(p->forms);
	free(p->fr);
	memset(p, 0, sizeof(*p));
}

/* Adds the range queries of quantity q for the nodes (nnodes == 0: every
 * node) over the slice, every point (m == 1) or one point per block of m,
 * each under PT_SERIES_MAX_POINTS per series. */
static int plan_add(struct plan *p, struct pt_ctx *ctx, const struct pt_slice *s,
		const struct pt_query *q, const char *const *nodes, size_t nnodes, int64_t m,
		const struct pt_strmap *only, struct pt_error *err)
{
	const struct pt_grid *g = &s->grid;
	struct pt_expand x = {0, ctx->cfg->node_label, nodes, nnodes, ctx->cfg->strip_port};
	struct pt_buf promql = {0};
	/* Points of the answer: fine ones k0..k1-1, or block ends. */
	int64_t npts = m > 1 ? (int64_t)nblocks(s, m) : s->k1 - s->k0, a;
	int rc;

	x.window_ms = m > 1 ? m * g->step_ms : pt_grid_window_ms(g, pt_series_is_counter(q->tmpl));
	if ((rc = pt_queryset_expand(&promql, q, &x, err)) != PT_OK)
		return rc;
	for (a = 0; a < npts && rc == PT_OK; a += PT_SERIES_MAX_POINTS) {
		int64_t b = a + PT_SERIES_MAX_POINTS < npts ? a + PT_SERIES_MAX_POINTS : npts;
		/* Answer point i is grid point k0 + (i + 1) * m - 1. */
		int64_t ka = s->k0 + (a + 1) * m - 1, kb = s->k0 + b * m - 1;

		if (p->n == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 16;
			struct pt_buf *f = realloc(p->forms, cap * sizeof(*f));
			struct fetch_req *r;
			if (f == NULL) {
				rc = pt_error_oom(err);
				break;
			}
			p->forms = f;
			if ((r = realloc(p->fr, cap * sizeof(*r))) == NULL) {
				rc = pt_error_oom(err);
				break;
			}
			p->fr = r;
			p->cap = cap;
		}
		memset(&p->forms[p->n], 0, sizeof(p->forms[p->n]));
		p->fr[p->n].q = q;
		p->fr[p->n].m = m;
		p->fr[p->n].only = only;
		p->n++;
		rc = pt_prom_range_form(&p->forms[p->n - 1], promql.data, pt_grid_eval_ms(g, ka),
				pt_grid_eval_ms(g, kb), m * g->step_ms, err);
		/* Points must be at the times asked for: VictoriaMetrics otherwise
		 * shifts them to multiples of the step for its cache (Prometheus
		 * ignores the parameter). */
		if (rc == PT_OK)
			rc = pt_buf_printf(&p->forms[p->n - 1], err, "&nocache=1");
	}
	pt_buf_free(&promql);
	return rc;
}

/* Sends the plan's queries, at most `concurrency` at once, decoding and
 * absorbing each answer as it arrives. */
static int plan_run(struct plan *p, struct pt_ctx *ctx, struct pt_slice *s, int concurrency,
		struct pt_error *err)
{
	struct pt_http_req *reqs = NULL;
	struct pt_buf url = {0};
	struct fetch f;
	size_t i;
	int rc;

	if (p->n == 0)
		return PT_OK;
	if ((reqs = calloc(p->n, sizeof(*reqs))) == NULL)
		return pt_error_oom(err);
	if ((rc = pt_prom_url(&url, ctx->prom, "/api/v1/query_range", err)) != PT_OK)
		goto out;
	for (i = 0; i < p->n; i++) {
		reqs[i].url = url.data;
		reqs[i].form = p->forms[i].data;
		reqs[i].user = &p->fr[i];
	}
	f.s = s;
	f.cfg = ctx->cfg;
	pt_error_clear(&f.err);
	if ((rc = pt_http_multi(pt_prom_http(ctx->prom), reqs, p->n, concurrency, fetch_done, &f,
			err)) != PT_OK)
		goto out;
	s->requests += p->n;
	if (f.err.code != PT_OK) {
		*err = f.err;
		rc = err->code;
	}
out:
	for (i = 0; i < p->n; i++)
		pt_buf_free(&reqs[i].body);
	free(reqs);
	pt_buf_free(&url);
	return rc;
}

int pt_slice_fetch_blocks(struct pt_slice **out, struct pt_ctx *ctx, const struct pt_grid *g,
		int64_t k0, int64_t k1, const char *const *nodes, size_t nnodes, int64_t block,
		int concurrency, struct pt_error *err)
{
	struct pt_slice *s = NULL;
	struct plan p = {0};
	int rc, qi;

	*out = NULL;
	if ((rc = pt_slice_new(&s, g, k0, k1, err)) != PT_OK)
		return rc;
	for (qi = 0; qi < PT_Q_COUNT && rc == PT_OK; qi++) {
		const struct pt_query *q = ctx->qs->q[qi];

		/* "covered" is a whole window's; the grid has it from its points. */
		if (q == NULL || qi == PT_Q_COVERED)
			continue;
		s->block[qi] = block > 1 && pt_series_blockable(q) ? block : 1;
		rc = plan_add(&p, ctx, s, q, nodes, nnodes, s->block[qi], NULL, err);
	}
	if (rc == PT_OK && (rc = plan_run(&p, ctx, s, concurrency, err)) == PT_OK &&
			(rc = pt_slice_finish(s, err)) == PT_OK) {
		*out = s;
		s = NULL;
	}
	plan_free(&p);
	pt_slice_free(s);
	return rc;
}

int pt_slice_fetch(struct pt_slice **out, struct pt_ctx *ctx, const struct pt_grid *g,
		int64_t k0, int64_t k1, const char *const *nodes, size_t nnodes, int concurrency,
		struct pt_error *err)
{
	return pt_slice_fetch_blocks(out, ctx, g, k0, k1, nodes, nnodes, 1, concurrency, err);
}

int pt_slice_refine(struct pt_slice *s, struct pt_ctx *ctx, int concurrency, struct pt_error *err)
{
	struct plan p = {0};
	size_t i, n = (size_t)(s->k1 - s->k0), j;
	int rc = PT_OK, qi;

	for (qi = 0; qi < PT_Q_COUNT && rc == PT_OK; qi++) {
		const struct pt_query *q = ctx->qs->q[qi];

		if (s->refine[qi].n == 0 || q == NULL)
			continue;
		/* The marked nodes' tracks of q become point tracks, empty until the answer fills them. */
		for (i = 0; i < s->ntracks && rc == PT_OK; i++) {
			struct pt_track *t = &s->tracks[i];
			if (t->quantity != (enum pt_quantity)qi || t->blk == NULL ||
					pt_strmap_get(&s->refine[qi], t->node) == PT_STRMAP_NONE)
				continue;
			if ((t->v = malloc(n * sizeof(*t->v))) == NULL) {
				rc = pt_error_oom(err);
				break;
			}
			for (j = 0; j < n; j++)
				t->v[j] = NAN;
			free(t->blk);
			t->blk = NULL;
		}
		if (rc == PT_OK)
			rc = plan_add(&p, ctx, s, q, (const char *const *)s->refine[qi].keys,
					s->refine[qi].n, 1, &s->refine[qi], err);
	}
	if (rc == PT_OK && p.n > 0 && (rc = plan_run(&p, ctx, s, concurrency, err)) == PT_OK)
		rc = pt_slice_finish(s, err);
	plan_free(&p);
	for (qi = 0; qi < PT_Q_COUNT; qi++)
		pt_strmap_free(&s->refine[qi]);
	return rc;
}

/* ---- local integration ---- */

enum kind { KIND_MEAN, KIND_ENERGY, KIND_MAX, KIND_INFO };

static enum kind kind_of(enum pt_quantity q)
{
	switch (q) {
	case PT_Q_CPU_ENERGY:
	case PT_Q_GPU_ENERGY:
		return KIND_ENERGY;
	case PT_Q_GPU_POWER_LIMIT:
	case PT_Q_GPU_ENFORCED_LIMIT:
		return KIND_MAX;
	case PT_Q_CPU_INFO:
	case PT_Q_GPU_INFO:
		return KIND_INFO;
	default:
		return KIND_MEAN;
	}
}

int pt_node_acc_init(struct pt_node_acc *a, const char *node, struct pt_error *err)
{
	memset(a, 0, sizeof(*a));
	if ((a->node = strdup(node)) == NULL)
		return pt_error_oom(err);
	return PT_OK;
}

void pt_node_acc_clear(struct pt_node_acc *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->ngpus; i++) {
		free(a->gpus[i].uuid);
		free(a->gpus[i].name);
	}
	free(a->gpus);
	free(a->node);
	free(a->cpu_model);
	memset(a, 0, sizeof(*a));
}

static struct pt_gpu_acc *gpu_acc(struct pt_node_acc *a, const char *uuid)
{
	struct pt_gpu_acc *g;
	size_t i;

	for (i = 0; i < a->ngpus; i++)
		if (strcmp(a->gpus[i].uuid, uuid) == 0)
			return &a->gpus[i];
	if (a->ngpus == a->gpus_cap) {
		size_t cap = a->gpus_cap ? a->gpus_cap * 2 : 4;
		g = realloc(a->gpus, cap * sizeof(*g));
		if (g == NULL)
			return NULL;
		a->gpus = g;
		a->gpus_cap = cap;
	}
	g = &a->gpus[a->ngpus];
	memset(g, 0, sizeof(*g));
	if ((g->uuid = strdup(uuid)) == NULL)
		return NULL;
	a->ngpus++;
	return g;
}

/* Length (ms) of (lo, hi] inside (a, b]. */
static double overlap(int64_t lo, int64_t hi, int64_t a, int64_t b)
{
	if (hi > b)
		hi = b;
	if (lo < a)
		lo = a;
	return hi > lo ? (double)(hi - lo) : 0.0;
}

static int set_model(char **dst, int64_t *dst_k, const char *model, int64_t k, bool had)
{
	char *m;

	if (model == NULL || (had && k < *dst_k))
		return 0;
	if ((m = strdup(model)) == NULL)
		return -1;
	free(*dst);
	*dst = m;
	*dst_k = k;
	return 0;
}

/* ---- blocks ---- */

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == ':';
}

static bool in_list(const char *const *list, const char *s, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && strncmp(*list, s, n) == 0)
			return true;
	return false;
}

bool pt_series_blockable(const struct pt_query *q)
{
	/* Functions and aggregations that keep "the largest value" of the
	 * points of a block (limits), or "a series has a sample in it" (info). */
	static const char *const max_fns[] = {"max", "max_over_time", "by", "without", NULL};
	static const char *const info_fns[] = {"count", "max", "min", "sum", "avg", "group",
		"last_over_time", "max_over_time", "min_over_time", "avg_over_time", "sum_over_time",
		"count_over_time", "present_over_time", "by", "without", NULL};
	/* Binary operators and modifiers that would make a block mean something else. */
	static const char *const words[] = {"and", "or", "unless", "offset", "bool", "on",
		"ignoring", "group_left", "group_right", NULL};
	enum kind k = kind_of(q->quantity);
	const char *const *fns = k == KIND_MAX ? max_fns : k == KIND_INFO ? info_fns : NULL;
	const char *p = q->tmpl;

	if (fns == NULL || strstr(p, "${window}") == NULL || pt_series_is_counter(p))
		return false;
	while (*p) {
		if (isspace((unsigned char)*p) || *p == '(' || *p == ')' || *p == ',') {
			p++;
		} else if (*p == '{' || *p == '[') {
			/* Matchers and ranges (a subquery's ':' is not for blocks). */
			char close = *p == '{' ? '}' : ']';
			for (p++; *p && *p != close; p++) {
				if (close == ']' && *p == ':')
					return false;
				if (*p == '$' && p[1] == '{') { /* ${node_matcher}, ${window} */
					if ((p = strchr(p, '}')) == NULL)
						return false;
					continue;
				}
				if (*p == '"' || *p == '\'' || *p == '`') {
					char quote = *p;
					for (p++; *p && *p != quote; p++)
						if (*p == '\\' && quote != '`' && p[1])
							p++;
					if (*p == '\0')
						return false;
				}
			}
			if (*p == '\0')
				return false;
			p++;
		} else if (*p == '$' && p[1] == '{') {
			const char *e = strchr(p, '}'); /* ${node_label}: a label name */
			if (e == NULL)
				return false;
			p = e + 1;
		} else if (isalpha((unsigned char)*p) || *p == '_' || *p == ':') {
			const char *w = p, *n;
			bool call;

			while (ident_char(*p))
				p++;
			for (n = p; isspace((unsigned char)*n); n++)
				;
			/* A function, or an aggregation ("avg by (...) (...)"). */
			call = *n == '(' || ((strncmp(n, "by", 2) == 0 && !ident_char(n[2])) ||
					(strncmp(n, "without", 7) == 0 && !ident_char(n[7])));
			if (call ? !in_list(fns, w, (size_t)(p - w)) : in_list(words, w, (size_t)(p - w)))
				return false;
		} else {
			return false; /* operators, numbers, @ */
		}
	}
	return true;
}

/* Grid points [*ka, *kb] holding the positions of the window (a, b] for a
 * counter or gauge track (see pt_node_acc_add), not clamped to a slice, and
 * the interval (*wa, b] their positions' intervals lie in. */
static void window_points(const struct pt_grid *g, bool counter, int64_t a_ms, int64_t b_ms,
		int64_t *wa, int64_t *ka, int64_t *kb)
{
	int64_t lo = g->metricsql ? a_ms + 1 : counter ? a_ms + g->scrape_ms : a_ms;

	*wa = lo - g->scrape_ms;
	*ka = pt_grid_first(g, *wa);
	*kb = pt_grid_last(g, b_ms);
}

/* What the blocks of a blocked track say about points [ka, kb] (not clamped). */
struct settle {
	bool any;       /* a block overlapping the slice's part has a value */
	bool sure;      /* a block wholly inside [ka, kb] has one */
	double lo, hi;  /* largest value of the blocks inside, of those overlapping */
};

static void block_scan(const struct pt_slice *s, const struct pt_track *t, int64_t ka, int64_t kb,
		struct settle *st)
{
	int64_t m = s->block[t->quantity], lo = ka > s->k0 ? ka : s->k0;
	int64_t hi = kb < s->k1 - 1 ? kb : s->k1 - 1, j;

	memset(st, 0, sizeof(*st));
	if (lo > hi || m < 1)
		return;
	for (j = (lo - s->k0) / m; j <= (hi - s->k0) / m; j++) {
		double v = t->blk[j];
		int64_t b0 = s->k0 + j * m;

		if (isnan(v))
			continue;
		if (!st->any || v > st->hi)
			st->hi = v;
		st->any = true;
		/* A block wholly inside: its value is its points' (those past k1 too). */
		if (b0 >= ka && b0 + m - 1 <= kb) {
			if (!st->sure || v > st->lo)
				st->lo = v;
			st->sure = true;
		}
	}
}

int pt_slice_check(struct pt_slice *s, const struct pt_track *t, int64_t a_ms, int64_t b_ms,
		struct pt_error *err)
{
	struct settle st;
	int64_t wa, ka, kb;
	bool settled;

	if (t->blk == NULL || b_ms <= a_ms)
		return PT_OK;
	window_points(&s->grid, s->counter[t->quantity], a_ms, b_ms, &wa, &ka, &kb);
	block_scan(s, t, ka, kb, &st);
	if (!st.any)
		return PT_OK; /* no point in the window: nothing to add, as with points */
	if (kind_of(t->quantity) == KIND_MAX) {
		/* Inside blocks bound the window's largest value from below, the
		 * overlapping ones from above: equal bounds settle it. */
		settled = st.sure && st.lo == st.hi;
	} else {
		/* A model is there for sure when a block inside has it; the latest
		 * one is known when no other model of the node (device) is there. */
		size_t ni = pt_strmap_get(&s->nodes, t->node), o;

		settled = st.sure;
		for (o = ni == PT_STRMAP_NONE ? PT_STRMAP_NONE : s->node_first[ni];
				settled && o != PT_STRMAP_NONE; o = s->tracks[o].next) {
			const struct pt_track *u = &s->tracks[o];
			struct settle su;

			if (u == t || u->quantity != t->quantity || u->blk == NULL ||
					(u->device == NULL) != (t->device == NULL) ||
					(u->device && strcmp(u->device, t->device) != 0))
				continue;
			block_scan(s, u, ka, kb, &su);
			settled = !su.any;
		}
	}
	if (!settled && pt_strmap_put(&s->refine[t->quantity], t->node, NULL) == PT_STRMAP_NONE)
		return pt_error_oom(err);
	return PT_OK;
}

/* pt_node_acc_add for a blocked track: the largest value, or the model, of
 * the blocks overlapping the window (what pt_slice_check settled). Its
 * model counts as seen at the slice's last point of the window: later than
 * any of an earlier slice, and no other model is in the window. */
static int add_blocks(struct pt_node_acc *acc, struct pt_gpu_acc *ga, struct pt_qacc *qa,
		const struct pt_track *t, const struct settle *st, int64_t k, struct pt_error *err)
{
	switch (kind_of(t->quantity)) {
	case KIND_MAX:
		if (!qa->any || st->hi > qa->max)
			qa->max = st->hi;
		qa->any = true;
		break;
	case KIND_INFO:
		if (set_model(ga ? &ga->name : &acc->cpu_model, ga ? &ga->name_k : &acc->cpu_model_k,
				t->model, k, qa->any) != 0)
			return pt_error_oom(err);
		if (!qa->any || k > qa->last_k)
			qa->last_k = k;
		qa->any = true;
		break;
	default:
		break;
	}
	return PT_OK;
}

int pt_node_acc_add(struct pt_node_acc *acc, const struct pt_slice *s, const struct pt_track *t,
		int64_t a_ms, int64_t b_ms, struct pt_error *err)
{
	const struct pt_grid *g = &s->grid;
	bool counter = s->counter[t->quantity];
	int64_t S = g->step_ms, sc = g->scrape_ms;
	/* Point k holds positions (samples, or ends of scrape intervals) every
	 * scrape interval in (t_k - step, t_k]. A position p counts for (a, b] as
	 * one instant query over the window would count it: PromQL's rate() takes
	 * the intervals wholly inside [a, b] (p >= a + scrape), avg_over_time()
	 * the samples in [a, b] (p >= a); MetricsQL takes the positions in (a, b]
	 * (p > a), its rate() starting from the sample before the window. With
	 * p >= lo and p <= b, the interval (p - scrape, p] of each position lies
	 * in (wa, wb]: */
	int64_t wa, wb = b_ms, ka, kb, ilo, ihi, k;
	enum kind kind = kind_of(t->quantity);
	struct pt_gpu_acc *ga = NULL;
	struct pt_qacc *qa;
	struct settle st;

	window_points(g, counter, a_ms, b_ms, &wa, &ka, &kb);
	ilo = -floor_div(-(wa + S - g->origin_ms), S); /* first wholly inside */
	ihi = floor_div(wb - g->origin_ms, S);         /* last wholly inside */
	if (t->blk)
		block_scan(s, t, ka, kb, &st);
	if (ka < s->k0)
		ka = s->k0;
	if (kb > s->k1 - 1)
		kb = s->k1 - 1;
	if (ka > kb || b_ms <= a_ms)
		return PT_OK;
	if (t->blk ? !st.any : t->cnt[kb - s->k0 + 1] - t->cnt[ka - s->k0] <= 0)
		return PT_OK; /* no point of this track in the window */

	/* "up" has a track per target (its device): all add to the node's
	 * mean, over its targets as report's. */
	if (t->device && t->quantity != PT_Q_UP) {
		if ((ga = gpu_acc(acc, t->device)) == NULL)
			return pt_error_oom(err);
		ga->any = true;
		qa = &ga->q[t->quantity];
	} else {
		qa = &acc->q[t->quantity];
	}
	if (t->quantity != PT_Q_UP)
		acc->any = true; /* "up" alone is not data */
	qa->counter = counter;
	if (t->blk)
		return add_blocks(acc, ga, qa, t, &st, kb, err);
	if (ilo < ka)
		ilo = ka;
	if (ihi > kb)
		ihi = kb;

	/* The node's first and last points wholly inside the window (the
	 * samples an instant query over it has), from its node-level series. */
	if (kind == KIND_MEAN && !t->device && t->quantity != PT_Q_UP) {
		int64_t f = ilo > ka ? ilo : ka, l = ihi < kb ? ihi : kb, hi = l;
		while (f <= hi && isnan(t->v[f - s->k0]))
			f++;
		while (l >= f && isnan(t->v[l - s->k0]))
			l--;
		if (f <= l) {
			if (!acc->span || pt_grid_time(g, f) < acc->first_ms)
				acc->first_ms = pt_grid_time(g, f);
			if (!acc->span || pt_grid_time(g, l) > acc->last_ms)
				acc->last_ms = pt_grid_time(g, l);
			acc->span = true;
		}
	}

	switch (kind) {
	case KIND_MEAN:
	case KIND_ENERGY:
		/* Points wholly inside through the prefix sums, the few at the edges one by one. */
		for (k = ka; k <= kb; k++) {
			double v, o;
			if (k == ilo && ilo <= ihi) {
				size_t i0 = (size_t)(ilo - s->k0), i1 = (size_t)(ihi - s->k0) + 1;
				qa->sum += (t->cum[i1] - t->cum[i0]) * (double)S;
				qa->w += (t->cnt[i1] - t->cnt[i0]) * (double)S;
				k = ihi;
				continue;
			}
			v = t->v[k - s->k0];
			o = overlap(pt_grid_time(g, k) - S, pt_grid_time(g, k), wa, wb);
			if (!isnan(v) && o > 0) {
				/* An edge point counts for the positions it has inside: none
				 * when step == scrape; several for a coarser step. */
				double whole = floor(o / (double)sc) * (double)sc;
				qa->sum += v * whole;
				qa->w += whole;
				qa->esum += v * o;
				qa->ew += o;
			}
		}
		qa->any = qa->any || qa->w > 0 || qa->ew > 0;
		break;
	case KIND_MAX:
		for (k = ka; k <= kb; k++) {
			double v = t->v[k - s->k0];
			if (!isnan(v) && (!qa->any || v > qa->max)) {
				qa->max = v;
				qa->any = true;
			}
		}
		break;
	case KIND_INFO:
		for (k = kb; k >= ka; k--) {
			if (isnan(t->v[k - s->k0]))
				continue;
			if (set_model(ga ? &ga->name : &acc->cpu_model, ga ? &ga->name_k : &acc->cpu_model_k,
					t->model, k, qa->any) != 0)
				return pt_error_oom(err);
			if (!qa->any || k > qa->last_k)
				qa->last_k = k;
			qa->any = true;
			break;
		}
		break;
	}
	return PT_OK;
}

static double mean(const struct pt_qacc *q)
{
	if (q->w > 0)
		return q->sum / q->w;
	return q->ew > 0 ? q->esum / q->ew : NAN;
}

/* Energy points are increases over the template's window: per second, times the window's length. */
static double energy(const struct pt_qacc *q, const struct pt_grid *g, double d_s)
{
	return mean(q) / ((double)pt_grid_window_ms(g, q->counter) / 1000.0) * d_s;
}

static int cmp_gpu(const void *a, const void *b)
{
	return strcmp(((const struct pt_gpu_obs *)a)->uuid, ((const struct pt_gpu_obs *)b)->uuid);
}

int pt_node_acc_obs(struct pt_node_obs *o, const struct pt_node_acc *acc, const struct pt_grid *g,
		int64_t a_ms, int64_t b_ms, bool covered, struct pt_error *err)
{
	double d_s = (double)(b_ms - a_ms) / 1000.0;
	size_t i;

	pt_node_obs_init(o);
	if ((o->node = strdup(acc->node)) == NULL || dup_opt(&o->cpu_model, acc->cpu_model) != 0)
		goto oom;
	o->any = acc->any;
	o->cpu_util = mean(&acc->q[PT_Q_CPU_UTIL]);
	o->cpu_power_w = mean(&acc->q[PT_Q_CPU_POWER]);
	o->cpu_energy_j = energy(&acc->q[PT_Q_CPU_ENERGY], g, d_s);
	o->ram_used_bytes = mean(&acc->q[PT_Q_RAM_USED]);
	o->ram_total_bytes = mean(&acc->q[PT_Q_RAM_TOTAL]);
	o->up = mean(&acc->q[PT_Q_UP]);
	/* As the query set's "covered": first to last sample, plus one average
	 * interval, (last - first) * n / (n - 1) for n samples. */
	if (covered && acc->span) {
		double n = 0;
		for (i = 0; i < PT_Q_COUNT; i++)
			if (i != PT_Q_UP && kind_of((enum pt_quantity)i) == KIND_MEAN &&
					acc->q[i].w / (double)g->step_ms > n)
				n = acc->q[i].w / (double)g->step_ms;
		n = floor(n + 0.5);
		o->covered_s = (double)(acc->last_ms - acc->first_ms) / 1000.0 * (n > 1 ? n / (n - 1) : 1);
	}
	for (i = 0; i < acc->ngpus; i++) {
		const struct pt_gpu_acc *ga = &acc->gpus[i];
		struct pt_gpu_obs *go;

		if (!ga->any)
			continue;
		if ((go = pt_node_obs_gpu(o, ga->uuid)) == NULL || dup_opt(&go->name, ga->name) != 0)
			goto oom;
		go->util = mean(&ga->q[PT_Q_GPU_UTIL]);
		go->power_w = mean(&ga->q[PT_Q_GPU_POWER]);
		go->energy_j = energy(&ga->q[PT_Q_GPU_ENERGY], g, d_s);
		if (ga->q[PT_Q_GPU_POWER_LIMIT].any)
			go->limit_w = ga->q[PT_Q_GPU_POWER_LIMIT].max;
		if (ga->q[PT_Q_GPU_ENFORCED_LIMIT].any)
			go->enforced_limit_w = ga->q[PT_Q_GPU_ENFORCED_LIMIT].max;
	}
	if (o->ngpus > 1)
		qsort(o->gpus, o->ngpus, sizeof(*o->gpus), cmp_gpu);
	return PT_OK;
oom:
	pt_node_obs_clear(o);
	return pt_error_oom(err);
}

int pt_slice_point_obs(struct pt_node_obs *o, const struct pt_slice *s, const char *node,
		int64_t k, struct pt_error *err)
{
	size_t ni = pt_strmap_get(&s->nodes, node), t;

	pt_node_obs_init(o);
	if ((o->node = strdup(node)) == NULL)
		return pt_error_oom(err);
	if (ni == PT_STRMAP_NONE || k < s->k0 || k >= s->k1)
		return PT_OK;
	for (t = s->node_first[ni]; t != PT_STRMAP_NONE; t = s->tracks[t].next) {
		const struct pt_track *tr = &s->tracks[t];
		/* A blocked track has its block's value at every point of it. */
		double v = tr->blk ? tr->blk[(k - s->k0) / s->block[tr->quantity]] : tr->v[k - s->k0];
		double per_step = (double)s->grid.step_ms /
			(double)pt_grid_window_ms(&s->grid, s->counter[tr->quantity]);
		struct pt_gpu_obs *g = NULL;

		if (isnan(v))
			continue;
		if (tr->quantity == PT_Q_UP) {
			o->up = v; /* not data by itself */
			continue;
		}
		o->any = true;
		if (tr->device && (g = pt_node_obs_gpu(o, tr->device)) == NULL)
			goto oom;
		switch (tr->quantity) {
		case PT_Q_CPU_UTIL: o->cpu_util = v; break;
		case PT_Q_CPU_POWER: o->cpu_power_w = v; break;
		case PT_Q_CPU_ENERGY: o->cpu_energy_j = v * per_step; break;
		case PT_Q_CPU_INFO:
			if (tr->model && o->cpu_model == NULL && (o->cpu_model = strdup(tr->model)) == NULL)
				goto oom;
			break;
		case PT_Q_RAM_USED: o->ram_used_bytes = v; break;
		case PT_Q_RAM_TOTAL: o->ram_total_bytes = v; break;
		case PT_Q_GPU_UTIL: g->util = v; break;
		case PT_Q_GPU_POWER: g->power_w = v; break;
		case PT_Q_GPU_ENERGY: g->energy_j = v * per_step; break;
		case PT_Q_GPU_POWER_LIMIT: g->limit_w = v; break;
		case PT_Q_GPU_ENFORCED_LIMIT: g->enforced_limit_w = v; break;
		case PT_Q_GPU_INFO:
			if (tr->model && g->name == NULL && (g->name = strdup(tr->model)) == NULL)
				goto oom;
			break;
		default: break;
		}
	}
	if (o->ngpus > 1)
		qsort(o->gpus, o->ngpus, sizeof(*o->gpus), cmp_gpu);
	return PT_OK;
oom:
	pt_node_obs_clear(o);
	return pt_error_oom(err);
}
