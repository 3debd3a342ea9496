/*
 * workpool.c - a queue of calls served by threads with a known stack size
 * (contract in include/hearth/workpool.h).
 *
 * Jobs live on their caller's stack and are linked into a FIFO; each
 * carries a semaphore its caller sleeps on. A thread is created only when a
 * job arrives and no thread is idle, so the pool grows to the real
 * concurrency, never past max_threads.
 */
#define _GNU_SOURCE
#include "hearth/workpool.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdlib.h>

#include "hearth/banned.h"

struct job {
    hearth_work_fn fn;
    void *arg;
    int result;
    sem_t done;
    struct job *next;
};

struct hearth_workpool {
    pthread_mutex_t lock;
    pthread_cond_t work;
    struct job *head, *tail;
    size_t max_threads, stack_bytes;
    size_t nthreads, idle, queued; /* queued: jobs not yet taken by a thread */
    pthread_t *tids;
    bool stopping;
};

static void *worker(void *arg)
{
    struct hearth_workpool *p = arg;

    pthread_mutex_lock(&p->lock);
    for (;;) {
        struct job *j;
        while (!p->head && !p->stopping) {
            p->idle++;
            pthread_cond_wait(&p->work, &p->lock);
            p->idle--;
        }
        if (!p->head)
            break; /* stopping, and nothing left to do */
        j = p->head;
        p->queued--;
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        pthread_mutex_unlock(&p->lock);
        j->result = j->fn(j->arg);
        sem_post(&j->done);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct hearth_workpool *hearth_workpool_new(size_t max_threads, size_t stack_bytes)
{
    struct hearth_workpool *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->tids = calloc(max_threads ? max_threads : 1, sizeof(*p->tids));
    if (!p->tids) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    p->max_threads = max_threads ? max_threads : 1;
    p->stack_bytes = stack_bytes;
    return p;
}

/* With p->lock held: start one more thread. */
static bool spawn(struct hearth_workpool *p)
{
    pthread_attr_t attr;
    int rc;

    if (p->nthreads >= p->max_threads)
        return false;
    if (pthread_attr_init(&attr) != 0)
        return false;
    rc = pthread_attr_setstacksize(&attr, p->stack_bytes);
    if (rc == 0)
        rc = pthread_create(&p->tids[p->nthreads], &attr, worker, p);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        return false;
    p->nthreads++;
    return true;
}

int hearth_workpool_run(struct hearth_workpool *p, hearth_work_fn fn, void *arg, int *result)
{
    struct job j;
    bool queued = false;

    j.fn = fn;
    j.arg = arg;
    j.result = 0;
    j.next = NULL;
    if (sem_init(&j.done, 0, 0) != 0)
        return -1;
    pthread_mutex_lock(&p->lock);
    /* every queued job needs an idle thread of its own, or a new one */
    if (!p->stopping && (p->idle > p->queued || spawn(p) || p->nthreads > 0)) {
        if (p->tail)
            p->tail->next = &j;
        else
            p->head = &j;
        p->tail = &j;
        p->queued++;
        queued = true;
        pthread_cond_signal(&p->work);
    }
    pthread_mutex_unlock(&p->lock);
    if (!queued) {
        sem_destroy(&j.done);
        return -1;
    }
    while (sem_wait(&j.done) != 0 && errno == EINTR)
        ;
    sem_destroy(&j.done);
    *result = j.result;
    return 0;
}

size_t hearth_workpool_threads(struct hearth_workpool *p)
{
    size_t n;

    pthread_mutex_lock(&p->lock);
    n = p->nthreads;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void hearth_workpool_free(struct hearth_workpool *p)
{
    size_t i;

    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (i = 0; i < p->nthreads; i++)
        pthread_join(p->tids[i], NULL);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p->tids);
    free(p);
}
