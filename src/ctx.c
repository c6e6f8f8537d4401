/* ctx.c - the session: configuration, query set, tables and Prometheus client, opened once. */
#include "ctx.h"

#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "datadir.h"

void pt_ctx_free(struct pt_ctx *ctx)
{
	size_t i;

	if (ctx == NULL)
		return;
	pt_prom_free(ctx->prom);
	for (i = 0; i < ctx->nintensities; i++)
		pt_intensity_free(ctx->intensities[i]);
	free(ctx->intensities);
	pt_tables_free(ctx->tables);
	pt_queryset_free(ctx->qs);
	pt_config_free(ctx->cfg);
	free(ctx);
}

/* A country of the configuration (node's overrides when node is set) that
 * the carbon table does not have: an error naming file, line and key. */
static int check_country(const struct pt_ctx *ctx, const struct pt_power_params *p,
		const char *node, struct pt_error *err)
{
	double g;

	if (p->country == NULL || pt_tables_carbon(ctx->tables, p->country, &g))
		return PT_OK;
	return pt_error_set(err, PT_EUSAGE, "%s:%lu: key 'power.%s%s%scountry': unknown country '%s' "
			"(ISO 3166 alpha-2 or alpha-3 in the carbon table, e.g. FR or FRA)",
			ctx->cfg->path ? ctx->cfg->path : "(config)", p->country_line, node ? "nodes." : "",
			node ? node : "", node ? "." : "", p->country);
}

/* The column a file is read with: the node's choice, else the top level's. */
static int file_column(const struct pt_config *cfg, const struct pt_power_params *p)
{
	if (p->has_carbon_column)
		return p->carbon_column;
	return cfg->power.carbon_column;
}

const struct pt_intensity *pt_ctx_intensity(const struct pt_ctx *ctx,
		const struct pt_power_params *p)
{
	int col;
	size_t i;

	if (p->carbon_file == NULL)
		return NULL;
	col = file_column(ctx->cfg, p);
	for (i = 0; i < ctx->nintensities; i++)
		if ((int)ctx->intensities[i]->column == col &&
				strcmp(ctx->intensities[i]->name, p->carbon_file) == 0)
			return ctx->intensities[i];
	return NULL;
}

/* Loads p's intensity file unless it is loaded already (each file and column once). */
static int load_intensity(struct pt_ctx *ctx, const struct pt_power_params *p, struct pt_error *err)
{
	struct pt_intensity **grown;
	int rc;

	if (p->carbon_file == NULL || pt_ctx_intensity(ctx, p) != NULL)
		return PT_OK;
	grown = realloc(ctx->intensities, (ctx->nintensities + 1) * sizeof(*grown));
	if (grown == NULL)
		return pt_error_oom(err);
	ctx->intensities = grown;
	if ((rc = pt_intensity_load(&ctx->intensities[ctx->nintensities], p->carbon_file,
			(enum pt_ci_column)file_column(ctx->cfg, p), err)) != PT_OK)
		return rc;
	ctx->nintensities++;
	return PT_OK;
}

static int ctx_open(struct pt_ctx **out, const char *config_path, const char *url_override,
		bool online, struct pt_error *err)
{
	struct pt_ctx *ctx;
	char *qpath = NULL, *cpu = NULL, *gpu = NULL, *carbon = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return pt_error_oom(err);
	if ((rc = pt_config_load(&ctx->cfg, config_path, err)) != PT_OK)
		goto out;
	if (ctx->cfg->queries_path == NULL &&
			(qpath = pt_datadir_find("queries/default.yaml", err)) == NULL) {
		rc = err->code;
		goto out;
	}
	if ((rc = pt_queryset_load(&ctx->qs, qpath ? qpath : ctx->cfg->queries_path, err)) != PT_OK)
		goto out;
	if ((cpu = pt_datadir_find("data/cpu_tdp.csv", err)) == NULL ||
			(gpu = pt_datadir_find("data/gpu_tdp.csv", err)) == NULL ||
			(carbon = pt_datadir_find("data/carbon_intensity.csv", err)) == NULL) {
		rc = err->code;
		goto out;
	}
	if ((rc = pt_tables_load(&ctx->tables, cpu, gpu, carbon, err)) != PT_OK)
		goto out;
	/* Every country the file names must be in the table, per node too, so
	 * `check` finds what a report would stumble on. */
	if ((rc = check_country(ctx, &ctx->cfg->power, NULL, err)) != PT_OK)
		goto out;
	for (i = 0; i < ctx->cfg->noverrides; i++)
		if ((rc = check_country(ctx, &ctx->cfg->overrides[i].power, ctx->cfg->overrides[i].node,
				err)) != PT_OK)
			goto out;
	if ((rc = pt_model_carbon(&ctx->carbon_intensity, &ctx->cfg->power, ctx->tables, err)) != PT_OK)
		goto out;
	/* Every intensity file once, so `check` finds a malformed one too. */
	for (i = 0; i <= ctx->cfg->noverrides; i++) {
		struct pt_power_params pp;
		if (i == 0)
			pp = ctx->cfg->power;
		else
			pt_config_node_power(ctx->cfg, ctx->cfg->overrides[i - 1].node, &pp, NULL, NULL);
		if ((rc = load_intensity(ctx, &pp, err)) != PT_OK)
			goto out;
	}
	if (online)
		rc = pt_client_open(&ctx->prom, ctx->cfg, url_override, err);
out:
	free(qpath);
	free(cpu);
	free(gpu);
	free(carbon);
	if (rc != PT_OK) {
		pt_ctx_free(ctx);
		return rc;
	}
	*out = ctx;
	return PT_OK;
}

int pt_ctx_open(struct pt_ctx **out, const char *config_path, const char *url_override,
		struct pt_error *err)
{
	return ctx_open(out, config_path, url_override, true, err);
}

int pt_ctx_open_offline(struct pt_ctx **out, const char *config_path, struct pt_error *err)
{
	return ctx_open(out, config_path, NULL, false, err);
}

int pt_ctx_store_warnings(const struct pt_ctx *ctx, struct pt_buf *list,
		const struct pt_prom_result *res, struct pt_error *err)
{
	size_t i;
	int rc = PT_OK;

	for (i = 0; i < res->nwarnings && rc == PT_OK; i++) {
		bool added;
		if ((rc = pt_prom_warning_join(list, res->warnings[i], &added, err)) == PT_OK && added &&
				ctx->on_store_warning)
			ctx->on_store_warning(ctx->on_store_warning_user, res->warnings[i]);
	}
	return rc;
}
