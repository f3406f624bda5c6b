/* XXH32 (xxHash, 32-bit), as the LZ4 frame format uses it for header, block and content checksums.
   Written from the algorithm's published description; streaming, little-endian reads, any alignment. */
#include "CSystemShim.h"

#include <string.h>

static const uint32_t P1 = 0x9E3779B1u;
static const uint32_t P2 = 0x85EBCA77u;
static const uint32_t P3 = 0xC2B2AE3Du;
static const uint32_t P4 = 0x27D4EB2Fu;
static const uint32_t P5 = 0x165667B1u;

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static inline uint32_t read32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

static inline uint32_t round32(uint32_t acc, uint32_t input) {
    acc += input * P2;
    acc = rotl32(acc, 13);
    return acc * P1;
}

void nn_xxh32_reset(nn_xxh32_state *state, uint32_t seed) {
    memset(state, 0, sizeof(*state));
    state->v[0] = seed + P1 + P2;
    state->v[1] = seed + P2;
    state->v[2] = seed;
    state->v[3] = seed - P1;
    state->seed = seed;
}

void nn_xxh32_update(nn_xxh32_state *state, const void *data, size_t length) {
    const uint8_t *p = (const uint8_t *)data;
    const uint8_t *end = p + length;
    state->total += length;
    if (state->buffered + length < 16) {
        memcpy(state->buffer + state->buffered, p, length);
        state->buffered += (uint32_t)length;
        return;
    }
    if (state->buffered > 0) {
        size_t fill = 16 - state->buffered;
        memcpy(state->buffer + state->buffered, p, fill);
        for (int lane = 0; lane < 4; lane++) state->v[lane] = round32(state->v[lane], read32(state->buffer + 4 * lane));
        p += fill;
        state->buffered = 0;
    }
    uint32_t v0 = state->v[0], v1 = state->v[1], v2 = state->v[2], v3 = state->v[3];
    while (end - p >= 16) {
        v0 = round32(v0, read32(p));
        v1 = round32(v1, read32(p + 4));
        v2 = round32(v2, read32(p + 8));
        v3 = round32(v3, read32(p + 12));
        p += 16;
    }
    state->v[0] = v0; state->v[1] = v1; state->v[2] = v2; state->v[3] = v3;
    if (p < end) {
        memcpy(state->buffer, p, (size_t)(end - p));
        state->buffered = (uint32_t)(end - p);
    }
}

uint32_t nn_xxh32_digest(const nn_xxh32_state *state) {
    uint32_t h;
    if (state->total >= 16) {
        h = rotl32(state->v[0], 1) + rotl32(state->v[1], 7) + rotl32(state->v[2], 12) + rotl32(state->v[3], 18);
    } else {
        h = state->seed + P5;
    }
    h += (uint32_t)state->total;
    const uint8_t *p = state->buffer;
    const uint8_t *end = p + state->buffered;
    while (end - p >= 4) {
        h += read32(p) * P3;
        h = rotl32(h, 17) * P4;
        p += 4;
    }
    while (p < end) {
        h += (*p) * P5;
        h = rotl32(h, 11) * P1;
        p++;
    }
    h ^= h >> 15;
    h *= P2;
    h ^= h >> 13;
    h *= P3;
    h ^= h >> 16;
    return h;
}

uint32_t nn_xxh32(const void *data, size_t length, uint32_t seed) {
    nn_xxh32_state state;
    nn_xxh32_reset(&state, seed);
    nn_xxh32_update(&state, data, length);
    return nn_xxh32_digest(&state);
}
