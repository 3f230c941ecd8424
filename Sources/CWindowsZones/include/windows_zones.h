#ifndef CRMHUB_WINDOWS_ZONES_H
#define CRMHUB_WINDOWS_ZONES_H
#include <stdint.h>

// The IANA zone CLDR maps a Windows time-zone name to ("West Asia Standard Time" -> "Asia/Tashkent"), through
// ICU's ucal_getTimeZoneIDForWindowsID. `region` is a territory ("UZ") or NULL for the zone's main one ("001").
// Writes a NUL-terminated UTF-8 name into `out` and returns its length, or 0 when CLDR does not know the name
// (or `capacity` is too small). The header uses no ICU types: ICU's own headers clash with the copy of ICU
// inside Foundation when a Swift file imports both.
int32_t crmhub_iana_zone_for_windows_zone(const char *windows, const char *region, char *out, int32_t capacity);

#endif
