// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.xlat;

import io.netty.buffer.ByteBuf;

/**
 * RFC 4884 (extended ICMP) for one translated ICMP error: where the received error's original datagram
 * ends and its extension starts, and how the translated one lays out its original datagram field (padded
 * to a multiple of the length unit, at least 128 bytes) and the extension after it when it fits. One per
 * direction and worker; {@link #read}, then {@link #layout}, then {@link #finish}.
 */
final class Rfc4884 {
    /** RFC 4884 §4: when extensions are present the original datagram field is at least 128 bytes. */
    static final int MIN_ORIGINAL_DATAGRAM = 128;

    /** The received error: its original datagram's length and the extension's place and length. */
    int originalLength;
    int extensionStart;
    int extensionLength;
    /** The translated error: its original datagram field, everything after the ICMP header, and whether the extension is kept. */
    int originalOut;
    int body;
    boolean withExtension;

    /**
     * RFC 4884 §4 and §5.1: the received error's original datagram starts at {@code ip} and the message
     * ends at {@code end}; {@code lengthBytes} is its length attribute in bytes (0: none, or a type without
     * one). A length that reaches past the message is taken as none (§5.1: "compliant" handling).
     */
    void read(int ip, int end, int lengthBytes) {
        if (lengthBytes != 0 && ip + lengthBytes <= end) {
            originalLength = lengthBytes;
            extensionStart = ip + lengthBytes;
        } else {
            originalLength = end - ip;
            extensionStart = end;
        }
        extensionLength = end - extensionStart;
    }

    /**
     * RFC 4884 §4: the translated error quotes {@code translatedInner} bytes of the translated original
     * datagram in at most {@code maxBody} bytes; the extension is kept when {@code allowed} (a type that
     * has the length attribute) and at least 128 bytes of quote fit before it, the quote then padded to a
     * multiple of {@code unit} (8 in ICMPv6, 4 in ICMPv4).
     */
    void layout(int translatedInner, int maxBody, boolean allowed, int unit) {
        withExtension = extensionLength > 0 && allowed && MIN_ORIGINAL_DATAGRAM + extensionLength <= maxBody;
        if (withExtension) {
            originalOut = Math.max(MIN_ORIGINAL_DATAGRAM, Math.min(translatedInner, maxBody - extensionLength) & -unit);
            body = originalOut + extensionLength;
        } else {
            originalOut = Math.min(translatedInner, maxBody);
            body = originalOut;
        }
    }

    /**
     * RFC 4884 §4: zero padding after the {@code written} bytes of translated quote at {@code out[inner]}, up
     * to the original datagram field's length, then the extension copied from {@code in}.
     */
    void finish(ByteBuf out, int inner, int written, ByteBuf in) {
        if (originalOut > written) {
            out.setZero(inner + written, originalOut - written);
        }
        if (withExtension) {
            out.setBytes(inner + originalOut, in, extensionStart, extensionLength);
        }
    }
}
