/* promql.h - a subset of PromQL evaluated locally over raw samples: a query set's templates compiled once, then evaluated at any time and window as Prometheus evaluates the same instant query. */
#ifndef PT_PROMQL_H
#define PT_PROMQL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "prom.h"

/* The subset: number literals; unary minus; + - * / and or unless between
 * scalars and vectors (one-to-one matching on every label but the name, no
 * on/ignoring/group_*); sum avg min max count [by (labels)]; rate, increase,
 * delta, avg_ sum_ min_ max_ count_ last_over_time of a range selector whose
 * range is ${window}; clamp_min, clamp_max, abs, label_replace. Selectors
 * take = != =~ !~ matchers and ${node_matcher}; ${node_label} is the label
 * given to pt_pq_compile. Regular expressions are anchored as PromQL's and
 * must mean the same in POSIX extended syntax (no \d, (?: ... and the like).
 * Anything else is refused at compile time, so the caller falls back to
 * asking the store. */

enum pt_pq_mop { PT_PQ_EQ, PT_PQ_NE, PT_PQ_RE, PT_PQ_NRE };

struct pt_pq_matcher {
	char *name;
	char *value;
	enum pt_pq_mop op;
	regex_t re;        /* RE and NRE: value anchored */
};

/* One range selector of a template (its matchers, ${node_matcher} apart). */
struct pt_pq_sel {
	struct pt_pq_matcher *m;
	size_t nm;
	bool node_matcher;  /* has ${node_matcher}: restricted to the window's nodes */
	const char *name;   /* the metric name of an = matcher on __name__, else NULL */
};

struct pt_pq;

/* Compiles template tmpl with ${node_label} = node_label. PT_EUSAGE
 * ("unsupported PromQL: <what>" or a syntax error) when it is outside the
 * subset; PT_ENOMEM. Caller frees with pt_pq_free. */
int pt_pq_compile(struct pt_pq **out, const char *tmpl, const char *node_label,
		struct pt_error *err) PT_WUR;
void pt_pq_free(struct pt_pq *q);

/* The template's selectors, in the order they appear. */
size_t pt_pq_nsels(const struct pt_pq *q);
const struct pt_pq_sel *pt_pq_sel(const struct pt_pq *q, size_t i);

/* Whether series labels satisfy every matcher of sel (a missing label is ""). */
bool pt_pq_sel_match(const struct pt_pq_sel *sel, const struct pt_label *labels, size_t n);

/* Appends s as the inside of a PromQL string: backslash, quote and line
 * break escaped. */
int pt_pq_escape(struct pt_buf *out, const char *s, struct pt_error *err) PT_WUR;

/* Appends sel as PromQL, without the closing brace nor a range: `{__name__="x",a=~"b",`.
 * The caller adds a node matcher (or nothing), then `}[range]`. */
int pt_pq_sel_format(struct pt_buf *out, const struct pt_pq_sel *sel, struct pt_error *err) PT_WUR;

/* Where evaluation finds the series of selector i (of the template being
 * evaluated): sorted by time, stale markers left out, as a range selector
 * answers. *out stays the source's. */
struct pt_pq_source {
	int (*series)(void *user, size_t sel, const struct pt_series *const **out, size_t *n,
			struct pt_error *err);
	void *user;
};

/* What versions of Prometheus evaluate differently (pt_pq_eval's sem). */
#define PT_PQ_LEFT_OPEN 1u       /* ranges are (t - w, t]: Prometheus 3; else [t - w, t] */
#define PT_PQ_THRESHOLD_FIRST 2u /* rate()'s limit at a counter's zero point applies after
                                    the 1.1-interval threshold: Prometheus >= 2.51
                                    (prometheus/prometheus#13725); before it, first */

/* Evaluates q at t_ms with ${window} = window_ms over src's samples, with
 * the semantics sem (PT_PQ_* flags) of the store's version. *out is a vector result
 * (a scalar one for a scalar expression) shaped as pt_prom_decode gives an
 * instant query's answer. Errors: PT_ENOMEM; PT_ENET for what Prometheus
 * refuses at run time (many-to-many matching). Caller frees *out. */
int pt_pq_eval(struct pt_prom_result **out, const struct pt_pq *q, int64_t t_ms, int64_t window_ms,
		unsigned sem, const struct pt_pq_source *src, struct pt_error *err) PT_WUR;

#endif
