/* timefmt.c - RFC 3339 and Unix times, Prometheus durations, all as int64 milliseconds. */
#include "timefmt.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The last instant a four-digit RFC 3339 year can write. Unix seconds get the
 * same bound, so every time we accept formats back and sums of a few times
 * stay far from int64 overflow. */
#define MAX_MS INT64_C(253402300799999)

#define MS_PER_DAY INT64_C(86400000)
#define DAYS_PER_400Y 146097 /* 400 * 365 + 97 leap days */

#define TIME_SYNTAX "expected RFC 3339 (2026-11-21T10:00:00Z) or Unix seconds"
#define DUR_SYNTAX "expected a Prometheus duration like 90s, 15m, 1h30m, 2d or 500ms"

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* Leap years in [1, y - 1]; y >= 1 keeps every division non-negative. */
static int64_t leaps_before(int64_t y)
{
	y -= 1;
	return y / 4 - y / 100 + y / 400;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), for y >= 1. Pure
 * arithmetic: timegm is not portable and mktime depends on TZ. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t days = (y - 1970) * 365 + leaps_before(y) - leaps_before(1970);
	int i;

	for (i = 1; i < m; i++)
		days += days_in_month(y, i);
	return days + d - 1;
}

/* The inverse, for any day count: whole 400-year cycles first (each has the
 * same length), then at most 400 years and 12 months by counting. */
static void civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t cycles = days / DAYS_PER_400Y;
	int64_t rest = days % DAYS_PER_400Y;
	int64_t year;
	int month;

	if (rest < 0) {
		rest += DAYS_PER_400Y;
		cycles--;
	}
	year = 1970 + cycles * 400;
	while (rest >= (is_leap(year) ? 366 : 365)) {
		rest -= is_leap(year) ? 366 : 365;
		year++;
	}
	for (month = 1; rest >= days_in_month(year, month); month++)
		rest -= days_in_month(year, month);
	*y = year;
	*m = month;
	*d = (int)rest + 1;
}

/* Reads exactly n digits. */
static bool read_digits(const char **p, int n, int *out)
{
	int v = 0;
	int i;

	for (i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

/* Reads ".ddd..." if present: milliseconds, rounded to nearest on the fourth
 * digit (the result may be 1000, which the caller just adds). */
static bool read_fraction(const char **p, int64_t *ms)
{
	const char *s = *p;
	int64_t v = 0;
	int n = 0;
	bool round_up = false;

	*ms = 0;
	if (*s != '.')
		return true;
	s++;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++, n++) {
		if (n < 3)
			v = v * 10 + (*s - '0');
		else if (n == 3)
			round_up = *s >= '5';
	}
	for (; n < 3; n++)
		v *= 10;
	*ms = v + (round_up ? 1 : 0);
	*p = s;
	return true;
}

static int time_error(struct pt_error *err, const char *s, const char *why)
{
	return pt_error_set(err, PT_EUSAGE, "invalid time '%.64s': %s", s, why);
}

static int parse_rfc3339(int64_t *out_ms, const char *s, struct pt_error *err)
{
	const char *p = s;
	int year, mon, day, hour, min, sec, off_h = 0, off_m = 0, sign = 0;
	int64_t frac, ms;
	char why[96];

	if (!read_digits(&p, 4, &year) || !expect(&p, '-') || !read_digits(&p, 2, &mon)
			|| !expect(&p, '-') || !read_digits(&p, 2, &day)
			|| (*p != 'T' && *p != 't'))
		return time_error(err, s, TIME_SYNTAX);
	p++;
	if (!read_digits(&p, 2, &hour) || !expect(&p, ':') || !read_digits(&p, 2, &min)
			|| !expect(&p, ':') || !read_digits(&p, 2, &sec)
			|| !read_fraction(&p, &frac))
		return time_error(err, s, TIME_SYNTAX);
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (!read_digits(&p, 2, &off_h) || !expect(&p, ':') || !read_digits(&p, 2, &off_m))
			return time_error(err, s, TIME_SYNTAX);
	} else {
		return time_error(err, s, TIME_SYNTAX);
	}
	if (*p != '\0')
		return time_error(err, s, TIME_SYNTAX);

	if (year < 1)
		return time_error(err, s, "year must be 0001-9999");
	if (mon < 1 || mon > 12)
		return time_error(err, s, "month must be 01-12");
	if (day < 1 || day > days_in_month(year, mon)) {
		snprintf(why, sizeof(why), "%04d-%02d has no day %02d", year, mon, day);
		return time_error(err, s, why);
	}
	if (hour > 23)
		return time_error(err, s, "hour must be 00-23");
	if (min > 59)
		return time_error(err, s, "minute must be 00-59");
	/* 60 is a leap second; like POSIX time it lands on the next second. */
	if (sec > 60)
		return time_error(err, s, "second must be 00-60");
	if (off_h > 23 || off_m > 59)
		return time_error(err, s, "offset must be between -23:59 and +23:59");

	ms = days_from_civil(year, mon, day) * MS_PER_DAY
		+ ((int64_t)hour * 3600 + min * 60 + sec) * 1000 + frac;
	ms -= sign * ((int64_t)off_h * 3600 + off_m * 60) * 1000;
	if (ms < 0)
		return time_error(err, s, "before 1970-01-01T00:00:00Z");
	if (ms > MAX_MS)
		return time_error(err, s, "after 9999-12-31T23:59:59.999Z");
	*out_ms = ms;
	return PT_OK;
}

static int parse_unix(int64_t *out_ms, const char *s, struct pt_error *err)
{
	const char *p = s;
	int64_t secs = 0, frac;

	if (*p == '-' && p[1] >= '0' && p[1] <= '9')
		return time_error(err, s, "Unix seconds must not be negative");
	if (*p < '0' || *p > '9')
		return time_error(err, s, TIME_SYNTAX);
	for (; *p >= '0' && *p <= '9'; p++) {
		secs = secs * 10 + (*p - '0');
		/* Checked per digit, so the product above never overflows. */
		if (secs > MAX_MS / 1000)
			return time_error(err, s, strspn(s, "0123456789") >= 13 && strspn(s, "0123456789") <= 14 ?
					"after 9999-12-31T23:59:59.999Z (Unix seconds are expected; this looks "
					"like milliseconds)" : "after 9999-12-31T23:59:59.999Z");
	}
	if (!read_fraction(&p, &frac) || *p != '\0')
		return time_error(err, s, TIME_SYNTAX);
	if (secs * 1000 + frac > MAX_MS)
		return time_error(err, s, "after 9999-12-31T23:59:59.999Z");
	*out_ms = secs * 1000 + frac;
	return PT_OK;
}

int pt_time_parse(int64_t *out_ms, const char *s, struct pt_error *err)
{
	if (s == NULL || *s == '\0')
		return pt_error_set(err, PT_EUSAGE, "invalid time '': " TIME_SYNTAX);
	/* "YYYY-" can only start a date; everything else must be Unix seconds. */
	if (strlen(s) > 4 && s[4] == '-' && strspn(s, "0123456789") == 4)
		return parse_rfc3339(out_ms, s, err);
	return parse_unix(out_ms, s, err);
}

/* Units in the only order Prometheus accepts them, largest first. */
static const struct {
	const char *name;
	int64_t ms;
} dur_units[] = {
	{"y", INT64_C(365) * 86400000},
	{"w", INT64_C(7) * 86400000},
	{"d", 86400000},
	{"h", 3600000},
	{"m", 60000},
	{"s", 1000},
	{"ms", 1},
};

#define NUNITS ((int)(sizeof(dur_units) / sizeof(dur_units[0])))

/* Index of the unit that starts at p, or -1. Longest match first: "ms" must
 * not be read as "m" followed by "s". */
static int match_unit(const char *p)
{
	int u;

	if (p[0] == 'm' && p[1] == 's')
		return NUNITS - 1;
	for (u = 0; u < NUNITS - 1; u++)
		if (p[0] == dur_units[u].name[0])
			return u;
	return -1;
}

static int dur_error(struct pt_error *err, const char *s, const char *why)
{
	return pt_error_set(err, PT_EUSAGE, "invalid duration '%.64s': %s", s, why);
}

int pt_duration_parse(int64_t *out_ms, const char *s, struct pt_error *err)
{
	const char *p = s;
	int next_unit = 0; /* units before this index are used up */
	int64_t total = 0;

	if (s == NULL || *s == '\0')
		return pt_error_set(err, PT_EUSAGE, "invalid duration '': " DUR_SYNTAX);
	while (*p != '\0') {
		int64_t n = 0;
		int u;

		if (*p < '0' || *p > '9')
			return dur_error(err, s, DUR_SYNTAX);
		for (; *p >= '0' && *p <= '9'; p++) {
			if (n > (INT64_MAX - (*p - '0')) / 10)
				return dur_error(err, s, "too large");
			n = n * 10 + (*p - '0');
		}
		u = match_unit(p);
		if (u < 0)
			return dur_error(err, s, DUR_SYNTAX);
		if (u < next_unit)
			return dur_error(err, s, "units must go from largest to smallest, each once");
		p += strlen(dur_units[u].name);
		next_unit = u + 1;
		if (n > (INT64_MAX - total) / dur_units[u].ms)
			return dur_error(err, s, "too large");
		total += n * dur_units[u].ms;
	}
	if (total == 0)
		return dur_error(err, s, "must be greater than zero");
	*out_ms = total;
	return PT_OK;
}

void pt_time_format(char *buf, size_t size, int64_t ms)
{
	int64_t days = ms / MS_PER_DAY;
	int64_t in_day = ms % MS_PER_DAY;
	int64_t y;
	int m, d;

	/* Floor division, so times before 1970 still print as real dates. */
	if (in_day < 0) {
		in_day += MS_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d,
			(int)(in_day / 3600000), (int)(in_day / 60000 % 60),
			(int)(in_day / 1000 % 60), (int)(in_day % 1000));
}

void pt_duration_format(char *buf, size_t size, int64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, size, "%" PRId64 "s", ms / 1000);
	else
		snprintf(buf, size, "%" PRId64 "ms", ms);
}

int64_t pt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int pt_window_last(int64_t *start_ms, int64_t *end_ms, const char *s, struct pt_error *err)
{
	int64_t dur;
	int rc;

	if ((rc = pt_duration_parse(&dur, s, err)) != PT_OK)
		return rc;
	*end_ms = pt_now_ms();
	*start_ms = *end_ms - dur;
	if (*start_ms < 0)
		return pt_error_set(err, PT_EUSAGE, "%.40s reaches before 1970", s);
	return PT_OK;
}
