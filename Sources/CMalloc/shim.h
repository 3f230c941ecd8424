// glibc's malloc tuning (mallopt), which the Glibc module does not import: crmhub limits malloc's arenas.
#include <malloc.h>
