#!/bin/sh
# /usr/bin/tunxlat: runs the tunxlat jar with the Java runtime the package depends on.
#
# JAVA_HOME (if set) chooses the Java runtime, JAVA_OPTS adds JVM options (the systemd units take
# them from /etc/default/tunxlat); everything else is passed to tunxlat. See tunxlat(8).
#
# Class-data sharing: the package keeps an archive of the classes tunxlat loads at start, made for the
# default Java runtime when the package is configured and whenever a runtime under /usr/lib/jvm changes
# ("tunxlat cds-archive"). It is used when it exists, unless TUNXLAT_CDS=no. One that does not match
# the runtime or the jar is ignored without a word (-Xshare:auto, its log off); -Xshare:off or another
# -XX:SharedArchiveFile in JAVA_OPTS comes later on the command line and wins.
set -e
JAR=/usr/share/tunxlat/tunxlat.jar
CDS_ARCHIVE=/var/cache/tunxlat/tunxlat.jsa
CDS_OPTS="-Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off"
# Made with the archive: JNA's native library, unpacked once (into a directory per JNA version) instead of into
# /tmp at every start. tunxlat loads it from there if it is there for its JNA, else unpacks its own as before.
JNA_CACHE=/var/cache/tunxlat/jna
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    JAVA="$JAVA_HOME/bin/java"
else
    JAVA=java
fi
CDS=""
if [ "${TUNXLAT_CDS:-yes}" != no ] && [ -r "$CDS_ARCHIVE" ]; then
    CDS="-XX:SharedArchiveFile=$CDS_ARCHIVE $CDS_OPTS -Dtunxlat.jna-cache=$JNA_CACHE"
fi
# JAVA_OPTS is split on white space on purpose: one variable carries several options.
# shellcheck disable=SC2086
exec "$JAVA" $CDS ${JAVA_OPTS:-} -jar "$JAR" "$@"
