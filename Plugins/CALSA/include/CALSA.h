// A thin C layer over ALSA (Debian libasound2-dev) for the alsa-source and alsa-sink nodes.
// It hides the variadic error handler and the many hw_params calls behind four functions.
#ifndef CALLWIRE_CALSA_H
#define CALLWIRE_CALSA_H
#include <alsa/asoundlib.h>

/// Stops ALSA from printing its own error messages to stderr (the nodes report errors).
void callwire_alsa_silence_errors(void);

/// Opens a PCM. With `config_text` (ALSA configuration syntax defining `device`), the device is
/// taken from that configuration alone; otherwise from the system configuration.
/// Returns 0 or a negative errno.
int callwire_alsa_open(snd_pcm_t **pcm, const char *device, const char *config_text, int capture, int nonblock);

/// Sets interleaved signed 16-bit access, `channels`, the rate nearest `*rate`, and the period
/// and buffer sizes nearest the values given (in frames); writes back what the device chose.
int callwire_alsa_configure(snd_pcm_t *pcm, unsigned int *rate, unsigned int channels,
                            snd_pcm_uframes_t *period, snd_pcm_uframes_t *buffer);

/// The device's rate and channel ranges, without keeping it open. Returns 0 or a negative errno.
int callwire_alsa_probe(const char *device, const char *config_text, int capture,
                        unsigned int *min_rate, unsigned int *max_rate,
                        unsigned int *min_channels, unsigned int *max_channels);

#endif
