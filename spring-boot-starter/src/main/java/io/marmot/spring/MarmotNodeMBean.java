package io.marmot.spring;

import io.marmot.engine.MarmotEngine;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The figures of {@link MarmotMetrics} as a read-only MBean, for applications without Micrometer:
 * {@code io.marmot:type=Node,database=<file>} on the platform MBean server, one {@code double} attribute per figure
 * ({@code RowsRepaired}, NaN while no engine runs), plus {@code Up}, {@code NodeId}, {@code Ready} and
 * {@code Problems} (what {@code health()} says is wrong).
 */
public final class MarmotNodeMBean implements DynamicMBean {
    private final MarmotReadings readings;
    private final Map<String, MarmotFigure> figures = new LinkedHashMap<>();

    MarmotNodeMBean(Path database) {
        this.readings = new MarmotReadings(database);
        MarmotFigures.ALL.forEach(f -> figures.put(f.attribute(), f));
    }

    /** The name this database's MBean is registered under. */
    public static ObjectName name(Path database) throws JMException {
        return new ObjectName("io.marmot:type=Node,database=" + ObjectName.quote(database.toString()));
    }

    /** Registers the MBean of a database on the platform MBean server; closing unregisters it. */
    public static AutoCloseable register(Path database) throws JMException {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = name(database);
        server.registerMBean(new MarmotNodeMBean(database), name);
        return () -> {
            if (server.isRegistered(name)) {
                server.unregisterMBean(name);
            }
        };
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        switch (attribute) {
            case "Up":
                return readings.engine().isPresent();
            case "NodeId":
                return readings.engine().map(MarmotEngine::nodeId).orElse(-1L);
            case "Ready":
                return readings.engine().map(e -> e.health().ready()).orElse(false);
            case "Problems":
                return readings.engine().map(e -> e.health().problems().toArray(new String[0]))
                        .orElse(new String[] {"no marmot engine runs for " + readings.database() + " in this JVM"});
            default:
                MarmotFigure f = figures.get(attribute);
                if (f == null) {
                    throw new AttributeNotFoundException("no attribute " + attribute + " on a marmot node MBean");
                }
                return readings.value(f);
        }
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        AttributeList list = new AttributeList();
        for (String a : attributes) {
            try {
                list.add(new Attribute(a, getAttribute(a)));
            } catch (AttributeNotFoundException e) {
                // JMX: attributes that cannot be read are left out of the list
            }
        }
        return list;
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException("marmot node MBeans are read-only: " + attribute.getName());
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) {
        throw new UnsupportedOperationException("marmot node MBeans have no operations: " + actionName);
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        List<MBeanAttributeInfo> attrs = new ArrayList<>();
        attrs.add(new MBeanAttributeInfo("Up", "boolean", "Whether the replication engine runs.", true, false, false));
        attrs.add(new MBeanAttributeInfo("NodeId", "long", "This node's id (-1 while no engine runs).", true, false, false));
        attrs.add(new MBeanAttributeInfo("Ready", "boolean", "Whether health() reports ready.", true, false, false));
        attrs.add(new MBeanAttributeInfo("Problems", String[].class.getName(), "What health() says is wrong.", true,
                false, false));
        figures.forEach((name, f) -> attrs.add(new MBeanAttributeInfo(name, "double", f.description(), true, false, false)));
        return new MBeanInfo(getClass().getName(), "A marmot node: replication figures of one database.",
                attrs.toArray(new MBeanAttributeInfo[0]), null, null, null);
    }
}
