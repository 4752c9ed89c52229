/* duckdb_cast.c — see duckdb_cast.h. */
#include "destinations/duckdb_cast.h"

#include "load/sql_gen.h"

int cdlt_duckdb_text_cast(const cdlt_column_def *c, const char **pre, cdlt_buf *post_buf, cdlt_error *err) {
  cdlt_buf_reset(post_buf);
  const char *post = NULL;
  switch (c->type) {
    case CDLT_TYPE_TEXT:
    case CDLT_TYPE_BIGINT:
    case CDLT_TYPE_DOUBLE:
    case CDLT_TYPE_BOOL:
    case CDLT_TYPE_JSON: return 0;
    case CDLT_TYPE_TIMESTAMP:
      *pre = c->timezone ? "CAST(" : "CAST(CAST(";
      post = c->timezone ? " AS TIMESTAMPTZ)" : " AS TIMESTAMPTZ) AS TIMESTAMP)";
      break;
    case CDLT_TYPE_DATE: *pre = "CAST("; post = " AS DATE)"; break;
    case CDLT_TYPE_TIME: *pre = "CAST("; post = " AS TIME)"; break;
    case CDLT_TYPE_BINARY: *pre = "from_base64("; post = ")"; break;
    case CDLT_TYPE_DECIMAL:
    case CDLT_TYPE_WEI: {
      *pre = "CAST(";
      if (cdlt_buf_puts(post_buf, " AS ")) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      int rc = cdlt_sql_type_name(post_buf, &cdlt_dialect_duckdb, c, err);
      if (rc) return rc;
      if (cdlt_buf_putc(post_buf, ')')) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
      return 1;
    }
    default:
      return cdlt_error_set(err, CDLT_ERR_SCHEMA, "column '%s' has no data type", c->name);
  }
  if (cdlt_buf_puts(post_buf, post)) return cdlt_error_set(err, CDLT_ERR_NOMEM, "out of memory");
  return 1;
}
