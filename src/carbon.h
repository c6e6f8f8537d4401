/* carbon.h - CO2 from grid intensity over time: which intensity file applies to a node, the pieces a window splits into at the file's interval boundaries, and rows' CO2 as the sum over those pieces of energy x PUE x intensity. */
#ifndef PT_CARBON_H
#define PT_CARBON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ctx.h"
#include "error.h"
#include "intensity.h"
#include "model.h"

/* True when some node's intensity comes from a file (power.carbon_intensity_file,
 * top level or per node) or the query set has carbon_intensity; false leaves
 * every row as the constant makes it. */
bool pt_carbon_varies(const struct pt_ctx *ctx);

/* Whether a node with effective parameters p (pt_config_node_power) takes
 * its intensity from the query set's carbon_intensity quantity: the set has
 * it and p names no intensity, country or file. */
bool pt_carbon_node_observed(const struct pt_ctx *ctx, const struct pt_power_params *p);

/* Whether node's intensity varies over time (a file or the quantity). */
bool pt_carbon_node_varies(const struct pt_ctx *ctx, const char *node);

/* The intensity file that applies to node (its override's, else the top
 * level's), or NULL for a constant intensity. */
const struct pt_intensity *pt_carbon_table(const struct pt_ctx *ctx, const char *node);

/* Boundaries of the pieces of [a, b): a, every row start of every loaded
 * file strictly inside (and every UTC hour when the query set has
 * carbon_intensity), b, ascending without repeats (*n = pieces + 1 >= 2).
 * Within a piece every file's intensity is constant. Caller frees *out. */
int pt_carbon_bounds(int64_t **out, size_t *n, const struct pt_ctx *ctx, int64_t a_ms,
		int64_t b_ms, struct pt_error *err) PT_WUR;

/* Sets carbon_intensity (g/kWh) of every row (and device row) whose node
 * has a file to the energy-weighted mean over the pieces bounds[0..npieces]:
 * sum_i E_i g_i / sum_i E_i, with E_i the row's (device's) energy in piece i
 * (from prow[i], the rows of piece i computed by the same rules as the
 * window's, matched by node name and device), g_i the file's intensity in
 * it (for a node on the carbon_intensity quantity: the piece row's observed
 * one); a row without energy in any piece gets the time-weighted mean. Then
 * co2_g = energy_wh / 1000 x PUE x that mean, which is sum_i E_i x PUE x g_i
 * scaled so the pieces' energies add up to the window's. A window the file
 * does not cover is PT_EUSAGE naming the uncovered span. */
int pt_carbon_apply(struct pt_row *rows, size_t n, const struct pt_ctx *ctx,
		const int64_t *bounds, size_t npieces, struct pt_row *const *prow, const size_t *pn,
		struct pt_error *err) PT_WUR;

/* The same, piece by piece, for callers that finish pieces as they go
 * (batch): energy-weighted sums of one row and its devices. Zero-initialise. */
struct pt_carbon_dev {
	char *device;
	double se, seg;
};
struct pt_carbon_sums {
	double se, seg;          /* sum of E_i, of E_i g_i */
	struct pt_carbon_dev *dev;
	size_t ndev, cap;
};

/* The intensity of node over the piece [a, b): its file's mean (errors as
 * pt_intensity_check), or on the carbon_intensity quantity the piece row's
 * observed one (piece_row may be NULL: NaN). */
int pt_carbon_piece_g(double *g, const struct pt_ctx *ctx, const char *node,
		const struct pt_row *piece_row, int64_t a_ms, int64_t b_ms, struct pt_error *err) PT_WUR;
/* Adds one piece's row (its energy and its devices') at intensity g; a NaN
 * g or a row without energy adds nothing. PT_ENOMEM only. */
int pt_carbon_sums_add(struct pt_carbon_sums *s, const struct pt_row *piece_row, double g,
		struct pt_error *err) PT_WUR;
/* Sets r's carbon_intensity (fallback when no piece had energy) and co2_g,
 * and its devices' co2_g, from s. */
void pt_carbon_sums_apply(const struct pt_carbon_sums *s, struct pt_row *r, double fallback);
void pt_carbon_sums_clear(struct pt_carbon_sums *s);

/* For one short interval (a grid point's step): carbon_intensity = the
 * file's time-weighted mean over [a, b) (its value at a when a == b), and
 * co2_g from it. Errors as pt_carbon_apply. */
int pt_carbon_apply_mean(struct pt_row *rows, size_t n, const struct pt_ctx *ctx, int64_t a_ms,
		int64_t b_ms, struct pt_error *err) PT_WUR;

#endif
