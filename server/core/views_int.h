/*
 * views_int.h - helpers shared by the view renderers (top.c, flame.c):
 * standard errors from summed variances and the "noise" object every JSON
 * view carries (see the sampling-noise notes in include/hearth/stacks.h).
 */
#ifndef HEARTH_VIEWS_INT_H
#define HEARTH_VIEWS_INT_H

#include <math.h>
#include <stdint.h>

#include "hearth/jsonw.h"
#include "hearth/stacks.h"

/* True when the stacks carry a variance per stack (models "heap", "poisson"). */
static inline bool hearth__has_err(const struct hearth_stacks *s)
{
    return s->var != NULL;
}

/* The standard error of a summed variance, rounded; saturates at INT64_MAX. */
static inline int64_t hearth__std_err(double var)
{
    double e = var > 0 ? sqrt(var) : 0;

    if (!(e < 9.2e18))
        return INT64_MAX;
    return (int64_t)llround(e);
}

/* "sample":{"type":T,"unit":U},"total":N, written as the first keys of the open object. */
static inline void hearth__sample_json(struct hearth_jsonw *w, const struct hearth_stacks *s)
{
    hearth_jsonw_key(w, "sample");
    hearth_jsonw_obj_open(w);
    hearth_jsonw_key(w, "type");
    hearth_jsonw_cstr(w, s->type);
    hearth_jsonw_key(w, "unit");
    hearth_jsonw_cstr(w, s->unit);
    hearth_jsonw_obj_close(w);
    hearth_jsonw_key(w, "total");
    hearth_jsonw_int(w, s->total);
}

/* "noise":{"model":M,"period":P}, written as the next key of the open object. */
static inline void hearth__noise_json(struct hearth_jsonw *w, const struct hearth_stacks *s)
{
    hearth_jsonw_key(w, "noise");
    hearth_jsonw_obj_open(w);
    hearth_jsonw_key(w, "model");
    hearth_jsonw_cstr(w, s->noise ? s->noise : "none");
    hearth_jsonw_key(w, "period");
    hearth_jsonw_int(w, s->p ? s->p->period : 0);
    hearth_jsonw_obj_close(w);
}

#endif /* HEARTH_VIEWS_INT_H */
