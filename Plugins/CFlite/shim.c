#include <stdlib.h>
#include <string.h>
#include <flite/flite.h>
#include "CFlite.h"

// The voice packages ship no headers; these are their registration functions.
cst_voice *register_cmu_us_kal(const char *voxdir);
cst_voice *register_cmu_us_kal16(const char *voxdir);
cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);

static int initialized = 0;
static cst_voice *voices[5];
static const char *names[5] = {"kal", "kal16", "slt", "rms", "awb"};

void *callwire_flite_voice(const char *name) {
    if (!initialized) { flite_init(); initialized = 1; }
    for (int i = 0; i < 5; i++) {
        if (strcmp(name, names[i]) != 0) continue;
        if (voices[i] == NULL) {
            switch (i) {
            case 0: voices[i] = register_cmu_us_kal(NULL); break;
            case 1: voices[i] = register_cmu_us_kal16(NULL); break;
            case 2: voices[i] = register_cmu_us_slt(NULL); break;
            case 3: voices[i] = register_cmu_us_rms(NULL); break;
            case 4: voices[i] = register_cmu_us_awb(NULL); break;
            }
        }
        return voices[i];
    }
    return NULL;
}

int callwire_flite_rate(void *voice) {
    // Synthesize nothing to read the rate the voice produces.
    cst_wave *wave = flite_text_to_wave("a", (cst_voice *)voice);
    int rate = wave ? wave->sample_rate : 16000;
    if (wave) delete_wave(wave);
    return rate;
}

typedef struct {
    callwire_flite_chunk chunk;
    void *userdata;
} stream_context;

static int on_audio(const cst_wave *w, int start, int size, int last, cst_audio_streaming_info *asi) {
    stream_context *context = (stream_context *)asi->userdata;
    return context->chunk(w->samples + start, size, last, context->userdata) ? CST_AUDIO_STREAM_STOP : CST_AUDIO_STREAM_CONT;
}

int callwire_flite_speak(void *voice_pointer, const char *text, callwire_flite_chunk chunk, void *userdata) {
    cst_voice *voice = (cst_voice *)voice_pointer;
    stream_context context = {chunk, userdata};
    cst_audio_streaming_info *asi = new_audio_streaming_info();
    asi->asc = on_audio;
    asi->userdata = &context;
    asi->min_buffsize = 256;
    feat_set(voice->features, "streaming_info", audio_streaming_info_val(asi));
    // The clustergen voices excite with noise from libc's rand(). Seeding it the way a fresh
    // process starts makes every synthesis of a text identical to the flite command's.
    srand(1);
    float seconds = flite_text_to_speech(text, voice, "none");
    feat_remove(voice->features, "streaming_info");
    return seconds < 0 ? -1 : 0;
}
