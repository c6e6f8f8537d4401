/* raw.c - raw samples of a query set's selectors, fetched per span and indexed by node, and report's questions answered from them by local evaluation. */
#include "raw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "promql.h"
#include "queryset.h"
#include "series.h"
#include "strmap.h"
#include "timefmt.h"

/* A distinct selector: the first template's, with the label naming its node. */
struct key {
	const struct pt_pq_sel *sel;
	const char *label;
	size_t group;
	bool absent;   /* its metric has no data in the batch's span (pt_raw_set_survey) */
};

/* Selectors fetched together in union mode: same node label, same use of
 * ${node_matcher}. */
struct group {
	const char *label;
	bool node_matcher;
	struct pt_buf names; /* alternatives of the metric names' regex */
	size_t nactive;      /* its keys not absent */
};

struct pt_raw_set {
	const struct pt_ctx *ctx;
	unsigned sem;             /* PT_PQ_* */
	struct pt_pq **pq;        /* per query-set entry */
	bool *counter;            /* per entry: a counter template (pt_series_is_counter) */
	size_t **keyof;           /* per entry, per selector: its key */
	struct key *keys;
	size_t nkeys;
	struct group *groups;
	size_t ngroups;
	bool can_union;
	size_t nactive;           /* keys not absent */
};

void pt_raw_set_free(struct pt_raw_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; set->pq && i < set->ctx->qs->n; i++) {
		pt_pq_free(set->pq[i]);
		free(set->keyof[i]);
	}
	for (i = 0; i < set->ngroups; i++)
		pt_buf_free(&set->groups[i].names);
	free(set->pq);
	free(set->counter);
	free(set->keyof);
	free(set->keys);
	free(set->groups);
	free(set);
}

static int add_group(struct pt_raw_set *set, const struct pt_pq_sel *sel, const char *label,
		size_t *out, struct pt_error *err)
{
	struct group *g;
	size_t i;

	for (i = 0; i < set->ngroups; i++)
		if (strcmp(set->groups[i].label, label) == 0 && set->groups[i].node_matcher == sel->node_matcher)
			break;
	if (i == set->ngroups) {
		if ((g = realloc(set->groups, (i + 1) * sizeof(*g))) == NULL)
			return pt_error_oom(err);
		set->groups = g;
		memset(&g[i], 0, sizeof(g[i]));
		g[i].label = label;
		g[i].node_matcher = sel->node_matcher;
		set->ngroups++;
	}
	*out = i;
	return PT_OK;
}

/* The matcher on __name__ by regex, or NULL. */
static const struct pt_pq_matcher *name_regex(const struct pt_pq_sel *sel)
{
	size_t m;

	for (m = 0; m < sel->nm; m++)
		if (strcmp(sel->m[m].name, "__name__") == 0 && sel->m[m].op == PT_PQ_RE)
			return &sel->m[m];
	return NULL;
}

/* Each group's regex of metric names, from its keys that are not absent. */
static int build_groups(struct pt_raw_set *set, struct pt_error *err)
{
	size_t i;
	int rc = PT_OK;

	set->can_union = true;
	set->nactive = 0;
	for (i = 0; i < set->ngroups; i++) {
		pt_buf_reset(&set->groups[i].names);
		set->groups[i].nactive = 0;
	}
	for (i = 0; i < set->nkeys && rc == PT_OK; i++) {
		const struct key *k = &set->keys[i];
		struct group *g = &set->groups[k->group];
		const struct pt_pq_matcher *re;

		if (k->absent)
			continue;
		set->nactive++;
		g->nactive++;
		if (k->sel->name)
			rc = pt_buf_printf(&g->names, err, "%s%s", g->names.len ? "|" : "", k->sel->name);
		else if ((re = name_regex(k->sel)) != NULL)
			rc = pt_buf_printf(&g->names, err, "%s(%s)", g->names.len ? "|" : "", re->value);
		else
			set->can_union = false;
	}
	return rc;
}


int pt_raw_set_new(struct pt_raw_set **out, const struct pt_ctx *ctx, unsigned sem,
		struct pt_error *err)
{
	struct pt_raw_set *set = calloc(1, sizeof(*set));
	struct pt_strmap seen = {0};
	struct pt_buf text = {0};
	size_t n = ctx->qs->n, i, j;
	int rc = PT_OK;

	*out = NULL;
	if (set == NULL)
		return pt_error_oom(err);
	set->ctx = ctx;
	set->sem = sem;
	set->can_union = true;
	if ((set->pq = calloc(n ? n : 1, sizeof(*set->pq))) == NULL ||
			(set->counter = calloc(n ? n : 1, sizeof(*set->counter))) == NULL ||
			(set->keyof = calloc(n ? n : 1, sizeof(*set->keyof))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	for (i = 0; i < n && rc == PT_OK; i++) {
		const struct pt_query *q = &ctx->qs->items[i];
		const char *label = q->node_label ? q->node_label : ctx->cfg->node_label;
		size_t ns;

		if ((rc = pt_pq_compile(&set->pq[i], q->tmpl, label, err)) != PT_OK) {
			char detail[sizeof(err->msg)];
			memcpy(detail, err->msg, sizeof(detail));
			if (rc == PT_EUSAGE)
				pt_error_set(err, rc, "query for %s (line %d): %s", pt_quantity_name(q->quantity),
						q->line, detail);
			break;
		}
		set->counter[i] = pt_series_is_counter(q->tmpl);
		ns = pt_pq_nsels(set->pq[i]);
		if ((set->keyof[i] = calloc(ns ? ns : 1, sizeof(**set->keyof))) == NULL) {
			rc = pt_error_oom(err);
			break;
		}
		for (j = 0; j < ns && rc == PT_OK; j++) {
			const struct pt_pq_sel *sel = pt_pq_sel(set->pq[i], j);
			bool added;
			size_t k;

			pt_buf_reset(&text);
			if ((rc = pt_pq_sel_format(&text, sel, err)) != PT_OK ||
					(rc = pt_buf_printf(&text, err, "|%s|%d", label, sel->node_matcher)) != PT_OK)
				break;
			if ((k = pt_strmap_put(&seen, text.data, &added)) == PT_STRMAP_NONE) {
				rc = pt_error_oom(err);
				break;
			}
			if (added) {
				struct key *keys = realloc(set->keys, (k + 1) * sizeof(*keys));
				if (keys == NULL) {
					rc = pt_error_oom(err);
					break;
				}
				set->keys = keys;
				memset(&keys[k], 0, sizeof(keys[k]));
				keys[k].sel = sel;
				keys[k].label = label;
				set->nkeys = k + 1;
				rc = add_group(set, sel, label, &keys[k].group, err);
			}
			set->keyof[i][j] = k;
		}
	}
	if (rc == PT_OK)
		rc = build_groups(set, err);
out:
	pt_strmap_free(&seen);
	pt_buf_free(&text);
	if (rc != PT_OK) {
		pt_raw_set_free(set);
		return rc;
	}
	*out = set;
	return PT_OK;
}

/* Leaves out the keys whose metric is not among names. */
static int prune(struct pt_raw_set *set, char **names, size_t n, struct pt_error *err)
{
	struct pt_strmap have = {0};
	size_t i, j;
	int rc = PT_OK;

	for (i = 0; i < n && rc == PT_OK; i++)
		if (pt_strmap_put(&have, names[i], NULL) == PT_STRMAP_NONE)
			rc = pt_error_oom(err);
	for (i = 0; i < set->nkeys && rc == PT_OK; i++) {
		struct key *k = &set->keys[i];
		const struct pt_pq_matcher *re;

		if (k->sel->name)
			k->absent = pt_strmap_get(&have, k->sel->name) == PT_STRMAP_NONE;
		else if ((re = name_regex(k->sel)) != NULL) {
			k->absent = true;
			for (j = 0; j < n && k->absent; j++)
				k->absent = regexec(&re->re, names[j], 0, NULL, 0) != 0;
		}
	}
	if (rc == PT_OK)
		rc = build_groups(set, err);
	pt_strmap_free(&have);
	return rc;
}

/* The mean over the nodes of a "count by (label)" answer. */
static double mean_count(const char *body, size_t len, long status)
{
	struct pt_prom_result *res = NULL;
	struct pt_error e = {0, ""};
	double sum = 0;
	size_t k, n = 0;

	if (pt_prom_decode(&res, body, len, status, &e) != PT_OK)
		return -1;
	for (k = 0; k < res->nseries; k++)
		if (res->series[k].nsamples == 1 && res->series[k].samples[0].v > 0) {
			sum += res->series[k].samples[0].v;
			n++;
		}
	pt_prom_result_free(res);
	return n ? sum / (double)n : 0;
}

int pt_raw_set_survey(struct pt_raw_set *set, struct pt_ctx *ctx, int64_t a_ms, int64_t b_ms,
		double *per_node, struct pt_error *err)
{
	struct pt_http_req *reqs = NULL;
	struct pt_buf *forms = NULL, url = {0}, qurl = {0}, q = {0}, quoted = {0};
	size_t nreq = 1, i, g;
	char **names = NULL;
	size_t nnames = 0;
	int rc;

	*per_node = 0;
	if ((reqs = calloc(set->ngroups + 1, sizeof(*reqs))) == NULL ||
			(forms = calloc(set->ngroups + 1, sizeof(*forms))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	if ((rc = pt_prom_metric_names_url(&url, ctx->prom, a_ms, b_ms, err)) != PT_OK ||
			(rc = pt_prom_url(&qurl, ctx->prom, "/api/v1/query", err)) != PT_OK)
		goto out;
	reqs[0].url = url.data;
	/* Series per node: every series of the selectors' names (an upper bound
	 * of what a fetch holds), counted per node at the span's end. */
	for (g = 0; g < set->ngroups && set->can_union; g++) {
		const struct group *gr = &set->groups[g];
		if (gr->nactive == 0 || !gr->node_matcher)
			continue;
		pt_buf_reset(&q);
		pt_buf_reset(&quoted);
		if ((rc = pt_pq_escape(&quoted, gr->names.data ? gr->names.data : "", err)) != PT_OK ||
				(rc = pt_buf_printf(&q, err, "count by (%s) ({__name__=~\"%s\",%s=~\".+\"})",
					gr->label, quoted.data ? quoted.data : "", gr->label)) != PT_OK ||
				(rc = pt_prom_query_form(&forms[nreq], q.data, b_ms, err)) != PT_OK)
			goto out;
		reqs[nreq].url = qurl.data;
		reqs[nreq].form = forms[nreq].data;
		nreq++;
	}
	/* Both at once: the count is the slow one, the names come with it. */
	if ((rc = pt_http_multi(pt_prom_http(ctx->prom), reqs, nreq, (int)nreq, NULL, NULL, err)) != PT_OK)
		goto out;
	for (i = 1; i < nreq; i++) {
		double m = reqs[i].err.code == PT_OK ?
			mean_count(reqs[i].body.data ? reqs[i].body.data : "", reqs[i].body.len, reqs[i].status) : -1;
		if (m < 0) {
			*per_node = 0; /* not known: the caller guesses */
			break;
		}
		*per_node += m;
	}
	/* A store without the names (no such endpoint) keeps every selector. */
	if (reqs[0].err.code == PT_OK && pt_prom_metric_names_decode(&names, &nnames,
			reqs[0].body.data ? reqs[0].body.data : "", reqs[0].body.len, reqs[0].status, url.data,
			err) == PT_OK)
		rc = prune(set, names, nnames, err);
	else if (err->code == PT_ENOMEM)
		rc = PT_ENOMEM;
	else {
		err->code = PT_OK;
		err->msg[0] = '\0';
	}
out:
	for (i = 0; names && i < nnames; i++)
		free(names[i]);
	free(names);
	for (i = 0; reqs && forms && i <= set->ngroups; i++) {
		pt_buf_free(&reqs[i].body);
		pt_buf_free(&forms[i]);
	}
	free(reqs);
	free(forms);
	pt_buf_free(&url);
	pt_buf_free(&qurl);
	pt_buf_free(&q);
	pt_buf_free(&quoted);
	return rc;
}

size_t pt_raw_set_selectors(const struct pt_raw_set *set)
{
	return set->nactive;
}

size_t pt_raw_set_union_requests(const struct pt_raw_set *set)
{
	size_t i, n = 0;

	for (i = 0; i < set->ngroups && set->can_union; i++)
		n += set->groups[i].nactive > 0;
	return set->can_union ? n : 0;
}

/* ---- one span's samples ---- */

struct ent {
	const struct pt_series *s;
	size_t next;
};

struct kidx {
	struct pt_strmap nodes;
	size_t *head;                  /* per node: first entry */
	const struct pt_series **all;  /* every series, in arrival order */
	size_t nall, allcap;
};

struct pt_raw {
	const struct pt_raw_set *set;
	struct pt_prom_result **res;
	size_t nres, rescap;
	struct kidx *k;                /* per key */
	struct ent *ent;
	size_t nent, entcap;
	size_t samples, requests;
	struct pt_buf warnings;
	bool failed;                   /* a request of it failed: incomplete */
};

void pt_raw_free(struct pt_raw *raw)
{
	size_t i;

	if (raw == NULL)
		return;
	for (i = 0; i < raw->nres; i++)
		pt_prom_result_free(raw->res[i]);
	for (i = 0; raw->k && i < raw->set->nkeys; i++) {
		pt_strmap_free(&raw->k[i].nodes);
		free(raw->k[i].head);
		free(raw->k[i].all);
	}
	free(raw->res);
	free(raw->k);
	free(raw->ent);
	pt_buf_free(&raw->warnings);
	free(raw);
}

size_t pt_raw_samples(const struct pt_raw *raw)
{
	return raw->samples;
}

size_t pt_raw_requests(const struct pt_raw *raw)
{
	return raw->requests;
}

bool pt_raw_failed(const struct pt_raw *raw)
{
	return raw->failed;
}

const char *pt_raw_warnings(const struct pt_raw *raw)
{
	return raw->warnings.len ? raw->warnings.data : NULL;
}

/* Series s into key k's index. */
static int index_series(struct pt_raw *raw, size_t k, const struct pt_series *s,
		struct pt_error *err)
{
	const struct pt_raw_set *set = raw->set;
	struct kidx *x = &raw->k[k];
	const char *value;
	char node[256];
	size_t ni;
	bool added;

	if (x->nall == x->allcap) {
		size_t cap = x->allcap ? x->allcap * 2 : 64;
		const struct pt_series **a = realloc(x->all, cap * sizeof(*a));
		if (a == NULL)
			return pt_error_oom(err);
		x->all = a;
		x->allcap = cap;
	}
	x->all[x->nall++] = s;
	if (!set->keys[k].sel->node_matcher)
		return PT_OK;
	if ((value = pt_series_label(s, set->keys[k].label)) == NULL || *value == '\0')
		return PT_OK;
	pt_node_name(node, sizeof(node), value, set->ctx->cfg->strip_port);
	if ((ni = pt_strmap_put(&x->nodes, node, &added)) == PT_STRMAP_NONE)
		return pt_error_oom(err);
	if (added) {
		size_t *h = realloc(x->head, x->nodes.n * sizeof(*h));
		if (h == NULL)
			return pt_error_oom(err);
		x->head = h;
		h[ni] = PT_STRMAP_NONE;
	}
	if (raw->nent == raw->entcap) {
		size_t cap = raw->entcap ? raw->entcap * 2 : 256;
		struct ent *e = realloc(raw->ent, cap * sizeof(*e));
		if (e == NULL)
			return pt_error_oom(err);
		raw->ent = e;
		raw->entcap = cap;
	}
	raw->ent[raw->nent].s = s;
	raw->ent[raw->nent].next = x->head[ni];
	x->head[ni] = raw->nent++;
	return PT_OK;
}

/* One request of a fetch: which store and which key (or group, in union mode). */
struct req {
	struct pt_raw *raw;
	size_t key;       /* exact mode */
	size_t group;     /* union mode */
	bool use_union;
};

struct fetch {
	struct pt_ctx *ctx;
	struct pt_error err;
};

/* Keeps answer res in raw (freed with it, or here if it cannot be kept) and
 * indexes its series under the keys they answer. */
static int absorb(struct pt_raw *raw, const struct req *rq, struct pt_prom_result *res,
		struct pt_error *err)
{
	const struct pt_raw_set *set = raw->set;
	size_t i, k;
	int rc = PT_OK;

	if (raw->nres == raw->rescap) {
		size_t cap = raw->rescap ? raw->rescap * 2 : 16;
		struct pt_prom_result **r = realloc(raw->res, cap * sizeof(*r));
		if (r == NULL) {
			pt_prom_result_free(res);
			return pt_error_oom(err);
		}
		raw->res = r;
		raw->rescap = cap;
	}
	raw->res[raw->nres++] = res;
	for (i = 0; i < res->nseries && rc == PT_OK; i++) {
		const struct pt_series *s = &res->series[i];

		raw->samples += s->nsamples;
		if (!rq->use_union) {
			rc = index_series(raw, rq->key, s, err);
			continue;
		}
		for (k = 0; k < set->nkeys && rc == PT_OK; k++)
			if (set->keys[k].group == rq->group && !set->keys[k].absent &&
					pt_pq_sel_match(set->keys[k].sel, s->labels, s->nlabels))
				rc = index_series(raw, k, s, err);
	}
	return rc;
}

/* A failed request: its store is incomplete; the first failure is the one told. */
static void fetch_failed(struct fetch *f, const struct req *rq, int code, const char *msg)
{
	const struct pt_raw_set *set = rq->raw->set;

	rq->raw->failed = true;
	if (f->err.code != PT_OK && code != PT_ENOMEM)
		return;
	if (rq->use_union)
		pt_error_set(&f->err, code, "raw samples by %s: %s", set->groups[rq->group].label, msg);
	else
		pt_error_set(&f->err, code, "raw samples of %.120s: %s",
				set->keys[rq->key].sel->name ? set->keys[rq->key].sel->name : "a selector", msg);
}

static void fetch_done(struct pt_http_req *r, void *user)
{
	struct fetch *f = user;
	const struct req *rq = r->user;
	struct pt_prom_result *res = NULL;
	struct pt_error e = {0, ""};

	if (rq->raw->failed) {
		/* its store is incomplete already */
	} else if (r->err.code != PT_OK) {
		fetch_failed(f, rq, r->err.code, r->err.msg);
	} else if (pt_prom_decode(&res, r->body.data ? r->body.data : "", r->body.len, r->status,
			&e) != PT_OK) {
		fetch_failed(f, rq, e.code, e.msg);
	} else if (pt_ctx_store_warnings(f->ctx, &rq->raw->warnings, res, &e) != PT_OK) {
		fetch_failed(f, rq, e.code, e.msg);
	} else {
		/* The store owns the answer now, also when indexing it fails. */
		if (absorb(rq->raw, rq, res, &e) != PT_OK)
			fetch_failed(f, rq, e.code, e.msg);
		res = NULL;
	}
	pt_prom_result_free(res);
	pt_buf_free(&r->body);
}

/* The PromQL of one request: selector(s) with the span's nodes, ranged over the span. */
static int request_promql(struct pt_buf *q, const struct pt_raw_set *set, const struct req *rq,
		const struct pt_raw_span *sp, struct pt_error *err)
{
	const struct group *g = &set->groups[rq->group];
	bool nm = rq->use_union ? g->node_matcher : set->keys[rq->key].sel->node_matcher;
	const char *label = rq->use_union ? g->label : set->keys[rq->key].label;
	char range[32];
	int rc;

	if (rq->use_union) {
		rc = pt_buf_append(q, "{__name__=~\"", 12, err);
		if (rc == PT_OK)
			rc = pt_pq_escape(q, g->names.data ? g->names.data : "", err);
		if (rc == PT_OK)
			rc = pt_buf_append(q, "\",", 2, err);
	} else {
		rc = pt_pq_sel_format(q, set->keys[rq->key].sel, err);
	}
	if (rc == PT_OK && nm)
		rc = pt_node_matcher(q, label, sp->nodes, sp->nnodes, set->ctx->cfg->strip_port, err);
	pt_duration_format(range, sizeof(range), sp->b_ms - sp->a_ms > 0 ? sp->b_ms - sp->a_ms : 1);
	if (rc == PT_OK)
		rc = pt_buf_printf(q, err, "}[%s]", range);
	return rc;
}

int pt_raw_fetch(struct pt_raw **out, const struct pt_raw_set *set, struct pt_ctx *ctx,
		const struct pt_raw_span *spans, size_t nspans, int concurrency, struct pt_error *err)
{
	struct pt_http_req *reqs = NULL;
	struct req *rqs = NULL;
	struct pt_buf *forms = NULL, url = {0}, promql = {0};
	struct fetch f;
	size_t nreq = 0, cap = 0, i, j;
	int rc = PT_OK;

	memset(out, 0, nspans * sizeof(*out));
	f.ctx = ctx;
	f.err.code = PT_OK;
	f.err.msg[0] = '\0';
	for (i = 0; i < nspans; i++)
		cap += spans[i].use_union && set->can_union ? set->ngroups : set->nkeys;
	if ((reqs = calloc(cap ? cap : 1, sizeof(*reqs))) == NULL ||
			(rqs = calloc(cap ? cap : 1, sizeof(*rqs))) == NULL ||
			(forms = calloc(cap ? cap : 1, sizeof(*forms))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	if ((rc = pt_prom_url(&url, ctx->prom, "/api/v1/query", err)) != PT_OK)
		goto out;
	for (i = 0; i < nspans; i++) {
		bool u = spans[i].use_union && set->can_union;
		size_t n = u ? set->ngroups : set->nkeys;

		if ((out[i] = calloc(1, sizeof(**out))) == NULL ||
				(out[i]->k = calloc(set->nkeys ? set->nkeys : 1, sizeof(*out[i]->k))) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		out[i]->set = set;
		for (j = 0; j < n; j++) {
			struct req *rq = &rqs[nreq];
			/* Metrics without data in the span are not asked for. */
			if (u ? set->groups[j].nactive == 0 : set->keys[j].absent)
				continue;
			rq->raw = out[i];
			rq->use_union = u;
			if (u)
				rq->group = j;
			else {
				rq->key = j;
				rq->group = set->keys[j].group;
			}
			pt_buf_reset(&promql);
			if ((rc = request_promql(&promql, set, rq, &spans[i], err)) != PT_OK ||
					(rc = pt_prom_query_form(&forms[nreq], promql.data, spans[i].b_ms, err)) != PT_OK)
				goto out;
			reqs[nreq].url = url.data;
			reqs[nreq].form = forms[nreq].data;
			reqs[nreq].user = rq;
			out[i]->requests++;
			nreq++;
		}
	}
	rc = pt_http_multi(pt_prom_http(ctx->prom), reqs, nreq, concurrency, fetch_done, &f, err);
	if (rc == PT_OK && f.err.code != PT_OK) {
		*err = f.err;
		rc = err->code;
	}
out:
	for (i = 0; forms && i < cap; i++) {
		pt_buf_free(&forms[i]);
		if (reqs)
			pt_buf_free(&reqs[i].body);
	}
	free(forms);
	free(reqs);
	free(rqs);
	pt_buf_free(&url);
	pt_buf_free(&promql);
	return rc;
}

/* ---- answering report's questions ---- */

struct source {
	const struct pt_raw *raw;
	const struct pt_window *w;
	const size_t *keyof;
	const struct pt_series **tmp;
	size_t tmpcap;
};

static int source_series(void *user, size_t sel, const struct pt_series *const **out, size_t *n,
		struct pt_error *err)
{
	struct source *src = user;
	const struct pt_raw *raw = src->raw;
	size_t k = src->keyof[sel], i, e, m = 0, ni;
	const struct kidx *x = &raw->k[k];

	if (!raw->set->keys[k].sel->node_matcher || src->w->nnodes == 0) {
		*out = x->all;
		*n = x->nall;
		return PT_OK;
	}
	for (i = 0; i < src->w->nnodes; i++) {
		if ((ni = pt_strmap_get(&x->nodes, src->w->nodes[i])) == PT_STRMAP_NONE)
			continue;
		for (e = x->head[ni]; e != PT_STRMAP_NONE; e = raw->ent[e].next) {
			if (m == src->tmpcap) {
				size_t cap = src->tmpcap ? src->tmpcap * 2 : 64;
				const struct pt_series **t = realloc(src->tmp, cap * sizeof(*t));
				if (t == NULL)
					return pt_error_oom(err);
				src->tmp = t;
				src->tmpcap = cap;
			}
			src->tmp[m++] = raw->ent[e].s;
		}
	}
	*out = src->tmp;
	*n = m;
	return PT_OK;
}

/* Whether every selector of entry i has no data in the span (pruned):
 * the subset's expressions of empty vectors are empty. */
static bool item_absent(const struct pt_raw_set *set, size_t i)
{
	size_t j, n = pt_pq_nsels(set->pq[i]);

	for (j = 0; j < n; j++)
		if (!set->keys[set->keyof[i][j]].absent)
			return false;
	return n > 0;
}

int pt_raw_ask(const struct pt_raw *raw, const struct pt_window *w, bool marks,
		int (*fn)(void *user, const struct pt_query *q, const struct pt_prom_result *res,
			struct pt_error *err), void *user, struct pt_error *err)
{
	const struct pt_raw_set *set = raw->set;
	const struct pt_queryset *qs = set->ctx->qs;
	struct source src;
	struct pt_pq_source ps = {source_series, &src};
	size_t pass, i;
	int rc = PT_OK;

	memset(&src, 0, sizeof(src));
	src.raw = raw;
	src.w = w;
	/* As pt_report_ask: the set's order, "up" and "covered" last. */
	for (pass = 0; pass < 2 && rc == PT_OK; pass++) {
		for (i = 0; i < qs->n && rc == PT_OK; i++) {
			const struct pt_query *q = &qs->items[i];
			struct pt_prom_result *res = NULL;

			if (pt_report_is_mark(q->quantity) != (pass == 1) || (!marks && pt_report_is_mark(q->quantity)))
				continue;
			/* Every selector without data in the span: an empty answer. */
			if (item_absent(set, i)) {
				struct pt_prom_result none;
				memset(&none, 0, sizeof(none));
				rc = fn(user, q, &none, err);
				continue;
			}
			src.keyof = set->keyof[i];
			rc = pt_pq_eval(&res, set->pq[i], w->end_ms,
					pt_report_window_of(set->counter[i], w->end_ms - w->start_ms), set->sem, &ps, err);
			if (rc != PT_OK) {
				char detail[sizeof(err->msg)];
				memcpy(detail, err->msg, sizeof(detail));
				pt_error_set(err, rc, "query for %s: %s", pt_quantity_name(q->quantity), detail);
				break;
			}
			rc = fn(user, q, res, err);
			pt_prom_result_free(res);
		}
	}
	free(src.tmp);
	return rc;
}
