/* ctx.h - the session: configuration, query set, tables and Prometheus client, opened once and shared by every command. */
#ifndef PT_CTX_H
#define PT_CTX_H

#include "config.h"
#include "error.h"
#include "intensity.h"
#include "model.h"
#include "prom.h"
#include "queryset.h"

/* Everything a report needs, opened once. */
struct pt_ctx {
	struct pt_config *cfg;
	struct pt_queryset *qs;
	struct pt_tables *tables;
	struct pt_prom *prom;      /* NULL when opened offline */
	double carbon_intensity;   /* resolved default */
	struct pt_intensity **intensities; /* every carbon_intensity_file (and column) the
	                                      configuration names, loaded once */
	size_t nintensities;
	/* Called with each distinct warning a store sent with an answer (the
	 * rows say so in their status too); NULL = not told. The CLI sets it
	 * for -v. serve may call it from several threads at once. */
	void (*on_store_warning)(void *user, const char *text);
	void *on_store_warning_user;
};

/* Loads config (path may be NULL), applies url_override, loads the query set
 * and tables, checks every configured country against the carbon table,
 * loads and checks every carbon intensity file,
 * reads secrets, opens the Prometheus client (sends no request). Caller
 * frees with pt_ctx_free. */
int pt_ctx_open(struct pt_ctx **out, const char *config_path, const char *url_override,
		struct pt_error *err) PT_WUR;
/* Same, without a Prometheus client (check --offline, unit tests). */
int pt_ctx_open_offline(struct pt_ctx **out, const char *config_path, struct pt_error *err) PT_WUR;
void pt_ctx_free(struct pt_ctx *ctx);

/* The loaded intensity file of effective parameters p (pt_config_node_power),
 * or NULL when p has none. */
const struct pt_intensity *pt_ctx_intensity(const struct pt_ctx *ctx,
		const struct pt_power_params *p);

/* A partial answer is never silent: adds res's warnings to list
 * (pt_prom_warning_join) and tells ctx->on_store_warning of each new one.
 * PT_ENOMEM only. */
int pt_ctx_store_warnings(const struct pt_ctx *ctx, struct pt_buf *list,
		const struct pt_prom_result *res, struct pt_error *err) PT_WUR;

#endif
