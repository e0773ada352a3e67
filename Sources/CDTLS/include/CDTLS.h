// OpenSSL (Debian libssl-dev) for DTLS-SRTP (RFC 5763, RFC 5764): a BIO that keeps datagram
// boundaries, a self-signed certificate, the DTLS context, and function forms of the
// OpenSSL macros Swift cannot call.
#ifndef CALLWIRE_CDTLS_H
#define CALLWIRE_CDTLS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>

/// A memory BIO of whole datagrams: each BIO_write by DTLS is queued as one datagram to send,
/// and each datagram pushed in is returned by exactly one BIO_read. Each queue holds at most
/// 64 datagrams (a handshake flight is a few); more are dropped, as a network would.
BIO *callwire_datagram_bio_new(void);
/// Queues a received datagram for DTLS to read. Returns 1, or 0 when the queue is full.
int callwire_datagram_bio_push(BIO *bio, const uint8_t *data, size_t length);
/// Takes the next datagram DTLS wrote: its length, or -1 when there is none, or -2 when it
/// does not fit `capacity` (it is dropped).
long callwire_datagram_bio_pop(BIO *bio, uint8_t *out, size_t capacity);

/// A self-signed certificate on a new ECDSA P-256 key, valid from an hour ago for `days`.
/// Returns 1 and sets both outputs, or 0.
int callwire_make_certificate(const char *common_name, int days, EVP_PKEY **key_out, X509 **cert_out);
/// The SHA-256 digest of the certificate's DER encoding (RFC 8122 §5). Returns 1, or 0.
int callwire_certificate_sha256(X509 *cert, uint8_t out[32]);
/// A DTLS context that presents `cert`/`key`, requires the peer's certificate (checked against
/// a=fingerprint by the caller, so any chain is accepted here), and offers `srtp_profiles`.
SSL_CTX *callwire_dtls_context(X509 *cert, EVP_PKEY *key, const char *srtp_profiles);
/// Sets a new DTLS session up as client or server, on `bio` for both directions (taking its
/// reference), with a fixed MTU of 1200 octets (no path MTU queries). Returns 1, or 0.
int callwire_dtls_prepare(SSL *ssl, BIO *bio, int client);
/// What the certificate check saw: the fingerprint the SDP promised, the one presented, and
/// whether they differed. Owned by the caller, alive as long as the SSL.
typedef struct {
    uint8_t expected[32];
    uint8_t presented[32];
    int mismatch;
} callwire_peer_check;
/// Makes the handshake refuse (with a bad_certificate alert) a peer whose certificate's
/// SHA-256 digest is not `check->expected` (RFC 5763 §5). Returns 1, or 0.
int callwire_dtls_check_peer(SSL *ssl, callwire_peer_check *check);
/// Milliseconds until DTLS wants DTLSv1_handle_timeout, or -1 when no timer runs.
long callwire_dtls_timeout_ms(SSL *ssl);
/// DTLSv1_handle_timeout: retransmits the last flight when its timer has expired.
int callwire_dtls_handle_timeout(SSL *ssl);
/// The negotiated use_srtp profile number, or 0.
unsigned long callwire_dtls_srtp_profile(SSL *ssl);
/// The peer's certificate (a new reference, for X509_free), or NULL.
X509 *callwire_peer_certificate(SSL *ssl);
/// The text of the oldest queued OpenSSL error, cleared from the queue, into `out`.
void callwire_ssl_error_text(char *out, size_t capacity);

#endif
