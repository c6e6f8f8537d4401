/* fuzz_prom.c - the query answer decoders: the fast one and the cJSON one
 * must agree wherever the fast one reads an answer, and pt_prom_decode must
 * answer as the cJSON one does (code and message). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

static void differ(const char *what)
{
	fprintf(stderr, "fuzz_prom: decoders differ: %s\n", what);
	abort();
}

static void same_result(const struct pt_prom_result *a, const struct pt_prom_result *b)
{
	size_t i, j;

	if (a->type != b->type || a->nseries != b->nseries || a->nwarnings != b->nwarnings)
		differ("shape");
	for (i = 0; i < a->nseries; i++) {
		const struct pt_series *x = &a->series[i], *y = &b->series[i];

		if (x->nlabels != y->nlabels || x->nsamples != y->nsamples)
			differ("series shape");
		for (j = 0; j < x->nlabels; j++)
			if (strcmp(x->labels[j].name, y->labels[j].name) != 0
					|| strcmp(x->labels[j].value, y->labels[j].value) != 0)
				differ("label");
		for (j = 0; j < x->nsamples; j++) {
			const struct pt_sample *p = &x->samples[j], *q = &y->samples[j];

			if (p->t_ms != q->t_ms)
				differ("sample time");
			if (!(memcmp(&p->v, &q->v, sizeof(double)) == 0 || (isnan(p->v) && isnan(q->v))))
				differ("sample value");
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 422, 503};
	const char *body = (const char *)data;
	size_t k;

	for (k = 0; k < sizeof(statuses) / sizeof(statuses[0]); k++) {
		struct pt_prom_result *f = NULL, *j = NULL, *d = NULL;
		struct pt_error ef = {0, ""}, ej = {0, ""}, ed = {0, ""};
		int rf, rj, rd;

		rf = pt_prom_decode_fast(&f, body, size, statuses[k], &ef);
		rj = pt_prom_decode_json(&j, body, size, statuses[k], &ej);
		rd = pt_prom_decode(&d, body, size, statuses[k], &ed);
		if (rf != PT_OK && rf != PT_ENOMEM)
			differ("the fast decoder failed instead of declining");
		if (f != NULL && rj != PT_OK)
			differ("the fast decoder read what cJSON refuses");
		if (f != NULL)
			same_result(f, j);
		if (rd != rj || strcmp(ed.msg, ej.msg) != 0)
			differ("pt_prom_decode and the cJSON decoder answer differently");
		if (rd == PT_OK)
			same_result(d, j);
		if (rj != PT_OK && (ej.msg[0] == '\0' || strchr(ej.msg, '\n') != NULL))
			differ("an error message is empty or more than one line");
		pt_prom_result_free(f);
		pt_prom_result_free(j);
		pt_prom_result_free(d);
	}
	return 0;
}
