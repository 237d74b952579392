//! A SQLite VFS that wraps the platform's default VFS and injects the armed fault
//! of [`super::fault`] at writes, syncs, reads, truncations, opens and deletes.
//!
//! It registers under [`fault::VFS_NAME`] the first time a store is opened with
//! that VFS, and changes nothing for stores opened with the default one.

use super::fault::{self, FaultKind, FaultPoint};
use rusqlite::ffi;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The wrapped VFS and ours, both alive for the rest of the process.
struct Registered {
    real: *mut ffi::sqlite3_vfs,
}

// SAFETY: the pointer is to SQLite's own default VFS, a static object that SQLite
// never frees and that is safe to use from any thread in the bundled (serialized)
// build.
unsafe impl Send for Registered {}
// SAFETY: as for `Send`; the pointer is only read.
unsafe impl Sync for Registered {}

static REGISTERED: OnceLock<Option<Registered>> = OnceLock::new();

/// The file object SQLite allocates for us: our header, then the wrapped VFS's own
/// file object right after it (`szOsFile` covers both).
#[repr(C)]
struct FaultFile {
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
    path: *mut PathBuf,
}

/// Registers the fault VFS when `name` is its name; other names are left to SQLite.
pub(super) fn register_if(name: &str) {
    if name != fault::VFS_NAME {
        return;
    }
    REGISTERED.get_or_init(register);
}

fn register() -> Option<Registered> {
    // SAFETY: `sqlite3_vfs_find(NULL)` returns the default VFS or NULL, and the
    // bundled SQLite initializes itself on this call.
    let real = unsafe { ffi::sqlite3_vfs_find(std::ptr::null()) };
    if real.is_null() {
        return None;
    }
    // SAFETY: `real` is a valid VFS object that lives for the whole process.
    let mut ours = unsafe { *real };
    ours.iVersion = ours.iVersion.min(2);
    ours.szOsFile += std::mem::size_of::<FaultFile>() as c_int;
    ours.pNext = std::ptr::null_mut();
    ours.zName = c"mikrobot-faults".as_ptr();
    ours.xOpen = Some(fault_open);
    ours.xDelete = Some(fault_delete);
    let ours = Box::leak(Box::new(ours));
    // SAFETY: `ours` is leaked, so it outlives every connection that uses it, and
    // registering a VFS that is not the default is thread-safe in SQLite.
    let rc = unsafe { ffi::sqlite3_vfs_register(ours, 0) };
    (rc == ffi::SQLITE_OK).then_some(Registered { real })
}

fn real_vfs() -> *mut ffi::sqlite3_vfs {
    REGISTERED
        .get()
        .and_then(Option::as_ref)
        .map_or(std::ptr::null_mut(), |registered| registered.real)
}

/// # Safety
///
/// `name` is NULL or a NUL-terminated string.
unsafe fn path_of(name: *const c_char) -> PathBuf {
    if name.is_null() {
        return PathBuf::new();
    }
    // SAFETY: SQLite passes a NUL-terminated file name, as the caller guarantees.
    let text = unsafe { CStr::from_ptr(name) };
    PathBuf::from(text.to_string_lossy().into_owned())
}

unsafe extern "C" fn fault_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let real = real_vfs();
    let ours = file.cast::<FaultFile>();
    // SAFETY: SQLite allocated `szOsFile` bytes at `file`, which is our header plus
    // the wrapped VFS's file object; writing the header and pointing past it stays
    // inside that allocation, and `name` is NULL or NUL-terminated.
    unsafe {
        (*ours).base.pMethods = std::ptr::null();
        (*ours).real = file
            .cast::<u8>()
            .add(std::mem::size_of::<FaultFile>())
            .cast();
        (*ours).path = std::ptr::null_mut();
        let path = path_of(name);
        if let Some(kind) = fault::check(FaultPoint::Create, &path) {
            return code_for(kind, FaultPoint::Create);
        }
        let Some(open) = (*real).xOpen else {
            return ffi::SQLITE_CANTOPEN;
        };
        let rc = open(real, name, (*ours).real, flags, out_flags);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        (*ours).path = Box::into_raw(Box::new(path));
        (*ours).base.pMethods = &METHODS;
        rc
    }
}

unsafe extern "C" fn fault_delete(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    sync_dir: c_int,
) -> c_int {
    let real = real_vfs();
    // SAFETY: `name` is a NUL-terminated string from SQLite, and `real` is the
    // default VFS, whose `xDelete` takes the same arguments.
    unsafe {
        if let Some(kind) = fault::check(FaultPoint::Remove, &path_of(name)) {
            return code_for(kind, FaultPoint::Remove);
        }
        match (*real).xDelete {
            Some(delete) => delete(real, name, sync_dir),
            None => ffi::SQLITE_IOERR_DELETE,
        }
    }
}

fn code_for(kind: FaultKind, point: FaultPoint) -> c_int {
    match (kind, point) {
        (FaultKind::DiskFull | FaultKind::ShortWrite, _) => ffi::SQLITE_FULL,
        (_, FaultPoint::Sync) => ffi::SQLITE_IOERR_FSYNC,
        (_, FaultPoint::Read) => ffi::SQLITE_IOERR_READ,
        (_, FaultPoint::Truncate) => ffi::SQLITE_IOERR_TRUNCATE,
        (_, FaultPoint::Remove) => ffi::SQLITE_IOERR_DELETE,
        (_, FaultPoint::Create) => ffi::SQLITE_CANTOPEN,
        _ => ffi::SQLITE_IOERR_WRITE,
    }
}

/// The wrapped file and its methods.
///
/// # Safety
///
/// `file` is a file that `fault_open` opened successfully.
unsafe fn inner(
    file: *mut ffi::sqlite3_file,
) -> (
    *mut ffi::sqlite3_file,
    &'static ffi::sqlite3_io_methods,
    &'static Path,
) {
    let ours = file.cast::<FaultFile>();
    // SAFETY: `fault_open` set `real` to the wrapped file, whose `pMethods` the
    // wrapped VFS set on success, and `path` to a leaked-until-close `PathBuf`.
    unsafe {
        let real = (*ours).real;
        (real, &*(*real).pMethods, &*(*ours).path)
    }
}

unsafe extern "C" fn fault_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite calls xClose once on a file `fault_open` opened; the path box
    // is freed here and never used again.
    unsafe {
        let (real, methods, _) = inner(file);
        let rc = methods.xClose.map_or(ffi::SQLITE_OK, |close| close(real));
        let ours = file.cast::<FaultFile>();
        drop(Box::from_raw((*ours).path));
        (*ours).path = std::ptr::null_mut();
        rc
    }
}

unsafe extern "C" fn fault_read(
    file: *mut ffi::sqlite3_file,
    buffer: *mut c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: forwarded unchanged to the wrapped file's own method.
    unsafe {
        let (real, methods, path) = inner(file);
        if let Some(kind) = fault::check(FaultPoint::Read, path) {
            return code_for(kind, FaultPoint::Read);
        }
        methods.xRead.map_or(ffi::SQLITE_IOERR_READ, |read| {
            read(real, buffer, amount, offset)
        })
    }
}

unsafe extern "C" fn fault_write(
    file: *mut ffi::sqlite3_file,
    buffer: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: forwarded to the wrapped file's own method; a short write passes a
    // shorter length over the same buffer.
    unsafe {
        let (real, methods, path) = inner(file);
        let Some(write) = methods.xWrite else {
            return ffi::SQLITE_IOERR_WRITE;
        };
        match fault::check(FaultPoint::Write, path) {
            Some(FaultKind::ShortWrite) => {
                write(real, buffer, amount / 2, offset);
                ffi::SQLITE_FULL
            }
            Some(kind) => code_for(kind, FaultPoint::Write),
            None => write(real, buffer, amount, offset),
        }
    }
}

unsafe extern "C" fn fault_truncate(
    file: *mut ffi::sqlite3_file,
    size: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: forwarded unchanged to the wrapped file's own method.
    unsafe {
        let (real, methods, path) = inner(file);
        if let Some(kind) = fault::check(FaultPoint::Truncate, path) {
            return code_for(kind, FaultPoint::Truncate);
        }
        methods
            .xTruncate
            .map_or(ffi::SQLITE_IOERR_TRUNCATE, |truncate| truncate(real, size))
    }
}

unsafe extern "C" fn fault_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: forwarded unchanged to the wrapped file's own method.
    unsafe {
        let (real, methods, path) = inner(file);
        if let Some(kind) = fault::check(FaultPoint::Sync, path) {
            return code_for(kind, FaultPoint::Sync);
        }
        methods
            .xSync
            .map_or(ffi::SQLITE_IOERR_FSYNC, |sync| sync(real, flags))
    }
}

macro_rules! forward {
    ($name:ident, $field:ident, $default:expr, ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> $ret {
            // SAFETY: forwarded unchanged to the wrapped file's own method.
            unsafe {
                let (real, methods, _) = inner(file);
                methods.$field.map_or($default, |method| method(real $(, $arg)*))
            }
        }
    };
}

forward!(fault_file_size, xFileSize, ffi::SQLITE_IOERR_FSTAT, (size: *mut ffi::sqlite3_int64) -> c_int);
forward!(fault_lock, xLock, ffi::SQLITE_IOERR_LOCK, (level: c_int) -> c_int);
forward!(fault_unlock, xUnlock, ffi::SQLITE_IOERR_UNLOCK, (level: c_int) -> c_int);
forward!(fault_check_reserved, xCheckReservedLock, ffi::SQLITE_IOERR_CHECKRESERVEDLOCK, (out: *mut c_int) -> c_int);
forward!(fault_file_control, xFileControl, ffi::SQLITE_NOTFOUND, (op: c_int, arg: *mut c_void) -> c_int);
forward!(fault_sector_size, xSectorSize, 4096, () -> c_int);
forward!(fault_device_characteristics, xDeviceCharacteristics, 0, () -> c_int);
forward!(fault_shm_map, xShmMap, ffi::SQLITE_IOERR_SHMMAP, (region: c_int, size: c_int, extend: c_int, out: *mut *mut c_void) -> c_int);
forward!(fault_shm_lock, xShmLock, ffi::SQLITE_IOERR_SHMLOCK, (offset: c_int, count: c_int, flags: c_int) -> c_int);
forward!(fault_shm_unmap, xShmUnmap, ffi::SQLITE_OK, (delete: c_int) -> c_int);

unsafe extern "C" fn fault_shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: forwarded unchanged to the wrapped file's own method.
    unsafe {
        let (real, methods, _) = inner(file);
        if let Some(barrier) = methods.xShmBarrier {
            barrier(real);
        }
    }
}

/// Version 2 methods: WAL needs the shared-memory calls; memory-mapped I/O
/// (version 3) stays off, so every page goes through `xRead` and `xWrite`.
static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 2,
    xClose: Some(fault_close),
    xRead: Some(fault_read),
    xWrite: Some(fault_write),
    xTruncate: Some(fault_truncate),
    xSync: Some(fault_sync),
    xFileSize: Some(fault_file_size),
    xLock: Some(fault_lock),
    xUnlock: Some(fault_unlock),
    xCheckReservedLock: Some(fault_check_reserved),
    xFileControl: Some(fault_file_control),
    xSectorSize: Some(fault_sector_size),
    xDeviceCharacteristics: Some(fault_device_characteristics),
    xShmMap: Some(fault_shm_map),
    xShmLock: Some(fault_shm_lock),
    xShmBarrier: Some(fault_shm_barrier),
    xShmUnmap: Some(fault_shm_unmap),
    xFetch: None,
    xUnfetch: None,
};
