/* test_text.c - unit tests for UTF-8 validation, message quoting and node name checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "text.h"

static void test_text__utf8_valid(void **state)
{
	static const struct {
		const char *s;
		bool ok;
	} cases[] = {
		{"", true},
		{"gpu01", true},
		{"n\xc3\xa9ud", true},              /* é */
		{"\xe2\x82\xac", true},             /* € */
		{"\xf0\x9f\x98\x80", true},         /* U+1F600 */
		{"\xf4\x8f\xbf\xbf", true},         /* U+10FFFF */
		{"\xff", false},
		{"a\x80", false},                   /* stray continuation */
		{"\xc3", false},                    /* cut short */
		{"\xe2\x82", false},
		{"\xc0\xaf", false},                /* overlong '/' */
		{"\xe0\x80\xaf", false},            /* overlong */
		{"\xed\xa0\x80", false},            /* surrogate U+D800 */
		{"\xf4\x90\x80\x80", false},        /* past U+10FFFF */
		{"\xf8\x88\x80\x80\x80", false},    /* five bytes */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (pt_utf8_valid(cases[i].s, strlen(cases[i].s)) != cases[i].ok)
			fail_msg("case %zu: expected %s", i, cases[i].ok ? "valid" : "invalid");
}

static void test_text__node_names(void **state)
{
	static const struct {
		const char *name;
		const char *msg; /* NULL = accepted */
	} cases[] = {
		{"gpu01", NULL},
		{"[::1]:9100", NULL},
		{"n\xc3\xa9ud-01.lab", NULL},
		{"a b", NULL},
		{"a\xff" "b", "node name 'a\\xFFb' is not valid UTF-8"},
		{"a\tb", "node name 'a\\x09b' has a control character"},
		{"a\x7f", "node name 'a\\x7F' has a control character"},
		{"a\xc2\x85", "node name 'a\\xC2\\x85' has a control character"}, /* NEL, C1 */
		{"\x1b[31m", "node name '\\x1B[31m' has a control character"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_error err = {0, ""};
		int rc = pt_node_name_check(cases[i].name, &err);

		if (cases[i].msg == NULL) {
			if (rc != PT_OK)
				fail_msg("case %zu refused: %s", i, err.msg);
			continue;
		}
		assert_int_equal(rc, PT_EUSAGE);
		if (strcmp(err.msg, cases[i].msg) != 0)
			fail_msg("case %zu: '%s', expected '%s'", i, err.msg, cases[i].msg);
	}
}

static void test_text__quote_cuts(void **state)
{
	char buf[12], big[300];

	(void)state;
	pt_text_quote(buf, sizeof(buf), "abcdefghijklmnop");
	assert_string_equal(buf, "abcdefgh...");
	pt_text_quote(buf, sizeof(buf), "ab\xff");
	assert_string_equal(buf, "ab\\xFF");
	pt_text_quote(buf, sizeof(buf), "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	assert_true(pt_utf8_valid(buf, strlen(buf)));
	memset(big, 0xff, sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pt_text_quote(buf, sizeof(buf), big);
	assert_string_equal(buf, "\\xFF\\xFF...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text__utf8_valid),
		cmocka_unit_test(test_text__node_names),
		cmocka_unit_test(test_text__quote_cuts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
