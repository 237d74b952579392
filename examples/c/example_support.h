/*
 * Shared by the C example programs: the check counter, the function loader for the linked and
 * the LoadLibrary builds, the caller's ABI description and the state directory argument.
 * Each program is one translation unit, so the static definitions here are its own.
 */
#ifndef MIKROBOT_EXAMPLE_SUPPORT_H
#define MIKROBOT_EXAMPLE_SUPPORT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <uchar.h>

#include "mikrobot.h"

#ifdef MB_LOAD_LIBRARY
#include <windows.h>
#endif

/* Checks that failed so far; the program exits 1 when any did. */
static int failures = 0;

#define CHECK(condition)                                                                  \
    do {                                                                                  \
        if (!(condition)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
            failures++;                                                                   \
        }                                                                                 \
    } while (0)

#ifdef MB_LOAD_LIBRARY
/* mikrobot.dll, loaded once by open_library. */
static HMODULE library = NULL;

static int open_library(void) {
    library = LoadLibraryW(L"mikrobot.dll");
    if (library == NULL) {
        fprintf(stderr, "LoadLibraryW(mikrobot.dll) failed: error %lu\n", GetLastError());
        return 0;
    }
    return 1;
}

/* Resolves one export into api->field; returns 0 from the calling function when missing. */
#define RESOLVE(field, symbol)                                        \
    do {                                                              \
        FARPROC address = GetProcAddress(library, #symbol);           \
        if (address == NULL) {                                        \
            fprintf(stderr, "GetProcAddress(%s) failed\n", #symbol); \
            return 0;                                                 \
        }                                                             \
        memcpy(&api->field, &address, sizeof address);                \
    } while (0)
#else
static int open_library(void) { return 1; }

#define RESOLVE(field, symbol) api->field = symbol
#endif

/* The ABI version and struct sizes this program was compiled with. */
static MbAbi current_abi(void) {
    MbAbi abi = {
        .abi_version = MB_ABI_VERSION,
        .snapshot_size = sizeof(MbSnapshot),
        .deal_size = sizeof(MbDeal),
        .order_intent_size = sizeof(MbOrderIntent),
        .decision_size = sizeof(MbDecision),
        .pre_trade_size = sizeof(MbPreTrade),
        .rule_report_size = sizeof(MbRuleReport),
        .event_size = sizeof(MbEvent),
        .signal_size = sizeof(MbSignal),
        .latency_summary_size = sizeof(MbLatencySummary),
        .outbox_item_size = sizeof(MbOutboxItem),
        .health_size = sizeof(MbHealth),
        .health_check_size = sizeof(MbHealthCheck),
        .vitals_size = sizeof(MbVitals),
        .incident_size = sizeof(MbIncident),
        .backup_info_size = sizeof(MbBackupInfo),
        .maintenance_status_size = sizeof(MbMaintenanceStatus),
    };
    return abi;
}

/* Copies the first argument (ASCII) into state_dir as UTF-16, or keeps its default text. */
static void state_dir_argument(int argc, char **argv, char16_t *state_dir, size_t capacity) {
    if (argc < 2) {
        return;
    }
    size_t i = 0;
    for (; argv[1][i] != '\0' && i + 1 < capacity; i++) {
        state_dir[i] = (char16_t)(unsigned char)argv[1][i];
    }
    state_dir[i] = 0;
}

#endif
