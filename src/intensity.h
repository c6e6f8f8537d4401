/* intensity.h - grid carbon intensity over time: hourly CSV files (Electricity Maps data portal, or time,g_per_kwh) loaded, checked and integrated over windows. Pure apart from reading the file. */
#ifndef PT_INTENSITY_H
#define PT_INTENSITY_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* Which of an Electricity Maps file's two intensities: life-cycle (LCA:
 * generation plus the plants' construction, fuel extraction, ...) or direct
 * (combustion at the plant only). A time,g_per_kwh file has one value. */
enum pt_ci_column { PT_CI_LCA = 0, PT_CI_DIRECT = 1 };

/* Piecewise-constant intensity: row i holds g[i] g/kWh over [t[i], t[i+1]),
 * the last one over [t[n-1], end_ms). Rows are sorted, without duplicates
 * or gaps. */
struct pt_intensity {
	char *name;       /* the file, for messages */
	enum pt_ci_column column;
	int64_t *t_ms;
	double *g;
	int *line;        /* the row's line in the file */
	size_t n;         /* >= 1 */
	int64_t end_ms;
};

/* Parses text (named `name` in messages). Two forms:
 *  - the Electricity Maps data portal's: a header with "Datetime (UTC)" (the
 *    start of each interval, "2024-01-01 00:00:00" or RFC 3339) and the
 *    carbon intensity columns ("Carbon Intensity gCO₂eq/kWh (LCA)" /
 *    "(direct)", also spelt "Carbon intensity gCO₂eq/kWh (Life cycle)", gCO2eq
 *    too); `column` picks one. Each row holds for the file's step (the
 *    smallest distance between rows, 1 h for a single row): any larger
 *    distance is a gap;
 *  - "time,g_per_kwh": RFC 3339 or Unix seconds; each row holds until the
 *    next, the last one for the smallest distance between rows (1 h for a
 *    single row).
 * Rows may come in any order. Errors are PT_EUSAGE "name:line: ..." for an
 * unknown header, a missing column, a bad time or value, a negative value,
 * a duplicate time and a gap; or PT_ENOMEM. Caller frees with pt_intensity_free. */
int pt_intensity_parse(struct pt_intensity **out, const char *text, size_t len, const char *name,
		enum pt_ci_column column, struct pt_error *err) PT_WUR;
/* Reads and parses the file at path (a missing or unreadable file is PT_EUSAGE). */
int pt_intensity_load(struct pt_intensity **out, const char *path, enum pt_ci_column column,
		struct pt_error *err) PT_WUR;
void pt_intensity_free(struct pt_intensity *t);

/* Whether [a, b) lies within the data; PT_EUSAGE naming the file and the
 * span it lacks otherwise ("... has no intensity for 2024-01-02T00:00:00.000Z
 * .. 2024-01-02T06:00:00.000Z (its data ends at ...)"). */
int pt_intensity_check(const struct pt_intensity *t, int64_t a_ms, int64_t b_ms,
		struct pt_error *err) PT_WUR;

/* Time-weighted mean intensity over [a, b) (the value at a when a == b);
 * errors as pt_intensity_check. */
int pt_intensity_mean(const struct pt_intensity *t, int64_t a_ms, int64_t b_ms, double *out,
		struct pt_error *err) PT_WUR;

/* The row starts strictly inside (a, b), ascending, written to cuts (at most
 * cap of them); returns how many there are (may exceed cap). */
size_t pt_intensity_cuts(const struct pt_intensity *t, int64_t a_ms, int64_t b_ms, int64_t *cuts,
		size_t cap);

#endif
