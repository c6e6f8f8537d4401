/* cmd_serve.c - powertest serve (not written yet: says so and exits 2). */
#include "cli.h"

int cmd_serve(const struct pt_cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	return pt_usage_error(argv[0], "'%s' is not implemented yet", argv[0]);
}
