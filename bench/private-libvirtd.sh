# private-libvirtd.sh: sourced by the benchmarks and tests that need libvirt. Starts libvirtd
# daemons (QEMU driver, qemu:///system) of their own, each in its own mount namespace with its own
# /etc/libvirt copy (no hooks, no domains), /run/libvirt and /var/lib/libvirt in DIR, and its
# socket in DIR/sock, so several run at once beside the host's libvirtd and the tests'.
# shellcheck shell=sh
#
#   bench_libvirtd_start DIR   starts one; prints its URI (qemu+unix:///system?socket=...)
#   bench_libvirtd_stop DIR    stops it (SIGTERM, then SIGKILL after 10 s)
#   bench_define URI FILE...   defines every domain XML FILE through one virsh process
#   stop_pidfile FILE          stops the daemon whose PID FILE holds (also used by the tests)
# Needs root; BENCH_LIBVIRT_CACHE (QEMU's probed capabilities, kept between runs) may be set.

bench_libvirtd_start() {
    _bl_dir=$1
    _bl_cache=${BENCH_LIBVIRT_CACHE:-$_bl_dir/cache}
    mkdir -p "$_bl_dir/run" "$_bl_dir/lib/qemu" "$_bl_dir/log/qemu" "$_bl_dir/sock" \
        "$_bl_cache" || return 1
    cp -a /etc/libvirt "$_bl_dir/etc" || return 1
    rm -rf "$_bl_dir/etc/hooks" "$_bl_dir/etc/qemu/"*.xml "$_bl_dir/etc/qemu/autostart" \
        "$_bl_dir/etc/qemu/networks/autostart"
    printf 'user = "root"\ngroup = "root"\n' >>"$_bl_dir/etc/qemu.conf"
    printf 'unix_sock_dir = "%s"\n' "$_bl_dir/sock" >>"$_bl_dir/etc/libvirtd.conf"
    mkdir -p /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt
    # shellcheck disable=SC2016
    unshare -m sh -c 'd=$1
        mount --bind "$d/run" /run/libvirt && mount --bind "$d/lib" /var/lib/libvirt &&
        mount --bind "$d/log" /var/log/libvirt && mount --bind "$2" /var/cache/libvirt &&
        mount --bind "$d/etc" /etc/libvirt && exec libvirtd -d -p "$d/libvirtd.pid"' \
        sh "$_bl_dir" "$_bl_cache" >"$_bl_dir/libvirtd.out" 2>&1 || return 1
    _bl_uri="qemu+unix:///system?socket=$_bl_dir/sock/libvirt-sock"
    _bl_i=0
    # Ready when it answers, with QEMU's capabilities probed (the first define needs them).
    until virsh -c "$_bl_uri" domcapabilities >/dev/null 2>&1; do
        _bl_i=$((_bl_i + 1))
        [ $_bl_i -lt 600 ] || { cat "$_bl_dir/libvirtd.out" >&2; return 1; }
        sleep 0.2
    done
    echo "$_bl_uri"
}

bench_libvirtd_stop() {
    stop_pidfile "$1/libvirtd.pid"
    rm -f "$1/libvirtd.pid"
}

# stop_pidfile FILE: stops the daemon whose PID FILE holds (SIGTERM, then SIGKILL after 10 s).
stop_pidfile() {
    [ -f "$1" ] || return 0
    _bl_pid=$(cat "$1" 2>/dev/null) || return 0
    kill "$_bl_pid" 2>/dev/null || return 0
    _bl_i=0
    while kill -0 "$_bl_pid" 2>/dev/null && [ $_bl_i -lt 100 ]; do
        sleep 0.1
        _bl_i=$((_bl_i + 1))
    done
    kill -9 "$_bl_pid" 2>/dev/null || true
    return 0
}

bench_define() {
    _bl_uri=$1
    shift
    for _bl_f in "$@"; do echo "define $_bl_f"; done | virsh -c "$_bl_uri" -q >/dev/null
}
