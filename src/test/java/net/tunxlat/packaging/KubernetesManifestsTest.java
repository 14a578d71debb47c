// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.tunxlat.ExternalTool;
import net.tunxlat.config.ConfigLint;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.ListenAddress;
import net.tunxlat.config.TunxlatConfig;
import org.junit.jupiter.api.Test;

/**
 * packaging/kubernetes/ (docs/kubernetes.md), offline: src/test/kubernetes/check-manifests.mjs (Node, with the
 * packages {@code npm ci --prefix src/test/kubernetes} installs) validates every manifest against the Kubernetes
 * OpenAPI schema (kubernetes-models), refuses unknown fields and what the API server and the kubelet would refuse,
 * and checks tunxlat's contract (probes on /healthz and /readyz, the metrics port, the configuration read from
 * the ConfigMap, data-dir on a hostPath); here the ConfigMap's tunxlat.conf goes through tunxlat's own parser.
 * No cluster runs them: what that leaves unchecked is listed in docs/kubernetes.md.
 */
class KubernetesManifestsTest {
    static final Path MANIFESTS = Path.of("packaging/kubernetes");
    static final Path CHECKER = Path.of("src/test/kubernetes");
    static final Path WORK = Path.of("target/kubernetes-check");
    static final Path CONFFILE = Path.of("packaging/tunxlat.conf");
    static final Path DAEMONSET = MANIFESTS.resolve("tunxlat-nat64.yaml");

    private static Result shipped;

    /** The checker on the shipped manifests, run once for the tests that read its output. */
    static synchronized Result shipped() throws Exception {
        if (shipped == null) {
            Result r = check(defaultMetricsPort(), WORK.resolve("shipped"), manifests());
            System.err.println("[kubernetes] " + r.output().strip().replace("\n", "\n[kubernetes] "));
            shipped = r;
        }
        return shipped;
    }

    @Test
    void manifestsMatchTheKubernetesSchemaAndTunxlatsContract() throws Exception {
        int port = defaultMetricsPort();
        Result r = shipped();
        assertEquals(0, r.status(), r.output());
        assertTrue(r.output().contains("DaemonSet tunxlat-nat64") && r.output().contains("Deployment tunxlat-nat64"),
                r.output());

        Matcher m = Pattern.compile("(?m)^config (\\S+) data-dir (\\S+) metrics-port (\\d+)$").matcher(r.output());
        int configs = 0;
        while (m.find()) {
            configs++;
            Path file = Path.of(m.group(1));
            // what "tunxlat check --strict" does: no error, no warning of the parser or the lint
            ConfigParser.Parsed parsed = ConfigParser.parseWithWarnings(file);
            TunxlatConfig c = parsed.config();
            assertEquals(List.of(), parsed.warnings(), file.toString());
            assertEquals(List.of(), ConfigLint.warnings(c, parsed.lines()), file.toString());
            assertNotNull(c.metricsListen(), file + ": metrics-listen off: no probes, no metrics");
            assertEquals(port, c.metricsListen().port(), file + ": metrics-listen's port is the probes' port");
            assertTrue(c.metricsListen().address().isAnyLocalAddress(),
                    file + ": metrics-listen must listen on the node's addresses, where the kubelet probes: "
                            + c.metricsListen());
            assertEquals(Path.of(m.group(2)), c.dataDir(), file + ": data-dir is the hostPath mount");
            assertNotNull(c.nat64(), file + ": the NAT64 egress is stateful NAT64 (pool4)");
            assertTrue(c.tunUp() && c.tunRoutes().contains("64:ff9b::/96"),
                    file + ": tunxlat routes the NAT64 prefix into its device on the node itself");
        }
        assertEquals(2, configs, "one configuration per workload (DaemonSet, Deployment):\n" + r.output());
    }

    /**
     * The container's script, run by sh with stand-ins for nft and tunxlat (the manifests' paths moved into a
     * temporary directory): it writes the ConfigMap's file plus {@code instance-name NODE_NAME}, loads the
     * masquerade of NAT44_SOURCES (only when set), and execs tunxlat on the file it wrote (same pid, its exit status).
     */
    @Test
    void containerScriptWritesTheConfigurationThenExecsTunxlat() throws Exception {
        Result r = shipped();
        assertEquals(0, r.status(), r.output());
        Matcher cm = Pattern.compile("(?m)^config (\\S+) ").matcher(r.output());
        assertTrue(cm.find(), r.output());
        String conf = Files.readString(Path.of(cm.group(1)));
        Matcher m = Pattern.compile("(?m)^script (\\S+) flags (\\S+) nat44-sources (\\S+)$").matcher(r.output());
        int scripts = 0;
        while (m.find()) {
            scripts++;
            for (String sources : List.of(m.group(3), "")) {
                Path t = Files.createTempDirectory(Files.createDirectories(WORK), "script").toAbsolutePath();
                Files.createDirectories(t.resolve("etc/tunxlat"));
                Files.createDirectories(t.resolve("run/tunxlat"));
                Files.createDirectories(t.resolve("usr/bin"));
                Files.createDirectories(t.resolve("bin"));
                Files.writeString(t.resolve("etc/tunxlat/tunxlat.conf"), conf);
                stub(t.resolve("bin/nft"), "printf '%s\\n' \"$@\" >" + t.resolve("nft.args"));
                stub(t.resolve("usr/bin/tunxlat"), "printf '%s\\n' \"$@\" >" + t.resolve("tunxlat.args")
                        + "; echo $$ >" + t.resolve("tunxlat.pid") + "; exit 7");
                String script = Files.readString(Path.of(m.group(1)));
                for (String dir : List.of("/etc/tunxlat/", "/run/tunxlat/", "/usr/bin/tunxlat")) {
                    assertTrue(script.contains(dir), script);
                    script = script.replace(dir, t + dir);
                }
                ProcessBuilder pb = new ProcessBuilder("sh", m.group(2), script).redirectErrorStream(true);
                pb.environment().put("PATH", t.resolve("bin") + ":" + System.getenv("PATH"));
                pb.environment().put("NODE_NAME", "gw-1.example");
                pb.environment().put("NAT44_SOURCES", sources);
                Process p = pb.start();
                Result run = finish(p);
                assertEquals(7, run.status(), "tunxlat's exit status is the container's: " + run.output());
                assertEquals(Long.toString(p.pid()), Files.readString(t.resolve("tunxlat.pid")).strip(),
                        "sh execs tunxlat (the kubelet's SIGTERM reaches it)");
                assertEquals(conf + "instance-name gw-1.example\n", Files.readString(t.resolve("run/tunxlat/tunxlat.conf")));
                assertEquals(List.of("run", "-c", t + "/run/tunxlat/tunxlat.conf"),
                        Files.readAllLines(t.resolve("tunxlat.args")));
                if (sources.isEmpty()) {
                    assertTrue(Files.notExists(t.resolve("nft.args")), "no masquerade without NAT44_SOURCES");
                    continue;
                }
                List<String> nft = Files.readAllLines(t.resolve("nft.args"));
                assertEquals(List.of("-D", "NAT44_SOURCES={ " + sources + " }", "-f", "/usr/share/tunxlat/nat44.nft"), nft);
                nftCheck(nft.get(1));
            }
        }
        assertEquals(2, scripts, r.output());
    }

    /** The real nft parses the packaged nat44.nft with that definition ({@code nft -c}: checks, changes nothing). */
    static void nftCheck(String define) throws Exception {
        Path nft = ExternalTool.find("nft");
        if (nft == null || !"root".equals(System.getProperty("user.name"))) {
            System.err.println("[kubernetes] nft -c not run (needs nft and root): " + define);
            return;
        }
        Process p = new ProcessBuilder(nft.toString(), "-c", "-D", define, "-f", "packaging/nat44.nft")
                .redirectErrorStream(true).start();
        Result r = finish(p);
        assertEquals(0, r.status(), "nft -c -D '" + define + "' -f packaging/nat44.nft: " + r.output());
    }

    static void stub(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        assertTrue(file.toFile().setExecutable(true), file.toString());
    }

    /** The checker is not a rubber stamp: mistakes of each kind in copies of the manifests, each one reported. */
    @Test
    void checkerFindsMistakes() throws Exception {
        String daemonSet = Files.readString(DAEMONSET);
        // the workload: schema, unknown field, API server rules, the contract
        String workload = replace(daemonSet,
                "            periodSeconds: 10\n", "            periodSecond: 10\n",
                "              path: /readyz\n              port: metrics\n", "              path: /readyz\n              port: \"9464\"\n",
                "hostNetwork: true", "hostNetwork: yes",
                "livenessProbe:\n            httpGet:\n              path: /healthz", "livenessProbe:\n            httpGet:\n              path: /livez",
                "add: [\"NET_ADMIN\", \"NET_RAW\"]", "add: [\"SYS_ADMIN\"]",
                "            limits:\n              memory: 768Mi", "            limits:\n              memory: 512Mi",
                "prometheus.io/port: \"9464\"", "prometheus.io/port: \"9465\"",
                "kind: Namespace\nmetadata:\n  name: tunxlat", "kind: Namespace\nmetadata:\n  name: Tunxlat",
                "cat /etc/tunxlat/tunxlat.conf", "cat /etc/tunxlat/tunxlat.cnf");
        // the configuration and what the pod makes of it
        String config = replace(daemonSet,
                "metrics-listen [::]:9464", "metrics-listen 127.0.0.1:9464",
                "pool4 192.168.255.16/28", "pool4 192.168.255.32/28",
                "        - name: data\n          hostPath:\n            path: /var/lib/tunxlat\n            type: DirectoryOrCreate\n",
                "        - name: data\n          emptyDir: {}\n",
                "\"$NODE_NAME\"", "\"$HOSTNAME\"");
        Path dir = Files.createDirectories(WORK.resolve("broken"));
        Path brokenWorkload = Files.writeString(dir.resolve("workload.yaml"), workload);
        Path brokenConfig = Files.writeString(dir.resolve("config.yaml"), config);
        Process p1 = start(defaultMetricsPort(), dir.resolve("workload"),
                List.of(brokenWorkload, MANIFESTS.resolve("tunxlat-nat64-deployment.yaml")));
        Process p2 = start(defaultMetricsPort(), dir.resolve("config"), List.of(brokenConfig));
        Result r1 = finish(p1);
        Result r2 = finish(p2);
        assertEquals(1, r1.status(), r1.output());
        assertEquals(1, r2.status(), r2.output());
        expect(r1, "workload.yaml:", "'\"periodSecond\"' does not exist in type 'IProbe'",
                "port \"9464\" is neither a number nor a port name", "/spec/template/spec/hostNetwork must be boolean",
                "hostNetwork must be true", "livenessProbe asks /livez, tunxlat's endpoint is /healthz",
                "needs the capability NET_ADMIN", "capability SYS_ADMIN is more than tunxlat needs",
                "memory limit 512Mi is below 2 x -Xmx256m", "the pod needs the annotations prometheus.io/scrape",
                "metadata.name \"Tunxlat\" is not a valid name", "ConfigMap tunxlat-config has no key tunxlat.cnf",
                "Deployment tunxlat-nat64: its containers or volumes differ from DaemonSet tunxlat-nat64's");
        // a mistake inside the ConfigMap's file is reported at its own line of the manifest
        int listenLine = List.of(config.split("\n", -1)).indexOf("    metrics-listen 127.0.0.1:9464") + 1;
        expect(r2, "config.yaml:" + listenLine
                + ": ConfigMap tunxlat-config: tunxlat.conf: metrics-listen 127.0.0.1:9464 is a loopback address",
                "NAT44_SOURCES 192.168.255.16/28 is not the pool4 of tunxlat.conf (192.168.255.32/28)",
                "data-dir /var/lib/tunxlat of tunxlat.conf must be a hostPath volume",
                "must add \"instance-name\" from an environment variable set to the node's name");
    }

    /**
     * The image: the .deb the build makes (jdeb's {@code [[artifactId]]_[[version]]_all.deb} in target/) on Debian 12,
     * with what the manifests call in it: /usr/bin/tunxlat, the packaged nat44.nft, and nft.
     */
    @Test
    void dockerfileInstallsTheBuiltPackageWithWhatThePodRuns() throws IOException {
        String dockerfile = Files.readString(MANIFESTS.resolve("Dockerfile"));
        String pom = Files.readString(Path.of("pom.xml"));
        String manifest = Files.readString(DAEMONSET);
        assertTrue(dockerfile.contains("\nFROM debian:12-slim\n"), "the image is Debian 12");
        assertTrue(pom.contains("<artifactId>tunxlat</artifactId>")
                && pom.contains("<deb>${project.build.directory}/[[artifactId]]_[[version]]_all.deb</deb>"),
                "the build's .deb is target/tunxlat_VERSION_all.deb");
        assertTrue(dockerfile.contains("COPY target/tunxlat_*_all.deb "), "the Dockerfile copies that .deb");
        assertTrue(Pattern.compile("apt-get install -y --no-install-recommends \"\\$1\" nftables").matcher(dockerfile).find(),
                "apt installs the .deb (and its dependencies) and nftables, for nft in the pod's command");
        assertTrue(manifest.contains("nft -D ") && manifest.contains("-f /usr/share/tunxlat/nat44.nft"), manifest);
        assertTrue(pom.contains("<src>${basedir}/packaging/nat44.nft</src>\n                  <type>file</type>\n"
                + "                  <mapper><type>perm</type><prefix>/usr/share/tunxlat</prefix>"),
                "the .deb installs nat44.nft in /usr/share/tunxlat");
        assertTrue(pom.contains("<src>${basedir}/packaging/tunxlat.sh</src>\n                  <dst>tunxlat</dst>\n"
                + "                  <type>file</type>\n                  <mapper><type>perm</type><prefix>/usr/bin</prefix>"),
                "the .deb installs /usr/bin/tunxlat");
        assertTrue(dockerfile.contains("ENTRYPOINT [\"/usr/bin/tunxlat\"]") && manifest.contains("exec /usr/bin/tunxlat run -c "),
                "the image and the pod run /usr/bin/tunxlat");
    }

    record Result(int status, String output) {}

    /** The port of packaging/tunxlat.conf's "#metrics-listen" default line, which must be tunxlat's default. */
    static int defaultMetricsPort() throws IOException {
        Matcher m = Pattern.compile("(?m)^#metrics-listen (\\S+)$").matcher(Files.readString(CONFFILE));
        assertTrue(m.find(), CONFFILE + " shows the metrics-listen default");
        ListenAddress shown = ListenAddress.parseOrOff(m.group(1));
        assertEquals(TunxlatConfig.DEFAULT_METRICS_LISTEN, shown, CONFFILE + " shows tunxlat's default");
        return shown.port();
    }

    static List<Path> manifests() throws IOException {
        try (Stream<Path> files = Files.list(MANIFESTS)) {
            List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
            assertTrue(yaml.size() >= 2, "the DaemonSet and the Deployment variant: " + yaml);
            return yaml;
        }
    }

    static Result check(int metricsPort, Path work, List<Path> files) throws Exception {
        return finish(start(metricsPort, work, files));
    }

    /** Starts check-manifests.mjs, or skips (fails under CI) without node or the checker's packages. */
    static Process start(int metricsPort, Path work, List<Path> files) throws IOException {
        Path node = ExternalTool.require("node", "apt-get install nodejs npm");
        if (!Files.isDirectory(CHECKER.resolve("node_modules/kubernetes-models"))) {
            ExternalTool.unavailable("the manifest checker's packages are not installed (npm ci --prefix " + CHECKER + ")");
        }
        List<String> command = new ArrayList<>(List.of(node.toString(), CHECKER.resolve("check-manifests.mjs").toString(),
                "--metrics-port", Integer.toString(metricsPort), "--work", work.toString()));
        files.forEach(f -> command.add(f.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        return p;
    }

    static Result finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the checker did not finish");
        return new Result(p.exitValue(), out);
    }

    /** {@code text} with each pair's first string (which must be there) replaced by the second, once. */
    static String replace(String text, String... pairs) {
        String out = text;
        for (int i = 0; i < pairs.length; i += 2) {
            assertTrue(out.contains(pairs[i]), "the manifest no longer contains: " + pairs[i]);
            out = out.replaceFirst(Pattern.quote(pairs[i]), Matcher.quoteReplacement(pairs[i + 1]));
        }
        return out;
    }

    static void expect(Result r, String... fragments) {
        for (String f : fragments) {
            assertTrue(r.output().contains(f), "expected '" + f + "' in:\n" + r.output());
        }
    }
}
