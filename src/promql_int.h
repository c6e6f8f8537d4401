/* promql_int.h - what promql.c (parsing) and promql_eval.c (evaluation) share: the compiled tree. */
#ifndef PT_PROMQL_INT_H
#define PT_PROMQL_INT_H

#include "promql.h"

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

/* The value of label name among l[0..n), "" when absent. */
const char *pt_pq_label_of(const struct pt_label *l, size_t n, const char *name);

#endif
