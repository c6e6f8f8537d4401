/* fuzz_intensity.c - the carbon intensity file reader (CSV via libcsv, both forms, times, values), and means and cuts over what it accepts. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intensity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_intensity *t = NULL;
	struct pt_error err = {0, ""};
	int64_t cuts[8], a, b;
	double g;
	size_t i;
	int rc;

	rc = pt_intensity_parse(&t, (const char *)data, size, "ci.csv", size % 2 ? PT_CI_DIRECT : PT_CI_LCA,
			&err);
	if (rc != PT_OK && (err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL))
		abort();
	if (rc != PT_OK)
		return 0;
	if (t == NULL || t->n == 0 || t->end_ms <= t->t_ms[t->n - 1])
		abort();
	for (i = 0; i < t->n; i++)
		if (!(t->g[i] >= 0) || !isfinite(t->g[i]) || (i > 0 && t->t_ms[i] <= t->t_ms[i - 1]))
			abort();
	/* The whole span: a mean within the values' range, cuts inside it. */
	a = t->t_ms[0];
	b = t->end_ms;
	if (pt_intensity_mean(t, a, b, &g, &err) != PT_OK || !isfinite(g) || g < 0)
		abort();
	if (pt_intensity_cuts(t, a, b, cuts, 8) != t->n - 1)
		abort();
	if (pt_intensity_check(t, a - 1, b, &err) == PT_OK || pt_intensity_check(t, a, b + 1, &err) == PT_OK)
		abort();
	pt_intensity_free(t);
	return 0;
}
