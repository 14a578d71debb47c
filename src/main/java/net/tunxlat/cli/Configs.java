package net.tunxlat.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.config.ConfigException;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.MapFile;
import net.tunxlat.config.TunxlatConfig;

/** Loads a configuration file for a command, printing warnings and errors the same way everywhere. */
final class Configs {
    private Configs() {}

    /** The configuration, or null after printing why it cannot be used. */
    static TunxlatConfig load(Path file, PrintWriter err) {
        return load(file, err, false);
    }

    /** The configuration with the maps of its {@code map-file} added, or null after printing why it cannot be used. */
    static TunxlatConfig loadWithMapFile(Path file, PrintWriter err) {
        return load(file, err, true);
    }

    private static TunxlatConfig load(Path file, PrintWriter err, boolean withMapFile) {
        try {
            ConfigParser.Parsed parsed = ConfigParser.parseWithWarnings(file);
            List<String> warnings = new ArrayList<>(parsed.warnings());
            TunxlatConfig config = parsed.config();
            if (withMapFile) {
                MapFile.Loaded loaded = MapFile.load(config);
                warnings.addAll(loaded.notes());
                config = loaded.config();
            }
            for (String w : warnings) {
                err.println("tunxlat: warning: " + w);
            }
            err.flush();
            return config;
        } catch (ConfigException e) {
            err.println("tunxlat: " + e.getMessage());
        } catch (NoSuchFileException e) {
            err.println("tunxlat: " + file + ": no such file");
        } catch (IOException e) {
            err.println("tunxlat: " + file + ": cannot read: " + e.getMessage());
        }
        err.flush();
        return null;
    }
}
