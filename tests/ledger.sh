# Reading the ledger in the shell tests, sourced by them: one record per claimed VF under
# STATE/claims, named by the VF's address (GKeyFile text, see src/libvfpool/vfp-claim.c).

# ledger_text STATE: every record, for grep.
ledger_text() {
    cat "$1"/claims/* 2>/dev/null
}

# ledger_count STATE: how many VFs are claimed.
ledger_count() {
    ledger_text "$1" | grep -c '^address='
}

# ledger_valid STATE: every file in claims/ is a record of the VF it is named after, and no
# temporary file was left behind.
ledger_valid() {
    for record in "$1"/claims/*; do
        [ -e "$record" ] || continue
        name=${record##*/}
        printf '%s\n' "$name" | grep -qE '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$' || return 1
        grep -qx '\[claim\]' "$record" && grep -qx "address=$name" "$record" || return 1
    done
}

# ledger_claims STATE: "ADDRESS DOMAIN STEP" per claim, sorted by address.
ledger_claims() {
    for record in "$1"/claims/*; do
        [ -f "$record" ] || continue
        awk -F= '/^address=/ { a = $2 } /^domain=/ { d = $2 } /^step=/ { s = $2 }
            END { print a, d, s }' "$record"
    done
}
