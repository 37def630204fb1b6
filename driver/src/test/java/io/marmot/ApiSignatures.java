package io.marmot;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a user can reach from the API without naming an internal type: the io.marmot types that the API types'
 * public signatures (supertypes, constructors, methods, fields, their generic arguments and exceptions, and the same
 * for their public nested types) mention, that are neither API types nor nested in one. Read by reflection on the
 * compiled classes, so inherited supertypes and generic arguments are not missed as a reading of the source would.
 */
final class ApiSignatures {
    private final Set<String> api;
    private final List<String> leaks = new ArrayList<>();
    private final Set<TypeVariable<?>> seenVariables = new HashSet<>();

    private ApiSignatures(Set<String> api) {
        this.api = api;
    }

    /** @param api the API's types as {@code CodingRulesTest.API} names them ({@code jdbc/MarmotDriver}) */
    static List<String> leaks(Set<String> api) throws ClassNotFoundException {
        ApiSignatures s = new ApiSignatures(api);
        for (String name : api) {
            s.examine(Class.forName("io.marmot." + name.replace('/', '.')));
        }
        return s.leaks.stream().distinct().sorted().toList();
    }

    private void examine(Class<?> type) {
        String where = type.getName();
        mention(type.getGenericSuperclass(), where + " extends");
        for (Type t : type.getGenericInterfaces()) {
            mention(t, where + " implements");
        }
        boolean extendable = !Modifier.isFinal(type.getModifiers()) && !type.isEnum() && !type.isRecord();
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (visible(c.getModifiers(), extendable)) {
                executable(c, where + "(constructor)");
            }
        }
        for (Method m : type.getDeclaredMethods()) {
            if (visible(m.getModifiers(), extendable) && !m.isSynthetic() && !m.isBridge()) {
                mention(m.getGenericReturnType(), where + "." + m.getName() + " returns");
                executable(m, where + "." + m.getName());
            }
        }
        for (Field f : type.getDeclaredFields()) {
            if (visible(f.getModifiers(), extendable) && !f.isSynthetic()) {
                mention(f.getGenericType(), where + "." + f.getName());
            }
        }
        for (Class<?> nested : type.getDeclaredClasses()) {
            if (Modifier.isPublic(nested.getModifiers())) {
                examine(nested);
            }
        }
    }

    /** Public members, and protected ones where a user's subclass can see them. */
    private static boolean visible(int modifiers, boolean extendable) {
        return Modifier.isPublic(modifiers) || (extendable && Modifier.isProtected(modifiers));
    }

    private void executable(Executable e, String where) {
        for (TypeVariable<?> v : e.getTypeParameters()) {
            mention(v, where + " type parameter");
        }
        for (Type t : e.getGenericParameterTypes()) {
            mention(t, where + " takes");
        }
        for (Type t : e.getGenericExceptionTypes()) {
            mention(t, where + " throws");
        }
    }

    private void mention(Type type, String where) {
        if (type instanceof Class<?> c) {
            Class<?> top = c;
            while (top.isArray()) {
                top = top.getComponentType();
            }
            while (top.getEnclosingClass() != null) {
                top = top.getEnclosingClass();
            }
            String name = top.getName();
            if (name.startsWith("io.marmot.") && !api.contains(name.substring("io.marmot.".length()).replace('.', '/'))) {
                leaks.add(where + " " + c.getName() + ", which is not API");
            }
        } else if (type instanceof ParameterizedType p) {
            mention(p.getRawType(), where);
            if (p.getOwnerType() != null) {
                mention(p.getOwnerType(), where);
            }
            for (Type a : p.getActualTypeArguments()) {
                mention(a, where);
            }
        } else if (type instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                mention(b, where);
            }
            for (Type b : w.getLowerBounds()) {
                mention(b, where);
            }
        } else if (type instanceof TypeVariable<?> v && seenVariables.add(v)) {
            for (Type b : v.getBounds()) {
                mention(b, where);
            }
        } else if (type instanceof GenericArrayType a) {
            mention(a.getGenericComponentType(), where);
        }
    }
}
