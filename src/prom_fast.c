/* prom_fast.c - the streaming decoder for successful vector and matrix answers, without a JSON tree. */
#include "prom.h"
#include "prom_decode.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fast path: vector and matrix answers without a JSON tree ------- */

/* A range answer for a lab is megabytes of [time, "value"] pairs, and a cJSON
 * tree of it costs several allocations per sample and a second pass. This
 * scanner reads the one shape a store sends for a successful vector or
 * matrix, {"status":"success","data":{"resultType":..., "result":[{"metric":
 * {...}, "values":[[t,"v"],...]}]}}, straight into a pt_prom_result. It
 * accepts a strict subset of JSON and declines (FAST_NO) everything else:
 * other result types, error envelopes, repeated keys, escapes in keys,
 * histograms, control characters, numbers cJSON might read otherwise,
 * nesting deeper than FAST_DEPTH. A declined body goes to the cJSON decoder,
 * which reads it (and words its errors) as before; an accepted one gives the
 * result that decoder gives, value for value. */

#define FAST_NO 1
#define FAST_DEPTH 64
#define FAST_NUM_MAX 63 /* longest number cJSON reads as one token */

struct fscan {
	const char *p, *e;
};

static void fs_ws(struct fscan *s)
{
	while (s->p < s->e && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

static bool fs_eat(struct fscan *s, char c)
{
	fs_ws(s);
	if (s->p < s->e && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

/* A string token: its raw bytes between the quotes, and whether they hold escapes. */
static int fs_string(struct fscan *s, const char **raw, size_t *len, bool *esc)
{
	const char *p;

	fs_ws(s);
	if (s->p >= s->e || *s->p != '"')
		return FAST_NO;
	p = ++s->p;
	*esc = false;
	while (p < s->e) {
		unsigned char c = (unsigned char)*p;

		if (c == '"') {
			*raw = s->p;
			*len = (size_t)(p - s->p);
			s->p = p + 1;
			return 0;
		}
		if (c < 0x20)
			return FAST_NO;
		if (c == '\\') {
			if (s->e - p < 2)
				return FAST_NO;
			*esc = true;
			p += 2;
		} else {
			p++;
		}
	}
	return FAST_NO;
}

static int hex4(const char *s)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Unescapes the raw bytes of a string into dst (n + 1 bytes; NULL only
 * checks them). Returns the length, or -1 to decline: an unknown escape, a
 * lone surrogate, or \u0000 (which cJSON would cut the string at). */
static long fs_unescape(char *dst, const char *src, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned long cp;
		int h;

		if (src[i] != '\\') {
			if (dst)
				dst[o] = src[i];
			o++;
			i++;
			continue;
		}
		if (i + 1 >= n)
			return -1;
		switch (src[i + 1]) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (n - i < 6 || (h = hex4(src + i + 2)) < 0)
				return -1;
			cp = (unsigned long)h;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return -1;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				int lo;
				if (n - i < 12 || src[i + 6] != '\\' || src[i + 7] != 'u' ||
						(lo = hex4(src + i + 8)) < 0xDC00 || lo > 0xDFFF)
					return -1;
				cp = 0x10000 + (((cp & 0x3FF) << 10) | ((unsigned long)lo & 0x3FF));
				i += 6;
			}
			if (cp == 0)
				return -1;
			i += 4;
			break;
		default:
			return -1;
		}
		i += 2;
		/* UTF-8, as cJSON writes it. */
		if (cp < 0x80) {
			if (dst)
				dst[o] = (char)cp;
			o += 1;
		} else if (cp < 0x800) {
			if (dst) {
				dst[o] = (char)(0xC0 | (cp >> 6));
				dst[o + 1] = (char)(0x80 | (cp & 0x3F));
			}
			o += 2;
		} else if (cp < 0x10000) {
			if (dst) {
				dst[o] = (char)(0xE0 | (cp >> 12));
				dst[o + 1] = (char)(0x80 | ((cp >> 6) & 0x3F));
				dst[o + 2] = (char)(0x80 | (cp & 0x3F));
			}
			o += 3;
		} else {
			if (dst) {
				dst[o] = (char)(0xF0 | (cp >> 18));
				dst[o + 1] = (char)(0x80 | ((cp >> 12) & 0x3F));
				dst[o + 2] = (char)(0x80 | ((cp >> 6) & 0x3F));
				dst[o + 3] = (char)(0x80 | (cp & 0x3F));
			}
			o += 4;
		}
	}
	if (dst)
		dst[o] = '\0';
	return (long)o;
}

/* A string token as a new C string (caller frees). */
static int fs_string_dup(struct fscan *s, char **out)
{
	const char *raw;
	size_t len;
	bool esc;
	int rc;

	*out = NULL;
	if ((rc = fs_string(s, &raw, &len, &esc)) != 0)
		return rc;
	if ((*out = malloc(len + 1)) == NULL)
		return PT_PROM_NOMEM;
	if (!esc) {
		memcpy(*out, raw, len);
		(*out)[len] = '\0';
	} else if (fs_unescape(*out, raw, len) < 0) {
		free(*out);
		*out = NULL;
		return FAST_NO;
	}
	return 0;
}

/* A key without escapes, then its colon. */
static int fs_key(struct fscan *s, const char **raw, size_t *len)
{
	bool esc;

	if (fs_string(s, raw, len, &esc) != 0 || esc || !fs_eat(s, ':'))
		return FAST_NO;
	return 0;
}

static bool key_is(const char *raw, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(raw, name, len) == 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A number token in strict JSON grammar, at most FAST_NUM_MAX characters. */
static int fs_number(struct fscan *s, const char **tok, size_t *len)
{
	const char *p;

	fs_ws(s);
	p = s->p;
	if (p < s->e && *p == '-')
		p++;
	if (p >= s->e || !is_digit(*p))
		return FAST_NO;
	if (*p == '0')
		p++;
	else
		while (p < s->e && is_digit(*p))
			p++;
	if (p < s->e && *p == '.') {
		if (++p >= s->e || !is_digit(*p))
			return FAST_NO;
		while (p < s->e && is_digit(*p))
			p++;
	}
	if (p < s->e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < s->e && (*p == '+' || *p == '-'))
			p++;
		if (p >= s->e || !is_digit(*p))
			return FAST_NO;
		while (p < s->e && is_digit(*p))
			p++;
	}
	if (p - s->p > FAST_NUM_MAX)
		return FAST_NO;
	*tok = s->p;
	*len = (size_t)(p - s->p);
	s->p = p;
	return 0;
}

/* strtod of a token that is not NUL-terminated; the whole token must be read. */
static int token_strtod(double *v, const char *tok, size_t len)
{
	char buf[FAST_NUM_MAX + 1], *end;

	if (len == 0 || len > FAST_NUM_MAX)
		return FAST_NO;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	*v = strtod(buf, &end);
	return end == buf + len ? 0 : FAST_NO;
}

/* Validates and skips any JSON value (unknown keys). */
static int fs_skip(struct fscan *s)
{
	char stack[FAST_DEPTH];
	int depth = 0;
	const char *raw;
	size_t len;
	bool esc;

	for (;;) {
		fs_ws(s);
		if (s->p >= s->e)
			return FAST_NO;
		switch (*s->p) {
		case '{':
		case '[':
			if (depth == FAST_DEPTH)
				return FAST_NO;
			stack[depth++] = *s->p++;
			if (fs_eat(s, stack[depth - 1] == '{' ? '}' : ']')) {
				depth--;
				break;
			}
			if (stack[depth - 1] == '{' && fs_key(s, &raw, &len) != 0)
				return FAST_NO;
			continue; /* to the first value */
		case '"':
			if (fs_string(s, &raw, &len, &esc) != 0 || (esc && fs_unescape(NULL, raw, len) < 0))
				return FAST_NO;
			break;
		case 't':
		case 'f':
		case 'n': {
			static const char *const lits[] = {"true", "false", "null"};
			size_t i, n;
			for (i = 0; i < 3; i++) {
				n = strlen(lits[i]);
				if ((size_t)(s->e - s->p) >= n && memcmp(s->p, lits[i], n) == 0)
					break;
			}
			if (i == 3)
				return FAST_NO;
			s->p += n;
			break;
		}
		default:
			if (fs_number(s, &raw, &len) != 0)
				return FAST_NO;
			break;
		}
		/* After a value: close what ends here, or go on to the next member. */
		for (;;) {
			if (depth == 0)
				return 0;
			if (fs_eat(s, ',')) {
				if (stack[depth - 1] == '{' && fs_key(s, &raw, &len) != 0)
					return FAST_NO;
				break;
			}
			if (!fs_eat(s, stack[depth - 1] == '{' ? '}' : ']'))
				return FAST_NO;
			depth--;
		}
	}
}

/* Times are float seconds; milliseconds as time_parse rounds them. Up to
 * 12 integer and 3 decimal digits are read exactly (the same result: the
 * double's error is far below half a millisecond), others through strtod. */
static int fs_time(struct fscan *s, int64_t *t_ms)
{
	const char *tok, *p;
	size_t len;
	int64_t ip = 0, frac = 0;
	int nint = 0, nfrac = 0;
	double t;

	if (fs_number(s, &tok, &len) != 0)
		return FAST_NO;
	/* Digits past what the exact path takes are counted, not added: they
	 * would overflow ip and frac, and such times go to strtod anyway. */
	for (p = tok; p < tok + len && is_digit(*p); p++, nint++)
		if (nint < 12)
			ip = ip * 10 + (*p - '0');
	if (p < tok + len && *p == '.')
		for (p++; p < tok + len && is_digit(*p); p++, nfrac++)
			if (nfrac < 3)
				frac = frac * 10 + (*p - '0');
	if (p == tok + len && nint > 0 && nint <= 12 && nfrac <= 3) {
		while (nfrac++ < 3)
			frac *= 10;
		*t_ms = ip * 1000 + frac;
		return 0;
	}
	if (token_strtod(&t, tok, len) != 0)
		return FAST_NO;
	t *= 1000.0;
	if (!isfinite(t) || fabs(t) > 9.2e18)
		return FAST_NO;
	*t_ms = (int64_t)llround(t);
	return 0;
}

static const double exact_pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A decimal read exactly as strtod reads it, when that takes one IEEE
 * operation: at most 2^53 as an integer of significant digits, times or
 * divided by a power of ten up to 10^22 (both exact doubles, so the one
 * rounding is strtod's). FAST_NO: the caller asks strtod. */
/* When p[0..8) are all digits: *m = *m x 10^8 + their value, true. One
 * load and three multiplications instead of eight steps: each step joins
 * neighbouring groups (digits, then pairs, then quads) as hi x 10^k + lo. */
static inline bool eight_digits(const char *p, uint64_t *m)
{
	uint64_t x, lo_nib = UINT64_C(0x0F0F0F0F0F0F0F0F);

	memcpy(&x, p, 8);
	/* Every byte in '0'..'9': high nibble 3, and adding 6 does not carry out. */
	if (((x & ~lo_nib) | (((x + UINT64_C(0x0606060606060606)) & ~lo_nib) >> 4)) !=
			UINT64_C(0x3333333333333333))
		return false;
	x &= lo_nib;                                   /* digit values, first digit lowest byte */
	x = (x * 10 + (x >> 8)) & UINT64_C(0x00FF00FF00FF00FF);     /* pairs */
	x = (x * 100 + (x >> 16)) & UINT64_C(0x0000FFFF0000FFFF);   /* quads */
	x = (x * 10000 + (x >> 32)) & UINT64_C(0x00000000FFFFFFFF); /* eight */
	*m = *m * 100000000 + x;
	return true;
}

/* 128-bit integers (GCC and Clang): exact products and quotients below. */
__extension__ typedef unsigned __int128 pt_u128;

/* n rounded to the nearest double, ties to even: the top 53 bits of n, the
 * bits below them deciding (and *sticky: any remainder below n's last bit). */
static double round_u128(pt_u128 n, bool sticky, int exp2)
{
	int bits, shift;
	pt_u128 half, low;
	uint64_t q;

	bits = (n >> 64) ? 128 - __builtin_clzll((uint64_t)(n >> 64)) :
		(uint64_t)n ? 64 - __builtin_clzll((uint64_t)n) : 0;
	if (bits <= 53)
		return ldexp((double)(uint64_t)n, exp2);
	shift = bits - 53;
	q = (uint64_t)(n >> shift);
	low = n & (((pt_u128)1 << shift) - 1);
	half = (pt_u128)1 << (shift - 1);
	/* Above half, or half with anything below it, or a tie on an odd q. */
	if (low > half || (low == half && (sticky || (q & 1))))
		q++;
	return ldexp((double)q, exp2 + shift);
}

/* m x 10^exp10 correctly rounded where the quick path cannot be (a mantissa
 * over 2^53, as Prometheus' 17-digit floats have, or a larger exponent), in
 * exact 128-bit integer arithmetic: |exp10| <= 19 keeps every product and
 * quotient within 128 bits. Else FAST_NO (strtod then). */
static int wide_decimal(double *v, uint64_t m, int exp10, bool neg)
{
	pt_u128 n;
	double d;
	int s = 0;

	if (exp10 > 19 || exp10 < -19)
		return FAST_NO;
	if (exp10 >= 0) {
		n = (pt_u128)m;
		for (int i = 0; i < exp10; i++)
			n *= 10;
		d = round_u128(n, false, 0);
	} else {
		uint64_t den = 1;
		pt_u128 num, q, r;
		for (int i = 0; i < -exp10; i++)
			den *= 10;
		/* Scale the numerator so the quotient has at least 55 bits (53 and
		 * the rounding bits): m << s has 56 + bits(den) <= 120 bits. */
		s = 56 + (64 - __builtin_clzll(den)) - (64 - __builtin_clzll(m));
		if (s < 0)
			s = 0;
		num = (pt_u128)m << s;
		q = num / den;
		r = num % den;
		d = round_u128(q, r != 0, -s);
	}
	if (!isfinite(d))
		return FAST_NO;
	*v = neg ? -d : d;
	return 0;
}

static int fast_decimal(double *v, const char *s, size_t n)
{
	uint64_t m = 0;
	size_t i = 0;
	int digits = 0, exp10 = 0;
	bool neg = false, any = false;
	double d;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < n && is_digit(s[i]); i++) {
		any = true;
		if (m == 0 && s[i] == '0')
			continue;
		/* Eight digits at once where they fit (the 17-digit floats). */
		if (digits + 8 <= 19 && n - i >= 8 && eight_digits(s + i, &m)) {
			digits += 8;
			i += 7;
			continue;
		}
		if (++digits > 19)
			return FAST_NO;
		m = m * 10 + (uint64_t)(s[i] - '0');
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && is_digit(s[i]); i++) {
			any = true;
			exp10--;
			if (m == 0 && s[i] == '0')
				continue;
			if (digits + 8 <= 19 && n - i >= 8 && eight_digits(s + i, &m)) {
				digits += 8;
				exp10 -= 7;
				i += 7;
				continue;
			}
			if (++digits > 19)
				return FAST_NO;
			m = m * 10 + (uint64_t)(s[i] - '0');
		}
	}
	if (!any)
		return FAST_NO;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		int e = 0, es = 1;
		bool ed = false;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			es = s[i++] == '-' ? -1 : 1;
		for (; i < n && is_digit(s[i]); i++) {
			ed = true;
			if (e < 10000)
				e = e * 10 + (s[i] - '0');
		}
		if (!ed)
			return FAST_NO;
		exp10 += es * e;
	}
	if (i != n)
		return FAST_NO;
	if (m == 0) {
		*v = neg ? -0.0 : 0.0;
		return 0;
	}
	if (m > (UINT64_C(1) << 53) || exp10 < -22 || exp10 > 22)
		return wide_decimal(v, m, exp10, neg);
	d = (double)m;
	d = exp10 < 0 ? d / exact_pow10[-exp10] : d * exact_pow10[exp10];
	*v = neg ? -d : d;
	return 0;
}

/* A sample value: a string as value_parse reads it (or, leniently, a number). */
static int fs_value(struct fscan *s, double *v)
{
	const char *raw;
	size_t len;
	bool esc;

	fs_ws(s);
	if (s->p < s->e && *s->p != '"') {
		if (fs_number(s, &raw, &len) != 0)
			return FAST_NO;
		return token_strtod(v, raw, len);
	}
	if (fs_string(s, &raw, &len, &esc) != 0 || esc || len == 0 ||
			isspace((unsigned char)raw[0]))
		return FAST_NO;
	if (fast_decimal(v, raw, len) == 0)
		return 0;
	if (len == 3 && memcmp(raw, "NaN", 3) == 0) {
		*v = NAN;
		return 0;
	}
	if (len == 4 && (raw[0] == '+' || raw[0] == '-') && memcmp(raw + 1, "Inf", 3) == 0) {
		*v = raw[0] == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	return token_strtod(v, raw, len);
}

/* [time, value] */
/* The shape Prometheus writes, [1700000000.123,"12.5"] without spaces, read
 * in one pass: what it accepts, the general path reads to the same sample
 * (a time of 1-12 digits without a leading zero and 1-3 decimals or none,
 * a value fast_decimal takes); anything else is left to that path. */
static bool fs_sample_plain(struct fscan *s, struct pt_sample *out)
{
	const char *p = s->p, *e = s->e, *v, *ve;
	int64_t ip = 0, frac = 0;
	int nd = 0, nf = 0;

	if (e - p < 6 || p[0] != '[' || !is_digit(p[1]) || p[1] == '0')
		return false;
	p++;
	if (e - p >= 8) {
		uint64_t u = 0;
		if (eight_digits(p, &u)) {
			ip = (int64_t)u;
			nd = 8;
			p += 8;
		}
	}
	for (; p < e && is_digit(*p) && nd < 12; p++, nd++)
		ip = ip * 10 + (*p - '0');
	if (p < e && *p == '.')
		for (p++; p < e && is_digit(*p) && nf < 3; p++, nf++)
			frac = frac * 10 + (*p - '0');
	if (e - p < 4 || p[0] != ',' || p[1] != '"' || (p[-1] == '.' && nf == 0))
		return false;
	v = p + 2;
	if ((ve = memchr(v, '"', (size_t)(e - v))) == NULL || ve == v || ve + 1 >= e || ve[1] != ']' ||
			fast_decimal(&out->v, v, (size_t)(ve - v)) != 0)
		return false;
	while (nf++ < 3)
		frac *= 10;
	out->t_ms = ip * 1000 + frac;
	s->p = ve + 2;
	return true;
}

static int fs_sample(struct fscan *s, struct pt_sample *out)
{
	if (fs_sample_plain(s, out))
		return 0;
	if (!fs_eat(s, '[') || fs_time(s, &out->t_ms) != 0 || !fs_eat(s, ',') ||
			fs_value(s, &out->v) != 0 || !fs_eat(s, ']'))
		return FAST_NO;
	return 0;
}

struct fast {
	struct fscan s;
	struct pt_prom_result *r;
	size_t cap;          /* of r->series */
	size_t hint;         /* samples of the last series: the next one likely has as many */
	size_t nvalue, nvalues; /* elements with "value", with "values" */
};

/* "metric": {"name": "value", ...} */
static int fs_labels(struct fast *f, struct pt_series *se)
{
	struct fscan *s = &f->s;
	size_t cap = 0;
	int rc;

	if (!fs_eat(s, '{'))
		return FAST_NO;
	if (fs_eat(s, '}'))
		return 0;
	do {
		struct pt_label *l;

		if (se->nlabels == cap) {
			size_t nc = cap ? cap * 2 : 8;
			if ((l = realloc(se->labels, nc * sizeof(*l))) == NULL)
				return PT_PROM_NOMEM;
			se->labels = l;
			cap = nc;
		}
		l = &se->labels[se->nlabels];
		l->name = l->value = NULL;
		se->nlabels++;
		if ((rc = fs_string_dup(s, &l->name)) != 0)
			return rc;
		if (!fs_eat(s, ':'))
			return FAST_NO;
		if ((rc = fs_string_dup(s, &l->value)) != 0)
			return rc;
	} while (fs_eat(s, ','));
	return fs_eat(s, '}') ? 0 : FAST_NO;
}

/* "values": [[t, "v"], ...] */
static int fs_values(struct fast *f, struct pt_series *se)
{
	struct fscan *s = &f->s;
	size_t cap = 0;

	if (!fs_eat(s, '['))
		return FAST_NO;
	if (fs_eat(s, ']'))
		return 0;
	do {
		if (se->nsamples == cap) {
			size_t nc = cap ? cap * 2 : f->hint > 16 ? f->hint : 16;
			struct pt_sample *sm = realloc(se->samples, nc * sizeof(*sm));
			if (sm == NULL)
				return PT_PROM_NOMEM;
			se->samples = sm;
			cap = nc;
		}
		if (fs_sample(s, &se->samples[se->nsamples]) != 0)
			return FAST_NO;
		se->nsamples++;
	} while (fs_eat(s, ','));
	if (se->nsamples > f->hint)
		f->hint = se->nsamples;
	return fs_eat(s, ']') ? 0 : FAST_NO;
}

/* Reads an object member by member: fn gets each key (without escapes)
 * with the scanner at its value, and reads or skips the value. An empty
 * object declines: no answer the fast path reads has one. */
typedef int (*fs_member_fn)(struct fast *f, const char *key, size_t klen, void *ctx);

static int fs_object(struct fast *f, fs_member_fn fn, void *ctx)
{
	struct fscan *s = &f->s;
	const char *key;
	size_t klen;
	int rc;

	if (!fs_eat(s, '{') || fs_eat(s, '}'))
		return FAST_NO;
	do {
		if (fs_key(s, &key, &klen) != 0)
			return FAST_NO;
		if ((rc = fn(f, key, klen, ctx)) != 0)
			return rc;
	} while (fs_eat(s, ','));
	return fs_eat(s, '}') ? 0 : FAST_NO;
}

/* True the first time a key is seen; a repeated key declines (cJSON would
 * take the first, the fast path does not guess). */
static bool first(bool *seen)
{
	bool was = *seen;

	*seen = true;
	return !was;
}

struct series_keys {
	struct pt_series *se;
	bool metric, value, values;
};

static int series_member(struct fast *f, const char *key, size_t klen, void *ctx)
{
	struct series_keys *k = ctx;
	struct pt_series *se = k->se;

	if (key_is(key, klen, "metric"))
		return first(&k->metric) ? fs_labels(f, se) : FAST_NO;
	if (key_is(key, klen, "values")) {
		if (k->value || k->values)
			return FAST_NO;
		k->values = true;
		return fs_values(f, se);
	}
	if (key_is(key, klen, "value")) {
		if (k->value || k->values)
			return FAST_NO;
		k->value = true;
		if ((se->samples = malloc(sizeof(*se->samples))) == NULL)
			return PT_PROM_NOMEM;
		se->nsamples = 1;
		return fs_sample(&f->s, &se->samples[0]);
	}
	if (key_is(key, klen, "histogram") || key_is(key, klen, "histograms"))
		return FAST_NO; /* the cJSON path skips them with a warning */
	return fs_skip(&f->s);
}

/* {"metric": {...}, "values": [...]} or {"metric": {...}, "value": [t, "v"]} */
static int fs_series(struct fast *f, struct pt_series *se)
{
	struct series_keys k = {se, false, false, false};
	int rc;

	if ((rc = fs_object(f, series_member, &k)) != 0)
		return rc;
	if (!(k.value || k.values))
		return FAST_NO;
	if (se->nlabels == 0) {
		free(se->labels);
		se->labels = NULL;
	}
	if (k.values && se->nsamples == 0) {
		free(se->samples);
		se->samples = NULL;
	}
	f->nvalue += k.value;
	f->nvalues += k.values;
	return 0;
}

static int fs_result(struct fast *f)
{
	struct fscan *s = &f->s;
	int rc;

	if (!fs_eat(s, '['))
		return FAST_NO;
	if (fs_eat(s, ']'))
		return 0;
	do {
		struct pt_series *se;

		if (f->r->nseries == f->cap) {
			size_t nc = f->cap ? f->cap * 2 : 16;
			if ((se = realloc(f->r->series, nc * sizeof(*se))) == NULL)
				return PT_PROM_NOMEM;
			f->r->series = se;
			f->cap = nc;
		}
		se = &f->r->series[f->r->nseries++];
		memset(se, 0, sizeof(*se));
		if ((rc = fs_series(f, se)) != 0)
			return rc;
	} while (fs_eat(s, ','));
	return fs_eat(s, ']') ? 0 : FAST_NO;
}

/* The keys of the document and of its "data" seen so far. */
struct top_keys {
	bool status, data, warnings, result;
	bool partial_key, partial; /* "isPartial" seen, and true */
	int type; /* enum pt_prom_type, -1 until "resultType" */
};

/* "data": {"resultType": "vector"|"matrix", "result": [...]} */
static int data_member(struct fast *f, const char *key, size_t klen, void *ctx)
{
	struct top_keys *k = ctx;
	const char *raw;
	size_t len;
	bool esc;

	if (key_is(key, klen, "resultType")) {
		if (k->type >= 0 || fs_string(&f->s, &raw, &len, &esc) != 0 || esc)
			return FAST_NO;
		if (key_is(raw, len, "vector"))
			k->type = PT_PROM_VECTOR;
		else if (key_is(raw, len, "matrix"))
			k->type = PT_PROM_MATRIX;
		else
			return FAST_NO;
		return 0;
	}
	if (key_is(key, klen, "result"))
		return first(&k->result) ? fs_result(f) : FAST_NO;
	return fs_skip(&f->s);
}

/* "warnings": ["text", ...], kept as sent; anything else there is ignored. */
static int fs_warnings(struct fast *f)
{
	struct fscan *s = &f->s;
	int rc;

	fs_ws(s);
	if (s->p >= s->e || *s->p != '[')
		return fs_skip(s);
	s->p++;
	if (fs_eat(s, ']'))
		return 0;
	do {
		fs_ws(s);
		if (s->p < s->e && *s->p == '"') {
			char *w, **ws;
			if ((rc = fs_string_dup(s, &w)) != 0)
				return rc;
			if ((ws = realloc(f->r->warnings, (f->r->nwarnings + 1) * sizeof(*ws))) == NULL) {
				free(w);
				return PT_PROM_NOMEM;
			}
			f->r->warnings = ws;
			ws[f->r->nwarnings++] = w;
		} else if (fs_skip(s) != 0) {
			return FAST_NO;
		}
	} while (fs_eat(s, ','));
	return fs_eat(s, ']') ? 0 : FAST_NO;
}

static int top_member(struct fast *f, const char *key, size_t klen, void *ctx)
{
	struct top_keys *k = ctx;
	const char *raw;
	size_t len;
	bool esc;
	int rc;

	if (key_is(key, klen, "status")) {
		/* Errors and anything but success: the cJSON path words them. */
		if (k->status || fs_string(&f->s, &raw, &len, &esc) != 0 || esc ||
				!key_is(raw, len, "success"))
			return FAST_NO;
		k->status = true;
		return 0;
	}
	if (key_is(key, klen, "data")) {
		if (!first(&k->data))
			return FAST_NO;
		if ((rc = fs_object(f, data_member, k)) != 0)
			return rc;
		return k->type >= 0 && k->result ? 0 : FAST_NO;
	}
	if (key_is(key, klen, "warnings"))
		return first(&k->warnings) ? fs_warnings(f) : FAST_NO;
	if (key_is(key, klen, "isPartial")) {
		if (!first(&k->partial_key))
			return FAST_NO;
		fs_ws(&f->s);
		k->partial = f->s.e - f->s.p >= 4 && memcmp(f->s.p, "true", 4) == 0;
		return fs_skip(&f->s);
	}
	return fs_skip(&f->s);
}

static int fs_top(struct fast *f)
{
	struct top_keys k = {false, false, false, false, false, false, -1};
	char *w, **ws;
	int rc;

	/* What follows the document is not read, as cJSON does not read it. */
	if ((rc = fs_object(f, top_member, &k)) != 0)
		return rc;
	if (!k.status || !k.data)
		return FAST_NO;
	/* After the "warnings", wherever the key was, as the cJSON path has it. */
	if (k.partial) {
		if ((w = strdup(PT_PROM_PARTIAL_WARNING)) == NULL)
			return PT_PROM_NOMEM;
		if ((ws = realloc(f->r->warnings, (f->r->nwarnings + 1) * sizeof(*ws))) == NULL) {
			free(w);
			return PT_PROM_NOMEM;
		}
		f->r->warnings = ws;
		ws[f->r->nwarnings++] = w;
	}
	/* Every element in the form its type has ("value" or "values"). */
	if ((k.type == PT_PROM_VECTOR && f->nvalues) || (k.type == PT_PROM_MATRIX && f->nvalue))
		return FAST_NO;
	f->r->type = (enum pt_prom_type)k.type;
	return 0;
}

int pt_prom_decode_fast(struct pt_prom_result **out, const char *body, size_t len,
		long http_status, struct pt_error *err)
{
	struct fast f;
	int rc;

	*out = NULL;
	if (http_status < 200 || http_status > 299 || len == 0)
		return PT_OK;
	memset(&f, 0, sizeof(f));
	f.s.p = body;
	f.s.e = body + len;
	if ((f.r = calloc(1, sizeof(*f.r))) == NULL)
		return pt_error_oom(err);
	rc = fs_top(&f);
	if (rc == PT_PROM_NOMEM) {
		pt_prom_result_free(f.r);
		return pt_error_oom(err);
	}
	if (rc != 0) {
		pt_prom_result_free(f.r);
		return PT_OK;
	}
	if (f.r->nseries == 0) {
		free(f.r->series);
		f.r->series = NULL;
	}
	*out = f.r;
	return PT_OK;
}

