/* prom_decode.h - what the Prometheus API decoders (prom_json.c, prom_fast.c, targets.c) and the client (prom.c) share; not for other modules. */
#ifndef PT_PROM_DECODE_H
#define PT_PROM_DECODE_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "error.h"
#include "prom.h"

/* Shape problems inside "data" are reported with a short fixed reason; the
 * inner decoders return 0 when fine, PT_PROM_SHAPE when the JSON has another
 * shape, PT_PROM_NOMEM when out of memory, and leave the message to the
 * caller. */
#define PT_PROM_SHAPE (-1)
#define PT_PROM_NOMEM (-2)

/* The warning an answer with "isPartial": true (VictoriaMetrics cluster:
 * some vmstorage nodes did not answer) gets, after those it sent. */
#define PT_PROM_PARTIAL_WARNING "isPartial: some storage nodes did not answer"

/* Parses body and checks the {"status":..., "data":...} envelope. On PT_OK,
 * *root is the parsed document (the caller cJSON_Deletes it) and *data its
 * "data" member. Else PT_ENET with one line in err: an error envelope is
 * "Prometheus error (type): text", anything that is not the API's JSON says
 * what it was; url (or NULL) names where it came from. */
int pt_prom_envelope(cJSON **root, const cJSON **data, const char *body, size_t len,
		long status, const char *url, struct pt_error *err) PT_WUR;

/* Sets err to "answer [from url] is not Prometheus JSON (HTTP status,
 * detail)" and returns PT_ENET. */
int pt_prom_not_json(struct pt_error *err, const char *url, long status, const char *detail);

/* {"name":"value",...} -> a new array of labels (NULL obj or {}: none).
 * 0, PT_PROM_SHAPE or PT_PROM_NOMEM; on failure *out is NULL. The caller
 * frees with pt_prom_labels_free (which accepts NULL). */
int pt_prom_labels_decode(struct pt_label **out, size_t *n, const cJSON *obj) PT_WUR;
void pt_prom_labels_free(struct pt_label *l, size_t n);

/* pt_prom_decode and pt_targets_decode with the URL the answer came from
 * for the messages (NULL: none). Same results, errors and ownership. */
int pt_prom_decode_at(struct pt_prom_result **out, const char *body, size_t len,
		long http_status, const char *url, struct pt_error *err) PT_WUR;
int pt_targets_decode_at(struct pt_targets **out, const char *body, size_t len,
		long http_status, const char *url, struct pt_error *err) PT_WUR;

#endif
