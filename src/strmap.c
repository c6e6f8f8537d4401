/* strmap.c - strings -> dense insertion-order indices (FNV-1a, linear probing). */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

static size_t hash_str(const char *s)
{
	size_t h = (size_t)1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
	return h;
}

static int grow_index(struct pt_strmap *m)
{
	size_t nslots = m->nslots ? m->nslots * 2 : 64, i;
	size_t *slots = calloc(nslots, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (i = 0; i < m->n; i++) {
		size_t h = hash_str(m->keys[i]) & (nslots - 1);
		while (slots[h])
			h = (h + 1) & (nslots - 1);
		slots[h] = i + 1;
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = nslots;
	return 0;
}

size_t pt_strmap_get(const struct pt_strmap *m, const char *key)
{
	size_t h;

	if (m->nslots == 0)
		return PT_STRMAP_NONE;
	for (h = hash_str(key) & (m->nslots - 1); m->slots[h]; h = (h + 1) & (m->nslots - 1))
		if (strcmp(m->keys[m->slots[h] - 1], key) == 0)
			return m->slots[h] - 1;
	return PT_STRMAP_NONE;
}

size_t pt_strmap_put(struct pt_strmap *m, const char *key, bool *added)
{
	size_t i = pt_strmap_get(m, key), h;
	char *k;

	if (added)
		*added = false;
	if (i != PT_STRMAP_NONE)
		return i;
	if ((m->n + 1) * 2 > m->nslots && grow_index(m) != 0)
		return PT_STRMAP_NONE;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		char **keys = realloc(m->keys, cap * sizeof(*keys));
		if (keys == NULL)
			return PT_STRMAP_NONE;
		m->keys = keys;
		m->cap = cap;
	}
	if ((k = strdup(key)) == NULL)
		return PT_STRMAP_NONE;
	m->keys[m->n] = k;
	for (h = hash_str(key) & (m->nslots - 1); m->slots[h]; h = (h + 1) & (m->nslots - 1))
		;
	m->slots[h] = ++m->n;
	if (added)
		*added = true;
	return m->n - 1;
}

void pt_strmap_free(struct pt_strmap *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
