/* scrape_wait.c - wait until Prometheus has scraped every selected target past a moment. */
#include <string.h>
#include <time.h>

#include "report.h"
#include "timefmt.h"

static bool selected(const struct pt_target *t, const struct pt_config *cfg,
		const char *const *nodes, size_t nnodes)
{
	const char *value = NULL;
	char node[256];
	size_t i;

	if (nnodes == 0)
		return true;
	for (i = 0; i < t->nlabels; i++)
		if (strcmp(t->labels[i].name, cfg->node_label) == 0)
			value = t->labels[i].value;
	if (value == NULL && strcmp(cfg->node_label, "instance") == 0)
		value = t->instance;
	if (value == NULL)
		return false;
	pt_node_name(node, sizeof(node), value, cfg->strip_port);
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
					"%zu target(s) not scraped since the command ended; reporting anyway",
					pending);
		nanosleep(&pause, NULL);
	}
}
