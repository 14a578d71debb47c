// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.control;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.concurrent.Semaphore;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import net.tunxlat.util.Log;

/**
 * The daemon's local control socket (Unix domain, {@code control-socket}, default
 * {@code /run/tunxlat/<tun-device>.sock}): one request line, one answer, close.
 *
 * <p>Access: the socket file is mode 0660 (set explicitly right after bind, whatever the umask), owned by
 * the daemon's user and group, so the kernel lets only those and root connect. The server checks the peer
 * again with {@code SO_PEERCRED} and answers only root, the daemon's own user, and members of the socket's
 * group (primary group, or listed in /etc/group); anyone else gets a one-line refusal.
 *
 * <p>A socket file left by a daemon that died is replaced; if another daemon answers on it, start fails.
 */
public final class ControlServer implements AutoCloseable {
    /** Answers one request; writes {@code ok\n} then the body, or {@code error: why\n}. */
    public interface Handler {
        void handle(String request, Writer out) throws IOException;
    }

    static final int MAX_REQUEST = 1024;
    static final long REQUEST_TIMEOUT_MILLIS = 5000;
    static final int MAX_CLIENTS = 4;

    private final Path path;
    private final ServerSocketChannel server;
    private final Handler handler;
    private final String ownerUser;
    private final String ownerGroup;
    private final Semaphore clients = new Semaphore(MAX_CLIENTS);
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlServer(Path path, ServerSocketChannel server, Handler handler, String ownerUser, String ownerGroup) {
        this.path = path;
        this.server = server;
        this.handler = handler;
        this.ownerUser = ownerUser;
        this.ownerGroup = ownerGroup;
        this.acceptor = new Thread(this::acceptLoop, "tunxlat-control");
        this.acceptor.setDaemon(true);
    }

    /**
     * Binds the socket at {@code path} and starts accepting.
     *
     * @param user  the user to own the socket (TAYGA's {@code -u}), or null for the process's own
     * @param group the group to own the socket ({@code -g}), or null for the process's own
     * @throws IOException if another daemon answers there, the path is not a socket, or binding fails
     */
    public static ControlServer start(Path path, String user, String group, Handler handler) throws IOException {
        try {
            return bind(path, user, group, handler);
        } catch (StaleCheckException e) {
            throw new IOException(e.getMessage());
        } catch (IOException e) {
            throw new IOException("cannot create control socket " + path + ": " + e
                    + " (set 'control-socket' to another path, or 'control-socket off')", e);
        }
    }

    /** Another daemon answers, or the path is not a socket: said as it is. */
    private static final class StaleCheckException extends IOException {
        private static final long serialVersionUID = 1L;

        StaleCheckException(String message) {
            super(message);
        }
    }

    private static ControlServer bind(Path path, String user, String group, Handler handler) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            chown(dir, user, group);
        }
        removeStale(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        boolean ok = false;
        try {
            server.bind(UnixDomainSocketAddress.of(path), 8);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
            chown(path, user, group);
            PosixFileAttributes attrs = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            ControlServer cs = new ControlServer(path, server, handler, attrs.owner().getName(), attrs.group().getName());
            cs.acceptor.start();
            ok = true;
            return cs;
        } finally {
            if (!ok) {
                server.close();
                Files.deleteIfExists(path);
            }
        }
    }

    private static void chown(Path p, String user, String group) throws IOException {
        UserPrincipalLookupService lookup = p.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (user != null) {
            UserPrincipal u = lookup.lookupPrincipalByName(user);
            view.setOwner(u);
        }
        if (group != null) {
            GroupPrincipal g = lookup.lookupPrincipalByGroupName(group);
            view.setGroup(g);
        }
    }

    /** Deletes a socket file nobody answers on; refuses if a daemon answers or the file is not a socket. */
    static void removeStale(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & 0170000) != 0140000) {
            throw new StaleCheckException("control socket " + path + " exists and is not a socket; refusing to replace it"
                    + " (remove it, or set 'control-socket' to another path)");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new StaleCheckException("another tunxlat is already running: it answers on control socket " + path
                    + " (stop it first, or give this one another 'control-socket' or 'tun-device')");
        } catch (SocketException e) {
            // Nobody listening: a socket left by a daemon that did not stop cleanly (kill -9, crash).
            Files.deleteIfExists(path);
            Log.info("replaced stale control socket " + path);
        }
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    Log.warn("control socket " + path + ": accept failed: " + e.getMessage());
                }
                continue;
            }
            if (!clients.tryAcquire()) {
                reply(ch, "error: busy (" + MAX_CLIENTS + " requests in progress); try again\n");
                continue;
            }
            Thread t = new Thread(() -> {
                try {
                    serve(ch);
                } finally {
                    clients.release();
                }
            }, "tunxlat-control-client");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            String refusal = authorize(ch);
            if (refusal != null) {
                reply(ch, "error: " + refusal + "\n");
                return;
            }
            String request = readLine(ch);
            if (request == null) {
                return;
            }
            ch.configureBlocking(true);
            Writer out = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(ch), StandardCharsets.UTF_8),
                    1 << 16);
            try {
                handler.handle(request, out);
            } catch (RuntimeException e) {
                out.write("error: " + e + "\n");
            }
            out.flush();
        } catch (IOException e) {
            Log.debug("control socket " + path + ": " + e.getMessage());
        }
    }

    /** Null if the peer may use the socket, else why not. */
    String authorize(SocketChannel ch) throws IOException {
        UnixDomainPrincipal peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
        String user = peer.user().getName();
        String group = peer.group().getName();
        if (allowed(user, group, ownerUser, ownerGroup, groupMembers(ownerGroup))) {
            return null;
        }
        return "permission denied: user " + user + " is not root, " + ownerUser + ", or a member of group "
                + ownerGroup + " (the control socket's group)";
    }

    /** Root, the daemon's user, a peer whose primary group is the socket's, or a listed member of it. */
    static boolean allowed(String user, String primaryGroup, String owner, String ownerGroup, List<String> members) {
        return user.equals("root") || user.equals("0") || user.equals(owner) || primaryGroup.equals(ownerGroup)
                || members.contains(user);
    }

    /** The members /etc/group lists for {@code group} (supplementary membership). */
    static List<String> groupMembers(String group) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/group"))) {
                String[] f = line.split(":", -1);
                if (f.length >= 4 && f[0].equals(group)) {
                    return f[3].isEmpty() ? List.of() : List.of(f[3].split(","));
                }
            }
        } catch (IOException e) {
            // no /etc/group: primary group and owner only
        }
        return List.of();
    }

    /** Reads one request line (at most {@link #MAX_REQUEST} bytes, within {@link #REQUEST_TIMEOUT_MILLIS}). */
    private static String readLine(SocketChannel ch) throws IOException {
        ch.configureBlocking(false);
        ByteBuffer buf = ByteBuffer.allocate(MAX_REQUEST);
        long deadline = System.currentTimeMillis() + REQUEST_TIMEOUT_MILLIS;
        try (Selector sel = Selector.open()) {
            ch.register(sel, SelectionKey.OP_READ);
            while (true) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return null;
                }
                sel.select(left);
                sel.selectedKeys().clear();
                int n = ch.read(buf);
                for (int i = 0; i < buf.position(); i++) {
                    if (buf.get(i) == '\n') {
                        return new String(buf.array(), 0, i, StandardCharsets.UTF_8);
                    }
                }
                if (n < 0) {
                    return buf.position() > 0 ? new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8) : null;
                }
                if (!buf.hasRemaining()) {
                    return null;
                }
            }
        } // closing the selector deregisters the channel, so it can be made blocking again
    }

    private static void reply(SocketChannel ch, String line) {
        try (ch) {
            ch.configureBlocking(true);
            ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** Stops accepting and removes the socket file. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            Log.warn("cannot remove control socket " + path + ": " + e.getMessage());
        }
    }
}
