// pocketsphinx 5prealpha and sphinxbase (Debian libpocketsphinx-dev, libsphinxbase-dev), for the
// recognizer node. The variadic cmd_ln_init is avoided: configuration goes through cmd_ln_parse_r.
#include <stdio.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/logmath.h>
