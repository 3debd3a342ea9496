/* A core file that breaks the floor rules: arch.floors.breach expects floors.py to fail here. */
#include <civetweb.h>
#include "hearth/store.h"
