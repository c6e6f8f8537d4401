/* fuzz_jobs.c - the jobs-file reader (CSV via libcsv, times, node lists). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_jobs *j = NULL;
	struct pt_error err = {0, ""};
	size_t i, k;
	int rc;

	rc = pt_jobs_parse(&j, (const char *)data, size, "jobs.csv", &err);
	if (rc != PT_OK && (err.msg[0] == '\0' || strchr(err.msg, '\n') != NULL))
		abort();
	if (rc == PT_OK && j == NULL)
		abort();
	for (i = 0; rc == PT_OK && i < j->n; i++) {
		const struct pt_job *job = &j->items[i];

		if (job->task == NULL || job->task[0] == '\0' || job->end_ms <= job->start_ms)
			abort();
		for (k = 0; k < job->nnodes; k++)
			if (job->nodes[k] == NULL || job->nodes[k][0] == '\0')
				abort();
	}
	pt_jobs_free(j);
	return 0;
}
