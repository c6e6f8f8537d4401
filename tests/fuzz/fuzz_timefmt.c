/* fuzz_timefmt.c - times (RFC 3339, Unix seconds) and Prometheus durations:
 * what parses formats back to the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_error err = {0, ""};
	char *s, buf[64];
	int64_t ms, again, start, end;

	if (size > 256)
		return 0;
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (pt_time_parse(&ms, s, &err) == PT_OK) {
		/* Every time it accepts is one RFC 3339 can write. */
		pt_time_format(buf, sizeof(buf), ms);
		if (pt_time_parse(&again, buf, &err) != PT_OK || again != ms)
			abort();
	}
	if (pt_duration_parse(&ms, s, &err) == PT_OK) {
		if (ms <= 0)
			abort();
		pt_duration_format(buf, sizeof(buf), ms);
		if (pt_duration_parse(&again, buf, &err) != PT_OK || again != ms)
			abort();
	}
	if (pt_window_last(&start, &end, s, &err) == PT_OK && !(start < end && start >= 0))
		abort();
	free(s);
	return 0;
}
