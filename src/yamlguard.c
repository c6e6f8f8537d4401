/* yamlguard.c - a streaming pass over YAML events that refuses absurd nesting before the document is built. */
#include "yamlguard.h"

#include <stdbool.h>
#include <yaml.h>

int pt_yaml_guard(const char *text, size_t len, const char *name, struct pt_error *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, rc = PT_OK;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		return pt_error_oom(err);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			if (parser.error == YAML_MEMORY_ERROR)
				rc = pt_error_oom(err);
			break;
		}
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > PT_YAML_MAX_DEPTH) {
				rc = pt_error_set(err, PT_EUSAGE, "%s:%lu: nesting deeper than %d levels",
						name, (unsigned long)ev.start_mark.line + 1, PT_YAML_MAX_DEPTH);
				done = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}
