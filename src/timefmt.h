/* timefmt.h - RFC 3339 and Unix times, Prometheus durations; all in int64 milliseconds. */
#ifndef PT_TIMEFMT_H
#define PT_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* Parses "2026-11-21T10:00:00Z", "2026-11-21T11:00:00.250+01:00" (also 't',
 * 'z', ' ' as separator is NOT accepted) or Unix seconds with an optional
 * fraction ("1795255200", "1795255200.25") into milliseconds since the epoch
 * (fractions below 1 ms are rounded to nearest). PT_EUSAGE with a message
 * naming the text on failure. */
int pt_time_parse(int64_t *out_ms, const char *s, struct pt_error *err) PT_WUR;

/* Parses a Prometheus duration: one or more <int><unit> with units
 * y w d h m s ms, largest first ("90s", "1h30m", "2d", "500ms"). Zero or
 * negative durations are errors (PT_EUSAGE). */
int pt_duration_parse(int64_t *out_ms, const char *s, struct pt_error *err) PT_WUR;
/* The window of duration s ending now; PT_EUSAGE for a bad duration or one
 * that reaches before 1970. */
int pt_window_last(int64_t *start_ms, int64_t *end_ms, const char *s, struct pt_error *err) PT_WUR;

/* Writes "2026-11-21T10:00:00.000Z" (24 chars + NUL) into buf (>= 32 bytes). */
void pt_time_format(char *buf, size_t size, int64_t ms);

/* Writes a duration Prometheus accepts: "3600s" when whole seconds, else "1500ms". */
void pt_duration_format(char *buf, size_t size, int64_t ms);

/* Current wall-clock time in milliseconds. */
int64_t pt_now_ms(void);
/* Longest --step, --scrape-interval and --chunk (and serve's step=): a year.
 * Prometheus refuses steps past about 292 years (its durations are int64
 * nanoseconds) with a query error; anything near that is a typo, and a usage
 * error says so before any query. */
#define PT_DURATION_OPT_MAX_MS (INT64_C(365) * 86400000)

/* How far past now a window's end may be (clocks, rounding) before it is an error. */
#define PT_FUTURE_SLACK_MS 2000

#endif
