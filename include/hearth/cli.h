/*
 * cli.h - the command-line front: `hearth top|flame|graph`.
 *
 * hearth_cli_run() parses pprof-compatible flags (-name=value, -name value,
 * --name=value), loads the profile(s), renders the view to stdout and
 * returns the process exit status: 0 on success, 1 on bad input (one line
 * on stderr), 2 on a usage error.
 */
#ifndef HEARTH_CLI_H
#define HEARTH_CLI_H

#include <stdio.h>

/* argv[0] is the subcommand ("top", "flame", "graph"). */
int hearth_cli_run(int argc, char **argv);

/* The --help text for the view commands. */
void hearth_cli_usage(FILE *f);

#endif /* HEARTH_CLI_H */
