# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# libvirt's node-device driver hears of PCI devices from udevd, which the guest runs only
# here. vfpoold re-checks domains on libvirt's node-device events (besides domain events and
# SIGHUP), so a domain waiting for a VF is resolved when VFs appear. libvirt reports a device
# it knows as updated, not created (the PF whose sriov_numvfs changed, a VF back at an address
# libvirt never saw vanish): both kinds count.
scenario "node-device events: VFs appearing let vfpoold resolve a waiting domain"
udev_dir=/var/cache/vfpool-vm/udev
udevd_start() { "$udev_dir/systemd-udevd" --daemon --resolve-names=never; }
udevd_stop() { "$udev_dir/root/bin/udevadm" control --exit; }
if ! daemon_on; then
    info "vfpoold does not run: nothing to check"
    return 0
fi
if [ ! -x "$udev_dir/systemd-udevd" ]; then
    ko "no udevd in $udev_dir (tests/vm/setup unpacks it)"
    return 0
fi
set_numvfs "$igb_pf" 0
domain_xml w1 "<vfpool:vf alias='ua-vfpool-net0' pool='small'/>" ""
V define "$work/w1.xml" >/dev/null
sleep 2
check "w1 waits: pool small has no VF" test -z "$(reserved w1 ua-vfpool-net0)"
set_numvfs "$igb_pf" 2
sleep 4
check "without udevd the new VFs go unnoticed (so what follows is the events' doing)" \
    test -z "$(reserved w1 ua-vfpool-net0)"
# udevd without rules: it only passes the kernel's events on (no renames, no modules).
mkdir -p "$work/no-udev-rules"
for d in /etc/udev/rules.d /usr/lib/udev/rules.d; do
    [ -d "$d" ] && mount --bind "$work/no-udev-rules" "$d"
done
check "udevd started (no rules)" udevd_start
# Through 0 with udevd running: libvirt forgets whatever VFs it knew, so they come back as
# new devices.
set_numvfs "$igb_pf" 0
sleep 2
check "w1 still waits once the VFs are gone again" test -z "$(reserved w1 ua-vfpool-net0)"
set_numvfs "$igb_pf" 2
check "vfpoold resolves w1 once libvirt reports the new VFs" \
    wait_for 30 has_reservations w1 ua-vfpool-net0
info "w1 reserves $(reserved w1 ua-vfpool-net0);" \
    "vfpoold: $(grep -F "'w1'" /var/log/vfpoold.log | tail -n1)"
forget_domains w1

# The VFs vanish while no udevd runs: libvirt keeps them and, when they are back, reports
# them (and the PF) as updated only.
check "udevd stopped" udevd_stop
set_numvfs "$igb_pf" 0
domain_xml w2 "<vfpool:vf alias='ua-vfpool-net0' pool='small'/>" ""
V define "$work/w2.xml" >/dev/null
sleep 2
check "w2 waits: pool small has no VF" test -z "$(reserved w2 ua-vfpool-net0)"
check "udevd started again" udevd_start
set_numvfs "$igb_pf" 2
check "vfpoold resolves w2 when libvirt reports VFs it knew as updated" \
    wait_for 30 has_reservations w2 ua-vfpool-net0
info "w2 reserves $(reserved w2 ua-vfpool-net0)"
forget_domains w2
udevd_stop
