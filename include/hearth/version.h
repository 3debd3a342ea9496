/*
 * version.h - the one version string: CMake's project(VERSION), plus the
 * git commit when the binary was built from a checkout (cmake/version.cmake).
 * The strings are static and constant; any thread may read them.
 */
#ifndef HEARTH_VERSION_H
#define HEARTH_VERSION_H

/* "0.1.0" */
const char *hearth_version(void);
/* "0.1.0 (commit 1a2b3c4d5e6f)", or "0.1.0" outside a checkout. */
const char *hearth_version_long(void);

#endif /* HEARTH_VERSION_H */
