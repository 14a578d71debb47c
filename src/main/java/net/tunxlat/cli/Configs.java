// SPDX-License-Identifier: Apache-2.0
package net.tunxlat.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.tunxlat.config.ConfigLint;
import net.tunxlat.config.ConfigException;
import net.tunxlat.config.ConfigParser;
import net.tunxlat.config.MapFile;
import net.tunxlat.config.TunxlatConfig;

/** Loads a configuration file for a command, printing warnings and errors the same way everywhere. */
final class Configs {
    private Configs() {}

    /** The configuration, or null after printing why it cannot be used. */
    static TunxlatConfig load(Path file, PrintWriter err) {
        return load(file, err, false).config();
    }

    /** The configuration with the maps of its {@code map-file} added, or null after printing why it cannot be used. */
    static TunxlatConfig loadWithMapFile(Path file, PrintWriter err) {
        return load(file, err, true).config();
    }

    /**
     * A loaded configuration (null when it cannot be used) and how many warnings were printed about it.
     */
    record Loaded(TunxlatConfig config, int warnings) {}

    /**
     * Loads {@code file} (with its map-file if {@code withMapFile}), printing the parser's warnings, then those of
     * {@link ConfigLint} about traffic the configuration cannot carry, or every error.
     */
    static Loaded load(Path file, PrintWriter err, boolean withMapFile) {
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
            List<String> lint = ConfigLint.warnings(config, parsed.lines());
            for (String w : lint) {
                err.println("tunxlat: warning: " + w);
            }
            err.flush();
            return new Loaded(config, warnings.size() + lint.size());
        } catch (ConfigException e) {
            printErrors(e, file, err);
        } catch (NoSuchFileException e) {
            err.println("tunxlat: " + file + ": no such file");
        } catch (IOException e) {
            err.println("tunxlat: " + file + ": cannot read: " + e.getMessage());
        }
        err.flush();
        return new Loaded(null, 0);
    }

    /** Every error {@code e} carries, one {@code tunxlat: FILE:LINE: what is wrong} line each, then how many. */
    static void printErrors(ConfigException e, Path file, PrintWriter err) {
        var all = e.errors();
        for (ConfigException x : all) {
            err.println("tunxlat: " + x.getMessage());
        }
        if (e.truncated()) {
            err.println("tunxlat: stopped after " + all.size() + " errors; fix these and run 'tunxlat check -c " + file
                    + "' again");
        } else if (all.size() > 1) {
            err.println("tunxlat: " + all.size() + " errors");
        }
    }
}
