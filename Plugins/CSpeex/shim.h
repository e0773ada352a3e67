// libspeex (Debian libspeex-dev), for the speex-encoder and speex-decoder nodes.
#include <speex/speex.h>
