/* integrate.c - windows integrated locally from a slice's tracks: per-node accumulators, what blocked tracks settle, observations of a window or a grid point. */
#include "series.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum kind { KIND_MEAN, KIND_ENERGY, KIND_MAX, KIND_INFO };

static enum kind kind_of(enum pt_quantity q)
{
	switch (q) {
	case PT_Q_CPU_ENERGY:
	case PT_Q_GPU_ENERGY:
	case PT_Q_RAM_ENERGY:
	case PT_Q_NODE_ENERGY:
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

/* The accumulator of a slot, made when new. NULL on OOM. */
static struct pt_qacc *qacc_at(struct pt_qaccs *a, int slot)
{
	if ((size_t)slot >= a->n) {
		size_t n = (size_t)slot + 1;
		struct pt_qacc *q = realloc(a->q, n * sizeof(*q));
		if (q == NULL)
			return NULL;
		memset(q + a->n, 0, (n - a->n) * sizeof(*q));
		a->q = q;
		a->n = n;
	}
	return &a->q[slot];
}

void pt_node_acc_clear(struct pt_node_acc *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->ngpus; i++) {
		free(a->gpus[i].uuid);
		free(a->gpus[i].name);
		free(a->gpus[i].q.q);
	}
	free(a->q.q);
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

/* A value of a limit: the largest one counts. */
static void add_max(struct pt_qacc *qa, double v)
{
	if (!qa->any || v > qa->max)
		qa->max = v;
	qa->any = true;
}

/* The model of the node (ga NULL) or GPU seen at point k: the latest counts. */
static int add_model(struct pt_node_acc *acc, struct pt_gpu_acc *ga, struct pt_qacc *qa,
		const char *model, int64_t k, struct pt_error *err)
{
	if (set_model(ga ? &ga->name : &acc->cpu_model, ga ? &ga->name_k : &acc->cpu_model_k,
			model, k, qa->any) != 0)
		return pt_error_oom(err);
	if (!qa->any || k > qa->last_k)
		qa->last_k = k;
	qa->any = true;
	return PT_OK;
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
	/* Gauges over (a, b]: a sample at a belongs to the interval before
	 * (Prometheus 3 and MetricsQL ranges are left-open; report asks
	 * Prometheus 2 for a range 1 ms shorter). */
	int64_t lo = counter && !g->metricsql ? a_ms + g->scrape_ms : a_ms + 1;

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
	int64_t m = s->block[t->slot], lo = ka > s->k0 ? ka : s->k0;
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
	window_points(&s->grid, s->counter[t->slot], a_ms, b_ms, &wa, &ka, &kb);
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

			if (u == t || u->slot != t->slot || u->blk == NULL ||
					(u->device == NULL) != (t->device == NULL) ||
					(u->device && strcmp(u->device, t->device) != 0))
				continue;
			block_scan(s, u, ka, kb, &su);
			settled = !su.any;
		}
	}
	if (!settled && pt_strmap_put(&s->refine[t->slot], t->node, NULL) == PT_STRMAP_NONE)
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
		add_max(qa, st->hi);
		return PT_OK;
	case KIND_INFO:
		return add_model(acc, ga, qa, t->model, k, err);
	default:
		return PT_OK;
	}
}

int pt_node_acc_add(struct pt_node_acc *acc, const struct pt_slice *s, const struct pt_track *t,
		int64_t a_ms, int64_t b_ms, struct pt_error *err)
{
	const struct pt_grid *g = &s->grid;
	bool counter = s->counter[t->slot];
	int64_t S = g->step_ms, sc = g->scrape_ms;
	/* Point k holds positions (samples, or ends of scrape intervals) every
	 * scrape interval in (t_k - step, t_k]. A position p counts for (a, b] as
	 * one instant query over the window would count it: PromQL's rate() takes
	 * the intervals wholly inside [a, b] (p >= a + scrape), avg_over_time()
	 * the samples in (a, b] (p > a: report's range is left-open, see
	 * window_points); MetricsQL takes the positions in (a, b] (p > a), its
	 * rate() starting from the sample before the window. With
	 * p >= lo and p <= b, the interval (p - scrape, p] of each position lies
	 * in (wa, wb]: */
	int64_t wa, wb = b_ms, ka, kb, ilo, ihi, k;
	enum kind kind = kind_of(t->quantity);
	struct pt_gpu_acc *ga = NULL;
	struct pt_qacc *qa;
	struct settle st;

	window_points(g, counter, a_ms, b_ms, &wa, &ka, &kb);
	ilo = pt_grid_last(g, wa + S);  /* first wholly inside */
	ihi = pt_grid_first(g, wb) - 1; /* last wholly inside */
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
		qa = qacc_at(&ga->q, t->slot);
	} else {
		qa = qacc_at(&acc->q, t->slot);
	}
	if (qa == NULL)
		return pt_error_oom(err);
	qa->index = t->index;
	memcpy(qa->src, t->src, sizeof(qa->src));
	if (t->quantity != PT_Q_UP && t->quantity != PT_Q_CARBON_INTENSITY)
		acc->any = true; /* "up" (or the grid's intensity) alone is not data */
	qa->counter = counter;
	if (t->blk)
		return add_blocks(acc, ga, qa, t, &st, kb, err);
	if (ilo < ka)
		ilo = ka;
	if (ihi > kb)
		ihi = kb;

	/* The node's first and last points wholly inside the window (the
	 * samples an instant query over it has), from its node-level series. */
	if (kind == KIND_MEAN && !t->device && t->quantity != PT_Q_UP &&
			t->quantity != PT_Q_CARBON_INTENSITY) {
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
		for (k = ka; k <= kb; k++)
			if (!isnan(t->v[k - s->k0]))
				add_max(qa, t->v[k - s->k0]);
		break;
	case KIND_INFO:
		/* The latest point with the model. */
		for (k = kb; k >= ka; k--)
			if (!isnan(t->v[k - s->k0]))
				return add_model(acc, ga, qa, t->model, k, err);
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

int pt_node_acc_obs(struct pt_node_obs *o, const struct pt_node_acc *acc, const struct pt_grid *g,
		int64_t a_ms, int64_t b_ms, bool covered, struct pt_error *err)
{
	double d_s = (double)(b_ms - a_ms) / 1000.0;
	size_t i;

	pt_node_obs_init(o);
	if ((o->node = strdup(acc->node)) == NULL ||
			(acc->cpu_model && (o->cpu_model = strdup(acc->cpu_model)) == NULL))
		goto oom;
	o->any = acc->any;
	/* Each slot is one source of a quantity: the first in the file with
	 * points in the window gives the figure (pt_node_obs_put). */
	for (i = 0; i < acc->q.n; i++) {
		const struct pt_qacc *qa = &acc->q.q[i];
		enum pt_quantity qn = (enum pt_quantity)(i % PT_Q_COUNT);

		if (!qa->any)
			continue;
		if (qn == PT_Q_UP) {
			if (isnan(o->up))
				o->up = mean(qa);
		} else if (kind_of(qn) == KIND_MEAN) {
			pt_node_obs_put(o, NULL, qn, qa->index, qa->src[0] ? qa->src : NULL, mean(qa));
		} else if (kind_of(qn) == KIND_ENERGY) {
			pt_node_obs_put(o, NULL, qn, qa->index, qa->src[0] ? qa->src : NULL,
					energy(qa, g, d_s));
		}
	}
	/* As the query set's "covered": first to last sample, plus one average
	 * interval, (last - first) * n / (n - 1) for n samples. */
	if (covered && acc->span) {
		double n = 0;
		for (i = 0; i < acc->q.n; i++)
			if (i % PT_Q_COUNT != PT_Q_UP && i % PT_Q_COUNT != PT_Q_CARBON_INTENSITY &&
					kind_of((enum pt_quantity)(i % PT_Q_COUNT)) == KIND_MEAN &&
					acc->q.q[i].w / (double)g->step_ms > n)
				n = acc->q.q[i].w / (double)g->step_ms;
		n = floor(n + 0.5);
		o->covered_s = (double)(acc->last_ms - acc->first_ms) / 1000.0 * (n > 1 ? n / (n - 1) : 1);
	}
	for (i = 0; i < acc->ngpus; i++) {
		const struct pt_gpu_acc *ga = &acc->gpus[i];
		struct pt_gpu_obs *go;
		size_t j;

		if (!ga->any)
			continue;
		if ((go = pt_node_obs_gpu(o, ga->uuid)) == NULL ||
				(ga->name && (go->name = strdup(ga->name)) == NULL))
			goto oom;
		for (j = 0; j < ga->q.n; j++) {
			const struct pt_qacc *qa = &ga->q.q[j];
			enum pt_quantity qn = (enum pt_quantity)(j % PT_Q_COUNT);
			const char *src = qa->src[0] ? qa->src : NULL;

			if (!qa->any)
				continue;
			switch (kind_of(qn)) {
			case KIND_MEAN: pt_node_obs_put(o, go, qn, qa->index, src, mean(qa)); break;
			case KIND_ENERGY: pt_node_obs_put(o, go, qn, qa->index, src, energy(qa, g, d_s)); break;
			case KIND_MAX: pt_node_obs_put(o, go, qn, qa->index, src, qa->max); break;
			default: break;
			}
		}
	}
	pt_node_obs_sort_gpus(o);
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
		double v = tr->blk ? tr->blk[(k - s->k0) / s->block[tr->slot]] : tr->v[k - s->k0];
		double per_step = (double)s->grid.step_ms /
			(double)pt_grid_window_ms(&s->grid, s->counter[tr->slot]);
		struct pt_gpu_obs *g = NULL;

		if (isnan(v))
			continue;
		if (tr->quantity == PT_Q_UP) {
			o->up = v; /* not data by itself */
			continue;
		}
		if (tr->quantity == PT_Q_CARBON_INTENSITY) {
			o->carbon_intensity = v; /* nor is this */
			continue;
		}
		o->any = true;
		if (tr->device && (g = pt_node_obs_gpu(o, tr->device)) == NULL)
			goto oom;
		switch (tr->quantity) {
		case PT_Q_CPU_INFO:
			if (tr->model && pt_node_obs_pick(o, NULL, tr->quantity, tr->index) &&
					o->cpu_model == NULL && (o->cpu_model = strdup(tr->model)) == NULL)
				goto oom;
			break;
		case PT_Q_GPU_INFO:
			if (tr->model && pt_node_obs_pick(o, g, tr->quantity, tr->index) &&
					g->name == NULL && (g->name = strdup(tr->model)) == NULL)
				goto oom;
			break;
		default:
			/* The first source in the file with a point here (pt_node_obs_put). */
			pt_node_obs_put(o, g, tr->quantity, tr->index, tr->src[0] ? tr->src : NULL,
					kind_of(tr->quantity) == KIND_ENERGY ? v * per_step : v);
			break;
		}
	}
	/* The grid's intensity without a node (node "") where the node has none. */
	if (isnan(o->carbon_intensity) && (ni = pt_strmap_get(&s->nodes, "")) != PT_STRMAP_NONE)
		for (t = s->node_first[ni]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
			if (s->tracks[t].quantity == PT_Q_CARBON_INTENSITY && s->tracks[t].v)
				o->carbon_intensity = s->tracks[t].v[k - s->k0];
	pt_node_obs_sort_gpus(o);
	return PT_OK;
oom:
	pt_node_obs_clear(o);
	return pt_error_oom(err);
}

