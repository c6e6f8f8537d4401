/* measure.c - a window that has just ended -> rows: wait for the final scrape, then report. */
#include "measure.h"

#include <time.h>

#include "scrape.h"
#include "series.h"
#include "timefmt.h"

/* VictoriaMetrics answers without its newest points (-search.latencyOffset,
 * 30 s unless set): a report right after the window would lose its end.
 * Waits until the window's end is that far in the past. */
static void wait_latency_offset(struct pt_ctx *ctx, int64_t end_ms)
{
	int64_t offset, left;
	struct timespec pause;

	if (!pt_series_is_metricsql(ctx))
		return;
	pt_prom_latency_offset(&offset, ctx->prom);
	/* A second more: the newest sample is at most that far from whole. */
	while ((left = end_ms + offset + 1000 - pt_now_ms()) > 0) {
		pause.tv_sec = (time_t)(left / 1000);
		pause.tv_nsec = (long)(left % 1000) * 1000000L;
		nanosleep(&pause, NULL);
	}
}

int pt_measure_window(struct pt_row **out, size_t *n, struct pt_ctx *ctx,
		const struct pt_window *w, int64_t wait_ms, unsigned flags, struct pt_error *late,
		struct pt_error *err)
{
	struct pt_window m = *w;
	char **target_nodes = NULL;
	size_t ntarget_nodes = 0;
	int rc;

	*out = NULL;
	*n = 0;
	pt_error_clear(late);
	rc = pt_scrape_wait(ctx, w->end_ms, w->nodes, w->nnodes, wait_ms, &m.scrape_interval_ms, late);
	if (rc != PT_OK && rc != PT_EMISSING) {
		*err = *late;
		pt_error_clear(late);
		return rc;
	}
	wait_latency_offset(ctx, w->end_ms);
	if (w->nnodes == 0 && (flags & PT_MEASURE_EVERY_TARGET)) {
		if ((rc = pt_scrape_target_nodes(&target_nodes, &ntarget_nodes, ctx, err)) != PT_OK)
			return rc;
		m.nodes = (const char *const *)target_nodes;
		m.nnodes = ntarget_nodes;
	}
	rc = pt_report_window(out, n, ctx, &m, err);
	pt_strv_free(target_nodes, ntarget_nodes);
	return rc;
}
