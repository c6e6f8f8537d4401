/* raw.h - raw samples for batch: the query set compiled for local evaluation (promql.h), raw samples of its selectors fetched for a set of nodes over a span, and report's questions answered from them. */
#ifndef PT_RAW_H
#define PT_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctx.h"
#include "error.h"
#include "report.h"

/* The query set compiled: every entry's template and the distinct selectors
 * (with the label that names their node) they read. */
struct pt_raw_set;

/* Compiles ctx's query set, to be evaluated with the semantics sem (PT_PQ_*
 * of promql.h) of the store's version. PT_EUSAGE naming the entry when a
 * template is outside the subset promql.h evaluates (the caller then asks
 * the store instead); PT_ENOMEM. Caller frees with pt_raw_set_free. */
int pt_raw_set_new(struct pt_raw_set **out, const struct pt_ctx *ctx, unsigned sem,
		struct pt_error *err) PT_WUR;
void pt_raw_set_free(struct pt_raw_set *set);

/* Asks the store, with two requests at once, which of the selectors' metric
 * names have data in [a, b] (the others are left out of every fetch; a
 * store without that list keeps them all) and how many series of those
 * names a node has at b (*per_node, the mean over the nodes: an upper bound
 * of what a fetch holds per node and sample; 0 when it cannot be known).
 * PT_ENOMEM; errors of the HTTP layer itself. */
int pt_raw_set_survey(struct pt_raw_set *set, struct pt_ctx *ctx, int64_t a_ms, int64_t b_ms,
		double *per_node, struct pt_error *err) PT_WUR;

/* Distinct selectors (after pruning), and how many fetches a span costs: one per selector
 * (exact), or one per node label with every selector's metric name in one
 * regular expression (union: fewer requests, but every series of those
 * names comes back). Union is possible only when every selector names its
 * metric. */
size_t pt_raw_set_selectors(const struct pt_raw_set *set);
size_t pt_raw_set_union_requests(const struct pt_raw_set *set); /* 0: not possible */

/* The raw samples of every selector over [a, b] for nodes (nnodes == 0:
 * every node), indexed by node. */
struct pt_raw;

/* Fetches several spans at once (at most `concurrency` requests in flight,
 * answers decoded as they arrive). spans[i] gets its store in out[i].
 * PT_ENET naming the first failing selector (the stores of spans whose
 * requests all succeeded are whole: pt_raw_failed tells); PT_ENOMEM. Store warnings go into
 * each store's warnings and, once each, to ctx->on_store_warning. Caller
 * frees each with pt_raw_free (also after a failure). */
struct pt_raw_span {
	int64_t a_ms, b_ms;
	const char *const *nodes;
	size_t nnodes;
	bool use_union;
};
int pt_raw_fetch(struct pt_raw **out, const struct pt_raw_set *set, struct pt_ctx *ctx,
		const struct pt_raw_span *spans, size_t nspans, int concurrency, struct pt_error *err) PT_WUR;
void pt_raw_free(struct pt_raw *raw);

/* Samples it holds, requests it took, whether one failed, the store's
 * warnings ("; "-joined, or NULL). */
size_t pt_raw_samples(const struct pt_raw *raw);
size_t pt_raw_requests(const struct pt_raw *raw);
bool pt_raw_failed(const struct pt_raw *raw);
const char *pt_raw_warnings(const struct pt_raw *raw);

/* pt_report_ask answered from raw (w->raw): every entry evaluated locally at
 * w->end_ms for w's nodes, handed to fn in the same order. The window must
 * lie within the fetched span. */
int pt_raw_ask(const struct pt_raw *raw, const struct pt_window *w, bool marks,
		int (*fn)(void *user, const struct pt_query *q, const struct pt_prom_result *res,
			struct pt_error *err), void *user, struct pt_error *err) PT_WUR;

#endif
