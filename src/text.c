/* text.c - UTF-8 validation and quoting of user-given names for messages. */
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid;
 * *cp gets its code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0) {
		len = 2, c &= 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, c &= 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

bool pt_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		if ((len = utf8_seq(p + i, n - i, &cp)) == 0)
			return false;
		i += len;
	}
	return true;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
}

void pt_text_quote(char *buf, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, used = 0, len;
	uint32_t cp;

	if (size == 0)
		return;
	while (i < n) {
		char piece[8];
		size_t plen;

		len = utf8_seq(p + i, n - i, &cp);
		if (len == 0 || is_control(cp)) {
			plen = (size_t)snprintf(piece, sizeof(piece), "\\x%02X", p[i]);
			len = 1;
		} else {
			memcpy(piece, p + i, len);
			plen = len;
		}
		if (used + plen + 4 > size) { /* room for "..." and the NUL */
			if (used + 4 <= size) {
				memcpy(buf + used, "...", 3);
				used += 3;
			}
			break;
		}
		memcpy(buf + used, piece, plen);
		used += plen;
		i += len;
	}
	buf[used < size ? used : size - 1] = '\0';
}

int pt_node_name_check(const char *name, struct pt_error *err)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n = strlen(name), i = 0, len;
	uint32_t cp;
	char q[80];

	while (i < n) {
		len = utf8_seq(p + i, n - i, &cp);
		if (len == 0 || is_control(cp)) {
			pt_text_quote(q, sizeof(q), name);
			return pt_error_set(err, PT_EUSAGE, "node name '%s' %s", q,
					len == 0 ? "is not valid UTF-8" : "has a control character");
		}
		i += len;
	}
	return PT_OK;
}
