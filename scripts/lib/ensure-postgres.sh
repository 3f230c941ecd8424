# Sourced by scripts/demo and scripts/test: makes sure PostgreSQL's server programs and libxml2's headers
# are installed.
# On a fresh Debian/Ubuntu machine running as root, installs Debian's `postgresql` package; otherwise says
# what to install. Everything else CRMHub needs (its private cluster) it starts by itself.
have_postgres() {
    command -v initdb >/dev/null 2>&1 && return 0
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}
if ! have_postgres; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "crmhub: installing PostgreSQL (apt-get install -y postgresql)…" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql postgresql-client >/dev/null
    else
        echo "crmhub: PostgreSQL is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y postgresql)," >&2
        echo "        or set DATABASE_URL to an existing server." >&2
        exit 2
    fi
fi
# libxml2's headers: the streaming XML reader (1C exchange) is built on them.
if [ ! -f /usr/include/libxml2/libxml/parser.h ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "crmhub: installing libxml2-dev (apt-get install -y libxml2-dev)…" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq libxml2-dev pkg-config >/dev/null
    else
        echo "crmhub: libxml2's headers are missing. Install them (Debian/Ubuntu: sudo apt-get install -y libxml2-dev)." >&2
        exit 2
    fi
fi
if ! command -v swift >/dev/null 2>&1; then
    echo "crmhub: the Swift toolchain (swift 6) is not on PATH" >&2
    exit 2
fi
