/*
 * Replays one trading day with a daily-loss breach through the mikrobot C ABI and checks every
 * verdict, then sends signals through the queue and reads the latency summaries. Exits 0 when every check passes, 1 otherwise.
 *
 * Linked build (Linux), from the crate root after `cargo build` has written
 * target/debug/libmikrobot.so:
 *   gcc -std=c11 -Wall -Wextra -Werror -Iinclude examples/c/replay_day.c \
 *       -Ltarget/debug -lmikrobot -o replay_day
 *   LD_LIBRARY_PATH=target/debug ./replay_day STATE_DIR
 * The loader does not search target/debug by itself, so without LD_LIBRARY_PATH (or
 * -Wl,-rpath) the program stops with "cannot open shared object file".
 * Loader build (Windows, the way MT5 loads the DLL): add -DMB_LOAD_LIBRARY and build with
 * x86_64-w64-mingw32-gcc; the program then finds mikrobot.dll with LoadLibraryW and every
 * function with GetProcAddress.
 */
#include "example_support.h"

/* The functions the replay calls, resolved once. */
typedef struct {
    __typeof__(mb_abi_version) *abi_version;
    __typeof__(mb_abi_check) *abi_check;
    __typeof__(mb_guard_open_utf16) *open_utf16;
    __typeof__(mb_guard_close) *close;
    __typeof__(mb_guard_history_begin) *history_begin;
    __typeof__(mb_guard_history_add_utf16) *history_add_utf16;
    __typeof__(mb_guard_history_end) *history_end;
    __typeof__(mb_guard_feed_snapshot) *feed_snapshot;
    __typeof__(mb_guard_feed_deal_utf16) *feed_deal_utf16;
    __typeof__(mb_guard_feed_deal_utf8) *feed_deal_utf8;
    __typeof__(mb_guard_check_order_utf16) *check_order_utf16;
    __typeof__(mb_guard_decision) *decision;
    __typeof__(mb_guard_rules) *rules;
    __typeof__(mb_guard_xpws_utf16) *xpws_utf16;
    __typeof__(mb_guard_poll_event_utf16) *poll_event_utf16;
    __typeof__(mb_last_error_utf8) *last_error_utf8;
    __typeof__(mb_reason_describe_utf8) *reason_describe_utf8;
    __typeof__(mb_signal_push_utf16) *signal_push_utf16;
    __typeof__(mb_signal_pop_utf8) *signal_pop_utf8;
    __typeof__(mb_latency_record) *latency_record;
    __typeof__(mb_latency_summary) *latency_summary;
} Api;

/* ENUM_DEAL_TYPE values the replay uses. */
enum { DEAL_BUY = 0, DEAL_SELL = 1, DEAL_BALANCE = 2 };

static int load_api(Api *api) {
    if (!open_library()) {
        return 0;
    }
    RESOLVE(abi_version, mb_abi_version);
    RESOLVE(abi_check, mb_abi_check);
    RESOLVE(open_utf16, mb_guard_open_utf16);
    RESOLVE(close, mb_guard_close);
    RESOLVE(history_begin, mb_guard_history_begin);
    RESOLVE(history_add_utf16, mb_guard_history_add_utf16);
    RESOLVE(history_end, mb_guard_history_end);
    RESOLVE(feed_snapshot, mb_guard_feed_snapshot);
    RESOLVE(feed_deal_utf16, mb_guard_feed_deal_utf16);
    RESOLVE(feed_deal_utf8, mb_guard_feed_deal_utf8);
    RESOLVE(check_order_utf16, mb_guard_check_order_utf16);
    RESOLVE(decision, mb_guard_decision);
    RESOLVE(rules, mb_guard_rules);
    RESOLVE(xpws_utf16, mb_guard_xpws_utf16);
    RESOLVE(poll_event_utf16, mb_guard_poll_event_utf16);
    RESOLVE(last_error_utf8, mb_last_error_utf8);
    RESOLVE(reason_describe_utf8, mb_reason_describe_utf8);
    RESOLVE(signal_push_utf16, mb_signal_push_utf16);
    RESOLVE(signal_pop_utf8, mb_signal_pop_utf8);
    RESOLVE(latency_record, mb_latency_record);
    RESOLVE(latency_summary, mb_latency_summary);
    return 1;
}

/* Server wall-clock time in milliseconds since 1970, as MT5 counts it. */
static int64_t server_ms(int year, int month, int day, int hour, int minute, int second) {
    /* Days from 1970-01-01 to the civil date (Howard Hinnant's algorithm). */
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return ((days * 24 + hour) * 60 + minute) * 60000 + (int64_t)second * 1000;
}

static void print_last_error(const Api *api, const char *call, MbStatus status) {
    char message[MB_LAST_ERROR_CAPACITY];
    uint32_t needed = 0;
    api->last_error_utf8(message, sizeof message, &needed);
    fprintf(stderr, "%s returned status %d: %s\n", call, (int)status, message);
}

#define CALL_OK(call)                                 \
    do {                                              \
        MbStatus status_ = (call);                    \
        if (status_ != MB_STATUS_OK) {                \
            print_last_error(api, #call, status_);    \
            failures++;                               \
        }                                             \
    } while (0)

static MbDecision snapshot(const Api *api, MbHandle handle, int64_t time_ms, double balance,
                           double equity, int32_t positions) {
    MbSnapshot input = {
        .time_ms = time_ms,
        .balance = balance,
        .equity = equity,
        .margin = positions * 1100.0,
        .free_margin = equity - positions * 1100.0,
        .connected = 1,
        .open_positions = positions,
    };
    MbDecision decision = {0};
    CALL_OK(api->feed_snapshot(handle, &input, &decision));
    return decision;
}

static MbPreTrade check_order(const Api *api, MbHandle handle, int64_t time_ms, double volume) {
    MbOrderIntent intent = {
        .time_ms = time_ms,
        .volume = volume,
        .entry_price = 1.08000,
        .stop_loss = 1.07500,
        .tick_size = 0.00001,
        .tick_value = 1.0,
        .commission_per_lot = 7.0,
        .side = 0,
    };
    MbPreTrade result = {0};
    CALL_OK(api->check_order_utf16(handle, &intent, u"EURUSD", &result));
    return result;
}

static MbDeal trade_deal(int64_t time_ms, uint64_t ticket, int32_t type, int32_t entry,
                         double profit) {
    MbDeal deal = {
        .time_ms = time_ms,
        .ticket = ticket,
        .position_id = 500,
        .order = ticket,
        .magic = 42,
        .volume = 1.0,
        .price = entry == 0 ? 1.08000 : 1.02907,
        .profit = profit,
        .commission = entry == 0 ? -7.0 : 0.0,
        .deal_type = type,
        .entry = entry,
    };
    return deal;
}

static MbHandle open_guard(const Api *api, const char16_t *state_dir) {
    static const char16_t config[] =
        u"schema_version = 1\n"
        u"[server]\n"
        u"clock = \"ny+7\"\n"
        u"[rules]\n"
        u"preset = \"ftmo-2step\"\n"
        u"initial_capital = 100000.0\n";
    MbAbi abi = current_abi();
    MbHandle handle = 0;
    CHECK(api->abi_version() == MB_ABI_VERSION);
    CALL_OK(api->abi_check(&abi));
    CALL_OK(api->open_utf16(&abi, config, state_dir, &handle));
    CHECK(handle != 0);
    return handle;
}

/* Loads the history: the initial deposit the day before. */
static void load_history(const Api *api, MbHandle handle) {
    int64_t opened = server_ms(2025, 3, 3, 10, 0, 0);
    MbDeal deposit = {.time_ms = opened, .ticket = 1, .profit = 100000.0, .deal_type = DEAL_BALANCE};
    MbDecision decision = {0};
    CALL_OK(api->history_begin(handle, opened, opened));
    CALL_OK(api->history_add_utf16(handle, &deposit, u"", u"deposit"));
    CALL_OK(api->history_end(handle, server_ms(2025, 3, 4, 9, 0, 0), 100000.0, 100000.0, 0,
                             &decision));
    CHECK(decision.verdict == MB_VERDICT_MAY_TRADE);
}

/* Opens one position and lets equity fall through the warning, the buffer and the floor. */
static void trade_into_breach(const Api *api, MbHandle handle) {
    MbDecision decision = snapshot(api, handle, server_ms(2025, 3, 4, 9, 0, 1), 1e5, 1e5, 0);
    CHECK(decision.verdict == MB_VERDICT_MAY_TRADE);

    MbPreTrade small = check_order(api, handle, server_ms(2025, 3, 4, 9, 0, 2), 1.0);
    CHECK(small.allowed == 1);
    CHECK(small.max_volume >= 1.0);
    MbPreTrade large = check_order(api, handle, server_ms(2025, 3, 4, 9, 0, 2), 10.0);
    CHECK(large.allowed == 0);
    CHECK(large.reason != 0);
    CHECK(large.max_volume < 10.0);

    MbDeal in = trade_deal(server_ms(2025, 3, 4, 9, 0, 3), 100, DEAL_BUY, 0, 0.0);
    CALL_OK(api->feed_deal_utf16(handle, &in, u"EURUSD", u"mikrobot entry", &decision));
    CHECK(decision.verdict == MB_VERDICT_MAY_TRADE);

    decision = snapshot(api, handle, server_ms(2025, 3, 4, 10, 0, 0), 99993.0, 98000.0, 1);
    CHECK(decision.verdict == MB_VERDICT_MAY_TRADE);
    decision = snapshot(api, handle, server_ms(2025, 3, 4, 11, 0, 0), 99993.0, 96000.0, 1);
    CHECK(decision.verdict == MB_VERDICT_MAY_TRADE);
    decision = snapshot(api, handle, server_ms(2025, 3, 4, 12, 0, 0), 99993.0, 95400.0, 1);
    CHECK(decision.verdict == MB_VERDICT_CLOSE_ALL);
    CHECK(decision.reason == MB_REASON_DAILY_LOSS_BUFFER);
    decision = snapshot(api, handle, server_ms(2025, 3, 4, 12, 0, 5), 99993.0, 94900.0, 1);
    CHECK(decision.verdict == MB_VERDICT_CLOSE_ALL);
    CHECK(decision.reason == MB_REASON_DAILY_LOSS_BREACHED);

    MbDeal out = trade_deal(server_ms(2025, 3, 4, 12, 0, 6), 101, DEAL_SELL, 1, -5093.0);
    CALL_OK(api->feed_deal_utf8(handle, &out, "EURUSD", NULL, &decision));
    CHECK(decision.verdict == MB_VERDICT_CLOSE_ALL);
    decision = snapshot(api, handle, server_ms(2025, 3, 4, 12, 0, 7), 94900.0, 94900.0, 0);
    CHECK(decision.verdict == MB_VERDICT_CLOSE_ALL);
    CHECK(decision.reason == MB_REASON_DAILY_LOSS_BREACHED);
    MbPreTrade after = check_order(api, handle, server_ms(2025, 3, 4, 12, 0, 8), 0.1);
    CHECK(after.allowed == 0);
    CHECK(after.max_volume == 0.0);
}

/* Reads back the latched breach, the rule reports, the events and the XPWS mode. */
static void check_aftermath(const Api *api, MbHandle handle) {
    MbDecision decision = {0};
    CALL_OK(api->decision(handle, &decision));
    CHECK(decision.verdict == MB_VERDICT_CLOSE_ALL);
    CHECK(decision.time_ms == server_ms(2025, 3, 4, 12, 0, 7));

    MbRuleReport reports[8];
    uint32_t count = 0;
    CALL_OK(api->rules(handle, reports, 8, &count));
    CHECK(count >= 2);
    int found_daily = 0;
    for (uint32_t i = 0; i < count && i < 8; i++) {
        if (reports[i].rule != MB_RULE_DAILY_LOSS) {
            continue;
        }
        found_daily = 1;
        CHECK(reports[i].status == MB_RULE_STATUS_BREACHED);
        CHECK(reports[i].has_breach == 1);
        CHECK(reports[i].floor == 95000.0);
        CHECK(reports[i].breach_equity == 94900.0);
        CHECK(reports[i].breach_time_ms == server_ms(2025, 3, 4, 12, 0, 5));
    }
    CHECK(found_daily);
    CHECK(api->rules(handle, reports, 1, &count) == MB_STATUS_BUFFER_TOO_SMALL);

    int breaches = 0;
    for (int polls = 0; polls < 64; polls++) {
        MbEvent event = {0};
        uint16_t message[256];
        uint32_t needed = 0;
        int32_t written = 0;
        CALL_OK(api->poll_event_utf16(handle, &event, message, 256, &needed, &written));
        if (!written) {
            break;
        }
        CHECK(needed > 1);
        if (event.kind == MB_EVENT_BREACHED) {
            breaches++;
            CHECK(event.rule == MB_RULE_DAILY_LOSS);
            CHECK(event.priority == MB_PRIORITY_CRITICAL);
            CHECK(event.equity == 94900.0);
        }
    }
    CHECK(breaches == 1);

    int32_t mode = -1;
    double ratio = 0.0;
    CALL_OK(api->xpws_utf16(handle, u"EURUSD", &mode, &ratio));
    CHECK(mode == MB_XPWS_NORMAL);
    CHECK(ratio == 1.0);

    char sentence[512];
    uint32_t needed = 0;
    CALL_OK(api->reason_describe_utf8(decision.reason, sentence, sizeof sentence, &needed));
    CHECK(strstr(sentence, "daily loss") != NULL);
}

/* Sends three signals through the queue, times each hop, and reads the latency summaries. */
static void exercise_signals(const Api *api, MbHandle handle) {
    int64_t now = server_ms(2025, 3, 4, 12, 1, 0);
    const int32_t priorities[3] = {0, 2, 0};
    for (uint64_t id = 1; id <= 3; id++) {
        MbSignal signal = {
            .id = id,
            .time_ms = now,
            .created_us = 1000 * (int64_t)id,
            .volume = 0.1 * (double)id,
            .price = 1.08,
            .stop_loss = 1.075,
            .side = (int32_t)(id & 1),
            .priority = priorities[id - 1],
        };
        CALL_OK(api->signal_push_utf16(handle, &signal, u"EURUSD"));
    }
    MbSignal bad = {.id = 4, .time_ms = now, .volume = 0.1, .priority = 9};
    CHECK(api->signal_push_utf16(handle, &bad, u"EURUSD") == MB_STATUS_INVALID_ARGUMENT);

    /* The priority-2 signal comes first, then the two priority-0 ones in the order sent. */
    const uint64_t expected[3] = {2, 1, 3};
    for (int i = 0; i < 3; i++) {
        MbSignal taken = {0};
        char symbol[MB_SYMBOL_CAPACITY];
        uint32_t needed = 0;
        CALL_OK(api->signal_pop_utf8(handle, &taken, symbol, sizeof symbol, &needed));
        CHECK(taken.id == expected[i]);
        CHECK(taken.time_ms == now);
        CHECK(taken.created_us == 1000 * (int64_t)expected[i]);
        CHECK(strcmp(symbol, "EURUSD") == 0);
        CHECK(needed == 7);
        CALL_OK(api->latency_record(handle, MB_STAGE_SIGNAL, 40000.0 * (i + 1), now));
        CALL_OK(api->latency_record(handle, MB_STAGE_EXECUTION, 90000.0 + i, now));
    }
    MbSignal none = {0};
    char symbol[MB_SYMBOL_CAPACITY];
    uint32_t needed = 0;
    CHECK(api->signal_pop_utf8(handle, &none, symbol, sizeof symbol, &needed) ==
          MB_STATUS_QUEUE_EMPTY);
    CHECK(api->latency_record(handle, MB_STAGE_SIGNAL, -1.0, now) == MB_STATUS_INVALID_ARGUMENT);

    MbLatencySummary cumulative = {0};
    MbLatencySummary window = {0};
    CALL_OK(api->latency_summary(handle, MB_STAGE_SIGNAL, now, &cumulative, &window));
    CHECK(cumulative.count == 3);
    CHECK(window.count == 3);
    CHECK(window.window == 1);
    CHECK(window.max_us == 120000);
    CHECK(window.p50_us >= 80000);
    CHECK(window.p50_us <= 80080);
    CHECK(window.target_us == 50000);
    CHECK(window.under_target_share > 0.33);
    CHECK(window.under_target_share < 0.34);
    CALL_OK(api->latency_summary(handle, MB_STAGE_EXECUTION, now, &cumulative, &window));
    CHECK(cumulative.count == 3);
    CHECK(cumulative.under_target_share == 1.0);
    CHECK(cumulative.mean_us == 90001.0);
}

int main(int argc, char **argv) {
    Api api_table;
    const Api *api = &api_table;
    if (!load_api(&api_table)) {
        return 1;
    }
    char16_t state_dir[512] = u"mikrobot-state";
    state_dir_argument(argc, argv, state_dir, 512);
    MbHandle handle = open_guard(api, state_dir);
    load_history(api, handle);
    trade_into_breach(api, handle);
    check_aftermath(api, handle);
    exercise_signals(api, handle);

    MbDecision decision = {0};
    CHECK(api->feed_snapshot(handle, NULL, &decision) == MB_STATUS_NULL_POINTER);
    char message[MB_LAST_ERROR_CAPACITY];
    uint32_t needed = 0;
    CALL_OK(api->last_error_utf8(message, sizeof message, &needed));
    CHECK(strstr(message, "snapshot") != NULL);
    CALL_OK(api->close(handle));
    CHECK(api->close(handle) == MB_STATUS_INVALID_HANDLE);
    CHECK(api->decision(handle, &decision) == MB_STATUS_INVALID_HANDLE);

    if (failures > 0) {
        fprintf(stderr, "replay_day: %d checks failed\n", failures);
        return 1;
    }
    printf("replay_day: every check passed\n");
    return 0;
}
