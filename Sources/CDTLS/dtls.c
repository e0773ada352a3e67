#include "CDTLS.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <openssl/ec.h>
#include <openssl/bn.h>

// MARK: A BIO of whole datagrams

enum { QUEUE_LIMIT = 64 };

typedef struct datagram {
    struct datagram *next;
    size_t length;
    uint8_t bytes[];
} datagram;

typedef struct {
    datagram *head, *tail;
    int count;
} queue;

typedef struct {
    queue in, out;
} datagram_bio;

static int queue_push(queue *q, const uint8_t *data, size_t length) {
    if (q->count >= QUEUE_LIMIT) return 0;
    datagram *d = malloc(sizeof(datagram) + length);
    if (!d) return 0;
    d->next = NULL;
    d->length = length;
    memcpy(d->bytes, data, length);
    if (q->tail) q->tail->next = d; else q->head = d;
    q->tail = d;
    q->count++;
    return 1;
}

static datagram *queue_pop(queue *q) {
    datagram *d = q->head;
    if (!d) return NULL;
    q->head = d->next;
    if (!q->head) q->tail = NULL;
    q->count--;
    return d;
}

static void queue_clear(queue *q) {
    datagram *d;
    while ((d = queue_pop(q))) free(d);
}

static int bio_create(BIO *bio) {
    datagram_bio *state = calloc(1, sizeof(datagram_bio));
    if (!state) return 0;
    BIO_set_data(bio, state);
    BIO_set_init(bio, 1);
    return 1;
}

static int bio_destroy(BIO *bio) {
    datagram_bio *state = BIO_get_data(bio);
    if (state) {
        queue_clear(&state->in);
        queue_clear(&state->out);
        free(state);
    }
    BIO_set_data(bio, NULL);
    return 1;
}

static int bio_write(BIO *bio, const char *data, int length) {
    datagram_bio *state = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    if (length <= 0) return 0;
    // A full queue drops the datagram, as a congested link would; DTLS retransmits.
    queue_push(&state->out, (const uint8_t *)data, (size_t)length);
    return length;
}

static int bio_read(BIO *bio, char *out, int capacity) {
    datagram_bio *state = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    datagram *d = queue_pop(&state->in);
    if (!d) {
        BIO_set_retry_read(bio);
        return -1;
    }
    int length = d->length < (size_t)capacity ? (int)d->length : capacity;   // a datagram read short is truncated
    memcpy(out, d->bytes, (size_t)length);
    free(d);
    return length;
}

static long bio_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)number;
    (void)pointer;
    datagram_bio *state = BIO_get_data(bio);
    switch (command) {
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_PENDING: return state->in.head ? (long)state->in.head->length : 0;
    case BIO_CTRL_WPENDING: return 0;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU: return 1200;   // below any loopback or Ethernet path MTU, with room for UDP/IP
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: return 28;
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT: return 1;      // timers run through DTLSv1_get_timeout
    default: return 0;
    }
}

static BIO_METHOD *shared_method;

static void make_method(void) {
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "callwire datagrams");
    if (!m) return;
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    BIO_meth_set_destroy(m, bio_destroy);
    shared_method = m;
}

BIO *callwire_datagram_bio_new(void) {
    static CRYPTO_ONCE once = CRYPTO_ONCE_STATIC_INIT;
    if (!CRYPTO_THREAD_run_once(&once, make_method) || !shared_method) return NULL;
    return BIO_new(shared_method);
}

int callwire_datagram_bio_push(BIO *bio, const uint8_t *data, size_t length) {
    datagram_bio *state = BIO_get_data(bio);
    return state ? queue_push(&state->in, data, length) : 0;
}

long callwire_datagram_bio_pop(BIO *bio, uint8_t *out, size_t capacity) {
    datagram_bio *state = BIO_get_data(bio);
    datagram *d = state ? queue_pop(&state->out) : NULL;
    if (!d) return -1;
    long length = (long)d->length;
    if (d->length > capacity) length = -2; else memcpy(out, d->bytes, d->length);
    free(d);
    return length;
}

// MARK: Certificate

int callwire_make_certificate(const char *common_name, int days, EVP_PKEY **key_out, X509 **cert_out) {
    EVP_PKEY *key = EVP_EC_gen("P-256");
    if (!key) return 0;
    X509 *cert = X509_new();
    if (!cert) { EVP_PKEY_free(key); return 0; }
    int ok = X509_set_version(cert, 2);
    // A random positive 64-bit serial number (RFC 5280 §4.1.2.2 allows up to 20 octets).
    BIGNUM *serial = BN_new();
    ok = ok && serial && BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY)
        && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) != NULL;
    BN_free(serial);
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(cert), -3600) && X509_gmtime_adj(X509_getm_notAfter(cert), (long)days * 86400);
    X509_NAME *name = X509_get_subject_name(cert);
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)common_name, -1, -1, 0);
    ok = ok && X509_set_issuer_name(cert, name) && X509_set_pubkey(cert, key) && X509_sign(cert, key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(cert);
        EVP_PKEY_free(key);
        return 0;
    }
    *key_out = key;
    *cert_out = cert;
    return 1;
}

int callwire_certificate_sha256(X509 *cert, uint8_t out[32]) {
    unsigned int length = 0;
    return X509_digest(cert, EVP_sha256(), out, &length) == 1 && length == 32;
}

// MARK: DTLS

static int peer_check_index = -1;

static void make_peer_check_index(void) { peer_check_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL); }

/// The SSL ex_data slot that holds a session's callwire_peer_check.
static int peer_check_slot(void) {
    static CRYPTO_ONCE once = CRYPTO_ONCE_STATIC_INIT;
    (void)CRYPTO_THREAD_run_once(&once, make_peer_check_index);
    return peer_check_index;
}

// Self-signed is normal here: the chain is not judged, the fingerprint from the SDP is the
// check (RFC 5763 §5), on the certificate the peer presents (depth 0).
static int check_chain(int preverified, X509_STORE_CTX *context) {
    (void)preverified;
    if (X509_STORE_CTX_get_error_depth(context) != 0) return 1;
    SSL *ssl = X509_STORE_CTX_get_ex_data(context, SSL_get_ex_data_X509_STORE_CTX_idx());
    callwire_peer_check *check = ssl ? SSL_get_ex_data(ssl, peer_check_slot()) : NULL;
    if (!check) return 1;
    X509 *presented = X509_STORE_CTX_get_current_cert(context);
    if (!presented || !callwire_certificate_sha256(presented, check->presented)) return 0;
    check->mismatch = memcmp(check->presented, check->expected, 32) != 0;
    return !check->mismatch;
}

int callwire_dtls_check_peer(SSL *ssl, callwire_peer_check *check) {
    check->mismatch = 0;
    return SSL_set_ex_data(ssl, peer_check_slot(), check) == 1;
}

SSL_CTX *callwire_dtls_context(X509 *cert, EVP_PKEY *key, const char *srtp_profiles) {
    SSL_CTX *context = SSL_CTX_new(DTLS_method());
    if (!context) return NULL;
    int ok = SSL_CTX_set_min_proto_version(context, DTLS1_2_VERSION)
        && SSL_CTX_use_certificate(context, cert) == 1 && SSL_CTX_use_PrivateKey(context, key) == 1
        && SSL_CTX_check_private_key(context) == 1
        && SSL_CTX_set_tlsext_use_srtp(context, srtp_profiles) == 0;   // 0 is success for this one
    if (!ok) {
        SSL_CTX_free(context);
        return NULL;
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, check_chain);
    SSL_CTX_set_read_ahead(context, 1);
    return context;
}

int callwire_dtls_prepare(SSL *ssl, BIO *bio, int client) {
    SSL_set_bio(ssl, bio, bio);
    SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
    if (!SSL_set_mtu(ssl, 1200)) return 0;
    if (client) SSL_set_connect_state(ssl); else SSL_set_accept_state(ssl);
    return 1;
}

long callwire_dtls_timeout_ms(SSL *ssl) {
    struct timeval tv;
    if (DTLSv1_get_timeout(ssl, &tv) != 1) return -1;
    return (long)tv.tv_sec * 1000 + (long)(tv.tv_usec / 1000);
}

int callwire_dtls_handle_timeout(SSL *ssl) { return (int)DTLSv1_handle_timeout(ssl); }

unsigned long callwire_dtls_srtp_profile(SSL *ssl) {
    SRTP_PROTECTION_PROFILE *profile = SSL_get_selected_srtp_profile(ssl);
    return profile ? profile->id : 0;
}

X509 *callwire_peer_certificate(SSL *ssl) { return SSL_get1_peer_certificate(ssl); }

void callwire_ssl_error_text(char *out, size_t capacity) {
    unsigned long code = ERR_get_error();
    if (code == 0) {
        snprintf(out, capacity, "no further detail from OpenSSL");
    } else {
        ERR_error_string_n(code, out, capacity);
    }
    ERR_clear_error();
}
