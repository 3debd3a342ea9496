/* A store file that includes the HTTP floor's header (floors.py must fail). */
#include "hearth/http.h"
