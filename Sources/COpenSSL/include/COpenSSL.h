#ifndef COPENSSL_H
#define COPENSSL_H
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* OpenSSL 3 spells these as macros (SSL_ctrl/BIO_ctrl with a command number) or
   variadic functions, which Swift cannot import. Each wrapper forwards to one. */

int copenssl_SSL_set_tlsext_host_name(SSL *ssl, const char *name);
int copenssl_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
int copenssl_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
long copenssl_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
long copenssl_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode);
int copenssl_SSL_CTX_set_app_data(SSL_CTX *ctx, void *data);
void *copenssl_SSL_CTX_get_app_data(const SSL_CTX *ctx);
int copenssl_SSL_set_app_data(SSL *ssl, void *data);
void *copenssl_SSL_get_app_data(const SSL *ssl);

int copenssl_ERR_GET_LIB(unsigned long error);
int copenssl_ERR_GET_REASON(unsigned long error);

/* EVP_EC_gen is a variadic macro. A fresh P-256 key, or NULL. */
EVP_PKEY *copenssl_generate_p256_key(void);

/* Adds one X.509v3 extension given in openssl.cnf syntax ("IP:127.0.0.1,DNS:localhost")
   to `cert`, issued by `issuer` (the same certificate for a self-signed one).
   X509V3_set_ctx_nodb is a macro. Returns 1 on success. */
int copenssl_X509_add_extension(X509 *cert, X509 *issuer, int nid, const char *value);

/* A BIO over a connected socket that sends with MSG_NOSIGNAL, so that writing to a
   peer that has gone away returns EPIPE instead of raising SIGPIPE (OpenSSL's own
   socket BIO uses write(2)). Works on blocking and non-blocking sockets; never closes
   the descriptor. */
BIO *copenssl_BIO_new_socket_nosigpipe(int fd);

#endif
