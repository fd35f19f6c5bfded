package io.mailca.issuance;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Whole-file writes that a crash cannot tear: the bytes go to a temporary file in the same
 * directory, are forced to disk, and replace the target with one atomic rename. Secret files
 * are created with mode 0600 from the start, so no reader ever sees them more open.
 */
final class AtomicFiles {
    static final Set<PosixFilePermission> SECRET = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");
    static final Set<PosixFilePermission> PRIVATE_DIR =
            PosixFilePermissions.fromString("rwx------");

    private AtomicFiles() {
    }

    /** Writes {@code data} to {@code target}, mode 0600 when {@code secret}, else 0644. */
    static void write(Path target, byte[] data, boolean secret) throws IOException {
        var dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        var temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp",
                posixAttribute(dir, SECRET));
        try {
            try (var channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(data));
                channel.force(true);
            }
            if (!secret && isPosix(dir)) {
                Files.setPosixFilePermissions(temp, PUBLIC);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("file system cannot rename atomically: " + dir, e);
            }
            forceDirectory(dir);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Creates {@code dir} (and parents) and makes it 0700, for directories holding keys. */
    static void createPrivateDirectory(Path dir) throws IOException {
        try {
            Files.createDirectories(dir, posixAttribute(dir.toAbsolutePath().getParent(),
                    PRIVATE_DIR));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("not a directory: " + dir, e);
        }
        if (isPosix(dir)) {
            Files.setPosixFilePermissions(dir, PRIVATE_DIR);
        }
    }

    private static FileAttribute<?>[] posixAttribute(Path dir,
            Set<PosixFilePermission> permissions) {
        if (dir != null && isPosix(dir)) {
            return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
        }
        return new FileAttribute<?>[0];
    }

    private static boolean isPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static void forceDirectory(Path dir) {
        // Makes the rename itself durable on Linux; other systems may refuse, which is harmless.
        try (var channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Best effort only: the data file itself is already on disk.
        }
    }
}
