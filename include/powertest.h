/* powertest.h - the powertest library: energy and CO2 of a measured region of a program, from Prometheus data.
 *
 * A program measures a part of its own run the way `powertest run` measures
 * a command: open a client, begin a region, do the work, end the region (it
 * waits for Prometheus' final scrape), read one row per node and write them
 * as the report CSV (doc/reference.md §7.1).
 *
 *     powertest_error err;
 *     powertest_client *client = NULL;
 *     powertest_region *region = NULL;
 *     powertest_report *report = NULL;
 *
 *     if (powertest_global_init(&err) != POWERTEST_OK ||
 *         powertest_client_new(&client, NULL, "http://127.0.0.1:9090", &err) != POWERTEST_OK ||
 *         powertest_region_new(&region, client, "train", &err) != POWERTEST_OK ||
 *         powertest_region_begin(region, &err) != POWERTEST_OK)
 *             goto fail;
 *     train();
 *     if (powertest_region_end(region, &report, &err) > POWERTEST_EMISSING)
 *             goto fail;
 *     ... powertest_report_row(report, i)->energy_wh ...
 *     if (powertest_report_write_csv(report, "energy.csv", POWERTEST_CSV_APPEND, &err) != POWERTEST_OK)
 *             goto fail;
 *
 * Conventions (as libgit2 and libcurl):
 * - Every name starts with powertest_ / POWERTEST_.
 * - Handles are opaque. Each type has a _new (or a function that returns a
 *   new one) and a _free; every _free accepts NULL. Out parameters come
 *   first; on failure they are set to NULL.
 * - Functions that can fail return a powertest_code and fill the caller's
 *   powertest_error (which may be NULL) with the code and one line of detail,
 *   never prefixed with "failed to". The library never prints, never exits,
 *   and keeps no global state but libcurl's (powertest_global_init).
 * - Strings the library returns are owned by the object they come from and
 *   stay valid until that object is freed; strings passed in are copied.
 * - A client, and the regions and reports made from it, may be used by one
 *   thread at a time; separate clients are independent.
 * - Times are Unix epoch milliseconds (int64_t). Figures that are unknown
 *   (no data, not applicable) are NaN: test them with isnan().
 *
 * The header is C99 and C++ compatible and includes only <stddef.h> and <stdint.h>.
 * Compile and link with `pkg-config --cflags --libs powertest` (add --static
 * to link libpowertest.a).
 */
#ifndef POWERTEST_H
#define POWERTEST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version this header belongs to; powertest_version() gives the library's. */
#define POWERTEST_VERSION "0.1.0"
#define POWERTEST_VERSION_MAJOR 0
#define POWERTEST_VERSION_MINOR 1
#define POWERTEST_VERSION_PATCH 0

#if defined(__GNUC__) || defined(__clang__)
#define POWERTEST_EXTERN __attribute__((visibility("default")))
#define POWERTEST_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define POWERTEST_EXTERN
#define POWERTEST_WARN_UNUSED
#endif

/* ---- errors ---- */

/* Result codes. 0-4 are the exit codes of the powertest command line, so a
 * program can pass them on as its own exit status. */
typedef enum powertest_code {
	POWERTEST_OK = 0,       /* done, everything present */
	POWERTEST_EMISSING = 1, /* done, but something is missing: a node or device
	                           without data, a target not scraped in time; the
	                           result is still returned and its rows say which */
	POWERTEST_EUSAGE = 2,   /* bad argument, configuration, query set or data table */
	POWERTEST_ENET = 3,     /* Prometheus or network: unreachable, timeout, HTTP
	                           error, PromQL error, a response that is not the API's */
	POWERTEST_EWRITE = 4,   /* cannot write the output */
	POWERTEST_ENOMEM = 5    /* out of memory (the command line exits 3 for it) */
} powertest_code;

#define POWERTEST_ERROR_SIZE 256

/* Caller-owned error detail, usually on the stack. Any function taking one
 * accepts NULL. On success it is set to POWERTEST_OK and an empty message; on
 * POWERTEST_EMISSING and every failure, to the code returned and one line of
 * detail (NUL-terminated, truncated to fit). */
typedef struct powertest_error {
	powertest_code code;
	char message[POWERTEST_ERROR_SIZE];
} powertest_error;

/* A fixed description of a code ("missing data", "network error"...). Never NULL. */
POWERTEST_EXTERN const char *powertest_strerror(powertest_code code);

/* ---- library ---- */

/* The library's version string ("0.1.0"); *major, *minor, *patch get its
 * parts (each may be NULL). */
POWERTEST_EXTERN const char *powertest_version(int *major, int *minor, int *patch);

/* Initialises libcurl (curl_global_init). Call it once, before any other
 * thread runs and before any other powertest function; a program that already
 * initialises libcurl itself need not. Calls may be repeated and are counted:
 * each needs its powertest_global_cleanup(). POWERTEST_ENET on failure. */
POWERTEST_EXTERN powertest_code powertest_global_init(powertest_error *err) POWERTEST_WARN_UNUSED;
POWERTEST_EXTERN void powertest_global_cleanup(void);

/* ---- client: configuration, query set, data tables and a Prometheus connection ---- */

typedef struct powertest_client powertest_client;

/* Opens a client. config_path is a YAML configuration (doc/reference.md §4); NULL
 * follows the command line's rules ($POWERTEST_CONFIG, else ./powertest.yaml
 * when it exists, else built-in defaults) and "" means built-in defaults only.
 * url, when not NULL, replaces prometheus.url (as -u does). Loads the query
 * set and data tables; sends no request. POWERTEST_EUSAGE for a bad
 * configuration, query set or table (the message names file, line and key).
 * The caller frees *out with powertest_client_free. */
POWERTEST_EXTERN powertest_code powertest_client_new(powertest_client **out,
		const char *config_path, const char *url, powertest_error *err) POWERTEST_WARN_UNUSED;
/* Frees the client. Its regions must be freed first; reports stay valid. NULL ok. */
POWERTEST_EXTERN void powertest_client_free(powertest_client *client);

/* Asks Prometheus for its build information: POWERTEST_OK when it answers,
 * POWERTEST_ENET otherwise. Optional: a program may call it before a long
 * region to learn early that the URL is wrong. */
POWERTEST_EXTERN powertest_code powertest_client_ping(powertest_client *client,
		powertest_error *err) POWERTEST_WARN_UNUSED;

/* The Prometheus base URL in use, the configuration file loaded (NULL for
 * built-in defaults) and the query set file in use. Owned by the client. */
POWERTEST_EXTERN const char *powertest_client_url(const powertest_client *client);
POWERTEST_EXTERN const char *powertest_client_config_path(const powertest_client *client);
POWERTEST_EXTERN const char *powertest_client_queryset_path(const powertest_client *client);

/* ---- reports: one row per node ---- */

typedef enum powertest_source {
	POWERTEST_SOURCE_NONE = 0,    /* no data (or, for GPUs, no GPU) */
	POWERTEST_SOURCE_MODEL = 1,   /* utilisation × TDP model */
	POWERTEST_SOURCE_MEASURED = 2 /* an energy or power series (the row's *_source_name says which) */
} powertest_source;

/* "none", "model", "measured"; "" for an unknown value. The CSV names the
 * meter instead of "measured" (powertest_row's *_source_name). */
POWERTEST_EXTERN const char *powertest_source_name(powertest_source source);

typedef enum powertest_status {
	POWERTEST_STATUS_OK = 0,
	POWERTEST_STATUS_NO_DATA = 1, /* nothing came back for this node */
	POWERTEST_STATUS_PARTIAL = 2  /* some parts missing, or a window too short; see status_text */
} powertest_status;

/* One node over one window: the columns of the report CSV (doc/reference.md §7.1).
 * Owned by its report. Fields may be added at the end in later versions:
 * use the pointers powertest_report_row returns, do not copy by sizeof
 * across library versions. */
typedef struct powertest_row {
	const char *task;            /* NULL when the report has no task name */
	const char *node;
	int64_t start_ms;
	int64_t end_ms;
	double duration_s;
	double cpu_util_pct;         /* 0-100 */
	double ram_util_pct;         /* 0-100 */
	double ram_used_gib;
	int gpu_count;               /* 0 for a CPU-only node, -1 unknown (no data) */
	double gpu_util_pct;         /* mean over the node's GPUs, 0-100 */
	double cpu_power_w;
	double ram_power_w;
	double gpu_power_w;
	double power_w;              /* the wall meter's, else cpu + ram + gpu */
	double cpu_energy_wh;
	double ram_energy_wh;
	double gpu_energy_wh;
	double energy_wh;            /* IT energy, before PUE */
	double energy_j;             /* energy_wh × 3600 */
	int64_t energy_uj;           /* energy_j × 10^6, rounded; -1 when unknown */
	double pue;
	double carbon_intensity_g_per_kwh;
	double co2_g;                /* energy (kWh) × PUE × carbon intensity */
	powertest_source cpu_source;
	powertest_source gpu_source;
	powertest_status status;
	const char *status_text;     /* the CSV's status cell: "ok", "no_data: ...", "partial: ..." */
	/* Since CSV version 2 (doc/reference.md §6.3a, §6.6): */
	double other_power_w;        /* wall meter - parts; NaN without a wall meter; may be < 0 */
	double other_energy_wh;
	powertest_source ram_source;
	const char *cpu_source_name; /* the source columns: the meter's name ("rapl", ...), */
	const char *ram_source_name; /* "model" or "none"; GPUs of several sources joined by '+'; */
	const char *gpu_source_name; /* power: the wall meter's name or "sum" */
	const char *power_source_name;
} powertest_row;

typedef struct powertest_report powertest_report;

/* Reports a window that is over (as `powertest report --start --end` does): one row per
 * node with data, or, when nodes are given, one row per given node in that
 * order (status no_data when it has none). task may be NULL. Returns
 * POWERTEST_OK, or POWERTEST_EMISSING with *out set when some row is not "ok"
 * or no node has data; any other code leaves *out NULL. The caller frees *out
 * with powertest_report_free. */
POWERTEST_EXTERN powertest_code powertest_client_report(powertest_report **out,
		powertest_client *client, const char *task, int64_t start_ms, int64_t end_ms,
		const char *const *nodes, size_t nnodes, powertest_error *err) POWERTEST_WARN_UNUSED;

/* Number of rows, and row i (NULL when i is out of range). NULL report: 0 / NULL. */
POWERTEST_EXTERN size_t powertest_report_count(const powertest_report *report);
POWERTEST_EXTERN const powertest_row *powertest_report_row(const powertest_report *report, size_t i);

/* A note about the whole report ("1 target(s) not scraped since the region
 * ended; reported anyway"), or NULL. Owned by the report. */
POWERTEST_EXTERN const char *powertest_report_warning(const powertest_report *report);

/* powertest_report_write_csv flags. */
#define POWERTEST_CSV_APPEND 1u /* add rows under the existing header (written when
                                   the file is new or empty), holding an exclusive
                                   lock; a file with another header is POWERTEST_EUSAGE */

/* Writes the rows as the report CSV (doc/reference.md §7.1), header included. Without
 * POWERTEST_CSV_APPEND path is replaced atomically (a temporary file beside
 * it, renamed over it), so readers never see half a file. path NULL writes to
 * standard output. POWERTEST_EWRITE when the file cannot be written (full
 * disk included); the file is then left as it was. */
POWERTEST_EXTERN powertest_code powertest_report_write_csv(const powertest_report *report,
		const char *path, unsigned flags, powertest_error *err) POWERTEST_WARN_UNUSED;

POWERTEST_EXTERN void powertest_report_free(powertest_report *report);

/* ---- regions: measure a part of the running program ---- */

typedef struct powertest_region powertest_region;

/* Creates a region of client named task (NULL = no task name) over every node
 * with data. The client must outlive the region. The caller frees *out with
 * powertest_region_free. */
POWERTEST_EXTERN powertest_code powertest_region_new(powertest_region **out,
		powertest_client *client, const char *task, powertest_error *err) POWERTEST_WARN_UNUSED;

/* Restricts the region to a node (repeatable; rows come in the order added;
 * the wait for the final scrape then looks at this node's targets only).
 * node is copied. POWERTEST_EUSAGE for an empty name or while the region runs. */
POWERTEST_EXTERN powertest_code powertest_region_add_node(powertest_region *region,
		const char *node, powertest_error *err) POWERTEST_WARN_UNUSED;

/* Longest wait, in ms, for the targets' final scrape at powertest_region_end:
 * -1 (the default) waits up to two scrape intervals + 10 s as `powertest run`
 * does, 0 does not wait. */
POWERTEST_EXTERN void powertest_region_set_wait(powertest_region *region, int64_t timeout_ms);

/* Records the start (wall clock, ms). Sends no request. POWERTEST_EUSAGE when
 * the region already runs. A region may be begun again after it ended: it
 * then measures a new window. */
POWERTEST_EXTERN powertest_code powertest_region_begin(powertest_region *region,
		powertest_error *err) POWERTEST_WARN_UNUSED;

/* Records the end, waits until Prometheus has scraped the region's targets
 * past it, and reports exactly the region's window. Returns as
 * powertest_client_report, so the code is the exit status `powertest run`
 * would have; when the final scrape did not come in time the report is made
 * anyway and powertest_report_warning says so. On any other failure
 * the region has still ended: powertest_region_start_ms and _end_ms give the
 * window, so that it can be reported later with powertest_client_report.
 * POWERTEST_EUSAGE when the region was not begun. */
POWERTEST_EXTERN powertest_code powertest_region_end(powertest_region *region,
		powertest_report **out, powertest_error *err) POWERTEST_WARN_UNUSED;

/* The last window: start (0 before the first begin) and end (0 while running). */
POWERTEST_EXTERN int64_t powertest_region_start_ms(const powertest_region *region);
POWERTEST_EXTERN int64_t powertest_region_end_ms(const powertest_region *region);

/* NULL ok. Freeing a running region abandons it: nothing is reported. */
POWERTEST_EXTERN void powertest_region_free(powertest_region *region);

#ifdef __cplusplus
}
#endif

#endif
