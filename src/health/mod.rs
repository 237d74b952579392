//! Health checks: thresholds with hysteresis and confirmation, the system vitals sampler, the
//! trading-side checks, bottleneck rules and the optimisation targets.
//!
//! The sampler runs on its own thread and publishes [`Vitals`] that the tick path reads without a
//! lock. The [`HealthMonitor`] turns vitals and what the EA reports into one confirmed
//! [`Level`] per [`Check`]; the overall health is the worst of them.

mod bottleneck;
mod config;
mod monitor;
mod probe;
mod sampler;
mod threshold;
mod vitals;
mod window;

pub use bottleneck::{compare_targets, find_bottlenecks, Bottleneck, Performance, TargetCheck};
pub use config::{BottleneckConfig, HealthConfig, HealthThresholds, Targets};
pub use monitor::{
    Check, CheckChange, CheckReport, HealthMonitor, HealthReport, HealthState, CHECKS,
};
pub use probe::{Probe, RawSample};
pub use sampler::{SampleHistory, Sampler};
pub use threshold::{
    Band, Direction, FlapConfig, Level, Threshold, ThresholdError, ThresholdState, Transition,
};
pub use vitals::{PublishedVitals, Reading, UnknownReason, Vitals};
pub use window::{ConnectivityWindow, ExecutionWindow};
