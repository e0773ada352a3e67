// flite text-to-speech (Debian flite1-dev) behind a streaming-synthesis shim for the tts node.
#ifndef CALLWIRE_CFLITE_H
#define CALLWIRE_CFLITE_H

/// Receives synthesized audio as it is produced; return 0 to continue, 1 to stop.
typedef int (*callwire_flite_chunk)(const short *samples, int count, int last, void *userdata);

/// Initializes flite and registers a voice (kal, kal16, slt, rms, awb). Returns NULL for an
/// unknown name. Not thread-safe: callers serialize all flite use.
void *callwire_flite_voice(const char *name);

/// The voice's sample rate in Hz.
int callwire_flite_rate(void *voice);

/// Synthesizes `text`, calling `chunk` as audio becomes available (streaming). Blocks until done.
/// Returns 0, or -1 on failure.
int callwire_flite_speak(void *voice, const char *text, callwire_flite_chunk chunk, void *userdata);

#endif
