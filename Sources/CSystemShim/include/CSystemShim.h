#ifndef NUMNINJA_CSYSTEMSHIM_H
#define NUMNINJA_CSYSTEMSHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* epoll, accept4 and eventfd are not exported by the Swift Glibc module on this toolchain. */
int nn_epoll_create(void);
int nn_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/* Waits for events; fills parallel arrays of event masks and user data. Returns count or -1. */
int nn_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int max_events, int timeout_ms);
int nn_accept4_nonblocking(int fd);
int nn_eventfd_nonblocking(void);

extern const int NN_EPOLL_CTL_ADD;
extern const int NN_EPOLL_CTL_MOD;
extern const int NN_EPOLL_CTL_DEL;
extern const uint32_t NN_EPOLLIN;
extern const uint32_t NN_EPOLLOUT;
extern const uint32_t NN_EPOLLERR;
extern const uint32_t NN_EPOLLHUP;
extern const uint32_t NN_EPOLLRDHUP;
extern const uint32_t NN_EPOLLET;

/* flock(2) with LOCK_EX | LOCK_NB. Returns 0, or -1 with errno set. */
int nn_flock_exclusive_nonblocking(int fd);
/* flock(2) with LOCK_UN. */
int nn_flock_unlock(int fd);

/* CRC32C (Castagnoli), reflected, as in iSCSI/ext4. Chainable: pass the previous result as crc
   (0 for a fresh computation). Uses the SSE4.2 crc32 instruction when the CPU has it. */
uint32_t nn_crc32c(uint32_t crc, const void *data, size_t length);
/* The portable table-driven path, exposed so tests can check both give the same answers. */
uint32_t nn_crc32c_portable(uint32_t crc, const void *data, size_t length);
int nn_crc32c_is_hardware(void);

/* Kernel-level helpers used by storage. */
int nn_fdatasync(int fd);
void nn_set_thread_name(const char *name);

/* Raises the calling thread's nice value by `increment` (lower priority; no privilege needed). 0 on success. */
int nn_lower_thread_priority(int increment);

/* glibc heap tuning (mallopt): the main heap grows by at least top_pad bytes at a time and gives memory at
   its top back to the kernel only past trim_threshold bytes; blocks up to 32 MiB come from the heap. Returns 1
   when all were accepted (0 elsewhere). */
int nn_heap_grow_in_large_steps(size_t top_pad, size_t trim_threshold);
/* glibc malloc_trim(0): gives the free memory of every heap back to the kernel; returns 1 when some was. */
int nn_heap_trim(void);
/* glibc mallinfo2().fordblks: bytes free inside the heaps (held, not in use); 0 elsewhere. */
size_t nn_heap_free_bytes(void);

/* glibc (mallopt M_ARENA_MAX): threads that allocate from now on share at most max_arenas heaps; 0 restores
   glibc's default (8 per core). Threads keep the heap they already use. Returns 1 when accepted. */
int nn_heap_limit_arenas(int max_arenas);

/* XXH32, the checksum of the LZ4 frame format (header, blocks, content). One shot, or streaming through a
   state that the caller owns (reset, update any number of times, digest). */
typedef struct {
    uint64_t total;
    uint32_t v[4];
    uint32_t seed;
    uint32_t buffered;
    uint8_t buffer[16];
} nn_xxh32_state;
uint32_t nn_xxh32(const void *data, size_t length, uint32_t seed);
void nn_xxh32_reset(nn_xxh32_state *state, uint32_t seed);
void nn_xxh32_update(nn_xxh32_state *state, const void *data, size_t length);
uint32_t nn_xxh32_digest(const nn_xxh32_state *state);

#ifdef __cplusplus
}
#endif
#endif
