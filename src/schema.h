/* schema.h - the one row schema: every output column (name, unit, type, format) of node, device and export rows; CSV, table and JSON are all written from it. doc/reference.md §7. */
#ifndef PT_SCHEMA_H
#define PT_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "model.h"

enum pt_cell_type {
	PT_CELL_TEXT,  /* text; NULL when unknown */
	PT_CELL_TIME,  /* an instant, written RFC 3339 UTC with milliseconds */
	PT_CELL_NUM,   /* a number written with the column's decimals; NaN when unknown */
	PT_CELL_UJ     /* microjoules as an integer, from joules (pt_energy_uj); NaN when unknown */
};

/* One value of one row, as a column reads it. */
struct pt_cell {
	enum pt_cell_type type;
	const char *text;
	int64_t ms;
	double num;
};

/* The row a column reads: a node row, one device of a node row, or one
 * point of an export (its node row over the step, and the energy since the
 * export's start). */
struct pt_rowref {
	const struct pt_row *row;
	const struct pt_device_row *dev;
	int64_t time_ms;
	double cum_wh;
	double cum_co2_g;  /* export: CO2 since the export's start */
	bool has;        /* export: the point has data; its cells are empty otherwise */
};

#define PT_COL_KEY 1u    /* part of the row's identity: (task, node, start, end[, device][, time]) */
#define PT_COL_NODE 2u   /* device rows: a value of the node row, left out where devices nest in it */

struct pt_column {
	const char *name;    /* the CSV header's and the JSON key's spelling */
	const char *unit;    /* for people: "W", "Wh", "%", ...; "" when none */
	enum pt_cell_type type;
	int decimals;        /* PT_CELL_NUM: digits after the point in text */
	unsigned flags;
	void (*get)(const struct pt_rowref *r, struct pt_cell *c);
};

struct pt_schema {
	const char *name;    /* "report", "device", "export" */
	const struct pt_column *cols;
	size_t ncols;
};

extern const struct pt_schema pt_schema_node;   /* report, one row per node */
extern const struct pt_schema pt_schema_device; /* report --by device */
extern const struct pt_schema pt_schema_export; /* export: time series */

/* The CSV header line of s ("task,node,...\n"), built once; never NULL
 * (static storage, safe from several threads). */
const char *pt_schema_header(const struct pt_schema *s);
/* The column named name, or NULL. */
const struct pt_column *pt_schema_column(const struct pt_schema *s, const char *name);
/* The column's index, or -1. */
int pt_schema_index(const struct pt_schema *s, const char *name);

/* Calls fn with each row of rows as s reads them: each node row, or for
 * pt_schema_device each device of each node row. Stops at fn's first error
 * and returns it. */
int pt_rows_each(const struct pt_schema *s, const struct pt_row *rows, size_t n,
		int (*fn)(void *user, const struct pt_rowref *r, struct pt_error *err), void *user,
		struct pt_error *err);

/* Energy in microjoules as the outputs give it (rounded to the nearest
 * integer); false when energy_j is unknown. Exact up to 2^53 µJ (2.5 MWh). */
bool pt_energy_uj(double energy_j, double *uj);

#endif
