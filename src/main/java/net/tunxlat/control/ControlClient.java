// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.control;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;

/** Sends one request to a running daemon's control socket and copies the answer. */
public final class ControlClient {
    private ControlClient() {}

    /** The daemon could not be asked; the message says which socket and why. */
    public static final class Unreachable extends IOException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The daemon answered with an error line. */
    public static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /**
     * Sends {@code request} to the daemon at {@code socket} and copies the body of a successful answer to
     * {@code out}.
     *
     * @throws Unreachable when nothing answers there (with the path and the reason)
     * @throws Refused     when the daemon answers {@code error: ...}
     */
    public static void request(Path socket, String request, Writer out) throws IOException {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (SocketException e) {
            throw new Unreachable(explain(socket, e), e);
        }
        try (ch) {
            ByteBuffer b = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8),
                    1 << 16);
            String status = in.readLine();
            if (status == null) {
                throw new Unreachable("the daemon at " + socket + " closed the connection without answering", null);
            }
            if (status.startsWith("error: ")) {
                throw new Refused(status.substring("error: ".length()));
            }
            if (!status.equals("ok")) {
                throw new Refused("unexpected answer from " + socket + ": " + status);
            }
            char[] buf = new char[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
            out.flush();
        }
    }

    private static String explain(Path socket, SocketException e) {
        String m = String.valueOf(e.getMessage());
        String why;
        if (m.contains("No such file")) {
            why = Files.isDirectory(socket.getParent() == null ? Path.of("/") : socket.getParent())
                    ? "no such socket: is tunxlat running (with this configuration)?"
                    : "no such socket (" + socket.getParent() + " does not exist): is tunxlat running?";
        } else if (m.contains("Connection refused")) {
            why = "nothing is listening (a socket left by a daemon that died?): is tunxlat running?";
        } else if (m.contains("Permission denied")) {
            why = "permission denied: only root, the daemon's user and members of the socket's group"
                    + group(socket) + " may use it";
        } else {
            why = m;
        }
        return "cannot reach the tunxlat daemon at " + socket + ": " + why;
    }

    private static String group(Path socket) {
        try {
            return " (" + Files.readAttributes(socket, PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).group().getName() + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
