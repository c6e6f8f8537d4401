/* test_timefmt.c - unit tests for RFC 3339 / Unix time parsing, durations and formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "timefmt.h"

/* 2026-11-21T10:00:00Z, the reference's example instant. */
#define T0 INT64_C(1795255200000)

struct time_case {
	const char *in;
	int64_t ms;
};

struct bad_case {
	const char *in;
	const char *msg; /* substring the message must contain */
};

static void check_times(const struct time_case *c)
{
	for (; c->in != NULL; c++) {
		struct pt_error err = {0};
		int64_t ms = -1;
		int rc = pt_time_parse(&ms, c->in, &err);

		if (rc != PT_OK)
			fail_msg("'%s' rejected: %s", c->in, err.msg);
		if (ms != c->ms)
			fail_msg("'%s': got %lld, want %lld", c->in, (long long)ms, (long long)c->ms);
	}
}

static void check_bad_times(const struct bad_case *c)
{
	for (; c->in != NULL; c++) {
		struct pt_error err = {0};
		int64_t ms = 0;
		char want[128];

		if (pt_time_parse(&ms, c->in, &err) != PT_EUSAGE)
			fail_msg("'%s' accepted as %lld", c->in, (long long)ms);
		assert_int_equal(err.code, PT_EUSAGE);
		snprintf(want, sizeof(want), "invalid time '%s': ", c->in);
		if (strstr(err.msg, want) == NULL || strstr(err.msg, c->msg) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", c->in, err.msg, c->msg);
	}
}

static void test_timefmt__rfc3339_utc(void **state)
{
	static const struct time_case cases[] = {
		{"2026-11-21T10:00:00Z", T0},
		{"2026-11-21t10:00:00z", T0},
		{"1970-01-01T00:00:00Z", 0},
		{"2000-01-01T00:00:00Z", INT64_C(946684800000)},
		{"2038-01-19T03:14:08Z", INT64_C(2147483648000)},
		{"9999-12-31T23:59:59.999Z", INT64_C(253402300799999)},
		{NULL, 0},
	};

	(void)state;
	check_times(cases);
}

static void test_timefmt__rfc3339_offset(void **state)
{
	static const struct time_case cases[] = {
		{"2026-11-21T11:00:00+01:00", T0},
		{"2026-11-21T11:00:00.250+01:00", T0 + 250},
		{"2026-11-21T04:30:00-05:30", T0},
		{"2026-11-21T10:00:00-00:00", T0},
		{"2026-11-22T09:59:00+23:59", T0},
		/* An offset can move the date across midnight and year ends. */
		{"2026-11-20T23:00:00-11:00", T0},
		{"1970-01-01T01:00:00+01:00", 0},
		{"1969-12-31T23:00:00-01:00", 0},
		{NULL, 0},
	};

	(void)state;
	check_times(cases);
}

static void test_timefmt__rfc3339_fraction(void **state)
{
	static const struct time_case cases[] = {
		{"2026-11-21T10:00:00.5Z", T0 + 500},
		{"2026-11-21T10:00:00.25Z", T0 + 250},
		{"2026-11-21T10:00:00.001Z", T0 + 1},
		{"2026-11-21T10:00:00.0004Z", T0},
		{"2026-11-21T10:00:00.0005Z", T0 + 1},
		{"2026-11-21T10:00:00.123456789Z", T0 + 123},
		{"2026-11-21T10:00:00.9996Z", T0 + 1000},
		{"2026-11-21T10:00:00.000000000000000000000001Z", T0},
		{NULL, 0},
	};

	(void)state;
	check_times(cases);
}

static void test_timefmt__rfc3339_calendar(void **state)
{
	static const struct time_case cases[] = {
		{"2024-02-29T00:00:00Z", INT64_C(1709164800000)},
		{"2000-02-29T00:00:00Z", INT64_C(951782400000)},
		{"2024-03-01T00:00:00Z", INT64_C(1709251200000)},
		{"2026-12-31T23:59:59Z", INT64_C(1798761599000)},
		{"2027-01-01T00:00:00Z", INT64_C(1798761600000)},
		/* A leap second counts like POSIX time: the next second. */
		{"2016-12-31T23:59:60Z", INT64_C(1483228800000)},
		{NULL, 0},
	};

	(void)state;
	check_times(cases);
}

static void test_timefmt__rfc3339_invalid(void **state)
{
	static const struct bad_case cases[] = {
		{"2026-13-01T00:00:00Z", "month must be 01-12"},
		{"2026-00-01T00:00:00Z", "month must be 01-12"},
		{"2026-02-29T00:00:00Z", "2026-02 has no day 29"},
		{"1900-02-29T00:00:00Z", "1900-02 has no day 29"},
		{"2026-04-31T00:00:00Z", "2026-04 has no day 31"},
		{"2026-01-00T00:00:00Z", "has no day 00"},
		{"2026-11-21T24:00:00Z", "hour must be 00-23"},
		{"2026-11-21T10:60:00Z", "minute must be 00-59"},
		{"2026-11-21T10:00:61Z", "second must be 00-60"},
		{"2026-11-21T10:00:00+24:00", "offset"},
		{"2026-11-21T10:00:00+01:60", "offset"},
		{"0000-01-01T00:00:00Z", "year must be"},
		{"1969-12-31T23:59:59Z", "before 1970"},
		{"9999-12-31T23:59:59.9996Z", "after 9999"},
		{"2026-11-21T10:00:00", "expected RFC 3339"},
		{"2026-11-21 10:00:00Z", "expected RFC 3339"},
		{"2026-11-21T10:00Z", "expected RFC 3339"},
		{"2026-11-21T10:00:00.Z", "expected RFC 3339"},
		{"2026-11-21T10:00:00+0100", "expected RFC 3339"},
		{"2026-11-21T10:00:00+01", "expected RFC 3339"},
		{"2026-11-21T10:00:00ZZ", "expected RFC 3339"},
		{"2026-11-21", "expected RFC 3339"},
		{"2026-1-21T10:00:00Z", "expected RFC 3339"},
		{"20261-11-21T10:00:00Z", "expected RFC 3339"},
		{NULL, NULL},
	};

	(void)state;
	check_bad_times(cases);
}

static void test_timefmt__unix_seconds(void **state)
{
	static const struct time_case cases[] = {
		{"1795255200", T0},
		{"1795255200.25", T0 + 250},
		{"1795255200.0005", T0 + 1},
		{"0", 0},
		{"0.001", 1},
		{"2026", INT64_C(2026000)},
		{"253402300799", INT64_C(253402300799000)},
		{NULL, 0},
	};

	(void)state;
	check_times(cases);
}

static void test_timefmt__unix_invalid(void **state)
{
	static const struct bad_case cases[] = {
		{"xyz", "expected RFC 3339 (2026-11-21T10:00:00Z) or Unix seconds"},
		{"", "expected RFC 3339"},
		{"-1", "must not be negative"},
		{"-1795255200", "must not be negative"},
		{"+1795255200", "expected RFC 3339"},
		{" 1795255200", "expected RFC 3339"},
		{"1795255200 ", "expected RFC 3339"},
		{"1795255200.", "expected RFC 3339"},
		{".5", "expected RFC 3339"},
		{"1795255200s", "expected RFC 3339"},
		{"1e9", "expected RFC 3339"},
		{"0x10", "expected RFC 3339"},
		{"1795255200.2.5", "expected RFC 3339"},
		/* Milliseconds passed as seconds land past year 9999. */
		{"1795255200000", "looks like milliseconds"},
		{"99999999999999999999999", "after 9999"},
		{NULL, NULL},
	};

	(void)state;
	check_bad_times(cases);
}

static void test_timefmt__parse_null(void **state)
{
	struct pt_error err = {0};
	int64_t ms;

	(void)state;
	assert_int_equal(pt_time_parse(&ms, NULL, &err), PT_EUSAGE);
	assert_int_equal(pt_duration_parse(&ms, NULL, &err), PT_EUSAGE);
	/* A NULL error buffer is allowed. */
	assert_int_equal(pt_time_parse(&ms, "nope", NULL), PT_EUSAGE);
}

static void test_timefmt__duration(void **state)
{
	static const struct time_case cases[] = {
		{"90s", 90000},
		{"15m", 900000},
		{"1h30m", 5400000},
		{"2d", 172800000},
		{"500ms", 500},
		{"1w", 604800000},
		{"1y", INT64_C(31536000000)},
		{"1y2w3d4h5m6s7ms", INT64_C(31536000000) + 2 * 604800000 + 3 * 86400000
			+ 4 * 3600000 + 5 * 60000 + 6000 + 7},
		{"1m500ms", 60500},
		{"0h30m", 1800000},
		{"000005s", 5000},
		{"292y", INT64_C(292) * 31536000000},
		{NULL, 0},
	};
	const struct time_case *c;

	(void)state;
	for (c = cases; c->in != NULL; c++) {
		struct pt_error err = {0};
		int64_t ms = -1;

		if (pt_duration_parse(&ms, c->in, &err) != PT_OK)
			fail_msg("'%s' rejected: %s", c->in, err.msg);
		if (ms != c->ms)
			fail_msg("'%s': got %lld, want %lld", c->in, (long long)ms, (long long)c->ms);
	}
}

static void test_timefmt__duration_invalid(void **state)
{
	static const struct bad_case cases[] = {
		{"", "expected a Prometheus duration"},
		{"90", "expected a Prometheus duration like 90s"},
		{"s", "expected a Prometheus duration"},
		{"1.5h", "expected a Prometheus duration"},
		{"-5m", "expected a Prometheus duration"},
		{"5 m", "expected a Prometheus duration"},
		{"5M", "expected a Prometheus duration"},
		{"5x", "expected a Prometheus duration"},
		{"1h30", "expected a Prometheus duration"},
		{"1h ", "expected a Prometheus duration"},
		{"0s", "must be greater than zero"},
		{"0ms", "must be greater than zero"},
		{"0h0m", "must be greater than zero"},
		{"30m1h", "largest to smallest"},
		{"1h1h", "largest to smallest"},
		{"5ms1s", "largest to smallest"},
		{"1s1s", "largest to smallest"},
		{"300000000y", "too large"},
		{"99999999999999999999s", "too large"},
		{"9223372036854775807ms1ms", "largest to smallest"},
		{"106751991167d1d", "largest to smallest"},
		{"292000000y1000000000w", "too large"},
		{NULL, NULL},
	};
	const struct bad_case *c;

	(void)state;
	for (c = cases; c->in != NULL; c++) {
		struct pt_error err = {0};
		int64_t ms = 0;
		char want[128];

		if (pt_duration_parse(&ms, c->in, &err) != PT_EUSAGE)
			fail_msg("'%s' accepted as %lld", c->in, (long long)ms);
		snprintf(want, sizeof(want), "invalid duration '%s': ", c->in);
		if (strstr(err.msg, want) == NULL || strstr(err.msg, c->msg) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", c->in, err.msg, c->msg);
	}
}

static void test_timefmt__format(void **state)
{
	static const struct {
		int64_t ms;
		const char *out;
	} cases[] = {
		{T0, "2026-11-21T10:00:00.000Z"},
		{T0 + 250, "2026-11-21T10:00:00.250Z"},
		{0, "1970-01-01T00:00:00.000Z"},
		{INT64_C(1709164800000) + 86399999, "2024-02-29T23:59:59.999Z"},
		{INT64_C(951782400000), "2000-02-29T00:00:00.000Z"},
		{INT64_C(253402300799999), "9999-12-31T23:59:59.999Z"},
		/* Before 1970 still prints a real date (floor division). */
		{-1, "1969-12-31T23:59:59.999Z"},
		{INT64_C(-86400000) * 365, "1969-01-01T00:00:00.000Z"},
		{0, NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; cases[i].out != NULL; i++) {
		char buf[32];

		pt_time_format(buf, sizeof(buf), cases[i].ms);
		assert_string_equal(buf, cases[i].out);
	}
}

/* Every formatted time parses back to itself, across leap years, month ends
 * and the 400-year rule. */
static void test_timefmt__format_round_trip(void **state)
{
	int64_t ms;
	int64_t step = INT64_C(86400000) * 13 + 3600000 * 7 + 60000 * 11 + 1000 * 17 + 123;

	(void)state;
	for (ms = 0; ms < INT64_C(253402300799999); ms += step) {
		struct pt_error err = {0};
		char buf[32];
		int64_t back = -1;

		pt_time_format(buf, sizeof(buf), ms);
		assert_int_equal(strlen(buf), 24);
		if (pt_time_parse(&back, buf, &err) != PT_OK)
			fail_msg("'%s' rejected: %s", buf, err.msg);
		if (back != ms)
			fail_msg("'%s': got %lld, want %lld", buf, (long long)back, (long long)ms);
	}
}

static void test_timefmt__duration_format(void **state)
{
	static const struct {
		int64_t ms;
		const char *out;
	} cases[] = {
		{3600000, "3600s"},
		{1500, "1500ms"},
		{1000, "1s"},
		{1, "1ms"},
		{0, "0s"},
		{INT64_C(31536000000), "31536000s"},
		{0, NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; cases[i].out != NULL; i++) {
		struct pt_error err = {0};
		char buf[32];
		int64_t back = -1;

		pt_duration_format(buf, sizeof(buf), cases[i].ms);
		assert_string_equal(buf, cases[i].out);
		/* What we write, Prometheus (and we) read back. */
		if (cases[i].ms > 0) {
			assert_int_equal(pt_duration_parse(&back, buf, &err), PT_OK);
			assert_int_equal(back, cases[i].ms);
		}
	}
}

static void test_timefmt__now(void **state)
{
	int64_t a, b;

	(void)state;
	a = pt_now_ms();
	b = pt_now_ms();
	/* After this code was written, before the format's limit. */
	assert_true(a > INT64_C(1700000000000));
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timefmt__rfc3339_utc),
		cmocka_unit_test(test_timefmt__rfc3339_offset),
		cmocka_unit_test(test_timefmt__rfc3339_fraction),
		cmocka_unit_test(test_timefmt__rfc3339_calendar),
		cmocka_unit_test(test_timefmt__rfc3339_invalid),
		cmocka_unit_test(test_timefmt__unix_seconds),
		cmocka_unit_test(test_timefmt__unix_invalid),
		cmocka_unit_test(test_timefmt__parse_null),
		cmocka_unit_test(test_timefmt__duration),
		cmocka_unit_test(test_timefmt__duration_invalid),
		cmocka_unit_test(test_timefmt__format),
		cmocka_unit_test(test_timefmt__format_round_trip),
		cmocka_unit_test(test_timefmt__duration_format),
		cmocka_unit_test(test_timefmt__now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
