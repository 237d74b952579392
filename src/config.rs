//! The top-level configuration: one TOML document with a schema version, the broker's server
//! clock, the rule set and one section per subsystem.
//!
//! Every section has defaults, so an empty section (or a missing one) is valid, and unknown keys
//! are rejected so that a misspelt setting fails at open instead of being ignored. The `[rules]`
//! section may name a `preset` (`ftmo-2step`, `ftmo-1step`) with its `initial_capital`; the
//! other keys of the section then override the preset's values.
//!
//! ```
//! let config = mikrobot::config::Config::from_toml_str(
//!     "schema_version = 1\n\
//!      [server]\nclock = \"ny+7\"\n\
//!      [rules]\npreset = \"ftmo-2step\"\ninitial_capital = 50000.0\n\
//!      [rules.safety]\nbuffer_percent = 1.0\n",
//! )
//! .unwrap();
//! assert_eq!(config.rules.initial_capital, 50_000.0);
//! assert!(config.rules.daily_loss.is_some());
//! assert_eq!(config.rules.safety.buffer_percent, 1.0);
//! ```

use crate::compliance::RuleSet;
use crate::time::ServerClock;
use serde::{Deserialize, Serialize};

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Error for a configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The text is not TOML, or a key or value does not fit the schema.
    #[error("invalid configuration TOML: {0}")]
    Toml(String),
    /// The document was written for another schema version.
    #[error(
        "configuration schema_version is {found}, but this build reads version {supported}; \
         migrate the file or install the matching mikrobot build"
    )]
    SchemaVersion {
        /// Version in the document.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// The rule set is invalid.
    #[error("invalid [rules] section: {0}")]
    Rules(#[from] crate::compliance::ConfigError),
    /// The `[maintenance]` schedule is invalid.
    #[error("invalid [maintenance] section: {0}")]
    Maintenance(#[from] crate::maintenance::ScheduleError),
    /// A value in the `[store]`, `[backup]`, `[logs]`, `[queue]` or `[latency]` section is
    /// invalid.
    #[error("invalid [{section}] section: {problem}")]
    Section {
        /// The section.
        section: &'static str,
        /// What is wrong, naming the field and the accepted values.
        problem: String,
    },
    /// The `[rules]` section names a preset this build does not have, or no capital for it.
    #[error("[rules] preset {name:?} {problem}")]
    Preset {
        /// The preset name.
        name: String,
        /// The problem, with its fix.
        problem: &'static str,
    },
    /// A health threshold or interval is invalid.
    #[error("invalid [health] section: {0}")]
    Health(#[from] crate::health::ThresholdError),
    /// An alert interval or rate is invalid.
    #[error("invalid [alerts] section: {0}")]
    Alerts(#[from] crate::alerts::AlertConfigError),
}

/// The broker's side: how its server clock relates to UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// The clock MT5 shows as server time: `ny+7` (default) or an IANA zone name. Every time
    /// the C ABI receives is in this clock.
    pub clock: ServerClock,
}

/// The whole configuration of one guarded account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Schema version of the document; must be [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The broker's server clock.
    #[serde(default)]
    pub server: ServerConfig,
    /// The prop firm's rules (FTMO 2-Step with 100,000 initial capital by default).
    #[serde(default)]
    pub rules: RuleSet,
    /// The maintenance schedule, in the firm's zone.
    #[serde(default)]
    pub maintenance: crate::maintenance::MaintenanceConfig,
    /// The journal and state store.
    #[serde(default)]
    pub store: crate::store::StoreConfig,
    /// Backup schedule, retention and contents.
    #[serde(default)]
    pub backup: crate::backup::BackupConfig,
    /// Log directories, their rotation and the library's own log.
    #[serde(default)]
    pub logs: crate::janitor::LogsConfig,
    /// Capacity and priority levels of the signal queue.
    #[serde(default)]
    pub queue: crate::queue::QueueConfig,
    /// Latency targets and the recent window.
    #[serde(default)]
    pub latency: crate::latency::LatencyConfig,
    /// Health checks, their thresholds and the vitals sampler.
    #[serde(default)]
    pub health: crate::health::HealthConfig,
    /// Alert escalation, channels, rate limits and delivery.
    #[serde(default)]
    pub alerts: crate::alerts::AlertConfig,
    /// The people in each role that alerts and incidents notify.
    #[serde(default)]
    pub contacts: crate::alerts::ContactsConfig,
    /// Incident policies and the recovery checklist.
    #[serde(default)]
    pub incidents: crate::incident::IncidentConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            schema_version: SCHEMA_VERSION,
            server: ServerConfig::default(),
            rules: RuleSet::default(),
            maintenance: crate::maintenance::MaintenanceConfig::default(),
            store: crate::store::StoreConfig::default(),
            backup: crate::backup::BackupConfig::default(),
            logs: crate::janitor::LogsConfig::default(),
            queue: crate::queue::QueueConfig::default(),
            latency: crate::latency::LatencyConfig::default(),
            health: Default::default(),
            alerts: Default::default(),
            contacts: Default::default(),
            incidents: Default::default(),
        }
    }
}

impl Config {
    /// Parses a configuration document and validates every section.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Toml`] for text that does not parse or an unknown key,
    /// [`ConfigError::SchemaVersion`] for another schema version, and [`ConfigError::Rules`]
    /// for an invalid rule set.
    pub fn from_toml_str(text: &str) -> Result<Config, ConfigError> {
        let mut table: toml::Table = text.parse().map_err(toml_error)?;
        if let Some(toml::Value::Table(rules)) = table.get_mut("rules") {
            expand_preset(rules)?;
        }
        let config: Config = toml::Value::Table(table).try_into().map_err(toml_error)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the schema version and every section.
    ///
    /// # Errors
    ///
    /// As [`Config::from_toml_str`], without the parse errors.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(ConfigError::SchemaVersion {
                found: self.schema_version,
                supported: SCHEMA_VERSION,
            });
        }
        self.rules.validate()?;
        self.maintenance.validate()?;
        let sections = [
            ("store", self.store.validate()),
            ("backup", self.backup.validate()),
            ("logs", self.logs.validate()),
            (
                "queue",
                self.queue.validate().map_err(|error| error.to_string()),
            ),
            (
                "latency",
                self.latency.validate().map_err(|error| error.to_string()),
            ),
        ];
        for (section, result) in sections {
            result.map_err(|problem| ConfigError::Section { section, problem })?;
        }
        self.health.validate()?;
        self.alerts.validate()?;
        Ok(())
    }

    /// The sections the health, alert and incident watch reads.
    pub fn watch_config(&self) -> crate::incident::WatchConfig {
        crate::incident::WatchConfig {
            health: self.health.clone(),
            alerts: self.alerts.clone(),
            contacts: self.contacts.clone(),
            incidents: self.incidents.clone(),
        }
    }

    /// Writes the configuration as TOML.
    pub fn to_toml_string(&self) -> String {
        // Every field is a number, string, table or option of those, so serialising cannot fail.
        toml::to_string(self).unwrap_or_default()
    }
}

fn toml_error(error: impl std::fmt::Display) -> ConfigError {
    ConfigError::Toml(error.to_string().trim_end().replace('\n', " "))
}

/// Replaces a `preset` key of the rules table with the preset's values, under the table's own.
fn expand_preset(rules: &mut toml::Table) -> Result<(), ConfigError> {
    let Some(preset) = rules.remove("preset") else {
        return Ok(());
    };
    let name = preset.as_str().unwrap_or_default().to_owned();
    let capital = match rules.get("initial_capital") {
        Some(toml::Value::Float(value)) => *value,
        Some(toml::Value::Integer(value)) => *value as f64,
        _ => {
            return Err(ConfigError::Preset {
                name,
                problem: "needs initial_capital in the same section; add it",
            })
        }
    };
    let base = RuleSet::preset(&name, capital).ok_or_else(|| ConfigError::Preset {
        name: name.clone(),
        problem: "is unknown; use ftmo-2step or ftmo-1step, or spell the rules out",
    })?;
    let mut merged = toml::Table::try_from(base).map_err(toml_error)?;
    overlay(&mut merged, std::mem::take(rules));
    *rules = merged;
    Ok(())
}

/// Writes every key of `top` over `base`, merging nested tables key by key.
fn overlay(base: &mut toml::Table, top: toml::Table) {
    for (key, value) in top {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(top_inner)) => {
                overlay(inner, top_inner);
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_config_uses_defaults() {
        let config = Config::from_toml_str("schema_version = 1\n").unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn config_round_trips_through_toml() {
        let mut config = Config::default();
        config.server.clock = "Europe/Athens".parse().unwrap();
        config.rules.initial_capital = 25_000.0;
        let text = config.to_toml_string();
        assert_eq!(Config::from_toml_str(&text).unwrap(), config);
    }

    #[test]
    fn other_schema_version_is_rejected() {
        let error = Config::from_toml_str("schema_version = 2\n").unwrap_err();
        assert_eq!(
            error,
            ConfigError::SchemaVersion {
                found: 2,
                supported: 1
            }
        );
    }

    #[test]
    fn missing_schema_version_is_rejected() {
        let error = Config::from_toml_str("[server]\nclock = \"ny+7\"\n").unwrap_err();
        assert!(error.to_string().contains("schema_version"), "{error}");
    }

    #[test]
    fn unknown_key_is_rejected() {
        let error = Config::from_toml_str("schema_version = 1\n[server]\nclok = \"ny+7\"\n");
        assert!(error.unwrap_err().to_string().contains("clok"));
    }

    #[test]
    fn unknown_server_clock_is_rejected() {
        let error = Config::from_toml_str("schema_version = 1\n[server]\nclock = \"Mars/Base\"\n");
        assert!(error.unwrap_err().to_string().contains("Mars/Base"));
    }

    #[test]
    fn preset_expands_with_overrides() {
        let text =
            "schema_version = 1\n[rules]\npreset = \"ftmo-1step\"\ninitial_capital = 10000\n\
                    [rules.risk]\nmax_open_positions = 2\n";
        let config = Config::from_toml_str(text).unwrap();
        let mut expected = RuleSet::ftmo_1step(10_000.0);
        expected.risk.max_open_positions = 2;
        assert_eq!(config.rules, expected);
    }

    #[test]
    fn unknown_preset_is_rejected() {
        let text = "schema_version = 1\n[rules]\npreset = \"acme\"\ninitial_capital = 1.0\n";
        let error = Config::from_toml_str(text).unwrap_err();
        assert!(error.to_string().contains("\"acme\" is unknown"), "{error}");
        let text = "schema_version = 1\n[rules]\npreset = \"ftmo-2step\"\n";
        let error = Config::from_toml_str(text).unwrap_err();
        assert!(
            error.to_string().contains("needs initial_capital"),
            "{error}"
        );
    }

    #[test]
    fn invalid_rules_are_rejected() {
        let text = "schema_version = 1\n[rules]\npreset = \"ftmo-2step\"\ninitial_capital = -5.0\n";
        let error = Config::from_toml_str(text);
        assert!(matches!(error, Err(ConfigError::Rules(_))), "{error:?}");
    }
}
