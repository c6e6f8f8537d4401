/* datadir.c - finds query sets and data tables: $POWERTEST_DATA_DIR, next to the program or library, installed, source tree. */
#include "datadir.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PT_SOURCE_DIR
#define PT_SOURCE_DIR ""
#endif
#ifndef PT_DATA_INSTALL_DIR
#define PT_DATA_INSTALL_DIR ""
#endif

/* malloc'd printf, NULL on OOM or when the result would not be a usable path. */
static char *path_printf(const char *fmt, ...) PT_PRINTF(1, 2);
static char *path_printf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = malloc((size_t)n + 1);
	if (p == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/* Returns *cand when it names a readable file (ownership moves to the
 * caller), else frees it and returns NULL. *oom is set when cand is NULL,
 * i.e. its allocation failed. */
static char *take_if_readable(char *cand, bool *oom)
{
	if (cand == NULL) {
		*oom = true;
		return NULL;
	}
	if (access(cand, R_OK) == 0)
		return cand;
	free(cand);
	return NULL;
}

/* <dir of the running program>/../share/powertest/<name>: a relocatable
 * install (a prefix copied elsewhere, a tarball) finds its own data. */
static char *beside_program(const char *name, bool *oom)
{
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	return take_if_readable(path_printf("%s/../share/powertest/%s", exe, name), oom);
}

/* Any object of this library: dladdr() on it names the file the library
 * was loaded from. */
static const char pt_datadir_anchor;

/* <dir of the library>/../share/powertest/<name>, or ../../share/... for a
 * multiarch libdir (lib/x86_64-linux-gnu): a program linked to an installed
 * libpowertest.so finds that install's data wherever the program lives. With
 * the static library the "library" is the program, as beside_program. */
static char *beside_library(const char *name, bool *oom)
{
	char dir[PATH_MAX];
	char *slash, *p;
	Dl_info info;

	if (dladdr(&pt_datadir_anchor, &info) == 0 || info.dli_fname == NULL ||
			realpath(info.dli_fname, dir) == NULL)
		return NULL;
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	p = take_if_readable(path_printf("%s/../share/powertest/%s", dir, name), oom);
	if (p == NULL && !*oom)
		p = take_if_readable(path_printf("%s/../../share/powertest/%s", dir, name), oom);
	return p;
}

/* The source tree keeps data tables in config/data/, not data/. */
static char *in_source_tree(const char *name, bool *oom)
{
	if (PT_SOURCE_DIR[0] == '\0')
		return NULL;
	if (strncmp(name, "data/", 5) == 0)
		return take_if_readable(path_printf("%s/config/data/%s", PT_SOURCE_DIR, name + 5), oom);
	return take_if_readable(path_printf("%s/%s", PT_SOURCE_DIR, name), oom);
}

char *pt_datadir_find(const char *name, struct pt_error *err)
{
	const char *env = getenv("POWERTEST_DATA_DIR");
	bool oom = false;
	char *p = NULL;

	if (name == NULL || name[0] == '\0') {
		pt_error_set(err, PT_EUSAGE, "no data file name given");
		return NULL;
	}
	if (env != NULL && env[0] != '\0')
		p = take_if_readable(path_printf("%s/%s", env, name), &oom);
	if (p == NULL && !oom)
		p = beside_program(name, &oom);
	if (p == NULL && !oom)
		p = beside_library(name, &oom);
	if (p == NULL && !oom && PT_DATA_INSTALL_DIR[0] != '\0')
		p = take_if_readable(path_printf("%s/%s", PT_DATA_INSTALL_DIR, name), &oom);
	if (p == NULL && !oom)
		p = in_source_tree(name, &oom);
	if (p != NULL)
		return p;
	if (oom)
		pt_error_oom(err);
	else
		pt_error_set(err, PT_EUSAGE,
				"cannot find '%s' (looked in $POWERTEST_DATA_DIR, "
				"../share/powertest beside the program and the library, %s, the source tree)",
				name, PT_DATA_INSTALL_DIR);
	return NULL;
}
