/* The XML namespace of vfpool's domain metadata, alone so the hook front can use it without
 * the library. */
#pragma once

#define VFP_DOMAIN_NS "http://vfpool.org/xmlns/libvirt/domain/1.0"
#define VFP_DOMAIN_NS_PREFIX "vfpool"
