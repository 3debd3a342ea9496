/*
 * workpool.h - run a call on a thread with a known, large stack.
 *
 * civetweb's worker threads have small stacks (about 100 KB in Debian's
 * build), too small for the recursive parsers and view builders a hostile
 * request can drive deep. The HTTP layer hands every request to a pool
 * thread instead: hearth_workpool_run() queues the call, a pool thread
 * (stack of stack_bytes, created on demand up to max_threads) runs it, and
 * the caller blocks until it returns. A caller never runs the call itself.
 *
 * Thread safety: hearth_workpool_run() may be called from any number of
 * threads at once. _new and _free are not concurrent with anything.
 * Ownership: the pool owns its threads; job arguments stay the caller's.
 */
#ifndef HEARTH_WORKPOOL_H
#define HEARTH_WORKPOOL_H

#include <stddef.h>

struct hearth_workpool;

typedef int (*hearth_work_fn)(void *arg);

/* NULL if out of memory. No thread is started before the first job. */
struct hearth_workpool *hearth_workpool_new(size_t max_threads, size_t stack_bytes);

/*
 * Run fn(arg) on a pool thread and wait for it. Returns 0 with fn's result
 * in *result, or -1 if the call could not be queued (the pool is stopping,
 * or no thread could be created while none is idle): fn did not run.
 */
int hearth_workpool_run(struct hearth_workpool *p, hearth_work_fn fn, void *arg, int *result);

/* Threads started so far (for health and tests). */
size_t hearth_workpool_threads(struct hearth_workpool *p);

/* Wait for queued jobs to finish, stop and join every thread, free the pool. NULL is a no-op. */
void hearth_workpool_free(struct hearth_workpool *p);

#endif /* HEARTH_WORKPOOL_H */
