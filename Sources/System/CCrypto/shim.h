#ifndef SCIENCEFS_CCRYPTO_SHIM_H
#define SCIENCEFS_CCRYPTO_SHIM_H
/* libcrypto (OpenSSL 3) for X.509 proxy delegation. Macros Swift cannot import get a typed inline wrapper here. */
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

static inline long sciencefs_bio_get_mem_data(BIO *b, char **pp) { return BIO_get_mem_data(b, pp); }

/* OPENSSL_free is a macro adding __FILE__/__LINE__. */
static inline void sciencefs_openssl_free(void *p) { OPENSSL_free(p); }

/* ERR_GET_LIB / ERR_GET_REASON are ossl_inline helpers; wrapped so the import does not depend on how they are spelt. */
static inline int sciencefs_err_lib(unsigned long code) { return ERR_GET_LIB(code); }
static inline int sciencefs_err_reason(unsigned long code) { return ERR_GET_REASON(code); }

/* MBSTRING_UTF8 is defined through another macro. */
static inline int sciencefs_mbstring_utf8(void) { return MBSTRING_UTF8; }

/* A PEM passphrase callback that refuses: with no callback OpenSSL would prompt on the terminal for an encrypted block. */
static inline int sciencefs_pem_refuse_passphrase(char *buf, int size, int rwflag, void *userdata) {
    (void)buf; (void)size; (void)rwflag; (void)userdata;
    return -1;
}

/* STACK_OF(X509) is reached through type-checking macros. The stack does not own the certificates pushed onto it. */
static inline STACK_OF(X509) *sciencefs_x509_stack_new(void) { return sk_X509_new_null(); }
static inline int sciencefs_x509_stack_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }
static inline void sciencefs_x509_stack_free(STACK_OF(X509) *stack) { sk_X509_free(stack); }
#endif
