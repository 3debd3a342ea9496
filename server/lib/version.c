/* version.c - the version strings (see include/hearth/version.h). */
#include "hearth/version.h"

#include "hearth_version.h"

#include "hearth/banned.h"

const char *hearth_version(void)
{
    return HEARTH_VERSION;
}

const char *hearth_version_long(void)
{
    return sizeof(HEARTH_COMMIT) > 1 ? HEARTH_VERSION " (commit " HEARTH_COMMIT ")"
                                     : HEARTH_VERSION;
}
