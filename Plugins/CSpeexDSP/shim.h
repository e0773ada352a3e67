// libspeexdsp (Debian libspeexdsp-dev): resampler, preprocessor, echo canceller.
#include <speex/speex_resampler.h>
#include <speex/speex_preprocess.h>
#include <speex/speex_echo.h>
