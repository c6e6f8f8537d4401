/* yamlguard.h - checks on YAML text before libyaml builds a document of it. */
#ifndef PT_YAMLGUARD_H
#define PT_YAMLGUARD_H

#include <stddef.h>
#include "error.h"

/* Deepest nesting of sequences and mappings a config or query set may have.
 * Both need five levels or fewer; libyaml's scanner slows down with the
 * square of the nesting ("[" x 100,000 takes about a minute), so the limit
 * also keeps hostile files cheap. */
#define PT_YAML_MAX_DEPTH 64

/* Streams text's YAML events and refuses nesting deeper than
 * PT_YAML_MAX_DEPTH: PT_EUSAGE "NAME:LINE: nesting deeper than 64 levels".
 * A YAML syntax error is not reported here (PT_OK): the document loader
 * that runs next reports it in its own words. */
int pt_yaml_guard(const char *text, size_t len, const char *name, struct pt_error *err) PT_WUR;

#endif
