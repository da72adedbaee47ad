/*
 * scn_view.h - trace views of one run, for people and their tools:
 *
 *   scn_perfetto_write   Chrome trace event JSON (opens in Perfetto and
 *                        chrome://tracing): a track per green thread,
 *                        call/ret slices, instants, container state tracks
 *   scn_html_write       one self-contained HTML timeline (inline CSS and
 *                        JS, the run embedded as JSON, no network)
 *   scn_cmd_diff         `csim diff`: the first event where two runs part
 *
 * `--trace-out` and `--html` of `csim run`, `replay` and `explore` go
 * through scn_view_dest_* and scn_view_emit.  Every view is a pure function
 * of the run (no clock, no host names), so equal runs write equal bytes.
 * Formats, file naming and limits: reports/README.md.
 */
#ifndef SCN_VIEW_H
#define SCN_VIEW_H

#include <stdint.h>
#include <stdio.h>

#include "scn.h"
#include "scn_explore.h"

/* What a view shows: the run, and what csim knows about it. */
typedef struct scn_view {
    const char *path;     /* the scenario file as given */
    const scn_model_t *m; /* NULL: no title, variant label or line numbers */
    const scn_result_t *r;
    const scn_verdict_t *v; /* NULL: no verdict */
    const char *token;      /* the replay token of this run, or NULL */
    const char *critical; /* the critical pair as explore prints it, or NULL */
    /* Its events in r: the index of `a` and of the failing run's next event
     * labelled like `b` (r->n_events where there is none). */
    size_t critical_at[2];
} scn_view_t;

void scn_view_init(scn_view_t *v, const char *path, const scn_model_t *m,
                   const scn_result_t *r, const scn_verdict_t *verdict);

int scn_perfetto_write(FILE *f, const scn_view_t *v);
int scn_html_write(FILE *f, const scn_view_t *v);

/* Where `--trace-out X` / `--html X` write.  X ending in '/' or naming an
 * existing directory: one file per scenario inside it (created when it
 * ends in '/'), NAME.trace.json / NAME.html, NAME the scenario's path with
 * "./" and ".scn" dropped and every '/' written '_'.  Otherwise X is the
 * file, and only one scenario may be given. */
typedef struct scn_view_dest {
    const char *trace_out, *html; /* NULL: not asked for */
    int trace_dir, html_dir;
} scn_view_dest_t;

/* Check the destinations for these scenario paths before anything runs:
 * 0, or 2 after saying why on err (several scenarios and a file, a
 * directory that cannot be made, two scenarios with one NAME). */
int scn_view_dest_check(scn_view_dest_t *d, char *const *paths, size_t n,
                        FILE *err);
/* Write the views asked for, each atomically (temp file + rename).  0, or
 * -1 after saying why on err. */
int scn_view_emit(const scn_view_dest_t *d, const scn_view_t *v, FILE *err);
/* Remove the files scn_view_emit writes for the scenario at path (those
 * that exist): what a command that reports out of memory does with the
 * views it wrote, so it leaves no output behind.  Allocates nothing. */
void scn_view_unemit(const scn_view_dest_t *d, const char *path);

/* The critical pair of a failing run of token t's mask and variant, into
 * v (critical, critical_at); text is its storage (n bytes).  Nothing when
 * the run passed or no schedule one preemption away passes. */
void scn_view_find_critical(scn_view_t *v, const scn_model_t *m,
                            const char *bytes, size_t n_bytes,
                            const scn_token_t *t, char *text, size_t n);

/* Replay token (a printed replay token of FILE) and write its views:
 * what `csim explore --trace-out/--html` does with the first failure.
 * 0, or -1 after saying why on err. */
int scn_view_emit_token(const scn_view_dest_t *d, const char *path,
                        const scn_model_t *m, const char *bytes, size_t n_bytes,
                        const char *token, FILE *err);

/* JSON string of s (UTF-8 checked: an invalid byte is written \ufffd).
 * html_safe: '<', '>' and '&' as \u escapes too, so the text can sit
 * inside an HTML <script> element. */
void scn_view_json_str(FILE *f, const char *s, int html_safe);
/* The indices of the events a failure text cites ("#116 (1ms) ...") in r,
 * ascending, at most max; returns how many. */
size_t scn_view_cited(const scn_result_t *r, const char *text, size_t *out,
                      size_t max);
/* Index of the event with sequence number seq, or r->n_events. */
size_t scn_view_find_seq(const scn_result_t *r, uint64_t seq);
/* The name a view gives thread id ("hub" for 0, "?" when unknown). */
const char *scn_view_thread_name(const scn_result_t *r, unsigned id);

int scn_cmd_diff(int argc, char **argv);

#endif /* SCN_VIEW_H */
