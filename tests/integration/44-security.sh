#!/bin/bash
# Security: requests that must not crash, hang or exhaust the daemon (prune
# filters, a container's own /etc files), requested hardening that must be
# applied or refused (--security-opt, --ulimit), and create-time validation
# of values that used to fail only at start. Both clients where it applies,
# curl for the raw requests.
. "$(dirname "$0")/lib.sh"
suite_begin security
daemon_start || { not_ok "daemon starts"; suite_end; exit 1; }
bb=$(busybox_archive) && md load -i "$bb" >/dev/null && ok "busybox image loaded" || not_ok "load busybox"

alive() { api -o /dev/null -w '%{http_code}' --max-time 5 http://x/_ping; }
# code_of METHOD PATH [BODY]: the HTTP status of a raw request
code_of() {
    if [ $# -gt 2 ]; then
        api -o "$T/body" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' -d "$3" "http://x$2"
    else
        api -o "$T/body" -w '%{http_code}' -X "$1" "http://x$2"
    fi
}

# ---- 1. prune filters: a bad "until" is a 400, never a crash ----
for kind in containers images networks volumes; do
    code=$(code_of POST "/$kind/prune?filters=%7B%22until%22%3A%5B%22bogus%22%5D%7D")
    if [ "$kind" = volumes ]; then
        # docker's volume prune takes no until filter
        expect_eq "$kind prune until=bogus: 400" "400 invalid filter 'until'" "$code $(jq -r .message "$T/body")"
    else
        expect_eq "$kind prune until=bogus: 400 with docker's message" \
            "400 failed to parse value as time or duration: \"bogus\"" "$code $(jq -r .message "$T/body")"
    fi
    expect_eq "... the daemon still answers" 200 "$(alive)"
done
code=$(code_of POST "/containers/prune?filters=%7B%22until%22%3A%5B%221s%22%2C%222s%22%5D%7D")
expect_eq "containers prune with two until values: 400" "400 more than one until filter specified" "$code $(jq -r .message "$T/body")"
for c in md dk; do
    expect_rc "$c container prune -f --filter until=bogus fails" 1 $c container prune -f --filter until=bogus
    expect_match "$c: ... with docker's message" 'failed to parse value as time or duration: "bogus"' "$OUT"
done
expect_eq "the daemon survived every prune" 200 "$(alive)"

suite_end
