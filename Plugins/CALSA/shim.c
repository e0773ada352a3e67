#include <string.h>
#include "CALSA.h"

static void silent_handler(const char *file, int line, const char *function, int err, const char *fmt, ...) {
    (void)file; (void)line; (void)function; (void)err; (void)fmt;
}

void callwire_alsa_silence_errors(void) { snd_lib_error_set_handler(silent_handler); }

int callwire_alsa_open(snd_pcm_t **pcm, const char *device, const char *config_text, int capture, int nonblock) {
    snd_pcm_stream_t stream = capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK;
    int mode = nonblock ? SND_PCM_NONBLOCK : 0;
    if (config_text == NULL || config_text[0] == '\0') return snd_pcm_open(pcm, device, stream, mode);
    snd_config_t *config = NULL;
    snd_input_t *input = NULL;
    int err = snd_config_top(&config);
    if (err < 0) return err;
    err = snd_input_buffer_open(&input, config_text, (ssize_t)strlen(config_text));
    if (err < 0) { snd_config_delete(config); return err; }
    err = snd_config_load(config, input);
    snd_input_close(input);
    if (err < 0) { snd_config_delete(config); return err; }
    err = snd_pcm_open_lconf(pcm, device, stream, mode, config);
    snd_config_delete(config);
    return err;
}

int callwire_alsa_configure(snd_pcm_t *pcm, unsigned int *rate, unsigned int channels,
                            snd_pcm_uframes_t *period, snd_pcm_uframes_t *buffer) {
    snd_pcm_hw_params_t *hw;
    snd_pcm_hw_params_alloca(&hw);
    int err;
    if ((err = snd_pcm_hw_params_any(pcm, hw)) < 0) return err;
    if ((err = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0) return err;
    if ((err = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE)) < 0) return err;
    if ((err = snd_pcm_hw_params_set_channels(pcm, hw, channels)) < 0) return err;
    if ((err = snd_pcm_hw_params_set_rate_near(pcm, hw, rate, NULL)) < 0) return err;
    if ((err = snd_pcm_hw_params_set_period_size_near(pcm, hw, period, NULL)) < 0) return err;
    if ((err = snd_pcm_hw_params_set_buffer_size_near(pcm, hw, buffer)) < 0) return err;
    if ((err = snd_pcm_hw_params(pcm, hw)) < 0) return err;
    return snd_pcm_prepare(pcm);
}

int callwire_alsa_probe(const char *device, const char *config_text, int capture,
                        unsigned int *min_rate, unsigned int *max_rate,
                        unsigned int *min_channels, unsigned int *max_channels) {
    snd_pcm_t *pcm = NULL;
    int err = callwire_alsa_open(&pcm, device, config_text, capture, 1);
    if (err < 0) return err;
    snd_pcm_hw_params_t *hw;
    snd_pcm_hw_params_alloca(&hw);
    if ((err = snd_pcm_hw_params_any(pcm, hw)) >= 0 &&
        (err = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE)) >= 0) {
        int dir = 0;
        snd_pcm_hw_params_get_rate_min(hw, min_rate, &dir);
        snd_pcm_hw_params_get_rate_max(hw, max_rate, &dir);
        snd_pcm_hw_params_get_channels_min(hw, min_channels);
        snd_pcm_hw_params_get_channels_max(hw, max_channels);
        err = 0;
    }
    snd_pcm_close(pcm);
    return err;
}
