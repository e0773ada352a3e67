// libopus, spandsp's G.722 and libgsm called directly: the baseline the opus-, g722- and
// gsm- nodes are measured against (the nodes reach the same libraries through their own
// module maps). opus_encoder_ctl is variadic: the controls the benchmark sets, as functions.
#include <opus/opus.h>
#include <stdint.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
#include <gsm/gsm.h>

static inline int raw_opus_set_complexity(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(v)); }
static inline int raw_opus_set_bitrate(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_BITRATE(v)); }
static inline int raw_opus_set_vbr(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_VBR(v)); }
static inline int raw_opus_set_dtx(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_DTX(v)); }
static inline int raw_opus_set_inband_fec(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(v)); }
static inline int raw_opus_set_packet_loss_perc(OpusEncoder *e, opus_int32 v) { return opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(v)); }
