#define _GNU_SOURCE
#include "CSystemShim.h"

#include <errno.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

const int NN_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
const int NN_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
const int NN_EPOLL_CTL_DEL = EPOLL_CTL_DEL;
const uint32_t NN_EPOLLIN = EPOLLIN;
const uint32_t NN_EPOLLOUT = EPOLLOUT;
const uint32_t NN_EPOLLERR = EPOLLERR;
const uint32_t NN_EPOLLHUP = EPOLLHUP;
const uint32_t NN_EPOLLRDHUP = EPOLLRDHUP;
const uint32_t NN_EPOLLET = EPOLLET;

int nn_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int nn_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev);
}

int nn_epoll_wait(int epfd, uint32_t *events, uint64_t *data, int max_events, int timeout_ms) {
    struct epoll_event buf[256];
    if (max_events > 256) max_events = 256;
    int n = epoll_wait(epfd, buf, max_events, timeout_ms);
    for (int i = 0; i < n; i++) {
        events[i] = buf[i].events;
        data[i] = buf[i].data.u64;
    }
    return n;
}

int nn_accept4_nonblocking(int fd) { return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }

int nn_eventfd_nonblocking(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int nn_flock_exclusive_nonblocking(int fd) { return flock(fd, LOCK_EX | LOCK_NB); }
int nn_flock_unlock(int fd) { return flock(fd, LOCK_UN); }

int nn_fdatasync(int fd) { return fdatasync(fd); }

void nn_set_thread_name(const char *name) { pthread_setname_np(pthread_self(), name); }

/* ---- CRC32C ---- */

static uint32_t crc_table[8][256];
static bool crc_table_ready = false;

static void crc_build_table(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = crc_table[0][n];
        for (int k = 1; k < 8; k++) {
            c = crc_table[0][c & 0xff] ^ (c >> 8);
            crc_table[k][n] = c;
        }
    }
    __atomic_store_n(&crc_table_ready, true, __ATOMIC_RELEASE);
}

uint32_t nn_crc32c_portable(uint32_t crc, const void *data, size_t length) {
    if (!__atomic_load_n(&crc_table_ready, __ATOMIC_ACQUIRE)) crc_build_table();
    const uint8_t *p = (const uint8_t *)data;
    uint32_t c = ~crc;
    while (length >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        v ^= c;
        c = crc_table[7][v & 0xff] ^ crc_table[6][(v >> 8) & 0xff] ^ crc_table[5][(v >> 16) & 0xff] ^
            crc_table[4][(v >> 24) & 0xff] ^ crc_table[3][(v >> 32) & 0xff] ^ crc_table[2][(v >> 40) & 0xff] ^
            crc_table[1][(v >> 48) & 0xff] ^ crc_table[0][v >> 56];
        p += 8;
        length -= 8;
    }
    while (length--) c = crc_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t length) {
    const uint8_t *p = (const uint8_t *)data;
    uint64_t c = ~crc;
    /* Three independent lanes hide the instruction's latency on long inputs. */
    while (length >= 3 * 1024) {
        uint64_t c1 = 0, c2 = 0;
        const uint8_t *p1 = p + 1024, *p2 = p + 2048;
        for (int i = 0; i < 1024; i += 8) {
            uint64_t v0, v1, v2;
            memcpy(&v0, p + i, 8);
            memcpy(&v1, p1 + i, 8);
            memcpy(&v2, p2 + i, 8);
            c = _mm_crc32_u64(c, v0);
            c1 = _mm_crc32_u64(c1, v1);
            c2 = _mm_crc32_u64(c2, v2);
        }
        /* Combine lanes: shift c over 2048 bytes and c1 over 1024 bytes by running zeros is slow,
           so fold with the precomputed operator below. */
        extern uint32_t nn_crc32c_shift(uint32_t crc, size_t zeros);
        c = (uint64_t)(nn_crc32c_shift((uint32_t)c, 2048) ^ nn_crc32c_shift((uint32_t)c1, 1024) ^ (uint32_t)c2);
        p += 3 * 1024;
        length -= 3 * 1024;
    }
    while (length >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        length -= 8;
    }
    while (length--) c = _mm_crc32_u8((uint32_t)c, *p++);
    return ~(uint32_t)c;
}
#endif

/* Multiplication in GF(2) modulo the reflected CRC32C polynomial, used to shift a raw CRC
   register over a run of zero bytes (the combine step for parallel lanes). */
static uint32_t gf2_multiply(uint32_t a, uint32_t b) {
    uint32_t product = 0;
    for (int i = 0; i < 32; i++) {
        if (b & 0x80000000u) product ^= a;
        b <<= 1;
        a = (a & 1) ? (a >> 1) ^ 0x82F63B78u : a >> 1;
    }
    return product;
}

/* x^(8*n) mod P for the two lane distances, computed once. */
static uint32_t shift_1024 = 0, shift_2048 = 0;
static bool shift_ready = false;

static uint32_t x_pow_8n(size_t n) {
    /* Start from x^0 (reflected: 0x80000000) and multiply by x^8 n times via squaring. */
    uint32_t result = 0x80000000u;
    uint32_t square = 0x00800000u; /* x^8 in reflected form */
    while (n) {
        if (n & 1) result = gf2_multiply(result, square);
        square = gf2_multiply(square, square);
        n >>= 1;
    }
    return result;
}

uint32_t nn_crc32c_shift(uint32_t crc, size_t zeros) {
    if (!__atomic_load_n(&shift_ready, __ATOMIC_ACQUIRE)) {
        shift_1024 = x_pow_8n(1024);
        shift_2048 = x_pow_8n(2048);
        __atomic_store_n(&shift_ready, true, __ATOMIC_RELEASE);
    }
    uint32_t factor = zeros == 1024 ? shift_1024 : zeros == 2048 ? shift_2048 : x_pow_8n(zeros);
    return gf2_multiply(crc, factor);
}

int nn_crc32c_is_hardware(void) {
#if defined(__x86_64__)
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
#else
    return 0;
#endif
}

uint32_t nn_crc32c(uint32_t crc, const void *data, size_t length) {
#if defined(__x86_64__)
    static int hw = -1;
    if (hw < 0) hw = nn_crc32c_is_hardware();
    if (hw) return crc32c_sse42(crc, data, length);
#endif
    return nn_crc32c_portable(crc, data, length);
}

int nn_heap_grow_in_large_steps(size_t top_pad, size_t trim_threshold) {
#if defined(__GLIBC__)
    int padded = mallopt(M_TOP_PAD, (int)top_pad);
    int trimmed = mallopt(M_TRIM_THRESHOLD, (int)trim_threshold);
    /* Setting the trim threshold freezes the mmap threshold at its initial 128 KiB (glibc otherwise raises it
       to the size of blocks freed, up to 32 MiB): every buffer above 128 KiB would be mapped, faulted in and
       unmapped each time. Blocks up to 32 MiB come from the heap and are reused, as glibc would settle on. */
    int mapped = mallopt(M_MMAP_THRESHOLD, 32 << 20);
    return padded == 1 && trimmed == 1 && mapped == 1;
#else
    (void)top_pad;
    (void)trim_threshold;
    return 0;
#endif
}

int nn_heap_trim(void) {
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}

size_t nn_heap_free_bytes(void) {
#if defined(__GLIBC__)
    struct mallinfo2 info = mallinfo2();
    return info.fordblks;
#else
    return 0;
#endif
}

int nn_heap_limit_arenas(int max_arenas) {
#if defined(__GLIBC__)
    if (max_arenas <= 0) max_arenas = 8 * (int)sysconf(_SC_NPROCESSORS_ONLN);
    return mallopt(M_ARENA_MAX, max_arenas);
#else
    (void)max_arenas;
    return 0;
#endif
}

int nn_lower_thread_priority(int increment) {
    pid_t tid = (pid_t)syscall(SYS_gettid);
    errno = 0;
    int current = getpriority(PRIO_PROCESS, (id_t)tid);
    if (current == -1 && errno != 0) return -1;
    return setpriority(PRIO_PROCESS, (id_t)tid, current + increment);
}
