// libosip2 doing the same work as the Swift SIP parser benchmark, for a same-run comparison.
#ifndef OSIP_REFERENCE_H
#define OSIP_REFERENCE_H
#include <stddef.h>

/// Initializes libosip2's parser tables (once per process).
void osip_reference_init(void);

/// Parses `length` bytes and reads the top Via's branch and host, From/To URI user and tags,
/// CSeq number and method, and Call-ID. Returns a checksum of what it read (0 on failure).
unsigned long osip_reference_parse(const char *bytes, size_t length);

#endif
