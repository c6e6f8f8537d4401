/* text.h - checks on names that users give and that end up in PromQL, CSV and messages. */
#ifndef PT_TEXT_H
#define PT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include "error.h"

/* Whether s[0..n) is valid UTF-8: shortest forms only, no surrogates, at
 * most U+10FFFF. */
bool pt_utf8_valid(const char *s, size_t n);

/* Writes s into buf for a one-line message: printable ASCII and valid
 * UTF-8 as they are, anything else (controls, stray bytes) as \xNN; cut at
 * size - 1 bytes with "..." when longer. */
void pt_text_quote(char *buf, size_t size, const char *s);

/* A node name is valid UTF-8 without control characters (C0, DEL, C1):
 * Prometheus refuses anything else in a label matcher, and a name that is
 * not text cannot be a host. PT_EUSAGE "node name 'gpu\xff01' is not valid
 * UTF-8" or "... has a control character". */
int pt_node_name_check(const char *name, struct pt_error *err) PT_WUR;

#endif
