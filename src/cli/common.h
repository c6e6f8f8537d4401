/* common.h - pieces the report-writing commands share: windows, formats, output. */
#ifndef PT_CLI_COMMON_H
#define PT_CLI_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "model.h"
#include "render.h"
#include "report.h"

/* --start, --end, --last: how report and export take their window. */
enum { PT_OPT_START = 320, PT_OPT_END, PT_OPT_LAST };
#define PT_WINDOW_LONGOPTS \
	{"start", required_argument, NULL, PT_OPT_START}, \
	{"end", required_argument, NULL, PT_OPT_END}, \
	{"last", required_argument, NULL, PT_OPT_LAST}
struct pt_window_args {
	const char *start, *end, *last;
};
/* Takes opt when it is one of the three: true; false otherwise. */
bool pt_cli_window_option(struct pt_window_args *w, int opt, const char *arg);

/* Resolves --start/--end/--last into a window. Exactly one of (start and end)
 * or last; end after start. Prints a usage error and returns 2 on failure. */
int pt_cli_window(int64_t *start_ms, int64_t *end_ms, const char *cmd,
		const struct pt_window_args *w);

/* Opens config, query set, tables and client; prints the error and returns
 * the exit code on failure, 0 on success. */
int pt_cli_open(struct pt_ctx **ctx, const struct pt_cli *cli);

/* A growable list of --node values (pointers into argv). */
struct pt_strlist {
	const char **v;
	size_t n, cap;
};
int pt_strlist_add(struct pt_strlist *l, const char *s);
void pt_strlist_free(struct pt_strlist *l);

/* A duration flag's value ("--step 15s"): 0, or 2 with the message printed. */
int pt_cli_duration(int64_t *out, const char *cmd, const char *flag, const char *s);
/* --node NAME: not empty, and a node name (pt_node_name_check); 0 or the
 * usage error's exit status. */
int pt_cli_node(const char *cmd, const char *arg);
/* --concurrency N, 1..256: 0, or 2 with the message printed. */
int pt_cli_concurrency(int *out, const char *cmd, const char *s);

/* The options report and run share: --task, --node, --by, -o, --append, --format. */
enum {
	PT_OPT_TASK = 300, PT_OPT_NODE, PT_OPT_BY, PT_OPT_APPEND, PT_OPT_FORMAT
};
#define PT_OUT_LONGOPTS \
	{"task", required_argument, NULL, PT_OPT_TASK}, \
	{"node", required_argument, NULL, PT_OPT_NODE}, \
	{"by", required_argument, NULL, PT_OPT_BY}, \
	{"output", required_argument, NULL, 'o'}, \
	{"append", no_argument, NULL, PT_OPT_APPEND}, \
	{"format", required_argument, NULL, PT_OPT_FORMAT}

struct pt_out_opts {
	const char *task;
	const char *output;
	struct pt_strlist nodes;
	bool append;
	bool by_device;
	enum pt_format fmt;
};

/* Handles one of the shared options: 0 when taken, 2 (message printed) when
 * its value is bad, -1 when opt is not one of them. */
int pt_cli_out_option(struct pt_out_opts *o, int opt, const char *arg, const char *cmd);
/* Writes rows where o says, in its format (the HTML page titled after cmd
 * and task). PT_OK or the error, not printed. */
int pt_cli_emit(struct pt_ctx *ctx, const struct pt_row *rows, size_t n,
		const struct pt_out_opts *o, const char *cmd, const char *task, struct pt_error *err);
/* Checks the combination once all options are read: 0 or 2 (message printed). */
int pt_cli_out_check(const struct pt_out_opts *o, const char *cmd);
/* A database URI given to -o: 0, or 2 with the message printed when it is
 * malformed or csv is false (another --format was asked for). */
int pt_cli_db_check(const char *uri, bool csv, const char *cmd);

#endif
