package io.marmot.sidecar;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT as a clean stop with exit code 0 (the JVM's own handling exits with 143 and 130, which
 * service managers count as failures). Uses {@code sun.misc.Signal} (module jdk.unsupported) reflectively, so
 * the build has no proprietary-API warnings; where it is missing, the shutdown hook still stops the sidecar
 * cleanly, only with the JVM's exit code.
 */
final class Signals {
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    static void onTermination(Runnable stop) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Class<?> signal = Class.forName("sun.misc.Signal");
                Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
                Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerType},
                        (proxy, method, args) -> handle(proxy, method, args, name, stop));
                Method handle = signal.getMethod("handle", signal, handlerType);
                handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
            } catch (InvocationTargetException e) {
                log.debug("SIG{} stays with the JVM: {}", name, e.getCause().toString());
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                log.debug("SIG{} stays with the JVM: {}", name, e.toString());
            }
        }
    }

    private static Object handle(Object proxy, Method method, Object[] args, String name, Runnable stop) {
        switch (method.getName()) {
            case "handle" -> {
                log.info("SIG{} received: stopping", name);
                stop.run();
                return null;
            }
            case "equals" -> {
                return proxy == args[0];
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            default -> {
                return "marmot SIG" + name + " handler";
            }
        }
    }
}
