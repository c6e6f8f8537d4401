/* cli.h - what the command files share: global options, messages, exit-code mapping. */
#ifndef PT_CLI_H
#define PT_CLI_H

#include <stdbool.h>
#include "error.h"

struct pt_cli {
	const char *config_path; /* -c, or NULL */
	const char *url;         /* -u, or NULL */
	int verbosity;           /* -1 quiet, 0 normal, 1 verbose */
	const char *argv0;
};

/* Prints "powertest: <message>" on stderr (unless quiet and level is info). */
void pt_msg(const struct pt_cli *cli, const char *fmt, ...) PT_PRINTF(2, 3);
void pt_verbose(const struct pt_cli *cli, const char *fmt, ...) PT_PRINTF(2, 3);
/* Prints err's message once as "powertest: ..." and returns the exit code for it. */
int pt_fail(const struct pt_error *err);
/* Usage error: prints "powertest: <msg>" and a hint to --help, returns 2. */
int pt_usage_error(const char *cmd, const char *fmt, ...) PT_PRINTF(2, 3);

/* Each command: argc/argv start at the command name (argv[0] = "report"). */
int cmd_targets(const struct pt_cli *cli, int argc, char **argv);
int cmd_report(const struct pt_cli *cli, int argc, char **argv);
int cmd_check(const struct pt_cli *cli, int argc, char **argv);
int cmd_run(const struct pt_cli *cli, int argc, char **argv);
int cmd_batch(const struct pt_cli *cli, int argc, char **argv);
int cmd_export(const struct pt_cli *cli, int argc, char **argv);
int cmd_serve(const struct pt_cli *cli, int argc, char **argv);

#endif
