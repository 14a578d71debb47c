package net.tunxlat.control;

/** Just enough JSON writing for the control socket's answers: objects, arrays, strings, numbers, null. */
final class Json {
    private final StringBuilder sb;
    /** Whether the next value in the current object or array needs a comma in front. */
    private boolean comma;

    Json(StringBuilder sb) {
        this.sb = sb;
    }

    Json beginObject() {
        sep();
        sb.append('{');
        comma = false;
        return this;
    }

    Json endObject() {
        sb.append('}');
        comma = true;
        return this;
    }

    Json beginArray() {
        sep();
        sb.append('[');
        comma = false;
        return this;
    }

    Json endArray() {
        sb.append(']');
        comma = true;
        return this;
    }

    /** A member name; the value follows. */
    Json name(String name) {
        sep();
        quote(name);
        sb.append(':');
        comma = false;
        return this;
    }

    Json value(String s) {
        sep();
        if (s == null) {
            sb.append("null");
        } else {
            quote(s);
        }
        comma = true;
        return this;
    }

    Json value(long n) {
        sep();
        sb.append(n);
        comma = true;
        return this;
    }

    Json nullValue() {
        sep();
        sb.append("null");
        comma = true;
        return this;
    }

    Json field(String name, String value) {
        return name(name).value(value);
    }

    Json field(String name, long value) {
        return name(name).value(value);
    }

    private void sep() {
        if (comma) {
            sb.append(',');
            comma = false;
        }
    }

    private void quote(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
