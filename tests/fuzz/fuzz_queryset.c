/* fuzz_queryset.c - the query-set loader, then the expansion of every query it accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "queryset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const nodes[] = {"gpu01", "[::1]:9100", "a.b|c"};
	struct pt_queryset *qs = NULL;
	struct pt_error err = {0, ""};
	size_t i;

	if (pt_queryset_parse(&qs, (const char *)data, size, "fuzz.yaml", &err) == PT_OK) {
		struct pt_expand x = {3600000, "instance", nodes, 3, true};

		for (i = 0; i < qs->n; i++) {
			struct pt_buf b = {0};
			struct pt_error e2 = {0, ""};

			if (pt_queryset_expand(&b, &qs->items[i], &x, &e2) == PT_OK && b.len == 0)
				abort();
			pt_buf_free(&b);
		}
		pt_queryset_free(qs);
	} else if (err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL || qs != NULL) {
		abort();
	}
	return 0;
}
