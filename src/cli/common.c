/* common.c - windows, formats and output shared by report, run and batch. */
#include "common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"
#include "html.h"
#include "sink.h"
#include "text.h"
#include "timefmt.h"

bool pt_cli_window_option(struct pt_window_args *w, int opt, const char *arg)
{
	switch (opt) {
	case PT_OPT_START: w->start = arg; return true;
	case PT_OPT_END: w->end = arg; return true;
	case PT_OPT_LAST: w->last = arg; return true;
	default: return false;
	}
}

int pt_cli_window(int64_t *start_ms, int64_t *end_ms, const char *cmd,
		const struct pt_window_args *w)
{
	const char *start = w->start, *end = w->end, *last = w->last;
	struct pt_error err = {0, ""};

	if (last && (start || end))
		return pt_usage_error(cmd, "give either --start and --end, or --last");
	if (last) {
		if (pt_window_last(start_ms, end_ms, last, &err) != PT_OK)
			return pt_usage_error(cmd, "--last: %s", err.msg);
		return 0;
	}
	if (start == NULL || end == NULL)
		return pt_usage_error(cmd, "a window is needed: --start T --end T, or --last DUR");
	if (pt_time_parse(start_ms, start, &err) != PT_OK ||
			pt_time_parse(end_ms, end, &err) != PT_OK)
		return pt_usage_error(cmd, "%s", err.msg);
	if (*end_ms <= *start_ms)
		return pt_usage_error(cmd, "--end (%s) must be after --start (%s)", end, start);
	/* rate() over a window with no samples yet at its end would be diluted,
	 * not partial: measure windows that are over. */
	if (*end_ms > pt_now_ms() + PT_FUTURE_SLACK_MS)
		return pt_usage_error(cmd, "--end (%s) is in the future; measure the window once it is over",
				end);
	return 0;
}

/* -v: each warning a store sends, as it comes (the rows' status has them too). */
static void store_warning(void *user, const char *text)
{
	pt_verbose(user, "store warned: %s", text);
}

int pt_cli_open(struct pt_ctx **ctx, const struct pt_cli *cli)
{
	struct pt_error err = {0, ""};

	if (pt_ctx_open(ctx, pt_config_locate(cli->config_path), cli->url, &err) != PT_OK)
		return pt_fail(&err);
	if (cli->verbosity > 0) {
		(*ctx)->on_store_warning = store_warning;
		(*ctx)->on_store_warning_user = (void *)cli;
	}
	return 0;
}

int pt_strlist_add(struct pt_strlist *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		const char **v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	return 0;
}

void pt_strlist_free(struct pt_strlist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int pt_cli_out_option(struct pt_out_opts *o, int opt, const char *arg, const char *cmd)
{
	int fmt;

	switch (opt) {
	case PT_OPT_TASK:
		o->task = arg;
		return 0;
	case PT_OPT_NODE:
		if ((fmt = pt_cli_node(cmd, arg)) != 0)
			return fmt;
		if (pt_strlist_add(&o->nodes, arg) != 0)
			return pt_fail(&(struct pt_error){PT_ENOMEM, "out of memory"});
		return 0;
	case PT_OPT_BY:
		if (strcmp(arg, "device") != 0 && strcmp(arg, "node") != 0)
			return pt_usage_error(cmd, "--by takes 'node' or 'device', not '%s'", arg);
		o->by_device = strcmp(arg, "device") == 0;
		return 0;
	case 'o':
		o->output = arg;
		return 0;
	case PT_OPT_APPEND:
		o->append = true;
		return 0;
	case PT_OPT_FORMAT:
		if ((fmt = pt_format_parse(arg)) < 0)
			return pt_usage_error(cmd, "unknown format '%s' (csv, table, json, html)", arg);
		o->fmt = (enum pt_format)fmt;
		return 0;
	default:
		return -1;
	}
}

int pt_cli_out_check(const struct pt_out_opts *o, const char *cmd)
{
	struct pt_error err = {0, ""};

	if (o->append && o->output == NULL)
		return pt_usage_error(cmd, "--append needs -o FILE");
	if (o->append && o->fmt != PT_FMT_CSV)
		return pt_usage_error(cmd, "--append works with --format csv only");
	/* Before any work (for run, before the command): the rows must have
	 * somewhere to go. */
	if (pt_db_is_uri(o->output))
		return pt_cli_db_check(o->output, o->fmt == PT_FMT_CSV, cmd);
	if (pt_out_check(o->output, o->append, &err) != PT_OK)
		return pt_fail(&err);
	return 0;
}

int pt_cli_db_check(const char *uri, bool csv, const char *cmd)
{
	struct pt_error err = {0, ""};
	struct pt_db_uri u;
	int rc;

	if (!csv)
		return pt_usage_error(cmd, "a database takes the rows themselves: --format does "
				"not apply to it");
	rc = pt_db_uri_parse(&u, uri, &err);
	pt_db_uri_clear(&u);
	return rc == PT_OK ? 0 : pt_fail(&err);
}

int pt_cli_duration(int64_t *out, const char *cmd, const char *flag, const char *s)
{
	struct pt_error err = {0, ""};

	if (pt_duration_parse(out, s, &err) != PT_OK)
		return pt_usage_error(cmd, "%s: %s", flag, err.msg);
	if (*out > PT_DURATION_OPT_MAX_MS)
		return pt_usage_error(cmd, "%s: at most 365d, not '%s'", flag, s);
	return 0;
}

int pt_cli_node(const char *cmd, const char *arg)
{
	struct pt_error err = {0, ""};

	if (*arg == '\0')
		return pt_usage_error(cmd, "--node needs a node name");
	if (pt_node_name_check(arg, &err) != PT_OK)
		return pt_usage_error(cmd, "--node: %s", err.msg);
	return 0;
}

int pt_cli_concurrency(int *out, const char *cmd, const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || n < 1 || n > 256)
		return pt_usage_error(cmd, "--concurrency takes a number from 1 to 256, not '%s'", s);
	*out = (int)n;
	return 0;
}

int pt_cli_emit(struct pt_ctx *ctx, const struct pt_row *rows, size_t n,
		const struct pt_out_opts *o, const char *cmd, const char *task, struct pt_error *err)
{
	char title[256];

	if (o->fmt != PT_FMT_HTML)
		return pt_emit_rows(rows, n, o->fmt, o->by_device,
				&(struct pt_dest){o->output, o->append, ctx->cfg->output_password_file}, err);
	snprintf(title, sizeof(title), "powertest %s%s%s", cmd, task ? ": " : "", task ? task : "");
	return pt_html_emit_rows(ctx, rows, n, o->by_device, title, o->output, err);
}
