/* promql.c - the PromQL subset of promql.h: a recursive-descent parser into a small tree, and its evaluation over raw samples as Prometheus' engine does it. */
#include "promql.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strmap.h"

/* ---- the tree ---- */

enum kind { K_NUM, K_NEG, K_BIN, K_AGG, K_RANGE, K_CLAMP, K_ABS, K_LREPLACE };
enum binop { B_OR, B_AND, B_UNLESS, B_ADD, B_SUB, B_MUL, B_DIV, B_MOD };
enum aggop { A_SUM, A_AVG, A_MIN, A_MAX, A_COUNT };
enum rangefn { R_RATE, R_INCREASE, R_DELTA, R_AVG, R_SUM, R_MIN, R_MAX, R_COUNT, R_LAST };

struct node {
	enum kind kind;
	int op;                 /* binop, aggop, rangefn; clamp: 0 min, 1 max */
	double num;
	struct node *a, *b;     /* operands / argument; clamp's bound in b */
	char **labels;          /* aggregation's by-labels */
	size_t nlabels;
	size_t sel;             /* K_RANGE: index into the selectors */
	char *dst, *repl, *src; /* label_replace */
	regex_t re;
	bool has_re;
};

struct pt_pq {
	struct node *root;
	struct pt_pq_sel *sels;
	size_t nsels;
};

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
};

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
	struct node *n = calloc(1, sizeof(*n));

	if (n == NULL)
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
static int anchored_regex(struct parser *ps, regex_t *re, const char *value)
{
	struct pt_buf b = {0};
	const char *p;
	int rc;

	for (p = value; *p; p++) {
		if (p[0] == '\\' && p[1] && isalpha((unsigned char)p[1]))
			return unsupported(ps, "a regular expression with a \\letter class");
		if (p[0] == '\\' && p[1])
			p++;
		else if (p[0] == '(' && p[1] == '?')
			return unsupported(ps, "a regular expression with (?...)");
		else if ((p[0] == '*' || p[0] == '+' || p[0] == '?' || p[0] == '}') && p[1] == '?')
			return unsupported(ps, "a lazy quantifier in a regular expression");
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
	struct node *lhs = parse_primary(ps);
	int prec, op = 0;

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

static const char *label_of(const struct pt_label *l, size_t n, const char *name)
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
		const char *v = label_of(labels, n, m->name);
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

static int quoted(struct pt_buf *out, const char *s, struct pt_error *err)
{
	int rc = pt_buf_append(out, "\"", 1, err);

	for (; *s && rc == PT_OK; s++) {
		if (*s == '"' || *s == '\\')
			rc = pt_buf_append(out, "\\", 1, err);
		if (rc == PT_OK)
			rc = *s == '\n' ? pt_buf_append(out, "\\n", 2, err) : pt_buf_append(out, s, 1, err);
	}
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

/* ---- evaluation ---- */

/* Memory of one evaluation, freed at its end. */
struct arena {
	struct block {
		struct block *next;
		size_t used, size;
		max_align_t data[];
	} *head;
};

static void *arena_alloc(struct arena *a, size_t n)
{
	struct block *b = a->head;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (b == NULL || b->size - b->used < n) {
		size_t size = n > 65536 ? n : 65536;
		if ((b = malloc(sizeof(*b) + size)) == NULL)
			return NULL;
		b->next = a->head;
		b->used = 0;
		b->size = size;
		a->head = b;
	}
	b->used += n;
	return (char *)b->data + b->used - n;
}

static void arena_free(struct arena *a)
{
	while (a->head) {
		struct block *b = a->head;
		a->head = b->next;
		free(b);
	}
}

struct elem {
	const struct pt_label *l; /* sorted by name */
	size_t nl;
	double v;
};

struct value {
	bool scalar;
	double s;
	struct elem *e;
	size_t n;
};

struct eval {
	const struct pt_pq *q;
	int64_t t, w;
	bool left_open;
	const struct pt_pq_source *src;
	struct arena arena;
	struct pt_buf key;
	struct pt_error *err;
};

static int cmp_label(const void *a, const void *b)
{
	return strcmp(((const struct pt_label *)a)->name, ((const struct pt_label *)b)->name);
}

/* Labels of a series, sorted, without the name unless keep_name. */
static int elem_labels(struct eval *ev, struct elem *e, const struct pt_label *l, size_t n,
		bool keep_name)
{
	struct pt_label *c = arena_alloc(&ev->arena, (n ? n : 1) * sizeof(*c));
	size_t i, k = 0;

	if (c == NULL)
		return pt_error_oom(ev->err);
	for (i = 0; i < n; i++)
		if (keep_name || strcmp(l[i].name, "__name__") != 0)
			c[k++] = l[i];
	qsort(c, k, sizeof(*c), cmp_label);
	e->l = c;
	e->nl = k;
	return PT_OK;
}

/* Matching signature: every label but the name. */
static int signature(struct eval *ev, const struct elem *e)
{
	size_t i;
	int rc = PT_OK;

	pt_buf_reset(&ev->key);
	for (i = 0; i < e->nl && rc == PT_OK; i++)
		if (strcmp(e->l[i].name, "__name__") != 0)
			rc = pt_buf_printf(&ev->key, ev->err, "%s\xff%s\xff", e->l[i].name, e->l[i].value);
	if (rc == PT_OK && ev->key.data == NULL)
		rc = pt_buf_append(&ev->key, "", 1, ev->err), ev->key.len = 0;
	return rc;
}

static size_t lower(const struct pt_sample *s, size_t n, int64_t t, bool strict)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strict ? s[mid].t_ms <= t : s[mid].t_ms < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Prometheus' extrapolatedRate over samples s[0..n) of a range (start, end].
 * Prometheus 3 (threshold_first, with left_open) cuts the extrapolation to
 * the start at half an interval before limiting it to the counter's zero
 * point (prometheus/prometheus#13725); Prometheus 2.42 limits it first. */
static bool extrapolated(double *out, const struct pt_sample *s, size_t n, int64_t start,
		int64_t end, bool counter, bool rate, bool threshold_first)
{
	double result, to_start, to_end, sampled, avg, threshold, interval;
	size_t i;

	if (n < 2)
		return false;
	result = s[n - 1].v - s[0].v;
	if (counter)
		for (i = 1; i < n; i++)
			if (s[i].v < s[i - 1].v)
				result += s[i - 1].v;
	to_start = (double)(s[0].t_ms - start) / 1000.0;
	to_end = (double)(end - s[n - 1].t_ms) / 1000.0;
	sampled = (double)(s[n - 1].t_ms - s[0].t_ms) / 1000.0;
	avg = sampled / (double)(n - 1);
	threshold = avg * 1.1;
	if (threshold_first && to_start >= threshold)
		to_start = avg / 2;
	if (counter && result > 0 && s[0].v >= 0) {
		double to_zero = sampled * (s[0].v / result);
		if (to_zero < to_start)
			to_start = to_zero;
	}
	interval = sampled;
	interval += to_start < threshold ? to_start : avg / 2;
	interval += to_end < threshold ? to_end : avg / 2;
	result *= interval / sampled;
	if (rate)
		result /= (double)(end - start) / 1000.0;
	*out = result;
	return true;
}

/* An average that reached an infinity keeps it when x is the same infinity
 * or finite, as Prometheus' running means do (Inf - Inf would be NaN). */
static bool mean_stays(double mean, double x)
{
	return isinf(mean) && (isinf(x) ? (mean > 0) == (x > 0) : !isnan(x));
}

static bool range_value(double *out, int fn, const struct pt_sample *s, size_t n, int64_t start,
		int64_t end, bool left_open)
{
	double v, c;
	size_t i;

	switch (fn) {
	case R_RATE: return extrapolated(out, s, n, start, end, true, true, left_open);
	case R_INCREASE: return extrapolated(out, s, n, start, end, true, false, left_open);
	case R_DELTA: return extrapolated(out, s, n, start, end, false, false, left_open);
	default: break;
	}
	if (n == 0)
		return false;
	switch (fn) {
	case R_AVG:
		/* A running mean, as Prometheus computes it. */
		v = s[0].v;
		for (i = 1; i < n; i++) {
			if (mean_stays(v, s[i].v))
				continue;
			v += s[i].v / (double)(i + 1) - v / (double)(i + 1);
		}
		break;
	case R_SUM:
		v = 0;
		c = 0;
		for (i = 0; i < n; i++) {
			/* Kahan-Neumaier summation, as Prometheus' kahanSumInc. */
			double t = v + s[i].v;
			if (isinf(t))
				c = 0;
			else if (fabs(v) >= fabs(s[i].v))
				c += (v - t) + s[i].v;
			else
				c += (s[i].v - t) + v;
			v = t;
		}
		if (!isinf(v))
			v += c;
		break;
	case R_MIN:
		v = s[0].v;
		for (i = 1; i < n; i++)
			if (s[i].v < v || isnan(v))
				v = s[i].v;
		break;
	case R_MAX:
		v = s[0].v;
		for (i = 1; i < n; i++)
			if (s[i].v > v || isnan(v))
				v = s[i].v;
		break;
	case R_COUNT: v = (double)n; break;
	default: v = s[n - 1].v; break; /* R_LAST */
	}
	*out = v;
	return true;
}

static int eval(struct eval *ev, const struct node *n, struct value *out);

static int eval_range(struct eval *ev, const struct node *n, struct value *out)
{
	const struct pt_series *const *ser;
	size_t ns = 0, i, k = 0;
	int64_t start = ev->t - ev->w;
	int rc;

	if ((rc = ev->src->series(ev->src->user, n->sel, &ser, &ns, ev->err)) != PT_OK)
		return rc;
	if ((out->e = arena_alloc(&ev->arena, (ns ? ns : 1) * sizeof(*out->e))) == NULL)
		return pt_error_oom(ev->err);
	for (i = 0; i < ns; i++) {
		const struct pt_series *s = ser[i];
		size_t a = lower(s->samples, s->nsamples, start, ev->left_open);
		size_t b = lower(s->samples, s->nsamples, ev->t, true);
		double v;

		if (b <= a || !range_value(&v, n->op, s->samples + a, b - a, start, ev->t, ev->left_open))
			continue;
		if ((rc = elem_labels(ev, &out->e[k], s->labels, s->nlabels, n->op == R_LAST)) != PT_OK)
			return rc;
		out->e[k++].v = v;
	}
	out->n = k;
	return PT_OK;
}

static double arith(int op, double a, double b)
{
	switch (op) {
	case B_ADD: return a + b;
	case B_SUB: return a - b;
	case B_MUL: return a * b;
	case B_DIV: return a / b;
	default: return fmod(a, b);
	}
}

static int eval_bin(struct eval *ev, const struct node *n, struct value *out)
{
	struct value l, r;
	struct pt_strmap rsig = {0};
	size_t i, k = 0, j;
	int rc;

	memset(&l, 0, sizeof(l));
	memset(&r, 0, sizeof(r));
	if ((rc = eval(ev, n->a, &l)) != PT_OK || (rc = eval(ev, n->b, &r)) != PT_OK)
		return rc;
	if (n->op <= B_UNLESS && (l.scalar || r.scalar))
		return pt_error_set(ev->err, PT_ENET, "PromQL: set operator with a scalar");
	if (l.scalar && r.scalar) {
		out->scalar = true;
		out->s = arith(n->op, l.s, r.s);
		return PT_OK;
	}
	if (l.scalar || r.scalar) {
		const struct value *v = l.scalar ? &r : &l;
		if ((out->e = arena_alloc(&ev->arena, (v->n ? v->n : 1) * sizeof(*out->e))) == NULL)
			return pt_error_oom(ev->err);
		for (i = 0; i < v->n; i++) {
			if ((rc = elem_labels(ev, &out->e[i], v->e[i].l, v->e[i].nl, false)) != PT_OK)
				return rc;
			out->e[i].v = l.scalar ? arith(n->op, l.s, v->e[i].v) : arith(n->op, v->e[i].v, r.s);
		}
		out->n = v->n;
		return PT_OK;
	}
	/* Vector and vector: one-to-one on every label but the name. */
	if ((out->e = arena_alloc(&ev->arena, (l.n + r.n + 1) * sizeof(*out->e))) == NULL)
		return pt_error_oom(ev->err);
	for (j = 0; j < r.n; j++) {
		bool added;
		if ((rc = signature(ev, &r.e[j])) != PT_OK)
			goto out;
		if (pt_strmap_put(&rsig, ev->key.data, &added) == PT_STRMAP_NONE) {
			rc = pt_error_oom(ev->err);
			goto out;
		}
		if (!added && n->op > B_UNLESS) {
			rc = pt_error_set(ev->err, PT_ENET, "PromQL: many-to-many matching not allowed");
			goto out;
		}
	}
	{
		struct pt_strmap lsig = {0};
		for (i = 0; i < l.n && rc == PT_OK; i++) {
			bool added;
			if ((rc = signature(ev, &l.e[i])) != PT_OK)
				break;
			j = pt_strmap_get(&rsig, ev->key.data);
			if (n->op == B_OR || n->op == B_AND || n->op == B_UNLESS) {
				if (n->op == B_OR && pt_strmap_put(&lsig, ev->key.data, NULL) == PT_STRMAP_NONE)
					rc = pt_error_oom(ev->err);
				if (n->op == B_OR || (n->op == B_AND) == (j != PT_STRMAP_NONE))
					out->e[k++] = l.e[i];
				continue;
			}
			if (j == PT_STRMAP_NONE)
				continue;
			/* Many-to-one would need group_left. */
			if (pt_strmap_put(&lsig, ev->key.data, &added) == PT_STRMAP_NONE) {
				rc = pt_error_oom(ev->err);
				break;
			}
			if (!added) {
				rc = pt_error_set(ev->err, PT_ENET, "PromQL: many-to-one matching needs group_left");
				break;
			}
			if ((rc = elem_labels(ev, &out->e[k], l.e[i].l, l.e[i].nl, false)) != PT_OK)
				break;
			out->e[k++].v = arith(n->op, l.e[i].v, r.e[j].v);
		}
		for (j = 0; j < r.n && rc == PT_OK && n->op == B_OR; j++) {
			if ((rc = signature(ev, &r.e[j])) != PT_OK)
				break;
			if (pt_strmap_get(&lsig, ev->key.data) == PT_STRMAP_NONE)
				out->e[k++] = r.e[j];
		}
		pt_strmap_free(&lsig);
	}
	out->n = k;
out:
	pt_strmap_free(&rsig);
	return rc;
}

static int eval_agg(struct eval *ev, const struct node *n, struct value *out)
{
	struct value in;
	struct pt_strmap groups = {0};
	double *cnt = NULL;
	size_t i, j, g;
	int rc;

	memset(&in, 0, sizeof(in));
	if ((rc = eval(ev, n->a, &in)) != PT_OK)
		return rc;
	if (in.scalar)
		return pt_error_set(ev->err, PT_ENET, "PromQL: aggregation of a scalar");
	if ((out->e = arena_alloc(&ev->arena, (in.n ? in.n : 1) * sizeof(*out->e))) == NULL ||
			(cnt = arena_alloc(&ev->arena, (in.n ? in.n : 1) * sizeof(*cnt))) == NULL)
		return pt_error_oom(ev->err);
	for (i = 0; i < in.n && rc == PT_OK; i++) {
		const struct elem *e = &in.e[i];
		bool added;

		pt_buf_reset(&ev->key);
		for (j = 0; j < n->nlabels && rc == PT_OK; j++)
			rc = pt_buf_printf(&ev->key, ev->err, "%s\xff", label_of(e->l, e->nl, n->labels[j]));
		if (rc == PT_OK && ev->key.data == NULL)
			rc = pt_buf_append(&ev->key, "", 1, ev->err);
		if (rc != PT_OK)
			break;
		if ((g = pt_strmap_put(&groups, ev->key.data, &added)) == PT_STRMAP_NONE) {
			rc = pt_error_oom(ev->err);
			break;
		}
		if (added) {
			struct pt_label *l = arena_alloc(&ev->arena, (n->nlabels ? n->nlabels : 1) * sizeof(*l));
			size_t k = 0;
			if (l == NULL) {
				rc = pt_error_oom(ev->err);
				break;
			}
			for (j = 0; j < n->nlabels; j++) {
				const char *v = label_of(e->l, e->nl, n->labels[j]);
				if (*v) {
					l[k].name = n->labels[j];
					l[k++].value = (char *)v;
				}
			}
			qsort(l, k, sizeof(*l), cmp_label);
			out->e[g].l = l;
			out->e[g].nl = k;
			out->e[g].v = n->op == A_COUNT ? 1 : e->v;
			cnt[g] = 1;
			continue;
		}
		cnt[g] += 1;
		switch (n->op) {
		case A_SUM: out->e[g].v += e->v; break;
		case A_AVG:
			if (!mean_stays(out->e[g].v, e->v))
				out->e[g].v += e->v / cnt[g] - out->e[g].v / cnt[g];
			break;
		case A_MIN: if (out->e[g].v > e->v || isnan(out->e[g].v)) out->e[g].v = e->v; break;
		case A_MAX: if (out->e[g].v < e->v || isnan(out->e[g].v)) out->e[g].v = e->v; break;
		default: out->e[g].v += 1; break;
		}
	}
	out->n = groups.n;
	pt_strmap_free(&groups);
	return rc;
}

/* label_replace's replacement expanded from the match as Go's Regexp.Expand:
 * $$ is $; $name or ${name} (letters, digits, _) is group name when a number
 * without a leading zero, else a named group (none in POSIX: empty), so
 * "$1x" is empty; a $ without a name is kept. */
static int expand(struct eval *ev, const char *repl, const char *v, const regmatch_t *m,
		char **out)
{
	struct pt_buf b = {0};
	const char *p;
	int rc = PT_OK;

	for (p = repl; *p && rc == PT_OK; p++) {
		const char *name;
		size_t len = 0, i;
		bool brace;
		long g = 0;

		if (*p != '$' || p[1] == '$') {
			rc = pt_buf_append(&b, p, 1, ev->err);
			p += *p == '$';
			continue;
		}
		brace = p[1] == '{';
		name = p + 1 + brace;
		while (isalnum((unsigned char)name[len]) || name[len] == '_')
			len++;
		if (len == 0 || (brace && name[len] != '}')) {
			rc = pt_buf_append(&b, p, 1, ev->err);
			continue;
		}
		p = name + len + brace - 1;
		for (i = 0; i < len && g >= 0; i++)
			g = isdigit((unsigned char)name[i]) && g < 100000000 ? g * 10 + (name[i] - '0') : -1;
		if (name[0] == '0' && len > 1)
			g = -1;
		/* Group 1 of ours is the whole expression's anchoring group. */
		if (g >= 0 && g + 1 < 10 && m[g + 1].rm_so >= 0)
			rc = pt_buf_append(&b, v + m[g + 1].rm_so, (size_t)(m[g + 1].rm_eo - m[g + 1].rm_so),
					ev->err);
	}
	if (rc == PT_OK) {
		char *s = arena_alloc(&ev->arena, b.len + 1);
		if (s == NULL)
			rc = pt_error_oom(ev->err);
		else {
			memcpy(s, b.data ? b.data : "", b.len);
			s[b.len] = '\0';
			*out = s;
		}
	}
	pt_buf_free(&b);
	return rc;
}

static int eval_lreplace(struct eval *ev, const struct node *n, struct value *out)
{
	size_t i, j;
	int rc;

	if ((rc = eval(ev, n->a, out)) != PT_OK)
		return rc;
	if (out->scalar)
		return pt_error_set(ev->err, PT_ENET, "PromQL: label_replace of a scalar");
	for (i = 0; i < out->n; i++) {
		struct elem *e = &out->e[i];
		const char *v = label_of(e->l, e->nl, n->src);
		regmatch_t m[10];
		struct pt_label *l;
		char *nv = NULL;
		size_t k = 0;

		if (regexec(&n->re, v, 10, m, 0) != 0)
			continue;
		if ((rc = expand(ev, n->repl, v, m, &nv)) != PT_OK)
			return rc;
		if ((l = arena_alloc(&ev->arena, (e->nl + 1) * sizeof(*l))) == NULL)
			return pt_error_oom(ev->err);
		for (j = 0; j < e->nl; j++)
			if (strcmp(e->l[j].name, n->dst) != 0)
				l[k++] = e->l[j];
		if (*nv) {
			l[k].name = n->dst;
			l[k++].value = nv;
		}
		qsort(l, k, sizeof(*l), cmp_label);
		e->l = l;
		e->nl = k;
	}
	return PT_OK;
}

static int eval(struct eval *ev, const struct node *n, struct value *out)
{
	struct value b;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	switch (n->kind) {
	case K_NUM:
		out->scalar = true;
		out->s = n->num;
		return PT_OK;
	case K_RANGE:
		return eval_range(ev, n, out);
	case K_BIN:
		return eval_bin(ev, n, out);
	case K_AGG:
		return eval_agg(ev, n, out);
	case K_LREPLACE:
		return eval_lreplace(ev, n, out);
	default:
		break;
	}
	/* K_NEG, K_ABS, K_CLAMP: element-wise, the name dropped. */
	if ((rc = eval(ev, n->a, out)) != PT_OK)
		return rc;
	memset(&b, 0, sizeof(b));
	if (n->kind == K_CLAMP) {
		if ((rc = eval(ev, n->b, &b)) != PT_OK)
			return rc;
		if (!b.scalar)
			return pt_error_set(ev->err, PT_ENET, "PromQL: clamp bound is not a scalar");
	}
	if (out->scalar) {
		if (n->kind != K_NEG)
			return pt_error_set(ev->err, PT_ENET, "PromQL: function of a scalar");
		out->s = -out->s;
		return PT_OK;
	}
	for (i = 0; i < out->n; i++) {
		struct elem *e = &out->e[i];
		if ((rc = elem_labels(ev, e, e->l, e->nl, false)) != PT_OK)
			return rc;
		if (n->kind == K_NEG)
			e->v = -e->v;
		else if (n->kind == K_ABS)
			e->v = fabs(e->v);
		else if (isnan(e->v) || isnan(b.s))
			e->v = NAN;
		else if (n->op == 0)
			e->v = e->v < b.s ? b.s : e->v;
		else
			e->v = e->v > b.s ? b.s : e->v;
	}
	return PT_OK;
}

/* The value as a decoded answer: labels and one sample per element. */
static int to_result(struct pt_prom_result **out, const struct value *v, int64_t t,
		struct pt_error *err)
{
	struct pt_prom_result *r = calloc(1, sizeof(*r));
	size_t n = v->scalar ? 1 : v->n, i, j;

	if (r == NULL)
		return pt_error_oom(err);
	r->type = v->scalar ? PT_PROM_SCALAR : PT_PROM_VECTOR;
	if (n && (r->series = calloc(n, sizeof(*r->series))) == NULL)
		goto oom;
	r->nseries = n;
	for (i = 0; i < n; i++) {
		struct pt_series *s = &r->series[i];
		size_t nl = v->scalar ? 0 : v->e[i].nl;

		if ((s->samples = malloc(sizeof(*s->samples))) == NULL)
			goto oom;
		s->nsamples = 1;
		s->samples[0].t_ms = t;
		s->samples[0].v = v->scalar ? v->s : v->e[i].v;
		if (nl && (s->labels = calloc(nl, sizeof(*s->labels))) == NULL)
			goto oom;
		for (j = 0; j < nl; j++) {
			s->nlabels = j + 1;
			if ((s->labels[j].name = strdup(v->e[i].l[j].name)) == NULL ||
					(s->labels[j].value = strdup(v->e[i].l[j].value)) == NULL)
				goto oom;
		}
	}
	*out = r;
	return PT_OK;
oom:
	pt_prom_result_free(r);
	return pt_error_oom(err);
}

int pt_pq_eval(struct pt_prom_result **out, const struct pt_pq *q, int64_t t_ms, int64_t window_ms,
		bool left_open, const struct pt_pq_source *src, struct pt_error *err)
{
	struct eval ev;
	struct value v;
	int rc;

	*out = NULL;
	memset(&ev, 0, sizeof(ev));
	ev.q = q;
	ev.t = t_ms;
	ev.w = window_ms;
	ev.left_open = left_open;
	ev.src = src;
	ev.err = err;
	if ((rc = eval(&ev, q->root, &v)) == PT_OK)
		rc = to_result(out, &v, t_ms, err);
	arena_free(&ev.arena);
	pt_buf_free(&ev.key);
	return rc;
}
