# Reading the ledger in the shell tests, sourced by them: one record per claimed VF under
# STATE/claims, named by the VF's address (GKeyFile text, see src/libvfpool/vfp-claim.c).
# Anything else there is a temporary file a writer killed half-way left behind.

_ledger_address_re='^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$'

# ledger_records STATE: the records' paths.
ledger_records() {
    for record in "$1"/claims/*; do
        [ -f "$record" ] && printf '%s\n' "${record##*/}" | grep -qE "$_ledger_address_re" &&
            echo "$record"
    done
    return 0
}

# ledger_text STATE: every record, for grep.
ledger_text() {
    ledger_records "$1" | while read -r record; do cat "$record"; done
}

# ledger_count STATE: how many VFs are claimed.
ledger_count() {
    ledger_text "$1" | grep -c '^address='
}

# ledger_leftovers STATE: files in claims/ that are not records.
ledger_leftovers() {
    for record in "$1"/claims/*; do
        [ -e "$record" ] && ! printf '%s\n' "${record##*/}" | grep -qE "$_ledger_address_re" &&
            echo "$record"
    done
    return 0
}

# ledger_valid STATE: every record is the record of the VF it is named after.
ledger_valid() {
    for record in $(ledger_records "$1"); do
        grep -qx '\[claim\]' "$record" && grep -qx "address=${record##*/}" "$record" || return 1
    done
}

# ledger_claims STATE: "ADDRESS DOMAIN STEP" per claim, sorted by address.
ledger_claims() {
    ledger_records "$1" | while read -r record; do
        awk -F= '/^address=/ { a = $2 } /^domain=/ { d = $2 } /^step=/ { s = $2 }
            END { print a, d, s }' "$record"
    done
}
