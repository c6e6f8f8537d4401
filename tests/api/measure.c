/* measure.c - a program built against the installed libpowertest: measures an in-process busy loop as a region.
 *
 * usage: measure [--node NAME] [--seconds N] URL OUT.csv [APPEND.csv]
 *
 * Uses nothing but <powertest.h> and what `pkg-config --cflags --libs
 * powertest` gives. Opens a client for URL, begins a region, spins the CPU
 * for N seconds (default 3), ends the region and checks the rows: one for
 * NAME (or at least one), duration the loop's, CPU utilisation above zero,
 * energies consistent, status ok. Writes OUT.csv (replaced) and, given
 * APPEND.csv, appends the rows to it twice. Also checks a few error paths.
 * Prints a summary; exits 0 when every check passed, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <powertest.h>

static int failures;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "measure: FAIL: %s\n", what);
		failures++;
	}
}

static double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Keeps one CPU busy for `seconds`; returns how long it really ran. */
static double busy_loop(double seconds)
{
	volatile double x = 1.0;
	double t0 = monotonic_s(), t;
	long i;

	do {
		for (i = 0; i < 100000; i++)
			x = x * 1.0000001 + 1e-9;
		t = monotonic_s();
	} while (t - t0 < seconds);
	return t - t0;
}

/* Error paths that need no server. */
static void check_errors(void)
{
	powertest_error err;
	powertest_client *c = (powertest_client *)&err; /* must be reset to NULL */
	powertest_code rc;

	rc = powertest_client_new(&c, "/nonexistent/powertest.yaml", NULL, &err);
	check(rc == POWERTEST_EUSAGE && err.code == rc, "missing config file is POWERTEST_EUSAGE");
	check(c == NULL, "failed powertest_client_new sets *out to NULL");
	check(err.message[0] != '\0' && strchr(err.message, '\n') == NULL,
			"error message is one non-empty line");
	check(strcmp(powertest_strerror(POWERTEST_ENET), "") != 0, "powertest_strerror");
	check(powertest_report_count(NULL) == 0 && powertest_report_row(NULL, 0) == NULL,
			"NULL report accessors");
	powertest_client_free(NULL);
	powertest_region_free(NULL);
	powertest_report_free(NULL);
}

static void print_row(const powertest_row *r)
{
	printf("measure: %s on %s: %.3f s, cpu %.1f %%, %d GPU(s), %.1f W, %.6f Wh = %.3f J = %lld uJ, "
			"%.4f g CO2 (cpu %s, gpu %s; cpu %s, ram %s, gpu %s, total %s), status %s\n",
			r->task ? r->task : "-", r->node, r->duration_s, r->cpu_util_pct, r->gpu_count,
			r->power_w, r->energy_wh, r->energy_j, (long long)r->energy_uj, r->co2_g,
			powertest_source_name(r->cpu_source), powertest_source_name(r->gpu_source),
			r->cpu_source_name, r->ram_source_name, r->gpu_source_name, r->power_source_name,
			r->status_text);
}

int main(int argc, char **argv)
{
	const char *node = NULL, *url, *out_csv, *append_csv = NULL, *task = "api-measure";
	double seconds = 3.0, ran;
	powertest_error err;
	powertest_client *client = NULL;
	powertest_region *region = NULL;
	powertest_report *report = NULL;
	const powertest_row *row = NULL;
	powertest_code rc;
	int major = -1, minor = -1, patch = -1, i = 1;
	size_t k, n;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (i + 1 >= argc)
			break;
		if (strcmp(argv[i], "--node") == 0)
			node = argv[i + 1];
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[i + 1]);
		else
			break;
	}
	if (argc - i < 2 || argc - i > 3 || seconds <= 0) {
		fputs("usage: measure [--node NAME] [--seconds N] URL OUT.csv [APPEND.csv]\n", stderr);
		return 2;
	}
	url = argv[i];
	out_csv = argv[i + 1];
	if (argc - i == 3)
		append_csv = argv[i + 2];

	printf("measure: libpowertest %s (header %s)\n", powertest_version(&major, &minor, &patch),
			POWERTEST_VERSION);
	check(strcmp(powertest_version(NULL, NULL, NULL), POWERTEST_VERSION) == 0 &&
			major == POWERTEST_VERSION_MAJOR && minor == POWERTEST_VERSION_MINOR &&
			patch == POWERTEST_VERSION_PATCH, "library and header versions agree");
	if (powertest_global_init(&err) != POWERTEST_OK) {
		fprintf(stderr, "measure: %s\n", err.message);
		return 1;
	}
	check_errors();

	if ((rc = powertest_client_new(&client, NULL, url, &err)) != POWERTEST_OK) {
		fprintf(stderr, "measure: client: (%d) %s\n", (int)rc, err.message);
		failures++;
		goto out;
	}
	printf("measure: Prometheus %s, config %s, query set %s\n", powertest_client_url(client),
			powertest_client_config_path(client) ? powertest_client_config_path(client) :
			"(built-in defaults)", powertest_client_queryset_path(client));
	if ((rc = powertest_client_ping(client, &err)) != POWERTEST_OK) {
		fprintf(stderr, "measure: ping: (%d) %s\n", (int)rc, err.message);
		failures++;
		goto out;
	}
	if ((rc = powertest_region_new(&region, client, task, &err)) != POWERTEST_OK ||
			(node && (rc = powertest_region_add_node(region, node, &err)) != POWERTEST_OK)) {
		fprintf(stderr, "measure: region: (%d) %s\n", (int)rc, err.message);
		failures++;
		goto out;
	}
	rc = powertest_region_end(region, &report, &err);
	check(rc == POWERTEST_EUSAGE && report == NULL, "ending a region not begun is POWERTEST_EUSAGE");

	if ((rc = powertest_region_begin(region, &err)) != POWERTEST_OK) {
		fprintf(stderr, "measure: begin: (%d) %s\n", (int)rc, err.message);
		failures++;
		goto out;
	}
	check(powertest_region_begin(region, NULL) == POWERTEST_EUSAGE,
			"beginning a running region is POWERTEST_EUSAGE");
	ran = busy_loop(seconds);
	rc = powertest_region_end(region, &report, &err);
	printf("measure: busy loop ran %.3f s; region %lld .. %lld ms\n", ran,
			(long long)powertest_region_start_ms(region), (long long)powertest_region_end_ms(region));
	if (rc != POWERTEST_OK) {
		fprintf(stderr, "measure: end: (%d) %s\n", (int)rc, err.message);
		failures++;
		if (report == NULL)
			goto out;
	}
	if (powertest_report_warning(report))
		printf("measure: warning: %s\n", powertest_report_warning(report));

	n = powertest_report_count(report);
	check(n >= 1, "at least one row");
	for (k = 0; k < n; k++) {
		const powertest_row *r = powertest_report_row(report, k);

		print_row(r);
		if (row == NULL && (node == NULL || strcmp(r->node, node) == 0))
			row = r;
	}
	check(powertest_report_row(report, n) == NULL, "row past the end is NULL");
	check(row != NULL, "a row for the node");
	if (row != NULL) {
		double region_s = (double)(powertest_region_end_ms(region) -
				powertest_region_start_ms(region)) / 1000.0;

		check(row->task != NULL && strcmp(row->task, task) == 0, "task name");
		check(fabs(row->duration_s - region_s) < 0.0015, "duration is the region's");
		check(fabs(row->duration_s - ran) < 0.25, "duration is the loop's");
		check(row->start_ms == powertest_region_start_ms(region) &&
				row->end_ms == powertest_region_end_ms(region), "row window is the region's");
		check(isfinite(row->cpu_util_pct) && row->cpu_util_pct > 0 &&
				row->cpu_util_pct <= 100, "cpu utilisation in (0, 100]");
		check(isfinite(row->energy_wh) && row->energy_wh > 0, "energy above zero");
		check(fabs(row->energy_j - row->energy_wh * 3600.0) <= 1e-9 * row->energy_j + 1e-9,
				"energy_j = energy_wh x 3600");
		check(fabs((double)row->energy_uj - row->energy_j * 1e6) <= 1.0,
				"energy_uj = energy_j x 10^6");
		check(fabs(row->power_w - (row->cpu_power_w + row->ram_power_w +
				(row->gpu_count ? row->gpu_power_w : 0))) < 1e-6, "power_w = cpu + ram + gpu");
		check(isfinite(row->co2_g) && row->co2_g > 0, "co2 above zero");
		check(row->status == POWERTEST_STATUS_OK && strcmp(row->status_text, "ok") == 0,
				"status ok");
	}

	if ((rc = powertest_report_write_csv(report, out_csv, 0, &err)) != POWERTEST_OK) {
		fprintf(stderr, "measure: %s: (%d) %s\n", out_csv, (int)rc, err.message);
		failures++;
	}
	for (k = 0; append_csv && k < 2; k++) {
		if ((rc = powertest_report_write_csv(report, append_csv, POWERTEST_CSV_APPEND,
				&err)) != POWERTEST_OK) {
			fprintf(stderr, "measure: %s: (%d) %s\n", append_csv, (int)rc, err.message);
			failures++;
		}
	}
	check(powertest_report_write_csv(report, out_csv, 2u, NULL) == POWERTEST_EUSAGE,
			"unknown write flags are POWERTEST_EUSAGE");
out:
	powertest_report_free(report);
	powertest_region_free(region);
	powertest_client_free(client);
	powertest_global_cleanup();
	printf("measure: %s (%d failure(s))\n", failures ? "FAILED" : "ok", failures);
	return failures ? 1 : 0;
}
