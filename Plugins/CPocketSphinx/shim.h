// pocketsphinx 5prealpha and sphinxbase (Debian libpocketsphinx-dev, libsphinxbase-dev), for the
// recognizer node. The variadic cmd_ln_init is avoided: configuration goes through cmd_ln_parse_r.
// pocketsphinx.h brings the front end (fe.h), searches (ps_search.h) and lattices (ps_lattice.h).
#include <stdio.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/logmath.h>
#include <sphinxbase/cmd_ln.h>
