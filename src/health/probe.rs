//! Reading the system vitals with targeted refreshes only.
//!
//! Memory comes from sysinfo's memory refresh on every platform. Elsewhere than Windows, CPU
//! comes from sysinfo's CPU-usage refresh, the disk from sysinfo's entry for the volume that holds
//! the state directory, and this process from sysinfo's refresh of its own pid.
//!
//! On Windows sysinfo's CPU-usage refresh calls `pdh.dll!PdhEnumObjectsW`, which Wine implements
//! as a stub that aborts the process, and its disk list is empty under Wine; its process refresh
//! walks every process. So on Windows the probe reads CPU times with `GetSystemTimes`, disk space
//! with `GetDiskFreeSpaceExW` and this process with `K32GetProcessMemoryInfo` and
//! `GetProcessIoCounters`, all of which Wine implements, and never calls sysinfo's CPU refresh.

use super::vitals::{Reading, UnknownReason};
use std::path::{Path, PathBuf};
use sysinfo::{MemoryRefreshKind, System};

/// One sample of the raw metrics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawSample {
    /// CPU use of the machine since the previous sample, percent.
    pub cpu_percent: Reading,
    /// Memory in use, percent.
    pub memory_percent: Reading,
    /// Space in use on the state volume, percent.
    pub disk_percent: Reading,
    /// Resident memory of this process, bytes.
    pub process_memory_bytes: Reading,
    /// Bytes this process wrote since the previous sample.
    pub process_written_bytes: Reading,
}

/// The probe: the sysinfo handles and the previous counters, owned by the sampler thread.
#[derive(Debug)]
pub struct Probe {
    /// `None` when sysinfo could not start on this platform.
    system: Option<System>,
    platform: platform::PlatformProbe,
}

impl Probe {
    /// Prepares a probe for the volume that contains `state_dir`. Takes no sample yet.
    pub fn new(state_dir: &Path) -> Probe {
        let system = System::new().ok();
        let state_dir = state_dir
            .canonicalize()
            .unwrap_or_else(|_| state_dir.to_path_buf());
        Probe {
            system,
            platform: platform::PlatformProbe::new(state_dir),
        }
    }

    /// Takes one sample.
    pub fn refresh(&mut self) -> RawSample {
        let Some(system) = self.system.as_mut() else {
            let unknown = Reading::Unknown(UnknownReason::NotSupported);
            return RawSample {
                cpu_percent: unknown,
                memory_percent: unknown,
                disk_percent: self.platform.disk(),
                process_memory_bytes: unknown,
                process_written_bytes: unknown,
            };
        };
        system.refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
        let memory_percent = percent_used(system.total_memory(), system.available_memory());
        let (process_memory_bytes, process_written_bytes) = self.platform.process(system);
        RawSample {
            cpu_percent: self.platform.cpu(system),
            memory_percent,
            disk_percent: self.platform.disk(),
            process_memory_bytes,
            process_written_bytes,
        }
    }
}

/// Share of `total` not in `available`, percent; unknown when `total` is zero.
fn percent_used(total: u64, available: u64) -> Reading {
    if total == 0 {
        return Reading::Unknown(UnknownReason::ReadFailed);
    }
    let used = total.saturating_sub(available);
    Reading::Known(used as f64 * 100.0 / total as f64)
}

#[cfg(not(windows))]
mod platform {
    use super::*;
    use sysinfo::{DiskRefreshKind, Disks, ProcessRefreshKind, ProcessesToUpdate};

    #[derive(Debug)]
    pub(super) struct PlatformProbe {
        disks: Option<Disks>,
        disk_index: Option<usize>,
        pid: Option<sysinfo::Pid>,
        cpu_primed: bool,
    }

    impl PlatformProbe {
        pub(super) fn new(state_dir: PathBuf) -> Self {
            let disks =
                Disks::new_with_refreshed_list_specifics(DiskRefreshKind::nothing().with_storage())
                    .ok();
            // The volume is the one whose mount point is the longest prefix of the directory.
            let disk_index = disks
                .iter()
                .flat_map(|disks| disks.iter())
                .enumerate()
                .filter(|(_, disk)| state_dir.starts_with(disk.mount_point()))
                .max_by_key(|(_, disk)| disk.mount_point().as_os_str().len())
                .map(|(i, _)| i);
            PlatformProbe {
                disks,
                disk_index,
                pid: sysinfo::get_current_pid().ok(),
                cpu_primed: false,
            }
        }

        pub(super) fn cpu(&mut self, system: &mut System) -> Reading {
            system.refresh_cpu_usage();
            if !self.cpu_primed {
                self.cpu_primed = true;
                return Reading::Unknown(UnknownReason::NeedsSecondSample);
            }
            Reading::Known(f64::from(system.global_cpu_usage()))
        }

        pub(super) fn disk(&mut self) -> Reading {
            let Some(index) = self.disk_index else {
                return Reading::Unknown(UnknownReason::DiskNotFound);
            };
            let disk = self.disks.as_mut().and_then(|disks| disks.get_mut(index));
            let Some(disk) = disk else {
                return Reading::Unknown(UnknownReason::DiskNotFound);
            };
            if !disk.refresh_specifics(DiskRefreshKind::nothing().with_storage()) {
                return Reading::Unknown(UnknownReason::ReadFailed);
            }
            percent_used(disk.total_space(), disk.available_space())
        }

        pub(super) fn process(&mut self, system: &mut System) -> (Reading, Reading) {
            let Some(pid) = self.pid else {
                let unknown = Reading::Unknown(UnknownReason::ProcessNotFound);
                return (unknown, unknown);
            };
            let kind = ProcessRefreshKind::nothing()
                .with_memory()
                .with_disk_usage();
            system.refresh_processes_specifics(ProcessesToUpdate::Some(&[pid]), false, kind);
            match system.process(pid) {
                Some(process) => (
                    Reading::Known(process.memory() as f64),
                    Reading::Known(process.disk_usage().written_bytes as f64),
                ),
                None => {
                    let unknown = Reading::Unknown(UnknownReason::ProcessNotFound);
                    (unknown, unknown)
                }
            }
        }
    }
}

#[cfg(windows)]
mod platform {
    use super::*;
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::Foundation::FILETIME;
    use windows_sys::Win32::Storage::FileSystem::GetDiskFreeSpaceExW;
    use windows_sys::Win32::System::ProcessStatus::{
        K32GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS,
    };
    use windows_sys::Win32::System::Threading::{
        GetCurrentProcess, GetProcessIoCounters, GetSystemTimes, IO_COUNTERS,
    };

    #[derive(Debug)]
    pub(super) struct PlatformProbe {
        /// The state directory as a NUL-terminated UTF-16 string.
        state_dir: Vec<u16>,
        /// Idle and busy (kernel + user) 100 ns ticks at the previous sample.
        cpu_ticks: Option<(u64, u64)>,
        /// Bytes written at the previous sample.
        written: Option<u64>,
    }

    fn ticks(time: FILETIME) -> u64 {
        (u64::from(time.dwHighDateTime) << 32) | u64::from(time.dwLowDateTime)
    }

    impl PlatformProbe {
        pub(super) fn new(state_dir: PathBuf) -> Self {
            let state_dir = state_dir
                .as_os_str()
                .encode_wide()
                .chain(std::iter::once(0))
                .collect();
            PlatformProbe {
                state_dir,
                cpu_ticks: None,
                written: None,
            }
        }

        pub(super) fn cpu(&mut self, _system: &mut System) -> Reading {
            let zero = FILETIME {
                dwLowDateTime: 0,
                dwHighDateTime: 0,
            };
            let (mut idle, mut kernel, mut user) = (zero, zero, zero);
            // SAFETY: the three pointers are to live, writable FILETIME values on this stack.
            let ok = unsafe { GetSystemTimes(&mut idle, &mut kernel, &mut user) };
            if ok == 0 {
                return Reading::Unknown(UnknownReason::ReadFailed);
            }
            // Kernel time includes idle time.
            let now = (ticks(idle), ticks(kernel) + ticks(user));
            let Some(before) = self.cpu_ticks.replace(now) else {
                return Reading::Unknown(UnknownReason::NeedsSecondSample);
            };
            let total = now.1.saturating_sub(before.1);
            let idle = now.0.saturating_sub(before.0);
            if total == 0 {
                return Reading::Unknown(UnknownReason::NeedsSecondSample);
            }
            let busy = total.saturating_sub(idle);
            Reading::Known(busy as f64 * 100.0 / total as f64)
        }

        pub(super) fn disk(&mut self) -> Reading {
            let (mut caller_free, mut total, mut free) = (0u64, 0u64, 0u64);
            // SAFETY: `state_dir` is a NUL-terminated UTF-16 string that outlives the call, and
            // the three out pointers are to live u64 values on this stack.
            let ok = unsafe {
                GetDiskFreeSpaceExW(
                    self.state_dir.as_ptr(),
                    &mut caller_free,
                    &mut total,
                    &mut free,
                )
            };
            if ok == 0 {
                return Reading::Unknown(UnknownReason::ReadFailed);
            }
            percent_used(total, free)
        }

        pub(super) fn process(&mut self, _system: &mut System) -> (Reading, Reading) {
            // SAFETY: GetCurrentProcess returns a pseudo-handle that needs no closing.
            let process = unsafe { GetCurrentProcess() };
            // SAFETY: PROCESS_MEMORY_COUNTERS is plain data, so all zeroes is a valid value.
            let mut counters: PROCESS_MEMORY_COUNTERS = unsafe { std::mem::zeroed() };
            let size = std::mem::size_of::<PROCESS_MEMORY_COUNTERS>() as u32;
            counters.cb = size;
            // SAFETY: `counters` is live and writable and `size` is its size in bytes.
            let memory = if unsafe { K32GetProcessMemoryInfo(process, &mut counters, size) } != 0 {
                Reading::Known(counters.WorkingSetSize as f64)
            } else {
                Reading::Unknown(UnknownReason::ReadFailed)
            };
            // SAFETY: IO_COUNTERS is plain data, so all zeroes is a valid value.
            let mut io: IO_COUNTERS = unsafe { std::mem::zeroed() };
            // SAFETY: `io` is live and writable.
            let written = if unsafe { GetProcessIoCounters(process, &mut io) } != 0 {
                match self.written.replace(io.WriteTransferCount) {
                    Some(before) => {
                        Reading::Known(io.WriteTransferCount.saturating_sub(before) as f64)
                    }
                    None => Reading::Unknown(UnknownReason::NeedsSecondSample),
                }
            } else {
                Reading::Unknown(UnknownReason::ReadFailed)
            };
            (memory, written)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_reads_memory_and_process() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut probe = Probe::new(dir.path());
        let first = probe.refresh();
        let memory = first.memory_percent.value().expect("memory is known");
        assert!((0.0..=100.0).contains(&memory), "memory {memory}");
        let rss = first
            .process_memory_bytes
            .value()
            .expect("process memory is known");
        assert!(rss > 0.0, "process memory {rss}");
    }

    #[test]
    fn probe_cpu_needs_two_samples() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut probe = Probe::new(dir.path());
        let first = probe.refresh();
        assert_eq!(
            first.cpu_percent,
            Reading::Unknown(UnknownReason::NeedsSecondSample)
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
        let cpu = probe.refresh().cpu_percent.value().expect("cpu is known");
        assert!((0.0..=100.0).contains(&cpu), "cpu {cpu}");
    }

    #[test]
    fn percent_used_of_zero_total_is_unknown() {
        assert_eq!(
            percent_used(0, 0),
            Reading::Unknown(UnknownReason::ReadFailed)
        );
        assert_eq!(percent_used(200, 50), Reading::Known(75.0));
    }
}
