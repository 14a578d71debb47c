// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.clat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small simulated host for {@link ClatHost}'s unit tests: it keeps the state the plumbing changes (addresses,
 * proxy entries, routes, sysctls) and prints it as {@code ip -j} does, so that a test can compare the state before
 * and after a teardown. Addresses in {@link #duplicates} fail DAD when probed.
 */
class FakeIproute implements Iproute {
    final List<String> commands = new ArrayList<>();
    final Map<String, String> sysctls = new HashMap<>();
    final Set<String> duplicates = new LinkedHashSet<>();
    /** Added /128 addresses on the uplink, and all other added things, one "kind text" line each. */
    final Set<String> state = new LinkedHashSet<>();
    final List<String> processes = new ArrayList<>();
    String uplink = "eth0";
    String slaac = "2001:db8:1:0:211:22ff:fe33:4455";
    String routes4 = "[]";
    String addrs4 = "[{\"ifname\":\"lo\",\"addr_info\":[{\"family\":\"inet\",\"local\":\"127.0.0.1\",\"prefixlen\":8,"
            + "\"scope\":\"host\"}]}]";
    long tunMtu = 1500;
    /** The TUN device's {@code inet6_addr_gen_mode} when created (the kernel's default). */
    String tunAddrGenMode = "eui64";
    /** A command prefix that fails with this stderr (say "ip -6 route add"), or null. */
    String failing;
    String failure = "RTNETLINK answers: Operation not permitted";

    FakeIproute() {
        sysctls.put("net.ipv6.conf.all.forwarding", "0");
        sysctls.put("net.ipv6.conf.eth0.forwarding", "0");
        sysctls.put("net.ipv6.conf.eth0.accept_ra", "1");
        sysctls.put("net.ipv6.conf.default.accept_ra", "1");
        sysctls.put("net.ipv6.conf.clat.accept_ra", "1");
        sysctls.put("net.ipv6.conf.clat.forwarding", "0");
        sysctls.put("net.ipv6.conf.clat.force_mld_version", "0");
        sysctls.put("net.ipv6.conf.eth0.proxy_ndp", "0");
        sysctls.put("net.ipv6.conf.eth0.accept_dad", "1");
        sysctls.put("net.ipv6.conf.eth0.mtu", "1500");
    }

    @Override
    public String run(String... command) throws IOException {
        String line = String.join(" ", command);
        commands.add(line);
        if (failing != null && line.startsWith(failing)) {
            throw new IprouteException(line, 2, failure);
        }
        switch (line) {
            case "ip -j -6 route get 64:ff9b::":
                return "[{\"dst\":\"64:ff9b::\",\"gateway\":\"fe80::1\",\"dev\":\"" + uplink + "\",\"metric\":1024}]";
            case "ip -j -6 route show default":
                return "[{\"dst\":\"default\",\"gateway\":\"fe80::1\",\"dev\":\"" + uplink + "\",\"protocol\":\"ra\","
                        + "\"metric\":1024}]";
            case "ip -j -4 route show table all default":
                return routes4;
            case "ip -j -4 addr show":
                return addrs4;
            case "ip -j link show":
                return "[{\"ifname\":\"lo\"},{\"ifname\":\"" + uplink + "\"},{\"ifname\":\"clat\"}]";
            case "ip -j -d link show dev clat":
                return "[{\"ifname\":\"clat\",\"flags\":[\"POINTOPOINT\",\"MULTICAST\",\"NOARP\"],\"mtu\":" + tunMtu
                        + ",\"inet6_addr_gen_mode\":\"" + tunAddrGenMode + "\"}]";
            default:
                break;
        }
        if (line.equals("ip -j -6 addr show") || line.equals("ip -j -6 addr show dev " + uplink)) {
            StringBuilder s = new StringBuilder("[{\"ifname\":\"" + uplink + "\",\"addr_info\":[");
            s.append("{\"family\":\"inet6\",\"local\":\"2001:db8:1::99\",\"prefixlen\":64,\"scope\":\"global\","
                    + "\"temporary\":true,\"dynamic\":true}");
            s.append(",{\"family\":\"inet6\",\"local\":\"" + slaac + "\",\"prefixlen\":64,\"scope\":\"global\","
                    + "\"dynamic\":true,\"mngtmpaddr\":true}");
            for (String st : state) {
                if (st.startsWith("addr ")) {
                    String a = st.substring(5);
                    boolean dup = duplicates.contains(a);
                    s.append(",{\"family\":\"inet6\",\"local\":\"" + a + "\",\"prefixlen\":128,\"scope\":\"global\","
                            + (dup ? "\"dadfailed\":true," : "") + "\"tentative\":" + dup + ",\"noprefixroute\":true}");
                }
            }
            return s.append("]}]").toString();
        }
        if (line.startsWith("ip -6 addr add ")) {
            return add("addr " + command[4].replace("/128", ""), line);
        }
        if (line.startsWith("ip -6 addr del ")) {
            return del("addr " + command[4].replace("/128", ""), line);
        }
        if (line.startsWith("ip link set dev clat multicast ")) {
            return command[6].equals("off") ? add("multicast off", line) : del("multicast off", line);
        }
        if (line.startsWith("ip link set dev clat addrgenmode ")) {
            state.removeIf(x -> x.startsWith("addrgenmode "));
            if (!command[6].equals(tunAddrGenMode)) {
                state.add("addrgenmode " + command[6]);
            }
            return "";
        }
        if (line.startsWith("ip link set dev clat mtu ")) {
            state.removeIf(x -> x.startsWith("mtu "));
            if (!command[6].equals(Long.toString(tunMtu))) {
                state.add("mtu " + command[6]);
            }
            return "";
        }
        String[] kinds = {"ip -6 neigh ", "ip -6 route ", "ip -4 route ", "ip addr ", "ip link set dev clat "};
        for (String k : kinds) {
            if (line.startsWith(k + "add ") || line.startsWith(k + "up") || line.startsWith(k + "del ")
                    || line.startsWith(k + "down")) {
                String rest = line.substring(k.length());
                boolean adding = rest.startsWith("add") || rest.startsWith("up");
                String key = k + rest.replaceFirst("^(add|del|up|down) ?", "").replaceAll(" advmss \\d+", "");
                return adding ? add(key, line) : del(key, line);
            }
        }
        throw new IprouteException(line, 1, "FakeIproute does not know this command");
    }

    private String add(String key, String line) throws IOException {
        if (!state.add(key)) {
            throw new IprouteException(line, 2, "RTNETLINK answers: File exists");
        }
        return "";
    }

    private String del(String key, String line) throws IOException {
        if (!state.remove(key)) {
            throw new IprouteException(line, 2, "RTNETLINK answers: No such process");
        }
        return "";
    }

    @Override
    public String sysctl(String key) throws IOException {
        String v = sysctls.get(key);
        if (v == null) {
            throw new IOException("no sysctl " + key);
        }
        return v;
    }

    @Override
    public void setSysctl(String key, String value) throws IOException {
        commands.add("sysctl " + key + "=" + value);
        sysctls.put(key, value);
    }

    @Override
    public List<String> processes() {
        return processes;
    }
}
