/* detect.c - every entry of the query set once at a window's end: which sources answer for which node and device (check --detect). */
#include "detect.h"

#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "strmap.h"

struct dset {
	struct pt_strmap names;
	struct pt_detect_node *nodes;
	size_t n, cap, nitems;
};

static struct pt_detect_node *node_get(struct dset *s, const char *name, bool create)
{
	size_t i = create ? pt_strmap_put(&s->names, name, NULL) : pt_strmap_get(&s->names, name);
	struct pt_detect_node *d;

	if (i == PT_STRMAP_NONE || i > s->n || (i == s->n && !create))
		return NULL;
	if (i < s->n)
		return &s->nodes[i];
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		if ((d = realloc(s->nodes, cap * sizeof(*d))) == NULL)
			return NULL;
		s->nodes = d;
		s->cap = cap;
	}
	d = &s->nodes[s->n];
	memset(d, 0, sizeof(*d));
	if ((d->node = strdup(name)) == NULL || (d->has = calloc(s->nitems + 1, sizeof(bool))) == NULL) {
		free(d->node);
		return NULL;
	}
	s->n++;
	return d;
}

static struct pt_detect_dev *dev_get(struct pt_detect_node *d, const char *dev, size_t nitems)
{
	struct pt_detect_dev *v;
	size_t i;

	for (i = 0; i < d->ndevs; i++)
		if (strcmp(d->devs[i].device, dev) == 0)
			return &d->devs[i];
	if (d->ndevs == d->devs_cap) {
		size_t cap = d->devs_cap ? d->devs_cap * 2 : 4;
		if ((v = realloc(d->devs, cap * sizeof(*v))) == NULL)
			return NULL;
		d->devs = v;
		d->devs_cap = cap;
	}
	v = &d->devs[d->ndevs];
	if ((v->device = strdup(dev)) == NULL)
		return NULL;
	if ((v->has = calloc(nitems + 1, sizeof(bool))) == NULL) {
		free(v->device);
		return NULL;
	}
	d->ndevs++;
	return v;
}

void pt_detect_free(struct pt_detect_node *d, size_t n)
{
	size_t i, j;

	if (d == NULL)
		return;
	for (i = 0; i < n; i++) {
		for (j = 0; j < d[i].ndevs; j++) {
			free(d[i].devs[j].device);
			free(d[i].devs[j].has);
		}
		free(d[i].devs);
		free(d[i].node);
		free(d[i].has);
	}
	free(d);
}

static int cmp_node(const void *a, const void *b)
{
	return strcmp(((const struct pt_detect_node *)a)->node, ((const struct pt_detect_node *)b)->node);
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct pt_detect_dev *)a)->device,
			((const struct pt_detect_dev *)b)->device);
}

struct detect {
	struct pt_ctx *ctx;
	const struct pt_window *w;
	struct dset *set;
	size_t nitems;
};

/* Which nodes (and devices) one entry's answer has data for. */
static int detect_one(void *user, const struct pt_query *q, const struct pt_prom_result *res,
		struct pt_error *err)
{
	struct detect *dt = user;
	const char *label = q->node_label ? q->node_label : dt->ctx->cfg->node_label;
	size_t k;
	int rc = PT_OK;

	for (k = 0; k < res->nseries && rc == PT_OK; k++) {
		const struct pt_series *s = &res->series[k];
		const char *value = pt_series_label(s, label), *dev;
		struct pt_detect_node *d;
		struct pt_detect_dev *v;
		char node[256];

		if (value == NULL || *value == '\0' || s->nsamples == 0)
			continue;
		pt_node_name(node, sizeof(node), value, dt->ctx->cfg->strip_port);
		if ((d = node_get(dt->set, node, dt->w->nnodes == 0)) == NULL) {
			if (dt->w->nnodes == 0)
				rc = pt_error_oom(err);
			continue;
		}
		if (!pt_quantity_is_device(q->quantity)) {
			d->has[q->index] = true;
			continue;
		}
		if ((dev = pt_series_label(s, q->device_label)) == NULL || *dev == '\0')
			continue;
		if ((v = dev_get(d, dev, dt->nitems)) == NULL)
			rc = pt_error_oom(err);
		else
			v->has[q->index] = true;
	}
	return rc;
}

int pt_detect(struct pt_detect_node **out, size_t *nout, struct pt_ctx *ctx,
		const struct pt_window *w, struct pt_error *err)
{
	size_t nitems = ctx->qs->n, i;
	struct dset set = {{0}, NULL, 0, 0, nitems};
	struct detect dt = {ctx, w, &set, nitems};
	int rc = PT_OK;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < w->nnodes; i++)
		if (node_get(&set, w->nodes[i], true) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
	if ((rc = pt_report_ask(ctx, w, false, detect_one, &dt, err)) != PT_OK)
		goto out;
	for (i = 0; i < set.n; i++)
		if (set.nodes[i].ndevs > 1)
			qsort(set.nodes[i].devs, set.nodes[i].ndevs, sizeof(*set.nodes[i].devs), cmp_dev);
	if (w->nnodes == 0 && set.n > 1)
		qsort(set.nodes, set.n, sizeof(*set.nodes), cmp_node);
	*out = set.nodes;
	*nout = set.n;
	set.nodes = NULL;
	set.n = 0;
out:
	pt_detect_free(set.nodes, set.n);
	pt_strmap_free(&set.names);
	return rc;
}

/* The quantity groups a node row shows, with what stands in without a source. */
static const struct {
	const char *name;
	enum pt_quantity group;
	bool measured;  /* a figure the model or the parts' sum stands in for */
} groups[] = {
	{"cpu", PT_Q_CPU_ENERGY, true},
	{"ram", PT_Q_RAM_ENERGY, true},
	{"power", PT_Q_NODE_ENERGY, true},
	{"cpu_util", PT_Q_CPU_UTIL, false},
	{"cpu_info", PT_Q_CPU_INFO, false},
	{"ram_used", PT_Q_RAM_USED, false},
	{"ram_total", PT_Q_RAM_TOTAL, false},
};

static const struct {
	const char *name;
	enum pt_quantity group;
	bool measured;
} dev_groups[] = {
	{"power", PT_Q_GPU_ENERGY, true},
	{"util", PT_Q_GPU_UTIL, false},
	{"info", PT_Q_GPU_INFO, false},
	{"enf_limit", PT_Q_GPU_ENFORCED_LIMIT, false},
	{"limit", PT_Q_GPU_POWER_LIMIT, false},
};

static const char *src_name(const struct pt_query *q)
{
	return q->source ? q->source : "(unnamed)";
}

/* The source a node (device) uses for a measured group, or what stands in. */
static const char *chosen(const struct pt_queryset *qs, const bool *has, enum pt_quantity group,
		bool prefer_measured)
{
	const struct pt_query *best = NULL;
	size_t i;

	for (i = 0; i < qs->n && prefer_measured; i++) {
		const struct pt_query *q = &qs->items[i];
		if (pt_quantity_group(q->quantity) == group && has[i] && (best == NULL || q->prio < best->prio))
			best = q;
	}
	return best ? src_name(best) : group == PT_Q_NODE_ENERGY ? "sum" : "model";
}

/* Counts of one summary line: each name once, in first-seen order. */
struct tally {
	const char *name[32];
	size_t n[32], len;
};

static void tally_add(struct tally *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->len; i++)
		if (strcmp(t->name[i], name) == 0)
			break;
	if (i == t->len) {
		if (t->len == sizeof(t->name) / sizeof(t->name[0]))
			return;
		t->name[t->len] = name;
		t->n[t->len++] = 0;
	}
	t->n[i]++;
}

static void tally_print(FILE *f, const char *what, const struct tally *t)
{
	size_t i;

	fprintf(f, "  %-7s", what);
	for (i = 0; i < t->len; i++)
		fprintf(f, "%s %s %zu", i ? "," : "", t->name[i], t->n[i]);
	fprintf(f, "%s\n", t->len ? "" : " -");
}

/* One line: the sources of a group with data (has), the chosen one starred. */
static void print_group(FILE *f, const struct pt_queryset *qs, const bool *has, const char *what,
		enum pt_quantity group, bool measured, bool prefer_measured, bool node_level)
{
	const struct pt_query *best = NULL;
	size_t i, j, listed = 0, shown = 0;
	bool any_entry = false;

	for (i = 0; i < qs->n; i++) {
		const struct pt_query *q = &qs->items[i];
		if (pt_quantity_group(q->quantity) != group)
			continue;
		any_entry = true;
		if (has[i] && (best == NULL || q->prio < best->prio))
			best = q;
	}
	if (!any_entry)
		return;
	if (measured && !prefer_measured)
		best = NULL;
	fprintf(f, "  %-10s", what);
	/* Each source once (power and energy of one source are one), in file order. */
	for (i = 0; i < qs->n; i++) {
		const struct pt_query *q = &qs->items[i];
		bool dup = false, with = false;

		if (pt_quantity_group(q->quantity) != group)
			continue;
		for (j = 0; j < i; j++)
			if (pt_quantity_group(qs->items[j].quantity) == group && qs->items[j].prio == q->prio)
				dup = true;
		if (dup)
			continue;
		for (j = i; j < qs->n; j++)
			if (pt_quantity_group(qs->items[j].quantity) == group &&
					qs->items[j].prio == q->prio && has[j])
				with = true;
		listed++;
		if (!with)
			continue;
		fprintf(f, " %s%s", src_name(q), best && best->prio == q->prio ? "*" : "");
		shown++;
	}
	if (best == NULL && measured)
		fprintf(f, "%s-> %s", shown ? "  " : " ", group == PT_Q_NODE_ENERGY ? "sum of the parts" :
				!prefer_measured ? "model (prefer_measured: false)" : "model");
	else if (best == NULL)
		fprintf(f, " (none of %zu)", listed);
	fputc('\n', f);
	(void)node_level;
}

void pt_detect_print(FILE *f, const struct pt_queryset *qs, const struct pt_detect_node *d,
		size_t n, bool prefer_measured)
{
	size_t i, j, g;

	fprintf(f, "Sources with data, per node, in the query set's order; * = the one used:\n");
	for (i = 0; i < n; i++) {
		fprintf(f, "\n%s\n", d[i].node);
		for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
			print_group(f, qs, d[i].has, groups[g].name, groups[g].group, groups[g].measured,
					prefer_measured, true);
		for (j = 0; j < d[i].ndevs; j++) {
			char what[64];
			fprintf(f, "  gpu %s\n", d[i].devs[j].device);
			for (g = 0; g < sizeof(dev_groups) / sizeof(dev_groups[0]); g++) {
				snprintf(what, sizeof(what), "  %s", dev_groups[g].name);
				print_group(f, qs, d[i].devs[j].has, what, dev_groups[g].group,
						dev_groups[g].measured, prefer_measured, false);
			}
		}
	}
	if (n == 0) {
		fprintf(f, "\n(no node has data in the window)\n");
		return;
	}
	{
		static const enum pt_quantity sum_groups[] = {PT_Q_CPU_ENERGY, PT_Q_RAM_ENERGY,
			PT_Q_NODE_ENERGY};
		static const char *const sum_names[] = {"cpu", "ram", "power"};
		struct tally t;

		fprintf(f, "\nSummary: how many nodes (GPUs, for gpu) use each source:\n");
		for (g = 0; g < 3; g++) {
			memset(&t, 0, sizeof(t));
			for (i = 0; i < n; i++)
				tally_add(&t, chosen(qs, d[i].has, sum_groups[g], prefer_measured));
			tally_print(f, sum_names[g], &t);
		}
		memset(&t, 0, sizeof(t));
		for (i = 0; i < n; i++)
			for (j = 0; j < d[i].ndevs; j++)
				tally_add(&t, chosen(qs, d[i].devs[j].has, PT_Q_GPU_ENERGY, prefer_measured));
		tally_print(f, "gpu", &t);
	}
}
