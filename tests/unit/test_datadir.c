/* test_datadir.c - unit tests for finding query sets and data tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datadir.h"

static const char *tmp_dir(void)
{
	const char *d = getenv("TMPDIR");

	return d != NULL && d[0] != '\0' ? d : "/tmp";
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* $POWERTEST_DATA_DIR comes first; a name it lacks falls through. */
static void test_datadir__env_first(void **state)
{
	char dir[PATH_MAX], sub[PATH_MAX + 16], file[PATH_MAX + 32];
	struct pt_error err = {0};
	char *p;
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/pt_datadir_XXXXXX", tmp_dir());
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/data", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(file, sizeof(file), "%s/data/cpu_tdp.csv", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);

	setenv("POWERTEST_DATA_DIR", dir, 1);
	p = pt_datadir_find("data/cpu_tdp.csv", &err);
	assert_non_null(p);
	assert_string_equal(p, file);
	free(p);

	p = pt_datadir_find("data/gpu_tdp.csv", &err);
	assert_non_null(p);
	assert_true(ends_with(p, "/gpu_tdp.csv"));
	assert_true(strncmp(p, dir, strlen(dir)) != 0);
	free(p);
	unsetenv("POWERTEST_DATA_DIR");

	assert_int_equal(unlink(file), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* In the source tree, data/ maps to config/data/. */
static void test_datadir__source_tree(void **state)
{
	static const char *const names[] = {"data/cpu_tdp.csv", "data/gpu_tdp.csv",
		"data/carbon_intensity.csv", NULL};
	size_t i;

	(void)state;
	unsetenv("POWERTEST_DATA_DIR");
	for (i = 0; names[i] != NULL; i++) {
		struct pt_error err = {0};
		char *p = pt_datadir_find(names[i], &err);

		if (p == NULL)
			fail_msg("%s: %s", names[i], err.msg);
		assert_true(ends_with(p, names[i] + 4));
		assert_int_equal(access(p, R_OK), 0);
		free(p);
	}
}

static void test_datadir__missing(void **state)
{
	struct pt_error err = {0};

	(void)state;
	assert_null(pt_datadir_find("data/no_such_table.csv", &err));
	assert_int_equal(err.code, PT_EUSAGE);
	assert_non_null(strstr(err.msg, "cannot find 'data/no_such_table.csv'"));
	assert_null(pt_datadir_find("", &err));
	assert_int_equal(err.code, PT_EUSAGE);
	assert_null(pt_datadir_find("data/no_such_table.csv", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_datadir__env_first),
		cmocka_unit_test(test_datadir__source_tree),
		cmocka_unit_test(test_datadir__missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
