// libical (Debian: libical-dev): RFC 5545 parsing of a VEVENT's properties and the RRULE iterator behind the
// calendar import (Connectors/Calendar, Calendars). Its headers include nothing of ICU, unlike libxml2's.
#include <libical/ical.h>
