/* config_int.h - what config.c and config_yaml.c share: the loader and the YAML node readers; not for other modules. */
#ifndef PT_CONFIG_INT_H
#define PT_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>
#include "config.h"
#include "error.h"

#define KEY_PATH_MAX 256

struct loader {
	const char *file;       /* as given, for messages */
	char *dir;              /* its directory, NULL when it has none (relative to cwd) */
	yaml_document_t *doc;
	struct pt_config *cfg;
	struct pt_error *err;
};

/* Called for each key of a mapping; path is the dotted key path. */
typedef int (*field_fn)(struct loader *ld, const char *key, yaml_node_t *value,
		const char *path, void *ctx);

/* The line of a node, from 1. */
unsigned long pt_cfg_line_of(const yaml_node_t *n);
/* YAML's null: an empty plain scalar, ~ or null. Quoted "" is a string. */
bool pt_cfg_is_null(const yaml_node_t *n);
/* What the user wrote, for "got ..." in messages (buf holds it). */
const char *pt_cfg_describe(const yaml_node_t *n, char *buf, size_t size);
/* "FILE:LINE: key 'PATH': DETAIL": PT_EUSAGE. */
int pt_cfg_key_error(struct loader *ld, const yaml_node_t *n, const char *path,
		const char *fmt, ...) PT_PRINTF(4, 5);
/* "..., must be WANT, got WHAT": PT_EUSAGE. */
int pt_cfg_want_error(struct loader *ld, const yaml_node_t *n, const char *path, const char *want);
/* Typed values of scalar nodes: PT_OK, or PT_EUSAGE naming the key. */
int pt_cfg_get_text(struct loader *ld, const yaml_node_t *n, const char *path, const char *want,
		const char **out);
int pt_cfg_replace_str(struct loader *ld, char **dst, const char *src);
int pt_cfg_get_bool(struct loader *ld, const yaml_node_t *n, const char *path, bool *out);
/* A number >= min. */
int pt_cfg_get_number(struct loader *ld, const yaml_node_t *n, const char *path, double min,
		double *out);
/* An integer from lo to hi. */
int pt_cfg_get_int_range(struct loader *ld, const yaml_node_t *n, const char *path, long lo,
		long hi, int *out);
/* A file path, relative to the config file's directory; *dst replaced. */
int pt_cfg_get_path(struct loader *ld, const yaml_node_t *n, const char *path, char **dst);
/* Walks a mapping: keys must be scalars, unique and (when keys is not NULL)
 * one of keys; fn handles each value. A null value is an empty mapping. */
int pt_cfg_walk_mapping(struct loader *ld, yaml_node_t *map, const char *path,
		const char *const *keys, field_fn fn, void *ctx);

#endif
