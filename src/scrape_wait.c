/* scrape_wait.c - wait until Prometheus has scraped every selected target past a moment. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "timefmt.h"

/* The node a target belongs to (nodes.label, strip_port); false when it has none. */
static bool target_node(char *node, size_t size, const struct pt_target *t,
		const struct pt_config *cfg)
{
	const char *value = NULL;
	size_t i;

	for (i = 0; i < t->nlabels; i++)
		if (strcmp(t->labels[i].name, cfg->node_label) == 0)
			value = t->labels[i].value;
	if (value == NULL && strcmp(cfg->node_label, "instance") == 0)
		value = t->instance;
	if (value == NULL || *value == '\0')
		return false;
	pt_node_name(node, size, value, cfg->strip_port);
	return true;
}

static bool selected(const struct pt_target *t, const struct pt_config *cfg,
		const char *const *nodes, size_t nnodes)
{
	char node[256];
	size_t i;

	if (nnodes == 0)
		return true;
	if (!target_node(node, sizeof(node), t, cfg))
		return false;
	for (i = 0; i < nnodes; i++)
		if (strcmp(node, nodes[i]) == 0)
			return true;
	return false;
}

int pt_report_wait_scraped(struct pt_ctx *ctx, int64_t end_ms, const char *const *nodes,
		size_t nnodes, int64_t timeout_ms, int64_t *interval_ms, struct pt_error *err)
{
	int64_t deadline = pt_now_ms() + timeout_ms;
	struct timespec pause = {0, 250 * 1000 * 1000};

	*interval_ms = 0;
	for (;;) {
		struct pt_targets *t = NULL;
		size_t i, pending = 0;
		int rc;

		if ((rc = pt_prom_targets(&t, ctx->prom, err)) != PT_OK)
			return rc;
		for (i = 0; i < t->n; i++) {
			const struct pt_target *tg = &t->items[i];

			if (!selected(tg, ctx->cfg, nodes, nnodes))
				continue;
			if (tg->scrape_interval_ms > *interval_ms)
				*interval_ms = tg->scrape_interval_ms;
			/* A target that is down will not bring the window's samples. */
			if (strcmp(tg->health, "up") == 0 && tg->last_scrape_ms <= end_ms)
				pending++;
		}
		pt_targets_free(t);
		if (pending == 0)
			return PT_OK;
		if (pt_now_ms() >= deadline)
			return pt_error_set(err, PT_EMISSING,
					"%zu target(s) not scraped since the end of the window; reporting anyway",
					pending);
		nanosleep(&pause, NULL);
	}
}

int pt_report_target_nodes(char ***out, size_t *n, struct pt_ctx *ctx, struct pt_error *err)
{
	struct pt_targets *t = NULL;
	char **names = NULL, node[256];
	size_t i, j, count = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = pt_prom_targets(&t, ctx->prom, err)) != PT_OK)
		return rc;
	if (t->n && (names = calloc(t->n, sizeof(*names))) == NULL) {
		pt_targets_free(t);
		return pt_error_oom(err);
	}
	for (i = 0; i < t->n; i++) {
		if (!target_node(node, sizeof(node), &t->items[i], ctx->cfg))
			continue;
		for (j = 0; j < count && strcmp(names[j], node) != 0; j++)
			;
		if (j < count)
			continue;
		if ((names[count] = strdup(node)) == NULL) {
			pt_strv_free(names, count);
			pt_targets_free(t);
			return pt_error_oom(err);
		}
		count++;
	}
	pt_targets_free(t);
	*out = names;
	*n = count;
	return PT_OK;
}

void pt_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
