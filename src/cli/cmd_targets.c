/* cmd_targets.c - `powertest targets`: health of the scrape targets, as a table, CSV or JSON. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "client.h"
#include "config.h"
#include "csvout.h"
#include "prom.h"
#include "timefmt.h"

static const char targets_usage[] =
	"usage: powertest targets [--job NAME]... [--format table|csv|json]\n"
	"\n"
	"Health of the scrape targets Prometheus knows (/api/v1/targets):\n"
	"job, instance, health, seconds since the last scrape, last error.\n"
	"\n"
	"Options:\n"
	"  -j, --job NAME      only targets of this job (repeatable)\n"
	"  -f, --format FMT    table (default), csv or json\n"
	"  -h, --help          this help\n"
	"\n"
	"Exit status: 0 all selected targets up, 1 a target is down or unknown or\n"
	"a --job matches nothing, 2 usage or configuration error, 3 Prometheus\n"
	"cannot be asked.\n";

enum format { FMT_TABLE, FMT_CSV, FMT_JSON };

static const char *const columns[] = {
	"job", "instance", "health", "last_scrape_age_s", "last_error"
};
#define NCOLS (sizeof(columns) / sizeof(columns[0]))

static int by_job_instance(const void *a, const void *b)
{
	const struct pt_target *x = *(const struct pt_target *const *)a;
	const struct pt_target *y = *(const struct pt_target *const *)b;
	int c = strcmp(x->job, y->job);

	if (c == 0)
		c = strcmp(x->instance, y->instance);
	if (c == 0)
		c = strcmp(x->scrape_url, y->scrape_url);
	return c;
}

/* Seconds since the last scrape with one decimal into buf, "" when never.
 * A clock a little behind the server's would give a negative age: 0. */
static void age_text(char *buf, size_t size, const struct pt_target *t, int64_t now_ms)
{
	int64_t d;

	if (t->last_scrape_ms <= 0) {
		buf[0] = '\0';
		return;
	}
	d = now_ms - t->last_scrape_ms;
	snprintf(buf, size, "%.1f", d > 0 ? (double)d / 1000.0 : 0.0);
}

/* A table cell is one line of text a terminal only shows: line breaks
 * become spaces, other control characters (escapes) '?'. */
static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int write_table(struct pt_buf *out, struct pt_target **sel, size_t n, int64_t now_ms,
		struct pt_error *err)
{
	size_t w[NCOLS], i, c;
	char age[32];
	int rc;

	for (c = 0; c < NCOLS; c++)
		w[c] = strlen(columns[c]);
	for (i = 0; i < n; i++) {
		one_line(sel[i]->job);
		one_line(sel[i]->instance);
		one_line(sel[i]->health);
		age_text(age, sizeof(age), sel[i], now_ms);
		if (strlen(sel[i]->job) > w[0]) w[0] = strlen(sel[i]->job);
		if (strlen(sel[i]->instance) > w[1]) w[1] = strlen(sel[i]->instance);
		if (strlen(sel[i]->health) > w[2]) w[2] = strlen(sel[i]->health);
		if (strlen(age[0] ? age : "never") > w[3]) w[3] = strlen(age[0] ? age : "never");
	}
	if ((rc = pt_buf_printf(out, err, "%-*s  %-*s  %-*s  %*s  %s\n", (int)w[0], columns[0],
			(int)w[1], columns[1], (int)w[2], columns[2], (int)w[3], columns[3],
			columns[4])) != PT_OK)
		return rc;
	for (i = 0; i < n; i++) {
		one_line(sel[i]->last_error);
		age_text(age, sizeof(age), sel[i], now_ms);
		/* Ages are right-aligned so the decimals line up; no trailing blanks. */
		if ((rc = pt_buf_printf(out, err, "%-*s  %-*s  %-*s  %*s%s%s\n", (int)w[0], sel[i]->job,
				(int)w[1], sel[i]->instance, (int)w[2], sel[i]->health, (int)w[3],
				age[0] ? age : "never", sel[i]->last_error[0] ? "  " : "",
				sel[i]->last_error)) != PT_OK)
			return rc;
	}
	return PT_OK;
}

static int write_csv(struct pt_buf *out, struct pt_target **sel, size_t n, int64_t now_ms,
		struct pt_error *err)
{
	char age[32];
	size_t i, c;
	int rc;

	for (c = 0; c < NCOLS; c++)
		if ((rc = pt_buf_printf(out, err, "%s%s", c ? "," : "", columns[c])) != PT_OK)
			return rc;
	if ((rc = pt_buf_append(out, "\n", 1, err)) != PT_OK)
		return rc;
	for (i = 0; i < n; i++) {
		age_text(age, sizeof(age), sel[i], now_ms);
		if ((rc = pt_csv_field(out, sel[i]->job, true, err)) != PT_OK
				|| (rc = pt_csv_field(out, sel[i]->instance, false, err)) != PT_OK
				|| (rc = pt_csv_field(out, sel[i]->health, false, err)) != PT_OK
				|| (rc = pt_buf_printf(out, err, ",%s", age)) != PT_OK
				|| (rc = pt_csv_field(out, sel[i]->last_error, false, err)) != PT_OK
				|| (rc = pt_buf_append(out, "\n", 1, err)) != PT_OK)
			return rc;
	}
	return PT_OK;
}

static int write_json(struct pt_buf *out, struct pt_target **sel, size_t n, int64_t now_ms,
		struct pt_error *err)
{
	cJSON *arr = NULL, *o;
	char *text = NULL;
	size_t i;
	int rc = PT_OK;

	if ((arr = cJSON_CreateArray()) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct pt_target *t = sel[i];
		cJSON *age;

		if ((o = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			rc = pt_error_oom(err);
			goto out;
		}
		/* Keys in column order; age rounded as in the other formats, null when never. */
		if (!cJSON_AddStringToObject(o, "job", t->job)
				|| !cJSON_AddStringToObject(o, "instance", t->instance)
				|| !cJSON_AddStringToObject(o, "health", t->health)) {
			rc = pt_error_oom(err);
			goto out;
		}
		if (t->last_scrape_ms > 0) {
			double d = (double)(now_ms - t->last_scrape_ms) / 1000.0;

			age = cJSON_AddNumberToObject(o, "last_scrape_age_s",
					d > 0 ? round(d * 10.0) / 10.0 : 0.0);
		} else {
			age = cJSON_AddNullToObject(o, "last_scrape_age_s");
		}
		if (age == NULL || !cJSON_AddStringToObject(o, "last_error", t->last_error)) {
			rc = pt_error_oom(err);
			goto out;
		}
	}
	if ((text = cJSON_PrintUnformatted(arr)) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	if ((rc = pt_buf_printf(out, err, "%s\n", text)) != PT_OK)
		goto out;
out:
	cJSON_free(text);
	cJSON_Delete(arr);
	return rc;
}

int cmd_targets(const struct pt_cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"job", required_argument, NULL, 'j'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct pt_error err = {0, ""};
	struct pt_config *cfg = NULL;
	struct pt_prom *prom = NULL;
	struct pt_targets *targets = NULL;
	struct pt_target **sel = NULL;
	const char **jobs = NULL;
	bool *job_seen = NULL;
	struct pt_buf out = {0}, missing = {0};
	enum format fmt = FMT_TABLE;
	size_t njobs = 0, nsel = 0, ndown = 0, i, j;
	int opt, rc = 0;
	int64_t now_ms;

	/* At most argc jobs; the strings stay in argv. */
	if ((jobs = calloc((size_t)argc, sizeof(*jobs))) == NULL
			|| (job_seen = calloc((size_t)argc, sizeof(*job_seen))) == NULL) {
		pt_error_oom(&err);
		rc = pt_fail(&err);
		goto out;
	}
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:j:f:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			jobs[njobs++] = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "table") == 0)
				fmt = FMT_TABLE;
			else if (strcmp(optarg, "csv") == 0)
				fmt = FMT_CSV;
			else if (strcmp(optarg, "json") == 0)
				fmt = FMT_JSON;
			else {
				rc = pt_usage_error("targets", "unknown format '%s' (table, csv or json)", optarg);
				goto out;
			}
			break;
		case 'h':
			fputs(targets_usage, stdout);
			rc = 0;
			goto out;
		case ':':
			rc = pt_usage_error("targets", "option '%s' needs a value", argv[optind - 1]);
			goto out;
		default:
			rc = pt_usage_error("targets", "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		rc = pt_usage_error("targets", "unexpected argument '%s'", argv[optind]);
		goto out;
	}

	if (pt_config_load(&cfg, pt_config_locate(cli->config_path), &err) != PT_OK
			|| pt_client_open(&prom, cfg, cli->url, &err) != PT_OK
			|| pt_prom_targets(&targets, prom, &err) != PT_OK) {
		rc = pt_fail(&err);
		goto out;
	}
	now_ms = pt_now_ms();

	if (targets->n && (sel = calloc(targets->n, sizeof(*sel))) == NULL) {
		pt_error_oom(&err);
		rc = pt_fail(&err);
		goto out;
	}
	for (i = 0; i < targets->n; i++) {
		struct pt_target *t = &targets->items[i];
		bool keep = njobs == 0;

		for (j = 0; j < njobs; j++)
			if (strcmp(jobs[j], t->job) == 0)
				keep = job_seen[j] = true;
		if (!keep)
			continue;
		sel[nsel++] = t;
		if (strcmp(t->health, "up") != 0)
			ndown++;
	}
	if (nsel > 1)
		qsort(sel, nsel, sizeof(*sel), by_job_instance);

	switch (fmt) {
	case FMT_TABLE: rc = write_table(&out, sel, nsel, now_ms, &err); break;
	case FMT_CSV: rc = write_csv(&out, sel, nsel, now_ms, &err); break;
	case FMT_JSON: rc = write_json(&out, sel, nsel, now_ms, &err); break;
	}
	if (rc != PT_OK) {
		rc = pt_fail(&err);
		goto out;
	}
	/* main checks that stdout was written (ferror) and exits 4 if not. */
	fwrite(out.data, 1, out.len, stdout);

	/* One line saying what is missing: unmatched jobs, then down targets. */
	for (j = 0; j < njobs; j++) {
		bool dup = false;

		for (i = 0; i < j; i++)
			dup |= strcmp(jobs[i], jobs[j]) == 0;
		if (!job_seen[j] && !dup
				&& pt_buf_printf(&missing, &err, "%s--job %s", missing.len ? ", " : "",
					jobs[j]) != PT_OK) {
			rc = pt_fail(&err);
			goto out;
		}
	}
	rc = 0;
	if (missing.len && ndown)
		pt_msg(cli, "no target matches %s; %zu of %zu targets down", missing.data, ndown, nsel);
	else if (missing.len)
		pt_msg(cli, "no target matches %s", missing.data);
	else if (ndown)
		pt_msg(cli, "%zu of %zu targets down", ndown, nsel);
	else if (nsel == 0 && cfg->targets_url == NULL)
		/* VictoriaMetrics fed by vmagent answers with an empty list. */
		pt_msg(cli, "Prometheus has no active targets (if another process scrapes for this "
				"store, such as vmagent, set prometheus.targets_url to it)");
	else if (nsel == 0)
		pt_msg(cli, "Prometheus has no active targets");
	if (missing.len || ndown || nsel == 0)
		rc = 1;
out:
	pt_buf_free(&out);
	pt_buf_free(&missing);
	free(sel);
	free(jobs);
	free(job_seen);
	pt_targets_free(targets);
	pt_prom_free(prom);
	pt_config_free(cfg);
	return rc;
}
