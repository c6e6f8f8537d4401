/* carbon.c - CO2 from grid intensity over time: a window's pieces at the intensity files' boundaries, and the energy-weighted intensity of each row. */
#include "carbon.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

#define HOUR_MS INT64_C(3600000)

bool pt_carbon_varies(const struct pt_ctx *ctx)
{
	return ctx->nintensities > 0 || ctx->qs->q[PT_Q_CARBON_INTENSITY] != NULL;
}

bool pt_carbon_node_observed(const struct pt_ctx *ctx, const struct pt_power_params *p)
{
	return ctx->qs->q[PT_Q_CARBON_INTENSITY] != NULL && !p->has_carbon_intensity &&
		p->country == NULL && p->carbon_file == NULL;
}

bool pt_carbon_node_varies(const struct pt_ctx *ctx, const char *node)
{
	struct pt_power_params pp;

	if (!pt_carbon_varies(ctx))
		return false;
	pt_config_node_power(ctx->cfg, node, &pp, NULL, NULL);
	return pp.carbon_file != NULL || pt_carbon_node_observed(ctx, &pp);
}

const struct pt_intensity *pt_carbon_table(const struct pt_ctx *ctx, const char *node)
{
	struct pt_power_params pp;

	if (ctx->nintensities == 0)
		return NULL;
	pt_config_node_power(ctx->cfg, node, &pp, NULL, NULL);
	return pt_ctx_intensity(ctx, &pp);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int pt_carbon_bounds(int64_t **out, size_t *n, const struct pt_ctx *ctx, int64_t a_ms,
		int64_t b_ms, struct pt_error *err)
{
	int64_t *v, h0 = 0, h;
	size_t total = 2, i, m, k;
	bool hours = ctx->qs->q[PT_Q_CARBON_INTENSITY] != NULL;

	*out = NULL;
	*n = 0;
	for (i = 0; i < ctx->nintensities; i++)
		total += pt_intensity_cuts(ctx->intensities[i], a_ms, b_ms, NULL, 0);
	if (hours && b_ms > a_ms) {
		/* The first UTC hour after a (floor division, times before 1970 too). */
		h0 = a_ms / HOUR_MS * HOUR_MS;
		if (h0 <= a_ms)
			h0 += HOUR_MS;
		if (h0 < b_ms)
			total += (size_t)((b_ms - 1 - h0) / HOUR_MS + 1);
	}
	if ((v = malloc(total * sizeof(*v))) == NULL)
		return pt_error_oom(err);
	m = 0;
	v[m++] = a_ms;
	for (i = 0; i < ctx->nintensities; i++)
		m += pt_intensity_cuts(ctx->intensities[i], a_ms, b_ms, v + m, total - m);
	for (h = h0; hours && b_ms > a_ms && h < b_ms && m < total - 1; h += HOUR_MS)
		v[m++] = h;
	qsort(v + 1, m - 1, sizeof(*v), cmp_i64);
	v[m++] = b_ms;
	for (i = k = 1; i < m; i++)
		if (v[i] != v[k - 1])
			v[k++] = v[i];
	*out = v;
	*n = k < 2 ? 2 : k;
	if (k < 2)
		v[1] = b_ms; /* a == b: one empty piece */
	return PT_OK;
}

static double weight(double e)
{
	return isfinite(e) && e > 0 ? e : 0.0;
}

/* co2 from energy, PUE and intensity; unknown when the energy is. */
static double co2_of(double energy_wh, double pue, double g)
{
	return energy_wh / 1000.0 * pue * g;
}

int pt_carbon_piece_g(double *g, const struct pt_ctx *ctx, const char *node,
		const struct pt_row *piece_row, int64_t a_ms, int64_t b_ms, struct pt_error *err)
{
	const struct pt_intensity *t = pt_carbon_table(ctx, node);

	if (t != NULL)
		return pt_intensity_mean(t, a_ms, b_ms, g, err);
	*g = piece_row ? piece_row->carbon_intensity : NAN; /* observed: the piece's own mean */
	return PT_OK;
}

static struct pt_carbon_dev *sums_dev(struct pt_carbon_sums *s, const char *device)
{
	size_t i;

	for (i = 0; i < s->ndev; i++)
		if (strcmp(s->dev[i].device, device) == 0)
			return &s->dev[i];
	if (s->ndev == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		struct pt_carbon_dev *d = realloc(s->dev, cap * sizeof(*d));
		if (d == NULL)
			return NULL;
		s->dev = d;
		s->cap = cap;
	}
	memset(&s->dev[s->ndev], 0, sizeof(*s->dev));
	if ((s->dev[s->ndev].device = strdup(device)) == NULL)
		return NULL;
	return &s->dev[s->ndev++];
}

int pt_carbon_sums_add(struct pt_carbon_sums *s, const struct pt_row *pr, double g,
		struct pt_error *err)
{
	size_t d;
	double e;

	if (pr == NULL || !isfinite(g))
		return PT_OK;
	e = weight(pr->energy_wh);
	s->se += e;
	s->seg += e * g;
	for (d = 0; d < pr->ndevices; d++) {
		struct pt_carbon_dev *sd;

		if ((e = weight(pr->devices[d].energy_wh)) == 0)
			continue;
		if ((sd = sums_dev(s, pr->devices[d].device)) == NULL)
			return pt_error_oom(err);
		sd->se += e;
		sd->seg += e * g;
	}
	return PT_OK;
}

void pt_carbon_sums_apply(const struct pt_carbon_sums *s, struct pt_row *r, double fallback)
{
	size_t d, j;

	r->carbon_intensity = s->se > 0 ? s->seg / s->se : fallback;
	if (r->status.kind != PT_STATUS_NO_DATA)
		r->co2_g = co2_of(r->energy_wh, r->pue, r->carbon_intensity);
	/* Each device by its own energy over the pieces. */
	for (d = 0; d < r->ndevices && r->status.kind != PT_STATUS_NO_DATA; d++) {
		struct pt_device_row *dr = &r->devices[d];
		double g = r->carbon_intensity;

		for (j = 0; j < s->ndev; j++)
			if (strcmp(s->dev[j].device, dr->device) == 0 && s->dev[j].se > 0)
				g = s->dev[j].seg / s->dev[j].se;
		dr->co2_g = co2_of(dr->energy_wh, r->pue, g);
	}
}

void pt_carbon_sums_clear(struct pt_carbon_sums *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ndev; i++)
		free(s->dev[i].device);
	free(s->dev);
	memset(s, 0, sizeof(*s));
}

int pt_carbon_apply(struct pt_row *rows, size_t n, const struct pt_ctx *ctx,
		const int64_t *bounds, size_t npieces, struct pt_row *const *prow, const size_t *pn,
		struct pt_error *err)
{
	struct pt_strmap *maps = NULL;
	size_t i, p;
	int rc = PT_OK;

	if (!pt_carbon_varies(ctx) || n == 0)
		return PT_OK;
	if ((maps = calloc(npieces, sizeof(*maps))) == NULL)
		return pt_error_oom(err);
	/* Piece rows by node; a piece's rows are in its own order. */
	for (p = 0; p < npieces; p++)
		for (i = 0; i < pn[p]; i++)
			if (pt_strmap_put(&maps[p], prow[p][i].node, NULL) == PT_STRMAP_NONE) {
				rc = pt_error_oom(err);
				goto out;
			}
	for (i = 0; i < n && rc == PT_OK; i++) {
		struct pt_row *r = &rows[i];
		const struct pt_intensity *t = pt_carbon_table(ctx, r->node);
		struct pt_carbon_sums sums;
		double mean = r->carbon_intensity, g;

		if (t == NULL && !pt_carbon_node_varies(ctx, r->node))
			continue;
		if (t && (rc = pt_intensity_mean(t, r->start_ms, r->end_ms, &mean, err)) != PT_OK)
			break;
		memset(&sums, 0, sizeof(sums));
		for (p = 0; p < npieces && rc == PT_OK; p++) {
			size_t j = pt_strmap_get(&maps[p], r->node);
			const struct pt_row *pr = j == PT_STRMAP_NONE ? NULL : &prow[p][j];

			rc = pt_carbon_piece_g(&g, ctx, r->node, pr, bounds[p], bounds[p + 1], err);
			if (rc == PT_OK)
				rc = pt_carbon_sums_add(&sums, pr, g, err);
		}
		if (rc == PT_OK)
			pt_carbon_sums_apply(&sums, r, mean);
		pt_carbon_sums_clear(&sums);
	}
out:
	for (p = 0; p < npieces; p++)
		pt_strmap_free(&maps[p]);
	free(maps);
	return rc;
}

int pt_carbon_apply_mean(struct pt_row *rows, size_t n, const struct pt_ctx *ctx, int64_t a_ms,
		int64_t b_ms, struct pt_error *err)
{
	size_t i, d;
	int rc;

	for (i = 0; i < n && pt_carbon_varies(ctx); i++) {
		struct pt_row *r = &rows[i];
		const struct pt_intensity *t = pt_carbon_table(ctx, r->node);
		double g;

		if (t == NULL)
			continue;
		if ((rc = pt_intensity_mean(t, a_ms, b_ms, &g, err)) != PT_OK)
			return rc;
		r->carbon_intensity = g;
		r->co2_g = co2_of(r->energy_wh, r->pue, g);
		for (d = 0; d < r->ndevices; d++)
			r->devices[d].co2_g = co2_of(r->devices[d].energy_wh, r->pue, g);
	}
	return PT_OK;
}
