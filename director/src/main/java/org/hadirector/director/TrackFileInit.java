package org.hadirector.director;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.hadirector.conf.model.TrackFile;
import org.hadirector.sys.SmallFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** track_file's init_file: the initial value written when the file is missing, or always with overwrite. */
final class TrackFileInit {
    private static final Logger LOG = LoggerFactory.getLogger(TrackFileInit.class);

    private TrackFileInit() {}

    /** Writes each of {@code files} (those with an init value) as keepalived does, at start and at each reload. */
    static void write(List<TrackFile> files) {
        for (TrackFile tf : files) {
            Path p = Path.of(tf.file());
            try {
                // Written as keepalived writes it, but never through a link: a new file renamed in place.
                if (tf.initOverwrite() || !SmallFiles.existsNoFollow(p)) {
                    SmallFiles.writeReplacing(p, tf.initValue() + "\n", "rw-r--r--");
                }
            } catch (IOException e) {
                LOG.warn("track_file {}: cannot initialise {}: {}", tf.name(), p, e.getMessage());
            }
        }
    }
}
