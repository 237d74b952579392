//! The structs and codes of the watch exports: the alert outbox, the health checks, the vitals
//! and the incidents. They follow the layout rules of [`super::abi`]: 8-byte fields first and a
//! size that is a multiple of 8, so C and packed MQL5 agree.

/// `MbOutboxItem.channel`: the terminal's `Alert` box.
pub const MB_CHANNEL_SCREEN: i32 = 0;
/// `MbOutboxItem.channel`: an MT5 push notification (`SendNotification`).
pub const MB_CHANNEL_PUSH: i32 = 1;
/// `MbOutboxItem.channel`: email (`SendMail`).
pub const MB_CHANNEL_EMAIL: i32 = 2;
/// `MbOutboxItem.channel`: SMS through a gateway reached with `WebRequest`.
pub const MB_CHANNEL_SMS: i32 = 3;
/// `MbOutboxItem.channel`: an HTTP POST of the item's text, which is JSON (`WebRequest`).
pub const MB_CHANNEL_WEBHOOK: i32 = 4;
/// Channel mask of `mb_guard_outbox_poll` with every channel; bit `1 << MB_CHANNEL_*` selects
/// one channel.
pub const MB_CHANNELS_ALL: u32 = 0x1F;

/// Text part of an outbox item: the subject line (email) or title.
pub const MB_OUTBOX_SUBJECT: i32 = 0;
/// Text part of an outbox item: the text to deliver.
pub const MB_OUTBOX_TEXT: i32 = 1;
/// Text part of an outbox item: the recipients, one per line (`\n` between them), empty for
/// the screen and push channels.
pub const MB_OUTBOX_RECIPIENTS: i32 = 2;

/// Outcome of `mb_guard_outbox_ack`: delivered and removed from the outbox.
pub const MB_DELIVERY_DELIVERED: i32 = 0;
/// Outcome of `mb_guard_outbox_ack`: failed, and offered again at `retry_at_ms`.
pub const MB_DELIVERY_RETRY: i32 = 1;
/// Outcome of `mb_guard_outbox_ack`: failed too often and given up (never a CRITICAL item).
pub const MB_DELIVERY_GIVEN_UP: i32 = 2;
/// Outcome of `mb_guard_outbox_ack`: no item has the id (already acknowledged, or given up).
pub const MB_DELIVERY_UNKNOWN_ITEM: i32 = 3;

/// Health level: inside every level.
pub const MB_HEALTH_OK: i32 = 0;
/// Health level: past the warning level.
pub const MB_HEALTH_WARNING: i32 = 1;
/// Health level: the metric could not be read, so its state is not known.
pub const MB_HEALTH_UNKNOWN: i32 = 2;
/// Health level: past the critical level.
pub const MB_HEALTH_CRITICAL: i32 = 3;

/// `MbHealthCheck.check`: CPU use of the machine, percent.
pub const MB_CHECK_CPU: i32 = 0;
/// `MbHealthCheck.check`: memory use of the machine, percent.
pub const MB_CHECK_MEMORY: i32 = 1;
/// `MbHealthCheck.check`: use of the volume that contains the state directory, percent.
pub const MB_CHECK_DISK: i32 = 2;
/// `MbHealthCheck.check`: share of time connected to the trade server, percent.
pub const MB_CHECK_CONNECTIVITY: i32 = 3;
/// `MbHealthCheck.check`: signal latency, milliseconds.
pub const MB_CHECK_SIGNAL_LATENCY: i32 = 4;
/// `MbHealthCheck.check`: share of orders that executed, percent.
pub const MB_CHECK_EXECUTION_SUCCESS: i32 = 5;
/// `MbHealthCheck.check`: number of breached compliance rules.
pub const MB_CHECK_COMPLIANCE: i32 = 6;
/// `MbHealthCheck.check`: share of the daily loss limit used, percent.
pub const MB_CHECK_DAILY_LIMIT_USED: i32 = 7;
/// Number of health checks `mb_guard_health` writes.
pub const MB_CHECK_COUNT: u32 = 8;

/// Reason code of a reading: the value is known.
pub const MB_UNKNOWN_NONE: i32 = 0;
/// Reason code of a reading: the sampler has not taken a sample yet.
pub const MB_UNKNOWN_NOT_SAMPLED_YET: i32 = 1;
/// Reason code of a reading: the metric is a rate and needs a second sample.
pub const MB_UNKNOWN_NEEDS_SECOND_SAMPLE: i32 = 2;
/// Reason code of a reading: this platform has no safe way to read the metric.
pub const MB_UNKNOWN_NOT_SUPPORTED: i32 = 3;
/// Reason code of a reading: no mounted volume contains the state directory.
pub const MB_UNKNOWN_DISK_NOT_FOUND: i32 = 4;
/// Reason code of a reading: the operating system call failed.
pub const MB_UNKNOWN_READ_FAILED: i32 = 5;
/// Reason code of a reading: this process was not found in the process table.
pub const MB_UNKNOWN_PROCESS_NOT_FOUND: i32 = 6;

/// `MbIncident.kind`: the library, the terminal or the machine failed.
pub const MB_INCIDENT_SYSTEM_FAILURE: i32 = 0;
/// `MbIncident.kind`: trading stopped working.
pub const MB_INCIDENT_TRADING_INTERRUPTION: i32 = 1;
/// `MbIncident.kind`: a prop-firm rule was breached.
pub const MB_INCIDENT_COMPLIANCE_VIOLATION: i32 = 2;
/// `MbIncident.kind`: unexpected access or tampering.
pub const MB_INCIDENT_SECURITY: i32 = 3;

/// `MbIncident.status`: open, with no response yet.
pub const MB_INCIDENT_STATUS_OPEN: i32 = 0;
/// `MbIncident.status`: someone responded.
pub const MB_INCIDENT_STATUS_RESPONDED: i32 = 1;

/// Recovery checklist phase: 0 to 5 minutes, find out what happened.
pub const MB_PHASE_ASSESS: i32 = 0;
/// Recovery checklist phase: 5 to 15 minutes, contain it.
pub const MB_PHASE_RESPOND: i32 = 1;
/// Recovery checklist phase: 15 to 60 minutes, restore normal operation.
pub const MB_PHASE_RECOVER: i32 = 2;
/// Recovery checklist phase: 1 to 24 hours, learn from it.
pub const MB_PHASE_REVIEW: i32 = 3;

/// One notification waiting for delivery; its subject, text and recipients come from
/// `mb_guard_outbox_text_utf16` with its `id`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MbOutboxItem {
    /// Identifier to fetch the texts and to acknowledge the delivery with.
    pub id: u64,
    /// The alert to acknowledge or resolve with `mb_guard_alert_*`, or 0 for a digest of
    /// several alerts.
    pub alert_id: u64,
    /// Server time in milliseconds the item was queued.
    pub created_ms: i64,
    /// `MB_CHANNEL_*`: how to deliver it.
    pub channel: i32,
    /// `MB_PRIORITY_*` of the alert (the highest one, for a digest).
    pub priority: i32,
    /// Delivery attempts that failed so far.
    pub attempts: i32,
    /// Number of recipients.
    pub recipients: i32,
}

/// The overall health and the latest vitals sample it took in.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MbHealth {
    /// Server time in milliseconds of the latest vitals sample, or 0 before the first.
    pub vitals_time_ms: i64,
    /// Samples the vitals sampler has taken since the guard opened.
    pub vitals_samples: u64,
    /// `MB_HEALTH_*`: the worst confirmed level of any check.
    pub overall: i32,
    /// Number of checks, `MB_CHECK_COUNT`.
    pub checks: i32,
    /// 1 when the vitals sampler thread runs, else 0 (CPU, memory and disk then stay unknown).
    pub sampler: i32,
    /// Always 0; keeps the size a multiple of 8.
    pub reserved: i32,
}

/// One health check: its confirmed level and its latest value.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MbHealthCheck {
    /// The latest value in the check's unit, or NaN when it is unknown (see `unknown`).
    pub value: f64,
    /// `MB_CHECK_*`.
    pub check: i32,
    /// `MB_HEALTH_*`: the confirmed level.
    pub level: i32,
    /// `MB_UNKNOWN_*`: 0 when `value` is known, else why it is not.
    pub unknown: i32,
    /// 1 when the latest sample disagrees with the level and waits for confirmation.
    pub soft: i32,
    /// 1 while flap suppression keeps the check's changes quiet.
    pub flapping: i32,
    /// Always 0; keeps the size a multiple of 8.
    pub reserved: i32,
}

/// The latest system vitals, as the sampler thread published them. Each value is NaN when it
/// is unknown, and its `*_unknown` field gives the `MB_UNKNOWN_*` reason.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MbVitals {
    /// Server time in milliseconds of the sample, or 0 before the first.
    pub time_ms: i64,
    /// Samples taken since the sampler started.
    pub samples: u64,
    /// CPU use of the whole machine since the previous sample, percent.
    pub cpu_percent: f64,
    /// Average of the recent CPU samples, percent.
    pub cpu_average_percent: f64,
    /// Memory in use on the machine, percent of physical memory.
    pub memory_percent: f64,
    /// Space in use on the volume that contains the state directory, percent.
    pub disk_percent: f64,
    /// Resident memory (working set) of this process, bytes.
    pub process_memory_bytes: f64,
    /// Bytes this process wrote to disk per second since the previous sample.
    pub process_disk_write_bytes_per_s: f64,
    /// `MB_UNKNOWN_*` of `cpu_percent`.
    pub cpu_unknown: i32,
    /// `MB_UNKNOWN_*` of `cpu_average_percent`.
    pub cpu_average_unknown: i32,
    /// `MB_UNKNOWN_*` of `memory_percent`.
    pub memory_unknown: i32,
    /// `MB_UNKNOWN_*` of `disk_percent`.
    pub disk_unknown: i32,
    /// `MB_UNKNOWN_*` of `process_memory_bytes`.
    pub process_memory_unknown: i32,
    /// `MB_UNKNOWN_*` of `process_disk_write_bytes_per_s`.
    pub process_disk_write_unknown: i32,
}

/// One open incident; its summary and checklist items come from `mb_guard_incident_*`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MbIncident {
    /// Identifier.
    pub id: u64,
    /// Server time in milliseconds it opened.
    pub opened_ms: i64,
    /// Server time in milliseconds by which someone must respond.
    pub respond_by_ms: i64,
    /// Server time in milliseconds someone responded, or 0.
    pub responded_ms: i64,
    /// The alert that notifies its escalation chain, or 0 before one is queued.
    pub alert_id: u64,
    /// `MB_INCIDENT_*` kind.
    pub kind: i32,
    /// `MB_INCIDENT_STATUS_*`.
    pub status: i32,
    /// 1 when the response deadline passed without a response.
    pub deadline_missed: i32,
    /// 1 when log rotation keeps the logs of its day.
    pub preserve_logs: i32,
    /// Items in its recovery checklist.
    pub checklist_items: i32,
    /// Checklist items ticked off.
    pub checklist_done: i32,
    /// Actions recorded, with their results.
    pub actions: i32,
    /// Always 0; keeps the size a multiple of 8.
    pub reserved: i32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::Channel;
    use crate::health::{Check, UnknownReason, CHECKS};
    use crate::incident::{IncidentKind, IncidentStatus, Phase};
    use std::mem::size_of;

    #[test]
    fn struct_sizes_have_no_padding() {
        assert_eq!(size_of::<MbOutboxItem>(), 3 * 8 + 4 * 4);
        assert_eq!(size_of::<MbHealth>(), 2 * 8 + 4 * 4);
        assert_eq!(size_of::<MbHealthCheck>(), 8 + 6 * 4);
        assert_eq!(size_of::<MbVitals>(), 8 * 8 + 6 * 4);
        assert_eq!(size_of::<MbIncident>(), 5 * 8 + 8 * 4);
    }

    #[test]
    fn channel_codes_match_enum() {
        let codes = [
            MB_CHANNEL_SCREEN,
            MB_CHANNEL_PUSH,
            MB_CHANNEL_EMAIL,
            MB_CHANNEL_SMS,
            MB_CHANNEL_WEBHOOK,
        ];
        assert_eq!(Channel::ALL.len(), codes.len());
        for (channel, code) in Channel::ALL.iter().zip(codes) {
            assert_eq!(*channel as i32, code, "{}", channel.as_str());
        }
        assert_eq!(MB_CHANNELS_ALL, (1 << Channel::ALL.len()) - 1);
    }

    #[test]
    fn check_codes_match_enum() {
        let codes = [
            (Check::Cpu, MB_CHECK_CPU),
            (Check::Memory, MB_CHECK_MEMORY),
            (Check::Disk, MB_CHECK_DISK),
            (Check::Connectivity, MB_CHECK_CONNECTIVITY),
            (Check::SignalLatency, MB_CHECK_SIGNAL_LATENCY),
            (Check::ExecutionSuccess, MB_CHECK_EXECUTION_SUCCESS),
            (Check::Compliance, MB_CHECK_COMPLIANCE),
            (Check::DailyLimitUsed, MB_CHECK_DAILY_LIMIT_USED),
        ];
        assert_eq!(CHECKS.len() as u32, MB_CHECK_COUNT);
        for (check, code) in codes {
            assert_eq!(check as i32, code, "{}", check.as_str());
        }
    }

    #[test]
    fn unknown_codes_match_enum() {
        let codes = [
            (UnknownReason::NotSampledYet, MB_UNKNOWN_NOT_SAMPLED_YET),
            (
                UnknownReason::NeedsSecondSample,
                MB_UNKNOWN_NEEDS_SECOND_SAMPLE,
            ),
            (UnknownReason::NotSupported, MB_UNKNOWN_NOT_SUPPORTED),
            (UnknownReason::DiskNotFound, MB_UNKNOWN_DISK_NOT_FOUND),
            (UnknownReason::ReadFailed, MB_UNKNOWN_READ_FAILED),
            (UnknownReason::ProcessNotFound, MB_UNKNOWN_PROCESS_NOT_FOUND),
        ];
        for (reason, code) in codes {
            assert_eq!(reason as i32, code, "{reason:?}");
            assert_ne!(code, MB_UNKNOWN_NONE);
        }
    }

    #[test]
    fn incident_codes_match_enums() {
        let kinds = [
            MB_INCIDENT_SYSTEM_FAILURE,
            MB_INCIDENT_TRADING_INTERRUPTION,
            MB_INCIDENT_COMPLIANCE_VIOLATION,
            MB_INCIDENT_SECURITY,
        ];
        for (kind, code) in IncidentKind::ALL.iter().zip(kinds) {
            assert_eq!(*kind as i32, code, "{}", kind.as_str());
        }
        assert_eq!(IncidentStatus::Open as i32, MB_INCIDENT_STATUS_OPEN);
        assert_eq!(
            IncidentStatus::Responded as i32,
            MB_INCIDENT_STATUS_RESPONDED
        );
        let phases = [
            (Phase::Assess, MB_PHASE_ASSESS),
            (Phase::Respond, MB_PHASE_RESPOND),
            (Phase::Recover, MB_PHASE_RECOVER),
            (Phase::Review, MB_PHASE_REVIEW),
        ];
        for (phase, code) in phases {
            assert_eq!(phase as i32, code, "{}", phase.as_str());
        }
    }
}
