// spandsp's ITU-T G.722 codec (Debian libspandsp-dev), for the g722-encoder and g722-decoder
// nodes. Only the G.722 header: <spandsp.h> pulls in the fax modules and libtiff's headers.
#include <stdint.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
