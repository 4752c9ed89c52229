/* pg_server.c — a throwaway PostgreSQL server for tests (see pg_server.h). */
#define _GNU_SOURCE
#include "pg_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct pg_server {
  char dir[256];       /* the temp dir: data/, sock/, log */
  char bindir[256];
  char runas[64];      /* "runuser -u postgres -- " as root, else "" */
  int port;
  bool running;
  int watchdog_fd;     /* write end of the watchdog pipe */
  pid_t watchdog_pid;
  char url[512], url_nopass[512], admin[512];
};

#define MAX_SERVERS 8
static pg_server *servers[MAX_SERVERS];
static bool atexit_registered;

static void fail(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(char *why, size_t whylen, const char *fmt, ...) {
  if (!why || !whylen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, whylen, fmt, ap);
  va_end(ap);
}

/* newest /usr/lib/postgresql/<ver>/bin holding initdb, or $CDLT_PG_BINDIR */
static bool find_bindir(char *out, size_t cap) {
  const char *env = getenv("CDLT_PG_BINDIR");
  if (env && *env) {
    snprintf(out, cap, "%s", env);
    return true;
  }
  DIR *d = opendir("/usr/lib/postgresql");
  if (!d) return false;
  long best = -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    char *end;
    long v = strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end) continue;
    char path[512];
    snprintf(path, sizeof path, "/usr/lib/postgresql/%s/bin/initdb", e->d_name);
    if (access(path, X_OK) == 0 && v > best) {
      best = v;
      snprintf(out, cap, "/usr/lib/postgresql/%s/bin", e->d_name);
    }
  }
  closedir(d);
  return best >= 0;
}

static int free_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = -1;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

/* runs a shell command; 0 when it exited 0 */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  int st = system(cmd);
  return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* the last lines of the server log, for failure messages */
static void log_tail(const pg_server *s, char *out, size_t cap) {
  out[0] = 0;
  char path[512];
  snprintf(path, sizeof path, "%s/log", s->dir);
  FILE *f = fopen(path, "rb");
  if (!f) return;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  long from = size > (long)cap - 1 ? size - (long)cap + 1 : 0;
  fseek(f, from, SEEK_SET);
  size_t n = fread(out, 1, cap - 1, f);
  out[n] = 0;
  fclose(f);
}

static void cleanup_cmd(const pg_server *s, char *cmd, size_t cap) {
  snprintf(cmd, cap,
           "%s'%s/pg_ctl' -D '%s/data' -m immediate stop >/dev/null 2>&1; rm -rf '%s'", s->runas, s->bindir,
           s->dir, s->dir);
}

/* A child that waits for the end of the pipe (the test process exited, however) and cleans up. */
static int start_watchdog(pg_server *s) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  char cmd[2048];
  cleanup_cmd(s, cmd, sizeof cmd);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    /* hold nothing of the parent's (other watchdogs' pipes above all) */
    for (int fd = 3; fd < 1024; fd++)
      if (fd != fds[0]) close(fd);
    /* ignore terminal signals aimed at the process group: clean up once the parent is gone */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    char c;
    while (read(fds[0], &c, 1) != 0 && errno == EINTR) {
    }
    int rc = system(cmd);
    (void)rc;
    _exit(0);
  }
  close(fds[0]);
  fcntl(fds[1], F_SETFD, FD_CLOEXEC); /* not inherited by cdlt runs or the postmaster */
  s->watchdog_fd = fds[1];
  s->watchdog_pid = pid;
  return 0;
}

static void destroy_all(void) {
  for (int i = 0; i < MAX_SERVERS; i++)
    if (servers[i]) pg_server_destroy(servers[i]);
}

/* percent-encodes s for a URL's user info */
static void pct(char *out, size_t cap, const char *s) {
  size_t k = 0;
  for (; *s && k + 4 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~')
      out[k++] = (char)c;
    else
      k += (size_t)snprintf(out + k, cap - k, "%%%02X", c);
  }
  out[k] = 0;
}

static int pg_start(pg_server *s, char *why, size_t whylen) {
  if (sh("%s'%s/pg_ctl' -D '%s/data' -l '%s/log' -w -t 60 start >/dev/null 2>&1", s->runas, s->bindir, s->dir,
         s->dir)) {
    char tail[1024];
    log_tail(s, tail, sizeof tail);
    fail(why, whylen, "pg_ctl start failed on port %d; server log:\n%s", s->port, tail);
    return -1;
  }
  s->running = true;
  return 0;
}

static int admin_exec(pg_server *s, const char *sql, char *why, size_t whylen) {
  PGconn *c = PQconnectdb(s->admin);
  if (PQstatus(c) != CONNECTION_OK) {
    fail(why, whylen, "cannot connect as superuser: %s", PQerrorMessage(c));
    PQfinish(c);
    return -1;
  }
  PGresult *r = PQexec(c, sql);
  int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
  if (rc) fail(why, whylen, "'%s' failed: %s", sql, PQerrorMessage(c));
  PQclear(r);
  PQfinish(c);
  return rc;
}

int pg_server_start(pg_server **out, char *why, size_t whylen) {
  *out = NULL;
  pg_server *s = calloc(1, sizeof *s);
  if (!s) return fail(why, whylen, "out of memory"), -1;
  s->watchdog_fd = -1;
  if (!find_bindir(s->bindir, sizeof s->bindir)) {
    fail(why, whylen, "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (install the postgresql package: "
                      "scripts/bootstrap.sh) and CDLT_PG_BINDIR not set");
    free(s);
    return -1;
  }
  /* as root the dir must be reachable by the postgres user: /tmp, not a private $TMPDIR */
  const char *tmp = getenv("CDLT_PG_TMPDIR");
  if (!tmp || !*tmp) tmp = geteuid() == 0 ? "/tmp" : getenv("TMPDIR");
  if (!tmp || !*tmp) tmp = "/tmp";
  snprintf(s->dir, sizeof s->dir, "%s/cdlt-pg-XXXXXX", tmp);
  if (!mkdtemp(s->dir)) {
    fail(why, whylen, "cannot create a temp dir in %s: %s", tmp, strerror(errno));
    free(s);
    return -1;
  }
  if (geteuid() == 0) {
    struct passwd *pw = getpwnam("postgres");
    if (!pw) {
      fail(why, whylen, "running as root but there is no 'postgres' user to run the server as (install the "
                        "postgresql package: scripts/bootstrap.sh)");
      rmdir(s->dir);
      free(s);
      return -1;
    }
    if (chown(s->dir, pw->pw_uid, pw->pw_gid) != 0) {
      fail(why, whylen, "cannot give %s to the postgres user: %s", s->dir, strerror(errno));
      rmdir(s->dir);
      free(s);
      return -1;
    }
    snprintf(s->runas, sizeof s->runas, "runuser -u postgres -- ");
  }
  if (start_watchdog(s)) {
    fail(why, whylen, "cannot start the cleanup watchdog: %s", strerror(errno));
    rmdir(s->dir);
    free(s);
    return -1;
  }
  int slot = -1;
  for (int i = 0; i < MAX_SERVERS && slot < 0; i++)
    if (!servers[i]) slot = i;
  if (slot >= 0) servers[slot] = s;
  if (!atexit_registered) {
    atexit(destroy_all);
    atexit_registered = true;
  }

  if (sh("%s'%s/initdb' -D '%s/data' -U cdlt_admin --auth-local=trust --auth-host=scram-sha-256 -E UTF8 "
         "--locale=C --no-sync >'%s/initdb.log' 2>&1",
         s->runas, s->bindir, s->dir, s->dir)) {
    char path[512], buf[1024] = "";
    snprintf(path, sizeof path, "%s/initdb.log", s->dir);
    FILE *f = fopen(path, "rb");
    if (f) {
      size_t n = fread(buf, 1, sizeof buf - 1, f);
      buf[n] = 0;
      fclose(f);
    }
    fail(why, whylen, "initdb failed (%s/initdb):\n%s", s->bindir, buf);
    pg_server_destroy(s);
    return -1;
  }
  if (sh("%smkdir -p '%s/sock'", s->runas, s->dir)) {
    fail(why, whylen, "cannot create the socket dir");
    pg_server_destroy(s);
    return -1;
  }
  int rc = -1;
  for (int attempt = 0; attempt < 3 && rc; attempt++) {
    s->port = free_port();
    char conf[512];
    snprintf(conf, sizeof conf, "%s/data/postgresql.auto.conf", s->dir);
    FILE *f = fopen(conf, "w");
    if (!f) {
      fail(why, whylen, "cannot write %s: %s", conf, strerror(errno));
      break;
    }
    fprintf(f,
            "listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s/sock'\n"
            "fsync = off\nfull_page_writes = off\nmax_connections = 30\n"
            "shared_buffers = 16MB\nlog_min_messages = warning\nlog_statement = 'all'\nlog_line_prefix = ''\n",
            s->port, s->dir);
    fclose(f);
    rc = pg_start(s, why, whylen);
  }
  if (rc) {
    pg_server_destroy(s);
    return -1;
  }
  snprintf(s->admin, sizeof s->admin, "host=%s/sock port=%d user=cdlt_admin dbname=postgres", s->dir, s->port);
  if (admin_exec(s, "CREATE ROLE " PG_SERVER_USER " LOGIN PASSWORD '" PG_SERVER_PASSWORD "'", why, whylen) ||
      admin_exec(s, "CREATE DATABASE " PG_SERVER_DATABASE " OWNER " PG_SERVER_USER, why, whylen)) {
    pg_server_destroy(s);
    return -1;
  }
  char enc[128];
  pct(enc, sizeof enc, PG_SERVER_PASSWORD);
  snprintf(s->url, sizeof s->url, "postgresql://" PG_SERVER_USER ":%s@127.0.0.1:%d/" PG_SERVER_DATABASE, enc, s->port);
  snprintf(s->url_nopass, sizeof s->url_nopass, "postgresql://" PG_SERVER_USER "@127.0.0.1:%d/" PG_SERVER_DATABASE,
           s->port);
  *out = s;
  return 0;
}

const char *pg_server_url(const pg_server *s) { return s->url; }
const char *pg_server_url_nopass(const pg_server *s) { return s->url_nopass; }
int pg_server_port(const pg_server *s) { return s->port; }
const char *pg_server_admin_conninfo(const pg_server *s) { return s->admin; }
const char *pg_server_log_path(const pg_server *s) {
  static char path[300];
  snprintf(path, sizeof path, "%s/log", s->dir);
  return path;
}

int pg_server_stop(pg_server *s) {
  if (!s->running) return 0;
  int rc = sh("%s'%s/pg_ctl' -D '%s/data' -m immediate -w stop >/dev/null 2>&1", s->runas, s->bindir, s->dir);
  if (!rc) s->running = false;
  return rc;
}

int pg_server_restart(pg_server *s, char *why, size_t whylen) {
  if (s->running && pg_server_stop(s)) {
    fail(why, whylen, "pg_ctl stop failed");
    return -1;
  }
  return pg_start(s, why, whylen);
}

void pg_server_destroy(pg_server *s) {
  if (!s) return;
  for (int i = 0; i < MAX_SERVERS; i++)
    if (servers[i] == s) servers[i] = NULL;
  char cmd[2048];
  cleanup_cmd(s, cmd, sizeof cmd);
  if (sh("%s", cmd)) fprintf(stderr, "pg_server: could not clean up %s\n", s->dir);
  if (s->watchdog_fd >= 0) {
    close(s->watchdog_fd); /* the watchdog wakes up, finds nothing left, exits */
    waitpid(s->watchdog_pid, NULL, 0);
  }
  free(s);
}
