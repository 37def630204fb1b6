package io.marmot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * JVM-wide state has one owner, {@code replication.MarmotRuntime}: no other class of the driver keeps mutable state
 * in a static field. Checked on the compiled classes: a static field that is not final, or a static final one of a
 * mutable kind (a map or collection that is not unmodifiable, an executor, an atomic, a thread-local), is an offence
 * unless {@link #ALLOWED} names it with its reason.
 */
class StaticStateTest {
    private static final Path CLASSES = Path.of("target", "classes");

    /** Class#field → why it stays outside the runtime. Keep it short. */
    static final Map<String, String> ALLOWED = Map.of(
            "io.marmot.replication.MarmotRuntime#current", "the owner itself: this JVM's runtime while open",
            "io.marmot.sqlite.WriteLockQueue#FILES", "write-lock turns of every connection of the JVM to a file, also"
                    + " of plain connections no engine or runtime knows (lowest layer, below the runtime)",
            "io.marmot.sqlite.WriteLockQueue#PLACES", "counts the places handed out, to sweep FILES' collected queues",
            "io.marmot.sqlite.WriteLockWaiter#INSTALLED", "each connection's waiter, weakly keyed: it goes with its"
                    + " connection, which may belong to no engine",
            "io.marmot.config.MarmotConfig#GLOBS", "a memo of compiled table patterns: a pure function's cache, no state",
            "io.marmot.nats.SharedConnection#COUNT", "numbers NATS connections' thread names, distinct for the JVM's life",
            "io.marmot.nats.NatsConnector#ONCE", "numbers one-shot connections' thread names, distinct for the JVM's life");

    @Test
    void noStaticMutableStateOutsideTheRuntime() throws IOException, ClassNotFoundException {
        List<String> offences = new ArrayList<>();
        List<String> allowedSeen = new ArrayList<>();
        for (String name : classNames()) {
            Class<?> type = Class.forName(name, false, getClass().getClassLoader());
            for (Field f : type.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers()) || f.isSynthetic()) {
                    continue;
                }
                String id = name + "#" + f.getName();
                String why = mutable(f);
                if (why == null) {
                    continue;
                }
                if (ALLOWED.containsKey(id)) {
                    allowedSeen.add(id);
                } else {
                    offences.add(id + " is " + why + ": JVM-wide state lives in MarmotRuntime (a field of it, or a"
                            + " MarmotRuntime.Registry), handed to who needs it by constructor");
                }
            }
        }
        assertEquals(List.of(), offences);
        List<String> stale = new ArrayList<>(ALLOWED.keySet());
        stale.removeAll(allowedSeen);
        assertEquals(List.of(), stale, "allowed static fields that no longer exist: take them off ALLOWED");
    }

    /** Why a static field holds mutable state, or null when it does not. */
    private static String mutable(Field f) {
        if (!Modifier.isFinal(f.getModifiers())) {
            return "a static field that is not final";
        }
        Class<?> t = f.getType();
        if (Executor.class.isAssignableFrom(t)) {
            return "a static executor";
        }
        if (t.getName().startsWith("java.util.concurrent.atomic.") || ThreadLocal.class.isAssignableFrom(t)) {
            return "a static " + t.getSimpleName();
        }
        if (Map.class.isAssignableFrom(t) || Collection.class.isAssignableFrom(t)) {
            Object value = valueOf(f);
            String kind = value == null ? "" : value.getClass().getName();
            // List.of, Set.of, Map.of and Collections.unmodifiable*/empty* hold nothing that changes
            boolean unmodifiable = kind.startsWith("java.util.ImmutableCollections$")
                    || kind.startsWith("java.util.Collections$Unmodifiable") || kind.startsWith("java.util.Collections$Empty");
            return unmodifiable ? null : "a static " + t.getSimpleName() + " (" + kind + ")";
        }
        return null;
    }

    private static Object valueOf(Field f) {
        try {
            f.setAccessible(true);
            return f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot read " + f, e);
        }
    }

    private static List<String> classNames() throws IOException {
        try (Stream<Path> files = Files.walk(CLASSES.resolve(Path.of("io", "marmot")))) {
            return files.filter(p -> p.toString().endsWith(".class"))
                    .map(p -> CLASSES.relativize(p).toString().replace('\\', '/'))
                    .map(p -> p.substring(0, p.length() - ".class".length()).replace('/', '.'))
                    .sorted()
                    .toList();
        }
    }
}
