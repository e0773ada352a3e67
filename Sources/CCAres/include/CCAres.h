// c-ares (Debian libc-ares-dev) behind a synchronous query function, for RFC 3263 resolution.
#ifndef CALLWIRE_CCARES_H
#define CALLWIRE_CCARES_H

#include <ares.h>
#include <arpa/nameser.h>

/// Runs one DNS query and waits for it (at most `timeout_ms`).
/// `servers` is a c-ares server list ("127.0.0.1:5353,[::1]:53"), or NULL for the system's.
/// On success returns ARES_SUCCESS and a malloc'd answer in *answer (free with free()).
int callwire_dns_query(const char *servers, const char *name, int type, int timeout_ms,
                       unsigned char **answer, int *length);

/// The text of a c-ares status code.
const char *callwire_dns_error(int status);

#endif
