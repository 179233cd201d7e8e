/* An HTTPS client in C on OpenSSL's SSL_read and SSL_write, for the agent's TLS tests.
 *
 *   tls_client HOST PORT PATH COUNT [--seccomp]
 *
 * Connects to HOST:PORT (an IPv4 address), completes the TLS handshake without checking the
 * certificate (the tests make their own), then sends COUNT GETs of PATH on the one connection,
 * reading each response in full (Content-Length bodies). Prints "200 N" with N the responses
 * whose status was 200, and exits 0 when all were.
 *
 * --seccomp (when built with libseccomp): after the handshake, before the first request, the
 * process confines itself to an allow-list of the few syscalls the requests need, anything else
 * killing it. The TLS probes' return probes must not need anything outside that list.
 *
 * Built twice (tests/integration/CMakeLists.txt): linked against Debian's libssl, and statically
 * linked and stripped, a TLS client whose library the agent cannot find.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef HL_WITH_SECCOMP
#include <seccomp.h>

static int confine(void) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (!ctx) return -1;
  const int allowed[] = {SCMP_SYS(read),         SCMP_SYS(write),         SCMP_SYS(close),
                         SCMP_SYS(exit),         SCMP_SYS(exit_group),    SCMP_SYS(brk),
                         SCMP_SYS(mmap),         SCMP_SYS(munmap),        SCMP_SYS(futex),
                         SCMP_SYS(getrandom),    SCMP_SYS(rt_sigreturn),  SCMP_SYS(clock_gettime),
                         SCMP_SYS(fstat),        SCMP_SYS(newfstatat)};
  for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); ++i) {
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0) != 0) {
      seccomp_release(ctx);
      return -1;
    }
  }
  int err = seccomp_load(ctx);
  seccomp_release(ctx);
  return err;
}
#endif

/* Reads one response: returns its status, or -1. */
static int read_response(SSL *ssl) {
  char buf[65536];
  size_t have = 0;
  char *end = NULL;
  while (!end) {
    if (have == sizeof(buf) - 1) return -1;
    int n = SSL_read(ssl, buf + have, (int)(sizeof(buf) - 1 - have));
    if (n <= 0) return -1;
    have += (size_t)n;
    buf[have] = '\0';
    end = strstr(buf, "\r\n\r\n");
  }
  int status = 0;
  if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) return -1;
  long length = 0;
  for (char *line = strstr(buf, "\r\n"); line && line < end; line = strstr(line + 2, "\r\n")) {
    if (strncasecmp(line + 2, "Content-Length:", 15) == 0) length = strtol(line + 17, NULL, 10);
  }
  long body = (long)(have - (size_t)(end + 4 - buf));
  while (body < length) {
    int n = SSL_read(ssl, buf, (int)sizeof(buf));
    if (n <= 0) return -1;
    body += n;
  }
  return status;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s HOST PORT PATH COUNT [--seccomp]\n", argv[0]);
    return 2;
  }
  const char *host = argv[1];
  const int port = atoi(argv[2]);
  const char *path = argv[3];
  const int count = atoi(argv[4]);
  const int confined = argc > 5 && strcmp(argv[5], "--seccomp") == 0;

  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "tls_client: %s is not an IPv4 address\n", host);
    return 2;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
    perror("tls_client: connect");
    return 1;
  }
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  SSL *ssl = ctx ? SSL_new(ctx) : NULL;
  if (!ssl || SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1) {
    ERR_print_errors_fp(stderr);
    return 1;
  }
  if (confined) {
#ifdef HL_WITH_SECCOMP
    if (confine() != 0) {
      fprintf(stderr, "tls_client: could not install the seccomp filter\n");
      return 1;
    }
#else
    fprintf(stderr, "tls_client: built without libseccomp\n");
    return 2;
#endif
  }
  char request[512];
  int len = snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n", path,
                     host, port);
  int ok = 0;
  for (int i = 0; i < count; ++i) {
    if (SSL_write(ssl, request, len) != len) break;
    if (read_response(ssl) == 200) ++ok;
  }
  char line[32];
  int n = snprintf(line, sizeof(line), "200 %d\n", ok);
  if (write(STDOUT_FILENO, line, (size_t)n) != n) return 1;
  SSL_shutdown(ssl);
  close(fd);
  return ok == count ? 0 : 1;
}
