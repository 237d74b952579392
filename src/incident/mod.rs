//! Incidents: the four kinds of emergency with their response deadlines, automatic actions and
//! escalation chains, the record of every action, and the recovery checklist.
//!
//! [`declare`] opens an incident and runs its actions in the same call. "Halt trading" latches
//! [`Reason::Halted`](crate::compliance::Reason::Halted) in the compliance engine before any
//! alert is queued, so the EA's verdict turns to "close all" whether or not a notification is
//! ever delivered, and the latch is part of the engine state that survives a restart.

mod book;
mod config;
mod react;
mod response;
mod watch;

pub use book::{
    ActionRecord, ChecklistItem, Incident, IncidentBook, IncidentError, IncidentState,
    IncidentStatus, Outcome,
};
pub use config::{AutoAction, IncidentConfig, IncidentKind, Phase, PhaseTemplate, Policy};
pub use react::{react_to_event, react_to_health};
pub use response::{declare, Declared, Responders};
pub use watch::{Watch, WatchConfig, WatchState, WatchStateRef, WATCH_STATE_VERSION};
