/* Where vfpool keeps its state, alone so the hook front can find a domain's entry without the
 * library. */
#pragma once

#define VFP_STATE_DIR_DEFAULT RUNSTATEDIR "/vfpool"
#define VFP_STATE_DIR_ENV "VFPOOL_STATE_DIR"
/* One directory per domain that holds VFs, named by its UUID, with an empty file per VF it
 * holds: release must find such a domain whatever its XML still says. */
#define VFP_STATE_DOMAINS "domains"
