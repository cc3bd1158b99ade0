/*
 * cpubench: the CPU benchmark's workload. A deterministic integer compute load
 * (CRC32, sorting, matrix multiply, a branchy bytecode interpreter) that prints one
 * checksum per kernel and a combined checksum.
 *
 * The same source builds in two flavours:
 *   - the XINIM one (guest/bin/cpubench), linked with the guest C library;
 *   - a Linux-ABI one (bench/workloads/cpubench-linux.elf, -DCPUBENCH_LINUX), freestanding,
 *     so qemu-riscv32 can run it as the reference the emulator is measured against.
 * It therefore uses no libc at all: only its own output routine, which is the one
 * place the flavours differ. Every byte of output and every instruction retired is a
 * function of CPUBENCH_SCALE alone.
 */
#include <stdint.h>

#ifndef CPUBENCH_SCALE
/* Work units; 1 unit is about 4.4 million guest instructions (see guest/ABI.md). */
#define CPUBENCH_SCALE 64
#endif

#ifdef CPUBENCH_LINUX
static long sys_linux(long nr, long a0, long a1, long a2)
{
    register long r_a0 __asm__("a0") = a0;
    register long r_a1 __asm__("a1") = a1;
    register long r_a2 __asm__("a2") = a2;
    register long r_a7 __asm__("a7") = nr;
    __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a7) : "memory");
    return r_a0;
}
static void out(const char *s, unsigned n) { sys_linux(64, 1, (long)s, (long)n); }

int main(int argc, char **argv);

/* Linux's initial stack: sp -> argc, argv[0..argc-1], NULL, envp..., NULL, auxv. */
__attribute__((noreturn, used)) static void linux_entry(long *sp)
{
    long status = main((int)sp[0], (char **)(sp + 1));
    sys_linux(93, status, 0, 0);
    for (;;) {
    }
}

__attribute__((naked, noreturn, section(".text.start"))) void _start(void)
{
    __asm__ volatile(
        ".option push\n.option norelax\n"
        "la gp, __global_pointer$\n"
        ".option pop\n"
        "mv a0, sp\n"
        "andi sp, sp, -16\n"
        "j linux_entry\n");
}
#else
#include <unistd.h>
static void out(const char *s, unsigned n) { (void)write(1, s, n); }
#endif

/* ---- output helpers (shared by both flavours, so both print the same bytes) ---- */

static unsigned slen(const char *s)
{
    unsigned n = 0;
    while (s[n]) n++;
    return n;
}

static void puts_(const char *s) { out(s, slen(s)); }

static void put_line(const char *label, uint32_t v)
{
    static const char hex[] = "0123456789abcdef";
    char buf[40];
    unsigned n = 0;
    while (*label && n < 20) buf[n++] = *label++;
    buf[n++] = ' ';
    buf[n++] = '0';
    buf[n++] = 'x';
    for (int i = 7; i >= 0; i--) buf[n++] = hex[(v >> (i * 4)) & 15];
    buf[n++] = '\n';
    out(buf, n);
}

static void put_dec(const char *label, uint32_t v)
{
    char buf[40];
    char tmp[12];
    unsigned n = 0, t = 0;
    while (*label && n < 20) buf[n++] = *label++;
    buf[n++] = ' ';
    do { tmp[t++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (t) buf[n++] = tmp[--t];
    buf[n++] = '\n';
    out(buf, n);
}

/* ---- deterministic pseudo-random source ---- */

static uint32_t rng_state;

static uint32_t xorshift32(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

/* ---- 1. CRC32 (IEEE, reflected, table driven) ---- */

#define CRC_BUF 16384
static uint32_t crc_table[256];
static uint8_t crc_buf[CRC_BUF];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const uint8_t *p, unsigned n)
{
    uint32_t c = 0xffffffffu;
    for (unsigned i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

__attribute__((noinline)) static uint32_t bench_crc(unsigned units)
{
    uint32_t acc = 0;
    for (unsigned i = 0; i < CRC_BUF; i += 4) {
        uint32_t r = xorshift32();
        crc_buf[i] = (uint8_t)r;
        crc_buf[i + 1] = (uint8_t)(r >> 8);
        crc_buf[i + 2] = (uint8_t)(r >> 16);
        crc_buf[i + 3] = (uint8_t)(r >> 24);
    }
    for (unsigned u = 0; u < units; u++) {
        /* Perturb one byte per pass so no pass is a repeat of the previous one. */
        crc_buf[(u * 2654435761u) % CRC_BUF] ^= (uint8_t)(u + 1);
        acc = (acc << 1 | acc >> 31) ^ crc32(crc_buf, CRC_BUF);
    }
    return acc;
}

/* ---- 2. sorting (quicksort with insertion sort for short runs) ---- */

#define SORT_N 2048
static int32_t sort_a[SORT_N];

static void insertion_sort(int32_t *a, int lo, int hi)
{
    for (int i = lo + 1; i <= hi; i++) {
        int32_t v = a[i];
        int j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void quicksort(int32_t *a, int lo, int hi)
{
    while (hi - lo > 16) {
        int mid = lo + (hi - lo) / 2;
        /* median of three */
        if (a[mid] < a[lo]) { int32_t t = a[mid]; a[mid] = a[lo]; a[lo] = t; }
        if (a[hi] < a[lo]) { int32_t t = a[hi]; a[hi] = a[lo]; a[lo] = t; }
        if (a[hi] < a[mid]) { int32_t t = a[hi]; a[hi] = a[mid]; a[mid] = t; }
        int32_t pivot = a[mid];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                int32_t t = a[i]; a[i] = a[j]; a[j] = t;
                i++;
                j--;
            }
        }
        /* Recurse into the smaller half, loop on the larger: bounded stack depth. */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

static int sort_failed;

__attribute__((noinline)) static uint32_t bench_sort(unsigned units)
{
    uint32_t acc = 0;
    for (unsigned u = 0; u < units; u++) {
        for (int i = 0; i < SORT_N; i++) sort_a[i] = (int32_t)(xorshift32() >> 8) - (1 << 23);
        quicksort(sort_a, 0, SORT_N - 1);
        for (int i = 1; i < SORT_N; i++)
            if (sort_a[i - 1] > sort_a[i]) sort_failed = 1;
        uint32_t h = 0;
        for (int i = 0; i < SORT_N; i += 7) h = h * 31u + (uint32_t)sort_a[i];
        acc ^= h + u;
    }
    return acc;
}

/* ---- 3. integer matrix multiply ---- */

#define MAT_N 40
static int32_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];

__attribute__((noinline)) static uint32_t bench_matmul(unsigned units)
{
    uint32_t acc = 0;
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] = (int32_t)(xorshift32() & 0xff) - 128;
            mat_b[i][j] = (int32_t)(xorshift32() & 0xff) - 128;
        }
    for (unsigned u = 0; u < units; u++) {
        for (int i = 0; i < MAT_N; i++)
            for (int j = 0; j < MAT_N; j++) {
                int32_t s = 0;
                for (int k = 0; k < MAT_N; k++) s += mat_a[i][k] * mat_b[k][j];
                mat_c[i][j] = s;
            }
        uint32_t h = 0;
        for (int i = 0; i < MAT_N; i++)
            for (int j = 0; j < MAT_N; j++) h = (h ^ (uint32_t)mat_c[i][j]) * 16777619u;
        acc += h;
        /* Feed the result back so successive multiplications differ. */
        mat_a[u % MAT_N][(u / MAT_N) % MAT_N] = (int32_t)(h & 0xff) - 128;
    }
    return acc;
}

/* ---- 4. a branchy bytecode interpreter ---- */

enum op {
    OP_LI,    /* r[a] = imm */
    OP_MOV,   /* r[a] = r[b] */
    OP_ADD,   /* r[a] = r[b] + r[c] */
    OP_ADDI,  /* r[a] = r[b] + imm */
    OP_SUB,   /* r[a] = r[b] - r[c] */
    OP_MUL,   /* r[a] = r[b] * r[c] */
    OP_AND,   /* r[a] = r[b] & imm */
    OP_SHR,   /* r[a] = r[b] >> imm */
    OP_XOR,   /* r[a] = r[b] ^ r[c] */
    OP_BEQZ,  /* if r[a] == 0 goto imm */
    OP_BNEZ,  /* if r[a] != 0 goto imm */
    OP_BLT,   /* if r[a] < r[b] goto imm */
    OP_JMP,   /* goto imm */
    OP_HALT,
};

struct insn {
    uint8_t op, a, b, c;
    int32_t imm;
};

/*
 * The program: sum over n in [r1, r2) of the Collatz step count of n, mixed into a hash.
 *   r1 = n, r2 = end, r3 = x, r4 = steps, r5 = hash, r6 = tmp, r7 = const 3
 */
static const struct insn collatz_prog[] = {
    /* 0 */ {OP_LI, 7, 0, 0, 3},
    /* 1 */ {OP_BLT, 1, 2, 0, 3},      /* while n < end */
    /* 2 */ {OP_HALT, 0, 0, 0, 0},
    /* 3 */ {OP_MOV, 3, 1, 0, 0},      /* x = n */
    /* 4 */ {OP_LI, 4, 0, 0, 0},       /* steps = 0 */
    /* 5 */ {OP_ADDI, 6, 3, 0, -1},    /* tmp = x - 1 */
    /* 6 */ {OP_BEQZ, 6, 0, 0, 14},    /* if x == 1 done */
    /* 7 */ {OP_AND, 6, 3, 0, 1},      /* tmp = x & 1 */
    /* 8 */ {OP_BNEZ, 6, 0, 0, 11},
    /* 9 */ {OP_SHR, 3, 3, 0, 1},      /* x >>= 1 */
    /* 10 */ {OP_JMP, 0, 0, 0, 12},
    /* 11 */ {OP_MUL, 3, 3, 7, 0},     /* x = 3x */
    /* 12 */ {OP_ADDI, 4, 4, 0, 1},    /* steps++ (and x+1 below for odd) */
    /* 13 */ {OP_JMP, 0, 0, 0, 16},
    /* 14 */ {OP_XOR, 5, 5, 4, 0},     /* hash ^= steps */
    /* 15 */ {OP_JMP, 0, 0, 0, 19},
    /* 16 */ {OP_BEQZ, 6, 0, 0, 5},    /* even: next step */
    /* 17 */ {OP_ADDI, 3, 3, 0, 1},    /* odd: x = 3x + 1 */
    /* 18 */ {OP_JMP, 0, 0, 0, 5},
    /* 19 */ {OP_MUL, 5, 5, 7, 0},     /* hash *= 3 */
    /* 20 */ {OP_ADD, 5, 5, 4, 0},     /* hash += steps */
    /* 21 */ {OP_ADDI, 1, 1, 0, 1},    /* n++ */
    /* 22 */ {OP_JMP, 0, 0, 0, 1},
};

__attribute__((noinline)) static uint32_t interp(const struct insn *prog, uint32_t *r)
{
    uint32_t pc = 0, steps = 0;
    for (;;) {
        const struct insn *i = &prog[pc++];
        steps++;
        switch (i->op) {
        case OP_LI: r[i->a] = (uint32_t)i->imm; break;
        case OP_MOV: r[i->a] = r[i->b]; break;
        case OP_ADD: r[i->a] = r[i->b] + r[i->c]; break;
        case OP_ADDI: r[i->a] = r[i->b] + (uint32_t)i->imm; break;
        case OP_SUB: r[i->a] = r[i->b] - r[i->c]; break;
        case OP_MUL: r[i->a] = r[i->b] * r[i->c]; break;
        case OP_AND: r[i->a] = r[i->b] & (uint32_t)i->imm; break;
        case OP_SHR: r[i->a] = r[i->b] >> i->imm; break;
        case OP_XOR: r[i->a] = r[i->b] ^ r[i->c]; break;
        case OP_BEQZ: if (r[i->a] == 0) pc = (uint32_t)i->imm; break;
        case OP_BNEZ: if (r[i->a] != 0) pc = (uint32_t)i->imm; break;
        case OP_BLT: if (r[i->a] < r[i->b]) pc = (uint32_t)i->imm; break;
        case OP_JMP: pc = (uint32_t)i->imm; break;
        case OP_HALT: return steps;
        default: return 0;
        }
    }
}

__attribute__((noinline)) static uint32_t bench_interp(unsigned units)
{
    uint32_t acc = 0;
    for (unsigned u = 0; u < units; u++) {
        uint32_t r[8] = {0};
        /* Keep n small enough that no trajectory overflows 32 bits. */
        r[1] = 1 + (u * 100) % 90000;
        r[2] = r[1] + 100;
        uint32_t steps = interp(collatz_prog, r);
        acc = (acc * 33u) ^ r[5] ^ steps;
    }
    return acc;
}

/* An optional decimal argument overrides the compiled-in scale (0 when malformed). */
static unsigned parse_scale(int argc, char **argv)
{
    if (argc < 2) return CPUBENCH_SCALE;
    unsigned v = 0;
    for (const char *p = argv[1]; *p; p++) {
        if (*p < '0' || *p > '9' || v > 100000) return 0;
        v = v * 10 + (unsigned)(*p - '0');
    }
    return v;
}

int main(int argc, char **argv)
{
    unsigned scale = parse_scale(argc, argv);
    if (scale == 0) {
        puts_("usage: cpubench [scale 1..100000]\n");
        return 2;
    }
    rng_state = 0x2545f491u;
    crc_init();
    put_dec("cpubench scale", scale);
    uint32_t c = bench_crc(scale * 8);
    put_line("crc32", c);
    uint32_t s = bench_sort(scale * 6);
    put_line("sort", s);
    uint32_t m = bench_matmul(scale * 3);
    put_line("matmul", m);
    uint32_t i = bench_interp(scale);
    put_line("interp", i);
    uint32_t sum = c ^ (s * 3u) ^ (m * 5u) ^ (i * 7u);
    put_line("checksum", sum);
    if (sort_failed) {
        puts_("cpubench: FAIL (sort not ordered)\n");
        return 1;
    }
    puts_("cpubench: ok\n");
    return 0;
}
