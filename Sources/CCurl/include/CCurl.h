#ifndef CCURL_H
#define CCURL_H
#include <curl/curl.h>

/* libcurl's setopt/getinfo are variadic and cannot be called from Swift.
   These typed wrappers forward one argument of a fixed type. */

typedef size_t (*ccurl_data_callback)(char *buffer, size_t size, size_t nitems, void *userdata);

CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ccurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
/* For CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION. */
CURLcode ccurl_easy_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback value);

typedef int (*ccurl_debug_callback)(CURL *handle, curl_infotype type, char *data, size_t size, void *userptr);
CURLcode ccurl_easy_setopt_debug_callback(CURL *handle, ccurl_debug_callback value);

CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);

CURLMcode ccurl_multi_setopt_long(CURLM *handle, CURLMoption option, long value);

/* CURLMsg keeps its result in an anonymous union. */
CURLcode ccurl_msg_result(const CURLMsg *message);

#endif
