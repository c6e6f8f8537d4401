/* queryset.c - query sets: YAML -> templates per quantity, template expansion, node matchers. */
#include "queryset.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "timefmt.h"
#include "yamlguard.h"

static const char *const quantity_names[PT_Q_COUNT] = {
	[PT_Q_CPU_UTIL] = "cpu_util",
	[PT_Q_CPU_POWER] = "cpu_power",
	[PT_Q_CPU_ENERGY] = "cpu_energy",
	[PT_Q_CPU_INFO] = "cpu_info",
	[PT_Q_RAM_USED] = "ram_used",
	[PT_Q_RAM_TOTAL] = "ram_total",
	[PT_Q_RAM_POWER] = "ram_power",
	[PT_Q_RAM_ENERGY] = "ram_energy",
	[PT_Q_NODE_POWER] = "node_power",
	[PT_Q_NODE_ENERGY] = "node_energy",
	[PT_Q_GPU_UTIL] = "gpu_util",
	[PT_Q_GPU_POWER] = "gpu_power",
	[PT_Q_GPU_ENERGY] = "gpu_energy",
	[PT_Q_GPU_POWER_LIMIT] = "gpu_power_limit",
	[PT_Q_GPU_ENFORCED_LIMIT] = "gpu_enforced_limit",
	[PT_Q_GPU_INFO] = "gpu_info",
	[PT_Q_UP] = "up",
	[PT_Q_COVERED] = "covered",
	[PT_Q_CARBON_INTENSITY] = "carbon_intensity",
};

static const struct {
	const char *name;
	enum pt_unit unit;
	double scale;
} units[] = {
	{"ratio", PT_UNIT_RATIO, 1.0},
	{"percent", PT_UNIT_PERCENT, 0.01},
	{"bytes", PT_UNIT_BYTES, 1.0},
	{"watts", PT_UNIT_WATTS, 1.0},
	{"milliwatts", PT_UNIT_MILLIWATTS, 1e-3},
	{"microwatts", PT_UNIT_MICROWATTS, 1e-6},
	{"joules", PT_UNIT_JOULES, 1.0},
	{"millijoules", PT_UNIT_MILLIJOULES, 1e-3},
	{"microjoules", PT_UNIT_MICROJOULES, 1e-6},
	{"seconds", PT_UNIT_SECONDS, 1.0},
	{"g_per_kwh", PT_UNIT_G_PER_KWH, 1.0},
	{NULL, PT_UNIT_NONE, 1.0}
};

/* Which units make sense for each quantity: a set of watts labelled as a
 * utilisation is a mistake worth catching at load time. */
enum unit_kind { KIND_INFO, KIND_RATIO, KIND_BYTES, KIND_WATTS, KIND_ENERGY, KIND_SECONDS,
	KIND_INTENSITY };

static enum unit_kind quantity_kind(enum pt_quantity q)
{
	switch (q) {
	case PT_Q_CPU_UTIL: case PT_Q_GPU_UTIL: case PT_Q_UP: return KIND_RATIO;
	case PT_Q_RAM_USED: case PT_Q_RAM_TOTAL: return KIND_BYTES;
	case PT_Q_CPU_POWER: case PT_Q_GPU_POWER: case PT_Q_RAM_POWER: case PT_Q_NODE_POWER:
	case PT_Q_GPU_POWER_LIMIT: case PT_Q_GPU_ENFORCED_LIMIT: return KIND_WATTS;
	case PT_Q_CPU_ENERGY: case PT_Q_GPU_ENERGY: case PT_Q_RAM_ENERGY: case PT_Q_NODE_ENERGY:
		return KIND_ENERGY;
	case PT_Q_COVERED: return KIND_SECONDS;
	case PT_Q_CARBON_INTENSITY: return KIND_INTENSITY;
	default: return KIND_INFO;
	}
}

static enum unit_kind unit_kind(enum pt_unit u)
{
	switch (u) {
	case PT_UNIT_RATIO: case PT_UNIT_PERCENT: return KIND_RATIO;
	case PT_UNIT_BYTES: return KIND_BYTES;
	case PT_UNIT_WATTS: case PT_UNIT_MILLIWATTS: case PT_UNIT_MICROWATTS: return KIND_WATTS;
	case PT_UNIT_JOULES: case PT_UNIT_MILLIJOULES: case PT_UNIT_MICROJOULES: return KIND_ENERGY;
	case PT_UNIT_SECONDS: return KIND_SECONDS;
	case PT_UNIT_G_PER_KWH: return KIND_INTENSITY;
	default: return KIND_INFO;
	}
}

const char *pt_quantity_name(enum pt_quantity q)
{
	return (q >= 0 && q < PT_Q_COUNT) ? quantity_names[q] : "?";
}

enum pt_quantity pt_quantity_group(enum pt_quantity q)
{
	switch (q) {
	case PT_Q_CPU_POWER: return PT_Q_CPU_ENERGY;
	case PT_Q_RAM_POWER: return PT_Q_RAM_ENERGY;
	case PT_Q_GPU_POWER: return PT_Q_GPU_ENERGY;
	case PT_Q_NODE_POWER: return PT_Q_NODE_ENERGY;
	default: return q;
	}
}

bool pt_quantity_is_device(enum pt_quantity q)
{
	return q >= PT_Q_GPU_UTIL && q <= PT_Q_GPU_INFO;
}

double pt_unit_scale(enum pt_unit u)
{
	size_t i;

	for (i = 0; units[i].name; i++)
		if (units[i].unit == u)
			return units[i].scale;
	return 1.0;
}

void pt_queryset_free(struct pt_queryset *qs)
{
	size_t i;

	if (qs == NULL)
		return;
	for (i = 0; i < qs->n; i++) {
		free(qs->items[i].device_label);
		free(qs->items[i].model_label);
		free(qs->items[i].node_label);
		free(qs->items[i].tmpl);
		free(qs->items[i].source);
	}
	free(qs->items);
	free(qs->path);
	free(qs->name);
	free(qs);
}

/* ---- YAML ---- */

struct qs_parse {
	yaml_document_t *doc;
	const char *file;
	struct pt_error *err;
};

static int qs_fail(struct qs_parse *p, const yaml_node_t *n, const char *fmt, const char *a,
		const char *b)
{
	char detail[200];

	snprintf(detail, sizeof(detail), fmt, a, b ? b : "");
	return pt_error_set(p->err, PT_EUSAGE, "%s:%lu: %s", p->file,
			n ? (unsigned long)n->start_mark.line + 1 : 1UL, detail);
}

/* A key given twice in one mapping: YAML's last-one-wins would hide a typo. */
static int dup_key(struct qs_parse *p, const yaml_node_t *map, const yaml_node_pair_t *pair)
{
	const yaml_node_t *k = yaml_document_get_node(p->doc, pair->key), *e;
	const yaml_node_pair_t *q;
	char where[32];

	if (k == NULL || k->type != YAML_SCALAR_NODE)
		return PT_OK;
	for (q = map->data.mapping.pairs.start; q < pair; q++) {
		e = yaml_document_get_node(p->doc, q->key);
		if (e && e->type == YAML_SCALAR_NODE && strcmp((const char *)e->data.scalar.value,
				(const char *)k->data.scalar.value) == 0) {
			snprintf(where, sizeof(where), "%lu", (unsigned long)e->start_mark.line + 1);
			return qs_fail(p, k, "key '%s' given twice (first on line %s)",
					(const char *)k->data.scalar.value, where);
		}
	}
	return PT_OK;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int dup_scalar(char **out, struct qs_parse *p, const yaml_node_t *n, const char *key)
{
	const char *s = scalar(n);

	if (s == NULL || *s == '\0')
		return qs_fail(p, n, "key '%s': must be a non-empty string%s", key, NULL);
	free(*out);
	*out = strdup(s);
	return *out ? PT_OK : pt_error_oom(p->err);
}

/* A label name as PromQL allows it: [a-zA-Z_][a-zA-Z0-9_]*. */
static bool valid_label(const char *s)
{
	const char *c;

	if (s == NULL || !(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (c = s + 1; *c; c++)
		if (!(*c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
				(*c >= '0' && *c <= '9')))
			return false;
	return true;
}

/* Checks that every ${...} in a template is one we expand. */
static int check_template(struct qs_parse *p, const yaml_node_t *n, const char *t)
{
	static const char *const known[] = {"window", "node_matcher", "node_label", NULL};
	const char *s = t, *end;
	size_t i;

	while ((s = strstr(s, "${")) != NULL) {
		end = strchr(s, '}');
		if (end == NULL)
			return qs_fail(p, n, "key 'query': unterminated placeholder '%.20s'%s", s, NULL);
		for (i = 0; known[i]; i++)
			if (strlen(known[i]) == (size_t)(end - s - 2) &&
					strncmp(s + 2, known[i], (size_t)(end - s - 2)) == 0)
				break;
		if (known[i] == NULL) {
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)(end - s + 1), s);
			return qs_fail(p, n, "key 'query': unknown placeholder '%s' "
					"(known: ${window}, ${node_matcher}, ${node_label})%s", name, NULL);
		}
		s = end + 1;
	}
	return PT_OK;
}

static int parse_entry(struct qs_parse *p, yaml_node_t *n, struct pt_query *q, bool *have_quantity)
{
	yaml_node_pair_t *pair;
	int rc;
	bool have_unit = false;

	if (n->type != YAML_MAPPING_NODE)
		return qs_fail(p, n, "each entry of 'queries' must be a mapping%s%s", "", NULL);
	q->line = (int)n->start_mark.line + 1;
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);
		const char *key = scalar(k), *val = scalar(v);
		int i;

		if (key == NULL)
			return qs_fail(p, k, "keys must be strings%s%s", "", NULL);
		if ((rc = dup_key(p, n, pair)) != PT_OK)
			return rc;
		if (strcmp(key, "quantity") == 0) {
			for (i = 0; i < PT_Q_COUNT; i++)
				if (val && strcmp(val, quantity_names[i]) == 0)
					break;
			if (i == PT_Q_COUNT)
				return qs_fail(p, v, "key 'quantity': unknown quantity '%s'%s", val ? val : "",
						" (see queries/default.yaml for the list)");
			q->quantity = (enum pt_quantity)i;
			*have_quantity = true;
		} else if (strcmp(key, "unit") == 0) {
			for (i = 0; units[i].name; i++)
				if (val && strcmp(val, units[i].name) == 0)
					break;
			if (units[i].name == NULL)
				return qs_fail(p, v, "key 'unit': unknown unit '%s' (ratio, percent, bytes, "
						"watts, milliwatts, microwatts, joules, millijoules, microjoules, "
						"seconds, g_per_kwh)%s", val ? val : "", NULL);
			q->unit = units[i].unit;
			have_unit = true;
		} else if (strcmp(key, "device_label") == 0 || strcmp(key, "model_label") == 0 ||
				strcmp(key, "node_label") == 0) {
			char **dst = key[0] == 'd' ? &q->device_label :
				key[0] == 'm' ? &q->model_label : &q->node_label;
			if ((rc = dup_scalar(dst, p, v, key)) != PT_OK)
				return rc;
			if (!valid_label(*dst))
				return qs_fail(p, v, "key '%s': '%s' is not a valid label name", key, *dst);
		} else if (strcmp(key, "source") == 0) {
			const char *c;
			if ((rc = dup_scalar(&q->source, p, v, key)) != PT_OK)
				return rc;
			for (c = q->source; *c; c++)
				if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
					break;
			if (*c || strlen(q->source) >= PT_SRC_NAME || strcmp(q->source, "model") == 0 ||
					strcmp(q->source, "none") == 0 || strcmp(q->source, "sum") == 0)
				return qs_fail(p, v, "key 'source': '%s' is not a source name (lower-case "
						"letters, digits and '_', at most 23; not model, none or sum)%s",
						q->source, NULL);
		} else if (strcmp(key, "query") == 0) {
			if ((rc = dup_scalar(&q->tmpl, p, v, key)) != PT_OK)
				return rc;
			if ((rc = check_template(p, v, q->tmpl)) != PT_OK)
				return rc;
		} else {
			return qs_fail(p, k, "unknown key '%s' in query entry%s", key, NULL);
		}
	}
	if (!*have_quantity)
		return qs_fail(p, n, "query entry without 'quantity'%s%s", "", NULL);
	if (q->tmpl == NULL)
		return qs_fail(p, n, "entry '%s' has no 'query'%s", pt_quantity_name(q->quantity), NULL);
	if (quantity_kind(q->quantity) == KIND_INFO) {
		if (q->model_label == NULL)
			return qs_fail(p, n, "entry '%s' needs 'model_label'%s", pt_quantity_name(q->quantity), NULL);
	} else if (!have_unit) {
		return qs_fail(p, n, "entry '%s' needs 'unit'%s", pt_quantity_name(q->quantity), NULL);
	} else if (unit_kind(q->unit) != quantity_kind(q->quantity)) {
		return qs_fail(p, n, "entry '%s': unit does not fit this quantity%s",
				pt_quantity_name(q->quantity), NULL);
	}
	if (pt_quantity_is_device(q->quantity) && q->device_label == NULL)
		return qs_fail(p, n, "entry '%s' needs 'device_label'%s", pt_quantity_name(q->quantity), NULL);
	return PT_OK;
}

int pt_queryset_parse(struct pt_queryset **out, const char *text, size_t len, const char *name,
		struct pt_error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct qs_parse p = {&doc, name, err};
	struct pt_queryset *qs = NULL;
	yaml_node_t *root, *list = NULL;
	yaml_node_pair_t *pair;
	yaml_node_item_t *item;
	int rc = PT_OK;
	bool parser_ok = false, doc_ok = false;

	*out = NULL;
	rc = pt_yaml_guard(text, len, name, err);
	if (rc != PT_OK)
		return rc;
	if (!yaml_parser_initialize(&parser))
		return pt_error_oom(err);
	parser_ok = true;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = pt_error_set(err, PT_EUSAGE, "%s:%lu: %s", name,
				(unsigned long)parser.problem_mark.line + 1,
				parser.problem ? parser.problem : "invalid YAML");
		goto out;
	}
	doc_ok = true;
	{
		/* One document: a second one would be silently ignored. */
		yaml_document_t more;
		if (yaml_parser_load(&parser, &more)) {
			yaml_node_t *r2 = yaml_document_get_root_node(&more);
			unsigned long line = r2 ? (unsigned long)r2->start_mark.line + 1 : 0;
			bool second = r2 != NULL;
			yaml_document_delete(&more);
			if (second) {
				rc = pt_error_set(err, PT_EUSAGE, "%s:%lu: a query set is one YAML document; "
						"this is a second one", name, line);
				goto out;
			}
		}
	}
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		rc = qs_fail(&p, root, "a query set must be a mapping with a 'queries' list%s%s", "", NULL);
		goto out;
	}
	if ((qs = calloc(1, sizeof(*qs))) == NULL || (qs->path = strdup(name)) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&doc, pair->value);
		const char *key = scalar(k);

		if ((rc = dup_key(&p, root, pair)) != PT_OK)
			goto out;
		if (key && strcmp(key, "name") == 0) {
			if ((rc = dup_scalar(&qs->name, &p, v, key)) != PT_OK)
				goto out;
		} else if (key && strcmp(key, "description") == 0) {
			if (scalar(v) == NULL) {
				rc = qs_fail(&p, v, "key 'description': must be a string%s%s", "", NULL);
				goto out;
			}
		} else if (key && strcmp(key, "queries") == 0) {
			if (v->type != YAML_SEQUENCE_NODE) {
				rc = qs_fail(&p, v, "key 'queries': must be a list of entries%s%s", "", NULL);
				goto out;
			}
			list = v;
		} else {
			rc = qs_fail(&p, k, "unknown key '%s'%s", key ? key : "?", NULL);
			goto out;
		}
	}
	if (list == NULL) {
		rc = qs_fail(&p, root, "no 'queries' list%s%s", "", NULL);
		goto out;
	}
	qs->items = calloc((size_t)(list->data.sequence.items.top - list->data.sequence.items.start) + 1,
			sizeof(*qs->items));
	if (qs->items == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	for (item = list->data.sequence.items.start; item < list->data.sequence.items.top; item++) {
		yaml_node_t *n = yaml_document_get_node(&doc, *item);
		struct pt_query *q = &qs->items[qs->n++];
		bool have_quantity = false;

		size_t j;

		q->index = (int)(qs->n - 1);
		if ((rc = parse_entry(&p, n, q, &have_quantity)) != PT_OK)
			goto out;
		/* Several entries of a quantity are several sources, each named,
		 * tried in file order: the same source twice is a mistake. */
		for (j = 0; j + 1 < qs->n; j++) {
			const struct pt_query *e = &qs->items[j];
			if (e->quantity != q->quantity)
				continue;
			q->rank++;
			if ((e->source && q->source && strcmp(e->source, q->source) == 0) ||
					(e->source == NULL && q->source == NULL)) {
				rc = pt_error_set(err, PT_EUSAGE, "%s:%d: quantity '%s' given twice%s%s%s "
						"(first at line %d); several entries of a quantity each need "
						"their own 'source'", name, q->line, pt_quantity_name(q->quantity),
						q->source ? " for source '" : "", q->source ? q->source : "",
						q->source ? "'" : "", e->line);
				goto out;
			}
		}
		if (q->rank >= PT_QS_MAX_SOURCES) {
			rc = pt_error_set(err, PT_EUSAGE, "%s:%d: more than %d entries of quantity '%s'",
					name, q->line, PT_QS_MAX_SOURCES, pt_quantity_name(q->quantity));
			goto out;
		}
		if (qs->q[q->quantity] == NULL)
			qs->q[q->quantity] = q;
		/* A source's power and energy of one part are one choice: the
		 * first source in the file with either wins (then its energy
		 * before its power, the model decides). */
		q->prio = q->index;
		for (j = 0; j + 1 < qs->n; j++) {
			const struct pt_query *e = &qs->items[j];
			if (pt_quantity_group(e->quantity) == pt_quantity_group(q->quantity) &&
					((e->source == NULL && q->source == NULL) ||
					(e->source && q->source && strcmp(e->source, q->source) == 0))) {
				q->prio = e->prio;
				break;
			}
		}
	}
	if (qs->q[PT_Q_CPU_UTIL] == NULL || qs->q[PT_Q_RAM_USED] == NULL) {
		rc = qs_fail(&p, root, "query set needs at least 'cpu_util' and 'ram_used'%s%s", "", NULL);
		goto out;
	}
	*out = qs;
	qs = NULL;
out:
	pt_queryset_free(qs);
	if (doc_ok)
		yaml_document_delete(&doc);
	if (parser_ok)
		yaml_parser_delete(&parser);
	return rc;
}

int pt_queryset_load(struct pt_queryset **out, const char *path, struct pt_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc, e;

	*out = NULL;
	/* A query set is a few kilobytes; /dev/zero is not one. */
	if ((e = pt_read_file(&text, &len, path, (size_t)16 << 20)) != 0)
		return e == ENOMEM ? pt_error_oom(err) :
			pt_error_set(err, PT_EUSAGE, "cannot read query set %s: %s", path, strerror(e));
	rc = pt_queryset_parse(out, text, len, path, err);
	free(text);
	return rc;
}

/* ---- expansion ---- */

/* Escapes a node name for a double-quoted PromQL string holding an RE2 regex:
 * regex metacharacters get a backslash, and backslashes and quotes are then
 * escaped again for the string literal. */
static int append_regex_literal(struct pt_buf *out, const char *s, struct pt_error *err)
{
	int rc;

	/* Two layers: the regex escapes its metacharacters with a backslash, the
	 * PromQL string escapes backslashes, quotes and control characters. */
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			rc = pt_buf_append(out, "\\\\\\\\", 4, err);
		else if (strchr(".+*?()|[]{}^$", c))
			rc = pt_buf_printf(out, err, "\\\\%c", c);
		else if (c == '"')
			rc = pt_buf_append(out, "\\\"", 2, err);
		else if (c < 0x20 || c == 0x7f)
			rc = pt_buf_printf(out, err, "\\x%02x", c);
		else
			rc = pt_buf_append(out, s, 1, err);
		if (rc != PT_OK)
			return rc;
	}
	return PT_OK;
}

int pt_node_matcher(struct pt_buf *out, const char *label, const char *const *nodes, size_t nnodes,
		bool strip_port, struct pt_error *err)
{
	size_t i;
	int rc;

	if (nnodes == 0)
		return pt_buf_printf(out, err, "%s=~\".+\"", label);
	if ((rc = pt_buf_printf(out, err, "%s=~\"(", label)) != PT_OK)
		return rc;
	for (i = 0; i < nnodes; i++) {
		if (i && (rc = pt_buf_append(out, "|", 1, err)) != PT_OK)
			return rc;
		if ((rc = append_regex_literal(out, nodes[i], err)) != PT_OK)
			return rc;
	}
	return pt_buf_printf(out, err, ")%s\"", strip_port ? "(:[0-9]+)?" : "");
}

int pt_queryset_expand(struct pt_buf *out, const struct pt_query *q, const struct pt_expand *x,
		struct pt_error *err)
{
	const char *label = q->node_label ? q->node_label : x->node_label;
	const char *s = q->tmpl, *ph;
	char window[32];
	int rc;

	pt_duration_format(window, sizeof(window), x->window_ms);
	while ((ph = strstr(s, "${")) != NULL) {
		if ((rc = pt_buf_append(out, s, (size_t)(ph - s), err)) != PT_OK)
			return rc;
		if (strncmp(ph, "${window}", 9) == 0) {
			rc = pt_buf_printf(out, err, "%s", window);
			s = ph + 9;
		} else if (strncmp(ph, "${node_matcher}", 15) == 0) {
			rc = pt_node_matcher(out, label, x->nodes, x->nnodes, x->strip_port, err);
			s = ph + 15;
		} else if (strncmp(ph, "${node_label}", 13) == 0) {
			rc = pt_buf_printf(out, err, "%s", label);
			s = ph + 13;
		} else {
			/* Cannot happen for a loaded set: check_template rejected it. */
			return pt_error_set(err, PT_EUSAGE, "unknown placeholder in query for '%s'",
					pt_quantity_name(q->quantity));
		}
		if (rc != PT_OK)
			return rc;
	}
	return pt_buf_append(out, s, strlen(s), err);
}

void pt_node_name(char *out, size_t size, const char *value, bool strip_port)
{
	size_t len = strlen(value);
	const char *colon;

	if (strip_port && (colon = strrchr(value, ':')) != NULL && colon[1] != '\0' &&
			strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
		/* "[::1]:9100" -> "[::1]"; a bare IPv6 address "::1" has no port. */
		if (value[0] != '[' || (colon > value && colon[-1] == ']')) {
			if (value[0] == '[' || memchr(value, ':', (size_t)(colon - value)) == NULL)
				len = (size_t)(colon - value);
		}
	}
	if (size == 0)
		return;
	if (len >= size)
		len = size - 1;
	memcpy(out, value, len);
	out[len] = '\0';
}
