/* tables.h - the TDP and carbon tables (cpu_tdp.csv, gpu_tdp.csv, carbon_intensity.csv): loading and lookups. */
#ifndef PT_TABLES_H
#define PT_TABLES_H

#include <stdbool.h>
#include "error.h"

struct pt_tables;

/* Parses the three CSV tables from text (tests) or files. Any may be NULL
 * (lookups then miss); rows without a usable number are skipped. PT_EUSAGE
 * when a table is not CSV or a file cannot be read (naming it), else
 * PT_ENOMEM. Caller frees with pt_tables_free (NULL ok). */
int pt_tables_parse(struct pt_tables **out, const char *cpu_csv, const char *gpu_csv,
		const char *carbon_csv, struct pt_error *err) PT_WUR;
int pt_tables_load(struct pt_tables **out, const char *cpu_path, const char *gpu_path,
		const char *carbon_path, struct pt_error *err) PT_WUR;
void pt_tables_free(struct pt_tables *t);

/* Lookups: true and the value when found; false when not (or t is NULL). */
/* CPU TDP for a node_cpu_info model_name ("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"):
 * normalised, exact match preferred over the longest contained table name. */
bool pt_tables_cpu_tdp(const struct pt_tables *t, const char *model_name, double *tdp);
/* GPU TDP: first case-insensitive substring pattern that matches the name. */
bool pt_tables_gpu_tdp(const struct pt_tables *t, const char *gpu_name, double *tdp);
/* Carbon intensity (g/kWh) of an ISO 3166 alpha-2 or alpha-3 country code. */
bool pt_tables_carbon(const struct pt_tables *t, const char *country, double *g_per_kwh);

#endif
