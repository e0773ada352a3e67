// libsndfile, for the wav-player and wav-recorder nodes (Debian libsndfile1-dev).
#include <sndfile.h>
