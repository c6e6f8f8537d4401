/* cmd_batch.c - powertest batch: one report row per (task, node) of every window in a jobs file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "common.h"
#include "csvout.h"
#include "html.h"
#include "schema.h"
#include "sink.h"
#include "timefmt.h"

static const char batch_usage[] =
	"usage: powertest batch JOBS.csv [options]\n"
	"\n"
	"One energy report row per (task, node) for every window of a jobs file, in\n"
	"the file's order. The raw samples of the series the query set reads are\n"
	"fetched per job window, or in time slices many jobs share, whichever costs\n"
	"less, and each window is evaluated locally as report would (-v: the plan).\n"
	"\n"
	"  JOBS.csv             CSV with a header: task,start,end (any order), nodes\n"
	"                       optional (names separated by ';', empty = every node\n"
	"                       with data); other columns are ignored; '-' = stdin\n"
	"  -o, --output FILE    write to FILE (replaced atomically) instead of stdout\n"
	"  -o DATABASE          upsert the rows into sqlite:PATH,\n"
	"                       mysql://USER@HOST[:PORT]/DB or\n"
	"                       postgresql://USER@HOST[:PORT]/DB (table powertest_report;\n"
	"                       password from outputs.password_file), all or none\n"
	"  --resume             keep the rows FILE (or DATABASE) already has, compute\n"
	"                       only the missing (task, node) rows (needs -o)\n"
	"  --concurrency N      requests in flight (default 4)\n"
	"  --step DUR           grid step of the range queries (default: the scrape\n"
	"                       interval of the targets, else 15s); a coarser step\n"
	"                       is faster but only approximate at window edges;\n"
	"                       --step, --scrape-interval, --chunk: at most 365d\n"
	"  --scrape-interval DUR  sample interval of the data, when the targets API\n"
	"                       does not know it (backfilled history)\n"
	"  --chunk DUR          longest time slice fetched at once (default: 10000\n"
	"                       steps, less for many nodes; raw samples: as memory\n"
	"                       allows); if Prometheus fails, the jobs of finished\n"
	"                       slices are kept\n"
	"  --fetch MODE         auto (default): raw samples, one fetch per job window\n"
	"                       or slices shared by many jobs, whichever costs less;\n"
	"                       windows, slices: only that; range: range queries on\n"
	"                       the grid (always so with --step, on MetricsQL stores\n"
	"                       and for templates outside the local PromQL subset)\n"
	"  --format FMT         csv (default: report's CSV columns) or html (one\n"
	"                       self-contained page: totals, charts per node, a\n"
	"                       sortable table of the rows, the assumptions)\n"
	"  -h, --help           this help\n"
	"\n"
	"Exit: 0 ok, 1 a node without data, 2 usage or jobs file, 3 Prometheus (the\n"
	"rows computed are written; finish with --resume), 4 output.\n";

struct progress {
	bool on;
	int last_pct;
};

static void show_progress(void *user, size_t done, size_t total)
{
	struct progress *p = user;
	int pct = total ? (int)(done * 100 / total) : 100, bar = pct / 5;

	if (!p->on || pct == p->last_pct)
		return;
	p->last_pct = pct;
	fprintf(stderr, "\rpowertest: batch [%.*s%*s] %3d%% %zu/%zu jobs", bar, "####################",
			20 - bar, "", pct, done, total);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* "powertest: no rows for 3 of 10 jobs: a (line 4), b (line 5), ..." - every
 * one, so that the user knows exactly what --resume will compute. */
/* One line: why, which jobs have no rows, and what to do about it. */
static void name_failed(const struct pt_error *why, const struct pt_jobs *jobs,
		const struct pt_batch_result *res, const char *kept, const char *left)
{
	size_t i;

	fprintf(stderr, "powertest: %s; no rows for %zu of %zu jobs:", why->msg, res->nfailed, jobs->n);
	for (i = 0; i < res->nfailed && i < 100; i++) {
		const struct pt_job *j = &jobs->items[res->failed[i]];
		const char *c;
		fputs(i ? ", " : " ", stderr);
		for (c = j->task; *c; c++) /* one line, whatever the task names hold */
			fputc((unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c, stderr);
		fprintf(stderr, " (line %d)", j->line);
	}
	if (res->nfailed > 100)
		fprintf(stderr, " and %zu more", res->nfailed - 100);
	if (kept)
		fprintf(stderr, "; the rows computed are in %s: run the same command with --resume "
				"to add the others", kept);
	else if (left)
		fprintf(stderr, "; %s is left as it was: run again, with --resume to keep its rows",
				left);
	fputc('\n', stderr);
}

/* --resume into a database: a (job, node) whose row is there already is
 * not computed again. */
static int keep_missing(void *user, const struct pt_job *job, const char *node, bool *keep,
		struct pt_error *err)
{
	bool has;
	int rc = pt_sink_has(user, job->task, node, job->start_ms, job->end_ms, &has, err);

	*keep = !has;
	return rc;
}

/* -v: what the plan chose (doc/reference.md §1.5). */
static void batch_plan(const struct pt_cli *cli, const struct pt_batch_result *res)
{
	size_t range = res->jobs_computed - res->raw_jobs;

	if (res->jobs_computed == 0)
		return;
	pt_verbose(cli, "batch plan: %zu jobs from raw samples (%zu fetches of one window, %zu "
			"slices holding several; %zu requests, %zu samples, at most %zu held), %zu from range "
			"queries%s%s%s", res->raw_jobs, res->raw_windows, res->raw_slices, res->raw_requests,
			res->raw_samples, res->peak_samples, range, res->fetch_note[0] ? " (raw samples not used: " : "",
			res->fetch_note, res->fetch_note[0] ? ")" : "");
}

int cmd_batch(const struct pt_cli *cli, int argc, char **argv)
{
	enum { OPT_RESUME = 256, OPT_CONC, OPT_STEP, OPT_SCRAPE, OPT_CHUNK, OPT_FORMAT, OPT_FETCH };
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"resume", no_argument, NULL, OPT_RESUME},
		{"concurrency", required_argument, NULL, OPT_CONC},
		{"step", required_argument, NULL, OPT_STEP},
		{"scrape-interval", required_argument, NULL, OPT_SCRAPE},
		{"chunk", required_argument, NULL, OPT_CHUNK},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"fetch", required_argument, NULL, OPT_FETCH},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *output = NULL, *jobs_path = NULL;
	struct pt_error err = {0, ""};
	struct pt_jobs *jobs = NULL;
	struct pt_batch_prev *prev = NULL;
	struct pt_ctx *ctx = NULL;
	struct pt_out *out = NULL;
	struct pt_batch_opts opts;
	struct pt_batch_result res;
	struct progress prog = {false, -1};
	bool resume = false, existed = false, db, html = false;
	size_t skipped = 0, njobs;
	char tmp[4096] = "";
	int opt, rc;

	memset(&opts, 0, sizeof(opts));
	memset(&res, 0, sizeof(res));
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o': output = optarg; break;
		case OPT_RESUME: resume = true; break;
		case OPT_CONC:
			if ((rc = pt_cli_concurrency(&opts.concurrency, "batch", optarg)) != 0)
				goto out;
			break;
		case OPT_STEP:
			if ((rc = pt_cli_duration(&opts.step_ms, "batch", "--step", optarg)) != 0)
				goto out;
			break;
		case OPT_SCRAPE:
			if ((rc = pt_cli_duration(&opts.scrape_ms, "batch", "--scrape-interval", optarg)) != 0)
				goto out;
			break;
		case OPT_CHUNK:
			if ((rc = pt_cli_duration(&opts.chunk_ms, "batch", "--chunk", optarg)) != 0)
				goto out;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "html") != 0) {
				rc = pt_usage_error("batch", "batch writes csv or html, not '%s'", optarg);
				goto out;
			}
			html = strcmp(optarg, "html") == 0;
			break;
		case OPT_FETCH:
			if (strcmp(optarg, "auto") == 0)
				opts.fetch = PT_FETCH_AUTO;
			else if (strcmp(optarg, "windows") == 0)
				opts.fetch = PT_FETCH_WINDOWS;
			else if (strcmp(optarg, "slices") == 0)
				opts.fetch = PT_FETCH_SLICES;
			else if (strcmp(optarg, "range") == 0)
				opts.fetch = PT_FETCH_RANGE;
			else {
				rc = pt_usage_error("batch", "--fetch is auto, windows, slices or range, not '%s'",
						optarg);
				goto out;
			}
			break;
		case 'h': fputs(batch_usage, stdout); rc = 0; goto out;
		case ':': rc = pt_usage_error("batch", "option '%s' needs a value", argv[optind - 1]); goto out;
		default: rc = pt_usage_error("batch", "unknown option '%s'", argv[optind - 1]); goto out;
		}
	}
	if (optind >= argc) {
		rc = pt_usage_error("batch", "a jobs file is needed");
		goto out;
	}
	jobs_path = argv[optind++];
	if (optind < argc) {
		rc = pt_usage_error("batch", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (strcmp(jobs_path, "-") == 0 && cli->config_path && strcmp(cli->config_path, "-") == 0) {
		rc = pt_usage_error("batch", "the config and the jobs file cannot both be standard input");
		goto out;
	}
	if (resume && html) {
		rc = pt_usage_error("batch", "--resume works with --format csv only");
		goto out;
	}
	if (resume && output == NULL) {
		rc = pt_usage_error("batch", "--resume needs -o FILE or -o DATABASE (what to complete)");
		goto out;
	}

	if (pt_jobs_load(&jobs, jobs_path, &err) != PT_OK) {
		if (jobs && jobs->nproblems) {
			/* One line: the first problem, and how many more there are. */
			if (jobs->nbad > 1)
				fprintf(stderr, "powertest: %s (and %zu more bad row%s)\n", jobs->problems[0],
						jobs->nbad - 1, jobs->nbad == 2 ? "" : "s");
			else
				fprintf(stderr, "powertest: %s\n", jobs->problems[0]);
			rc = pt_exit_code(PT_EUSAGE);
		} else {
			rc = pt_fail(&err);
		}
		goto out;
	}
	njobs = jobs->n;
	db = pt_db_is_uri(output);
	if (db && (rc = pt_cli_db_check(output, !html, "batch")) != 0)
		goto out;
	if (resume && !db && pt_batch_prev_load(&prev, output, &err) != PT_OK) {
		rc = pt_fail(&err);
		goto out;
	}
	if ((rc = pt_cli_open(&ctx, cli)) != 0)
		goto out;
	if (db) {
		/* One transaction: a failed run writes nothing, unless --resume asks
		 * to keep what was computed. */
		if (pt_sink_open(&opts.sink, output, ctx->cfg->output_password_file, &err) != PT_OK ||
				(resume && pt_jobs_filter(jobs, keep_missing, opts.sink, &skipped, &err)
					!= PT_OK) ||
				pt_sink_begin(opts.sink, &pt_schema_node, &err) != PT_OK) {
			rc = pt_fail(&err);
			goto out;
		}
		if (resume)
			pt_verbose(cli, "%zu of the jobs' rows (a whole job for one of every node) are in "
					"%s already", skipped, output);
	} else {
		/* A file this run would replace (not stdout, a pipe or a device). */
		existed = output && !pt_out_in_place(output) && access(output, F_OK) == 0;
		/* html: the rows go to a temporary CSV first, the page is made of it. */
		if (html && (pt_out_check(output, false, &err) != PT_OK ||
				pt_html_tmp_file(tmp, sizeof(tmp), &err) != PT_OK)) {
			rc = pt_fail(&err);
			goto out;
		}
		if (pt_out_open(&out, html ? tmp : output, false, pt_schema_header(&pt_schema_node),
				&err) != PT_OK) {
			rc = pt_fail(&err);
			goto out;
		}
	}
	prog.on = cli->verbosity >= 0 && isatty(STDERR_FILENO);
	opts.prev = prev;
	opts.progress = show_progress;
	opts.user = &prog;
	rc = pt_batch_run(&res, ctx, jobs, &opts, out, &err);
	if (rc != PT_OK && rc != PT_ENET) {
		rc = pt_fail(&err);
		goto out;
	}
	if (prog.on && prog.last_pct >= 0 && prog.last_pct < 100)
		fputc('\n', stderr);
	if (rc == PT_ENET) {
		struct pt_error cerr = {0, ""};
		/* Keep what was computed for --resume, unless that would replace a
		 * file this run did not start from (rows of before are not lost). */
		bool keep = !html && res.rows > res.rows_kept && (resume || (!existed && !db));
		if (keep && (db ? pt_sink_commit(opts.sink, &cerr) : pt_out_commit(out, &cerr))
				!= PT_OK) {
			pt_fail(&err);
			rc = pt_fail(&cerr);
			goto out;
		}
		name_failed(&err, jobs, &res, keep ? output : NULL,
				(existed || db) && !keep ? output : NULL);
		rc = pt_exit_code(PT_ENET);
		goto out;
	}
	if ((db ? pt_sink_commit(opts.sink, &err) : pt_out_commit(out, &err)) != PT_OK ||
			(html && pt_html_emit_csv(ctx, "batch", "powertest batch", tmp, output,
				&err) != PT_OK)) {
		rc = pt_fail(&err);
		goto out;
	}
	batch_plan(cli, &res);
	pt_verbose(cli, "%zu rows (%zu kept from before) for %zu jobs; %zu computed with %zu range "
			"queries in %zu slices (step %lldms, samples every %lldms)", res.rows, res.rows_kept,
			jobs->n, res.jobs_computed, res.requests, res.slices, (long long)res.step_ms,
			(long long)res.scrape_ms);
	if (njobs == 0)
		pt_msg(cli, "%s has no jobs", jobs_path);
	rc = res.missing ? 1 : 0;
out:
	if (tmp[0])
		unlink(tmp);
	pt_batch_result_clear(&res);
	pt_sink_free(opts.sink);
	pt_out_free(out);
	pt_ctx_free(ctx);
	pt_batch_prev_free(prev);
	pt_jobs_free(jobs);
	return rc;
}
