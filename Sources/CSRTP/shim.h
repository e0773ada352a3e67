// libsrtp 2 (Debian libsrtp2-dev, RFC 3711 and RFC 7714), for the SRTP module.
#include <srtp2/srtp.h>
