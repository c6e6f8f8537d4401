/* fuzz_targets.c - the /api/v1/targets decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_targets *t = NULL;
	struct pt_error err = {0, ""};
	size_t i;

	if (pt_targets_decode(&t, (const char *)data, size, 200, &err) == PT_OK) {
		/* Every field the CLI prints is there. */
		for (i = 0; i < t->n; i++)
			if (t->items[i].job == NULL || t->items[i].instance == NULL
					|| t->items[i].health == NULL || t->items[i].last_error == NULL
					|| t->items[i].scrape_url == NULL)
				abort();
	} else if (err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL) {
		abort();
	}
	pt_targets_free(t);
	return 0;
}
