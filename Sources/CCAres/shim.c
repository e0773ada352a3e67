#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <pthread.h>
#include "CCAres.h"

typedef struct {
    int done;
    int status;
    unsigned char *answer;
    int length;
} query_result;

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen) {
    (void)timeouts;
    query_result *result = (query_result *)arg;
    result->done = 1;
    result->status = status;
    if (status == ARES_SUCCESS && abuf && alen > 0) {
        result->answer = malloc((size_t)alen);
        if (result->answer) {
            memcpy(result->answer, abuf, (size_t)alen);
            result->length = alen;
        }
    }
}

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static void library_init(void) { ares_library_init(ARES_LIB_INIT_ALL); }

int callwire_dns_query(const char *servers, const char *name, int type, int timeout_ms,
                       unsigned char **answer, int *length) {
    pthread_once(&library_once, library_init);
    ares_channel channel;
    struct ares_options options;
    memset(&options, 0, sizeof(options));
    options.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
    options.timeout = timeout_ms / 3 > 0 ? timeout_ms / 3 : 1;
    options.tries = 3;
    options.lookups = "b";   /* DNS only: never /etc/hosts */
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS;
    int status = ares_init_options(&channel, &options, mask);
    if (status != ARES_SUCCESS) return status;
    if (servers) {
        status = ares_set_servers_ports_csv(channel, servers);
        if (status != ARES_SUCCESS) {
            ares_destroy(channel);
            return status;
        }
    }
    query_result result = {0, ARES_ETIMEOUT, NULL, 0};
    ares_query(channel, name, ns_c_in, type, on_answer, &result);
    struct timeval start, now;
    gettimeofday(&start, NULL);
    while (!result.done) {
        fd_set readers, writers;
        FD_ZERO(&readers);
        FD_ZERO(&writers);
        int nfds = ares_fds(channel, &readers, &writers);
        if (nfds == 0) break;
        struct timeval limit, *wait;
        wait = ares_timeout(channel, NULL, &limit);
        select(nfds, &readers, &writers, NULL, wait);
        ares_process(channel, &readers, &writers);
        gettimeofday(&now, NULL);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_usec - start.tv_usec) / 1000;
        if (elapsed > timeout_ms) break;
    }
    int completed = result.done;
    ares_destroy(channel);   /* completes a pending query with ARES_EDESTRUCTION */
    if (!completed) {
        free(result.answer);
        return ARES_ETIMEOUT;
    }
    *answer = result.answer;
    *length = result.length;
    return result.status;
}

const char *callwire_dns_error(int status) { return ares_strerror(status); }
