/* fuzz_promql.c - templates to the local PromQL subset: compiled, then evaluated over a few fixed series with both versions' semantics. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "promql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pt_label la[] = {{"__name__", "m"}, {"instance", "a:9100"}, {"gpu", "0"}};
static struct pt_label lb[] = {{"__name__", "m"}, {"instance", "b"}, {"mode", "idle"}};
static struct pt_label lc[] = {{"__name__", "n"}, {"instance", "a:9100"}};
/* A counter with a reset, a gauge with NaN and infinities, one lone sample. */
static struct pt_sample sa[] = {{940000, 5}, {955000, 9}, {970000, 2}, {985000, 6}, {1000000, 8}};
static struct pt_sample sb[] = {{880000, 1}, {910000, NAN}, {940000, INFINITY}, {970000, -INFINITY}};
static struct pt_sample sc[] = {{999000, 0}};
static const struct pt_series series[] = {{la, 3, sa, 5}, {lb, 3, sb, 4}, {lc, 2, sc, 1}};
static const struct pt_series *const all[] = {&series[0], &series[1], &series[2]};

static int source(void *user, size_t sel, const struct pt_series *const **out, size_t *n,
		struct pt_error *err)
{
	(void)user;
	(void)err;
	/* Selectors see different subsets, so matching has something to do. */
	*out = all + sel % 2;
	*n = 3 - sel % 2;
	return PT_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_pq_source src = {source, NULL};
	struct pt_error err = {0, ""};
	struct pt_pq *q = NULL;
	char *text = malloc(size + 1);
	unsigned sem;
	size_t i, j;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (pt_pq_compile(&q, text, "instance", &err) != PT_OK) {
		if (q != NULL || err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL)
			abort();
		free(text);
		return 0;
	}
	for (i = 0; i < pt_pq_nsels(q); i++) {
		const struct pt_pq_sel *sel = pt_pq_sel(q, i);
		struct pt_buf b = {0};
		(void)pt_pq_sel_match(sel, la, 3);
		if (pt_pq_sel_format(&b, sel, &err) != PT_OK || b.len == 0 || b.data[0] != '{')
			abort();
		pt_buf_free(&b);
	}
	for (sem = 0; sem <= (PT_PQ_LEFT_OPEN | PT_PQ_THRESHOLD_FIRST); sem++) {
		struct pt_prom_result *r = NULL;
		int rc = pt_pq_eval(&r, q, 1000000, 120000, sem, &src, &err);

		if (rc != PT_OK && rc != PT_ENET)
			abort();
		if (rc != PT_OK) {
			if (r != NULL || strchr(err.msg, '\n') != NULL)
				abort();
			continue;
		}
		for (i = 0; i < r->nseries; i++) {
			if (r->series[i].nsamples != 1)
				abort();
			for (j = 0; j < r->series[i].nlabels; j++)
				if (r->series[i].labels[j].name == NULL || r->series[i].labels[j].value == NULL)
					abort();
		}
		pt_prom_result_free(r);
	}
	pt_pq_free(q);
	free(text);
	return 0;
}
