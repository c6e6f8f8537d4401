/* promql.c - the PromQL subset of promql.h, parsed: a recursive-descent parser into a small tree (evaluated by promql_eval.c), selectors matched and formatted. */
#include "promql.h"
#include "promql_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strmap.h"

/* ---- lexing ---- */

enum tok { T_EOF, T_IDENT, T_NUM, T_STR, T_WINDOW, T_NODEM, T_PUNCT };

struct parser {
	const char *s, *p;
	const char *node_label;
	enum tok tok;
	char text[256]; /* identifier, punctuation or string (unescaped) */
	double num;
	struct pt_pq *q;
	struct pt_error *err;
	int rc;
	int depth;      /* of parse_expr: the tree is evaluated recursively */
	int nodes;      /* in the tree so far */
};

/* Deepest nesting of expressions a template may have, and most terms (which
 * bound the tree's depth: evaluation and freeing recurse over it). */
#define MAX_DEPTH 64
#define MAX_NODES 1000

static int fail(struct parser *ps, int code, const char *fmt, const char *what)
{
	if (ps->rc == PT_OK) {
		if (code == PT_ENOMEM)
			ps->rc = pt_error_oom(ps->err);
		else
			ps->rc = pt_error_set(ps->err, code, fmt, what);
	}
	return ps->rc;
}

static int unsupported(struct parser *ps, const char *what)
{
	return fail(ps, PT_EUSAGE, "unsupported PromQL: %s", what);
}

static bool ident_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == ':' || (!first && isdigit((unsigned char)c));
}

static int lex(struct parser *ps)
{
	const char *p = ps->p;
	size_t n = 0;

	while (isspace((unsigned char)*p))
		p++;
	ps->text[0] = '\0';
	if (*p == '\0') {
		ps->tok = T_EOF;
	} else if (strncmp(p, "${window}", 9) == 0) {
		ps->tok = T_WINDOW;
		p += 9;
	} else if (strncmp(p, "${node_matcher}", 15) == 0) {
		ps->tok = T_NODEM;
		p += 15;
	} else if (strncmp(p, "${node_label}", 13) == 0) {
		ps->tok = T_IDENT;
		snprintf(ps->text, sizeof(ps->text), "%s", ps->node_label);
		p += 13;
	} else if (ident_char(*p, true)) {
		while (ident_char(p[n], false) && n + 1 < sizeof(ps->text)) {
			ps->text[n] = p[n];
			n++;
		}
		ps->text[n] = '\0';
		if (ident_char(p[n], false))
			return unsupported(ps, "a name over 255 bytes");
		ps->tok = T_IDENT;
		p += n;
	} else if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
		char *end;
		ps->num = strtod(p, &end);
		if (ident_char(*end, true))
			return unsupported(ps, "a duration or hexadecimal literal");
		ps->tok = T_NUM;
		p = end;
	} else if (*p == '"' || *p == '\'') {
		char quote = *p++;
		while (*p && *p != quote) {
			char c = *p++;
			if (c == '\\') {
				switch (*p) {
				case 'n': c = '\n'; break;
				case 't': c = '\t'; break;
				case '\\': case '"': case '\'': c = *p; break;
				default: return unsupported(ps, "an escape sequence in a string");
				}
				p++;
			}
			if (n + 1 >= sizeof(ps->text))
				return unsupported(ps, "a string over 255 bytes");
			ps->text[n++] = c;
		}
		if (*p != quote)
			return fail(ps, PT_EUSAGE, "PromQL: unterminated string%s", "");
		ps->text[n] = '\0';
		ps->tok = T_STR;
		p++;
	} else {
		static const char *const two[] = {"!=", "=~", "!~", "==", ">=", "<=", NULL};
		size_t i;
		ps->tok = T_PUNCT;
		for (i = 0; two[i]; i++)
			if (strncmp(p, two[i], 2) == 0)
				break;
		n = two[i] ? 2 : 1;
		memcpy(ps->text, p, n);
		ps->text[n] = '\0';
		p += n;
	}
	ps->p = p;
	return ps->rc;
}

static bool is(const struct parser *ps, const char *punct)
{
	return ps->tok == T_PUNCT && strcmp(ps->text, punct) == 0;
}

static int expect(struct parser *ps, const char *punct)
{
	if (!is(ps, punct)) {
		char what[64];
		snprintf(what, sizeof(what), "'%s' expected", punct);
		return fail(ps, PT_EUSAGE, "PromQL: %s", what);
	}
	return lex(ps);
}

/* ---- parsing ---- */

static struct node *new_node(struct parser *ps, enum kind k)
{
	struct node *n;

	if (++ps->nodes > MAX_NODES) {
		unsupported(ps, "an expression of over 1,000 terms");
		return NULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL)
		fail(ps, PT_ENOMEM, "%s", "");
	else
		n->kind = k;
	return n;
}

static void node_free(struct node *n)
{
	size_t i;

	if (n == NULL)
		return;
	node_free(n->a);
	node_free(n->b);
	for (i = 0; i < n->nlabels; i++)
		free(n->labels[i]);
	free(n->labels);
	free(n->dst);
	free(n->repl);
	free(n->src);
	if (n->has_re)
		regfree(&n->re);
	free(n);
}

/* PromQL regexes are RE2, fully anchored; refuse what POSIX reads otherwise. */
static bool quantifier(char c)
{
	return c == '*' || c == '+' || c == '?' || c == '{';
}

/* POSIX regcomp expands repetitions: nested or large ones (a{100}{100},
 * a++++...) take memory without bound, where RE2 refuses them. Refused
 * here too, with what RE2-only syntax would read differently. */
static int anchored_regex(struct parser *ps, regex_t *re, const char *value)
{
	struct pt_buf b = {0};
	const char *p;
	int rc, counted = 0;

	if (strlen(value) > 512)
		return unsupported(ps, "a regular expression over 512 bytes");
	for (p = value; *p; p++) {
		if (p[0] == '\\' && p[1] && isalpha((unsigned char)p[1]))
			return unsupported(ps, "a regular expression with a \\letter class");
		if (p[0] == '\\' && p[1]) {
			p++;
			continue;
		}
		if (p[0] == '[') {
			/* A bracket expression: its characters are literal. */
			const char *q = p + 1;
			if (*q == '^')
				q++;
			if (*q == ']')
				q++;
			while (*q && *q != ']')
				q++;
			if (*q == '\0')
				break; /* regcomp refuses it */
			p = q;
			continue;
		}
		if (p[0] == '(' && p[1] == '?')
			return unsupported(ps, "a regular expression with (?...)");
		if ((p[0] == '*' || p[0] == '+' || p[0] == '?' || p[0] == '}') && p[1] == '?')
			return unsupported(ps, "a lazy quantifier in a regular expression");
		if (p[0] == '{') {
			char *end;
			long lo = strtol(p + 1, &end, 10), hi = lo;
			if (*end == ',')
				hi = isdigit((unsigned char)end[1]) ? strtol(end + 1, &end, 10) : lo;
			else if (end == p + 1)
				continue;
			if (++counted > 1 || lo > 100 || hi > 100)
				return unsupported(ps, "a regular expression with repetitions over {100} or "
						"more than one {n,m}");
			while (*end && *end != '}')
				end++;
			if (*end == '\0')
				break;
			p = end;
		}
		if ((p[0] == '*' || p[0] == '+' || p[0] == '?' || p[0] == '}') && quantifier(p[1]))
			return unsupported(ps, "a repeated quantifier in a regular expression");
	}
	if (pt_buf_printf(&b, ps->err, "^(%s)$", value) != PT_OK)
		return fail(ps, PT_ENOMEM, "%s", "");
	rc = regcomp(re, b.data, REG_EXTENDED);
	pt_buf_free(&b);
	if (rc != 0)
		return unsupported(ps, "a regular expression POSIX cannot read");
	return PT_OK;
}

static int add_matcher(struct parser *ps, struct pt_pq_sel *sel, const char *name,
		enum pt_pq_mop op, const char *value)
{
	struct pt_pq_matcher *m = realloc(sel->m, (sel->nm + 1) * sizeof(*m));

	if (m == NULL)
		return fail(ps, PT_ENOMEM, "%s", "");
	sel->m = m;
	m = &sel->m[sel->nm];
	memset(m, 0, sizeof(*m));
	m->op = op;
	if ((m->name = strdup(name)) == NULL || (m->value = strdup(value)) == NULL) {
		free(m->name);
		free(m->value);
		return fail(ps, PT_ENOMEM, "%s", "");
	}
	if ((op == PT_PQ_RE || op == PT_PQ_NRE) && anchored_regex(ps, &m->re, value) != PT_OK) {
		free(m->name);
		free(m->value);
		return ps->rc;
	}
	sel->nm++;
	return PT_OK;
}

static void sel_clear(struct pt_pq_sel *sel)
{
	size_t i;

	for (i = 0; i < sel->nm; i++) {
		free(sel->m[i].name);
		free(sel->m[i].value);
		if (sel->m[i].op == PT_PQ_RE || sel->m[i].op == PT_PQ_NRE)
			regfree(&sel->m[i].re);
	}
	free(sel->m);
	memset(sel, 0, sizeof(*sel));
}

/* A range selector: [name] [{matchers}] [${window}]; ps->tok is at its start. */
static int parse_selector(struct parser *ps, size_t *index)
{
	struct pt_pq_sel sel, *sels;
	size_t i;

	memset(&sel, 0, sizeof(sel));
	if (ps->tok == T_IDENT) {
		if (add_matcher(ps, &sel, "__name__", PT_PQ_EQ, ps->text) != PT_OK || lex(ps) != PT_OK)
			goto bad;
	}
	if (is(ps, "{")) {
		if (lex(ps) != PT_OK)
			goto bad;
		while (!is(ps, "}")) {
			char name[256];
			enum pt_pq_mop op;

			if (ps->tok == T_NODEM) {
				sel.node_matcher = true;
				if (lex(ps) != PT_OK)
					goto bad;
			} else {
				if (ps->tok != T_IDENT) {
					fail(ps, PT_EUSAGE, "PromQL: label name expected in a selector%s", "");
					goto bad;
				}
				snprintf(name, sizeof(name), "%s", ps->text);
				if (lex(ps) != PT_OK)
					goto bad;
				if (is(ps, "="))
					op = PT_PQ_EQ;
				else if (is(ps, "!="))
					op = PT_PQ_NE;
				else if (is(ps, "=~"))
					op = PT_PQ_RE;
				else if (is(ps, "!~"))
					op = PT_PQ_NRE;
				else {
					fail(ps, PT_EUSAGE, "PromQL: matcher operator expected%s", "");
					goto bad;
				}
				if (lex(ps) != PT_OK)
					goto bad;
				if (ps->tok != T_STR) {
					fail(ps, PT_EUSAGE, "PromQL: string expected in a matcher%s", "");
					goto bad;
				}
				if (add_matcher(ps, &sel, name, op, ps->text) != PT_OK || lex(ps) != PT_OK)
					goto bad;
			}
			if (is(ps, ","))
				lex(ps);
			else if (!is(ps, "}")) {
				fail(ps, PT_EUSAGE, "PromQL: ',' or '}' expected in a selector%s", "");
				goto bad;
			}
			if (ps->rc != PT_OK)
				goto bad;
		}
		if (lex(ps) != PT_OK)
			goto bad;
	}
	if (sel.nm == 0 && !sel.node_matcher) {
		fail(ps, PT_EUSAGE, "PromQL: selector expected%s", "");
		goto bad;
	}
	if (!is(ps, "[")) {
		unsupported(ps, "a selector without a range (instant vector lookback)");
		goto bad;
	}
	if (lex(ps) != PT_OK)
		goto bad;
	if (ps->tok != T_WINDOW) {
		unsupported(ps, "a range other than ${window}");
		goto bad;
	}
	if (lex(ps) != PT_OK || expect(ps, "]") != PT_OK)
		goto bad;
	if (ps->tok == T_IDENT && (strcmp(ps->text, "offset") == 0))
		return unsupported(ps, "offset"), sel_clear(&sel), ps->rc;
	if (is(ps, "@"))
		return unsupported(ps, "@"), sel_clear(&sel), ps->rc;
	for (i = 0; i < sel.nm; i++)
		if (strcmp(sel.m[i].name, "__name__") == 0 && sel.m[i].op == PT_PQ_EQ)
			sel.name = sel.m[i].value;
	if ((sels = realloc(ps->q->sels, (ps->q->nsels + 1) * sizeof(*sels))) == NULL) {
		fail(ps, PT_ENOMEM, "%s", "");
		goto bad;
	}
	ps->q->sels = sels;
	sels[ps->q->nsels] = sel;
	*index = ps->q->nsels++;
	return PT_OK;
bad:
	sel_clear(&sel);
	return ps->rc;
}

static struct node *parse_expr(struct parser *ps, int min_prec);

static int parse_labels(struct parser *ps, char ***labels, size_t *n)
{
	if (expect(ps, "(") != PT_OK)
		return ps->rc;
	while (!is(ps, ")")) {
		char **l;
		if (ps->tok != T_IDENT)
			return fail(ps, PT_EUSAGE, "PromQL: label name expected in by (...)%s", "");
		if ((l = realloc(*labels, (*n + 1) * sizeof(*l))) == NULL)
			return fail(ps, PT_ENOMEM, "%s", "");
		*labels = l;
		if ((l[*n] = strdup(ps->text)) == NULL)
			return fail(ps, PT_ENOMEM, "%s", "");
		(*n)++;
		if (lex(ps) != PT_OK)
			return ps->rc;
		if (is(ps, ",") && lex(ps) != PT_OK)
			return ps->rc;
	}
	return lex(ps);
}

static int find(const char *const *names, const char *s)
{
	int i;

	for (i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static struct node *parse_call(struct parser *ps, const char *fn)
{
	static const char *const aggs[] = {"sum", "avg", "min", "max", "count", NULL};
	static const char *const ranges[] = {"rate", "increase", "delta", "avg_over_time",
		"sum_over_time", "min_over_time", "max_over_time", "count_over_time", "last_over_time", NULL};
	struct node *n = NULL;
	int i;

	if ((i = find(aggs, fn)) >= 0) {
		if ((n = new_node(ps, K_AGG)) == NULL)
			return NULL;
		n->op = i;
		if (ps->tok == T_IDENT && strcmp(ps->text, "by") == 0) {
			if (lex(ps) != PT_OK || parse_labels(ps, &n->labels, &n->nlabels) != PT_OK)
				goto bad;
		} else if (ps->tok == T_IDENT && strcmp(ps->text, "without") == 0) {
			unsupported(ps, "without (...)");
			goto bad;
		}
		if (expect(ps, "(") != PT_OK || (n->a = parse_expr(ps, 0)) == NULL || expect(ps, ")") != PT_OK)
			goto bad;
		if (ps->tok == T_IDENT && strcmp(ps->text, "by") == 0 && n->nlabels == 0) {
			if (lex(ps) != PT_OK || parse_labels(ps, &n->labels, &n->nlabels) != PT_OK)
				goto bad;
		} else if (ps->tok == T_IDENT && strcmp(ps->text, "without") == 0) {
			unsupported(ps, "without (...)");
			goto bad;
		}
		return n;
	}
	if (!is(ps, "(")) {
		unsupported(ps, fn);
		return NULL;
	}
	if ((i = find(ranges, fn)) >= 0) {
		if ((n = new_node(ps, K_RANGE)) == NULL)
			return NULL;
		n->op = i;
		if (lex(ps) != PT_OK || parse_selector(ps, &n->sel) != PT_OK || expect(ps, ")") != PT_OK)
			goto bad;
		return n;
	}
	if (strcmp(fn, "clamp_min") == 0 || strcmp(fn, "clamp_max") == 0 || strcmp(fn, "abs") == 0) {
		bool abs_fn = fn[0] == 'a';
		if ((n = new_node(ps, abs_fn ? K_ABS : K_CLAMP)) == NULL)
			return NULL;
		n->op = strcmp(fn, "clamp_max") == 0;
		if (lex(ps) != PT_OK || (n->a = parse_expr(ps, 0)) == NULL)
			goto bad;
		if (!abs_fn && (expect(ps, ",") != PT_OK || (n->b = parse_expr(ps, 0)) == NULL))
			goto bad;
		if (expect(ps, ")") != PT_OK)
			goto bad;
		return n;
	}
	if (strcmp(fn, "label_replace") == 0) {
		char **args[4];
		if ((n = new_node(ps, K_LREPLACE)) == NULL)
			return NULL;
		args[0] = &n->dst;
		args[1] = &n->repl;
		args[2] = &n->src;
		args[3] = NULL;
		if (lex(ps) != PT_OK || (n->a = parse_expr(ps, 0)) == NULL)
			goto bad;
		for (i = 0; i < 4; i++) {
			if (expect(ps, ",") != PT_OK)
				goto bad;
			if (ps->tok != T_STR) {
				fail(ps, PT_EUSAGE, "PromQL: string expected in label_replace%s", "");
				goto bad;
			}
			if (i < 3 && (*args[i] = strdup(ps->text)) == NULL) {
				fail(ps, PT_ENOMEM, "%s", "");
				goto bad;
			}
			if (i == 3) {
				if (anchored_regex(ps, &n->re, ps->text) != PT_OK)
					goto bad;
				n->has_re = true;
			}
			if (lex(ps) != PT_OK)
				goto bad;
		}
		if (expect(ps, ")") != PT_OK)
			goto bad;
		return n;
	}
	unsupported(ps, fn);
	return NULL;
bad:
	node_free(n);
	return NULL;
}

static struct node *parse_primary(struct parser *ps)
{
	struct node *n;
	char name[256];

	if (ps->rc != PT_OK)
		return NULL;
	if (ps->tok == T_NUM) {
		if ((n = new_node(ps, K_NUM)) != NULL) {
			n->num = ps->num;
			lex(ps);
		}
		return n;
	}
	if (is(ps, "-") || is(ps, "+")) {
		bool neg = is(ps, "-");
		struct node *a;
		if (lex(ps) != PT_OK || (a = parse_expr(ps, 6)) == NULL)
			return NULL;
		if (!neg)
			return a;
		if ((n = new_node(ps, K_NEG)) == NULL) {
			node_free(a);
			return NULL;
		}
		n->a = a;
		return n;
	}
	if (is(ps, "(")) {
		if (lex(ps) != PT_OK || (n = parse_expr(ps, 0)) == NULL)
			return NULL;
		if (expect(ps, ")") != PT_OK) {
			node_free(n);
			return NULL;
		}
		return n;
	}
	if (ps->tok == T_IDENT) {
		const char *save = ps->p;
		snprintf(name, sizeof(name), "%s", ps->text);
		if (lex(ps) != PT_OK)
			return NULL;
		if (is(ps, "(") || ((strcmp(name, "sum") == 0 || strcmp(name, "avg") == 0 ||
				strcmp(name, "min") == 0 || strcmp(name, "max") == 0 ||
				strcmp(name, "count") == 0) && ps->tok == T_IDENT))
			return parse_call(ps, name);
		/* A bare metric name: back to it, as a selector. */
		ps->p = save;
		ps->tok = T_IDENT;
		snprintf(ps->text, sizeof(ps->text), "%s", name);
	}
	if (ps->tok == T_IDENT || is(ps, "{")) {
		unsupported(ps, "a selector outside a range function");
		return NULL;
	}
	fail(ps, PT_EUSAGE, "PromQL: unexpected '%s'", ps->tok == T_EOF ? "end" : ps->text);
	return NULL;
}

/* Binary operators by precedence (higher binds tighter); -1 when not one. */
static int binop_of(const struct parser *ps, int *op)
{
	if (ps->tok == T_IDENT) {
		if (strcmp(ps->text, "or") == 0)
			return *op = B_OR, 1;
		if (strcmp(ps->text, "and") == 0)
			return *op = B_AND, 2;
		if (strcmp(ps->text, "unless") == 0)
			return *op = B_UNLESS, 2;
		return -1;
	}
	if (is(ps, "+"))
		return *op = B_ADD, 4;
	if (is(ps, "-"))
		return *op = B_SUB, 4;
	if (is(ps, "*"))
		return *op = B_MUL, 5;
	if (is(ps, "/"))
		return *op = B_DIV, 5;
	if (is(ps, "%"))
		return *op = B_MOD, 5;
	return -1;
}

static struct node *parse_expr(struct parser *ps, int min_prec)
{
	struct node *lhs;
	int prec, op = 0;

	if (++ps->depth > MAX_DEPTH) {
		unsupported(ps, "expressions nested deeper than 64");
		ps->depth--;
		return NULL;
	}
	lhs = parse_primary(ps);

	while (lhs && ps->rc == PT_OK && (prec = binop_of(ps, &op)) > min_prec) {
		struct node *n, *rhs;

		if (lex(ps) != PT_OK)
			break;
		if (ps->tok == T_IDENT && (strcmp(ps->text, "on") == 0 || strcmp(ps->text, "ignoring") == 0 ||
				strcmp(ps->text, "bool") == 0 || strcmp(ps->text, "group_left") == 0 ||
				strcmp(ps->text, "group_right") == 0)) {
			unsupported(ps, ps->text);
			break;
		}
		if ((rhs = parse_expr(ps, prec)) == NULL)
			break;
		if ((n = new_node(ps, K_BIN)) == NULL) {
			node_free(rhs);
			break;
		}
		n->op = op;
		n->a = lhs;
		n->b = rhs;
		lhs = n;
	}
	if (ps->rc == PT_OK && lhs && (is(ps, "==") || is(ps, "!=") || is(ps, ">") || is(ps, "<") ||
			is(ps, ">=") || is(ps, "<=") || is(ps, "^")))
		unsupported(ps, "comparison and power operators");
	ps->depth--;
	if (ps->rc != PT_OK) {
		node_free(lhs);
		return NULL;
	}
	return lhs;
}

int pt_pq_compile(struct pt_pq **out, const char *tmpl, const char *node_label,
		struct pt_error *err)
{
	struct parser ps;
	struct pt_pq *q = calloc(1, sizeof(*q));

	*out = NULL;
	if (q == NULL)
		return pt_error_oom(err);
	memset(&ps, 0, sizeof(ps));
	ps.s = ps.p = tmpl;
	ps.node_label = node_label;
	ps.q = q;
	ps.err = err;
	if (lex(&ps) == PT_OK && (q->root = parse_expr(&ps, 0)) != NULL && ps.tok != T_EOF)
		fail(&ps, PT_EUSAGE, "PromQL: unexpected '%s'", ps.text);
	if (ps.rc == PT_OK && q->root == NULL)
		fail(&ps, PT_EUSAGE, "PromQL: empty expression%s", "");
	if (ps.rc != PT_OK) {
		pt_pq_free(q);
		return ps.rc;
	}
	*out = q;
	return PT_OK;
}

void pt_pq_free(struct pt_pq *q)
{
	size_t i;

	if (q == NULL)
		return;
	node_free(q->root);
	for (i = 0; i < q->nsels; i++)
		sel_clear(&q->sels[i]);
	free(q->sels);
	free(q);
}

size_t pt_pq_nsels(const struct pt_pq *q)
{
	return q->nsels;
}

const struct pt_pq_sel *pt_pq_sel(const struct pt_pq *q, size_t i)
{
	return &q->sels[i];
}

const char *pt_pq_label_of(const struct pt_label *l, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i].name, name) == 0)
			return l[i].value;
	return "";
}

bool pt_pq_sel_match(const struct pt_pq_sel *sel, const struct pt_label *labels, size_t n)
{
	size_t i;

	for (i = 0; i < sel->nm; i++) {
		const struct pt_pq_matcher *m = &sel->m[i];
		const char *v = pt_pq_label_of(labels, n, m->name);
		bool ok;

		switch (m->op) {
		case PT_PQ_EQ: ok = strcmp(v, m->value) == 0; break;
		case PT_PQ_NE: ok = strcmp(v, m->value) != 0; break;
		case PT_PQ_RE: ok = regexec(&m->re, v, 0, NULL, 0) == 0; break;
		default: ok = regexec(&m->re, v, 0, NULL, 0) != 0; break;
		}
		if (!ok)
			return false;
	}
	return true;
}

int pt_pq_escape(struct pt_buf *out, const char *s, struct pt_error *err)
{
	int rc = PT_OK;

	for (; *s && rc == PT_OK; s++) {
		if (*s == '"' || *s == '\\')
			rc = pt_buf_append(out, "\\", 1, err);
		if (rc == PT_OK)
			rc = *s == '\n' ? pt_buf_append(out, "\\n", 2, err) : pt_buf_append(out, s, 1, err);
	}
	return rc;
}

static int quoted(struct pt_buf *out, const char *s, struct pt_error *err)
{
	int rc = pt_buf_append(out, "\"", 1, err);

	if (rc == PT_OK)
		rc = pt_pq_escape(out, s, err);
	return rc == PT_OK ? pt_buf_append(out, "\"", 1, err) : rc;
}

int pt_pq_sel_format(struct pt_buf *out, const struct pt_pq_sel *sel, struct pt_error *err)
{
	static const char *const ops[] = {"=", "!=", "=~", "!~"};
	size_t i;
	int rc = pt_buf_append(out, "{", 1, err);

	for (i = 0; i < sel->nm && rc == PT_OK; i++) {
		rc = pt_buf_printf(out, err, "%s%s", sel->m[i].name, ops[sel->m[i].op]);
		if (rc == PT_OK)
			rc = quoted(out, sel->m[i].value, err);
		if (rc == PT_OK)
			rc = pt_buf_append(out, ",", 1, err);
	}
	return rc;
}
