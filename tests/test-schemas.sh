#!/bin/sh
# Every XML file shipped or used in tests follows its schema: pool files against pool.rng,
# the vfpool metadata of every valid domain against domain-metadata.rng.
set -u
srcdir=${abs_top_srcdir:-.}
. "$srcdir/tests/tap.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfpool-rng-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

for pool in "$srcdir"/tests/data/conf1/pools.d/*.xml "$srcdir"/xml/examples/pools.d/*.xml; do
    tap_check "pool $(basename "$pool") is valid" \
        xmllint --noout --relaxng "$srcdir/xml/pool.rng" "$pool"
done
ns=http://vfpool.org/xmlns/libvirt/domain/1.0
for domain in "$srcdir"/tests/data/domains/[!b]*.xml "$srcdir"/tests/data/expected/*.xml \
    "$srcdir"/xml/examples/domain*.xml; do
    name=$(basename "$domain")
    xmllint --xpath "//*[local-name()='vfpool' and namespace-uri()='$ns']" \
        "$domain" >"$tmp/meta.xml" 2>/dev/null
    tap_check "metadata of $name is valid" \
        xmllint --noout --relaxng "$srcdir/xml/domain-metadata.rng" "$tmp/meta.xml"
done
tap_done
