/* error.c - the pt_error buffer. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
