/* units.c - pprof-compatible unit scaling and formatting; see units.h. */
#include "hearth/units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hearth/banned.h"

struct unit {
    const char *canon;
    double factor;
    const char *aliases[4];
};

struct family {
    const struct unit *units;
    size_t n;
    size_t dflt; /* index of the default unit */
};

static const struct unit mem_units[] = {
    {"B", 1, {"b", "byte", NULL}},
    {"kB", 1024.0, {"kb", "kbyte", "kilobyte", NULL}},
    {"MB", 1024.0 * 1024, {"mb", "mbyte", "megabyte", NULL}},
    {"GB", 1024.0 * 1024 * 1024, {"gb", "gbyte", "gigabyte", NULL}},
    {"TB", 1024.0 * 1024 * 1024 * 1024, {"tb", "tbyte", "terabyte", NULL}},
    {"PB", 1024.0 * 1024 * 1024 * 1024 * 1024, {"pb", "pbyte", "petabyte", NULL}},
};

static const struct unit time_units[] = {
    {"ns", 1, {"ns", "nanosecond", NULL}},
    {"us", 1e3, {"\xce\xbcs", "us", "microsecond", NULL}},
    {"ms", 1e6, {"ms", "millisecond", NULL}},
    {"s", 1e9, {"s", "sec", "second", NULL}},
    {"hrs", 60 * 60 * 1e9, {"hour", "hr", NULL}},
};

static const struct unit gcu_units[] = {
    {"n*GCU", 1e-9, {"nanogcu", NULL}},  {"u*GCU", 1e-6, {"microgcu", NULL}},
    {"m*GCU", 1e-3, {"milligcu", NULL}}, {"GCU", 1, {"gcu", NULL}},
    {"k*GCU", 1e3, {"kilogcu", NULL}},   {"M*GCU", 1e6, {"megagcu", NULL}},
    {"G*GCU", 1e9, {"gigagcu", NULL}},   {"T*GCU", 1e12, {"teragcu", NULL}},
    {"P*GCU", 1e15, {"petagcu", NULL}},
};

static const struct family families[] = {
    {mem_units, sizeof(mem_units) / sizeof(mem_units[0]), 0},
    {time_units, sizeof(time_units) / sizeof(time_units[0]), 3},
    {gcu_units, sizeof(gcu_units) / sizeof(gcu_units[0]), 3},
};

/* pprof's spelling rule: lower-case; if longer than 2 bytes drop one trailing 's'. */
static const struct unit *sniff(const struct family *f, const char *u)
{
    char low[64];
    size_t n = strlen(u), i, k;

    if (n >= sizeof(low))
        return NULL;
    for (i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)u[i]);
    low[n] = '\0';
    if (n > 2 && low[n - 1] == 's')
        low[n - 1] = '\0';
    for (i = 0; i < f->n; i++)
        for (k = 0; k < 4 && f->units[i].aliases[k]; k++)
            if (strcmp(f->units[i].aliases[k], low) == 0)
                return &f->units[i];
    return NULL;
}

int hearth_unit_family(const char *u, double *factor)
{
    size_t i;

    for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        const struct unit *x = sniff(&families[i], u);
        if (x) {
            if (factor)
                *factor = x->factor;
            return (int)i + 1;
        }
    }
    return 0;
}

bool hearth_unit_is_plain(const char *u)
{
    return !strcmp(u, "count") || !strcmp(u, "sample") || !strcmp(u, "unit") ||
           !strcmp(u, "minimum") || !strcmp(u, "auto");
}

double hearth_unit_scale(int64_t v, const char *from, const char *to, const char **unit)
{
    size_t i, k;

    if (v < 0 && v != INT64_MIN) {
        double r = hearth_unit_scale(-v, from, to, unit);
        return -r;
    }
    for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        const struct family *f = &families[i];
        const struct unit *fu = sniff(f, from), *tu;
        double x;
        if (!fu)
            continue;
        x = (double)v * fu->factor;
        if (!strcmp(to, "minimum") || !strcmp(to, "auto")) {
            double best = 0;
            const char *bu = NULL;
            for (k = 0; k < f->n; k++) {
                if (f->units[k].factor >= best && x / f->units[k].factor >= 1.0) {
                    best = f->units[k].factor;
                    bu = f->units[k].canon;
                }
            }
            if (bu) {
                *unit = bu;
                return x / best;
            }
            *unit = f->units[f->dflt].canon;
            return x / f->units[f->dflt].factor;
        }
        tu = sniff(f, to);
        if (!tu)
            tu = &f->units[f->dflt];
        *unit = tu->canon;
        return x / tu->factor;
    }
    *unit = hearth_unit_is_plain(to) ? "" : to;
    return (double)v;
}

void hearth_unit_label(char *out, size_t outsz, int64_t v, const char *from, const char *to)
{
    const char *u;
    double x = hearth_unit_scale(v, from, to, &u);
    char num[512];
    size_t n;

    snprintf(num, sizeof(num), "%.2f", x);
    n = strlen(num);
    if (n >= 3 && !strcmp(num + n - 3, ".00"))
        num[n - 3] = '\0';
    if (!strcmp(num, "0") || !strcmp(num, "-0")) {
        snprintf(out, outsz, "0");
        return;
    }
    snprintf(out, outsz, "%s%s", num, u);
}

void hearth_percentage(char *out, size_t outsz, int64_t v, int64_t total)
{
    double ratio = 0;

    if (total != 0)
        ratio = fabs((double)v / (double)total) * 100;
    if (ratio >= 99.95 && ratio <= 100.05)
        snprintf(out, outsz, "  100%%");
    else if (ratio >= 1.0)
        snprintf(out, outsz, "%5.2f%%", ratio);
    else
        snprintf(out, outsz, "%5.2g%%", ratio);
}
