#include "COpenSSL.h"

#include <errno.h>
#include <sys/socket.h>

int copenssl_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

int copenssl_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

int copenssl_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

long copenssl_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

long copenssl_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

int copenssl_SSL_CTX_set_app_data(SSL_CTX *ctx, void *data) {
    return SSL_CTX_set_app_data(ctx, data);
}

void *copenssl_SSL_CTX_get_app_data(const SSL_CTX *ctx) {
    return SSL_CTX_get_app_data(ctx);
}

int copenssl_SSL_set_app_data(SSL *ssl, void *data) {
    return SSL_set_app_data(ssl, data);
}

void *copenssl_SSL_get_app_data(const SSL *ssl) {
    return SSL_get_app_data(ssl);
}

int copenssl_ERR_GET_LIB(unsigned long error) {
    return ERR_GET_LIB(error);
}

int copenssl_ERR_GET_REASON(unsigned long error) {
    return ERR_GET_REASON(error);
}

EVP_PKEY *copenssl_generate_p256_key(void) {
    return EVP_EC_gen("P-256");
}

int copenssl_X509_add_extension(X509 *cert, X509 *issuer, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (extension == NULL) return 0;
    int added = X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
    return added;
}

/* The no-SIGPIPE socket BIO. The descriptor lives in the BIO's data pointer. */

static int nosigpipe_fd(BIO *bio) {
    return (int)(intptr_t)BIO_get_data(bio);
}

static int nosigpipe_write(BIO *bio, const char *data, size_t length, size_t *written) {
    BIO_clear_retry_flags(bio);
    ssize_t n;
    do {
        n = send(nosigpipe_fd(bio), data, length, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(bio);
        *written = 0;
        return 0;
    }
    *written = (size_t)n;
    return 1;
}

static int nosigpipe_read(BIO *bio, char *data, size_t length, size_t *read) {
    BIO_clear_retry_flags(bio);
    ssize_t n;
    do {
        n = recv(nosigpipe_fd(bio), data, length, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(bio);
        *read = 0;
        return 0;
    }
    /* The record layer asks BIO_eof() after a zero read to tell a bare EOF
       (SSL_R_UNEXPECTED_EOF_WHILE_READING) from a syscall error. */
    if (n == 0) BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
    *read = (size_t)n;
    return n > 0 ? 1 : 0;
}

static long nosigpipe_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)number;
    (void)pointer;
    switch (command) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_EOF:
        return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0;
    default:
        return 0;
    }
}

static int nosigpipe_create(BIO *bio) {
    BIO_set_init(bio, 1);
    return 1;
}

static BIO_METHOD *nosigpipe_method = NULL;

static void nosigpipe_make_method(void) {
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                                      "socket without SIGPIPE");
    if (method == NULL) return;
    BIO_meth_set_write_ex(method, nosigpipe_write);
    BIO_meth_set_read_ex(method, nosigpipe_read);
    BIO_meth_set_ctrl(method, nosigpipe_ctrl);
    BIO_meth_set_create(method, nosigpipe_create);
    nosigpipe_method = method;
}

BIO *copenssl_BIO_new_socket_nosigpipe(int fd) {
    static CRYPTO_ONCE once = CRYPTO_ONCE_STATIC_INIT;
    if (!CRYPTO_THREAD_run_once(&once, nosigpipe_make_method) || nosigpipe_method == NULL) return NULL;
    BIO *bio = BIO_new(nosigpipe_method);
    if (bio == NULL) return NULL;
    BIO_set_data(bio, (void *)(intptr_t)fd);
    return bio;
}
