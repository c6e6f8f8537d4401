/* report.c - one window -> per-node observations (all queries at once) -> rows through the model. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbon.h"
#include "raw.h"
#include "series.h"
#include "strmap.h"

/* ---- observations ---- */

/* Nodes by name: observations in first-seen order, at the indices the map
 * gives their names, so joining the series of a thousand-node lab stays linear. */
struct node_set {
	struct pt_strmap names;
	struct pt_node_obs *obs;
	size_t n, cap;
	double carbon_intensity; /* a carbon_intensity series without a node: every node's */
};

static struct pt_node_obs *set_get(struct node_set *set, const char *node, bool create)
{
	size_t i = create ? pt_strmap_put(&set->names, node, NULL) : pt_strmap_get(&set->names, node);

	/* A name without its observation is only left by a failed create. */
	if (i == PT_STRMAP_NONE || i > set->n || (i == set->n && !create))
		return NULL;
	if (i < set->n)
		return &set->obs[i];
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		struct pt_node_obs *o = realloc(set->obs, cap * sizeof(*o));
		if (o == NULL)
			return NULL;
		set->obs = o;
		set->cap = cap;
	}
	pt_node_obs_init(&set->obs[set->n]);
	if ((set->obs[set->n].node = strdup(node)) == NULL)
		return NULL;
	return &set->obs[set->n++];
}

void pt_obs_free(struct pt_node_obs *obs, size_t n)
{
	size_t i;

	if (obs == NULL)
		return;
	for (i = 0; i < n; i++)
		pt_node_obs_clear(&obs[i]);
	free(obs);
}

static int dup_into(char **dst, const char *s)
{
	if (*dst || s == NULL)
		return 0;
	return (*dst = strdup(s)) ? 0 : -1;
}

/* Puts one result series into its node's (and device's) observation. */
static int absorb(struct node_set *set, const struct pt_query *q, const struct pt_series *s,
		const struct pt_config *cfg, bool only_known, struct pt_error *err)
{
	const char *label = q->node_label ? q->node_label : cfg->node_label;
	const char *value = pt_series_label(s, label);
	double v = s->nsamples ? s->samples[s->nsamples - 1].v : NAN;
	struct pt_node_obs *o;
	struct pt_gpu_obs *g = NULL;
	char node[256];

	if (q->quantity == PT_Q_CARBON_INTENSITY && (value == NULL || *value == '\0')) {
		if (isnan(set->carbon_intensity)) /* the first source with data: every node's */
			set->carbon_intensity = v * pt_unit_scale(q->unit);
		return PT_OK;
	}
	if (value == NULL || *value == '\0')
		return PT_OK; /* a series that names no node cannot be billed to one */
	pt_node_name(node, sizeof(node), value, cfg->strip_port);
	if (q->quantity == PT_Q_CARBON_INTENSITY) {
		if ((o = set_get(set, node, false)) != NULL && isnan(o->carbon_intensity))
			o->carbon_intensity = v * pt_unit_scale(q->unit);
		return PT_OK;
	}
	if (q->quantity == PT_Q_UP || q->quantity == PT_Q_COVERED) {
		/* Every scraped target has "up", Prometheus itself too: these mark
		 * the nodes the other quantities found (absorbed before), add none. */
		if ((o = set_get(set, node, false)) == NULL)
			return PT_OK;
		if (q->quantity == PT_Q_UP) {
			/* A node is several targets (node and GPU exporters): their mean.
			 * One down all window counts too: a crashed GPU exporter must not
			 * make a GPU node look CPU-only and whole. */
			v *= pt_unit_scale(q->unit);
			o->up = o->up_n ? (o->up * o->up_n + v) / (o->up_n + 1) : v;
			o->up_n++;
		} else {
			pt_node_obs_put(o, NULL, q->quantity, q->prio, NULL, v * pt_unit_scale(q->unit));
		}
		return PT_OK;
	}
	if ((o = set_get(set, node, !only_known)) == NULL)
		return only_known ? PT_OK : pt_error_oom(err);
	o->any = true;
	if (pt_quantity_is_device(q->quantity)) {
		const char *dev = pt_series_label(s, q->device_label);
		if (dev == NULL || *dev == '\0')
			return PT_OK;
		if ((g = pt_node_obs_gpu(o, dev)) == NULL)
			return pt_error_oom(err);
	}
	v *= pt_unit_scale(q->unit);
	/* Several sources of a quantity: the first entry in the file with data wins. */
	switch (q->quantity) {
	case PT_Q_CPU_INFO:
		if (pt_node_obs_pick(o, NULL, q->quantity, q->prio) &&
				dup_into(&o->cpu_model, pt_series_label(s, q->model_label)) != 0)
			return pt_error_oom(err);
		break;
	case PT_Q_GPU_INFO:
		if (pt_node_obs_pick(o, g, q->quantity, q->prio) &&
				dup_into(&g->name, pt_series_label(s, q->model_label)) != 0)
			return pt_error_oom(err);
		break;
	default:
		pt_node_obs_put(o, g, q->quantity, q->prio, pt_query_source(q), v);
		break;
	}
	return PT_OK;
}

int64_t pt_report_window_of(bool counter, int64_t window_ms)
{
	/* Gauges over (start, end]: a sample at exactly the start belongs to the
	 * interval before. Prometheus 2 ranges include it, so they get one 1 ms
	 * shorter; Prometheus 3 and MetricsQL ranges are left-open already, and
	 * lose only a sample 1 ms after the start. Counter templates keep the
	 * window: rate() needs the sample at the start. */
	return window_ms > 1 && !counter ? window_ms - 1 : window_ms;
}

int64_t pt_report_template_window(const struct pt_query *q, int64_t window_ms)
{
	return pt_report_window_of(pt_series_is_counter(q->tmpl), window_ms);
}

/* "up", "covered" and "carbon_intensity" add to the nodes the other
 * quantities found: asked with marks, handed on last. */
bool pt_report_is_mark(enum pt_quantity q)
{
	return q == PT_Q_UP || q == PT_Q_COVERED || q == PT_Q_CARBON_INTENSITY;
}

static int ask_store(struct pt_ctx *ctx, const struct pt_window *w, bool marks,
		int (*fn)(void *user, const struct pt_query *q, const struct pt_prom_result *res,
			struct pt_error *err), void *user, struct pt_error *err)
{
	struct pt_expand x = {w->end_ms - w->start_ms, ctx->cfg->node_label, w->nodes, w->nnodes,
		ctx->cfg->strip_port};
	size_t nitems = ctx->qs->n, nq = 0, i, j;
	struct pt_http_req *reqs = calloc(nitems ? nitems : 1, sizeof(*reqs));
	const struct pt_query **qs = calloc(nitems ? nitems : 1, sizeof(*qs));
	struct pt_buf *forms = calloc(nitems ? nitems : 1, sizeof(*forms)), url = {0};
	int rc = PT_OK;

	if (reqs == NULL || forms == NULL || qs == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	if ((rc = pt_prom_url(&url, ctx->prom, "/api/v1/query", err)) != PT_OK)
		goto out;
	/* Every entry, in file order (the first source with data wins). */
	for (i = 0; i < nitems; i++) {
		const struct pt_query *q = &ctx->qs->items[i];
		struct pt_buf promql = {0};

		if (!marks && pt_report_is_mark(q->quantity))
			continue;
		x.window_ms = pt_report_template_window(q, w->end_ms - w->start_ms);
		rc = pt_queryset_expand(&promql, q, &x, err);
		if (rc == PT_OK)
			rc = pt_prom_query_form(&forms[nq], promql.data, w->end_ms, err);
		pt_buf_free(&promql);
		if (rc != PT_OK)
			goto out;
		qs[nq] = q;
		reqs[nq].url = url.data;
		reqs[nq].form = forms[nq].data;
		nq++;
	}
	/* All at once over keep-alive connections. */
	if ((rc = pt_http_multi(pt_prom_http(ctx->prom), reqs, nq, (int)nq, NULL, NULL, err)) != PT_OK)
		goto out;
	/* Each answer decoded, handed on and freed in turn; "up" and "covered"
	 * last: they mark the nodes the others found. */
	for (j = 0; j < 2 * nq && rc == PT_OK; j++) {
		struct pt_prom_result *res = NULL;
		bool mark;

		i = j % nq;
		mark = pt_report_is_mark(qs[i]->quantity);
		if (mark != (j >= nq))
			continue;
		if (reqs[i].err.code != PT_OK) {
			*err = reqs[i].err;
			rc = err->code;
			break;
		}
		if ((rc = pt_prom_decode(&res, reqs[i].body.data, reqs[i].body.len, reqs[i].status,
				err)) != PT_OK) {
			char detail[sizeof(err->msg)];
			memcpy(detail, err->msg, sizeof(detail));
			pt_error_set(err, rc, "query for %s: %s", pt_quantity_name(qs[i]->quantity),
					detail);
			break;
		}
		/* The body is decoded: its memory goes back to the budget now. */
		pt_buf_free(&reqs[i].body);
		rc = fn(user, qs[i], res, err);
		pt_prom_result_free(res);
	}
out:
	for (i = 0; i < nitems && forms && reqs; i++) {
		pt_buf_free(&forms[i]);
		pt_buf_free(&reqs[i].body);
	}
	free(forms);
	free(reqs);
	free(qs);
	pt_buf_free(&url);
	return rc;
}

int pt_report_ask(struct pt_ctx *ctx, const struct pt_window *w, bool marks,
		int (*fn)(void *user, const struct pt_query *q, const struct pt_prom_result *res,
			struct pt_error *err), void *user, struct pt_error *err)
{
	/* Batch's raw samples answer as the store would (raw.c). */
	if (w->raw)
		return pt_raw_ask(w->raw, w, marks, fn, user, err);
	return ask_store(ctx, w, marks, fn, user, err);
}

struct observe {
	struct pt_ctx *ctx;
	const struct pt_window *w;
	struct node_set *set;
	struct pt_buf *warnings;
};

static int observe_one(void *user, const struct pt_query *q, const struct pt_prom_result *res,
		struct pt_error *err)
{
	struct observe *ob = user;
	struct pt_ctx *ctx = ob->ctx;
	int rc = PT_OK;

	/* A partial answer (a store down behind Thanos or Mimir) is not whole:
	 * the rows say so, never silently. */
	if (ob->warnings)
		rc = pt_ctx_store_warnings(ctx, ob->warnings, res, err);
	for (size_t k = 0; k < res->nseries && rc == PT_OK; k++)
		rc = absorb(ob->set, q, &res->series[k], ctx->cfg, ob->w->nnodes > 0, err);
	return rc;
}

int pt_report_observe(struct pt_node_obs **out, size_t *nout, struct pt_ctx *ctx,
		const struct pt_window *w, struct pt_buf *warnings, struct pt_error *err)
{
	struct node_set set = {0};
	struct observe ob = {ctx, w, &set, warnings};
	size_t i, j;
	int rc = PT_OK;

	*out = NULL;
	*nout = 0;
	set.carbon_intensity = NAN;
	/* Requested nodes come first, in the order asked, each with a row even without data. */
	for (i = 0; i < w->nnodes; i++) {
		if (set_get(&set, w->nodes[i], true) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
	}
	if ((rc = pt_report_ask(ctx, w, true, observe_one, &ob, err)) != PT_OK)
		goto out;
	for (i = 0; i < set.n; i++) {
		struct pt_node_obs *o = &set.obs[i];
		double d = (double)(w->end_ms - w->start_ms) / 1000.0;

		pt_node_obs_sort_gpus(o);
		if (isnan(o->carbon_intensity))
			o->carbon_intensity = set.carbon_intensity;
		/* An energy counter's increase() covers the time with data: over
		 * a partly covered window, its mean power times the window, as the
		 * gauges give it (and batch does). */
		if (isfinite(o->covered_s) && o->covered_s > 0 && o->covered_s < PT_COVER_MIN * d) {
			o->cpu_energy_j *= d / o->covered_s;
			o->ram_energy_j *= d / o->covered_s;
			o->node_energy_j *= d / o->covered_s;
			for (j = 0; j < o->ngpus; j++)
				o->gpus[j].energy_j *= d / o->covered_s;
		}
	}
	if (w->nnodes == 0)
		pt_node_obs_sort(set.obs, set.n);
	*out = set.obs;
	*nout = set.n;
	set.obs = NULL;
	set.n = 0;
out:
	pt_obs_free(set.obs, set.n);
	pt_strmap_free(&set.names);
	return rc;
}

int pt_report_model(struct pt_row **out, size_t *nout, const struct pt_ctx *ctx,
		const struct pt_window *w, const struct pt_node_obs *obs, size_t nobs,
		struct pt_error *err)
{
	struct pt_row *rows;
	size_t i;
	char note[96];
	const char *window_note = NULL;
	int rc;

	*out = NULL;
	*nout = 0;
	if (w->scrape_interval_ms > 0 && w->end_ms - w->start_ms < 2 * w->scrape_interval_ms) {
		snprintf(note, sizeof(note), "window shorter than two scrape intervals (%.3gs)",
				(double)w->scrape_interval_ms / 1000.0);
		window_note = note;
	} else if (w->step_ms > w->scrape_interval_ms && w->end_ms - w->start_ms < 2 * w->step_ms) {
		/* A grid coarser than the window cannot see its edges. */
		snprintf(note, sizeof(note), "window shorter than two steps (%.3gs): use a finer --step",
				(double)w->step_ms / 1000.0);
		window_note = note;
	}
	if ((rows = calloc(nobs ? nobs : 1, sizeof(*rows))) == NULL)
		return pt_error_oom(err);
	for (i = 0; i < nobs; i++) {
		struct pt_power_params pp;
		struct pt_model_in in;
		double ci = ctx->carbon_intensity;
		char hint[400], name[256];

		memset(&in, 0, sizeof(in));
		pt_config_node_power(ctx->cfg, obs[i].node, &pp, &in.cpu_tdp_from_override,
				&in.gpu_tdp_from_override);
		if ((pp.has_carbon_intensity || pp.country) &&
				(rc = pt_model_carbon(&ci, &pp, ctx->tables, err)) != PT_OK) {
			pt_rows_free(rows, i);
			return rc;
		}
		/* The query set's intensity where nothing else is configured. */
		if (pt_carbon_node_observed(ctx, &pp))
			ci = obs[i].carbon_intensity;
		in.obs = &obs[i];
		in.task = w->task;
		in.start_ms = w->start_ms;
		in.end_ms = w->end_ms;
		in.prefer_measured = ctx->cfg->prefer_measured;
		in.power = &pp;
		in.pue = pp.has_pue ? pp.pue : 1.0;
		in.carbon_intensity = ci;
		in.tables = ctx->tables;
		in.window_note = window_note;
		in.interval_s = (double)(w->step_ms > w->scrape_interval_ms ? w->step_ms :
				w->scrape_interval_ms) / 1000.0;
		in.store_warning = w->store_warning;
		/* A name copied from `targets` ("gpu01:9100") is no node when ports are stripped. */
		pt_node_name(name, sizeof(name), obs[i].node, ctx->cfg->strip_port);
		if (!obs[i].any && strcmp(name, obs[i].node) != 0) {
			snprintf(hint, sizeof(hint), "no series for this node in the window (nodes are "
					"named without the port: try '%s')", name);
			in.nodata_hint = hint;
		}
		if ((rc = pt_model_node(&rows[i], &in, err)) != PT_OK) {
			pt_rows_free(rows, i);
			return rc;
		}
	}
	*out = rows;
	*nout = nobs;
	return PT_OK;
}

/* Rows of one window, without carbon over time. */
static int window_rows(struct pt_row **out, size_t *n, struct pt_ctx *ctx,
		const struct pt_window *w, struct pt_error *err)
{
	struct pt_node_obs *obs = NULL;
	struct pt_buf warnings = {0};
	struct pt_window ww = *w;
	size_t nobs = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = pt_report_observe(&obs, &nobs, ctx, w, &warnings, err)) == PT_OK) {
		if (warnings.len)
			ww.store_warning = warnings.data;
		rc = pt_report_model(out, n, ctx, &ww, obs, nobs, err);
	}
	pt_obs_free(obs, nobs);
	pt_buf_free(&warnings);
	return rc;
}

/* The intensity files the window will need, before any query: those of the
 * nodes asked for, or the top level's. */
static int check_coverage(const struct pt_ctx *ctx, const struct pt_window *w,
		struct pt_error *err)
{
	const struct pt_intensity *t;
	size_t i;
	int rc;

	if (w->nnodes == 0) {
		t = pt_ctx_intensity(ctx, &ctx->cfg->power);
		return t ? pt_intensity_check(t, w->start_ms, w->end_ms, err) : PT_OK;
	}
	for (i = 0; i < w->nnodes; i++)
		if ((t = pt_carbon_table(ctx, w->nodes[i])) != NULL &&
				(rc = pt_intensity_check(t, w->start_ms, w->end_ms, err)) != PT_OK)
			return rc;
	return PT_OK;
}

/* Intensity over time: the window and its pieces (cut at the files' hours)
 * observed one after another, each piece's energy by the same queries and
 * model as the window's, CO2 as the sum of energy x PUE x intensity over the
 * pieces (pt_carbon_apply). One piece (a window inside one hour) is the
 * window itself. */
static int window_carbon(struct pt_row **out, size_t *n, struct pt_ctx *ctx,
		const struct pt_window *w, struct pt_error *err)
{
	int64_t *bounds = NULL;
	size_t nb = 0, nw, p, i;
	struct pt_row **prow = NULL;
	size_t *pn = NULL, *nobs = NULL;
	struct pt_node_obs **obs = NULL;
	struct pt_window *ws = NULL;
	struct pt_buf warnings = {0};
	int rc;

	if ((rc = pt_carbon_bounds(&bounds, &nb, ctx, w->start_ms, w->end_ms, err)) != PT_OK)
		return rc;
	/* Window 0 is the whole one; 1 .. nb - 1 the pieces when there are several. */
	nw = nb - 1 > 1 ? nb : 1;
	if ((ws = calloc(nw, sizeof(*ws))) == NULL || (obs = calloc(nw, sizeof(*obs))) == NULL ||
			(nobs = calloc(nw, sizeof(*nobs))) == NULL ||
			(prow = calloc(nw, sizeof(*prow))) == NULL || (pn = calloc(nw, sizeof(*pn))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	ws[0] = *w;
	for (p = 1; p < nw; p++) {
		ws[p] = *w;
		ws[p].start_ms = bounds[p - 1];
		ws[p].end_ms = bounds[p];
	}
	/* The whole window and each piece, by the same queries. */
	for (p = 0; p < nw; p++)
		if ((rc = pt_report_observe(&obs[p], &nobs[p], ctx, &ws[p], &warnings, err)) != PT_OK)
			goto out;
	/* A warning on any piece's answer makes the rows partial too. */
	for (p = 0; p < nw && warnings.len; p++)
		ws[p].store_warning = warnings.data;
	for (p = 0; p < nw; p++)
		if ((rc = pt_report_model(&prow[p], &pn[p], ctx, &ws[p], obs[p], nobs[p], err)) != PT_OK)
			goto out;
	/* Files of nodes found only now (per-node files, every node asked for). */
	for (i = 0; i < pn[0]; i++) {
		const struct pt_intensity *t = pt_carbon_table(ctx, prow[0][i].node);
		if (t && (rc = pt_intensity_check(t, w->start_ms, w->end_ms, err)) != PT_OK)
			goto out;
	}
	if (nw == 1)
		rc = pt_carbon_apply(prow[0], pn[0], ctx, bounds, 1, prow, pn, err);
	else
		rc = pt_carbon_apply(prow[0], pn[0], ctx, bounds, nw - 1, prow + 1, pn + 1, err);
	if (rc == PT_OK) {
		*out = prow[0];
		*n = pn[0];
		prow[0] = NULL;
		pn[0] = 0;
	}
out:
	for (p = 0; prow && p < nw; p++)
		pt_rows_free(prow[p], pn[p]);
	for (p = 0; obs && p < nw; p++)
		pt_obs_free(obs[p], nobs[p]);
	free(prow);
	free(pn);
	free(obs);
	free(nobs);
	free(ws);
	free(bounds);
	pt_buf_free(&warnings);
	return rc;
}

int pt_report_window(struct pt_row **out, size_t *n, struct pt_ctx *ctx,
		const struct pt_window *w, struct pt_error *err)
{
	int rc;

	*out = NULL;
	*n = 0;
	if (!pt_carbon_varies(ctx))
		return window_rows(out, n, ctx, w, err);
	if (ctx->nintensities > 0 && (rc = check_coverage(ctx, w, err)) != PT_OK)
		return rc;
	return window_carbon(out, n, ctx, w, err);
}

bool pt_rows_missing(const struct pt_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].status.kind != PT_STATUS_OK)
			return true;
	return false;
}
