/* promql_eval.c - the PromQL subset of promql.h, evaluated over raw samples as Prometheus' engine does it. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "promql_int.h"
#include "strmap.h"

/* Memory of one evaluation, freed at its end. */
struct arena {
	struct block {
		struct block *next;
		size_t used, size;
		max_align_t data[];
	} *head;
};

static void *arena_alloc(struct arena *a, size_t n)
{
	struct block *b = a->head;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (b == NULL || b->size - b->used < n) {
		size_t size = n > 65536 ? n : 65536;
		if ((b = malloc(sizeof(*b) + size)) == NULL)
			return NULL;
		b->next = a->head;
		b->used = 0;
		b->size = size;
		a->head = b;
	}
	b->used += n;
	return (char *)b->data + b->used - n;
}

static void arena_free(struct arena *a)
{
	while (a->head) {
		struct block *b = a->head;
		a->head = b->next;
		free(b);
	}
}

struct elem {
	const struct pt_label *l; /* sorted by name */
	size_t nl;
	double v;
};

struct value {
	bool scalar;
	double s;
	struct elem *e;
	size_t n;
};

struct eval {
	const struct pt_pq *q;
	int64_t t, w;
	unsigned sem;      /* PT_PQ_* */
	const struct pt_pq_source *src;
	struct arena arena;
	struct pt_buf key;
	struct pt_error *err;
};

static int cmp_label(const void *a, const void *b)
{
	return strcmp(((const struct pt_label *)a)->name, ((const struct pt_label *)b)->name);
}

/* Labels of a series, sorted, without the name unless keep_name. */
static int elem_labels(struct eval *ev, struct elem *e, const struct pt_label *l, size_t n,
		bool keep_name)
{
	struct pt_label *c = arena_alloc(&ev->arena, (n ? n : 1) * sizeof(*c));
	size_t i, k = 0;

	if (c == NULL)
		return pt_error_oom(ev->err);
	for (i = 0; i < n; i++)
		if (keep_name || strcmp(l[i].name, "__name__") != 0)
			c[k++] = l[i];
	qsort(c, k, sizeof(*c), cmp_label);
	e->l = c;
	e->nl = k;
	return PT_OK;
}

/* Matching signature: every label but the name. */
static int signature(struct eval *ev, const struct elem *e)
{
	size_t i;
	int rc = PT_OK;

	pt_buf_reset(&ev->key);
	for (i = 0; i < e->nl && rc == PT_OK; i++)
		if (strcmp(e->l[i].name, "__name__") != 0)
			rc = pt_buf_printf(&ev->key, ev->err, "%s\xff%s\xff", e->l[i].name, e->l[i].value);
	if (rc == PT_OK && ev->key.data == NULL)
		rc = pt_buf_append(&ev->key, "", 1, ev->err), ev->key.len = 0;
	return rc;
}

static size_t lower(const struct pt_sample *s, size_t n, int64_t t, bool strict)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strict ? s[mid].t_ms <= t : s[mid].t_ms < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Prometheus' extrapolatedRate over samples s[0..n) of a range (start, end].
 * Prometheus >= 2.51 (threshold_first) cuts the extrapolation to the start
 * at half an interval before limiting it to the counter's zero point
 * (prometheus/prometheus#13725); earlier versions limit it first. */
static bool extrapolated(double *out, const struct pt_sample *s, size_t n, int64_t start,
		int64_t end, bool counter, bool rate, bool threshold_first)
{
	double result, to_start, to_end, sampled, avg, threshold, interval;
	size_t i;

	if (n < 2)
		return false;
	result = s[n - 1].v - s[0].v;
	if (counter)
		for (i = 1; i < n; i++)
			if (s[i].v < s[i - 1].v)
				result += s[i - 1].v;
	to_start = (double)(s[0].t_ms - start) / 1000.0;
	to_end = (double)(end - s[n - 1].t_ms) / 1000.0;
	sampled = (double)(s[n - 1].t_ms - s[0].t_ms) / 1000.0;
	avg = sampled / (double)(n - 1);
	threshold = avg * 1.1;
	if (threshold_first && to_start >= threshold)
		to_start = avg / 2;
	if (counter && result > 0 && s[0].v >= 0) {
		double to_zero = sampled * (s[0].v / result);
		if (to_zero < to_start)
			to_start = to_zero;
	}
	interval = sampled;
	interval += to_start < threshold ? to_start : avg / 2;
	interval += to_end < threshold ? to_end : avg / 2;
	result *= interval / sampled;
	if (rate)
		result /= (double)(end - start) / 1000.0;
	*out = result;
	return true;
}

/* An average that reached an infinity keeps it when x is the same infinity
 * or finite, as Prometheus' running means do (Inf - Inf would be NaN). */
static bool mean_stays(double mean, double x)
{
	return isinf(mean) && (isinf(x) ? (mean > 0) == (x > 0) : !isnan(x));
}

/* Kahan-Neumaier summation, as Prometheus' kahanSumInc. */
static double neumaier(const struct pt_sample *s, size_t n)
{
	double v = 0, c = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double t = v + s[i].v;
		if (isinf(t))
			c = 0;
		else if (fabs(v) >= fabs(s[i].v))
			c += (v - t) + s[i].v;
		else
			c += (s[i].v - t) + v;
		v = t;
	}
	return isinf(v) ? v : v + c;
}

static bool any_inf(const struct pt_sample *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (isinf(s[i].v))
			return true;
	return false;
}

static bool range_value(double *out, int fn, const struct pt_sample *s, size_t n, int64_t start,
		int64_t end, bool threshold_first)
{
	double v;
	size_t i;

	switch (fn) {
	case R_RATE: return extrapolated(out, s, n, start, end, true, true, threshold_first);
	case R_INCREASE: return extrapolated(out, s, n, start, end, true, false, threshold_first);
	case R_DELTA: return extrapolated(out, s, n, start, end, false, false, threshold_first);
	default: break;
	}
	if (n == 0)
		return false;
	switch (fn) {
	case R_AVG:
		/* The compensated sum over n: Prometheus' running mean to the last
		 * bits, without its two divisions a sample. A sum that overflows
		 * where no sample is infinite takes the running mean instead. */
		v = neumaier(s, n);
		if (isinf(v) && !any_inf(s, n)) {
			v = s[0].v;
			for (i = 1; i < n; i++) {
				if (mean_stays(v, s[i].v))
					continue;
				v += s[i].v / (double)(i + 1) - v / (double)(i + 1);
			}
		} else {
			v /= (double)n;
		}
		break;
	case R_SUM:
		v = neumaier(s, n);
		break;
	case R_MIN:
		v = s[0].v;
		for (i = 1; i < n; i++)
			if (s[i].v < v || isnan(v))
				v = s[i].v;
		break;
	case R_MAX:
		v = s[0].v;
		for (i = 1; i < n; i++)
			if (s[i].v > v || isnan(v))
				v = s[i].v;
		break;
	case R_COUNT: v = (double)n; break;
	default: v = s[n - 1].v; break; /* R_LAST */
	}
	*out = v;
	return true;
}

static int eval(struct eval *ev, const struct node *n, struct value *out);

static int eval_range(struct eval *ev, const struct node *n, struct value *out)
{
	const struct pt_series *const *ser;
	size_t ns = 0, i, k = 0;
	int64_t start = ev->t - ev->w;
	int rc;

	if ((rc = ev->src->series(ev->src->user, n->sel, &ser, &ns, ev->err)) != PT_OK)
		return rc;
	if ((out->e = arena_alloc(&ev->arena, (ns ? ns : 1) * sizeof(*out->e))) == NULL)
		return pt_error_oom(ev->err);
	for (i = 0; i < ns; i++) {
		const struct pt_series *s = ser[i];
		size_t a = lower(s->samples, s->nsamples, start, (ev->sem & PT_PQ_LEFT_OPEN) != 0);
		size_t b = lower(s->samples, s->nsamples, ev->t, true);
		double v;

		if (b <= a || !range_value(&v, n->op, s->samples + a, b - a, start, ev->t,
				(ev->sem & PT_PQ_THRESHOLD_FIRST) != 0))
			continue;
		if ((rc = elem_labels(ev, &out->e[k], s->labels, s->nlabels, n->op == R_LAST)) != PT_OK)
			return rc;
		out->e[k++].v = v;
	}
	out->n = k;
	/* Series of several metrics (a regex on the name) that differ only by
	 * the name it drops: Prometheus refuses the query, and so does this. */
	if (k > 1 && n->op != R_LAST && ev->q->sels[n->sel].name == NULL) {
		struct pt_strmap seen = {0};
		for (i = 0; i < k && rc == PT_OK; i++) {
			bool added;
			if ((rc = signature(ev, &out->e[i])) != PT_OK)
				break;
			if (pt_strmap_put(&seen, ev->key.data, &added) == PT_STRMAP_NONE)
				rc = pt_error_oom(ev->err);
			else if (!added)
				rc = pt_error_set(ev->err, PT_ENET,
						"PromQL: vector cannot contain metrics with the same labelset");
		}
		pt_strmap_free(&seen);
	}
	return rc;
}

static double arith(int op, double a, double b)
{
	switch (op) {
	case B_ADD: return a + b;
	case B_SUB: return a - b;
	case B_MUL: return a * b;
	case B_DIV: return a / b;
	default: return fmod(a, b);
	}
}

static int eval_bin(struct eval *ev, const struct node *n, struct value *out)
{
	struct value l, r;
	struct pt_strmap rsig = {0};
	size_t i, k = 0, j;
	int rc;

	memset(&l, 0, sizeof(l));
	memset(&r, 0, sizeof(r));
	if ((rc = eval(ev, n->a, &l)) != PT_OK || (rc = eval(ev, n->b, &r)) != PT_OK)
		return rc;
	if (n->op <= B_UNLESS && (l.scalar || r.scalar))
		return pt_error_set(ev->err, PT_ENET, "PromQL: set operator with a scalar");
	if (l.scalar && r.scalar) {
		out->scalar = true;
		out->s = arith(n->op, l.s, r.s);
		return PT_OK;
	}
	if (l.scalar || r.scalar) {
		const struct value *v = l.scalar ? &r : &l;
		if ((out->e = arena_alloc(&ev->arena, (v->n ? v->n : 1) * sizeof(*out->e))) == NULL)
			return pt_error_oom(ev->err);
		for (i = 0; i < v->n; i++) {
			if ((rc = elem_labels(ev, &out->e[i], v->e[i].l, v->e[i].nl, false)) != PT_OK)
				return rc;
			out->e[i].v = l.scalar ? arith(n->op, l.s, v->e[i].v) : arith(n->op, v->e[i].v, r.s);
		}
		out->n = v->n;
		return PT_OK;
	}
	/* Vector and vector: one-to-one on every label but the name. */
	if ((out->e = arena_alloc(&ev->arena, (l.n + r.n + 1) * sizeof(*out->e))) == NULL)
		return pt_error_oom(ev->err);
	for (j = 0; j < r.n; j++) {
		bool added;
		if ((rc = signature(ev, &r.e[j])) != PT_OK)
			goto out;
		if (pt_strmap_put(&rsig, ev->key.data, &added) == PT_STRMAP_NONE) {
			rc = pt_error_oom(ev->err);
			goto out;
		}
		if (!added && n->op > B_UNLESS) {
			rc = pt_error_set(ev->err, PT_ENET, "PromQL: many-to-many matching not allowed");
			goto out;
		}
	}
	{
		struct pt_strmap lsig = {0};
		for (i = 0; i < l.n && rc == PT_OK; i++) {
			bool added;
			if ((rc = signature(ev, &l.e[i])) != PT_OK)
				break;
			j = pt_strmap_get(&rsig, ev->key.data);
			if (n->op == B_OR || n->op == B_AND || n->op == B_UNLESS) {
				if (n->op == B_OR && pt_strmap_put(&lsig, ev->key.data, NULL) == PT_STRMAP_NONE)
					rc = pt_error_oom(ev->err);
				if (n->op == B_OR || (n->op == B_AND) == (j != PT_STRMAP_NONE))
					out->e[k++] = l.e[i];
				continue;
			}
			if (j == PT_STRMAP_NONE)
				continue;
			/* Many-to-one would need group_left. */
			if (pt_strmap_put(&lsig, ev->key.data, &added) == PT_STRMAP_NONE) {
				rc = pt_error_oom(ev->err);
				break;
			}
			if (!added) {
				rc = pt_error_set(ev->err, PT_ENET, "PromQL: many-to-one matching needs group_left");
				break;
			}
			if ((rc = elem_labels(ev, &out->e[k], l.e[i].l, l.e[i].nl, false)) != PT_OK)
				break;
			out->e[k++].v = arith(n->op, l.e[i].v, r.e[j].v);
		}
		for (j = 0; j < r.n && rc == PT_OK && n->op == B_OR; j++) {
			if ((rc = signature(ev, &r.e[j])) != PT_OK)
				break;
			if (pt_strmap_get(&lsig, ev->key.data) == PT_STRMAP_NONE)
				out->e[k++] = r.e[j];
		}
		pt_strmap_free(&lsig);
	}
	out->n = k;
out:
	pt_strmap_free(&rsig);
	return rc;
}

static int eval_agg(struct eval *ev, const struct node *n, struct value *out)
{
	struct value in;
	struct pt_strmap groups = {0};
	double *cnt = NULL;
	size_t i, j, g;
	int rc;

	memset(&in, 0, sizeof(in));
	if ((rc = eval(ev, n->a, &in)) != PT_OK)
		return rc;
	if (in.scalar)
		return pt_error_set(ev->err, PT_ENET, "PromQL: aggregation of a scalar");
	if ((out->e = arena_alloc(&ev->arena, (in.n ? in.n : 1) * sizeof(*out->e))) == NULL ||
			(cnt = arena_alloc(&ev->arena, (in.n ? in.n : 1) * sizeof(*cnt))) == NULL)
		return pt_error_oom(ev->err);
	for (i = 0; i < in.n && rc == PT_OK; i++) {
		const struct elem *e = &in.e[i];
		bool added;

		pt_buf_reset(&ev->key);
		for (j = 0; j < n->nlabels && rc == PT_OK; j++)
			rc = pt_buf_printf(&ev->key, ev->err, "%s\xff", pt_pq_label_of(e->l, e->nl, n->labels[j]));
		if (rc == PT_OK && ev->key.data == NULL)
			rc = pt_buf_append(&ev->key, "", 1, ev->err);
		if (rc != PT_OK)
			break;
		if ((g = pt_strmap_put(&groups, ev->key.data, &added)) == PT_STRMAP_NONE) {
			rc = pt_error_oom(ev->err);
			break;
		}
		if (added) {
			struct pt_label *l = arena_alloc(&ev->arena, (n->nlabels ? n->nlabels : 1) * sizeof(*l));
			size_t k = 0;
			if (l == NULL) {
				rc = pt_error_oom(ev->err);
				break;
			}
			for (j = 0; j < n->nlabels; j++) {
				const char *v = pt_pq_label_of(e->l, e->nl, n->labels[j]);
				if (*v) {
					l[k].name = n->labels[j];
					l[k++].value = (char *)v;
				}
			}
			qsort(l, k, sizeof(*l), cmp_label);
			out->e[g].l = l;
			out->e[g].nl = k;
			out->e[g].v = n->op == A_COUNT ? 1 : e->v;
			cnt[g] = 1;
			continue;
		}
		cnt[g] += 1;
		switch (n->op) {
		case A_SUM: out->e[g].v += e->v; break;
		case A_AVG:
			if (!mean_stays(out->e[g].v, e->v))
				out->e[g].v += e->v / cnt[g] - out->e[g].v / cnt[g];
			break;
		case A_MIN: if (out->e[g].v > e->v || isnan(out->e[g].v)) out->e[g].v = e->v; break;
		case A_MAX: if (out->e[g].v < e->v || isnan(out->e[g].v)) out->e[g].v = e->v; break;
		default: out->e[g].v += 1; break;
		}
	}
	out->n = groups.n;
	pt_strmap_free(&groups);
	return rc;
}

/* label_replace's replacement expanded from the match as Go's Regexp.Expand:
 * $$ is $; $name or ${name} (letters, digits, _) is group name when a number
 * without a leading zero, else a named group (none in POSIX: empty), so
 * "$1x" is empty; a $ without a name is kept. */
static int expand(struct eval *ev, const char *repl, const char *v, const regmatch_t *m,
		char **out)
{
	struct pt_buf b = {0};
	const char *p;
	int rc = PT_OK;

	for (p = repl; *p && rc == PT_OK; p++) {
		const char *name;
		size_t len = 0, i;
		bool brace;
		long g = 0;

		if (*p != '$' || p[1] == '$') {
			rc = pt_buf_append(&b, p, 1, ev->err);
			p += *p == '$';
			continue;
		}
		brace = p[1] == '{';
		name = p + 1 + brace;
		while (isalnum((unsigned char)name[len]) || name[len] == '_')
			len++;
		if (len == 0 || (brace && name[len] != '}')) {
			rc = pt_buf_append(&b, p, 1, ev->err);
			continue;
		}
		p = name + len + brace - 1;
		for (i = 0; i < len && g >= 0; i++)
			g = isdigit((unsigned char)name[i]) && g < 100000000 ? g * 10 + (name[i] - '0') : -1;
		if (name[0] == '0' && len > 1)
			g = -1;
		/* Group 1 of ours is the whole expression's anchoring group. */
		if (g >= 0 && g + 1 < 10 && m[g + 1].rm_so >= 0)
			rc = pt_buf_append(&b, v + m[g + 1].rm_so, (size_t)(m[g + 1].rm_eo - m[g + 1].rm_so),
					ev->err);
	}
	if (rc == PT_OK) {
		char *s = arena_alloc(&ev->arena, b.len + 1);
		if (s == NULL)
			rc = pt_error_oom(ev->err);
		else {
			memcpy(s, b.data ? b.data : "", b.len);
			s[b.len] = '\0';
			*out = s;
		}
	}
	pt_buf_free(&b);
	return rc;
}

static int eval_lreplace(struct eval *ev, const struct node *n, struct value *out)
{
	size_t i, j;
	int rc;

	if ((rc = eval(ev, n->a, out)) != PT_OK)
		return rc;
	if (out->scalar)
		return pt_error_set(ev->err, PT_ENET, "PromQL: label_replace of a scalar");
	for (i = 0; i < out->n; i++) {
		struct elem *e = &out->e[i];
		const char *v = pt_pq_label_of(e->l, e->nl, n->src);
		regmatch_t m[10];
		struct pt_label *l;
		char *nv = NULL;
		size_t k = 0;

		if (regexec(&n->re, v, 10, m, 0) != 0)
			continue;
		if ((rc = expand(ev, n->repl, v, m, &nv)) != PT_OK)
			return rc;
		if ((l = arena_alloc(&ev->arena, (e->nl + 1) * sizeof(*l))) == NULL)
			return pt_error_oom(ev->err);
		for (j = 0; j < e->nl; j++)
			if (strcmp(e->l[j].name, n->dst) != 0)
				l[k++] = e->l[j];
		if (*nv) {
			l[k].name = n->dst;
			l[k++].value = nv;
		}
		qsort(l, k, sizeof(*l), cmp_label);
		e->l = l;
		e->nl = k;
	}
	return PT_OK;
}

static int eval(struct eval *ev, const struct node *n, struct value *out)
{
	struct value b;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	switch (n->kind) {
	case K_NUM:
		out->scalar = true;
		out->s = n->num;
		return PT_OK;
	case K_RANGE:
		return eval_range(ev, n, out);
	case K_BIN:
		return eval_bin(ev, n, out);
	case K_AGG:
		return eval_agg(ev, n, out);
	case K_LREPLACE:
		return eval_lreplace(ev, n, out);
	default:
		break;
	}
	/* K_NEG, K_ABS, K_CLAMP: element-wise, the name dropped. */
	if ((rc = eval(ev, n->a, out)) != PT_OK)
		return rc;
	memset(&b, 0, sizeof(b));
	if (n->kind == K_CLAMP) {
		if ((rc = eval(ev, n->b, &b)) != PT_OK)
			return rc;
		if (!b.scalar)
			return pt_error_set(ev->err, PT_ENET, "PromQL: clamp bound is not a scalar");
	}
	if (out->scalar) {
		if (n->kind != K_NEG)
			return pt_error_set(ev->err, PT_ENET, "PromQL: function of a scalar");
		out->s = -out->s;
		return PT_OK;
	}
	for (i = 0; i < out->n; i++) {
		struct elem *e = &out->e[i];
		if ((rc = elem_labels(ev, e, e->l, e->nl, false)) != PT_OK)
			return rc;
		if (n->kind == K_NEG)
			e->v = -e->v;
		else if (n->kind == K_ABS)
			e->v = fabs(e->v);
		else if (isnan(e->v) || isnan(b.s))
			e->v = NAN;
		else if (n->op == 0)
			e->v = e->v < b.s ? b.s : e->v;
		else
			e->v = e->v > b.s ? b.s : e->v;
	}
	return PT_OK;
}

/* The value as a decoded answer: labels and one sample per element. */
static int to_result(struct pt_prom_result **out, const struct value *v, int64_t t,
		struct pt_error *err)
{
	struct pt_prom_result *r = calloc(1, sizeof(*r));
	size_t n = v->scalar ? 1 : v->n, i, j;

	if (r == NULL)
		return pt_error_oom(err);
	r->type = v->scalar ? PT_PROM_SCALAR : PT_PROM_VECTOR;
	if (n && (r->series = calloc(n, sizeof(*r->series))) == NULL)
		goto oom;
	r->nseries = n;
	for (i = 0; i < n; i++) {
		struct pt_series *s = &r->series[i];
		size_t nl = v->scalar ? 0 : v->e[i].nl;

		if ((s->samples = malloc(sizeof(*s->samples))) == NULL)
			goto oom;
		s->nsamples = 1;
		s->samples[0].t_ms = t;
		s->samples[0].v = v->scalar ? v->s : v->e[i].v;
		if (nl && (s->labels = calloc(nl, sizeof(*s->labels))) == NULL)
			goto oom;
		for (j = 0; j < nl; j++) {
			s->nlabels = j + 1;
			if ((s->labels[j].name = strdup(v->e[i].l[j].name)) == NULL ||
					(s->labels[j].value = strdup(v->e[i].l[j].value)) == NULL)
				goto oom;
		}
	}
	*out = r;
	return PT_OK;
oom:
	pt_prom_result_free(r);
	return pt_error_oom(err);
}

int pt_pq_eval(struct pt_prom_result **out, const struct pt_pq *q, int64_t t_ms, int64_t window_ms,
		unsigned sem, const struct pt_pq_source *src, struct pt_error *err)
{
	struct eval ev;
	struct value v;
	int rc;

	*out = NULL;
	memset(&ev, 0, sizeof(ev));
	ev.q = q;
	ev.t = t_ms;
	ev.w = window_ms;
	ev.sem = sem;
	ev.src = src;
	ev.err = err;
	if ((rc = eval(&ev, q->root, &v)) == PT_OK)
		rc = to_result(out, &v, t_ms, err);
	arena_free(&ev.arena);
	pt_buf_free(&ev.key);
	return rc;
}
