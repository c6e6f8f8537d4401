/* fuzz_resume.c - the reader of an earlier batch's rows (--resume). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_batch_prev *p = NULL;
	struct pt_error err = {0, ""};
	int rc;

	rc = pt_batch_prev_parse(&p, (const char *)data, size, "out.csv", &err);
	if (rc != PT_OK && (err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL))
		abort();
	if (rc == PT_OK) {
		/* Every row read is whole: its node and raw line are there. */
		size_t i;

		for (i = 0; i < p->n; i++)
			if (p->rows[i].node == NULL || p->rows[i].raw == NULL)
				abort();
	}
	pt_batch_prev_free(p);
	return 0;
}
