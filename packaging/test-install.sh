#!/usr/bin/env bash
# packaging/test-install.sh: checks the .deb the way Debian would, then installs it on a clean Debian 12
# root as a user would (issue 8). As root:
#
#   sudo ./packaging/test-install.sh
#
# 1. builds target/tunxlat_VERSION_all.deb (mvn package) and a second package of a higher version from
#    a copy of the sources (mvn -Drevision=...), for the upgrade;
# 2. lintian -I -E --pedantic: no error and no warning allowed;
# 3. a clean Debian 12 root: debootstrap --variant=minbase bookworm into target/install-test/base
#    (once; later runs reuse it) from the mirror apt uses here, and a throw-away copy of it (overlayfs);
# 4. in a chroot: apt-get install ./tunxlat_*.deb (apt pulls the dependencies), tunxlat --version,
#    tunxlat check -c /etc/tunxlat/tunxlat.conf, the service user, state directory, enabled unit,
#    the class-data sharing archive (made by postinst, used by /usr/bin/tunxlat, also as the service
#    user; TUNXLAT_CDS=no goes without it; made again when the Java runtime is reinstalled: the dpkg
#    trigger), and tunxlat run as the service user with only
#    CAP_NET_ADMIN and the JVM options of /etc/default/tunxlat (in a network namespace of its own);
#    then an upgrade to the second package (a modified conffile and a file in /var/lib/tunxlat must
#    survive; the archive is made for the new jar) and a purge (configuration, state, archive, user
#    and group gone); then the safe install next to Debian's tayga package (enabled with update-rc.d:
#    Debian installs it disabled): tunxlat.service is
#    not enabled, postinst says why and what to do, an upgrade keeps it so;
# 5. if systemd-nspawn is there (package systemd-container): the same root booted with systemd as PID 1
#    in a container with a network of its own: install (systemd-analyze verify of the installed units;
#    the service starts, with the class-data sharing archive mapped), translation through
#    tunxlat@lab with ping both ways, systemd-analyze security (below 2.5), reload, map list, stop within
#    a second, restart on upgrade, purge (services stopped, user gone); the safe install: with nat64
#    held by another process, and next to a running TAYGA, tunxlat.service is neither started nor
#    enabled; the documented switch (systemctl stop tayga; systemctl disable tayga; systemctl enable
#    --now tunxlat).
#
# Environment: MIRROR (default: the Debian mirror of /etc/apt/sources*), MVN_ARGS (default -B; "-o -B"
# builds offline), BOOT_TEST=0 to skip step 5,
# KEEP=1 to leave the throw-away root in target/install-test/root. Downloaded packages are kept in
# target/install-test/apt-archives. Ends with "test-install: N passed, M failed, K skipped"; exit
# status 1 if anything failed. A machine where systemd-nspawn cannot boot skips step 5 and says so.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
TOP=$PWD
WORK=$TOP/target/install-test
BASE=$WORK/base
ROOT=$WORK/root
APT_CACHE=$WORK/apt-archives
SUITE=bookworm
BOOT_TEST=${BOOT_TEST:-1}
T0=$(date +%s)

say() { printf '\n==> %s (%ss)\n' "$*" "$(($(date +%s) - T0))"; }
die() { echo "test-install.sh: $*" >&2; exit 1; }
passed=0 failed=0 skipped=0
ok() { passed=$((passed + 1)); printf '  ok    %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf '  FAIL  %s\n' "$*"; }
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds (its output is shown only on failure)
check() {
    local what=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$what"; else bad "$what"; printf '%s\n' "$out" | sed 's/^/        /' | tail -20; fi
}

[[ $EUID -eq 0 ]] || die "run as root (debootstrap, chroot, mounts): sudo $0"

# --- tools (installed only when missing) -------------------------------------------------------
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v lintian >/dev/null || need+=(lintian)
if [[ $BOOT_TEST == 1 ]] && ! command -v systemd-nspawn >/dev/null; then need+=(systemd-container); fi
command -v mvn >/dev/null || need+=(maven)
if ((${#need[@]})); then
    say "Installing ${need[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

# --- mounts and clean-up -----------------------------------------------------------------------
NSPAWN_PID=
cleanup() {
    local rc=$?
    if [[ -n $NSPAWN_PID ]] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
        kill "$NSPAWN_PID" 2>/dev/null || true
        wait "$NSPAWN_PID" 2>/dev/null || true
    fi
    unmount_root_fs
    if [[ ${KEEP:-0} != 1 ]]; then
        mountpoint -q "$ROOT" && umount "$ROOT"
        rm -rf "$ROOT" "$WORK/upper" "$WORK/ovl-work"
    fi
    exit "$rc"
}
trap cleanup EXIT
unmount_root_fs() {
    local m
    for m in var/cache/apt/archives sys proc; do
        if mountpoint -q "$ROOT/$m" 2>/dev/null; then umount -l "$ROOT/$m"; fi
    done
}
mount_root_fs() {
    mount -t proc proc "$ROOT/proc"
    mount -t sysfs -o ro sysfs "$ROOT/sys"
    mkdir -p "$APT_CACHE/partial"
    mount --bind "$APT_CACHE" "$ROOT/var/cache/apt/archives"
    cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
}
# in_root COMMAND...: run in the chroot with a clean environment
in_root() {
    chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"
}

# The class-data sharing archive: /usr/bin/tunxlat loads net.tunxlat.Main from it (-Xlog:class+load shows
# where each class comes from). uses_cds [ENV...]: as root, or with setpriv/env arguments before tunxlat.
CDS_ARCHIVE=/var/cache/tunxlat/tunxlat.jsa
FROM_ARCHIVE='net.tunxlat.Main source: shared objects file (top)'
uses_cds() {
    in_root "$@" env JAVA_OPTS=-Xlog:class+load=info tunxlat --version | grep -qF "$FROM_ARCHIVE"
}

# --- 1. the two packages ------------------------------------------------------------------------
say "Building the package (mvn package)"
rm -f target/tunxlat_*_all.deb
mkdir -p "$WORK"
mvn ${MVN_ARGS:--B} -DskipTests package >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; die "mvn package failed (log: $WORK/build.log)"; }
debs=(target/tunxlat_*_all.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || die "expected one target/tunxlat_*_all.deb, found: ${debs[*]}"
DEB1=$TOP/${debs[0]}
V1=$(dpkg-deb -f "$DEB1" Version)
# A higher version for the upgrade: 0.1.0~snapshot -> Maven 0.1.0.1-SNAPSHOT -> 0.1.0.1~snapshot.
NEXT_REVISION="${V1%%~*}.1-SNAPSHOT"
say "Building the upgrade package from a copy of the sources (mvn -Drevision=$NEXT_REVISION package)"
rm -rf "$WORK/src-next"
mkdir -p "$WORK/src-next"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard | tar --null -T - --ignore-failed-read -cf - 2>/dev/null
else
    tar --exclude=./target --exclude=./.git -cf - .
fi | tar -xf - -C "$WORK/src-next"
(cd "$WORK/src-next" && mvn ${MVN_ARGS:--B} -DskipTests -Drevision="$NEXT_REVISION" package) >"$WORK/build-next.log" 2>&1 \
    || { tail -40 "$WORK/build-next.log"; die "mvn -Drevision=$NEXT_REVISION package failed (log: $WORK/build-next.log)"; }
debs=("$WORK"/src-next/target/tunxlat_*_all.deb)
DEB2=${debs[0]}
V2=$(dpkg-deb -f "$DEB2" Version)
dpkg --compare-versions "$V2" gt "$V1" || die "upgrade package $V2 is not newer than $V1"
echo "  $DEB1 ($V1)"
echo "  $DEB2 ($V2)"

# --- 2. lintian ----------------------------------------------------------------------------------
say "lintian -I -E --pedantic $(basename "$DEB1")"
# as nobody (lintian advises against root), on a copy that nobody can read wherever the checkout is
lintian_dir=$(mktemp -d)
chmod 0755 "$lintian_dir"
install -m 0644 "$DEB1" "$lintian_dir/"
lintian_out=$(cd "$lintian_dir" && setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent \
    lintian -I -E --pedantic "$(basename "$DEB1")" 2>&1) || true
rm -rf "$lintian_dir"
[[ -n $lintian_out ]] && printf '%s\n' "$lintian_out" | sed 's/^/  /'
check "lintian: no errors or warnings" bash -c '! grep -qE "^[EW]: " <<<"$1"' _ "$lintian_out"

# --- 3. a clean Debian 12 root -------------------------------------------------------------------
if [[ -z ${MIRROR:-} ]]; then
    MIRROR=$( {
        awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true
        awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; break } }' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true
    } | grep -v security | grep -E '/debian/?$' | head -1)
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
fi
if [[ ! -f $BASE/.tunxlat-base-complete ]]; then
    say "debootstrap --variant=minbase $SUITE from $MIRROR (cached in $BASE for later runs)"
    rm -rf "$BASE"
    debootstrap --variant=minbase "$SUITE" "$BASE" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
        || { tail -20 "$WORK/debootstrap.log"; die "debootstrap failed (log: $WORK/debootstrap.log)"; }
    touch "$BASE/.tunxlat-base-complete"
else
    say "Reusing the debootstrapped $SUITE root in $BASE"
fi
if mountpoint -q "$ROOT" 2>/dev/null; then umount -R "$ROOT"; fi
rm -rf "$ROOT" "$WORK/upper" "$WORK/ovl-work"
mkdir -p "$ROOT" "$WORK/upper" "$WORK/ovl-work"
if ! mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$WORK/upper,workdir=$WORK/ovl-work" "$ROOT" 2>/dev/null; then
    echo "  (no overlayfs here: copying the base root)"
    rmdir "$ROOT"
    cp -a "$BASE" "$ROOT"
fi
mount_root_fs
# udev gives /dev/net/tun mode 0666 on a real system; the chroot's /dev is static
mkdir -p "$ROOT/dev/net"
[[ -c $ROOT/dev/net/tun ]] || mknod -m 0666 "$ROOT/dev/net/tun" c 10 200
cp "$DEB1" "$DEB2" "$ROOT/tmp/"
chmod 0644 "$ROOT"/tmp/tunxlat_*.deb
D1=$(basename "$DEB1") D2=$(basename "$DEB2")
MVN_V1=$(java -jar target/tunxlat.jar --version | head -1 | cut -d" " -f2)   # the Maven version

# --- 4. install, upgrade, purge in a chroot ------------------------------------------------------
say "apt-get install ./$D1 (in the chroot; apt pulls the dependencies)"
in_root apt-get update -q >/dev/null
t=$(date +%s)
in_root sh -c "cd /tmp && apt-get install -y -q ./$D1" >"$WORK/install.log" 2>&1 \
    || { tail -30 "$WORK/install.log"; die "apt-get install failed (log: $WORK/install.log)"; }
echo "  installed in $(($(date +%s) - t)) s: $(grep -c '^Setting up' "$WORK/install.log") packages set up"

check "dpkg: tunxlat $V1 installed" \
    test "$(in_root dpkg-query -W -f '${Status} ${Version}' tunxlat)" = "install ok installed $V1"
check "tunxlat --version prints tunxlat $MVN_V1" bash -c '[[ $(chroot "$1" tunxlat --version | head -1) == "tunxlat $2" ]]' _ "$ROOT" "$MVN_V1"
check "tunxlat check -c /etc/tunxlat/tunxlat.conf" in_root tunxlat check -c /etc/tunxlat/tunxlat.conf
check "system user tunxlat (home /nonexistent, nologin)" \
    bash -c 'IFS=: read -r n _ uid _ _ home shell <<<"$(chroot "$1" getent passwd tunxlat)"; ((uid < 1000)) && [[ $home == /nonexistent && $shell == /usr/sbin/nologin ]]' _ "$ROOT"
check "/var/lib/tunxlat: tunxlat:tunxlat 750" test "$(in_root stat -c '%U:%G %a' /var/lib/tunxlat)" = "tunxlat:tunxlat 750"
check "conffiles: /etc/tunxlat/tunxlat.conf /etc/default/tunxlat" \
    bash -c 'c=$(chroot "$1" dpkg-query -W -f "\${Conffiles}" tunxlat); [[ $c == *"/etc/tunxlat/tunxlat.conf "* && $c == *"/etc/default/tunxlat "* ]]' _ "$ROOT"
check "tunxlat.service enabled (multi-user.target.wants)" \
    test -L "$ROOT/etc/systemd/system/multi-user.target.wants/tunxlat.service"
check "tunxlat-clat.service shipped, not enabled (a CLAT is only for IPv6-only hosts: opt in)" \
    bash -c 'test -f "$1/usr/lib/systemd/system/tunxlat-clat.service" && ! test -e "$1/etc/systemd/system/multi-user.target.wants/tunxlat-clat.service"' _ "$ROOT"
check "class-data sharing archive $CDS_ARCHIVE made by postinst (root:root 644)" \
    test "$(in_root stat -c '%U:%G %a' $CDS_ARCHIVE)" = "root:root 644"
check "tunxlat uses the archive (net.tunxlat.Main from it)" uses_cds
check "JNA's native library unpacked beside it by postinst, one version (/var/cache/tunxlat/jna/*/libjnidispatch.so, root:root 644)" \
    bash -c 'set -- "$1"/var/cache/tunxlat/jna/*/libjnidispatch.so; test $# = 1 && test "$(stat -c "%U:%G %a" "$1")" = "root:root 644"' _ "$ROOT"
check "... also as the service user" uses_cds setpriv --reuid=tunxlat --regid=tunxlat --clear-groups
check "TUNXLAT_CDS=no: without the archive, no JVM message" bash -c '
    out=$(chroot "$1" env TUNXLAT_CDS=no JAVA_OPTS=-Xlog:class+load=info tunxlat --version) && ! grep -qF "$2" <<<"$out"
    [[ $(chroot "$1" env TUNXLAT_CDS=no tunxlat --version | head -1) == "tunxlat $3" ]]' _ "$ROOT" "$FROM_ARCHIVE" "$MVN_V1"
cds_inode=$(in_root stat -c %i $CDS_ARCHIVE)
in_root apt-get install -y -q --reinstall openjdk-17-jre-headless >"$WORK/reinstall-jre.log" 2>&1 \
    || { tail -30 "$WORK/reinstall-jre.log"; die "reinstalling the Java runtime failed (log: $WORK/reinstall-jre.log)"; }
check "Java runtime reinstalled: the dpkg trigger made the archive again" \
    bash -c '[[ $(chroot "$1" stat -c %i "$2") != "$3" ]] && grep -q "Processing triggers for tunxlat" "$4"' \
    _ "$ROOT" "$CDS_ARCHIVE" "$cds_inode" "$WORK/reinstall-jre.log"
check "... and used" uses_cds
check "man pages tunxlat(8), tunxlat.conf(5); copyright; changelog; bash completion; the BIRD and FRR examples" \
    test -f "$ROOT/usr/share/man/man8/tunxlat.8.gz" -a -f "$ROOT/usr/share/man/man5/tunxlat.conf.5.gz" \
    -a -f "$ROOT/usr/share/doc/tunxlat/copyright" -a -f "$ROOT/usr/share/doc/tunxlat/changelog.gz" \
    -a -f "$ROOT/usr/share/bash-completion/completions/tunxlat" \
    -a -f "$ROOT/usr/share/doc/tunxlat/examples/bird-translator.conf" \
    -a -f "$ROOT/usr/share/doc/tunxlat/examples/frr-upstream.conf"
check "tunxlat-announce: /usr/sbin (755), man page, health.md, unit shipped and not enabled (opt in)" bash -c '
    test "$(stat -c %a "$1/usr/sbin/tunxlat-announce")" = 755 -a -f "$1/usr/share/man/man8/tunxlat-announce.8.gz" \
        -a -f "$1/usr/share/doc/tunxlat/health.md.gz" -a -f "$1/usr/lib/systemd/system/tunxlat-announce.service" \
        && ! test -e "$1/etc/systemd/system/multi-user.target.wants/tunxlat-announce.service"' _ "$ROOT"
check "tunxlat-announce --help; a bad option exits 2" bash -c '
    chroot "$1" tunxlat-announce --help | grep -q "^Usage: tunxlat-announce"; chroot "$1" tunxlat-announce --table 254 2>/dev/null; test $? = 2' _ "$ROOT"
# What the unit does, without systemd: the service user, only CAP_NET_ADMIN and CAP_NET_RAW, the JVM options of
# /etc/default/tunxlat (JNA's native library from /var/cache/tunxlat/jna, else unpacked to jna.tmpdir), /run/tunxlat for the control
# socket, a network namespace of its own.
cat >"$WORK/run-as-service.sh" <<'EOF'
set -a
. /etc/default/tunxlat
set +a
install -d -o tunxlat -g tunxlat -m 0750 /run/tunxlat   # what RuntimeDirectory= gives the unit
exec setpriv --reuid=tunxlat --regid=tunxlat --clear-groups --inh-caps=-all,+net_admin,+net_raw \
    --ambient-caps=-all,+net_admin,+net_raw --bounding-set=-all,+net_admin,+net_raw \
    tunxlat run -c /etc/tunxlat/tunxlat.conf
EOF
cp "$WORK/run-as-service.sh" "$ROOT/tmp/run-as-service.sh"
unshare -n chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    sh /tmp/run-as-service.sh >"$WORK/run-as-service.log" 2>&1 &
run_pid=$!
for _ in $(seq 1 100); do
    grep -q 'forwarding on' "$WORK/run-as-service.log" && break
    kill -0 "$run_pid" 2>/dev/null || break
    sleep 0.1
done
# unshare, chroot, env, sh, setpriv and the wrapper all exec: run_pid is the JVM
run_maps_cds=no
grep -qF "$CDS_ARCHIVE" "/proc/$run_pid/maps" 2>/dev/null && run_maps_cds=yes
kill -TERM "$run_pid" 2>/dev/null || true
run_rc=0
wait "$run_pid" || run_rc=$?
check "tunxlat run as user tunxlat with only CAP_NET_ADMIN, CAP_NET_RAW and JAVA_OPTS: opens nat64, stops on SIGTERM" \
    bash -c 'grep -q "forwarding on nat64" "$1" && [[ $2 == 143 ]] || { cat "$1"; echo "exit status $2"; false; }' \
    _ "$WORK/run-as-service.log" "$run_rc"
check "... with the class-data sharing archive mapped" test "$run_maps_cds" = yes

say "Upgrade to $V2 with a changed conffile and a file in /var/lib/tunxlat"
echo "# changed by test-install.sh before the upgrade" >>"$ROOT/etc/tunxlat/tunxlat.conf"
in_root sh -c 'echo state >/var/lib/tunxlat/kept-by-upgrade && chown tunxlat:tunxlat /var/lib/tunxlat/kept-by-upgrade'
uid_before=$(in_root id -u tunxlat)
in_root sh -c "cd /tmp && apt-get install -y -q ./$D2" >"$WORK/upgrade.log" 2>&1 \
    || { tail -30 "$WORK/upgrade.log"; die "upgrade failed (log: $WORK/upgrade.log)"; }
check "dpkg: tunxlat $V2 installed" \
    test "$(in_root dpkg-query -W -f '${Status} ${Version}' tunxlat)" = "install ok installed $V2"
check "tunxlat --version prints tunxlat $NEXT_REVISION" bash -c '[[ $(chroot "$1" tunxlat --version | head -1) == "tunxlat $2" ]]' _ "$ROOT" "$NEXT_REVISION"
check "conffile change kept" grep -q '^# changed by test-install.sh before the upgrade' "$ROOT/etc/tunxlat/tunxlat.conf"
check "no .dpkg-new/.dpkg-old/.dpkg-dist left in /etc/tunxlat" \
    bash -c '! ls "$1"/etc/tunxlat/*.dpkg-* >/dev/null 2>&1' _ "$ROOT"
check "state kept: /var/lib/tunxlat/kept-by-upgrade" test -f "$ROOT/var/lib/tunxlat/kept-by-upgrade"
check "same service user" test "$(in_root id -u tunxlat)" = "$uid_before"
check "tunxlat check -c /etc/tunxlat/tunxlat.conf after the upgrade" in_root tunxlat check -c /etc/tunxlat/tunxlat.conf
check "the archive was made for the new jar, and is used" uses_cds

say "apt-get purge tunxlat"
in_root apt-get purge -y -q tunxlat >"$WORK/purge.log" 2>&1 \
    || { tail -30 "$WORK/purge.log"; die "purge failed (log: $WORK/purge.log)"; }
check "dpkg: tunxlat not installed" bash -c '! chroot "$1" dpkg-query -W -f "\${Status}" tunxlat 2>/dev/null | grep -q installed' _ "$ROOT"
check "user and group tunxlat gone" bash -c '! chroot "$1" getent passwd tunxlat && ! chroot "$1" getent group tunxlat' _ "$ROOT"
check "/etc/tunxlat, /etc/default/tunxlat, /var/lib/tunxlat, /var/cache/tunxlat gone" \
    bash -c '! test -e "$1/etc/tunxlat" && ! test -e "$1/etc/default/tunxlat" && ! test -e "$1/var/lib/tunxlat" && ! test -e "$1/var/cache/tunxlat"' _ "$ROOT"
check "program, units and enable link gone" \
    bash -c '! test -e "$1/usr/bin/tunxlat" && ! test -e "$1/usr/share/tunxlat" && ! test -e "$1/usr/lib/systemd/system/tunxlat.service" && ! test -L "$1/etc/systemd/system/multi-user.target.wants/tunxlat.service"' _ "$ROOT"

say "Safe install in the chroot: next to an enabled TAYGA (Debian's tayga package)"
# policy-rc.d: the chroot shares the host's network, so TAYGA's postinst must not start it here
in_root sh -c 'printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
in_root sh -c 'cd /tmp && apt-get download -q tayga' >"$WORK/tayga-download.log" 2>&1 \
    || { tail -20 "$WORK/tayga-download.log"; die "apt-get download tayga failed"; }
in_root sh -c 'apt-get install -y -q /tmp/tayga_*.deb' >"$WORK/tayga-install.log" 2>&1 \
    || { tail -20 "$WORK/tayga-install.log"; die "installing tayga failed (log: $WORK/tayga-install.log)"; }
# Debian's package installs the init script disabled (K01 links everywhere); the operator enables it,
# which "systemctl enable tayga" does with update-rc.d.
in_root update-rc.d tayga enable >/dev/null 2>&1
check "tayga installed, its init script enabled (/etc/rc2.d/S..tayga)" bash -c 'ls "$1"/etc/rc2.d/S[0-9][0-9]tayga' _ "$ROOT"
in_root sh -c "cd /tmp && apt-get install -y -q ./$D1" >"$WORK/install-next-to-tayga.log" 2>&1 \
    || { tail -30 "$WORK/install-next-to-tayga.log"; die "install next to TAYGA failed (log: $WORK/install-next-to-tayga.log)"; }
check "next to an enabled TAYGA: tunxlat.service not enabled" \
    test ! -L "$ROOT/etc/systemd/system/multi-user.target.wants/tunxlat.service"
check "... and postinst says why and what to do" bash -c 'grep -q "tunxlat.service was NOT started and not enabled: TAYGA is enabled" "$1" \
    && grep -q "systemctl stop tayga && systemctl disable tayga && systemctl enable --now tunxlat" "$1" && grep -q "systemctl enable --now tunxlat" "$1" || { cat "$1"; false; }' \
    _ "$WORK/install-next-to-tayga.log"
in_root sh -c "cd /tmp && apt-get install -y -q ./$D2" >"$WORK/upgrade-next-to-tayga.log" 2>&1 \
    || { tail -30 "$WORK/upgrade-next-to-tayga.log"; die "upgrade next to TAYGA failed"; }
check "... an upgrade keeps it disabled" test ! -L "$ROOT/etc/systemd/system/multi-user.target.wants/tunxlat.service"
cp "$ROOT"/tmp/tayga_*.deb "$WORK/"
in_root apt-get purge -y -q tunxlat tayga >"$WORK/purge-tayga.log" 2>&1 || { tail -20 "$WORK/purge-tayga.log"; die "purging tunxlat and tayga failed"; }
in_root rm -f /usr/sbin/policy-rc.d /tmp/tayga_*.deb

# --- 5. the same root booted with systemd -------------------------------------------------------
boot_test() {
    say "Booting the root with systemd (systemd-nspawn) to test the units"
    in_root apt-get install -y -q --no-install-recommends systemd systemd-sysv iputils-ping >"$WORK/boot-setup.log" 2>&1 \
        || { tail -20 "$WORK/boot-setup.log"; die "installing systemd in the root failed"; }
    mkdir -p "$ROOT/root/debs"
    cp "$DEB1" "$DEB2" "$ROOT/root/debs/"
    unmount_root_fs
    # nspawn creates /dev/net/tun with mode 0600; udev would make it 0666 on a real system
    mkdir -p "$ROOT/etc/tmpfiles.d"
    echo 'z /dev/net/tun 0666 - - -' >"$ROOT/etc/tmpfiles.d/zz-tunxlat-test-tun.conf"
    systemd-nspawn -q -D "$ROOT" -b --private-network --register=no --keep-unit --console=passive \
        -M tunxlat-test >"$WORK/nspawn.log" 2>&1 &
    NSPAWN_PID=$!
    local ct= i
    for i in $(seq 1 300); do
        ct=$(cat "/proc/$NSPAWN_PID/task/$NSPAWN_PID/children" 2>/dev/null | awk '{print $1}')
        [[ -n $ct ]] && [[ $(cat "/proc/$ct/comm" 2>/dev/null) == systemd ]] && break
        kill -0 "$NSPAWN_PID" 2>/dev/null || break
        ct=
        sleep 0.1
    done
    if [[ -z $ct ]]; then
        # the machine cannot boot a container (no cgroups for it, say): not the package's fault
        skipped=$((skipped + 1))
        printf '  SKIP  systemd-nspawn could not boot the root here; its output:\n'
        sed 's/^/        /' "$WORK/nspawn.log" | tail -20
        kill "$NSPAWN_PID" 2>/dev/null || true
        wait "$NSPAWN_PID" 2>/dev/null || true
        NSPAWN_PID=
        return 0
    fi
    in_ct() { nsenter -t "$ct" -a /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"; }
    local state=
    for i in $(seq 1 300); do  # until systemd answers on its socket
        state=$(in_ct systemctl is-system-running 2>/dev/null) && break
        [[ -n $state && $state != offline ]] && break
        sleep 0.1
    done
    state=$(in_ct timeout 60 systemctl is-system-running --wait 2>&1 || true)
    echo "  system state: $state"

    say "In the booted container: install, translate, security, stop, upgrade, purge"
    in_ct sh -c "cd /root/debs && apt-get install -y -q ./$D1" >"$WORK/boot-install.log" 2>&1 \
        || { tail -30 "$WORK/boot-install.log"; die "install in the container failed"; }
    check "systemd-analyze verify tunxlat.service tunxlat@example.service tunxlat-clat.service tunxlat-announce.service (installed)" \
        in_ct systemd-analyze verify --man=no tunxlat.service tunxlat@example.service tunxlat-clat.service tunxlat-announce.service
    check "tunxlat.service active after install" in_ct timeout 20 sh -c 'until systemctl -q is-active tunxlat; do sleep 0.2; done'
    check "tunxlat.service opened nat64" in_ct timeout 20 sh -c 'until ip link show nat64 >/dev/null 2>&1; do sleep 0.2; done'
    check "service runs as tunxlat with only CAP_NET_ADMIN and CAP_NET_RAW" in_ct sh -c \
        'p=$(systemctl show -p MainPID --value tunxlat); s=/proc/$p/status; grep -Eq "^Uid:\s+$(id -u tunxlat)\s" $s && grep -q "^CapEff:\s*0000000000003000$" $s && grep -q "^CapBnd:\s*0000000000003000$" $s'
    check "service started with the class-data sharing archive (mapped, in its sandbox)" in_ct sh -c \
        'p=$(systemctl show -p MainPID --value tunxlat); grep -qF '"$CDS_ARCHIVE"' /proc/$p/maps'
    check "... and with JNA's native library unpacked by postinst (mapped from /var/cache/tunxlat/jna, none in /tmp)" \
        in_ct sh -c 'p=$(systemctl show -p MainPID --value tunxlat); grep -q " /var/cache/tunxlat/jna/[^/]*/libjnidispatch.so$" /proc/$p/maps && ! grep -q "/jna[0-9]*\.tmp" /proc/$p/maps'
    check "the service's tun-io auto took io_uring (its SystemCallFilter=@system-service has @aio: io_uring_*)" \
        in_ct sh -c 'journalctl -u tunxlat -o cat --no-pager | grep -q "tun-io auto: packets read and written in batches through io_uring"'
    local score
    score=$(in_ct systemd-analyze security --no-pager tunxlat.service 2>/dev/null | sed -n 's/.*Overall exposure level for tunxlat.service: \([0-9.]*\).*/\1/p')
    echo "  systemd-analyze security tunxlat.service: ${score:-?}"
    check "systemd-analyze security tunxlat.service below 2.5 (${score:-?})" awk -v s="${score:-99}" 'BEGIN { exit !(s < 2.5) }'
    check "systemctl reload re-reads the configuration (SIGHUP), the service keeps running" \
        in_ct timeout 20 sh -c 'systemctl reload tunxlat && until journalctl -u tunxlat -o cat --no-pager | grep -q "reloaded /etc/tunxlat/tunxlat.conf"; do sleep 0.2; done && systemctl -q is-active tunxlat'
    check "tunxlat map list answers over the control socket" \
        in_ct tunxlat map list -c /etc/tunxlat/tunxlat.conf

    # an instance of the template, translating: the IPv6 host 2001:db8:6::2 (map) and the IPv4 host
    # 192.0.2.1, both on the container's lo, the prefix 2001:db8:64::/96 and the routes set by tun-route
    in_ct sh -c 'cat >/etc/tunxlat/lab.conf' <<'EOF'
tun-device lab64
ipv4-addr 192.168.255.1
ipv6-addr 2001:db8:1::2
prefix 2001:db8:64::/96
map 192.168.255.2 2001:db8:6::2
data-dir /var/lib/tunxlat/lab
tun-up yes
tun-route 2001:db8:64::/96
tun-route 2001:db8:1::2/128
tun-route 192.168.255.0/24
metrics-listen 127.0.0.1:9465
EOF
    in_ct sh -c 'ip addr add 192.0.2.1/32 dev lo && ip addr add 2001:db8:6::2/128 dev lo && systemctl enable --now tunxlat@lab' >/dev/null 2>&1
    check "tunxlat@lab active, routes set by tun-route" in_ct timeout 20 sh -c \
        'until systemctl -q is-active tunxlat@lab && ip -6 route | grep -q "2001:db8:64::/96 dev lab64"; do sleep 0.2; done'
    check "tunxlat@lab has its own state directory /var/lib/tunxlat/lab" \
        test "$(in_ct stat -c '%U %a' /var/lib/tunxlat/lab)" = "tunxlat 750"
    check "ping IPv6 -> IPv4 through the translator (2001:db8:6::2 -> 2001:db8:64::192.0.2.1)" \
        in_ct timeout 20 sh -c 'until ping -6 -c1 -W1 -I 2001:db8:6::2 2001:db8:64::192.0.2.1; do sleep 0.2; done'
    check "ping IPv4 -> IPv6 through the translator (192.0.2.1 -> 192.168.255.2)" \
        in_ct ping -c2 -i0.2 -W2 -I 192.0.2.1 192.168.255.2
    check "ping the translator's own addresses (192.168.255.1, 2001:db8:1::2)" \
        in_ct sh -c 'ping -c2 -i0.2 -W2 192.168.255.1 && ping -6 -c2 -i0.2 -W2 2001:db8:1::2'
    # the hook for tunxlat@lab (its own /readyz on 127.0.0.1:9465, its device lab64), through the unit
    in_ct sed -i 's|^TUNXLAT_ANNOUNCE_OPTS=.*|TUNXLAT_ANNOUNCE_OPTS="--url http://127.0.0.1:9465/readyz --dev lab64"|' /etc/default/tunxlat
    # Debian 12 leaves net.ipv4.ping_group_range empty ("1 0"): the self-test takes a raw ICMPv6 socket, which the
    # unit's CAP_NET_RAW allows (docs/health.md) ...
    check "tunxlat@lab ready (/readyz 200 'ready yes'), the self-test answered through a raw socket" in_ct timeout 20 sh -c \
        'until curl -sf http://127.0.0.1:9465/readyz | grep -q "^self-test ok (Echo Request to 2001:db8:1::2, raw ICMPv6 socket)"; do sleep 0.2; done'
    # ... and a ping socket, the first choice, once ping sockets are open to the service's group and it restarts.
    in_ct sh -c 'echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range && systemctl restart tunxlat@lab'
    check "... with ping_group_range opened and a restart: the self-test answered through a ping socket" in_ct timeout 20 sh -c \
        'until curl -sf http://127.0.0.1:9465/readyz | grep -q "^self-test ok (Echo Request to 2001:db8:1::2, ICMPv6 ping socket)"; do sleep 0.2; done'
    check "tunxlat-announce.service routes lab's prefixes in table 200 (2001:db8:64::/96, 192.168.255.2/32)" in_ct timeout 20 sh -c \
        'systemctl start tunxlat-announce && until ip -6 route show table 200 | grep -q "^2001:db8:64::/96 dev lab64 proto static" && ip route show table 200 | grep -q "^192.168.255.2 dev lab64 proto static"; do sleep 0.2; done'
    check "systemctl stop tunxlat-announce: table 200 flushed" in_ct sh -c \
        'systemctl stop tunxlat-announce && test -z "$(ip -6 route show table 200)$(ip route show table 200)"'
    in_ct sed -i 's|^TUNXLAT_ANNOUNCE_OPTS=.*|TUNXLAT_ANNOUNCE_OPTS=""|' /etc/default/tunxlat

    local pid_before pid_lab_before t_ms
    pid_before=$(in_ct systemctl show -p MainPID --value tunxlat)
    pid_lab_before=$(in_ct systemctl show -p MainPID --value tunxlat@lab)
    in_ct sh -c "cd /root/debs && apt-get install -y -q ./$D2" >"$WORK/boot-upgrade.log" 2>&1 \
        || { tail -30 "$WORK/boot-upgrade.log"; die "upgrade in the container failed"; }
    check "upgrade restarted tunxlat.service and tunxlat@lab" bash -c '
        p=$(nsenter -t "$1" -a systemctl show -p MainPID --value tunxlat); l=$(nsenter -t "$1" -a systemctl show -p MainPID --value tunxlat@lab)
        [[ $p != 0 && $p != "$2" && $l != 0 && $l != "$3" ]]' _ "$ct" "$pid_before" "$pid_lab_before"
    check "running version after the upgrade: tunxlat $NEXT_REVISION" \
        timeout 30 bash -c 'until nsenter -t "$1" -a journalctl -u tunxlat -o cat --no-pager | grep -q "tunxlat $2 starting"; do sleep 0.3; done' _ "$ct" "$NEXT_REVISION"

    t_ms=$(in_ct sh -c 's=$(date +%s%N); systemctl stop tunxlat@lab; e=$(date +%s%N); echo $(((e - s) / 1000000))')
    check "systemctl stop tunxlat@lab: inactive (not failed) in ${t_ms} ms (< 2000), device gone" bash -c '
        (($2 < 2000)) && [[ $(nsenter -t "$1" -a systemctl is-active tunxlat@lab) == inactive ]] && ! nsenter -t "$1" -a ip link show lab64 >/dev/null 2>&1' \
        _ "$ct" "$t_ms"
    in_ct systemctl start tunxlat@lab
    in_ct apt-get purge -y -q tunxlat >"$WORK/boot-purge.log" 2>&1 \
        || { tail -30 "$WORK/boot-purge.log"; die "purge in the container failed"; }
    check "purge stopped tunxlat.service and tunxlat@lab" bash -c '
        ! nsenter -t "$1" -a systemctl -q is-active tunxlat && ! nsenter -t "$1" -a systemctl -q is-active tunxlat@lab' _ "$ct"
    check "purge removed user, configuration, state and the tunxlat@lab enable link" in_ct sh -c \
        '! getent passwd tunxlat && ! test -e /etc/tunxlat && ! test -e /var/lib/tunxlat && ! ls /etc/systemd/system/*.wants/tunxlat@* 2>/dev/null'

    say "Safe install in the booted container: a TUN device in use, then a running TAYGA"
    # a process (perl's ioctl TUNSETIFF, IFF_TUN|IFF_NO_PI) holds nat64, the default tun-device
    in_ct systemd-run -q --unit=tun-holder perl -e 'open(my $f, "+<", "/dev/net/tun") or die "$!";
        my $r = pack("a16 s x22", "nat64", 0x1001); ioctl($f, 0x400454ca, $r) or die "$!"; sleep 600'
    in_ct timeout 10 sh -c 'until ip link show nat64 >/dev/null 2>&1; do sleep 0.1; done' || true
    in_ct sh -c "cd /root/debs && apt-get install -y -q ./$D1" >"$WORK/boot-install-busy.log" 2>&1 \
        || { tail -30 "$WORK/boot-install-busy.log"; die "install next to a busy TUN device failed"; }
    check "TUN device nat64 in use: tunxlat.service neither started nor enabled" in_ct sh -c \
        'sleep 1; ! systemctl -q is-active tunxlat && ! systemctl -q is-enabled tunxlat'
    check "... and postinst names the device and the process" grep -q \
        "the TUN device nat64 (tun-device in /etc/tunxlat/tunxlat.conf) is in use by process [0-9]* (perl)" \
        "$WORK/boot-install-busy.log"
    in_ct systemctl stop tun-holder
    check "... once it is free: systemctl enable --now tunxlat translates on nat64" in_ct sh -c \
        'systemctl enable --now tunxlat && timeout 20 sh -c "until systemctl -q is-active tunxlat && ip link show nat64 >/dev/null 2>&1; do sleep 0.2; done"'
    in_ct apt-get purge -y -q tunxlat >"$WORK/boot-purge-busy.log" 2>&1 \
        || { tail -30 "$WORK/boot-purge-busy.log"; die "purge after the busy-device test failed"; }

    cp "$WORK"/tayga_*.deb "$ROOT/root/debs/"
    # installed disabled by Debian; enabled and started as an operator would (dpkg -i: the container has
    # no network, and apt would fetch the mirror's copy of the same version). Not "enable --now": for a
    # SysV script systemd 252 enables without starting.
    in_ct sh -c 'dpkg -i /root/debs/tayga_*.deb && systemctl enable tayga && systemctl start tayga' >"$WORK/boot-tayga.log" 2>&1 \
        || { tail -30 "$WORK/boot-tayga.log"; die "installing and starting Debian's tayga in the container failed"; }
    check "Debian's tayga installed, running and holding nat64" in_ct timeout 20 sh -c \
        'until pidof tayga >/dev/null && ip link show nat64 >/dev/null 2>&1; do sleep 0.2; done'
    in_ct sh -c "cd /root/debs && apt-get install -y -q ./$D1" >"$WORK/boot-install-tayga.log" 2>&1 \
        || { tail -30 "$WORK/boot-install-tayga.log"; die "install next to TAYGA failed"; }
    check "next to a running TAYGA: tunxlat.service neither started nor enabled, TAYGA still running" in_ct sh -c \
        'sleep 1; ! systemctl -q is-active tunxlat && ! systemctl -q is-enabled tunxlat && pidof tayga >/dev/null'
    check "... and postinst says so and what to do" bash -c 'grep -q "NOT started and not enabled: a tayga process is running" "$1" \
        && grep -q "systemctl enable --now tunxlat" "$1" || { cat "$1"; false; }' _ "$WORK/boot-install-tayga.log"
    check "the documented switch (systemctl stop tayga; systemctl disable tayga; systemctl enable --now tunxlat): tunxlat on nat64" \
        in_ct sh -c 'systemctl stop tayga && systemctl disable tayga >/dev/null 2>&1 && systemctl enable --now tunxlat >/dev/null 2>&1 &&
            timeout 20 sh -c "until systemctl -q is-active tunxlat && ip link show nat64 >/dev/null 2>&1; do sleep 0.2; done" && ! pidof tayga'

    source "$TOP/packaging/test-migrate.sh"   # the switch from Debian's tayga package (its own file)
    in_ct systemctl poweroff >/dev/null 2>&1 || true
    for i in $(seq 1 100); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
    kill "$NSPAWN_PID" 2>/dev/null || true
    wait "$NSPAWN_PID" 2>/dev/null || true
    NSPAWN_PID=
}
if [[ $BOOT_TEST == 1 ]]; then
    boot_test
else
    skipped=$((skipped + 1))
    echo "  SKIP  the systemd boot test (BOOT_TEST=0)"
fi

say "Done in $(($(date +%s) - T0)) s"
echo "test-install: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
