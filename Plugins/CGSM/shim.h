// libgsm, ETSI GSM 06.10 full rate (Debian libgsm1-dev), for the gsm-encoder and gsm-decoder nodes.
#include <gsm/gsm.h>
