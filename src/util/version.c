/* version.c — library version and status names. */
#include "cdlt/cdlt.h"

#ifndef CDLT_VERSION_STRING
#define CDLT_VERSION_STRING "0.0.0"
#endif

const char *cdlt_version(void) { return CDLT_VERSION_STRING; }

const char *cdlt_status_str(int status) {
  switch (status) {
    case CDLT_OK: return "ok";
    case CDLT_ERR_USAGE: return "usage error";
    case CDLT_ERR_IO: return "i/o error";
    case CDLT_ERR_PARSE: return "parse error";
    case CDLT_ERR_NOMEM: return "out of memory";
    case CDLT_ERR_SCHEMA: return "schema error";
    case CDLT_ERR_DESTINATION: return "destination error";
    case CDLT_ERR_LIMIT: return "limit exceeded";
    case CDLT_ERR_BUSY: return "pipeline busy";
    case CDLT_ERR_INTERNAL: return "internal error";
    case CDLT_ERR_NOT_FOUND: return "not found";
    case CDLT_ERR_CONTRACT: return "schema contract violated";
    default: return "unknown error";
  }
}
