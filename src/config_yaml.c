/* config_yaml.c - reading the configuration's YAML nodes: typed values, paths, mappings walked key by key, and messages naming file, line and key. */
#include "config_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strmap.h"
#include "timefmt.h"

/* ---- node helpers and messages ---- */

unsigned long pt_cfg_line_of(const yaml_node_t *n)
{
	return (unsigned long)n->start_mark.line + 1;
}

/* YAML's null: an empty plain scalar, ~ or null. Quoted "" is a string. */
bool pt_cfg_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0
		|| strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* What the user wrote, for "got ..." in messages. */
const char *pt_cfg_describe(const yaml_node_t *n, char *buf, size_t size)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (pt_cfg_is_null(n))
		return "nothing";
	snprintf(buf, size, "'%.48s%s'", (const char *)n->data.scalar.value,
			n->data.scalar.length > 48 ? "..." : "");
	return buf;
}

/* "FILE:LINE: key 'PATH': DETAIL", PT_EUSAGE. */
int pt_cfg_key_error(struct loader *ld, const yaml_node_t *n, const char *path,
		const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	/* Only a top-level key that is not a word has no path to name. */
	if (path[0] == '\0')
		return pt_error_set(ld->err, PT_EUSAGE, "%s:%lu: %s", ld->file, pt_cfg_line_of(n), detail);
	return pt_error_set(ld->err, PT_EUSAGE, "%s:%lu: key '%s': %s", ld->file, pt_cfg_line_of(n),
			path, detail);
}

/* "must be WANT, got X" for a value of the wrong type or form. */
int pt_cfg_want_error(struct loader *ld, const yaml_node_t *n, const char *path, const char *want)
{
	char buf[64];

	return pt_cfg_key_error(ld, n, path, "must be %s, got %s", want, pt_cfg_describe(n, buf, sizeof(buf)));
}

/* The text of a non-null scalar, or an error saying what was wanted. */
int pt_cfg_get_text(struct loader *ld, const yaml_node_t *n, const char *path, const char *want,
		const char **out)
{
	if (n->type != YAML_SCALAR_NODE || pt_cfg_is_null(n))
		return pt_cfg_want_error(ld, n, path, want);
	/* A "\0" escape would silently cut every C string that follows. */
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return pt_cfg_key_error(ld, n, path, "must not contain a NUL character");
	*out = (const char *)n->data.scalar.value;
	return PT_OK;
}

int pt_cfg_replace_str(struct loader *ld, char **dst, const char *src)
{
	char *p = strdup(src);

	if (p == NULL)
		return pt_error_oom(ld->err);
	free(*dst);
	*dst = p;
	return PT_OK;
}

/* Scalars are typed by the key they belong to, not by YAML 1.1's implicit
 * rules, so "country: NO" stays Norway; booleans take YAML 1.1's words. */
int pt_cfg_get_bool(struct loader *ld, const yaml_node_t *n, const char *path, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", NULL};
	static const char *const no[] = {"false", "no", "off", NULL};
	const char *v;
	int i;

	if (pt_cfg_get_text(ld, n, path, "true or false", &v) != PT_OK)
		return ld->err->code;
	for (i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return PT_OK;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return PT_OK;
		}
	}
	return pt_cfg_want_error(ld, n, path, "true or false");
}

/* A finite decimal number >= min. strtod alone would also take "inf",
 * "nan" and hex, which no one means in a power model. */
int pt_cfg_get_number(struct loader *ld, const yaml_node_t *n, const char *path, double min,
		double *out)
{
	char want[48];
	const char *v;
	char *end;
	double d;

	snprintf(want, sizeof(want), "a number >= %g", min);
	if (pt_cfg_get_text(ld, n, path, want, &v) != PT_OK)
		return ld->err->code;
	if (strspn(v, "0123456789+-.eE") != strlen(v) || strpbrk(v, "0123456789") == NULL)
		return pt_cfg_want_error(ld, n, path, want);
	errno = 0;
	d = strtod(v, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(d) || d < min)
		return pt_cfg_want_error(ld, n, path, want);
	*out = d;
	return PT_OK;
}

int pt_cfg_get_int_range(struct loader *ld, const yaml_node_t *n, const char *path, long lo,
		long hi, int *out)
{
	char want[64];
	const char *v;
	char *end;
	long l;

	snprintf(want, sizeof(want), "an integer from %ld to %ld", lo, hi);
	if (pt_cfg_get_text(ld, n, path, want, &v) != PT_OK)
		return ld->err->code;
	if (!((v[0] >= '0' && v[0] <= '9') || (v[0] == '-' && v[1] >= '0' && v[1] <= '9')))
		return pt_cfg_want_error(ld, n, path, want);
	errno = 0;
	l = strtol(v, &end, 10);
	if (*end != '\0' || errno == ERANGE || l < lo || l > hi)
		return pt_cfg_want_error(ld, n, path, want);
	*out = (int)l;
	return PT_OK;
}

/* A file path; relative ones are relative to the config file's directory
 * (as Prometheus does for its own files), so the config works from any cwd. */
int pt_cfg_get_path(struct loader *ld, const yaml_node_t *n, const char *path, char **dst)
{
	const char *v;
	char *p;
	size_t size;

	if (pt_cfg_get_text(ld, n, path, "a file path", &v) != PT_OK)
		return ld->err->code;
	if (v[0] == '\0')
		return pt_cfg_want_error(ld, n, path, "a file path");
	if (v[0] == '/' || ld->dir == NULL)
		return pt_cfg_replace_str(ld, dst, v);
	size = strlen(ld->dir) + strlen(v) + 2;
	p = malloc(size);
	if (p == NULL)
		return pt_error_oom(ld->err);
	snprintf(p, size, "%s%s%s", ld->dir, strcmp(ld->dir, "/") == 0 ? "" : "/", v);
	free(*dst);
	*dst = p;
	return PT_OK;
}

static int walk_pairs(struct loader *ld, yaml_node_t *map, const char *path,
		const char *const *keys, field_fn fn, void *ctx, struct pt_strmap *seen);

/* Walks a mapping: keys must be scalars, unique and (when keys is not NULL)
 * one of keys; fn handles each value. A null value stands for an empty
 * mapping, so "tls:" with everything commented out is fine. */
int pt_cfg_walk_mapping(struct loader *ld, yaml_node_t *map, const char *path,
		const char *const *keys, field_fn fn, void *ctx)
{
	struct pt_strmap seen = {0};
	char buf[64];
	int rc;

	if (pt_cfg_is_null(map))
		return PT_OK;
	if (map->type != YAML_MAPPING_NODE)
		return pt_cfg_key_error(ld, map, path, "must be a mapping, got %s",
				pt_cfg_describe(map, buf, sizeof(buf)));
	rc = walk_pairs(ld, map, path, keys, fn, ctx, &seen);
	pt_strmap_free(&seen);
	return rc;
}

/* walk_mapping's loop; seen holds the keys so far (power.nodes may have
 * thousands: a scan of the earlier keys per key would be quadratic), in the
 * order of the pairs, so index i is pair i. */
static int walk_pairs(struct loader *ld, yaml_node_t *map, const char *path,
		const char *const *keys, field_fn fn, void *ctx, struct pt_strmap *seen)
{
	yaml_node_pair_t *pair;
	char buf[64];

	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(ld->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(ld->doc, pair->value);
		char child[KEY_PATH_MAX];
		const char *name;
		int rc;

		if (k == NULL || v == NULL)
			return pt_cfg_key_error(ld, map, path, "malformed mapping");
		if (k->type != YAML_SCALAR_NODE)
			return pt_cfg_key_error(ld, k, path, "keys must be plain words, got %s",
					pt_cfg_describe(k, buf, sizeof(buf)));
		name = (const char *)k->data.scalar.value;
		snprintf(child, sizeof(child), "%s%s%s", path, path[0] ? "." : "", name);
		if (strlen(name) != k->data.scalar.length)
			return pt_cfg_key_error(ld, k, child, "must not contain a NUL character");
		{
			bool added;
			size_t i = pt_strmap_put(seen, name, &added);

			if (i == PT_STRMAP_NONE)
				return pt_error_oom(ld->err);
			if (!added)
				return pt_cfg_key_error(ld, k, child, "duplicate key (first on line %lu)",
						pt_cfg_line_of(yaml_document_get_node(ld->doc,
								map->data.mapping.pairs.start[i].key)));
		}
		if (keys != NULL) {
			char list[160] = "";
			size_t i, used = 0;
			bool known = false;

			for (i = 0; keys[i] != NULL; i++) {
				known = known || strcmp(keys[i], name) == 0;
				used += (size_t)snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0,
						"%s%s", i ? ", " : "", keys[i]);
			}
			if (!known)
				return pt_cfg_key_error(ld, k, child, "unknown key (expected one of: %s)", list);
		}
		rc = fn(ld, name, v, child, ctx);
		if (rc != PT_OK)
			return rc;
	}
	return PT_OK;
}

