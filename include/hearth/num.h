/*
 * num.h - int64 arithmetic with Go's wrap-around semantics.
 *
 * Profile values are attacker-controlled int64s. pprof (Go) adds and
 * negates them with two's-complement wrap-around; in C signed overflow is
 * undefined, so every sum of profile values goes through these helpers.
 */
#ifndef HEARTH_NUM_H
#define HEARTH_NUM_H

#include <stdint.h>

static inline int64_t hearth_add64(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int64_t hearth_neg64(int64_t a)
{
    return (int64_t)(0 - (uint64_t)a);
}

/* Go's abs as pprof writes it: the minimum value stays negative. */
static inline int64_t hearth_abs64(int64_t a)
{
    return a < 0 ? hearth_neg64(a) : a;
}

static inline int64_t hearth_mul64(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a * (uint64_t)b);
}

/*
 * Go's int64(float64) on amd64: NaN and out-of-range values become the
 * minimum int64 (CVTTSD2SI's "integer indefinite"); in C that cast is
 * undefined.
 */
static inline int64_t hearth_go_int64(double x)
{
    if (x != x || x >= 9223372036854775808.0 || x < -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)x;
}

#endif /* HEARTH_NUM_H */
