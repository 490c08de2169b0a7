/* The libvfpool error domain. */
#include "vfp-error.h"

G_DEFINE_QUARK(vfpool-error-quark, vfp_error)
