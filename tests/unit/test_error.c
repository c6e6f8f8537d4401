/* test_error.c - codes -> exit statuses, public codes and texts, from the one table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "powertest.h"

static void test_error__table(void **state)
{
	static const struct {
		int code, exit_status, public_code;
		const char *text;
	} cases[] = {
		{PT_OK, 0, POWERTEST_OK, "no error"},
		{PT_EMISSING, 1, POWERTEST_EMISSING, "missing data"},
		{PT_EUSAGE, 2, POWERTEST_EUSAGE, "usage or configuration error"},
		{PT_ENET, 3, POWERTEST_ENET, "Prometheus or network error"},
		{PT_EWRITE, 4, POWERTEST_EWRITE, "cannot write the output"},
		{PT_ENOMEM, 3, POWERTEST_ENOMEM, "out of memory"},   /* no exit code of its own */
		{PT_ESYS, 125, POWERTEST_ENET, "system error"},      /* run's fork or pipe */
		{-1, 3, POWERTEST_ENET, "unknown error"},
		{99, 3, POWERTEST_ENET, "unknown error"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(pt_exit_code(cases[i].code), cases[i].exit_status);
		assert_int_equal(pt_public_code(cases[i].code), cases[i].public_code);
		assert_string_equal(pt_strerror(cases[i].code), cases[i].text);
	}
}

/* The public texts come from the same table; codes it does not publish are unknown. */
static void test_error__public_strerror(void **state)
{
	(void)state;
	assert_string_equal(powertest_strerror(POWERTEST_EMISSING), "missing data");
	assert_string_equal(powertest_strerror(POWERTEST_ENOMEM), "out of memory");
	assert_string_equal(powertest_strerror((powertest_code)PT_ESYS), "unknown error");
	assert_string_equal(powertest_strerror((powertest_code)-1), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error__table),
		cmocka_unit_test(test_error__public_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
