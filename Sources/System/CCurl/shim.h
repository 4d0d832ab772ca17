#ifndef SCIENCEFS_CCURL_SHIM_H
#define SCIENCEFS_CCURL_SHIM_H
/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call.
 * One typed wrapper per argument kind. */
#include <curl/curl.h>

static inline CURLcode sciencefs_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode sciencefs_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode sciencefs_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode sciencefs_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode sciencefs_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }

typedef size_t (*sciencefs_curl_data_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
static inline CURLcode sciencefs_curl_setopt_data_callback(CURL *h, CURLoption o, sciencefs_curl_data_callback cb) { return curl_easy_setopt(h, o, cb); }

typedef int (*sciencefs_curl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode sciencefs_curl_setopt_xferinfo_callback(CURL *h, sciencefs_curl_xferinfo_callback cb) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cb); }

static inline CURLcode sciencefs_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode sciencefs_curl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }

/* Share handle (DNS, TLS sessions, connection cache shared by the pool's easy handles). */
typedef void (*sciencefs_curl_lock_callback)(CURL *handle, curl_lock_data data, curl_lock_access access, void *userptr);
typedef void (*sciencefs_curl_unlock_callback)(CURL *handle, curl_lock_data data, void *userptr);
static inline CURLSHcode sciencefs_curl_share_setopt_long(CURLSH *s, CURLSHoption o, long v) { return curl_share_setopt(s, o, v); }
static inline CURLSHcode sciencefs_curl_share_setopt_pointer(CURLSH *s, CURLSHoption o, void *v) { return curl_share_setopt(s, o, v); }
static inline CURLSHcode sciencefs_curl_share_setopt_lock(CURLSH *s, sciencefs_curl_lock_callback cb) { return curl_share_setopt(s, CURLSHOPT_LOCKFUNC, cb); }
static inline CURLSHcode sciencefs_curl_share_setopt_unlock(CURLSH *s, sciencefs_curl_unlock_callback cb) { return curl_share_setopt(s, CURLSHOPT_UNLOCKFUNC, cb); }

#endif
