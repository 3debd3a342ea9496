/*
 * units.h - pprof's measurement units: scaling, value labels, percentages.
 *
 * Unit families (memory B..PB in powers of 1024, time ns..hrs, GCU) and the
 * spelling rules follow pprof-semantics.md section 10. All functions are
 * pure and thread-safe; returned unit names point to static storage or to
 * the caller's `to` string.
 */
#ifndef HEARTH_UNITS_H
#define HEARTH_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Convert v from unit `from` to unit `to` ("minimum"/"auto" auto-scale).
 * Returns the converted value; *unit is the suffix to print (may be "").
 */
double hearth_unit_scale(int64_t v, const char *from, const char *to, const char **unit);

/* pprof's ScaledLabel: "%.2f" of the scaled value, ".00" dropped, unit added. */
void hearth_unit_label(char *out, size_t outsz, int64_t v, const char *from, const char *to);

/* pprof's Percentage(v, total): "50.00%", "  100%", "  0.6%", "8.9e-05%". */
void hearth_percentage(char *out, size_t outsz, int64_t v, int64_t total);

/*
 * Family of a unit spelling: 0 none, 1 memory, 2 time, 3 GCU; *factor gets
 * the unit's factor relative to the family base (B, ns, GCU).
 */
int hearth_unit_family(const char *u, double *factor);

/* True for the "no suffix" unit names (count, sample, unit, minimum, auto). */
bool hearth_unit_is_plain(const char *u);

#endif /* HEARTH_UNITS_H */
