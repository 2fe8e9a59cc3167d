#define _GNU_SOURCE
#include "CLinuxEvents.h"

#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <unistd.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

_Static_assert(CLE_EPOLLIN == EPOLLIN && CLE_EPOLLOUT == EPOLLOUT && CLE_EPOLLERR == EPOLLERR, "epoll flags");
_Static_assert(CLE_EPOLLHUP == EPOLLHUP && CLE_EPOLLRDHUP == EPOLLRDHUP && (uint32_t)CLE_EPOLLET == (uint32_t)EPOLLET, "epoll flags");

int cle_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int cle_epoll_add(int epfd, int fd, uint32_t events, uint64_t token) {
    struct epoll_event event = {.events = events, .data = {.u64 = token}};
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

int cle_epoll_wait(int epfd, uint32_t *events, uint64_t *tokens, int max, int timeout_ms) {
    struct epoll_event ready[512];
    if (max > 512) max = 512;
    int count = epoll_wait(epfd, ready, max, timeout_ms);
    for (int i = 0; i < count; i++) {
        events[i] = ready[i].events;
        tokens[i] = ready[i].data.u64;
    }
    return count;
}

int cle_eventfd_create(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

void cle_eventfd_signal(int fd) {
    uint64_t one = 1;
    (void)!write(fd, &one, sizeof(one));
}

void cle_eventfd_drain(int fd) {
    uint64_t value;
    (void)!read(fd, &value, sizeof(value));
}

int cle_timerfd_create(void) {
    return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
}

int cle_timerfd_arm(int fd, uint64_t deadline_ns) {
    struct itimerspec spec = {0};
    spec.it_value.tv_sec = (time_t)(deadline_ns / 1000000000u);
    spec.it_value.tv_nsec = (long)(deadline_ns % 1000000000u);
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL);
}

int cle_affinity_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
    return CPU_COUNT(&set);
}

int cle_accept_nonblocking(int listen_fd) {
    return accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

static const uint32_t directory_events =
    IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

int cle_inotify_add_directory(int fd, const char *directory) {
    return inotify_add_watch(fd, directory, directory_events);
}

int cle_inotify_watch_directory(const char *directory) {
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return -1;
    if (cle_inotify_add_directory(fd, directory) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int cle_fill_random(void *buffer, unsigned long length) {
    unsigned char *bytes = buffer;
    while (length > 0) {
        ssize_t count = getrandom(bytes, length, 0);
        if (count < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        bytes += count;
        length -= (unsigned long)count;
    }
    return 0;
}

int cle_set_nondumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int cle_get_dumpable(void) {
    return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
}

extern char **environ;

int cle_scrub_environment_value(const char *name) {
    size_t length = strlen(name);
    int scrubbed = 0;
    for (char **entry = environ; entry != NULL && *entry != NULL; entry++) {
        if (strncmp(*entry, name, length) == 0 && (*entry)[length] == '=') {
            char *value = *entry + length + 1;
            // volatile: the compiler may not drop stores to memory it cannot see read again.
            volatile char *cursor = value;
            while (*cursor != 0) *cursor++ = 0;
            scrubbed++;
        }
    }
    return scrubbed;
}

// Defined only when a sanitizer's runtime is linked in (weak: NULL otherwise).
extern void __tsan_init(void) __attribute__((weak));
extern void __asan_init(void) __attribute__((weak));

void cle_malloc_trim(void) {
#if defined(__GLIBC__)
    // Under ThreadSanitizer or AddressSanitizer, malloc is the sanitizer's own allocator:
    // glibc's arenas hold nothing to give back.
    if (__tsan_init != NULL || __asan_init != NULL) return;
    malloc_trim(0);
#endif
}
