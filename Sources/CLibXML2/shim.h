// libxml2's SAX2 push parser and xmlTextReader, for the streaming XML reader in Connectors/XML.
#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU; its <unicode/ucnv.h> clashes with the ICU copy inside Foundation when both
// are imported. CRMHub never touches the ICU part of an encoding handler (only pointers to it), so hide it.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlreader.h>
