#include "windows_zones.h"
#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

int32_t crmhub_iana_zone_for_windows_zone(const char *windows, const char *region, char *out, int32_t capacity) {
    UChar windowsID[128];
    UChar ianaID[128];
    UErrorCode status = U_ZERO_ERROR;
    int32_t windowsLength = 0;
    if (windows == NULL || out == NULL || capacity <= 0) return 0;
    u_strFromUTF8(windowsID, 128, &windowsLength, windows, -1, &status);
    if (U_FAILURE(status)) return 0;
    int32_t ianaLength = ucal_getTimeZoneIDForWindowsID(windowsID, windowsLength, region, ianaID, 128, &status);
    if (U_FAILURE(status) || ianaLength == 0) return 0;
    int32_t written = 0;
    u_strToUTF8(out, capacity, &written, ianaID, ianaLength, &status);
    if (U_FAILURE(status) || written >= capacity) return 0;
    out[written] = 0;
    return written;
}
