/* detect.h - which sources of each quantity the store has for a window, per node (and device), and which one each node would use. */
#ifndef PT_DETECT_H
#define PT_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "ctx.h"
#include "error.h"
#include "report.h"

/* For one node (or one device of it): has[i] is true when entry i of the
 * query set returned a series for it in the window. */
struct pt_detect_dev {
	char *device;
	bool *has;
};

struct pt_detect_node {
	char *node;
	bool *has;                   /* node-level entries */
	struct pt_detect_dev *devs;  /* devices, in name order */
	size_t ndevs, devs_cap;
};

/* Runs every entry of ctx's query set ("up" and "covered" aside) at the
 * window's end, all at once, and records which answered for which node and
 * device. Nodes in name order (or the requested ones, in their order). The
 * first failure to ask ends it (PT_ENET...). Caller frees with pt_detect_free. */
int pt_detect(struct pt_detect_node **out, size_t *n, struct pt_ctx *ctx,
		const struct pt_window *w, struct pt_error *err) PT_WUR;
void pt_detect_free(struct pt_detect_node *d, size_t n);

/* Prints, per node, each quantity's sources with data in file order, the
 * one the node uses marked '*' (for GPU quantities per device), and what
 * stands in where no source has data (the model, the sum of the parts). */
void pt_detect_print(FILE *f, const struct pt_queryset *qs, const struct pt_detect_node *d,
		size_t n, bool prefer_measured);

#endif
