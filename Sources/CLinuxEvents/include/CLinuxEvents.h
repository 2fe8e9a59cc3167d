#ifndef C_LINUX_EVENTS_H
#define C_LINUX_EVENTS_H

#include <stdint.h>

// epoll, timerfd and CPU affinity for the event loops. Glibc's Swift module does not
// export these, and `struct epoll_event` is packed on x86_64, so the loop goes through
// these small unpacked wrappers instead.

enum {
    CLE_EPOLLIN = 0x001,
    CLE_EPOLLOUT = 0x004,
    CLE_EPOLLERR = 0x008,
    CLE_EPOLLHUP = 0x010,
    CLE_EPOLLRDHUP = 0x2000,
    CLE_EPOLLET = (int)(1u << 31),
};

/// epoll_create1(EPOLL_CLOEXEC).
int cle_epoll_create(void);
/// EPOLL_CTL_ADD of `fd` with `events`, reporting `token`.
int cle_epoll_add(int epfd, int fd, uint32_t events, uint64_t token);
/// epoll_wait into parallel arrays (at most 512 events); returns the count or -1.
int cle_epoll_wait(int epfd, uint32_t *events, uint64_t *tokens, int max, int timeout_ms);

/// glibc's malloc_trim(0): returns free heap memory to the system (a no-op elsewhere).
void cle_malloc_trim(void);

/// A non-blocking, close-on-exec eventfd; signal adds 1, drain resets it.
int cle_eventfd_create(void);
void cle_eventfd_signal(int fd);
void cle_eventfd_drain(int fd);

/// A non-blocking, close-on-exec CLOCK_MONOTONIC timerfd.
int cle_timerfd_create(void);
/// Arms `fd` once at the absolute CLOCK_MONOTONIC time `deadline_ns` (0 disarms).
int cle_timerfd_arm(int fd, uint64_t deadline_ns);

/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC: a new connection, or -1 (errno set).
int cle_accept_nonblocking(int listen_fd);

/// A non-blocking inotify descriptor watching `directory` for entries created, moved in or
/// out, deleted, rewritten or changed in mode; -1 on failure (errno set).
int cle_inotify_watch_directory(const char *directory);
/// Adds another directory to an inotify descriptor; -1 on failure.
int cle_inotify_add_directory(int fd, const char *directory);

/// Fills `buffer` from the kernel's CSPRNG (getrandom); 0 on success, -1 on failure.
int cle_fill_random(void *buffer, unsigned long length);

/// prctl(PR_SET_DUMPABLE, 0) (Swift cannot call the variadic prctl); 0 or -1 (errno set).
int cle_set_nondumpable(void);
/// prctl(PR_GET_DUMPABLE): 0 when the process is not dumpable, 1 or 2 otherwise, -1 on error.
int cle_get_dumpable(void);
/// Overwrites with zero bytes the value of every `name=value` entry of the process's
/// environment (`environ`, whose initial strings are what /proc/PID/environ shows);
/// returns how many entries were overwritten.
int cle_scrub_environment_value(const char *name);

/// CPUs in this process's affinity mask, or -1.
int cle_affinity_cpu_count(void);

#endif
