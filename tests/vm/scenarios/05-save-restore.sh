# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with e2e-lib.sh
# Sourced by tests/vm/e2e.sh after the common setup; helpers in tests/vm/e2e-lib.sh.
# libvirt refuses "virsh save" of a domain with an active VFIO device (scenario 1), so s5a
# uses libvirt's teaming: a transient hostdev interface and its virtio failover peer; QEMU
# keeps the VFIO device unplugged until a guest driver negotiates failover, which never
# happens without an OS. Its VF goes to another domain while it is saved: the hook's restore
# step must move it to another VF.
scenario "save, VF given to another domain, restore on another VF"
set_numvfs "$igb_pf" 7
info "libvirt refuses 'virsh save' of a domain with an active VFIO device (see scenario 1):"
info "s5a uses libvirt's teaming (a transient hostdev interface + its virtio failover peer)"
info "whose VFIO device QEMU keeps unplugged until a guest driver negotiates failover"
m5=52:54:00:e2:05:01
domain_xml s5a "<vfpool:vf alias='ua-vfpool-net0' pool='net' mac='$m5'/>" \
    "<interface type='hostdev' managed='yes'><mac address='$m5'/>
      <teaming type='transient' persistent='ua-backup0'/><alias name='ua-vfpool-net0'/>
    </interface>
    <interface type='user'><mac address='$m5'/><model type='virtio'/>
      <teaming type='persistent'/><alias name='ua-backup0'/>
    </interface>"
info "the interface with its <teaming> is written by hand:" \
    "resolved with 'vfpool resolve --xml' before 'virsh define'"
check "s5a resolved (vfpool resolve --xml) and defined" define_cli s5a
check "virsh start s5a" V start s5a
va=$(live_source s5a ua-vfpool-net0)
check "s5a runs on VF $va (vfio-pci on QEMU's command line)" has_vfio s5a "$va"
check "ledger: VF $va held by s5a" claimed_by "$va" s5a
ts=$(now)
check "virsh save s5a" V save s5a "$work/s5a.save"
info "virsh save took $(secs "$ts")s"
check "s5a is shut off" test "$(state_of s5a)" = "shut off"
check "ledger has no claims (save released VF $va)" ledger_empty
V dumpxml --inactive s5a >"$work/s5a.inactive.xml"
clone_domain s5a s5b "$m5" 52:54:00:e2:05:02
check "s5b, written by hand, reserves VF $va" \
    test "$(xml_reservation ua-vfpool-net0 address <"$work/s5b.xml")" = "$va"
check "virsh create s5b (VF $va goes to s5b)" V create "$work/s5b.xml"
check "ledger: VF $va held by s5b" claimed_by "$va" s5b
ts=$(now)
V restore "$work/s5a.save" >"$work/s5a-restore.out" 2>&1
rc=$?
sed 's/^/  | /' "$work/s5a-restore.out"
check "virsh restore s5a.save" test "$rc" = 0
info "virsh restore took $(secs "$ts")s"
vb=$(live_source s5a ua-vfpool-net0)
info "restored s5a uses VF ${vb:-none}"
check "s5a and s5b both run" all_running s5a s5b
check "restored s5a's live XML uses another VF ($vb, not $va)" \
    sh -c "[ -n '$vb' ] && [ '$vb' != '$va' ]"
check "restored s5a's live reservation is $vb" test "$(live_reserved s5a ua-vfpool-net0)" = "$vb"
check "QEMU of s5a has vfio-pci host=$vb" has_vfio s5a "$vb"
check "ledger: $va held by s5b, $vb held by s5a" claims_are "$va s5b" "$vb s5a"
check "hook log: the restore step moved s5a to $vb" \
    syslog_has "domain 's5a': vf 'ua-vfpool-net0' now uses VF $vb"
if daemon_on; then
    # As 'virsh migrate --persistent' defines the source's definition on the destination.
    info "s5a defined again while it runs as it was saved: reserving VF $va, which s5b holds"
    check "virsh define of s5a's definition from before the save" V define "$work/s5a.inactive.xml"
    check "vfpoold: s5a's persistent definition reserves VF $vb again, the one it runs with" \
        wait_for 20 defines_vf s5a ua-vfpool-net0 "$vb"
    check "vfpoold log: s5a's definition now reserves VF $vb" grep -qF "domain 's5a': its \
definition now reserves the VFs it runs with: vf 'ua-vfpool-net0' VF $vb" /var/log/vfpoold.log
fi
check "virsh destroy s5a s5b" destroy_all s5a s5b
check "ledger has no claims" ledger_empty
forget_domains s5a s5b
rm -f "$work/s5a.save"
