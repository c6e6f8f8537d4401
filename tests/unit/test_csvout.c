/* test_csvout.c - golden CSV: header, RFC 3339 ms times, quoting, formula guard, column count; atomic and appended files. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "pt_test.h"

#include "csvout.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

static void make_row(struct pt_row *r, const char *task, const char *node, bool data)
{
	memset(r, 0, sizeof(*r));
	r->task = task ? strdup(task) : NULL;
	r->node = strdup(node);
	r->start_ms = 1763719200000LL;       /* 2025-11-21T10:00:00.000Z */
	r->end_ms = 1763719200000LL + 90250; /* 90.25 s later */
	r->duration_s = 90.25;
	r->pue = 1.2;
	r->carbon_intensity = 475;
	r->cpu_source = r->gpu_source = PT_SRC_NONE;
	if (!data) {
		r->cpu_util_pct = r->ram_util_pct = r->ram_used_gib = r->gpu_util_pct = NAN;
		r->cpu_power_w = r->ram_power_w = r->gpu_power_w = r->power_w = NAN;
		r->cpu_energy_wh = r->ram_energy_wh = r->gpu_energy_wh = r->energy_wh = NAN;
		r->other_power_w = r->other_energy_wh = NAN;
		r->energy_j = r->co2_g = NAN;
		pt_status_set(&r->status, PT_STATUS_NO_DATA, "no series for this node in the window");
		return;
	}
	r->cpu_util_pct = 50;
	r->ram_util_pct = 25;
	r->ram_used_gib = 8;
	r->gpu_count = 1;
	r->gpu_util_pct = 90;
	r->cpu_power_w = 60;
	r->ram_power_w = 3;
	r->gpu_power_w = 225;
	/* A wall meter: 300 W, 12 W more than the parts. */
	r->other_power_w = 12;
	r->power_w = 300;
	r->cpu_energy_wh = 60 * 90.25 / 3600;
	r->ram_energy_wh = 3 * 90.25 / 3600;
	r->gpu_energy_wh = 225 * 90.25 / 3600;
	r->other_energy_wh = 12 * 90.25 / 3600;
	r->energy_wh = 300 * 90.25 / 3600;
	r->energy_j = 300 * 90.25;
	r->co2_g = r->energy_wh / 1000 * 1.2 * 475;
	r->cpu_source = PT_SRC_MODEL;
	r->gpu_source = PT_SRC_MEASURED;
	r->ram_source = PT_SRC_MODEL;
	strcpy(r->cpu_src, "model");
	strcpy(r->ram_src, "model");
	strcpy(r->gpu_src, "nvidia_smi");
	strcpy(r->power_src, "ipmi");
	pt_status_ok(&r->status);
}

static void test_csvout__golden(void **state)
{
	struct pt_row rows[3];
	struct pt_buf b = {0};
	struct pt_error err = {0, ""};
	char *golden;

	(void)state;
	make_row(&rows[0], "train, \"big\"", "gpu01", true);
	make_row(&rows[1], "=cmd|' /C calc'!A0", "-node@x", true);
	make_row(&rows[2], NULL, "ghost", false);
	assert_int_equal(pt_buf_append(&b, pt_schema_header(&pt_schema_node), strlen(pt_schema_header(&pt_schema_node)), &err), PT_OK);
	assert_int_equal(pt_csv_rows(&b, &pt_schema_node, rows, 3, &err), PT_OK);
	golden = slurp(PT_FIXTURES "/golden/report.csv");
	assert_string_equal(b.data, golden);
	free(golden);
	pt_buf_free(&b);
	pt_row_clear(&rows[0]);
	pt_row_clear(&rows[1]);
	pt_row_clear(&rows[2]);
}

static void test_csvout__fields(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{"plain", "plain"},
		{"a,b", "\"a,b\""},
		{"say \"hi\"", "\"say \"\"hi\"\"\""},
		{"line\nbreak", "\"line\nbreak\""},
		{"=1+2", "'=1+2"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"=a,b", "\"'=a,b\""},
		{" padded ", "\" padded \""},
		{"", ""},
		{NULL, NULL}
	};
	size_t i;

	(void)state;
	for (i = 0; cases[i].in; i++) {
		struct pt_buf b = {0};
		struct pt_error err = {0, ""};

		assert_int_equal(pt_csv_field(&b, cases[i].in, true, &err), PT_OK);
		assert_string_equal(b.data ? b.data : "", cases[i].out);
		pt_buf_free(&b);
	}
	/* A long formula-looking cell is guarded whole, not cut. */
	{
		struct pt_buf b = {0};
		struct pt_error err = {0, ""};
		char *s = malloc(3001);

		memset(s, 'x', 3000);
		s[0] = '=';
		s[3000] = '\0';
		assert_int_equal(pt_csv_field(&b, s, true, &err), PT_OK);
		assert_int_equal(b.len, 3001);
		assert_int_equal(b.data[0], '\'');
		assert_memory_equal(b.data + 1, s, 3000);
		pt_buf_free(&b);
		free(s);
	}
}

static void test_csvout__atomic_replace(void **state)
{
	char dir[] = "/tmp/pt_csvout_XXXXXX", path[128];
	struct pt_out *o = NULL;
	struct pt_error err = {0, ""};
	char *s;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	f = fopen(path, "w");
	fputs("old contents\n", f);
	fclose(f);
	/* Abandoned output: the old file stays whole and no temporary is left. */
	assert_int_equal(pt_out_open(&o, path, false, "h\n", &err), PT_OK);
	assert_int_equal(pt_out_write(o, "x\n", 2, &err), PT_OK);
	pt_out_free(o);
	s = slurp(path);
	assert_string_equal(s, "old contents\n");
	free(s);
	/* Committed output replaces it. */
	assert_int_equal(pt_out_open(&o, path, false, "h\n", &err), PT_OK);
	assert_int_equal(pt_out_write(o, "x\n", 2, &err), PT_OK);
	assert_int_equal(pt_out_commit(o, &err), PT_OK);
	pt_out_free(o);
	s = slurp(path);
	assert_string_equal(s, "h\nx\n");
	free(s);
	/* Append: one header, rows added; a different header is refused. */
	assert_int_equal(pt_out_open(&o, path, true, "h\n", &err), PT_OK);
	assert_int_equal(pt_out_write(o, "y\n", 2, &err), PT_OK);
	assert_int_equal(pt_out_commit(o, &err), PT_OK);
	pt_out_free(o);
	s = slurp(path);
	assert_string_equal(s, "h\nx\ny\n");
	free(s);
	assert_int_equal(pt_out_open(&o, path, true, "other\n", &err), PT_EUSAGE);
	assert_null(o);
	/* Writing into a missing directory is exit 4. */
	snprintf(path, sizeof(path), "%s/nodir/out.csv", dir);
	assert_int_equal(pt_out_open(&o, path, false, "h\n", &err), PT_EWRITE);
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	unlink(path);
	rmdir(dir);
}

/* Replacing keeps what the path is: a symlink's target is replaced and the
 * link kept, the file's mode kept, a device written in place. */
static void test_csvout__replace_what_is_there(void **state)
{
	char dir[] = "/tmp/pt_csvout_XXXXXX", path[128], link[160];
	struct pt_out *o = NULL;
	struct pt_error err = {0, ""};
	struct stat st;
	char *s;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/target.csv", dir);
	snprintf(link, sizeof(link), "%s/link.csv", dir);
	f = fopen(path, "w");
	fputs("old\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(symlink("target.csv", link), 0);
	assert_int_equal(pt_out_open(&o, link, false, "h\n", &err), PT_OK);
	assert_int_equal(pt_out_commit(o, &err), PT_OK);
	pt_out_free(o);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	s = slurp(path);
	assert_string_equal(s, "h\n");
	free(s);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* A symlink to a file not made yet: the file is made, the link kept. */
	unlink(path);
	assert_int_equal(pt_out_open(&o, link, false, "n\n", &err), PT_OK);
	assert_int_equal(pt_out_commit(o, &err), PT_OK);
	pt_out_free(o);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	s = slurp(path);
	assert_string_equal(s, "n\n");
	free(s);
	/* A chain of them too; a loop is an error, not replaced. */
	{
		char l2[200], l3[200], loop[200];
		unlink(path);
		snprintf(l2, sizeof(l2), "%s/l2", dir);
		snprintf(l3, sizeof(l3), "%s/l3", dir);
		snprintf(loop, sizeof(loop), "%s/loop", dir);
		assert_int_equal(symlink("l3", l2), 0);
		assert_int_equal(symlink("target.csv", l3), 0);
		assert_int_equal(symlink("loop", loop), 0);
		assert_int_equal(pt_out_open(&o, l2, false, "c\n", &err), PT_OK);
		assert_int_equal(pt_out_commit(o, &err), PT_OK);
		pt_out_free(o);
		assert_int_equal(lstat(l3, &st), 0);
		assert_true(S_ISLNK(st.st_mode));
		s = slurp(path);
		assert_string_equal(s, "c\n");
		free(s);
		assert_int_equal(pt_out_open(&o, loop, false, "c\n", &err), PT_EWRITE);
		assert_null(o);
		assert_int_equal(lstat(loop, &st), 0);
		assert_true(S_ISLNK(st.st_mode));
		unlink(l2);
		unlink(l3);
		unlink(loop);
	}
	/* A character device stays one (written in place). */
	assert_int_equal(pt_out_open(&o, "/dev/null", false, "h\n", &err), PT_OK);
	assert_int_equal(pt_out_commit(o, &err), PT_OK);
	pt_out_free(o);
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	unlink(link);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csvout__golden),
		cmocka_unit_test(test_csvout__fields),
		cmocka_unit_test(test_csvout__atomic_replace),
		cmocka_unit_test(test_csvout__replace_what_is_there),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
