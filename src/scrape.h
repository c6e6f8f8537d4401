/* scrape.h - facts about the scrape targets: the node of a target, the largest scrape interval, the wait for the final scrape. */
#ifndef PT_SCRAPE_H
#define PT_SCRAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "ctx.h"
#include "error.h"
#include "prom.h"

/* The wait for the final scrape, when the caller gives no timeout: two scrape
 * intervals (a scrape may be late by one) plus a slack for slow targets, or a
 * fixed time when the interval is unknown. Polled every PT_SCRAPE_POLL_MS. */
#define PT_SCRAPE_WAIT_INTERVALS 2
#define PT_SCRAPE_WAIT_SLACK_MS 10000
#define PT_SCRAPE_WAIT_UNKNOWN_MS 30000
#define PT_SCRAPE_POLL_MS 250

/* The node a target belongs to, as reports name it: the value of
 * cfg->node_label among its labels ("instance" falls back to the target's
 * instance), through pt_node_name (strip_port). Writes into node; false when
 * the target has no such label or it is empty. */
bool pt_scrape_target_node(char *node, size_t size, const struct pt_target *t,
		const struct pt_config *cfg);

/* Largest scrape interval (ms) of the targets of nodes (every target when
 * nnodes == 0); with or_all, of every target when none of the nodes' targets
 * has one. 0 when no target has one. No I/O. */
int64_t pt_scrape_interval_of(const struct pt_targets *t, const struct pt_config *cfg,
		const char *const *nodes, size_t nnodes, bool or_all);

/* The same, asking Prometheus for its targets. On failure *out is 0 and the
 * error is returned; callers that only flag short windows or pick a grid step
 * go on with 0 (a store without a targets API, such as Thanos Query or Mimir,
 * still reports). */
int pt_scrape_interval(int64_t *out, struct pt_ctx *ctx, const char *const *nodes,
		size_t nnodes, bool or_all, struct pt_error *err) PT_WUR;

/* Waits until every selected target that is up has been scraped after end_ms
 * (so the window's last samples are in the TSDB), polling /api/v1/targets.
 * Targets are selected by node as pt_scrape_target_node names them; nnodes
 * == 0 selects all. *interval_ms gets the largest scrape interval of the
 * selected targets (0 when unknown). timeout_ms < 0 is the default wait: a
 * first look tells the interval, which bounds the rest (PT_SCRAPE_WAIT_*).
 * PT_OK when done, PT_EMISSING when the timeout passed first (the caller may
 * report anyway; err says how many targets are late), PT_ENET when Prometheus
 * cannot be asked. */
int pt_scrape_wait(struct pt_ctx *ctx, int64_t end_ms, const char *const *nodes, size_t nnodes,
		int64_t timeout_ms, int64_t *interval_ms, struct pt_error *err) PT_WUR;

/* The distinct node names of the active targets, in the targets API's order
 * (a `run` without --node reports these, so each gets a row even when the
 * window was too short for data). Free with pt_strv_free. */
int pt_scrape_target_nodes(char ***out, size_t *n, struct pt_ctx *ctx, struct pt_error *err) PT_WUR;
void pt_strv_free(char **v, size_t n);

#endif
