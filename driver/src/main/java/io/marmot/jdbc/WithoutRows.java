package io.marmot.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A result set that skips the rows a test picks and is otherwise the one it was made from. Only metadata uses
 * it, so a dynamic proxy (rather than a hand-written class of 190 methods) is fast enough.
 */
final class WithoutRows implements InvocationHandler {
    private final ResultSet rows;
    private final RowTest skipped;

    private WithoutRows(ResultSet rows, RowTest skipped) {
        this.rows = rows;
        this.skipped = skipped;
    }

    static ResultSet of(ResultSet rows, RowTest skipped) {
        return (ResultSet) Proxy.newProxyInstance(WithoutRows.class.getClassLoader(), new Class<?>[] {ResultSet.class},
                new WithoutRows(rows, skipped));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getParameterCount() == 0 && method.getName().equals("next")) {
            return next();
        }
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> "WithoutRows[" + rows + "]";
            };
        }
        try {
            return method.invoke(rows, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private boolean next() throws SQLException {
        while (rows.next()) {
            if (!skipped.test(rows)) {
                return true;
            }
        }
        return false;
    }

    @FunctionalInterface
    interface RowTest {
        boolean test(ResultSet row) throws SQLException;
    }
}
