// libspeex and libspeexdsp called directly, the baseline the Speex and resample nodes are
// measured against (the nodes reach the same libraries through their own module maps).
#include <speex/speex.h>
#include <speex/speex_resampler.h>
