/* error.c - the pt_error buffer. */
#include "error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "powertest.h"

/* Every code, what the command line exits with and what the public library
 * returns for it. The public codes are the internal ones under public names. */
static const struct {
	int code;
	int exit_status;
	powertest_code public_code;
	const char *text;
} codes[] = {
	{PT_OK, 0, POWERTEST_OK, "no error"},
	{PT_EMISSING, 1, POWERTEST_EMISSING, "missing data"},
	{PT_EUSAGE, 2, POWERTEST_EUSAGE, "usage or configuration error"},
	{PT_ENET, 3, POWERTEST_ENET, "Prometheus or network error"},
	{PT_EWRITE, 4, POWERTEST_EWRITE, "cannot write the output"},
	{PT_ENOMEM, 3, POWERTEST_ENOMEM, "out of memory"},
	/* Only `run` meets it (fork, pipe): neither a usage error nor the
	 * command's own status; the library never returns it. */
	{PT_ESYS, 125, POWERTEST_ENET, "system error"},
};

_Static_assert((int)POWERTEST_OK == (int)PT_OK && (int)POWERTEST_EMISSING == (int)PT_EMISSING &&
		(int)POWERTEST_EUSAGE == (int)PT_EUSAGE && (int)POWERTEST_ENET == (int)PT_ENET &&
		(int)POWERTEST_EWRITE == (int)PT_EWRITE && (int)POWERTEST_ENOMEM == (int)PT_ENOMEM,
		"powertest_code and pt_code differ");

static int find(int code)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return (int)i;
	return -1;
}

int pt_exit_code(int code)
{
	int i = find(code);

	return i >= 0 ? codes[i].exit_status : codes[find(PT_ENET)].exit_status;
}

int pt_public_code(int code)
{
	int i = find(code);

	return i >= 0 ? (int)codes[i].public_code : (int)POWERTEST_ENET;
}

const char *pt_strerror(int code)
{
	int i = find(code);

	return i >= 0 ? codes[i].text : "unknown error";
}

/* The last '@' in [from, to), or NULL. */
static char *last_at(char *from, const char *to)
{
	char *at;

	for (at = (char *)to; at > from; at--)
		if (at[-1] == '@')
			return at - 1;
	return NULL;
}

/* A URL with credentials (scheme, user:secret, @host) in a message loses them:
 * "***@host" is printed instead, so a password in a URL is not shown. A
 * password may hold what ends a URL in a message (a space, a quote, '/'),
 * so the credentials end at the last '@' before the path, else at the last
 * '@' of the word: hiding too much beats showing a piece of a password.
 * `cut` says the message was truncated (its URL may have lost its '@'). */
static void redact_userinfo(char *msg, bool cut)
{
	char *p = msg, *host, *at, *path, *word, *colon;

	while ((p = strstr(p, "://")) != NULL) {
		host = p + 3;
		p = host;
		if (*host == '\0' || strchr(" \t\"'<>", *host) != NULL)
			continue; /* "http:// or https:// URL" names schemes, not a URL */
		path = host + strcspn(host, "/?#");
		word = host + strcspn(host, " \t\"'<>");
		if ((at = last_at(host, path)) == NULL)
			at = last_at(host, word);
		if (at == NULL) {
			/* No '@' left: a "user:secret" cut before it goes whole; a
			 * host:port stays. */
			char *end = word < path ? word : path;

			if (*end != '\0')
				end = cut && *path == '\0' ? path : NULL;

			colon = end ? memchr(host, ':', (size_t)(end - host)) : NULL;
			if (colon) {
				while ((p = memchr(colon + 1, ':', (size_t)(end - colon - 1))) != NULL)
					colon = p;
				if (strspn(colon + 1, "0123456789") != (size_t)(end - colon - 1)) {
					memcpy(host, "***", end - host < 3 ? (size_t)(end - host) : 3);
					host[end - host < 3 ? end - host : 3] = '\0';
					return;
				}
			}
			p = host;
			continue;
		}
		/* Never longer than it was: the message fills its buffer at most. */
		if (at - host <= 3) {
			memset(host, '*', (size_t)(at - host));
		} else {
			memmove(host + 3, at, strlen(at) + 1);
			memcpy(host, "***", 3);
		}
		p = host + 1;
	}
}

int pt_error_set(struct pt_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* One line, whatever a server or a file put in it: no newlines, no
	 * terminal escapes. */
	for (p = err->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	redact_userinfo(err->msg, n < 0 || (size_t)n >= sizeof(err->msg));
	return code;
}

void pt_url_redact(char *dst, size_t size, const char *url)
{
	const char *host, *at;

	if (size == 0)
		return;
	url = url ? url : "";
	/* A whole URL: everything before its last '@' is credentials, whatever
	 * they hold ("user:pa ss", "user:pa/ss"); also without a scheme. */
	host = strstr(url, "://");
	host = host ? host + 3 : url;
	if ((at = strrchr(host, '@')) == NULL)
		snprintf(dst, size, "%s", url);
	else if (at - host <= 3)
		snprintf(dst, size, "%.*s%.*s%s", (int)(host - url), url, (int)(at - host), "***", at);
	else
		snprintf(dst, size, "%.*s***%s", (int)(host - url), url, at);
}

static void (*warning_handler)(const char *msg);

void pt_set_warning_handler(void (*fn)(const char *msg))
{
	warning_handler = fn;
}

void pt_warn(const char *fmt, ...)
{
	struct pt_error e;
	va_list ap;
	int n;

	if (warning_handler == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	/* The same one-line, no-credentials rules as errors. */
	for (char *p = e.msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	redact_userinfo(e.msg, n < 0 || (size_t)n >= sizeof(e.msg));
	warning_handler(e.msg);
}

void pt_error_clear(struct pt_error *err)
{
	if (err == NULL)
		return;
	err->code = PT_OK;
	err->msg[0] = '\0';
}

int pt_error_oom(struct pt_error *err)
{
	return pt_error_set(err, PT_ENOMEM, "out of memory");
}
