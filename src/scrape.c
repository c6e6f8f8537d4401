/* scrape.c - facts about the scrape targets: the node of a target, the largest scrape interval, the wait for the final scrape. */
#include "scrape.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queryset.h"
#include "timefmt.h"

bool pt_scrape_target_node(char *node, size_t size, const struct pt_target *t,
		const struct pt_config *cfg)
{
	const char *value = NULL;
	size_t i;

	for (i = 0; i < t->nlabels && value == NULL; i++)
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
	if (!pt_scrape_target_node(node, sizeof(node), t, cfg))
		return false;
	for (i = 0; i < nnodes; i++)
		if (strcmp(node, nodes[i]) == 0)
			return true;
	return false;
}

int64_t pt_scrape_interval_of(const struct pt_targets *t, const struct pt_config *cfg,
		const char *const *nodes, size_t nnodes, bool or_all)
{
	int64_t all = 0, mine = 0;
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct pt_target *tg = &t->items[i];

		if (tg->scrape_interval_ms > all)
			all = tg->scrape_interval_ms;
		if (tg->scrape_interval_ms > mine && selected(tg, cfg, nodes, nnodes))
			mine = tg->scrape_interval_ms;
	}
	return mine > 0 || !or_all ? mine : all;
}

int pt_scrape_interval(int64_t *out, struct pt_ctx *ctx, const char *const *nodes,
		size_t nnodes, bool or_all, struct pt_error *err)
{
	struct pt_targets *t = NULL;
	int rc;

	*out = 0;
	if ((rc = pt_prom_targets(&t, ctx->prom, err)) != PT_OK)
		return rc;
	*out = pt_scrape_interval_of(t, ctx->cfg, nodes, nnodes, or_all);
	pt_targets_free(t);
	return PT_OK;
}

/* Polls until the selected targets that are up were scraped after end_ms, or timeout_ms. */
static int wait_until(struct pt_ctx *ctx, int64_t end_ms, const char *const *nodes,
		size_t nnodes, int64_t timeout_ms, int64_t *interval_ms, struct pt_error *err)
{
	int64_t deadline = pt_now_ms() + timeout_ms;
	struct timespec pause = {PT_SCRAPE_POLL_MS / 1000, PT_SCRAPE_POLL_MS % 1000 * 1000000L};

	*interval_ms = 0;
	for (;;) {
		struct pt_targets *t = NULL;
		size_t i, pending = 0;
		int rc;

		if ((rc = pt_prom_targets(&t, ctx->prom, err)) != PT_OK)
			return rc;
		*interval_ms = pt_scrape_interval_of(t, ctx->cfg, nodes, nnodes, false);
		for (i = 0; i < t->n; i++) {
			const struct pt_target *tg = &t->items[i];

			/* A target that is down will not bring the window's samples. */
			if (strcmp(tg->health, "up") == 0 && tg->last_scrape_ms <= end_ms &&
					selected(tg, ctx->cfg, nodes, nnodes))
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

int pt_scrape_wait(struct pt_ctx *ctx, int64_t end_ms, const char *const *nodes, size_t nnodes,
		int64_t timeout_ms, int64_t *interval_ms, struct pt_error *err)
{
	int rc;

	rc = wait_until(ctx, end_ms, nodes, nnodes, timeout_ms >= 0 ? timeout_ms : 0, interval_ms,
			err);
	if (rc == PT_EMISSING && timeout_ms < 0)
		rc = wait_until(ctx, end_ms, nodes, nnodes, *interval_ms > 0 ?
				PT_SCRAPE_WAIT_INTERVALS * *interval_ms + PT_SCRAPE_WAIT_SLACK_MS :
				PT_SCRAPE_WAIT_UNKNOWN_MS, interval_ms, err);
	/* The first look's "not scraped yet" is no news once the wait is over. */
	if (rc == PT_OK)
		pt_error_clear(err);
	return rc;
}

int pt_scrape_target_nodes(char ***out, size_t *n, struct pt_ctx *ctx, struct pt_error *err)
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
		if (!pt_scrape_target_node(node, sizeof(node), &t->items[i], ctx->cfg))
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
