/*
 * tls_compat.c - lets Debian's civetweb 1.15 serve HTTPS with OpenSSL 3.
 *
 * That civetweb loads OpenSSL at run time: dlopen("libssl.so") and a dlsym()
 * per function. One of them, SSL_get_peer_certificate, is only a macro in
 * OpenSSL 3 (SSL_get1_peer_certificate), so its pointer stays NULL and every
 * HTTPS request calls it: a crash. The hearth executable carries the soname
 * "libssl.so" (CMakeLists.txt), so civetweb's dlopen finds the executable,
 * already loaded, and its dlsym() searches it and its libraries: the real
 * libssl.so.3 for every function, and this file for the missing one.
 */
#include <openssl/ssl.h>

#include "hearth/banned.h"

#undef SSL_get_peer_certificate
X509 *SSL_get_peer_certificate(const SSL *s);

/* The OpenSSL 1.1 name: a new reference the caller frees, as SSL_get1_peer_certificate. */
X509 *SSL_get_peer_certificate(const SSL *s)
{
    return SSL_get1_peer_certificate(s);
}
