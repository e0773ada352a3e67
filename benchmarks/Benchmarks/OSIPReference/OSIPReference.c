// libosip2 needs these before its headers (platform notes).
#include <time.h>
#include <sys/time.h>
#include <string.h>
#include <osipparser2/osip_parser.h>
#include "OSIPReference.h"

void osip_reference_init(void) { parser_init(); }

static unsigned long mix(unsigned long sum, const char *text) {
    if (text == NULL) return sum;
    return sum * 31 + strlen(text) + (unsigned char)text[0];
}

unsigned long osip_reference_parse(const char *bytes, size_t length) {
    osip_message_t *message = NULL;
    if (osip_message_init(&message) != 0) return 0;
    if (osip_message_parse(message, bytes, length) != 0) {
        osip_message_free(message);
        return 0;
    }
    unsigned long sum = 1;
    osip_via_t *via = NULL;
    if (osip_message_get_via(message, 0, &via) >= 0 && via != NULL) {
        osip_generic_param_t *branch = NULL;
        osip_via_param_get_byname(via, "branch", &branch);
        sum = mix(sum, via->host);
        if (branch != NULL) sum = mix(sum, branch->gvalue);
    }
    osip_from_t *from = osip_message_get_from(message);
    osip_to_t *to = osip_message_get_to(message);
    osip_generic_param_t *tag = NULL;
    if (from != NULL && from->url != NULL) {
        sum = mix(sum, from->url->username);
        osip_from_param_get_byname(from, "tag", &tag);
        if (tag != NULL) sum = mix(sum, tag->gvalue);
    }
    if (to != NULL && to->url != NULL) sum = mix(sum, to->url->username);
    osip_cseq_t *cseq = osip_message_get_cseq(message);
    if (cseq != NULL) sum = mix(mix(sum, cseq->number), cseq->method);
    osip_call_id_t *callID = osip_message_get_call_id(message);
    if (callID != NULL) sum = mix(sum, callID->number);
    osip_message_free(message);
    return sum;
}
