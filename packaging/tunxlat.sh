#!/bin/sh
# /usr/bin/tunxlat: runs the tunxlat jar with the Java runtime the package depends on.
#
# JAVA_HOME (if set) chooses the Java runtime, JAVA_OPTS adds JVM options (the systemd units take
# them from /etc/default/tunxlat); everything else is passed to tunxlat. See tunxlat(8).
set -e
JAR=/usr/share/tunxlat/tunxlat.jar
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    JAVA="$JAVA_HOME/bin/java"
else
    JAVA=java
fi
# JAVA_OPTS is split on white space on purpose: one variable carries several options.
# shellcheck disable=SC2086
exec "$JAVA" ${JAVA_OPTS:-} -jar "$JAR" "$@"
