/* error.c - the pt_error buffer. */
#include "error.h"

#include <stdarg.h>
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

/* A URL with credentials (scheme, user:secret, @host) in a message loses them:
 * "***@host" is printed instead, so a password in a URL is not shown. */
static void redact_userinfo(char *msg)
{
	char *p = msg, *host, *at, *end;

	while ((p = strstr(p, "://")) != NULL) {
		host = p + 3;
		end = host + strcspn(host, "/?# \"'");
		/* The last '@' of the authority ends the credentials ("a@b@host"). */
		for (at = end; at > host && at[-1] != '@'; at--)
			;
		if (at == host && *end == '\0' && memchr(host, ':', (size_t)(end - host)) &&
				strspn(strrchr(host, ':') + 1, "0123456789") != strlen(strrchr(host, ':') + 1)) {
			/* Cut before its '@' (a long message): "user:secret..." goes whole. */
			memcpy(host, "***", end - host < 3 ? (size_t)(end - host) : 3);
			host[end - host < 3 ? end - host : 3] = '\0';
			return;
		}
		if (at == host) {
			p = host;
			continue;
		}
		at--; /* at the '@' */
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

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* One line, whatever a server or a file put in it: no newlines, no
	 * terminal escapes. */
	for (p = err->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	redact_userinfo(err->msg);
	return code;
}

void pt_url_redact(char *dst, size_t size, const char *url)
{
	struct pt_error e;

	/* The same rules as messages, on a copy. */
	snprintf(e.msg, sizeof(e.msg), "%s", url ? url : "");
	redact_userinfo(e.msg);
	snprintf(dst, size, "%s", e.msg);
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
