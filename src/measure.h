/* measure.h - a window that has just ended -> rows: the policy `powertest run` and powertest_region_end share. */
#ifndef PT_MEASURE_H
#define PT_MEASURE_H

#include <stddef.h>
#include <stdint.h>
#include "ctx.h"
#include "error.h"
#include "model.h"
#include "report.h"

/* Without requested nodes, every node with a target gets a row (a job too
 * short for data shows as no_data, not as nothing), not only those with data. */
#define PT_MEASURE_EVERY_TARGET 1u

/* Waits for the final scrape of the window's nodes (wait_ms < 0: the default
 * of pt_scrape_wait), on VictoriaMetrics also until the window's end is older
 * than its -search.latencyOffset (pt_prom_latency_offset), takes the scrape interval it saw to flag a short
 * window, and reports w (task, start, end, nodes; its scrape_interval_ms is
 * not read). *late (not NULL) gets PT_EMISSING and a message when the wait
 * timed out (the rows may lack the last samples), else is cleared. Returns PT_OK with
 * the rows (caller frees with pt_rows_free), or the error of the wait
 * (PT_ENET when Prometheus cannot be asked) or of the report. */
int pt_measure_window(struct pt_row **out, size_t *n, struct pt_ctx *ctx,
		const struct pt_window *w, int64_t wait_ms, unsigned flags, struct pt_error *late,
		struct pt_error *err) PT_WUR;

#endif
