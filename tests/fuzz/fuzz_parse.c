/*
 * fuzz_parse.c - fuzz target: the scenario parser and validator
 * (scn_parse) on arbitrary bytes.  A file that parses is freed again; one
 * that does not has its diagnostic printed (to a sink) the way `csim run`
 * prints it, so the caret and line-text code runs on every error too.
 */
#include <string.h>

#include "fuzz.h"
#include "scn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scn_model_t *m = NULL;
    scn_diag_t d;
    memset(&d, 0, sizeof(d));
    int rc = scn_parse("fuzz.scn", (const char *)data, size, &m, &d);
    scn_reporter_t rp = {.out = fuzz_sink(), .err = fuzz_sink()};
    if (rc == SCN_ESYNTAX) {
        scn_report_diag(&rp, &d);
        rp.json = 1;
        scn_report_diag(&rp, &d);
    }
    if (rc == 0) {
        char label[256];
        scn_variant_label(m, NULL, label, sizeof(label));
        scn_model_free(m);
    }
    return 0;
}
