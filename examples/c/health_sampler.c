/*
 * Opens a guard with the vitals sampler on at a 200 ms interval, waits for at least 5 samples,
 * and reads CPU and memory through the health exports: both must be known, in the vitals and in
 * the health checks. Prints the sample count and the values, and exits 0 when every check
 * passes, 1 otherwise. The Windows step runs it under Wine, where sysinfo's CPU refresh would
 * abort the process.
 *
 * Linked build (Linux), from the crate root after `cargo build`:
 *   gcc -std=c11 -Wall -Wextra -Werror -Iinclude examples/c/health_sampler.c \
 *       -Ltarget/debug -lmikrobot -o health_sampler
 *   LD_LIBRARY_PATH=target/debug ./health_sampler STATE_DIR
 * Loader build (Windows): add -DMB_LOAD_LIBRARY and build with x86_64-w64-mingw32-gcc; the
 * program then finds mikrobot.dll with LoadLibraryW and every function with GetProcAddress.
 */
#ifndef MB_LOAD_LIBRARY
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>

#include "example_support.h"

#ifndef MB_LOAD_LIBRARY
#include <time.h>
#endif

/* Samples to wait for, and the longest wait for them. */
enum { MIN_SAMPLES = 5, WAIT_LIMIT_MS = 30000, POLL_MS = 50 };

typedef struct {
    __typeof__(mb_guard_open_utf16) *open_utf16;
    __typeof__(mb_guard_close) *close;
    __typeof__(mb_guard_feed_time) *feed_time;
    __typeof__(mb_guard_vitals) *vitals;
    __typeof__(mb_guard_health) *health;
    __typeof__(mb_last_error_utf8) *last_error_utf8;
} Api;

static int load_api(Api *api) {
    if (!open_library()) {
        return 0;
    }
    RESOLVE(open_utf16, mb_guard_open_utf16);
    RESOLVE(close, mb_guard_close);
    RESOLVE(feed_time, mb_guard_feed_time);
    RESOLVE(vitals, mb_guard_vitals);
    RESOLVE(health, mb_guard_health);
    RESOLVE(last_error_utf8, mb_last_error_utf8);
    return 1;
}

static void sleep_ms(unsigned ms) {
#ifdef MB_LOAD_LIBRARY
    Sleep(ms);
#else
    struct timespec delay = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&delay, NULL);
#endif
}

static int call_ok(const Api *api, const char *call, MbStatus status) {
    if (status == MB_STATUS_OK) {
        return 1;
    }
    char message[MB_LAST_ERROR_CAPACITY];
    uint32_t needed = 0;
    api->last_error_utf8(message, sizeof message, &needed);
    fprintf(stderr, "%s returned status %d: %s\n", call, (int)status, message);
    failures++;
    return 0;
}

/* Polls the published vitals until MIN_SAMPLES are taken or the wait limit passes. */
static MbVitals wait_for_samples(const Api *api, MbHandle handle) {
    MbVitals vitals = {0};
    for (int waited = 0; waited <= WAIT_LIMIT_MS; waited += POLL_MS) {
        if (!call_ok(api, "mb_guard_vitals", api->vitals(handle, &vitals))) {
            break;
        }
        if (vitals.samples >= MIN_SAMPLES) {
            break;
        }
        sleep_ms(POLL_MS);
    }
    return vitals;
}

static void check_vitals(const MbVitals *vitals) {
    printf("vitals: %llu samples, cpu %.2f%% (unknown %d), memory %.2f%% (unknown %d), "
           "process memory %.0f bytes (unknown %d), disk %.2f%% (unknown %d)\n",
           (unsigned long long)vitals->samples, vitals->cpu_percent, vitals->cpu_unknown,
           vitals->memory_percent, vitals->memory_unknown, vitals->process_memory_bytes,
           vitals->process_memory_unknown, vitals->disk_percent, vitals->disk_unknown);
    CHECK(vitals->samples >= MIN_SAMPLES);
    CHECK(vitals->time_ms > 0);
    CHECK(vitals->cpu_unknown == MB_UNKNOWN_NONE);
    CHECK(vitals->cpu_percent >= 0.0);
    CHECK(vitals->cpu_percent <= 100.0);
    CHECK(vitals->memory_unknown == MB_UNKNOWN_NONE);
    CHECK(vitals->memory_percent > 0.0);
    CHECK(vitals->memory_percent <= 100.0);
    /* A metric that cannot be read is NaN with a reason, never 0 without one. */
    CHECK(vitals->disk_unknown == MB_UNKNOWN_NONE || isnan(vitals->disk_percent));
}

/* The checks take in the newest sample at the next engine call, here a timer tick. */
static void check_health(const Api *api, MbHandle handle) {
    MbDecision decision = {0};
    call_ok(api, "mb_guard_feed_time", api->feed_time(handle, 1741078800000LL, &decision));
    MbHealth health = {0};
    MbHealthCheck checks[MB_CHECK_COUNT];
    uint32_t count = 0;
    call_ok(api, "mb_guard_health",
            api->health(handle, &health, checks, MB_CHECK_COUNT, &count));
    CHECK(count == MB_CHECK_COUNT);
    CHECK(health.sampler == 1);
    CHECK(health.vitals_samples >= MIN_SAMPLES);
    const MbHealthCheck *cpu = &checks[MB_CHECK_CPU];
    const MbHealthCheck *memory = &checks[MB_CHECK_MEMORY];
    printf("health: overall level %d, cpu check %.2f (level %d, unknown %d), "
           "memory check %.2f (level %d, unknown %d)\n",
           health.overall, cpu->value, cpu->level, cpu->unknown, memory->value, memory->level,
           memory->unknown);
    CHECK(cpu->check == MB_CHECK_CPU);
    CHECK(cpu->unknown == MB_UNKNOWN_NONE);
    CHECK(!isnan(cpu->value));
    CHECK(memory->check == MB_CHECK_MEMORY);
    CHECK(memory->unknown == MB_UNKNOWN_NONE);
    CHECK(!isnan(memory->value));
}

int main(int argc, char **argv) {
    Api api_table;
    const Api *api = &api_table;
    if (!load_api(&api_table)) {
        return 1;
    }
    char16_t state_dir[512] = u"mikrobot-health-state";
    state_dir_argument(argc, argv, state_dir, 512);
    static const char16_t config[] =
        u"schema_version = 1\n"
        u"[health]\n"
        u"sampler = true\n"
        u"sample_interval_ms = 200\n";
    MbAbi abi = current_abi();
    MbHandle handle = 0;
    if (!call_ok(api, "mb_guard_open_utf16", api->open_utf16(&abi, config, state_dir, &handle))) {
        return 1;
    }
    MbVitals vitals = wait_for_samples(api, handle);
    check_vitals(&vitals);
    check_health(api, handle);
    call_ok(api, "mb_guard_close", api->close(handle));
    /* Reaching this line means the sampler never took the process down. */
    if (failures > 0) {
        fprintf(stderr, "health_sampler: %d checks failed\n", failures);
        return 1;
    }
    printf("health_sampler: every check passed; the process is alive after closing\n");
    return 0;
}
