# Sourced by scripts/demo and scripts/test: makes sure PostgreSQL's server programs and the C libraries' headers
# (libxml2, libical, ICU) are installed.
# On a fresh Debian/Ubuntu machine running as root, installs Debian's packages; otherwise says what to
# install. Everything else CRMHub needs (its private cluster) it starts by itself.

# install_debian_packages WHAT PACKAGE…: installs the packages as root with apt-get, or explains and exits 2.
install_debian_packages() {
    local what="$1"
    shift
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "crmhub: installing $what (apt-get install -y $*)…" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    else
        echo "crmhub: $what is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y $*)." >&2
        exit 2
    fi
}

have_postgres() {
    command -v initdb >/dev/null 2>&1 && return 0
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}
if ! have_postgres; then
    # Or set DATABASE_URL to an existing server and the private cluster is not needed.
    install_debian_packages "PostgreSQL" postgresql postgresql-client
fi
# libxml2's headers: the streaming XML reader (1C exchange, camt.053) is built on them.
if [ ! -f /usr/include/libxml2/libxml/parser.h ]; then
    install_debian_packages "libxml2's headers" libxml2-dev pkg-config
fi
# libical's headers (RFC 5545 parsing and recurrence) and ICU's (CLDR's Windows zone names): the calendar import.
if [ ! -f /usr/include/libical/ical.h ]; then
    install_debian_packages "libical's headers" libical-dev pkg-config
fi
if [ ! -f /usr/include/unicode/ucal.h ]; then
    install_debian_packages "ICU's headers" libicu-dev
fi
if ! command -v swift >/dev/null 2>&1; then
    echo "crmhub: the Swift toolchain (swift 6) is not on PATH" >&2
    exit 2
fi
