/*
 * retable.c - Hearth's side of the Go-vs-Hearth regex table
 * (tests/regex/regex_table.py): the same input as tests/gen/cmd/retable,
 * answered by hearth_regex (RE2 through the shim, the server's filters).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hearth/limits.h"
#include "hearth/regex.h"

#define MAXSUB  64
#define MAXLINE 8192

/* A JSON string of ASCII text (the table's quoting): "...", with \\ \" \t \n \u00XX. */
static size_t unquote(const char *q, char *out)
{
    size_t n = 0;

    if (*q == '"')
        q++;
    for (; *q && *q != '"' && *q != '\n'; q++) {
        if (*q != '\\') {
            out[n++] = *q;
            continue;
        }
        q++;
        if (*q == 'u' && q[1] && q[2] && q[3] && q[4]) {
            char h[5] = {q[1], q[2], q[3], q[4], 0};
            out[n++] = (char)strtol(h, NULL, 16);
            q += 4;
        } else {
            out[n++] = *q == 't' ? '\t' : *q == 'n' ? '\n' : *q;
        }
    }
    out[n] = '\0';
    return n;
}

int main(void)
{
    static char line[MAXLINE], buf[MAXLINE], sub[MAXSUB][MAXLINE];
    size_t sublen[MAXSUB], nsub = 0, i;
    struct hearth_limits lim = hearth_limits_default();

    while (fgets(line, sizeof(line), stdin)) {
        struct hearth_errmsg em = {{0}};
        struct hearth_regex *re = NULL;
        if (line[0] == 'S' && line[1] == '\t') {
            if (nsub < MAXSUB) {
                sublen[nsub] = unquote(line + 2, sub[nsub]);
                nsub++;
            }
            continue;
        }
        if (line[0] != 'P' || line[1] != '\t')
            continue;
        unquote(line + 2, buf);
        if (hearth_regex_compile(buf, &lim, "parsing focus regexp", &re, &em) != HEARTH_OK) {
            puts("error");
            continue;
        }
        fputs("ok ", stdout);
        for (i = 0; i < nsub; i++)
            putchar(hearth_regex_match(re, sub[i], sublen[i]) > 0 ? '1' : '0');
        putchar('\n');
        hearth_regex_free(re);
    }
    return 0;
}
