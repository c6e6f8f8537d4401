/* targets.c - /api/v1/targets answers: the active targets, their health, scrape times and labels. */
#include "prom.h"
#include "prom_decode.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

static void target_clear(struct pt_target *t)
{
	free(t->job);
	free(t->instance);
	free(t->health);
	free(t->last_error);
	free(t->scrape_url);
	pt_prom_labels_free(t->labels, t->nlabels);
}

void pt_targets_free(struct pt_targets *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		target_clear(&t->items[i]);
	free(t->items);
	free(t);
}

static int dup_field(char **out, const char *s, const char *fallback)
{
	*out = strdup(s ? s : fallback);
	return *out ? 0 : PT_PROM_NOMEM;
}

/* RFC 3339 with any fraction ("2026-11-21T10:00:00.123456789Z"); Go's zero
 * time "0001-01-01T00:00:00Z" is how Prometheus says "never": 0. Anything
 * unreadable is also 0: one odd timestamp must not hide the other targets. */
static int64_t scrape_time(const char *s)
{
	struct pt_error e;
	int64_t ms;

	if (s == NULL || strncmp(s, "0001-01-01T00:00:00", 19) == 0)
		return 0;
	if (pt_time_parse(&ms, s, &e) != PT_OK || ms < 0)
		return 0;
	return ms;
}

static int64_t scrape_interval(const char *s)
{
	struct pt_error e;
	int64_t ms;

	if (s == NULL || pt_duration_parse(&ms, s, &e) != PT_OK)
		return 0;
	return ms;
}

static int target_decode(struct pt_target *t, const cJSON *el)
{
	const cJSON *labels, *disc;
	const char *job, *inst, *v;
	int rc;

	if (!cJSON_IsObject(el))
		return PT_PROM_SHAPE;
	labels = cJSON_GetObjectItemCaseSensitive(el, "labels");
	disc = cJSON_GetObjectItemCaseSensitive(el, "discoveredLabels");
	if ((rc = pt_prom_labels_decode(&t->labels, &t->nlabels, labels)) != 0)
		return rc;
	job = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, "job"));
	if (job == NULL) /* relabelled away: the scrape pool is named after the job */
		job = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(el, "scrapePool"));
	inst = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, "instance"));
	if (inst == NULL)
		inst = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(disc, "__address__"));
	if (dup_field(&t->job, job, "") || dup_field(&t->instance, inst, "")
			|| dup_field(&t->health, cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(el, "health")), "unknown")
			|| dup_field(&t->last_error, cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(el, "lastError")), "")
			|| dup_field(&t->scrape_url, cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(el, "scrapeUrl")), ""))
		return PT_PROM_NOMEM;
	v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(el, "lastScrape"));
	t->last_scrape_ms = scrape_time(v);
	v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(el, "scrapeInterval"));
	/* vmagent has no "scrapeInterval"; its discovered labels say it. */
	if (v == NULL)
		v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(disc, "__scrape_interval__"));
	t->scrape_interval_ms = scrape_interval(v);
	return 0;
}

int pt_targets_decode_at(struct pt_targets **out, const char *body, size_t len,
		long http_status, const char *url, struct pt_error *err)
{
	struct pt_targets *t = NULL;
	const cJSON *data, *active, *el;
	cJSON *root = NULL;
	size_t count;
	int rc;

	*out = NULL;
	if ((rc = pt_prom_envelope(&root, &data, body, len, http_status, url, err)) != PT_OK)
		return rc;
	active = cJSON_GetObjectItemCaseSensitive(data, "activeTargets");
	if (!cJSON_IsArray(active)) {
		rc = pt_prom_not_json(err, url, http_status, "no \"data.activeTargets\" array");
		goto out;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	count = (size_t)cJSON_GetArraySize(active);
	if (count && (t->items = calloc(count, sizeof(*t->items))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	cJSON_ArrayForEach(el, active) {
		rc = target_decode(&t->items[t->n++], el);
		if (rc == PT_PROM_NOMEM) {
			rc = pt_error_oom(err);
			goto out;
		}
		if (rc != 0) {
			rc = pt_prom_not_json(err, url, http_status, "a target is not an object with labels");
			goto out;
		}
	}
	*out = t;
	t = NULL;
	rc = PT_OK;
out:
	pt_targets_free(t);
	cJSON_Delete(root);
	return rc;
}

int pt_targets_decode(struct pt_targets **out, const char *body, size_t len,
		long http_status, struct pt_error *err)
{
	return pt_targets_decode_at(out, body, len, http_status, NULL, err);
}

