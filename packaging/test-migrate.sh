# packaging/test-migrate.sh: the switch from Debian's tayga package to tunxlat, by the steps of
# docs/migrating-from-tayga.md (issue 15 item 3). Sourced by test-install.sh inside boot_test, in the
# booted Debian 12 container; uses its in_ct, check, say, ok, bad, ROOT, WORK and D1.
#
# TAYGA (Debian's 0.9.2 package, its shipped /etc/tayga.conf and /etc/default/tayga: CONFIGURE_IFACE
# and CONFIGURE_NAT44 "yes") runs and gives the IPv6 host 2001:db8:6::2 an address of its
# dynamic-pool; the IPv4 host is 192.0.2.1; both are addresses on the container's lo. Then TAYGA is
# stopped, tunxlat installed, the configuration imported (dynamic.map copied, NAT44 drop-in), and
# tunxlat must give that host the same IPv4 address, translate both ways and hold the masquerade
# while it runs; then the roll-back to TAYGA.
migrate_test() {
    local v6host=2001:db8:6::2 v4host=192.0.2.1 prefix=2001:db8:1:ffff:: bound
    say "Switching from Debian's tayga package (docs/migrating-from-tayga.md)"
    # a clean start whatever ran before: neither package, no state
    in_ct sh -c 'apt-get purge -y -q tunxlat tayga; rm -rf /var/spool/tayga /etc/systemd/system/tunxlat.service.d
        systemctl daemon-reload; ip link del nat64' >"$WORK/migrate-clean.log" 2>&1 || true
    # the container has no network of its own: the host fetches the packages its apt asks for
    local uris rc=0
    uris=$(in_ct apt-get install -y -q --print-uris tayga nftables iproute2 procps 2>"$WORK/migrate-download.log" \
        | sed -n "s/^'\(http[^']*\)' \([^ ]*\.deb\) .*/\1 \2/p") || rc=$?
    while read -r uri deb; do
        [[ -n $uri ]] || continue
        curl -sSf -o "$ROOT/var/cache/apt/archives/$deb" "$uri" 2>>"$WORK/migrate-download.log" || rc=1
    done <<<"$uris"
    ((rc == 0)) || { cat "$WORK/migrate-download.log"; bad "downloading tayga and nftables for the container"; return 0; }
    in_ct apt-get install -y -q --no-download tayga nftables iproute2 procps >"$WORK/migrate-tayga.log" 2>&1 \
        || { tail -20 "$WORK/migrate-tayga.log"; bad "installing Debian's tayga and nftables"; return 0; }
    # (the tunxlat@lab test above may have left them there)
    in_ct sh -c "ip addr replace $v4host/32 dev lo && ip addr replace $v6host/128 dev lo"
    # Debian's package installs the init script disabled (update-rc.d defaults-disabled): a router
    # that runs TAYGA has enabled it
    # ("enable --now" does not start an init script: systemctl hands "enable" to systemd-sysv-install)
    in_ct sh -c 'systemctl enable tayga && systemctl start tayga' >"$WORK/migrate-start-tayga.log" 2>&1 || true
    check "Debian's tayga runs with its shipped configuration (nat64 up, pool and prefix routed)" in_ct timeout 20 sh -c \
        "until pidof tayga >/dev/null && ip -6 route | grep -q '^$prefix/96 dev nat64' && ip route | grep -q '^192.168.255.0/24 dev nat64'; do sleep 0.2; done"
    check "through TAYGA: ping $v6host -> ${prefix}$v4host" \
        in_ct timeout 20 sh -c "until ping -6 -c1 -W1 -I $v6host ${prefix}$v4host >/dev/null; do sleep 0.3; done"

    # 1. stop and disable TAYGA: it writes dynamic.map when it exits
    # (what the README used to say, "systemctl disable --now tayga", probed on the init script first)
    in_ct systemctl disable --now tayga >"$WORK/migrate-stop-tayga.log" 2>&1 || true
    if ! in_ct timeout 3 sh -c 'while pidof tayga >/dev/null; do sleep 0.2; done'; then
        echo "  info: 'systemctl disable --now tayga' left TAYGA running (init script): stop it separately"
    else
        echo "  info: 'systemctl disable --now tayga' stopped TAYGA"
    fi
    in_ct sh -c 'systemctl stop tayga && systemctl disable tayga' >>"$WORK/migrate-stop-tayga.log" 2>&1 || true
    # start-stop-daemon --stop does not wait: TAYGA writes the file, and the device goes, as it exits
    in_ct timeout 10 sh -c "until ! pidof tayga && ! ip link show nat64 && grep -q '$v6host' /var/spool/tayga/dynamic.map; do sleep 0.2; done" \
        >/dev/null 2>&1 || true
    bound=$(in_ct awk -v h="$v6host" '$2 == h { print $1 }' /var/spool/tayga/dynamic.map 2>/dev/null) || true
    check "TAYGA stopped, nat64 gone, and its dynamic.map binds $v6host to ${bound:-nothing}" in_ct sh -c \
        "! pidof tayga && ! ip link show nat64 2>/dev/null && { test -n '$bound' || { cat /var/spool/tayga/dynamic.map; false; }; }"
    # 2. install tunxlat (it starts with its example configuration, or not at all next to TAYGA)
    in_ct sh -c "cd /root/debs && apt-get install -y -q ./$D1" >"$WORK/migrate-install.log" 2>&1 \
        || { tail -30 "$WORK/migrate-install.log"; bad "installing tunxlat after TAYGA"; return 0; }
    in_ct systemctl stop tunxlat || true
    # 3. import
    check "tunxlat import-tayga -o /etc/tunxlat/tunxlat.conf --force --copy-dynamic-map --nat44-dropin ..." in_ct sh -c \
        'tunxlat import-tayga -o /etc/tunxlat/tunxlat.conf --force --copy-dynamic-map \
            --nat44-dropin /etc/systemd/system/tunxlat.service.d/nat44.conf >/root/import.log 2>&1; rc=$?
         cat /root/import.log; test $rc = 0 && grep -q "copied 1 dynamic binding from /var/spool/tayga/dynamic.map to /var/lib/tunxlat/dynamic.map" /root/import.log'
    check "... dynamic.map owned by the service user, TAYGA's left as it was" in_ct sh -c \
        'test "$(stat -c "%U:%G %a" /var/lib/tunxlat/dynamic.map)" = "tunxlat:tunxlat 640" && test -s /var/spool/tayga/dynamic.map'
    # 4. review and check
    check "tunxlat check -c /etc/tunxlat/tunxlat.conf" in_ct tunxlat check -c /etc/tunxlat/tunxlat.conf
    # 5. start (forwarding as the README's Route section sets it)
    in_ct sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || true
    check "systemctl daemon-reload; systemctl enable --now tunxlat: routes of CONFIGURE_IFACE set by tun-route" in_ct sh -c \
        "systemctl daemon-reload && systemctl enable --now tunxlat >/dev/null 2>&1 && timeout 20 sh -c \
            \"until ip -6 route | grep -q '^$prefix/96 dev nat64' && ip route | grep -q '^192.168.255.0/24 dev nat64'; do sleep 0.2; done\" \
         || { journalctl -u tunxlat -o cat --no-pager | tail -20; false; }"
    check "NAT44 of CONFIGURE_NAT44 while tunxlat runs: masquerade of 192.168.255.0/24" in_ct sh -c \
        'nft list table ip tunxlat_nat | grep -q "ip saddr 192.168.255.0/24 masquerade"'
    check "journal: loaded 1 dynamic map from /var/lib/tunxlat/dynamic.map" in_ct timeout 10 sh -c \
        'until journalctl -u tunxlat -o cat --no-pager | grep -q "loaded 1 dynamic map from /var/lib/tunxlat/dynamic.map"; do sleep 0.2; done'
    # 6. verify
    check "tunxlat map show $bound: still bound to $v6host, before any new IPv6 packet" in_ct sh -c \
        "tunxlat map show $bound -c /etc/tunxlat/tunxlat.conf | tee /dev/stderr | grep -q '$v6host'"
    check "ping IPv4 -> IPv6 through tunxlat to the kept address ($v4host -> $bound reaches $v6host)" \
        in_ct ping -c2 -i0.2 -W2 -I "$v4host" "$bound"
    check "ping IPv6 -> IPv4 through tunxlat ($v6host -> ${prefix}$v4host), same binding" in_ct sh -c \
        "ping -6 -c2 -i0.2 -W2 -I $v6host ${prefix}$v4host >/dev/null && tunxlat map show $v6host -c /etc/tunxlat/tunxlat.conf | grep -q '$bound'"
    check "tunxlat doctor: no problem" in_ct tunxlat doctor -c /etc/tunxlat/tunxlat.conf
    # 7. roll back: tunxlat stopped (its masquerade removed with it), TAYGA again with its own state
    in_ct sh -c 'systemctl disable --now tunxlat && systemctl enable tayga && systemctl start tayga' >"$WORK/migrate-rollback.log" 2>&1 || true
    check "roll-back: tunxlat stopped, its NAT44 table gone" in_ct sh -c \
        '! systemctl -q is-active tunxlat && ! nft list table ip tunxlat_nat >/dev/null 2>&1'
    check "roll-back: TAYGA translates again, $v6host still at $bound" in_ct timeout 20 sh -c \
        "until pidof tayga >/dev/null && ping -c1 -W1 -I $v4host $bound >/dev/null; do sleep 0.3; done"
    in_ct sh -c 'systemctl stop tayga; systemctl disable tayga; apt-get purge -y -q tunxlat tayga nftables' >"$WORK/migrate-purge.log" 2>&1 || true
    in_ct sh -c "ip addr del $v4host/32 dev lo; ip addr del $v6host/128 dev lo; rm -rf /var/spool/tayga /etc/systemd/system/tunxlat.service.d" || true
}
migrate_test
