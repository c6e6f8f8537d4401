/* series.c - the grid, and query_range of every quantity over a slice of it into tracks per node/device (integrate.c reads them). */
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
	for (i = 0; i < PT_QS_SLOTS; i++)
		pt_strmap_free(&s->refine[i]);
	pt_strmap_free(&s->keys);
	pt_strmap_free(&s->nodes);
	pt_buf_free(&s->warnings);
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
static struct pt_track *track_get(struct pt_slice *s, const struct pt_query *qq, const char *node,
		const char *device, const char *model, int64_t m, struct pt_error *err)
{
	struct pt_buf key = {0};
	struct pt_track *t;
	size_t idx, n = (size_t)(s->k1 - s->k0), i;
	double *vals;
	bool added;

	if (pt_buf_printf(&key, err, "%d\x1f%s\x1f%s\x1f%s", pt_query_slot(qq), node, device ? device : "",
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
	t->quantity = qq->quantity;
	t->slot = pt_query_slot(qq);
	t->index = qq->prio;
	snprintf(t->src, sizeof(t->src), "%s", qq->source ? qq->source : "");
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

	s->counter[pt_query_slot(q)] = pt_series_is_counter(q->tmpl);
	if (res->nseries > s->max_series)
		s->max_series = res->nseries;
	for (i = 0; i < res->nseries; i++) {
		const struct pt_series *se = &res->series[i];
		const char *value = pt_series_label(se, label), *dev = NULL, *model = NULL;
		struct pt_track *t;
		char node[256];

		/* The grid's intensity without a node is every node's: node "". */
		if (q->quantity == PT_Q_CARBON_INTENSITY && value == NULL)
			value = "";
		else if (value == NULL || *value == '\0')
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
		if (only && *node && pt_strmap_get(only, node) == PT_STRMAP_NONE)
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
			if (t == NULL && (t = track_get(s, q, node, dev, model, m, err)) == NULL)
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
		if (s->tracks[t].quantity != PT_Q_UP && s->tracks[t].quantity != PT_Q_CARBON_INTENSITY)
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
	struct pt_ctx *ctx;
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
		} else if (pt_ctx_store_warnings(f->ctx, &f->s->warnings, res, &e) != PT_OK) {
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
	f.ctx = ctx;
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
	size_t qi;
	int rc;

	*out = NULL;
	if ((rc = pt_slice_new(&s, g, k0, k1, err)) != PT_OK)
		return rc;
	for (qi = 0; qi < ctx->qs->n && rc == PT_OK; qi++) {
		const struct pt_query *q = &ctx->qs->items[qi];
		int slot = pt_query_slot(q);

		/* "covered" is a whole window's; the grid has it from its points. */
		if (q->quantity == PT_Q_COVERED)
			continue;
		s->block[slot] = block > 1 && pt_series_blockable(q) ? block : 1;
		rc = plan_add(&p, ctx, s, q, nodes, nnodes, s->block[slot], NULL, err);
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
	size_t i, n = (size_t)(s->k1 - s->k0), j, qi;
	int rc = PT_OK;

	for (qi = 0; qi < ctx->qs->n && rc == PT_OK; qi++) {
		const struct pt_query *q = &ctx->qs->items[qi];
		int slot = pt_query_slot(q);

		if (s->refine[slot].n == 0)
			continue;
		/* The marked nodes' tracks of q become point tracks, empty until the answer fills them. */
		for (i = 0; i < s->ntracks && rc == PT_OK; i++) {
			struct pt_track *t = &s->tracks[i];
			if (t->slot != slot || t->blk == NULL ||
					pt_strmap_get(&s->refine[slot], t->node) == PT_STRMAP_NONE)
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
			rc = plan_add(&p, ctx, s, q, (const char *const *)s->refine[slot].keys,
					s->refine[slot].n, 1, &s->refine[slot], err);
	}
	if (rc == PT_OK && p.n > 0 && (rc = plan_run(&p, ctx, s, concurrency, err)) == PT_OK)
		rc = pt_slice_finish(s, err);
	plan_free(&p);
	for (qi = 0; qi < PT_QS_SLOTS; qi++)
		pt_strmap_free(&s->refine[qi]);
	return rc;
}
