/*
 * Test-only stand-in for bcryptprimitives.dll, which Wine 8 lacks. Rust's standard library
 * imports ProcessPrng from it; this DLL implements it over RtlGenRandom (SystemFunction036 in
 * advapi32). It is placed beside the test executable only and never ships: MT5 needs Wine 9 or
 * newer, which has the real DLL.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
