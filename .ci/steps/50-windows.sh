#!/usr/bin/env bash
# The Windows DLL the way MT5 loads it: cross-builds mikrobot.dll with MinGW-w64, checks that it
# exports every function of include/mikrobot.h and imports only system DLLs (and never
# pdh.dll!PdhEnumObjects, which aborts under Wine), then builds the C replay and the C health
# sampler check as Windows executables that load the DLL with LoadLibraryW and GetProcAddress,
# and runs both under Wine.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=x86_64-pc-windows-gnu
cargo build --release --locked --target "$target"
dll="${CARGO_TARGET_DIR:-target}/$target/release/mikrobot.dll"
work="$(mktemp -d)"
# Stops this prefix's wineserver (it lingers after the program exits), then removes the files.
cleanup() {
  WINEPREFIX="$work/wine" /usr/lib/wine/wineserver64 -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
x86_64-w64-mingw32-objdump -p "$dll" >"$work/objdump.txt"

# Every function the header declares, outside the test-only block.
awk '/^#if defined\(MIKROBOT_TEST_PANIC\)/ { skip = 1 } /^#endif/ { skip = 0 }
     !skip && match($0, /[a-z0-9_]+\(/) && /^[A-Za-z].*\(/ && !/^#/ {
       print substr($0, RSTART, RLENGTH - 1) }' include/mikrobot.h | sort -u >"$work/header.txt"
# Names in the export table: lines "[   n] name" after "[Ordinal/Name Pointer] Table".
awk '/\[Ordinal\/Name Pointer\] Table/ { table = 1; next } table && /^[ \t]*\[/ { print $NF }
     table && /^$/ { table = 0 }' "$work/objdump.txt" | sort -u >"$work/exports.txt"
missing="$(comm -23 "$work/header.txt" "$work/exports.txt")"
if [ -n "$missing" ]; then
  echo "mikrobot.dll does not export these header functions:"; echo "$missing"; exit 1
fi
echo "exports: all $(wc -l <"$work/header.txt") header functions present"

grep 'DLL Name:' "$work/objdump.txt" | awk '{ print tolower($3) }' | sort -u >"$work/imports.txt"
system_dll='^(kernel32|ntdll|advapi32|bcrypt|bcryptprimitives|userenv|ws2_32|msvcrt|ucrtbase|ole32|oleaut32|shell32|user32|pdh|psapi|iphlpapi|netapi32|powrprof|secur32|crypt32|dbghelp|api-ms-win-[a-z0-9-]+)\.dll$'
foreign="$(grep -Ev "$system_dll" "$work/imports.txt" || true)"
if [ -n "$foreign" ]; then
  echo "mikrobot.dll imports non-system DLLs:"; echo "$foreign"; exit 1
fi
# sysinfo links its Windows CPU code, which imports pdh.dll!PdhEnumObjectsW, even though the
# health probe never calls it on Windows (it reads CPU time with GetSystemTimes). What matters
# is that nothing calls it: the Wine run below aborts if anything does.
if grep -q 'PdhEnumObjects' "$work/objdump.txt"; then
  echo "note: mikrobot.dll imports PdhEnumObjects through sysinfo; the Wine run checks it is never called"
fi
echo "imports: $(tr '\n' ' ' <"$work/imports.txt")"

cc=x86_64-w64-mingw32-gcc
$cc -std=c11 -Wall -Wextra -Werror -O1 -static -DMB_LOAD_LIBRARY -Iinclude \
  examples/c/replay_day.c -o "$work/replay_day.exe"
$cc -std=c11 -Wall -Wextra -Werror -O1 -static -DMB_LOAD_LIBRARY -Iinclude \
  examples/c/health_sampler.c -o "$work/health_sampler.exe"
$cc -shared -O1 -static tests/windows/processprng.c -ladvapi32 -o "$work/bcryptprimitives.dll"
cp "$dll" "$work/mikrobot.dll"
wine=/usr/lib/wine/wine64
export WINEPREFIX="$work/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
(cd "$work" && timeout 300 "$wine" replay_day.exe state)
echo "replay_day.exe passed under $("$wine" --version)"
# The sampler runs on its own thread at a 200 ms interval; CPU and memory must be known after
# at least 5 samples, and the process must still be alive to print its last line.
(cd "$work" && timeout 120 "$wine" health_sampler.exe health-state)
echo "health_sampler.exe passed under $("$wine" --version)"
