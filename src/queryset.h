/* queryset.h - query sets (doc/reference.md §5): quantities -> PromQL templates, expansion, node filters. */
#ifndef PT_QUERYSET_H
#define PT_QUERYSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"

/* What the model needs. Node-level quantities have one value per node;
 * device-level ones (gpu_*) one per device, keyed by the entry's device_label. */
enum pt_quantity {
	PT_Q_CPU_UTIL,           /* ratio/percent, node */
	PT_Q_CPU_POWER,          /* watts, node, measured average */
	PT_Q_CPU_ENERGY,         /* joules/millijoules/microjoules over the window, node, measured */
	PT_Q_CPU_INFO,           /* model name in model_label, node */
	PT_Q_RAM_USED,           /* bytes, node, time-averaged */
	PT_Q_RAM_TOTAL,          /* bytes, node */
	PT_Q_RAM_POWER,          /* watts, node, measured DRAM average */
	PT_Q_RAM_ENERGY,         /* energy over the window, node, measured DRAM */
	PT_Q_NODE_POWER,         /* watts, node, measured wall (or platform) average */
	PT_Q_NODE_ENERGY,        /* energy over the window, node, measured wall (or platform) */
	PT_Q_GPU_UTIL,           /* ratio/percent, device */
	PT_Q_GPU_POWER,          /* watts, device, measured average */
	PT_Q_GPU_ENERGY,         /* energy over the window, device, measured */
	PT_Q_GPU_POWER_LIMIT,    /* watts, device */
	PT_Q_GPU_ENFORCED_LIMIT, /* watts, device */
	PT_Q_GPU_INFO,           /* model name in model_label, device */
	PT_Q_UP,                 /* ratio of successful scrapes of the node's targets (flags gaps) */
	PT_Q_COVERED,            /* seconds from the node's first sample in the window to its last,
	                          * plus one interval (flags windows reaching past the data) */
	PT_Q_CARBON_INTENSITY,   /* g/kWh, node, or every node when the series has no node
	                          * label: the grid's intensity, time-averaged (carbon.h) */
	PT_Q_COUNT
};

enum pt_unit {
	PT_UNIT_NONE, /* info series: the value is ignored */
	PT_UNIT_RATIO,
	PT_UNIT_PERCENT,
	PT_UNIT_BYTES,
	PT_UNIT_WATTS,
	PT_UNIT_MILLIWATTS,
	PT_UNIT_MICROWATTS,
	PT_UNIT_JOULES,
	PT_UNIT_MILLIJOULES,
	PT_UNIT_MICROJOULES,
	PT_UNIT_SECONDS,
	PT_UNIT_G_PER_KWH
};

/* Most entries (sources) of one quantity in a query set. */
#define PT_QS_MAX_SOURCES 8
/* Slots: one per (quantity, rank among the quantity's entries). */
#define PT_QS_SLOTS (PT_Q_COUNT * PT_QS_MAX_SOURCES)
/* Longest source name + 1. */
#define PT_SRC_NAME 24

struct pt_query {
	enum pt_quantity quantity;
	int rank;            /* among the entries of this quantity, in file order (0 = first) */
	int index;           /* among all entries, in file order */
	int prio;            /* which source wins: the index of the first entry of the same
	                      * group (pt_quantity_group) and source; lower wins */
	char *source;        /* the meter's name ("rapl", "ipmi", ...); NULL = unnamed */
	enum pt_unit unit;
	char *device_label;  /* required for gpu_* quantities */
	char *model_label;   /* required for *_info quantities */
	char *node_label;    /* NULL = the config's nodes.label */
	char *tmpl;          /* PromQL template */
	int line;            /* line in the query-set file, for messages */
};

struct pt_queryset {
	char *path;
	char *name;
	struct pt_query *q[PT_Q_COUNT]; /* the first entry of each quantity; NULL where none */
	struct pt_query *items;
	size_t n;
};

/* Loads and validates a query-set file. Templates use ${window} (the window
 * as a Prometheus duration), ${node_matcher} (a label matcher selecting the
 * requested nodes, e.g. instance=~"(gpu01|gpu02)(:[0-9]+)?") and
 * ${node_label}. Errors (PT_EUSAGE) name file:line. cpu_util and ram_used
 * are required. Caller frees with pt_queryset_free. */
int pt_queryset_load(struct pt_queryset **out, const char *path, struct pt_error *err) PT_WUR;
/* Same, from text; `name` is used in messages. */
int pt_queryset_parse(struct pt_queryset **out, const char *text, size_t len,
		const char *name, struct pt_error *err) PT_WUR;
void pt_queryset_free(struct pt_queryset *qs);

const char *pt_quantity_name(enum pt_quantity q);
/* The quantity whose entries compete with q's for one figure: measured
 * power and energy of one part are one choice (cpu_power -> cpu_energy,
 * ram_power -> ram_energy, gpu_power -> gpu_energy, node_power ->
 * node_energy); any other quantity is its own. */
enum pt_quantity pt_quantity_group(enum pt_quantity q);
/* The entry's slot: quantity + PT_Q_COUNT * rank. */
static inline int pt_query_slot(const struct pt_query *q)
{
	return (int)q->quantity + PT_Q_COUNT * q->rank;
}
/* The name a measured figure of this entry goes by: its source, or "measured". */
static inline const char *pt_query_source(const struct pt_query *q)
{
	return q->source ? q->source : "measured";
}
bool pt_quantity_is_device(enum pt_quantity q);
/* Factor that converts a value in `u` to the canonical unit of its kind
 * (ratio, bytes, watts, joules): percent 0.01, millijoules 1e-3,
 * microwatts 1e-6, ... */
double pt_unit_scale(enum pt_unit u);

struct pt_expand {
	int64_t window_ms;
	const char *node_label;    /* label naming a node */
	const char *const *nodes;  /* requested nodes; nnodes == 0 = every node */
	size_t nnodes;
	bool strip_port;
};

/* Appends the expanded PromQL of q to out. */
int pt_queryset_expand(struct pt_buf *out, const struct pt_query *q, const struct pt_expand *x,
		struct pt_error *err) PT_WUR;

/* Appends the node matcher: label=~".+" for all nodes, otherwise an anchored
 * alternation of the regex-escaped names, with an optional ":port" when
 * strip_port is set. */
int pt_node_matcher(struct pt_buf *out, const char *label, const char *const *nodes,
		size_t nnodes, bool strip_port, struct pt_error *err) PT_WUR;

/* Node name from a label value: with strip_port, "gpu01:9100" -> "gpu01",
 * "[::1]:9100" -> "[::1]"; otherwise the value itself. Writes into out. */
void pt_node_name(char *out, size_t size, const char *value, bool strip_port);

#endif
