/*
 * cli.h - the command-line front: `hearth REPORT [flags] SOURCE`.
 *
 * Every report is a subcommand named after its pprof flag and is also
 * accepted in pprof's spelling anywhere on the line (`hearth -top FILE`).
 * hearth_cli_run() parses pprof-compatible flags (-name=value, -name value,
 * --name=value), loads the profile(s), renders the view to stdout and
 * returns the process exit status: 0 on success, 1 on bad input (one line
 * on stderr), 2 on a usage error.
 */
#ifndef HEARTH_CLI_H
#define HEARTH_CLI_H

#include <stdio.h>

/* argv: the words after "hearth"; argv[0] may be the report ("top", "traces", ...). */
int hearth_cli_run(int argc, char **argv);

/* The --help text for the view commands. */
void hearth_cli_usage(FILE *f);

#endif /* HEARTH_CLI_H */
