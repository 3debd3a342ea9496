/* thin.c - which snapshots of a long series to keep; see include/hearth/thin.h. */
#include "hearth/thin.h"

#include "hearth/banned.h"

/* floor(a / b) for b > 0 (times before the first snapshot's give negative buckets). */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && a < 0) ? q - 1 : q;
}

size_t hearth_thin_plan(const int64_t *t_ms, const int64_t *total, const bool *known, size_t n,
                        const struct hearth_thin_policy *p, bool *drop, int64_t *window_ms)
{
    int64_t newest, window, every = p->every_ms > 0 ? p->every_ms : 1, last_bucket = 0;
    size_t i, peak = n, dropped = 0;
    bool have_bucket = false;

    if (window_ms)
        *window_ms = 0;
    if (!n)
        return 0;
    newest = t_ms[0];
    for (i = 0; i < n; i++) {
        drop[i] = false;
        if (t_ms[i] > newest)
            newest = t_ms[i];
        if (total && (!known || known[i]) && (peak == n || total[i] > total[peak]))
            peak = i;
    }
    window = newest - (p->keep_ms > 0 ? p->keep_ms : 0);
    if (window_ms)
        *window_ms = window;
    for (i = 1; i + 1 < n; i++) {
        int64_t b;
        bool first_of_bucket;
        if (t_ms[i] >= window)
            continue;
        /* the first snapshot opens bucket 0; a later one opens its bucket when the one before it
         * (in series order, before the window) lay in another */
        b = floor_div(t_ms[i] - t_ms[0], every);
        first_of_bucket = b != 0 && (!have_bucket || b != last_bucket);
        if (first_of_bucket) {
            have_bucket = true;
            last_bucket = b;
        }
        if (!first_of_bucket && i != peak) {
            drop[i] = true;
            dropped++;
        }
    }
    return dropped;
}
