/* strmap.h - strings -> dense indices (0, 1, 2... in insertion order) with an open-addressing index. */
#ifndef PT_STRMAP_H
#define PT_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

#define PT_STRMAP_NONE ((size_t)-1)

/* Zero-initialise to use. Keys are copied; keys[i] is the key of index i.
 * Callers keep their values in arrays parallel to keys, so lookups of the
 * thousands of node names of a big lab stay linear overall. */
struct pt_strmap {
	char **keys;
	size_t n, cap;
	size_t *slots;  /* index + 1, 0 = empty */
	size_t nslots;
};

/* Index of key, added when absent (*added tells, may be NULL).
 * PT_STRMAP_NONE when out of memory. */
size_t pt_strmap_put(struct pt_strmap *m, const char *key, bool *added);
/* Index of key, or PT_STRMAP_NONE. */
size_t pt_strmap_get(const struct pt_strmap *m, const char *key);
/* Frees keys and index; the map is empty and reusable afterwards. NULL ok. */
void pt_strmap_free(struct pt_strmap *m);

#endif
