/* error.h - error codes and the caller-owned error buffer passed down every call. */
#ifndef PT_ERROR_H
#define PT_ERROR_H

#include <stddef.h>

#define PT_WUR __attribute__((warn_unused_result))
#define PT_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Stable codes. 0-5 are the public library's too (powertest_code); each
 * has its exit status and public code in one table (error.c). */
enum pt_code {
	PT_OK = 0,
	PT_EMISSING = 1, /* done, but something is missing (target down, no data) */
	PT_EUSAGE = 2,   /* bad flag, time, duration, YAML, key, query set, jobs file */
	PT_ENET = 3,     /* Prometheus or network: unreachable, HTTP, PromQL, bad JSON */
	PT_EWRITE = 4,   /* cannot write the output */
	PT_ENOMEM = 5,   /* out of memory; the CLI reports it as exit 3 */
	PT_ESYS = 6      /* the system refused what powertest itself needs (fork, pipe) */
};

/* The command line's exit status for a code (doc/reference.md §3): 0-4 as the code,
 * 3 for PT_ENOMEM, 125 for PT_ESYS (as env(1) and timeout(1) exit when they
 * cannot start the command), 3 for a code it does not know. */
int pt_exit_code(int code);

/* The public library's code (powertest_code) for a code: itself for 0-5,
 * POWERTEST_ENET for any other. */
int pt_public_code(int code);

/* A short description of a code ("missing data"); "unknown error" for a code
 * it does not know. Never NULL. */
const char *pt_strerror(int code);

/* One line of detail, filled by the innermost function that knows what went
 * wrong; callers propagate the code and never overwrite the message. */
struct pt_error {
	int code;
	char msg[256];
};

/* Sets err (if not NULL) to code and a printf-formatted one-line message,
 * and returns code, so callers can write `return pt_error_set(...)`. */
int pt_error_set(struct pt_error *err, int code, const char *fmt, ...) PT_PRINTF(3, 4);

/* url without the credentials it may carry (they become "***"), for
 * messages and output. */
void pt_url_redact(char *dst, size_t size, const char *url);

/* Warnings for the user that are not errors (a secret file others can
 * read): the library never prints, so they go to the function the program
 * sets (once, at start, before any thread), else nowhere. */
void pt_set_warning_handler(void (*fn)(const char *msg));
void pt_warn(const char *fmt, ...) PT_PRINTF(1, 2);

/* Clears err to PT_OK with an empty message. */
void pt_error_clear(struct pt_error *err);

/* Convenience: sets PT_ENOMEM and returns it. */
int pt_error_oom(struct pt_error *err);

#endif
